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

from esskg.errors import EsskgError, os_message
from esskg.i18n import say

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=say(
            "parcourt le graphe et l'interroge par HTTP (pages, point d'accès SPARQL)",
            "browse the graph and query it over HTTP (pages, SPARQL endpoint)",
        ),
        description=say(
            "Sert le graphe : une page par ressource, la négociation de contenu sur le chemin "
            "de chaque IRI d'esskg, les requêtes fournies en formulaires et un point d'accès "
            "SPARQL en lecture seule sur /sparql. Écoute sur 127.0.0.1 sauf si --host dit "
            "autre chose ; derrière un proxy inverse, voir docs/serving.md.",
            "Serve the graph: a page per resource, content negotiation on every esskg IRI's "
            "path, the canned queries as forms and a read-only SPARQL endpoint at /sparql. "
            "Binds to 127.0.0.1 unless --host says otherwise; behind a reverse proxy see "
            "docs/serving.md.",
        ),
    )
    parser.add_argument(
        "--release",
        type=Path,
        metavar=say("DOSSIER", "DIR"),
        help=say(
            "sert une version publiée (son esskg.nq)", "serve a published release (its esskg.nq)"
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help=say("adresse d'écoute", "address to listen on")
    )
    parser.add_argument(
        "--port", type=_port, default=8000, help=say("port d'écoute", "port to listen on")
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help=say("durée maximale d'une requête, en secondes", "time limit per query, in seconds"),
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help=say("processus qui exécutent les requêtes", "query worker processes"),
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        metavar="N",
        help=say(
            "lignes par réponse ; au-delà, la réponse est coupée et le dit",
            "rows per answer; beyond, the answer is cut and says so",
        ),
    )
    parser.add_argument(
        "--queue",
        type=int,
        default=4,
        metavar="N",
        help=say(
            "requêtes qui peuvent attendre un processus libre ; au-delà : 503",
            "queries that may wait for a worker; beyond: 503",
        ),
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        metavar="S",
        help=say(
            "secondes de calcul de requêtes par client et par minute",
            "seconds of query time each client may use per minute",
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from esskg.resources import project
    from esskg.serve.app import Limits, create_app
    from esskg.serve.data import ServeError, open_data

    if args.workers < 1 or args.timeout <= 0 or args.max_rows < 1 or args.queue < 0:
        raise ServeError(
            say(
                "--workers, --timeout et --max-rows doivent être positifs, --queue pas négatif",
                "--workers, --timeout and --max-rows must be positive, --queue not negative",
            )
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
        url = f"http://{host}:{args.port}/"
        print(
            say(
                f"esskg : {data.statements} énoncés servis sur {url} (Ctrl-C arrête)",
                f"esskg: serving {data.statements} statements at {url} (Ctrl-C stops)",
            ),
            file=sys.stderr,
        )
        # A stop (SIGTERM, Ctrl-C) waits at most this long for the answers under way, then
        # cancels them (their workers are killed): never a whole --timeout for a running query.
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=_GRACE,
        )
        uvicorn.Server(config).run(sockets=[listener])
    except _Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()
    print(say("esskg : arrêté", "esskg: stopped"), file=sys.stderr)
    return 0


_GRACE = 3.0


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
            say(
                f"impossible d'écouter sur {host}:{port} ({os_message(e)}) ; le port est "
                "peut-être pris : choisissez-en un autre avec --port, ou arrêtez l'autre serveur",
                f"cannot listen on {host}:{port} ({os_message(e)}); the port may be in use: "
                "choose another with --port, or stop the other server",
            )
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _port(text: str) -> int:
    """A TCP port for --port: argparse says what is wrong, never a traceback from bind()."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            say(f"{text!r} n'est pas un numéro de port", f"{text!r} is not a port number")
        ) from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            say(
                f"{port} n'est pas un port : donnez un nombre de 0 à 65535",
                f"{port} is not a port: give a number from 0 to 65535",
            )
        )
    return port
