"""Compare two SHACL report graphs result by result (the turbo engine against pyshacl).

Test tooling: two engines name blank nodes differently, so each result becomes a tuple of
comparable fields with blank nodes blanked out.
"""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, SH, XSD

from esskg.validate import path_text


def result_signatures(
    report_graph: rdflib.Graph, *, messages: bool = True
) -> list[tuple[str, ...]]:
    """Each result as a sorted tuple of comparable fields, blank nodes blanked out.

    Two engines name blank nodes differently (a blank focus node, an anonymous property shape),
    so a blank node counts as "_:" here; everything else must match exactly. `messages=False`
    leaves out sh:resultMessage: where a shape gives no sh:message each engine writes its own
    default text (esskg's shapes give one on every constraint; the W3C tests don't).
    """

    def text(term: rdflib.term.Node | None) -> str:
        if term is None:
            return ""
        if isinstance(term, rdflib.BNode):
            return "_:"
        if isinstance(term, rdflib.Literal) and term.datatype == XSD.string:
            return rdflib.Literal(str(term)).n3()  # "x"^^xsd:string and "x" are one term in RDF 1.1
        return term.n3()

    signatures = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        path = report_graph.value(node, SH.resultPath)
        texts = (
            sorted(text(m) for m in report_graph.objects(node, SH.resultMessage))
            if messages
            else []
        )
        signatures.append(
            (
                text(report_graph.value(node, SH.focusNode)),
                path_text(report_graph, path) if path is not None else "",
                text(report_graph.value(node, SH.value)),
                text(report_graph.value(node, SH.resultSeverity)),
                text(report_graph.value(node, SH.sourceConstraintComponent)),
                text(report_graph.value(node, SH.sourceShape)),
                "|".join(texts),
            )
        )
    return sorted(signatures)


def conforms_of(report_graph: rdflib.Graph) -> bool | None:
    """The sh:conforms of a report graph."""
    value = next(report_graph.objects(None, SH.conforms), None)
    return None if value is None else bool(value.toPython())
