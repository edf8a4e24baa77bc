"""The closures esskg's queries rely on, computed once and kept in their own graph (graph:inferred).

skos:broaderTransitive is the transitive closure of skos:broader and of skos:narrower read
backwards (SKOS makes them inverses, so a hierarchy written either way is followed),
esskg:liesWithinTransitive that of esskg:liesWithin, and esskg:within ties each partnership,
axis and activity to itself and to everything that contains it. Materialising them lets every
query say `?field skos:broaderTransitive field:x` instead of `skos:broader+`: the same answer on
any SPARQL server, including those whose property paths are unreliable (Virtuoso 7.2 loses rows
when two path closures meet in one query), and cheaper at scale. What is inferred stays apart
from what the source states or esskg curates: one named graph, regenerated from the others on
every load.

The same graph carries the participations as W3C ORG reads them (org:Membership): each
participation's org:member (its prov:agent), org:role (its prov:hadRole) and org:organization (the
partnership it takes place in, directly or through an axis or activity), so that ORG consumers
find the data without knowing PROV's qualified associations.

Last, what the canned queries would otherwise join at every call, each a few index lookups once
said (pyoxigraph joins by scanning, a few microseconds a statement: at a million statements a
query took seconds where these take milliseconds):
- esskg:activityFieldTransitive and esskg:actorKindTransitive: a node's field of activity (an
  actor's kind) and every broader one, so "on this field or a narrower one" is one lookup;
- esskg:linkedPartnershipCount and esskg:linkedActorCount on each SDG of sdg:goals: how many
  partnerships are linked to it (a link to the goal, or to a UN target below the UN goal it
  matches, on the partnership, an axis or an activity) and how many actors (taking part in such
  a partnership at any level, or linked to the goal themselves), counted once here;
- esskg:startYear of each partnership: the year of its schema:startDate, else the earliest of
  its axes' and activities'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

import pyoxigraph as ox

from esskg.namespaces import PREFIXES, graph_iri
from esskg.namespaces import RDF_TYPE as RDF_TYPE_IRI

INFERRED_GRAPH = graph_iri("inferred")

RDF_TYPE = ox.NamedNode(RDF_TYPE_IRI)
_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")


@dataclass(frozen=True)
class Closure:
    """`closure` holds from x to every node reached from x through `asserted` and through
    `asserted_inverse` read backwards, and from every instance of a `reflexive_for` class to
    itself."""

    asserted: tuple[str, ...]
    closure: str
    asserted_inverse: tuple[str, ...] = ()
    reflexive_for: tuple[str, ...] = ()


CLOSURES: tuple[Closure, ...] = (
    Closure(
        (PREFIXES["skos"] + "broader",),
        PREFIXES["skos"] + "broaderTransitive",
        asserted_inverse=(PREFIXES["skos"] + "narrower",),
    ),
    Closure((PREFIXES["esskg"] + "liesWithin",), PREFIXES["esskg"] + "liesWithinTransitive"),
    # a partnership, its axes and activities: each node is within itself and what contains it
    Closure(
        (),
        PREFIXES["esskg"] + "within",
        asserted_inverse=(PREFIXES["esskg"] + "hasAxis", PREFIXES["esskg"] + "hasActivity"),
        reflexive_for=tuple(
            PREFIXES["esskg"] + c for c in ("Partnership", "CooperationAxis", "Activity")
        ),
    ),
)


_AGENT = PREFIXES["prov"] + "agent"
# participation -> what ORG calls it: prov:agent is org:member, prov:hadRole is org:role
_ORG_COPIES = {
    _AGENT: PREFIXES["org"] + "member",
    PREFIXES["prov"] + "hadRole": PREFIXES["org"] + "role",
}
_QUALIFIED_ASSOCIATION = PREFIXES["prov"] + "qualifiedAssociation"
_PARTNERSHIP = PREFIXES["esskg"] + "Partnership"
_WITHIN = PREFIXES["esskg"] + "within"
_BROADER_TRANSITIVE = PREFIXES["skos"] + "broaderTransitive"

# value -> its transitive reading: the value and every concept broader than it
_TRANSITIVE_VALUES = {
    PREFIXES["esskg"] + "activityField": PREFIXES["esskg"] + "activityFieldTransitive",
    PREFIXES["esskg"] + "actorKind": PREFIXES["esskg"] + "actorKindTransitive",
}
# what the SDG counts read
_CONTRIBUTES = PREFIXES["esskg"] + "contributesToSDG"
_IN_SCHEME = PREFIXES["skos"] + "inScheme"
_EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
_GOALS = PREFIXES["sdg"] + "goals"
_ACTOR = PREFIXES["esskg"] + "Actor"
_START_DATE = PREFIXES["schema"] + "startDate"
_COUNTED = (_CONTRIBUTES, _IN_SCHEME, _EXACT_MATCH, _START_DATE)


def closure_predicates() -> list[str]:
    """The predicates whose statements the closures follow."""
    return [
        *(p for c in CLOSURES for p in (*c.asserted, *c.asserted_inverse)),
        _QUALIFIED_ASSOCIATION,
        *_ORG_COPIES,
        *_TRANSITIVE_VALUES,
        *_COUNTED,
    ]


def closure_classes() -> list[str]:
    """The classes whose instances (rdf:type statements) the closures follow."""
    return [*(k for c in CLOSURES for k in c.reflexive_for), _PARTNERSHIP, _ACTOR]


def closure_input(source: ox.Dataset | ox.Store) -> Iterator[ox.Quad]:
    """Just the statements the closures follow, looked up by predicate rather than scanned."""
    predicates = [ox.NamedNode(p) for p in closure_predicates()]
    classes = [ox.NamedNode(k) for k in closure_classes()]
    if isinstance(source, ox.Store):
        return chain(
            chain.from_iterable(source.quads_for_pattern(None, p, None) for p in predicates),
            chain.from_iterable(source.quads_for_pattern(None, RDF_TYPE, k) for k in classes),
        )
    return chain(
        chain.from_iterable(source.quads_for_predicate(p) for p in predicates),
        (q for k in classes for q in source.quads_for_object(k) if q.predicate == RDF_TYPE),
    )


def inferred_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The closure statements of CLOSURES over `quads` (all graphs), in graph:inferred, sorted.

    A cycle (a concept broader than itself through others) yields the statement that says so;
    the shapes report cycles, this only follows the links.
    """
    inferred = ox.NamedNode(INFERRED_GRAPH)
    steps: list[dict[ox.Term, set[ox.Term]]] = [defaultdict(set) for _ in CLOSURES]
    selves: list[set[ox.Term]] = [set() for _ in CLOSURES]
    participations: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # participation -> nodes
    copies: list[ox.Quad] = []
    partnerships: set[ox.Term] = set()
    actors: set[ox.Term] = set()
    # predicate -> (subject, object) pairs, for the statements made for the canned queries
    said: dict[str, set[tuple[ox.Term, ox.Term]]] = defaultdict(set)
    # What each predicate feeds, looked up once per statement (a statement's terms are Rust
    # objects: each .value read makes a new Python string, which at a million statements was
    # most of the closures' time).
    forward: dict[str, list[int]] = defaultdict(list)
    backward: dict[str, list[int]] = defaultdict(list)
    typed: dict[str, list[int]] = defaultdict(list)
    for i, closure in enumerate(CLOSURES):
        for predicate in closure.asserted:
            forward[predicate].append(i)
        for predicate in closure.asserted_inverse:
            backward[predicate].append(i)
        for cls in closure.reflexive_for:
            typed[cls].append(i)
    for quad in quads:
        if quad.graph_name == inferred:
            continue
        predicate = quad.predicate.value
        if predicate == _QUALIFIED_ASSOCIATION:
            participations[quad.object].add(quad.subject)
        elif predicate in _ORG_COPIES:
            copies.append(quad)
        elif predicate in _TRANSITIVE_VALUES or predicate in _COUNTED:
            said[predicate].add((quad.subject, quad.object))
        elif predicate == RDF_TYPE_IRI:
            cls = quad.object.value
            if cls == _PARTNERSHIP:
                partnerships.add(quad.subject)
            elif cls == _ACTOR:
                actors.add(quad.subject)
            for i in typed.get(cls, ()):
                selves[i].add(quad.subject)
            continue
        for i in forward.get(predicate, ()):
            steps[i][quad.subject].add(quad.object)
        for i in backward.get(predicate, ()):
            steps[i][quad.object].add(quad.subject)
    out = set()
    closed: dict[str, dict[ox.Term, set[ox.Term]]] = {}  # closure -> node -> nodes reached
    for closure, step, own in zip(CLOSURES, steps, selves, strict=True):
        reach = {start: _reachable(start, step) for start in step}
        for node in own:
            reach.setdefault(node, set()).add(node)
        closed[closure.closure] = reach
        predicate = ox.NamedNode(closure.closure)
        for start, reached in reach.items():
            out.update(ox.Quad(start, predicate, r, inferred) for r in reached)
    # node -> the partnerships it is within, itself included
    containers = {
        node: found
        for node, reached in closed[_WITHIN].items()
        if (found := reached & partnerships)
    }
    broader = closed[_BROADER_TRANSITIVE]
    organizations = _organizations(participations, containers)
    out.update(_memberships(organizations, copies, inferred))
    out.update(_transitive_values(said, broader, inferred))
    out.update(_sdg_counts(said, broader, containers, organizations, copies, actors, inferred))
    out.update(_start_years(said.get(_START_DATE, set()), containers, inferred))
    return sorted(out, key=lambda q: (q.predicate.value, str(q.subject), str(q.object)))


