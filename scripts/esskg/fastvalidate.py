"""SHACL validation fast enough for national-scale data: pyshacl-turbo, with pyshacl's report.

pyshacl-turbo is a Rust engine with pyshacl's API. It is handed the data and the shapes as
N-Quads / N-Triples text, serialised from esskg's own strict parse, and parses both itself:
- literals stay as written (a pyoxigraph Store would turn "2"^^xsd:nonNegativeInteger into
  "2"^^xsd:integer, which the shapes reject);
- data and shapes go through the same parser, so a plain literal in an sh:in list matches the
  same literal in the data (with shapes from rdflib and data from a Store, pyshacl-turbo 0.6.5
  reports false sh:in / sh:hasValue violations: W3C core property/in-001, hasValue-001).
All named graphs are validated as their union, as with pyshacl.

It comes with esskg; validate.validate_store(engine="auto") falls back to pyshacl on a platform
where it could not be installed. Both engines give a ValidationReport built by
validate.report_from_graph, so tables, JSON and exit codes do not depend on the engine.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

from esskg.dump import union_ntriples
from esskg.errors import EsskgError
from esskg.i18n import say

ENGINES = ("auto", "pyshacl", "turbo")
# pyshacl's options in validate.validate_store; the turbo engine gets exactly the same.
OPTIONS = {
    "inference": "none",
    "advanced": True,
    "allow_warnings": True,
    "abort_on_first": False,
}


def turbo_available() -> bool:
    """True when pyshacl-turbo is installed."""
    return importlib.util.find_spec("pyshacl_turbo") is not None


def resolve_engine(engine: str) -> str:
    """'auto' -> 'turbo' when installed, else 'pyshacl'; asking for a missing turbo is an error."""
    if engine not in ENGINES:
        raise EsskgError(
            say(
                f"moteur de validation inconnu {engine!r} ; choisissez parmi {', '.join(ENGINES)}",
                f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}",
            )
        )
    if engine == "auto":
        return "turbo" if turbo_available() else "pyshacl"
    if engine == "turbo" and not turbo_available():
        raise EsskgError(
            say(
                "le moteur turbo demande pyshacl-turbo, absent de cette installation\n  "
                "conseil : pip install pyshacl-turbo, ou choisissez --engine pyshacl",
                "the turbo engine needs pyshacl-turbo, missing from this installation"
                "\n  hint: pip install pyshacl-turbo, or choose --engine pyshacl",
            )
        )
    return engine


def turbo_report_graph(
    data: ox.Dataset | ox.Store | Iterable[ox.Quad] | str, shapes: ox.Dataset | Iterable[ox.Quad]
) -> rdflib.Graph:
    """The SHACL report graph pyshacl-turbo gives, with esskg's pyshacl options."""
    import pyshacl_turbo

    _, report_graph, _ = pyshacl_turbo.validate(
        _native_input(data), shacl_graph=_native_input(shapes), **OPTIONS
    )
    return report_graph


def _native_input(quads: ox.Dataset | ox.Store | Iterable[ox.Quad] | str):
    """N-Quads for pyshacl-turbo's own parser, as it wraps a Store's dump.

    Handed plain text, pyshacl-turbo 0.6.5 parses it into an rdflib Graph first (8 of 12 s at
    100k triples); this wrapper is the one it builds for a Store, parsed natively.
    """
    from pyshacl_turbo import Input

    # N-Quads text is handed over as it is (esskg import builds it without a Dataset). Quads are
    # handed over as the union of their graphs, in N-Triples: that is what the shapes validate,
    # and pyshacl-turbo given named graphs took 2.7 times as long on a million triples.
    text = quads if isinstance(quads, str) else union_ntriples(quads).decode("utf-8")
    return Input(text, "oxigraph-nquads", None, {}, preserve_ids=True)


__all__ = [
    "ENGINES",
    "OPTIONS",
    "resolve_engine",
    "turbo_available",
    "turbo_report_graph",
]
