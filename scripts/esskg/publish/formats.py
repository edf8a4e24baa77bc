"""The release's RDF files: serialisations of the graph, each checked to hold what it was given.

Every serialisation is deterministic: blank nodes are named by RDFC-1.0, statements are sorted, the
JSON-LD keys are sorted, gzip is written with mtime 0 and no file name. The check re-parses the
bytes strictly with pyoxigraph and compares the canonical quads with the expected ones, so literals
must come back byte-identical (pyoxigraph compares literals by lexical form, language and datatype).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.dump import ntriples_bytes, turtle_bytes
from esskg.i18n import say
from esskg.namespaces import PREFIXES, RDF_TYPE

__all__ = [
    "RDF_FORMATS",
    "RdfFile",
    "canonical_quads",
    "canonical_set",
    "gzip_bytes",
    "jsonld_context",
    "parsed_quads",
    "same_graph_check",
]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class RdfFile:
    """One RDF serialisation: suffix, pyoxigraph format, media type, whether it keeps graphs."""

    suffix: str
    rdf_format: ox.RdfFormat
    media_type: str
    keeps_graphs: bool


RDF_FORMATS: dict[str, RdfFile] = {
    "ttl": RdfFile(".ttl", ox.RdfFormat.TURTLE, "text/turtle", False),
    "nt": RdfFile(".nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", False),
    "jsonld": RdfFile(".jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", False),
    "trig": RdfFile(".trig", ox.RdfFormat.TRIG, "application/trig", True),
    "nq": RdfFile(".nq", ox.RdfFormat.N_QUADS, "application/n-quads", True),
}


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes named by RDFC-1.0, sorted by graph, subject, predicate, object."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(
        set(dataset),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )


def canonical_set(quads: Iterable[ox.Quad]) -> frozenset[ox.Quad]:
    """A set two datasets share exactly when they are isomorphic (literals byte for byte)."""
    return frozenset(canonical_quads(quads))


def serialize(name: str, *, triples: list[ox.Triple], quads: list[ox.Quad]) -> bytes:
    """The bytes of format `name` (a key of RDF_FORMATS): triples if merged, quads otherwise."""
    if name == "ttl":
        return turtle_bytes(triples)
    if name == "nt":
        return ntriples_bytes(triples)
    if name == "jsonld":
        return jsonld_bytes(triples)
    if name == "trig":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES))
    if name == "nq":
        lines = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
        return b"".join(sorted(lines))
    raise ValueError(f"unknown RDF format {name!r}")


def jsonld_context() -> dict[str, object]:
    """The JSON-LD context: the project prefix map, nothing remote, no term that changes meaning."""
    return {"@context": {prefix: iri for prefix, iri in sorted(PREFIXES.items())}}


def jsonld_bytes(triples: list[ox.Triple]) -> bytes:
    """Compact JSON-LD: one node object per subject, IRIs as CURIEs, the context inline.

    The context is embedded rather than referenced so that no reader has to fetch anything; the same
    object is written beside the file as context.jsonld for those who want to reuse it.
    """
    nodes: dict[str, dict[str, list[object]]] = {}
    for triple in triples:
        node = nodes.setdefault(_node_id(triple.subject), {})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(triple.object.value))
        else:
            node.setdefault(_compact(triple.predicate.value), []).append(
                _object_value(triple.object)
            )
    graph = [{"@id": subject, **values} for subject, values in sorted(nodes.items())]
    document = {**jsonld_context(), "@graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode(
        "utf-8"
    )


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no stored file name, so the same input gives the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def parsed_quads(path: Path, rdf_format: ox.RdfFormat, *, gzipped: bool = False) -> list[ox.Quad]:
    """The quads of a file, parsed strictly with no base IRI (SyntaxError if it does not parse)."""
    data = path.read_bytes()
    if gzipped:
        data = gzip.decompress(data)
    return list(ox.parse(data, format=rdf_format, base_iri=None))


def same_graph_check(
    expected: frozenset[ox.Quad],
    rdf_format: ox.RdfFormat,
    *,
    gzipped: bool = False,
) -> Callable[[Path], None]:
    """A verify function for atomic.write_atomically: the file must parse to exactly `expected`."""

    def verify(temp: Path) -> None:
        try:
            quads = parsed_quads(temp, rdf_format, gzipped=gzipped)
        except (SyntaxError, ValueError, OSError) as e:
            raise PublishCheckError(
                say(
                    f"{temp.name} : ne se relit pas en {rdf_format.name} : {e}",
                    f"{temp.name}: does not parse back as {rdf_format.name}: {e}",
                )
            ) from e
        found = canonical_set(quads)
        if found != expected:
            missing, extra = len(expected - found), len(found - expected)
            raise PublishCheckError(
                say(
                    f"{temp.name} : se relit en un autre graphe ({missing} énoncés manquants, "
                    f"{extra} inattendus)",
                    f"{temp.name}: parses back to a different graph ({missing} statements "
                    f"missing, {extra} unexpected)",
                )
            )

    return verify


class PublishCheckError(OSError):
    """A file written for the release does not parse back to what was meant to be in it."""


def _compact(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if (
            iri.startswith(namespace)
            and len(iri) > len(namespace)
            and not iri[len(namespace) :].startswith("//")
        ):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else _compact(term.value)


def _object_value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return {"@value": term.value}
        return {"@value": term.value, "@type": _compact(term.datatype.value)}
    return {"@id": _node_id(term)}
