"""``chainrule playground``: serve the web playground and open it in the browser."""

from __future__ import annotations

import socket
import threading
import webbrowser

from .common import CLIError

HELP = ("Open the web playground: pick a dataset and a network in the browser and watch it "
        "train live (needs the 'playground' extra: starlette and uvicorn).")


def _port(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {text!r}")
    return value


def add_arguments(p):
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (127.0.0.1: this machine only; 0.0.0.0 lets "
                   "anyone on the network use it)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (0: any free one)")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser window, just serve")


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, so that a busy port fails here with one clear line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        # create_server appends "(while attempting to bind ...)" to strerror: keep it short
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        raise CLIError(f"cannot listen on {host}:{port}: {reason}; pick another --port or "
                       "--host") from None


def run(args) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ModuleNotFoundError as exc:
        raise CLIError(f"the playground needs starlette and uvicorn, and {exc.name} is not "
                       "installed: pip install 'chainrule[playground]'") from None
    from ..playground import create_app

    sock = _listen(args.host, args.port)
    port = sock.getsockname()[1]
    shown = "localhost" if args.host in ("127.0.0.1", "localhost") else args.host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    print(f"chainrule playground: serving on {url} (press Ctrl+C to stop)", flush=True)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
