"""The release's RDF files: serialisations of the graph, each checked to hold what it was given.

Every serialisation is deterministic: blank nodes are named by RDFC-1.0, statements are sorted, the
JSON-LD keys are sorted, gzip is written with mtime 0 and no file name. The check re-parses the
bytes strictly with pyoxigraph and compares the canonical quads with the expected ones, so literals
must come back byte-identical (pyoxigraph compares literals by lexical form, language and datatype).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.dump import turtle_bytes
from esskg.i18n import say
from esskg.namespaces import PREFIXES, RDF_TYPE

__all__ = [
    "RDF_FORMATS",
    "NormalForms",
    "RdfFile",
    "check_graph",
    "gzip_bytes",
    "gzip_check",
    "jsonld_context",
    "normal_form",
    "normal_forms",
    "parsed_quads",
    "same_graph_check",
    "serialize",
    "sorted_lines",
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


def sorted_lines(text: bytes) -> bytes:
    """The distinct lines of N-Triples or N-Quads text in byte order (the order of the terms)."""
    return b"".join(sorted(set(text.splitlines(keepends=True))))


def normal_form(quads: Iterable[ox.Quad], *, keeps_graphs: bool) -> bytes:
    """N-Quads (or N-Triples of the union) text two datasets share exactly when isomorphic.

    The distinct statements, one per line in byte order, literals as written, blank nodes named
    by RDFC-1.0. Serialised and sorted as bytes, not as Python objects: at a million statements
    this is seconds, where sorting Quad objects by their text took minutes.
    """
    statements = quads if keeps_graphs else (q.triple for q in quads)
    return _normalise(_text(statements, keeps_graphs), keeps_graphs)


def _text(statements: Iterable[ox.Quad | ox.Triple], keeps_graphs: bool) -> bytes:
    """N-Quads (or N-Triples) text, statements in the order given."""
    return ox.serialize(statements, format=_line_format(keeps_graphs))


def _line_format(keeps_graphs: bool) -> ox.RdfFormat:
    return ox.RdfFormat.N_QUADS if keeps_graphs else ox.RdfFormat.N_TRIPLES


def _normalise(text: bytes, keeps_graphs: bool) -> bytes:
    """normal_form of N-Quads (N-Triples) text. Without a blank node (no "_:" in the text; one
    inside a literal only takes the longer way) nothing is renamed."""
    if b"_:" in text:
        rdf_format = _line_format(keeps_graphs)
        dataset = ox.Dataset(ox.parse(text, format=rdf_format))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        text = ox.serialize(dataset, format=rdf_format)
    return sorted_lines(text)


@dataclass(frozen=True)
class NormalForms:
    """The release's statements as text, made once: what the dumps are and are checked against."""

    nquads: bytes  # normal_form of the dataset: the N-Quads file
    by_graph: bytes  # the same lines graph after graph (the TriG order)
    ntriples: bytes  # normal_form of the union of the graphs: the N-Triples file


def normal_forms(dataset: ox.Dataset | list[ox.Quad]) -> NormalForms:
    """The NormalForms of a dataset whose statements are all in named graphs (as loaded), or of
    load.load_quads' list of the same distinct statements.

    From the N-Quads lines, the graph term (the last before " .") sorts them into graphs, and
    dropping it gives the union: one pass over the lines, no Python object per statement. A
    line's order is its terms' order (a term never holds a character below the space that ends
    it), so each graph's lines stay in (subject, predicate, object) order.
    """
    if any(isinstance(q.graph_name, ox.DefaultGraph) for q in dataset):
        raise ValueError("a release is made of named graphs: the default graph must be empty")
    nquads = normal_form(dataset, keeps_graphs=True)
    graphs: dict[bytes, list[bytes]] = {}
    union = []
    for line in nquads.splitlines(keepends=True):
        statement, graph, _ = line.rsplit(b" ", 2)
        graphs.setdefault(graph, []).append(line)
        union.append(statement + b" .\n")
    by_graph = b"".join(b"".join(graphs[g]) for g in sorted(graphs))
    if b"_:" in nquads:
        # The union's blank node labels are the dataset's: _normalise names them again.
        return NormalForms(nquads, by_graph, _normalise(b"".join(union), keeps_graphs=False))
    # Dropping the graph term keeps the lines in order (see above), and a statement found in
    # several graphs gives lines that follow each other: made unique, they are the union's
    # normal form without a second sort.
    return NormalForms(nquads, by_graph, b"".join(dict.fromkeys(union)))


