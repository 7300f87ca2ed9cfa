"""A server in its own process, for the tests that kill it: ``python -m tests.serve.launch PORT STATE_DIR``.

Serves ``noter`` (calls ``append_note``, which needs approval, then answers) and ``drip`` (a slow
model, for runs still in flight at shutdown) on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ponder.agents.spec import AgentSpec
from ponder.serve.app import create_app
from ponder.serve.served import ServedAgents
from ponder.serve.server import serve
from ponder.serve.settings import ServeSettings
from tests.serve.helpers import APPROVAL_TOOL, DripBackend, calling


def main() -> None:
    port, state_dir = int(sys.argv[1]), Path(sys.argv[2])
    agents = ServedAgents(ServeSettings(state_dir=state_dir, shutdown_grace=1.0))
    agents.add(AgentSpec(tools=[APPROVAL_TOOL]), model_id="noter", backend=calling("append_note", {"text": "hello"}))
    agents.add(AgentSpec(tools=[]), model_id="drip", backend=DripBackend(words=1000, interval=0.02))
    serve(create_app(agents), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
