"""The `link` verb: check esskg's links to outside vocabularies and pull in what they say.

`esskg link sdg` collects every UN SDG KOS IRI the project uses (the goals' skos:exactMatch, the
targets of esskg:contributesToSDG, any other http://metadata.un.org/sdg/... IRI), asks the UN
vocabulary about them (a local file or a SPARQL endpoint, through the same SELECT query so both give
the same rows), and fails with the list when one is unknown or owl:deprecated. Otherwise it writes
their types, French and English labels, notations and goal/target hierarchy, with provenance, as
a graph of its own beside the dumps (dist/sdg-links.ttl).

The retrieval date comes from --date, else from the source file's modification date; never from
the clock, so the same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import write_rdf_atomically
from esskg.dump import merged_triples
from esskg.endpoint import (
    ALLOW_ENV,
    Connection,
    EndpointError,
    allowed_endpoints,
    check_endpoint_url,
    remote_query,
)
from esskg.errors import EsskgError, LoadError, display_path
from esskg.i18n import say
from esskg.load import load_project, syntax_error
from esskg.namespaces import PREFIXES, RDF_TYPE, UNSDG, graph_iri, to_curie

__all__ = [
    "SdgLinks",
    "fetch_rows_from_endpoint",
    "fetch_rows_from_file",
    "link_sdg",
    "used_sdg_iris",
]

UN_SCHEME = "http://metadata.un.org/sdg"
# The UN data names its scheme both with and without the trailing slash; esskg writes the first.
SCHEME_ALIASES = frozenset({UN_SCHEME, UN_SCHEME + "/"})
SDGO = "http://metadata.un.org/sdg/ontology#"
PAV = "http://purl.org/pav/"
OUTPUT_NAME = "sdg-links.ttl"
LINKS_GRAPH = graph_iri("sdg-links")
UN_CITATION = (
    "Amit Joshi, Luis Gonzalez Morales, Szymon Klarman, and Aaron Helton. 2019. A Knowledge "
    "Organization System for the United Nations Sustainable Development Goals. New York, NY. "
    "http://metadata.un.org/sdg"
)

SKOS = PREFIXES["skos"]
OWL_DEPRECATED = PREFIXES["owl"] + "deprecated"
LABEL_LANGUAGES = ("fr", "en")

# What is pulled for each IRI; hierarchy links are kept only between IRIs esskg uses.
_KEPT = (
    RDF_TYPE,
    SKOS + "prefLabel",
    SKOS + "notation",
    SKOS + "inScheme",
    SKOS + "topConceptOf",
    SKOS + "exactMatch",
    SKOS + "broader",
    SKOS + "narrower",
    SDGO + "hasTarget",
    SDGO + "isTargetOf",
    OWL_DEPRECATED,
)
_HIERARCHY = frozenset(
    {SKOS + "broader", SKOS + "narrower", SDGO + "hasTarget", SDGO + "isTargetOf"}
)
_SCHEME_LINKS = frozenset({SKOS + "inScheme", SKOS + "topConceptOf"})

SOURCE_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = tuple[ox.NamedNode, ox.NamedNode, Term]
# The UN SDG KOS answer is a few hundred rows: a much larger one is not that vocabulary.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 30


@dataclass
class SdgLinks:
    """What the UN vocabulary says about the IRIs esskg uses."""

    used: list[str]
    unknown: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    notations: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def resolved(self) -> bool:
        return not self.unknown and not self.deprecated


def used_sdg_iris(store: ox.Store) -> list[str]:
    """Every UN SDG KOS concept IRI the project mentions, goals and targets in code order.

    graph:un-sdg, the packaged copy of the UN KOS itself, names every goal and target, and
    graph:inferred its closure: they are the reference, not a use, so they are left out.
    """
    found: set[str] = set()
    reference = {ox.NamedNode(graph_iri("un-sdg")), ox.NamedNode(graph_iri("inferred"))}
    for quad in store:
        if quad.graph_name in reference:
            continue
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(UN_SCHEME):
                found.add(term.value)
    return sorted((iri for iri in found - SCHEME_ALIASES if iri.startswith(UNSDG)), key=_code_key)


def _code_key(iri: str) -> tuple:
    # "2.a" after "2.10", goals before their targets: numbers compare as numbers.
    code = iri.removeprefix(UNSDG)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def fetch_query(iris: list[str]) -> str:
    """The SELECT that both the file and the endpoint path run: the kept statements about `iris`."""
    values = " ".join(f"<{iri}>" for iri in [*iris, *sorted(SCHEME_ALIASES)])
    kept = ", ".join(f"<{p}>" for p in _KEPT)
    return f"SELECT ?c ?p ?o WHERE {{ VALUES ?c {{ {values} }} ?c ?p ?o . FILTER(?p IN ({kept})) }}"


def read_source(path: Path) -> ox.Store:
    """The UN vocabulary file parsed strictly (no base IRI, no remote JSON-LD contexts)."""
    rdf_format = SOURCE_FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        accepted = ", ".join(sorted(SOURCE_FORMATS))
        raise LoadError(
            path,
            say(
                f"type de fichier inconnu {path.suffix or '(sans extension)'!r}",
                f"unknown file type {path.suffix or '(no extension)'!r}",
            ),
            hint=say(f"esskg lit {accepted}", f"esskg reads {accepted}"),
        )
    if not path.is_file():
        raise LoadError(
            path,
            say("fichier introuvable", "no such file"),
            hint=say(
                "vérifiez le chemin de la copie du KOS ODD des Nations unies",
                "check the path to the UN SDG KOS copy",
            ),
        )
    store = ox.Store()
    try:
        store.load(path=path, format=rdf_format, base_iri=None)
    except SyntaxError as e:
        raise syntax_error(path, e) from None
    return store


def fetch_rows_from_file(path: Path, iris: list[str]) -> list[Row]:
    store = read_source(path)
    # A .nq or .trig copy may keep the vocabulary in named graphs: read them all.
    query = store.query(fetch_query(iris), use_default_graph_as_union=True)
    return [(s["c"], s["p"], s["o"]) for s in query]


def fetch_rows_from_endpoint(
    endpoint: str, iris: list[str], *, allowed: list[str], timeout: int, max_bytes: int
) -> list[Row]:
    """The same SELECT as fetch_rows_from_file, at an endpoint on the allow-list."""
    result = remote_query(
        Connection(endpoint, timeout=timeout),
        fetch_query(iris),
        max_bytes=max_bytes,
        allowed=allowed,
    )
    if not isinstance(result, ox.QuerySolutions):
        raise EndpointError(
            endpoint,
            say(
                "la réponse à une requête SELECT n'est pas un tableau de résultats",
                "the answer to a SELECT query is not a table of results",
            ),
        )
    return [(s["c"], s["p"], s["o"]) for s in result]


def describe(used: list[str], rows: list[Row]) -> SdgLinks:
    """Check `used` against the rows and build the link graph's content (without provenance)."""
    facts: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    for c, p, o in rows:
        subject = UN_SCHEME if c.value in SCHEME_ALIASES else c.value
        facts[subject].append((p.value, o))
    links = SdgLinks(used=used)
    wanted = set(used)
    for iri in used:
        said = facts.get(iri, [])
        if not any(p == RDF_TYPE for p, _ in said):
            links.unknown.append(iri)
        elif any(p == OWL_DEPRECATED and _is_true(o) for p, o in said):
            links.deprecated.append(iri)
    if not links.resolved:
        return links

    triples: set[ox.Triple] = set()
    for iri in [*used, UN_SCHEME]:
        subject = ox.NamedNode(iri)
        for p, o in facts.get(iri, []):
            if p == OWL_DEPRECATED:
                continue
            if p == SKOS + "prefLabel" and (
                not isinstance(o, ox.Literal) or o.language not in LABEL_LANGUAGES
            ):
                continue
            if p in _SCHEME_LINKS and isinstance(o, ox.NamedNode) and o.value in SCHEME_ALIASES:
                o = ox.NamedNode(UN_SCHEME)
            if p in _HIERARCHY and (not isinstance(o, ox.NamedNode) or o.value not in wanted):
                continue
            if iri == UN_SCHEME and p not in (RDF_TYPE, SKOS + "prefLabel"):
                continue
            triples.add(ox.Triple(subject, ox.NamedNode(p), o))
            if p == SKOS + "prefLabel":
                links.titles.setdefault(iri, {})[o.language] = o.value
            elif p == SKOS + "notation" and o.datatype.value == SDGO + "SDGCodeCompact":
                links.notations[iri] = o.value
            elif p == RDF_TYPE and o.value.startswith(SDGO):
                links.kinds[iri] = o.value.removeprefix(SDGO)
    links.triples = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return links


