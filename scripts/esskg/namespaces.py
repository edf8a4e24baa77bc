"""The project's prefix map (docs/design.md) and the CURIE converter built from it."""

from __future__ import annotations

from types import MappingProxyType

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
    return curies.Converter(_records())


def _records() -> list[curies.Record]:
    return [
        curies.Record(prefix=prefix, uri_prefix=iri, prefix_synonyms=_SYNONYMS.get(prefix, []))
        for prefix, iri in PREFIXES.items()
    ]


CONVERTER = build_converter()


def to_curie(iri: str) -> str:
    """A CURIE for display when a prefix fits, else the IRI in angle brackets."""
    curie = CONVERTER.compress(iri)
    return curie if curie is not None else f"<{iri}>"


def expand_curie(curie: str) -> str | None:
    """The IRI of a CURIE with a project prefix, or None when the prefix is unknown or the text is
    no CURIE at all (no colon)."""
    try:
        return CONVERTER.expand(curie)
    except ValueError:  # curies: "does not appear to be a CURIE - missing a delimiter"
        return None


def register_prefix(prefix: str | None, iri: str | None) -> None:
    """Show a workspace's identifiers as CURIEs with its own prefix, and read them back
    (None: no workspace, esskg's prefixes alone).

    The converter then holds esskg's prefixes and this one only: what a command prints depends on
    the workspace it works on, never on another one an earlier call in the same process (a test,
    a server) worked on. A prefix or IRI that overlaps esskg's own is left out.
    """
    records = _records()
    if prefix is None or iri is None:
        if len(CONVERTER.records) != len(records):
            CONVERTER.__init__(records)  # type: ignore[misc]
        return
    if CONVERTER.expand(f"{prefix}:x") != iri + "x":
        clash = prefix in PREFIXES or any(
            iri.startswith(base) or base.startswith(iri) for base in PREFIXES.values()
        )
        if not clash:
            records.append(curies.Record(prefix=prefix, uri_prefix=iri))
        # curies has no way to drop a record: the converter is rebuilt in place, so every module
        # holding it sees the change.
        CONVERTER.__init__(records)  # type: ignore[misc]