def serialize(name: str, *, triples: Iterable[ox.Triple], forms: NormalForms) -> bytes:
    """The bytes of format `name` (a key of RDF_FORMATS): triples if merged, quads otherwise.

    `triples` are the statements of `forms.ntriples`, in its order (read once).
    """
    if name == "ttl":
        return turtle_bytes(triples)
    if name == "nt":
        return forms.ntriples
    if name == "jsonld":
        return jsonld_bytes(triples)
    if name == "trig":
        quads = ox.parse(forms.by_graph, format=ox.RdfFormat.N_QUADS)
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES))
    if name == "nq":
        return forms.nquads
    raise ValueError(f"unknown RDF format {name!r}")


def jsonld_context() -> dict[str, object]:
    """The JSON-LD context: the project prefix map, nothing remote, no term that changes meaning."""
    return {"@context": {prefix: iri for prefix, iri in sorted(PREFIXES.items())}}


def jsonld_bytes(triples: Iterable[ox.Triple]) -> bytes:
    """Compact JSON-LD: one node object per subject, IRIs as CURIEs, the context inline.

    The context is embedded rather than referenced so that no reader has to fetch anything; the same
    object is written beside the file as context.jsonld for those who want to reuse it.

    The text is what json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) gives
    (tests/test_publish.py compares them), written here because json's indented encoder is pure
    Python, token by token: a minute at a million triples. Each statement's value is encoded once,
    at the depth it sits at, by json's own string encoder.
    """
    compact = _Compactor()
    nodes: dict[str, dict[str, list[str]]] = {}
    types: dict[str, str] = {}
    node: dict[str, list[str]] = {}
    last = None
    for subject, predicate, obj in triples:
        # Sorted: a subject's statements follow each other.
        if subject != last:
            last = subject
            node = nodes.setdefault(compact.node_id(subject), {})
        iri = predicate.value
        if iri == RDF_TYPE and type(obj) is ox.NamedNode:
            key, text = "@type", types.get(obj.value)
            if text is None:
                text = types[obj.value] = "    " + _json_string(compact(obj.value))
        else:
            key, text = compact(iri), compact.object_text(obj)
        values = node.get(key)
        if values is None:
            node[key] = [text]
        else:
            values.append(text)
    context = ",\n".join(
        f"  {_json_string(k)}: {_json_string(v)}"
        for k, v in jsonld_context()["@context"].items()  # type: ignore[attr-defined]
    )
    graph = ",\n".join(_node_text(subject, values) for subject, values in sorted(nodes.items()))
    graph = f"[\n{graph}\n ]" if graph else "[]"
    return f'{{\n "@context": {{\n{context}\n }},\n "@graph": {graph}\n}}\n'.encode()


_json_string = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False


def _node_text(subject: str, values: dict[str, list[str]]) -> str:
    """A node object at depth 2 of the document; `values` hold their items' text at depth 4."""
    members = [("@id", _json_string(subject))]
    members += [(key, "[\n" + ",\n".join(items) + "\n   ]") for key, items in values.items()]
    body = ",\n".join(f"   {_json_string(key)}: {text}" for key, text in sorted(members))
    return f"  {{\n{body}\n  }}"


