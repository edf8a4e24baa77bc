"""The `push` verb: upload the project's graphs to a SPARQL server, replacing what it held.

Each named graph (graph:ontology, graph:source, ...) is replaced in one request: a Graph Store
Protocol PUT, or, where the server has no graph store (or answers 404/405/501 to it), one SPARQL
Update request `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> {...} }`. Queries then rely on the
server reading the default graph as the union of the named graphs, as the embedded store does
(docs/sparql-servers.md says how to turn that on per server). With --graph IRI the union is sent
as one graph instead, for servers that cannot do that; queries then name it with --graph.
"""

from __future__ import annotations

import argparse
import sys
import time

import pyoxigraph as ox

from esskg.build import quality_gate
from esskg.endpoint import (
    DEFAULT_TIMEOUT,
    Connection,
    HttpStatusError,
    check_endpoint_url,
    remote_query,
    send,
)
from esskg.errors import EsskgError
from esskg.i18n import say
from esskg.load import load_dataset
from esskg.namespaces import GRAPH
from esskg.resources import project

_NO_GRAPH_STORE = (404, 405, 501)


def project_graphs(dataset: ox.Dataset, single_graph: str | None = None) -> dict[str, bytes]:
    """Graph IRI -> its triples as N-Triples text; the union in `single_graph` when given.

    Serialised by pyoxigraph graph by graph, one line per triple: no Python object per triple
    is kept, and nothing is sorted (the server does not care about order).
    """
    names = sorted({q.graph_name.value for q in dataset})
    bodies = {
        name: ox.serialize(
            (q.triple for q in dataset.quads_for_graph_name(ox.NamedNode(name))),
            format=ox.RdfFormat.N_TRIPLES,
        )
        for name in names
    }
    if single_graph is None:
        return bodies
    # A triple held in two graphs is sent once.
    lines = {line for body in bodies.values() for line in body.splitlines(keepends=True)}
    return {single_graph: b"".join(sorted(lines))}


def triple_count(body: bytes) -> int:
    """Triples in N-Triples text: one per line (a line break inside a literal is escaped)."""
    return body.count(b"\n")


def put_graph(target: Connection, graph: str, body: bytes, *, gsp: bool, update: Connection) -> str:
    """Replace `graph` on the server with the N-Triples `body` in one request; the method used."""
    if gsp:
        try:
            send(target, "PUT", body, "application/n-triples", {"graph": graph})
            return "graph store PUT"
        except HttpStatusError as e:
            if e.status not in _NO_GRAPH_STORE:
                raise
    iri = str(ox.NamedNode(graph))
    text = (
        f"DROP SILENT GRAPH {iri} ;\nINSERT DATA {{ GRAPH {iri} {{\n{body.decode('utf-8')}}} }}\n"
    )
    send(update, "POST", text.encode("utf-8"), "application/sparql-update")
    return "SPARQL Update"


def drop_graph(update: Connection, graph: str) -> None:
    send(
        update,
        "POST",
        f"DROP SILENT GRAPH {ox.NamedNode(graph)}".encode(),
        "application/sparql-update",
    )


