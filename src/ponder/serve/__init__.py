"""``ponder serve``: agents behind an OpenAI-compatible HTTP API, plus a native run API with durable approvals.

>>> from ponder.agents.spec import AgentSpec                       # doctest: +SKIP
>>> agents = ServedAgents(ServeSettings())                           # doctest: +SKIP
>>> agents.add(AgentSpec(model="scripted:echo", tools=[]), model_id="echo")  # doctest: +SKIP
>>> with ServerThread(create_app(agents)) as server:                 # doctest: +SKIP
...     print(server.url + "/v1")

Needs ``pip install 'ponder[serve]'`` (Starlette, uvicorn, sse-starlette, prometheus-client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

_EXPORTS = {
    "create_app": "ponder.serve.app",
    "ServeSettings": "ponder.serve.settings",
    "ServedAgents": "ponder.serve.served",
    "ServerThread": "ponder.serve.server",
    "serve": "ponder.serve.server",
}

if TYPE_CHECKING:
    from ponder.serve.app import create_app
    from ponder.serve.served import ServedAgents
    from ponder.serve.server import ServerThread, serve
    from ponder.serve.settings import ServeSettings

__all__ = ["create_app", "ServeSettings", "ServedAgents", "ServerThread", "serve"]
__getattr__ = lazy_getattr(__name__, _EXPORTS)