class _Compactor:
    """IRI -> CURIE with the project prefixes (the longest namespace that fits), remembered:
    a million statements name a few hundred thousand IRIs, predicates and classes over and over."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self._known.get(iri)
        if found is None:
            found = self._known[iri] = _compact(iri)
        return found

    def node_id(self, term: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self(term.value)

    def object_text(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        """The value object of `term` as JSON text at depth 4 (its members at depth 5)."""
        if isinstance(term, ox.Literal):
            value = _json_string(term.value)
            if term.language:
                lang = _json_string(term.language)
                return f'    {{\n     "@language": {lang},\n     "@value": {value}\n    }}'
            if term.datatype.value == XSD_STRING:
                return f'    {{\n     "@value": {value}\n    }}'
            datatype = _json_string(self(term.datatype.value))
            return f'    {{\n     "@type": {datatype},\n     "@value": {value}\n    }}'
        return f'    {{\n     "@id": {_json_string(self.node_id(term))}\n    }}'


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no stored file name, so the same input gives the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def parsed_quads(source: Path | bytes, rdf_format: ox.RdfFormat) -> Iterator[ox.Quad]:
    """The quads of a file (or of its bytes), parsed strictly with no base IRI (SyntaxError if it
    does not parse).

    Streamed: read as they are parsed, never all held as Python objects.
    """
    if isinstance(source, bytes):
        return ox.parse(source, format=rdf_format, base_iri=None)
    return ox.parse(path=source, format=rdf_format, base_iri=None)


def same_graph_check(
    expected: bytes,
    rdf_format: ox.RdfFormat,
    *,
    keeps_graphs: bool,
    written_order: bytes | None = None,
) -> Callable[[Path], None]:
    """A verify function for atomic.write_atomically: the file must parse to exactly `expected`,
    a normal_form text (N-Quads if `keeps_graphs`, else N-Triples of the union).

    `written_order`: the lines of `expected` in the order the file was written in, if not sorted.
    """

    def verify(temp: Path) -> None:
        check_graph(
            temp.name,
            temp,
            expected,
            rdf_format,
            keeps_graphs=keeps_graphs,
            written_order=written_order,
        )

    return verify


def check_graph(
    name: str,
    source: Path | bytes,
    expected: bytes,
    rdf_format: ox.RdfFormat,
    *,
    keeps_graphs: bool,
    written_order: bytes | None = None,
) -> None:
    """PublishCheckError (naming `name`) unless the file or bytes `source` parse to exactly
    `expected`, as same_graph_check() says."""
    try:
        # Parsed, merged formats give triples in the default graph: written as N-Triples as
        # they come.
        found = _text(parsed_quads(source, rdf_format), keeps_graphs)
    except (SyntaxError, ValueError, OSError) as e:
        raise PublishCheckError(
            say(
                f"{name} : ne se relit pas en {rdf_format.name} : {e}",
                f"{name}: does not parse back as {rdf_format.name}: {e}",
            )
        ) from e
    # Turtle, N-Triples, N-Quads (and TriG, graph after graph) read back in the order they
    # were written in: equal as they are, they need no sort.
    if found in (expected, written_order):
        return
    found = _normalise(found, keeps_graphs)
    if found != expected:
        wanted, got = set(expected.splitlines()), set(found.splitlines())
        raise PublishCheckError(
            say(
                f"{name} : se relit en un autre graphe ({len(wanted - got)} énoncés "
                f"manquants, {len(got - wanted)} inattendus)",
                f"{name}: parses back to a different graph ({len(wanted - got)} "
                f"statements missing, {len(got - wanted)} unexpected)",
            )
        )


def gzip_check(data: bytes) -> Callable[[Path], None]:
    """A verify function for a .gz file: it must decompress to exactly `data`.

    `data` is the file beside it, which its own check has parsed back already: the same bytes
    hold the same graph, so the compressed copy is not parsed a second time.
    """

    def verify(temp: Path) -> None:
        try:
            found = gzip.decompress(temp.read_bytes())
        except (OSError, EOFError) as e:
            raise PublishCheckError(
                say(
                    f"{temp.name} : ne se décompresse pas : {e}",
                    f"{temp.name}: does not decompress: {e}",
                )
            ) from e
        if found != data:
            raise PublishCheckError(
                say(
                    f"{temp.name} : ne se décompresse pas en ce qui a été compressé",
                    f"{temp.name}: does not decompress to what was compressed",
                )
            )

    return verify


class PublishCheckError(OSError):
    """A file written for the release does not parse back to what was meant to be in it."""


# Longest namespace first: the first that fits is the one a CURIE takes.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda p: -len(p[1]))


def _compact(iri: str) -> str:
    for prefix, namespace in _BY_LENGTH:
        if (
            iri.startswith(namespace)
            and len(iri) > len(namespace)
            and not iri[len(namespace) :].startswith("//")
        ):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