def server_counts(query: Connection, graphs: list[str], *, others: bool) -> dict[str, int]:
    """Triples held in each of `graphs` (and, with `others`, in any other graph:* graph)."""
    listed = f"?g IN ({', '.join(str(ox.NamedNode(g)) for g in graphs)})"
    condition = f'STRSTARTS(STR(?g), "{GRAPH}") || {listed}' if others else listed
    text = (
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({condition}) }} "
        "GROUP BY ?g"
    )
    result = remote_query(query, text)
    counts = dict.fromkeys(graphs, 0)
    for row in result:
        counts[row["g"].value] = int(row["n"].value)
    return counts


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push",
        help=say(
            "envoie les graphes à un serveur SPARQL, en remplaçant la version précédente",
            "upload the graphs to a SPARQL server, replacing the previous version",
        ),
        description=say(
            "Valide le projet et envoie chaque graphe nommé à un serveur SPARQL 1.1, en le "
            "remplaçant en une requête (PUT du Graph Store Protocol avec --gsp, sinon SPARQL "
            "Update). Affiche les triplets envoyés et ceux que le serveur détient ensuite. "
            "Voir docs/sparql-servers.md.",
            "Validate the project and upload each named graph to a SPARQL 1.1 server, "
            "replacing it in one request (Graph Store Protocol PUT with --gsp, else SPARQL "
            "Update). Prints the triples sent and those the server then holds. See "
            "docs/sparql-servers.md.",
        ),
    )
    parser.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help=say("le point d'accès SPARQL de requête", "the SPARQL query endpoint"),
    )
    parser.add_argument(
        "--gsp",
        metavar="URL",
        help=say(
            "le point d'accès graph store, par ex. http://localhost:7878/store",
            "the graph store endpoint, e.g. http://localhost:7878/store",
        ),
    )
    parser.add_argument(
        "--update",
        metavar="URL",
        help=say(
            "le point d'accès SPARQL Update (défaut : celui de requête, son /query final "
            "remplacé par /update comme le nomment Oxigraph et Fuseki)",
            "the SPARQL Update endpoint (default: the query endpoint, with a final /query "
            "replaced by /update as Oxigraph and Fuseki name it)",
        ),
    )
    parser.add_argument(
        "--graph",
        metavar="IRI",
        help=say(
            "envoie l'union comme ce seul graphe au lieu d'un graphe par dossier",
            "send the union as this one graph instead of one graph per folder",
        ),
    )
    parser.add_argument(
        "--user",
        metavar="U",
        help=say("nom d'utilisateur pour écrire", "user name for writing"),
    )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help=say(
            "variable d'environnement qui contient le mot de passe (jamais le mot de passe "
            "lui-même)",
            "environment variable holding the password (never the password itself)",
        ),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=say("délai par requête, en secondes", "per request, in seconds"),
    )
    parser.add_argument(
        "--no-validate",
        action="store_true",
        help=say(
            "envoie sans valider par les formes", "push without validating against the shapes"
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Every URL checked before validation and before anything is sent: a wrong one found after
    # the upload would leave the server half-updated.
    check_endpoint_url(args.endpoint, "query", "--endpoint")
    if args.gsp:
        check_endpoint_url(args.gsp, "graph store", "--gsp")
    update_url = args.update or _default_update(args.endpoint)
    check_endpoint_url(update_url, "update", "--update" if args.update else "--endpoint")
    conn = Connection.from_args(args.endpoint, args.user, args.password_env, args.timeout)
    update = conn.at(update_url)
    if args.graph:
        try:
            ox.NamedNode(args.graph)
        except ValueError:
            raise EsskgError(
                say(
                    f"--graph {args.graph!r} n'est pas une IRI absolue",
                    f"--graph {args.graph!r} is not an absolute IRI",
                )
            ) from None
    layout = project(args.root)
    # The exact terms, as build writes them: a Store would send "2"^^xsd:nonNegativeInteger
    # as "2"^^xsd:integer (it keeps typed literals by value).
    dataset = load_dataset(root=layout.root)
    if not args.no_validate:
        # build's quality gate, the one publish passes too.
        gate = quality_gate(dataset, layout.root)
        if not gate.passed:
            sys.stderr.write(gate.explain())
            print(
                say(
                    "push arrêté : les données ne sont pas conformes ; rien n'est envoyé",
                    "push stopped: the data does not conform; nothing sent",
                ),
                file=sys.stderr,
            )
            return 1
    graphs = project_graphs(dataset, args.graph)
    gsp = conn.at(args.gsp) if args.gsp else None
    started = time.monotonic()
    sent_counts = {graph: triple_count(body) for graph, body in graphs.items()}
    for graph, body in graphs.items():
        method = put_graph(gsp or update, graph, body, gsp=gsp is not None, update=update)
        count = sent_counts[graph]
        print(
            say(
                f"envoyé {graph} : {count} triplets ({method})",
                f"sent {graph}: {count} triples ({method})",
            ),
            file=sys.stderr,
        )
    held = server_counts(conn, list(graphs), others=not args.graph)
    for stale in sorted(set(held) - set(graphs)):
        # A graph:* graph the previous version had and this one has not (a removed data folder).
        drop_graph(update, stale)
        print(
            say(
                f"supprimé {stale} : il n'est plus dans le projet",
                f"dropped {stale}: no longer in the project",
            ),
            file=sys.stderr,
        )
        held.pop(stale)
    elapsed = time.monotonic() - started
    rows = [(g, n, held.get(g, 0)) for g, n in sent_counts.items()]
    print(say("graphe\tenvoyés\tserveur", "graph\tsent\tserver"))
    for graph, sent, count in rows:
        print(f"{graph}\t{sent}\t{count}")
    total_sent, total_held = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"total\t{total_sent}\t{total_held}")
    print(
        say(
            f"{total_sent} triplets envoyés à {args.endpoint} en {elapsed:.2f} s",
            f"pushed {total_sent} triples to {args.endpoint} in {elapsed:.2f} s",
        ),
        file=sys.stderr,
    )
    if total_sent != total_held or any(sent != count for _, sent, count in rows):
        print(
            say(
                "le serveur détient un autre nombre de triplets que celui envoyé",
                "the server holds a different number of triples than were sent",
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def _default_update(endpoint: str) -> str:
    base, _, last = endpoint.rstrip("/").rpartition("/")
    return f"{base}/update" if last == "query" else endpoint
