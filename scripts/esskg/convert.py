"""Turns pyoxigraph terms into rdflib ones, for the tools (pyshacl) that only speak rdflib."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

# rdflib would otherwise rewrite lexical forms ("01"^^xsd:integer -> "1"), so what pyshacl checks
# and what esskg writes would differ from what the author wrote. Set at import, before any
# literal is made; literals made here also say normalize=False, because pyshacl.validate()
# sets the global back to True when it returns.
rdflib.NORMALIZE_LITERALS = False

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """The rdflib term equal to a pyoxigraph one; plain strings stay untyped, as in rdflib."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            return rdflib.Literal(term.value, normalize=False)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    raise ValueError(f"esskg does not handle RDF 1.2 triple terms: {term}")


def from_rdflib_term(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term equal to an rdflib one (for results pyshacl hands back)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"unexpected rdflib term {term!r}")


def to_rdflib(source: ox.Store | Iterable[ox.Quad | ox.Triple]) -> rdflib.Graph:
    """One rdflib Graph holding the union of every graph in `source`, term by term."""
    graph = rdflib.Graph()
    for statement in source:
        graph.add(
            (
                to_rdflib_term(statement.subject),
                to_rdflib_term(statement.predicate),
                to_rdflib_term(statement.object),
            )
        )
    return graph
