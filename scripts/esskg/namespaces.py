"""The project's prefix map (docs/design.md) and the CURIE converter built from it."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import curies

# Order matters only for display: project prefixes first, then the standards they reuse.
PROJECT_PREFIXES: MappingProxyType[str, str] = MappingProxyType(
    {
        "esskg": "https://w3id.org/esskg/ontology#",
        "id": "https://w3id.org/esskg/id/",
        "kind": "https://w3id.org/esskg/concept/kind/",
        "terr": "https://w3id.org/esskg/concept/territory-kind/",
        "field": "https://w3id.org/esskg/concept/field/",
        "coop": "https://w3id.org/esskg/concept/cooperation-type/",
        "act": "https://w3id.org/esskg/concept/activity-type/",
        "role": "https://w3id.org/esskg/concept/role/",
        "lever": "https://w3id.org/esskg/concept/lever/",
        "sdg": "https://w3id.org/esskg/sdg/",
        "unsdg": "http://metadata.un.org/sdg/",
        "graph": "https://w3id.org/esskg/graph/",
    }
)

STANDARD_PREFIXES: MappingProxyType[str, str] = MappingProxyType(
    {
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "schema": "https://schema.org/",
        "prov": "http://www.w3.org/ns/prov#",
        "org": "http://www.w3.org/ns/org#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "sh": "http://www.w3.org/ns/shacl#",
        "vann": "http://purl.org/vocab/vann/",
        "dcat": "http://www.w3.org/ns/dcat#",
        "void": "http://rdfs.org/ns/void#",
        "sssom": "https://w3id.org/sssom/",
        "semapv": "https://w3id.org/semapv/vocab/",
    }
)

# "dct" is a common spelling of the same namespace; accepted when parsing, never written.
_SYNONYMS: dict[str, list[str]] = {"dcterms": ["dct"]}

PREFIXES: MappingProxyType[str, str] = MappingProxyType({**PROJECT_PREFIXES, **STANDARD_PREFIXES})

ESSKG = PREFIXES["esskg"]
GRAPH = PREFIXES["graph"]
SDG = PREFIXES["sdg"]
UNSDG = PREFIXES["unsdg"]
XSD = PREFIXES["xsd"]
RDF_TYPE = PREFIXES["rdf"] + "type"
SH = PREFIXES["sh"]


def graph_iri(name: str) -> str:
    """The IRI of the named graph that holds data/<name>/ (or the ontology)."""
    return GRAPH + name


def prefix_header(names: tuple[str, ...] | None = None) -> str:
    """SPARQL PREFIX lines for `names` (default: every project and standard prefix)."""
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in (names or PREFIXES))


def build_converter() -> curies.Converter:
    """A converter over the project prefixes: IRI -> CURIE for display, CURIE -> IRI for input."""
    import curies  # imported here: see _converter

    return curies.Converter(
        [
            curies.Record(prefix=prefix, uri_prefix=iri, prefix_synonyms=_SYNONYMS.get(prefix, []))
            for prefix, iri in _prefix_map().items()
        ]
    )


# The workspace's own (prefix, IRI), if register_prefix() took it.
_workspace: tuple[str, str] | None = None
# curies (with pydantic) takes some 170 ms to import: more than half of what `esskg query` may
# spend in all. So the converter is built on first use by the modules that need its API (import,
# export, suggest, validate: `from esskg.namespaces import CONVERTER` builds it), and to_curie and
# expand_curie read the same prefix table directly, which is all a converter without patterns
# does (longest IRI prefix to compress, the prefix's IRI plus the local part to expand).
_converter: curies.Converter | None = None


def _prefix_map() -> dict[str, str]:
    table = dict(PREFIXES)
    if _workspace is not None:
        table[_workspace[0]] = _workspace[1]
    return table


def __getattr__(name: str) -> object:
    if name == "CONVERTER":
        global _converter
        if _converter is None:
            _converter = build_converter()
        return _converter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_curie(iri: str) -> str:
    """A CURIE for display when a prefix fits, else the IRI in angle brackets."""
    best = max(
        ((prefix, base) for prefix, base in _prefix_map().items() if iri.startswith(base)),
        key=lambda pair: len(pair[1]),
        default=None,
    )
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else f"<{iri}>"


def expand_curie(curie: str) -> str | None:
    """The IRI of a CURIE with a project prefix, or None when the prefix is unknown or the text is
    no CURIE at all (no colon)."""
    prefix, colon, local = curie.partition(":")
    if not colon:
        return None
    table = _prefix_map()
    base = table.get(prefix) or next(
        (table[name] for name, synonyms in _SYNONYMS.items() if prefix in synonyms), None
    )
    return base + local if base is not None else None


def register_prefix(prefix: str | None, iri: str | None) -> None:
    """Show a workspace's identifiers as CURIEs with its own prefix, and read them back
    (None: no workspace, esskg's prefixes alone).

    The prefix table then holds esskg's prefixes and this one only: what a command prints depends
    on the workspace it works on, never on another one an earlier call in the same process (a
    test, a server) worked on. A prefix or IRI that overlaps esskg's own is left out.
    """
    global _workspace
    clash = (
        prefix is None
        or iri is None
        or prefix in PREFIXES
        or any(iri.startswith(base) or base.startswith(iri) for base in PREFIXES.values())
    )
    new = None if clash else (prefix, iri)
    if new == _workspace:
        return
    _workspace = new
    if _converter is not None:
        # curies has no way to drop a record: the converter is rebuilt in place, so every module
        # holding it sees the change.
        _converter.__init__(build_converter().records)  # type: ignore[misc]
