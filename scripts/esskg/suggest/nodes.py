"""What the ranker reads from the graph: the UN targets, and each node's description as passages.

A node is described by its labels, descriptions and thematic priorities, the labels of its
activity fields and of their broader fields, its activity types and its beneficiaries, in French
and English; a partnership or an axis also by everything it contains (esskg:within, the closure
esskg computes), so a partnership whose own text is only its name still ranks by what its axes
and activities do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import pyoxigraph as ox

from esskg.namespaces import ESSKG, SDG, UNSDG, prefix_header
from esskg.suggest.lexical import Passage, Target, notation_key

# The nodes `esskg suggest sdg` proposes targets for when no --for is given.
NODE_CLASSES = ("Partnership", "CooperationAxis", "Activity")

_PREFIXES = prefix_header(("esskg", "skos", "rdfs", "dcterms"))

_TARGETS = (
    _PREFIXES
    + """
SELECT ?t ?n ?gn ?label WHERE {
  ?t skos:inScheme <http://metadata.un.org/sdg> ; skos:notation ?n ; skos:broader ?g ;
     skos:prefLabel ?label .
  ?g skos:notation ?gn .
  # Targets only, by their compact code (2.2, not 02.02): the full UN KOS (--source) also has
  # indicators and series under them, and two codes for each.
  FILTER(REGEX(STR(?n), "^[1-9][0-9]*[.]([1-9][0-9]*|[a-z])$") && REGEX(STR(?gn), "^[1-9][0-9]*$"))
}"""
)
_GOALS = (
    _PREFIXES
    + """
SELECT ?g ?gn ?label ?own WHERE {
  { ?g skos:inScheme <http://metadata.un.org/sdg> ; skos:notation ?gn .
    FILTER NOT EXISTS { ?g skos:broader ?up } }
  { ?g skos:prefLabel ?label }
  UNION
  { ?own a esskg:SustainableDevelopmentGoal ; skos:notation ?gn ; skos:prefLabel ?label }
}"""
)
_NODES = (
    _PREFIXES
    + """
SELECT ?s ?class WHERE {
  VALUES ?class { esskg:Partnership esskg:CooperationAxis esskg:Activity }
  ?s a ?class .
}"""
)
# (kind, the node, the text): its own words, then the words of the concepts it points at.
_TEXTS = (
    _PREFIXES
    + """
SELECT ?s ?kind ?text ?up WHERE {
  {
    VALUES (?p ?kind) { (rdfs:label "label") (skos:prefLabel "label") (skos:altLabel "label")
                        (dcterms:description "description") (esskg:thematicPriority "priority") }
    ?s ?p ?text .
  } UNION {
    VALUES (?p ?kind) { (esskg:activityField "field") (esskg:activityType "type")
                        (esskg:beneficiary "beneficiary") }
    ?s ?p ?concept .
    ?concept skos:broader* ?up .
    ?up skos:prefLabel|rdfs:label ?text .
  }
  FILTER(isLiteral(?text))
}"""
)
_WITHIN = _PREFIXES + "SELECT ?part ?whole WHERE { ?part esskg:within ?whole }"


@dataclass(frozen=True)
class Node:
    """A node to suggest targets for: its IRI, class, labels and the passages describing it."""

    iri: str
    kind: str  # Partnership, CooperationAxis, Activity, or "" for another node
    labels: dict[str, str]
    passages: tuple[Passage, ...]


def _rows(store: ox.Store, query: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    result = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]  # type: ignore[union-attr]


def read_targets(store: ox.Store, source: ox.Store | None = None) -> list[Target]:
    """The UN targets (169 in the packaged KOS, or in `source`) with their goals' titles."""
    source = source or store
    goal_titles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in _rows(store, _GOALS) + (_rows(source, _GOALS) if source is not store else []):
        label = row["label"]
        if isinstance(label, ox.Literal) and label.language in ("fr", "en"):
            goal_titles[row["gn"].value][label.language].append(label.value)
    titles: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    for row in _rows(source, _TARGETS):
        label = row["label"]
        if isinstance(label, ox.Literal) and label.language in ("fr", "en"):
            key = (row["t"].value, row["n"].value, row["gn"].value)
            titles[key][label.language] = label.value
    targets = [
        Target(
            iri,
            notation,
            goal,
            by_lang,
            {lang: sorted(set(texts)) for lang, texts in goal_titles[goal].items()},
        )
        for (iri, notation, goal), by_lang in titles.items()
    ]
    return sorted(targets, key=lambda t: notation_key(t.notation))


