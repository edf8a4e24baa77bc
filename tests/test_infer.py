"""graph:inferred: the closures the queries read instead of property paths."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from esskg.infer import INFERRED_GRAPH, closure_input, inferred_quads
from esskg.load import load_dataset
from esskg.namespaces import PREFIXES

SKOS = PREFIXES["skos"]
ESSKG = PREFIXES["esskg"]
EX = "http://example.org/"
ROOT = Path(__file__).resolve().parents[1]


def _n(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def _closure(quads: list[ox.Quad], predicate: str) -> set[tuple[str, str]]:
    return {
        (q.subject.value.removeprefix(EX), q.object.value.removeprefix(EX))
        for q in quads
        if q.predicate.value == predicate
    }


def _broader(child: str, parent: str, graph: str = EX + "g") -> ox.Quad:
    return ox.Quad(_n(child), ox.NamedNode(SKOS + "broader"), _n(parent), ox.NamedNode(graph))


def test_broader_closure_follows_every_step_and_is_not_reflexive():
    quads = [_broader("c", "b"), _broader("b", "a"), _broader("d", "b")]
    inferred = inferred_quads(quads)
    assert _closure(inferred, SKOS + "broaderTransitive") == {
        ("c", "b"),
        ("c", "a"),
        ("b", "a"),
        ("d", "b"),
        ("d", "a"),
    }
    assert {q.graph_name.value for q in inferred} == {INFERRED_GRAPH}


def test_closure_spans_graphs_and_terminates_on_a_cycle():
    quads = [_broader("a", "b", EX + "g1"), _broader("b", "a", EX + "g2")]
    assert _closure(inferred_quads(quads), SKOS + "broaderTransitive") == {
        ("a", "b"),
        ("b", "a"),
        ("a", "a"),
        ("b", "b"),
    }


def test_an_old_inferred_graph_is_not_read_back():
    stale = ox.Quad(_n("x"), ox.NamedNode(SKOS + "broader"), _n("y"), ox.NamedNode(INFERRED_GRAPH))
    assert inferred_quads([stale]) == []


def test_project_load_adds_the_territory_chain():
    dataset = load_dataset(root=ROOT)
    within = ox.NamedNode(ESSKG + "liesWithinTransitive")
    dkhila = ox.NamedNode(PREFIXES["id"] + "dkhila")
    reached = {q.object for q in dataset.quads_for_subject(dkhila) if q.predicate == within}
    assert {o.value.removeprefix(PREFIXES["id"]) for o in reached} == {"medenine", "tunisie"}
    assert all(
        q.graph_name == ox.NamedNode(INFERRED_GRAPH) for q in dataset.quads_for_predicate(within)
    )


def test_inferred_output_is_sorted_so_dumps_stay_stable():
    quads = [_broader("c", "b"), _broader("b", "a")]
    assert inferred_quads(quads) == inferred_quads(list(reversed(quads)))


def test_a_store_and_a_dataset_give_the_same_closure():
    dataset = load_dataset(root=ROOT)
    stated = ox.Dataset(q for q in dataset if q.graph_name != ox.NamedNode(INFERRED_GRAPH))
    store = ox.Store()
    store.extend(stated)
    assert inferred_quads(closure_input(store)) == inferred_quads(closure_input(stated))
    assert inferred_quads(closure_input(stated)) == sorted(
        dataset.quads_for_graph_name(ox.NamedNode(INFERRED_GRAPH)),
        key=lambda q: (q.predicate.value, str(q.subject), str(q.object)),
    )


def test_within_ties_each_node_to_itself_and_what_contains_it():
    dataset = load_dataset(root=ROOT)
    within = ox.NamedNode(ESSKG + "within")
    formation = ox.NamedNode(PREFIXES["id"] + "formation-maraichage-dkhila")
    reached = {q.object for q in dataset.quads_for_subject(formation) if q.predicate == within}
    assert {o.value.removeprefix(PREFIXES["id"]) for o in reached} == {
        "formation-maraichage-dkhila",
        "axe-normandie-medenine-alimentation",
        "cooperation-normandie-medenine",
    }


def test_a_hierarchy_written_with_narrower_only_is_closed_too():
    narrower = ox.NamedNode(SKOS + "narrower")
    quads = [
        ox.Quad(_n("a"), narrower, _n("b"), ox.NamedNode(EX + "g")),
        ox.Quad(_n("b"), narrower, _n("c"), ox.NamedNode(EX + "g")),
        _broader("d", "c"),
    ]
    assert _closure(inferred_quads(quads), SKOS + "broaderTransitive") == {
        ("b", "a"),
        ("c", "b"),
        ("c", "a"),
        ("d", "c"),
        ("d", "b"),
        ("d", "a"),
    }


def test_a_participation_reads_as_an_org_membership_of_its_partnership():
    prov, org, rdf_type = PREFIXES["prov"], PREFIXES["org"], PREFIXES["rdf"] + "type"
    g = ox.NamedNode(EX + "g")

    def q(s: str, p: str, o: str) -> ox.Quad:
        return ox.Quad(_n(s), ox.NamedNode(p), _n(o) if o.isalnum() else ox.NamedNode(o), g)

    quads = [
        q("partnership", rdf_type, ESSKG + "Partnership"),
        q("partnership", ESSKG + "hasAxis", "axis"),
        q("axis", ESSKG + "hasActivity", "activity"),
        q("activity", prov + "qualifiedAssociation", "participation"),
        q("participation", prov + "agent", "actor"),
        q("participation", prov + "hadRole", "role"),
        # a qualified association outside any partnership is no membership
        q("elsewhere", prov + "qualifiedAssociation", "other"),
        q("other", prov + "agent", "actor"),
    ]
    inferred = inferred_quads(quads)
    assert _closure(inferred, org + "organization") == {("participation", "partnership")}
    assert _closure(inferred, org + "member") == {("participation", "actor")}
    assert _closure(inferred, org + "role") == {("participation", "role")}


def test_a_field_and_a_kind_are_given_with_every_broader_one():
    g = ox.NamedNode(EX + "g")
    quads = [
        ox.Quad(_n("node"), ox.NamedNode(ESSKG + "activityField"), _n("narrow"), g),
        _broader("narrow", "mid"),
        _broader("mid", "wide"),
        ox.Quad(_n("actor"), ox.NamedNode(ESSKG + "actorKind"), _n("coop"), g),
        _broader("coop", "sse"),
    ]
    inferred = inferred_quads(quads)
    assert _closure(inferred, ESSKG + "activityFieldTransitive") == {
        ("node", "narrow"),
        ("node", "mid"),
        ("node", "wide"),
    }
    assert _closure(inferred, ESSKG + "actorKindTransitive") == {
        ("actor", "coop"),
        ("actor", "sse"),
    }


def test_each_goal_counts_its_partnerships_and_actors_once():
    prov, rdf_type = PREFIXES["prov"], PREFIXES["rdf"] + "type"
    goals = ox.NamedNode(PREFIXES["sdg"] + "goals")
    g = ox.NamedNode(EX + "g")

    def q(s: str, p: str, o: ox.NamedNode | str) -> ox.Quad:
        return ox.Quad(_n(s), ox.NamedNode(p), _n(o) if isinstance(o, str) else o, g)

    link = ESSKG + "contributesToSDG"
    quads = [
        q("goal1", SKOS + "inScheme", goals),
        q("goal2", SKOS + "inScheme", goals),
        q("goal1", SKOS + "exactMatch", "un1"),
        _broader("target11", "un1"),
        # p1 counts through a target on its axis; its activity's participant counts as an actor
        q("p1", rdf_type, ox.NamedNode(ESSKG + "Partnership")),
        q("p1", ESSKG + "hasAxis", "axis"),
        q("axis", ESSKG + "hasActivity", "activity"),
        q("axis", link, "target11"),
        q("activity", prov + "qualifiedAssociation", "part"),
        q("part", prov + "agent", "x"),
        # p2 links to the goal itself, on the partnership and again on an axis: counted once
        q("p2", rdf_type, ox.NamedNode(ESSKG + "Partnership")),
        q("p2", link, "goal1"),
        q("p2", ESSKG + "hasAxis", "axis2"),
        q("axis2", link, "goal1"),
        q("p2", prov + "qualifiedAssociation", "part2"),
        q("part2", prov + "agent", "x"),
        # an actor linked itself counts; a link from an untyped node or outside a
        # partnership does not
        q("y", rdf_type, ox.NamedNode(ESSKG + "Actor")),
        q("y", link, "goal1"),
        q("z", link, "goal1"),
        q("loose-axis", link, "goal2"),
    ]
    counts = {
        (q.subject.value.removeprefix(EX), q.predicate.value.removeprefix(ESSKG)): int(
            q.object.value
        )
        for q in inferred_quads(quads)
        if q.predicate.value.endswith("Count")
    }
    assert counts == {
        ("goal1", "linkedPartnershipCount"): 2,
        ("goal1", "linkedActorCount"): 2,
        ("goal2", "linkedPartnershipCount"): 0,
        ("goal2", "linkedActorCount"): 0,
    }


def test_a_partnership_starts_in_its_own_year_else_its_parts_earliest():
    rdf_type, schema = PREFIXES["rdf"] + "type", PREFIXES["schema"]
    g = ox.NamedNode(EX + "g")

    def q(s: str, p: str, o: ox.Term) -> ox.Quad:
        return ox.Quad(_n(s), ox.NamedNode(p), o, g)

    def date(text: str, kind: str) -> ox.Literal:
        return ox.Literal(text, datatype=ox.NamedNode(PREFIXES["xsd"] + kind))

    partnership = ox.NamedNode(ESSKG + "Partnership")
    quads = [
        # own date wins over its activity's earlier one
        q("own", rdf_type, partnership),
        q("own", schema + "startDate", date("2019", "gYear")),
        q("own", ESSKG + "hasActivity", _n("early")),
        q("early", schema + "startDate", date("2010-05-01", "date")),
        # no own date: the earliest of its axis and the axis's activity
        q("parts", rdf_type, partnership),
        q("parts", ESSKG + "hasAxis", _n("axis")),
        q("axis", schema + "startDate", date("2021-10", "gYearMonth")),
        q("axis", ESSKG + "hasActivity", _n("activity")),
        q("activity", schema + "startDate", date("2017", "gYear")),
        # an own date that is no year hides the parts' dates, as in the query it replaced
        q("unreadable", rdf_type, partnership),
        q("unreadable", schema + "startDate", ox.Literal("vers 2015")),
        q("unreadable", ESSKG + "hasActivity", _n("dated")),
        q("dated", schema + "startDate", date("2016", "gYear")),
    ]
    assert {
        (q.subject.value.removeprefix(EX), q.object.value)
        for q in inferred_quads(quads)
        if q.predicate.value == ESSKG + "startYear"
    } == {("own", "2019"), ("parts", "2017")}


def test_every_esskg_term_inferred_is_defined_in_both_languages():
    # The .rq files run on remote servers too, where graph:inferred is pushed with the data:
    # each term esskg computes there must be in the ontology, labelled and defined, fr and en.
    dataset = load_dataset(root=ROOT)
    terms = {
        q.predicate
        for q in dataset.quads_for_graph_name(ox.NamedNode(INFERRED_GRAPH))
        if q.predicate.value.startswith(ESSKG)
    }
    assert {t.value.removeprefix(ESSKG) for t in terms} >= {
        "activityFieldTransitive",
        "actorKindTransitive",
        "linkedActorCount",
        "linkedPartnershipCount",
        "startYear",
        "within",
    }
    ontology = list(ox.parse(path=ROOT / "ontology" / "esskg.ttl", format=ox.RdfFormat.TURTLE))
    for term in terms:
        for prop in (PREFIXES["rdfs"] + "label", SKOS + "definition"):
            languages = {
                q.object.language
                for q in ontology
                if q.subject == term and q.predicate.value == prop
            }
            assert {"fr", "en"} <= languages, f"{term.value}: {prop} in fr and en"


def test_a_start_year_is_the_first_four_characters_of_the_date_when_they_are_digits():
    # As xsd:integer(SUBSTR(STR(?date), 1, 4)): a shorter value that is all digits is a year
    # too, and an IRI, a value starting otherwise or with an escaped character is none.
    rdf_type, schema = PREFIXES["rdf"] + "type", PREFIXES["schema"]
    g = ox.NamedNode(EX + "g")
    partnership = ox.NamedNode(ESSKG + "Partnership")
    dates = {
        "short": ox.Literal("987", datatype=ox.NamedNode(PREFIXES["xsd"] + "gYear")),
        "padded": ox.Literal("0012-03-04", datatype=ox.NamedNode(PREFIXES["xsd"] + "date")),
        "tagged": ox.Literal("2020 env.", language="fr"),
        "line": ox.Literal("12\n"),
        "quote": ox.Literal('19"9'),
        "iri": _n("2020"),
    }
    quads = [ox.Quad(_n(name), ox.NamedNode(rdf_type), partnership, g) for name in dates]
    quads += [
        ox.Quad(_n(name), ox.NamedNode(schema + "startDate"), date, g)
        for name, date in dates.items()
    ]
    assert {
        (q.subject.value.removeprefix(EX), q.object.value)
        for q in inferred_quads(quads)
        if q.predicate.value == ESSKG + "startYear"
    } == {("short", "987"), ("padded", "12"), ("tagged", "2020")}


def test_the_same_statements_in_two_graphs_infer_each_statement_once():
    # inferred_frame() may give a statement twice when the input says it twice; the quads
    # inferred_quads() gives are unique all the same.
    stated = [_broader("c", "b", EX + "g1"), _broader("b", "a", EX + "g1")]
    again = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(EX + "g2")) for q in stated]
    assert inferred_quads(stated + again) == inferred_quads(stated)
    assert len(inferred_quads(stated)) == 3