def _organizations(
    participations: dict[ox.Term, set[ox.Term]], containers: dict[ox.Term, set[ox.Term]]
) -> dict[ox.Term, set[ox.Term]]:
    """Each participation's partnerships: those of the partnership, axis or activity it takes
    place in (`containers`: each node's partnerships, itself included); only participations
    that have one."""
    found: dict[ox.Term, set[ox.Term]] = defaultdict(set)
    for participation, nodes in participations.items():
        for node in nodes:
            found[participation] |= containers.get(node, set())
    return {participation: both for participation, both in found.items() if both}


def _memberships(
    organizations: dict[ox.Term, set[ox.Term]],
    copies: list[ox.Quad],
    inferred: ox.NamedNode,
) -> Iterator[ox.Quad]:
    """The org:Membership reading of each participation in a partnership, axis or activity."""
    organization = ox.NamedNode(PREFIXES["org"] + "organization")
    for participation, partnerships in organizations.items():
        for partnership in partnerships:
            yield ox.Quad(participation, organization, partnership, inferred)
    for quad in copies:
        if quad.subject in organizations:
            yield ox.Quad(
                quad.subject, ox.NamedNode(_ORG_COPIES[quad.predicate.value]), quad.object, inferred
            )


def _transitive_values(
    said: dict[str, set[tuple[ox.Term, ox.Term]]],
    broader: dict[ox.Term, set[ox.Term]],
    inferred: ox.NamedNode,
) -> Iterator[ox.Quad]:
    """Each value of _TRANSITIVE_VALUES given again with every concept broader than it."""
    for predicate, transitive in _TRANSITIVE_VALUES.items():
        closed = ox.NamedNode(transitive)
        for subject, value in said.get(predicate, ()):
            for reached in (value, *broader.get(value, ())):
                yield ox.Quad(subject, closed, reached, inferred)