def _is_true(term: Term) -> bool:
    return isinstance(term, ox.Literal) and term.value.strip() in ("true", "1")


def provenance_triples(source: str | ox.NamedNode, retrieved: dt.date) -> list[ox.Triple]:
    """Where the pulled statements come from and when they were retrieved."""
    graph = ox.NamedNode(LINKS_GRAPH)
    dcterms = PREFIXES["dcterms"]
    source_term = source if isinstance(source, ox.NamedNode) else ox.Literal(source)
    facts = [
        (RDF_TYPE, ox.NamedNode(PREFIXES["prov"] + "Entity")),
        (
            dcterms + "title",
            ox.Literal(
                "Ce que le KOS ODD des Nations unies dit des IRI utilisées par esskg", language="fr"
            ),
        ),
        (
            dcterms + "title",
            ox.Literal("What the UN SDG KOS says about the IRIs esskg uses", language="en"),
        ),
        (PREFIXES["prov"] + "wasDerivedFrom", ox.NamedNode(UN_SCHEME)),
        (dcterms + "source", source_term),
        (
            PAV + "retrievedOn",
            ox.Literal(retrieved.isoformat(), datatype=ox.NamedNode(PREFIXES["xsd"] + "date")),
        ),
        (dcterms + "bibliographicCitation", ox.Literal(UN_CITATION)),
    ]
    return [ox.Triple(graph, ox.NamedNode(p), o) for p, o in facts]