def read_goals(store: ox.Store) -> list[Target]:
    """The 17 UN goals, titled by the UN with esskg's short titles as context: the baseline the
    evaluation compares with, and the goals a curated link may name."""
    titles: dict[str, dict[str, str]] = defaultdict(dict)
    short: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    iris: dict[str, str] = {}
    for row in _rows(store, _GOALS):
        label, goal = row["label"], row["gn"].value
        iris[goal] = row["g"].value
        if isinstance(label, ox.Literal) and label.language in ("fr", "en"):
            if "own" in row:
                short[goal][label.language].append(label.value)
            else:
                titles[goal][label.language] = label.value
    return [
        Target(iris[n], n, n, titles[n], {lang: sorted(t) for lang, t in short[n].items()})
        for n in sorted(iris, key=int)
    ]


def read_nodes(store: ox.Store, only: list[str] | None = None) -> list[Node]:
    """The partnerships, axes and activities (or the nodes `only` names), sorted by IRI."""
    classes = {r["s"].value: r["class"].value[len(ESSKG) :] for r in _rows(store, _NODES)}
    wanted = sorted(classes) if only is None else list(dict.fromkeys(only))
    own: dict[str, list[Passage]] = defaultdict(list)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(store, _TEXTS):
        text = row["text"]
        assert isinstance(text, ox.Literal)
        subject = row["s"].value
        kind = row["kind"].value
        concept = row["up"].value if "up" in row else None
        own[subject].append(Passage(kind, text.value, text.language, concept))
        if kind == "label" and text.language and text.language not in labels[subject]:
            labels[subject][text.language] = text.value
    parts: dict[str, list[str]] = defaultdict(list)
    for row in _rows(store, _WITHIN):
        if row["part"] != row["whole"]:
            parts[row["whole"].value].append(row["part"].value)
    nodes = []
    for iri in wanted:
        passages = sorted(set(own.get(iri, [])), key=_passage_key)
        for part in sorted(parts.get(iri, [])):
            # What a part says counts for the whole, named after the kind of part it is.
            kind = "axis" if classes.get(part) == "CooperationAxis" else "activity"
            passages.extend(
                sorted({replace(p, kind=kind) for p in own.get(part, [])}, key=_passage_key)
            )
        nodes.append(Node(iri, classes.get(iri, ""), labels.get(iri, {}), tuple(passages)))
    return nodes


def _passage_key(p: Passage) -> tuple[int, str, str, str]:
    order = ("label", "description", "priority", "field", "type", "beneficiary")
    rank = order.index(p.kind) if p.kind in order else len(order)
    return (rank, p.lang or "", p.text, p.concept or "")


def read_concept_links(store: ox.Store, targets: list[Target]) -> dict[str, list[Target]]:
    """The SDG goals and targets each concept (activity field, type...) is linked to.

    esskg's own goals (sdg:2) come back as Targets too, titled by their UN goal, so a row can
    name them as the curated table does.
    """
    by_iri = {t.iri: t for t in targets}
    goals = {g.notation: g for g in read_goals(store)}
    links: dict[str, list[Target]] = defaultdict(list)
    query = (
        _PREFIXES
        + """
SELECT ?c ?o WHERE { ?c a skos:Concept ; esskg:contributesToSDG ?o }"""
    )
    for row in sorted(_rows(store, query), key=lambda r: (r["c"].value, r["o"].value)):
        link = row["o"].value
        target = by_iri.get(link)
        code = link.removeprefix(SDG).removeprefix(UNSDG)
        if target is None and code in goals:
            goal = goals[code]
            target = Target(link, code, code, goal.titles)
        if target is not None:
            links[row["c"].value].append(target)
    return dict(links)
