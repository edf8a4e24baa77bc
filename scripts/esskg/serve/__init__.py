"""The `serve` verb: the graph over HTTP, for people (pages, query forms) and for RDF clients.

Every esskg IRI answers under its own path (https://w3id.org/esskg/id/x at /id/x), negotiated
between HTML, Turtle, JSON-LD, N-Triples and RDF/XML; /sparql is a read-only SPARQL 1.1
Protocol endpoint whose queries run in killable worker processes (esskg.serve.workers).
The heavy imports (Starlette, uvicorn) happen only when the verb runs.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from pathlib import Path

from esskg.errors import EsskgError

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="browse the graph and query it over HTTP (pages, SPARQL endpoint)",
        description="Serve the graph: a page per resource, content negotiation on every esskg "
        "IRI's path, the canned queries as forms and a read-only SPARQL endpoint at /sparql. "
        "Binds to 127.0.0.1 unless --host says otherwise; behind a reverse proxy see "
        "docs/serving.md.",
    )
    parser.add_argument(
        "--release", type=Path, metavar="DIR", help="serve a published release (its esskg.nq)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8000, help="default: 8000")
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="time limit per query (10 s)"
    )
    parser.add_argument("--workers", type=int, default=2, help="query worker processes (2)")
    parser.add_argument(
        "--max-rows", type=int, default=10_000, help="rows per answer, beyond: cut and said"
    )
    parser.add_argument(
        "--queue", type=int, default=4, help="queries that may wait for a worker; beyond: 503"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds of query time each client may use per minute (30)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from esskg.resources import project
    from esskg.serve.app import Limits, create_app
    from esskg.serve.data import ServeError, open_data

    if args.workers < 1 or args.timeout <= 0 or args.max_rows < 1 or args.queue < 0:
        raise ServeError(
            "--workers, --timeout and --max-rows must be positive, --queue not negative"
        )
    listener = _listen(args.host, args.port)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again; with this handler (also
    # while the store is being built, whose temp folder is then removed) SIGTERM ends here.
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        data = open_data(project(args.root), args.release)
        limits = Limits(args.timeout, args.workers, args.max_rows, args.budget, args.queue)
        app = create_app(data, limits, root=args.root)
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(
            f"esskg: serving {data.statements} statements at http://{host}:{args.port}/ "
            "(Ctrl-C stops)",
            file=sys.stderr,
        )
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        uvicorn.Server(config).run(sockets=[listener])
    except _Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()
    print("esskg: stopped", file=sys.stderr)
    return 0


class _Stopped(Exception):
    """SIGTERM reached esskg serve (after uvicorn's graceful shutdown)."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before loading: a port in use is said at once, plainly."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise EsskgError(
            f"cannot listen on {host}:{port} ({e.strerror or e}); the port may be in use: "
            "choose another with --port, or stop the other server"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _port(text: str) -> int:
    """A TCP port for --port: argparse says what is wrong, never a traceback from bind()."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: give a number from 0 to 65535")
    return port
