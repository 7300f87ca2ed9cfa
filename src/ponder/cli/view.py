"""``ponder view [PATH]``: serve a project's run records and eval logs on 127.0.0.1."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from pathlib import Path

DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, default=Path("."), help="the project directory, the one holding .ponder/ (default: here)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")


def project_root(path: Path) -> Path:
    from ponder.errors import InputError

    path = path.expanduser().resolve()
    if path.name == ".ponder" and path.is_dir():
        return path.parent
    if path.is_file():
        raise InputError(f"{path} is a file", fix="pass the project directory, the one holding .ponder/ (or nothing, for here)")
    if not path.is_dir():
        raise InputError(f"no directory at {path}", fix="pass the project directory, the one holding .ponder/")
    return path


def bind(host: str, port: int) -> socket.socket:
    from ponder.errors import InputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is in use", fix="pass another --port (0 picks a free one)") from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}", fix="check --host and --port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import MissingDependency

    root = project_root(args.path)
    try:
        import uvicorn

        from ponder.viewer.app import create_app
    except ImportError as exc:
        raise MissingDependency(f"ponder view needs Starlette and uvicorn ({exc.name} is missing)", fix="pip install 'ponder[view]'") from None
    loopback = _is_loopback(args.host)
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown}:{port}/"
    if not (root / ".ponder").is_dir():
        print(f"note: nothing is recorded in {root / '.ponder'} yet (ponder eval and ponder run write there)", file=sys.stderr)
    if not loopback:
        print(f"warning: listening on {args.host}: anyone who can reach it can read this project's records", file=sys.stderr)
    print(f"ponder view: {url}  (records of {root}; Ctrl-C to stop)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    app = create_app(root, allowed_hosts=None if loopback else ["*"])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
    return 0