def _sdg_counts(
    said: dict[str, set[tuple[ox.Term, ox.Term]]],
    broader: dict[ox.Term, set[ox.Term]],
    containers: dict[ox.Term, set[ox.Term]],
    organizations: dict[ox.Term, set[ox.Term]],
    copies: list[ox.Quad],
    actors: set[ox.Term],
    inferred: ox.NamedNode,
) -> Iterator[ox.Quad]:
    """esskg:linkedPartnershipCount and esskg:linkedActorCount of each goal of sdg:goals.

    A link counts for a goal when it is the goal, or when it lies below (skos:broaderTransitive)
    a UN goal the goal matches (skos:exactMatch), as the query sdg-coverage said before it read
    these counts.
    """
    goals = {s for s, o in said.get(_IN_SCHEME, ()) if o.value == _GOALS}
    if not goals:
        return
    matching: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # UN goal -> esskg goals
    for goal, un_goal in said.get(_EXACT_MATCH, ()):
        if goal in goals:
            matching[un_goal].add(goal)

    def goals_of(link: ox.Term) -> set[ox.Term]:
        found = {link} & goals
        for above in broader.get(link, ()):
            found |= matching.get(above, set())
        return found

    agents: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # participation -> its actors
    for quad in copies:
        if quad.predicate.value == _AGENT:
            agents[quad.subject].add(quad.object)
    members: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # partnership -> its actors
    for participation, partnerships in organizations.items():
        for partnership in partnerships:
            members[partnership] |= agents.get(participation, set())
    linked: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # goal -> partnerships
    linked_actors: dict[ox.Term, set[ox.Term]] = defaultdict(set)  # goal -> actors
    for via, link in said.get(_CONTRIBUTES, ()):
        for goal in goals_of(link):
            for partnership in containers.get(via, ()):
                linked[goal].add(partnership)
                linked_actors[goal] |= members.get(partnership, set())
            if via in actors:
                linked_actors[goal].add(via)
    partnership_count = ox.NamedNode(PREFIXES["esskg"] + "linkedPartnershipCount")
    actor_count = ox.NamedNode(PREFIXES["esskg"] + "linkedActorCount")
    for goal in goals:
        for predicate, count in ((partnership_count, linked), (actor_count, linked_actors)):
            number = ox.Literal(str(len(count[goal])), datatype=_INTEGER)
            yield ox.Quad(goal, predicate, number, inferred)