def links_turtle(triples: list[ox.Triple]) -> bytes:
    prefixes = {**PREFIXES, "sdgo": SDGO, "pav": PAV}
    return ox.serialize(merged_triples(triples), format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def link_sdg(
    *,
    source: Path | None = None,
    endpoint: str | None = None,
    outdir: Path = Path("dist"),
    date: dt.date | None = None,
    root: Path | str | None = None,
    allowed: list[str] | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[SdgLinks, Path | None]:
    """Check and pull the project's UN SDG links; (result, file written or None when unresolved)."""
    if (source is None) == (endpoint is None):
        raise EsskgError(
            say(
                "donnez soit --source FICHIER, soit --endpoint URL (un seul des deux)",
                "give exactly one of --source FILE and --endpoint URL",
            )
        )
    if endpoint is not None:
        check_endpoint_url(endpoint, "query", "--endpoint")
    used = used_sdg_iris(load_project(root=root))
    if source is not None:
        rows = fetch_rows_from_file(source, used)
        retrieved = date or dt.datetime.fromtimestamp(source.stat().st_mtime, dt.UTC).date()
        label: str | ox.NamedNode = source.name
    else:
        if date is None:
            raise EsskgError(
                say(
                    "--endpoint demande --date AAAA-MM-JJ : esskg ne lit pas l'horloge, pour que "
                    "les mêmes données donnent le même fichier",
                    "--endpoint needs --date YYYY-MM-DD: esskg does not read the clock, so that "
                    "the same data gives the same file",
                )
            )
        rows = fetch_rows_from_endpoint(
            endpoint,
            used,
            allowed=allowed_endpoints(allowed or []),
            timeout=timeout,
            max_bytes=max_bytes,
        )
        retrieved = date
        label = ox.NamedNode(endpoint)
    links = describe(used, rows)
    if not links.resolved:
        return links, None
    target = Path(outdir) / OUTPUT_NAME
    everything = links.triples + provenance_triples(label, retrieved)
    write_rdf_atomically(
        target, links_turtle(everything), ox.RdfFormat.TURTLE, len(set(everything))
    )
    return links, target


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "link",
        help=say(
            "contrôle les liens d'esskg vers des vocabulaires extérieurs et en reprend les "
            "libellés",
            "check esskg's links to outside vocabularies and pull in their labels",
        ),
        description=say(
            "Contrôle les liens d'esskg vers des vocabulaires extérieurs.",
            "Check esskg's links to outside vocabularies.",
        ),
    )
    targets = parser.add_subparsers(
        dest="vocabulary", metavar=say("VOCABULAIRE", "VOCABULARY"), required=True
    )
    sdg = targets.add_parser(
        "sdg",
        help=say(
            "contrôle les IRI du KOS ODD des Nations unies qu'utilise esskg et écrit "
            "dist/sdg-links.ttl",
            "check the UN SDG KOS IRIs esskg uses and write dist/sdg-links.ttl",
        ),
        description=say(
            "Vérifie que chaque IRI du KOS ODD des Nations unies qu'utilise esskg existe dans "
            "ce vocabulaire et n'est pas dépréciée, puis écrit leurs libellés français et "
            "anglais, leurs notations et la hiérarchie objectifs/cibles, avec leur provenance, "
            f"dans DOSSIER/{OUTPUT_NAME}. Sortie 1 avec la liste quand une IRI est inconnue ou "
            "dépréciée ; rien n'est écrit alors.",
            "Check that every UN SDG KOS IRI esskg uses exists in the UN vocabulary and is not "
            "deprecated, then write their French and English labels, notations and goal/target "
            f"hierarchy, with provenance, to DIR/{OUTPUT_NAME}. Exit 1 with the list when an "
            "IRI is unknown or deprecated; nothing is written then.",
        ),
    )
    where = sdg.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--source",
        type=Path,
        metavar=say("FICHIER", "FILE"),
        help=say(
            "le KOS ODD des Nations unies en Turtle, N-Triples, JSON-LD ou RDF/XML",
            "the UN SDG KOS as Turtle, N-Triples, JSON-LD, RDF/XML",
        ),
    )
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help=say(
            "un point d'accès SPARQL qui contient le KOS ODD des Nations unies",
            "a SPARQL endpoint holding the UN SDG KOS",
        ),
    )
    sdg.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("dist"),
        metavar=say("DOSSIER", "DIR"),
        help=say("dossier de sortie", "output folder"),
    )
    sdg.add_argument(
        "--date",
        type=_date,
        metavar=say("AAAA-MM-JJ", "YYYY-MM-DD"),
        help=say(
            "date de récupération à noter (défaut pour --source : la date de modification du "
            "fichier ; obligatoire avec --endpoint)",
            "retrieval date to record (default for --source: the file's modification date; "
            "required with --endpoint)",
        ),
    )
    sdg.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="URL",
        help=say(
            f"autorise ce point d'accès (répétable ; aussi ${ALLOW_ENV}) ; la boucle locale "
            "l'est toujours",
            f"allow this endpoint (repeatable; also ${ALLOW_ENV}); loopback always is",
        ),
    )
    sdg.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        metavar=say("SECONDES", "SECONDS"),
        help=say("délai d'attente de la réponse", "time to wait for the answer"),
    )
    sdg.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help=say("taille maximale de la réponse, en octets", "answer size cap, in bytes"),
    )
    sdg.set_defaults(run=run_sdg)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            say(f"{text!r} n'est pas une date AAAA-MM-JJ", f"{text!r} is not a date YYYY-MM-DD")
        ) from None


