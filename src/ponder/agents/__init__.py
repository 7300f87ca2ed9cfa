"""The reasoning loop: step machine, action extraction, events, results and sessions."""
