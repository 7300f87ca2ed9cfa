"""``ponder serve``: the project's agents behind an OpenAI-compatible API (and Ponder's run API).

With ``--agent NAME`` or any agent flag (``--model``, ``--tools``...) it serves that one agent;
with neither, every ``[agents.NAME]`` of ``ponder.toml`` (or the default agent if there are none).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.cli.common import add_agent_arguments

if TYPE_CHECKING:
    from ponder.agents.spec import AgentSpec

SERVE_MODULES = ("starlette", "uvicorn", "sse_starlette", "prometheus_client")
AGENT_FLAGS = ("model", "tools", "system", "max_steps", "timeout", "protocol", "yes")
DEFAULT_RUN_TIMEOUT = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other needs an API key)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--api-key", help="require 'Authorization: Bearer KEY' (default: $PONDER_SERVE_API_KEY, which keeps it out of `ps`)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="runs at once per remote-model agent (default 8; the embedded model runs one)")
    parser.add_argument("--queue", type=int, default=16, help="requests waiting per agent before 429 (default 16)")
    parser.add_argument("--max-body", type=int, default=1_000_000, help="largest request body in bytes (default 1000000)")
    parser.add_argument("--max-messages", type=int, default=200, help="most messages in one conversation (default 200)")
    parser.add_argument("--state-dir", type=Path, default=Path(".ponder") / "serve", help="where runs are kept (default .ponder/serve)")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN", help="allow browser requests from ORIGIN (repeatable; default: none)")
    parser.add_argument("--no-access-log", action="store_true", help="do not log each request")
    add_agent_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import MissingDependency

    missing = [m for m in SERVE_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingDependency(f"ponder serve needs {', '.join(missing)}", fix="pip install 'ponder[serve]'")

    from pydantic import ValidationError

    from ponder.errors import InputError
    from ponder.serve.settings import API_KEY_ENV, ServeSettings

    key = args.api_key or os.environ.get(API_KEY_ENV) or None
    try:
        settings = ServeSettings(
            host=args.host,
            port=args.port,
            api_key=key,
            concurrency=args.concurrency,
            queue_size=args.queue,
            max_body_bytes=args.max_body,
            max_messages=args.max_messages,
            run_timeout=args.timeout or DEFAULT_RUN_TIMEOUT,
            state_dir=args.state_dir,
            cors_origins=args.cors_origin,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "a flag"
        raise InputError(f"{flag}: {err['msg']}", fix="check that flag's value (ponder serve --help)") from None
    settings.check()  # before loading any model: a refused bind should fail fast

    from ponder.serve.app import create_app
    from ponder.serve.served import ServedAgents
    from ponder.serve.server import serve

    agents = ServedAgents(settings)
    for spec in served_specs(args):
        _prepare(spec)
        served = agents.add(spec)
        load = getattr(served.agent.backend, "load", None)  # the embedded model: load it before listening
        if callable(load):
            print(f"loading {served.agent.backend.name} ...", file=sys.stderr)
            load()
    app = create_app(agents, settings)
    names = ", ".join(s.id for s in agents.listed)
    print(f"serving {names} at http://{_shown(settings.host)}:{settings.port}/v1 (Ctrl-C to stop)", file=sys.stderr)
    serve(app, host=settings.host, port=settings.port, access_log=not args.no_access_log)
    return 0


def served_specs(args: argparse.Namespace) -> list[AgentSpec]:
    """The agents to serve: the one the flags name, or every named agent of ponder.toml."""
    from ponder.agents.spec import AgentSpec
    from ponder.cli.common import agent_spec
    from ponder.config import load_config

    config = load_config()
    flags = any(getattr(args, name, None) for name in AGENT_FLAGS)
    if args.agent or flags or not config.agents:
        return [agent_spec(args, config=config)]
    return [AgentSpec.from_config(config, name) for name in config.agents]


def _prepare(spec: AgentSpec) -> None:
    if spec.model and spec.model.startswith("local:"):
        from ponder.cli.common import prepare_local_model

        prepare_local_model(spec.model.partition(":")[2])


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