def _start_years(
    dates: set[tuple[ox.Term, ox.Term]],
    containers: dict[ox.Term, set[ox.Term]],
    inferred: ox.NamedNode,
) -> Iterator[ox.Quad]:
    """esskg:startYear: the year of a partnership's own start date (the earliest, if it gives
    several), else the earliest of its axes' and activities'. A date whose first four
    characters are not a year gives none, as xsd:integer(SUBSTR(STR(?date), 1, 4)) in SPARQL."""
    dated: set[ox.Term] = set()  # partnerships giving a start date of their own
    own: dict[ox.Term, list[int]] = defaultdict(list)
    parts: dict[ox.Term, list[int]] = defaultdict(list)
    for node, date in dates:
        year = date.value[:4] if isinstance(date, ox.Literal) else ""
        readable = year.isascii() and year.isdigit()
        for partnership in containers.get(node, ()):
            if partnership == node:
                dated.add(partnership)
            if readable:
                (own if partnership == node else parts)[partnership].append(int(year))
    start_year = ox.NamedNode(PREFIXES["esskg"] + "startYear")
    for partnership in own.keys() | parts.keys():
        years = own.get(partnership, []) if partnership in dated else parts[partnership]
        if years:
            number = ox.Literal(str(min(years)), datatype=_INTEGER)
            yield ox.Quad(partnership, start_year, number, inferred)


def _reachable(start: ox.Term, step: dict[ox.Term, set[ox.Term]]) -> set[ox.Term]:
    seen: set[ox.Term] = set()
    todo = list(step.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step.get(node, ()))
    return seen
