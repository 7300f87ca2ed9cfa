"""Real servers on loopback (model APIs, MCP) for tests that drive the real clients."""