def run_sdg(args: argparse.Namespace) -> int:
    links, written = link_sdg(
        source=args.source,
        endpoint=args.endpoint,
        outdir=args.output,
        date=args.date,
        root=args.root,
        allowed=args.allow,
        timeout=args.timeout,
        max_bytes=args.max_bytes,
    )
    if not links.resolved:
        for iri in links.unknown:
            print(say("inconnue", "unknown") + f"\t{to_curie(iri)}\t{iri}", file=sys.stderr)
        for iri in links.deprecated:
            print(say("dépréciée", "deprecated") + f"\t{to_curie(iri)}\t{iri}", file=sys.stderr)
        print(
            say(
                f"link sdg : {len(links.unknown)} inconnues et {len(links.deprecated)} "
                f"dépréciées sur {len(links.used)} IRI ODD des Nations unies ; rien n'est écrit",
                f"link sdg: {len(links.unknown)} unknown and {len(links.deprecated)} deprecated "
                f"of {len(links.used)} UN SDG IRIs; nothing written",
            ),
            file=sys.stderr,
        )
        return 1
    for iri in links.used:
        title = links.titles.get(iri, {}).get("fr", "")
        print(
            f"{to_curie(iri)}\t{links.kinds.get(iri, '')}\t{links.notations.get(iri, '')}\t{title}"
        )
        if not title:
            print(
                say(
                    f"link sdg : avertissement : pas de titre français pour {iri}",
                    f"link sdg: warning: no French title for {iri}",
                ),
                file=sys.stderr,
            )
    print(
        say(
            f"link sdg : les {len(links.used)} IRI ODD des Nations unies sont résolues ; "
            f"{display_path(written)} écrit ({len(links.triples)} énoncés + provenance)",
            f"link sdg: all {len(links.used)} UN SDG IRIs resolved; wrote "
            f"{display_path(written)} ({len(links.triples)} statements + provenance)",
        ),
        file=sys.stderr,
    )
    return 0
