"""The closures esskg's queries rely on, computed once and kept in their own graph (graph:inferred).

skos:broaderTransitive is the transitive closure of skos:broader (as SKOS defines it), and
esskg:liesWithinTransitive that of esskg:liesWithin. Materialising them lets every query say
`?field skos:broaderTransitive field:x` instead of `skos:broader+`: the same answer on any SPARQL
server, including those whose property paths are unreliable (Virtuoso 7.2 loses rows when two
path closures meet in one query), and cheaper at scale. What is inferred stays apart from what
the source states or esskg curates: one named graph, regenerated from the others on every load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain

import pyoxigraph as ox

from esskg.namespaces import PREFIXES, graph_iri

INFERRED_GRAPH = graph_iri("inferred")

# (asserted property, its transitive closure)
CLOSURES: tuple[tuple[str, str], ...] = (
    (PREFIXES["skos"] + "broader", PREFIXES["skos"] + "broaderTransitive"),
    (PREFIXES["esskg"] + "liesWithin", PREFIXES["esskg"] + "liesWithinTransitive"),
)


def closure_input(source: ox.Dataset | ox.Store) -> Iterator[ox.Quad]:
    """Just the statements the closures follow, looked up by predicate rather than scanned."""
    predicates = [ox.NamedNode(asserted) for asserted, _ in CLOSURES]
    if isinstance(source, ox.Store):
        return chain.from_iterable(source.quads_for_pattern(None, p, None) for p in predicates)
    return chain.from_iterable(source.quads_for_predicate(p) for p in predicates)


def inferred_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The closure statements of CLOSURES over `quads` (all graphs), in graph:inferred, sorted.

    A cycle (a concept broader than itself through others) yields the statement that says so;
    the shapes report cycles, this only follows the links.
    """
    wanted = {ox.NamedNode(asserted): ox.NamedNode(closure) for asserted, closure in CLOSURES}
    edges: dict[ox.NamedNode, dict[ox.Term, set[ox.Term]]] = {p: defaultdict(set) for p in wanted}
    for quad in quads:
        if quad.predicate in edges and quad.graph_name != ox.NamedNode(INFERRED_GRAPH):
            edges[quad.predicate][quad.subject].add(quad.object)
    graph = ox.NamedNode(INFERRED_GRAPH)
    out = []
    for asserted, closure in wanted.items():
        step = edges[asserted]
        for start in step:
            for reached in _reachable(start, step):
                out.append(ox.Quad(start, closure, reached, graph))
    return sorted(out, key=lambda q: (q.predicate.value, str(q.subject), str(q.object)))


def _reachable(start: ox.Term, step: dict[ox.Term, set[ox.Term]]) -> set[ox.Term]:
    seen: set[ox.Term] = set()
    todo = list(step.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step.get(node, ()))
    return seen
