"""The canned queries (queries/*.rq).

SELECT results are compared with tests/expected/*.json (SPARQL 1.1 JSON results) as unordered bags
of rows, term by term: IRIs, lexical forms, language tags and datatypes must all match. CONSTRUCT
results are compared with tests/expected/*.ttl by graph isomorphism. The expected files were checked
by hand against the source document; the spot checks below restate its key facts so that a
regenerated expected file cannot silently drop them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.plugins.sparql.parser import parseQuery

from esskg.load import load_project
from esskg.query import construct_query, list_queries, run_query

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "expected"

ID = "https://w3id.org/esskg/id/"
ESSKG = "https://w3id.org/esskg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]

# (query name, parameters, expected file stem); each canned query appears at least once.
SELECT_CASES = [
    ("food-self-sufficiency", {}, "food-self-sufficiency"),
    (
        "actors-by-field",
        {"field": "field:autosuffisance-alimentaire"},
        "actors-by-field--autosuffisance-alimentaire",
    ),
    (
        "actors-by-field",
        {"field": "field:cooperation-territoriale"},
        "actors-by-field--cooperation-territoriale",
    ),
    ("actors-by-field", {"field": "field:permaculture"}, "actors-by-field--permaculture"),
    ("partnerships-by-sdg", {"goal": "2"}, "partnerships-by-sdg--2"),
    ("partnerships-by-sdg", {"goal": "2.4"}, "partnerships-by-sdg--2.4"),
    ("partnerships-by-sdg", {"goal": "17"}, "partnerships-by-sdg--17"),
    ("region-partners", {}, "region-partners"),
    ("partnership-actors", {}, "partnership-actors"),
    ("sdg-coverage", {}, "sdg-coverage"),
    ("publications", {}, "publications"),
    ("levers", {}, "levers"),
]

# Parameter values that must return nothing on the project data.
EMPTY_CASES = [
    # developpement-ess is on the Occitanie axis, where no actor takes part.
    ("actors-by-field", {"field": "field:developpement-ess"}),
    # The éco-domaine du Londel works on insertion but takes part in no partnership.
    ("actors-by-field", {"field": "field:insertion-professionnelle"}),
    ("partnerships-by-sdg", {"goal": "1"}),
    ("partnerships-by-sdg", {"goal": "2.1"}),
]

CONSTRUCT_CASES = [
    (
        "describe-partnership",
        {"partnership": "id:cooperation-normandie-medenine"},
        "describe-partnership--cooperation-normandie-medenine",
    ),
]

CONSTRUCT_EMPTY_CASES = [
    ("describe-partnership", {"partnership": "id:1pacte"}),  # an actor, not a partnership
    ("describe-partnership", {"partnership": "id:no-such-partnership"}),
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_project(root=ROOT)


def bag(rows: list[Row]) -> Counter[frozenset[tuple[str, object]]]:
    """Rows as a multiset; pyoxigraph terms compare by kind, value, language and datatype."""
    return Counter(frozenset(row.items()) for row in rows)


def expected_rows(stem: str) -> list[Row]:
    solutions = ox.parse_query_results(
        path=EXPECTED / f"{stem}.json", format=ox.QueryResultsFormat.JSON
    )
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def assert_same_bag(actual: list[Row], expected: list[Row]) -> None:
    missing = bag(expected) - bag(actual)
    unexpected = bag(actual) - bag(expected)
    assert not missing and not unexpected, (
        f"missing rows: {[dict(r) for r in missing]}\nunexpected rows: {[dict(r) for r in unexpected]}"
    )


def rdflib_graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def values(rows: list[Row], *names: str) -> set[tuple[str, ...]]:
    return {tuple(row[n].value if n in row else "" for n in names) for row in rows}


# --- the catalogue ---------------------------------------------------------------------------


def test_every_canned_query_has_an_expected_result() -> None:
    tested = {name for name, _, _ in SELECT_CASES} | {name for name, _, _ in CONSTRUCT_CASES}
    assert {q.name for q in list_queries(ROOT)} == tested


@pytest.mark.parametrize("query", list_queries(ROOT), ids=lambda q: q.path.name)
def test_query_is_portable_sparql_with_a_header(query) -> None:
    # rdflib's SPARQL 1.1 grammar is a second opinion: nothing Oxigraph-only slipped in.
    parseQuery(query.text)
    assert query.title and query.description
    assert "PREFIX " in query.text


# --- SELECT queries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "stem"), SELECT_CASES, ids=[stem for _, _, stem in SELECT_CASES]
)
def test_select_query_matches_expected(store: ox.Store, name: str, params: dict, stem: str) -> None:
    assert_same_bag(run_query(store, name, params, root=ROOT), expected_rows(stem))


@pytest.mark.parametrize(
    ("name", "params", "stem"), SELECT_CASES, ids=[stem for _, _, stem in SELECT_CASES]
)
def test_select_query_rows_come_in_the_order_users_see(
    store: ox.Store, name: str, params: dict, stem: str
) -> None:
    # Every canned query says ORDER BY; the expected files list the rows in that order.
    assert run_query(store, name, params, root=ROOT) == expected_rows(stem)


@pytest.mark.parametrize(("name", "params"), EMPTY_CASES, ids=lambda v: str(v))
def test_select_query_returns_nothing(store: ox.Store, name: str, params: dict) -> None:
    assert run_query(store, name, params, root=ROOT) == []


def test_food_self_sufficiency_names_1pacte_and_the_dkhila_farm(store: ox.Store) -> None:
    rows = run_query(store, "food-self-sufficiency", root=ROOT)
    assert values(rows, "actor", "partnership", "territories") == {
        (ID + "1pacte", ID + "cooperation-normandie-medenine", "Médenine; Normandie"),
        (
            ID + "ferme-associative-dkhila",
            ID + "cooperation-normandie-medenine",
            "Médenine; Normandie",
        ),
    }


def test_food_self_sufficiency_is_actors_by_field_on_that_field(store: ox.Store) -> None:
    # an alias (queries/01 names queries/02 and a default): one text, two names, no drift
    fixed = run_query(store, "food-self-sufficiency", root=ROOT)
    generic = run_query(
        store, "actors-by-field", {"field": "field:autosuffisance-alimentaire"}, root=ROOT
    )
    assert fixed == generic
    assert run_query(store, "actors-by-field", root=ROOT) == generic


def test_region_partners_follow_the_source(store: ox.Store) -> None:
    rows = run_query(store, "region-partners", root=ROOT)
    assert values(rows, "regionLabel", "partnerLabel", "countryLabel", "startYear") == {
        ("Normandie", "Médenine", "Tunisie", ""),
        ("Bretagne", "Québec", "Canada", "2014"),
        ("Nouvelle-Aquitaine", "Québec", "Canada", "2014"),
        ("Nouvelle-Aquitaine", "Navarre", "Espagne", ""),
        ("Nouvelle-Aquitaine", "Murcie", "Espagne", ""),
        ("Nouvelle-Aquitaine", "Hoce-Slivnica", "Slovénie", ""),
        ("Occitanie", "Oriental", "Maroc", "2017"),
    }
    occitanie = next(r for r in rows if r["regionLabel"].value == "Occitanie")
    assert occitanie["startYear"] == ox.Literal("2017", datatype=XSD_INTEGER)


def test_partnerships_by_sdg_target_matches_only_that_target(store: ox.Store) -> None:
    rows = run_query(store, "partnerships-by-sdg", {"goal": "2.4"}, root=ROOT)
    assert values(rows, "via", "link") == {
        (ID + "axe-normandie-medenine-alimentation", "http://metadata.un.org/sdg/2.4")
    }


def test_sdg_coverage_lists_all_17_goals_in_order(store: ox.Store) -> None:
    rows = run_query(store, "sdg-coverage", root=ROOT)
    assert [int(r["goalNumber"].value) for r in rows] == list(range(1, 18))


# --- CONSTRUCT queries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "stem"), CONSTRUCT_CASES, ids=[stem for _, _, stem in CONSTRUCT_CASES]
)
def test_construct_query_is_isomorphic_to_expected(
    store: ox.Store, name: str, params: dict, stem: str
) -> None:
    actual = rdflib_graph(construct_query(store, name, params, root=ROOT))
    expected = Graph().parse(EXPECTED / f"{stem}.ttl", format="turtle")
    assert isomorphic(actual, expected), (
        f"only in result: {sorted(actual - expected)}\nonly expected: {sorted(expected - actual)}"
    )


@pytest.mark.parametrize(("name", "params"), CONSTRUCT_EMPTY_CASES, ids=lambda v: str(v))
def test_construct_query_returns_nothing(store: ox.Store, name: str, params: dict) -> None:
    assert construct_query(store, name, params, root=ROOT) == []


# --- SDG targets count for their goal through the packaged UN KOS ------------------------------

UN_KOS = ROOT / "data" / "un-sdg" / "un-sdg-kos.ttl"


def un_target_codes() -> list[str]:
    """The codes of the targets in the packaged UN KOS, read off their IRIs (not its hierarchy)."""
    concepts = {
        q.subject.value.removeprefix("http://metadata.un.org/sdg/")
        for q in ox.parse(path=UN_KOS, format=ox.RdfFormat.TURTLE)
        if q.subject.value.startswith("http://metadata.un.org/sdg/")
    }
    return sorted(c for c in concepts if "." in c)


def linking_partnerships(tmp_path: Path, codes: list[str]) -> Path:
    """One partnership per target, each linked to that target alone."""
    lines = [
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    for code in codes:
        lines.append(
            f'<{ID}fx-p-{code}> a esskg:Partnership ; rdfs:label "P {code}"@fr ;'
            f" esskg:contributesToSDG <http://metadata.un.org/sdg/{code}> ."
        )
    path = tmp_path / "links.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_link_to_target_2_1_counts_for_goal_2(tmp_path: Path) -> None:
    # 2.1 has no hand-written row anywhere: the UN KOS hierarchy alone ties it to goal 2.
    store = load_project(extra=[linking_partnerships(tmp_path, ["2.1"])], root=ROOT)
    rows = run_query(store, "partnerships-by-sdg", {"goal": "2"}, root=ROOT)
    assert {
        (r["partnership"].value, r["link"].value, r["goalNumber"].value)
        for r in rows
        if r["partnership"].value.startswith(ID + "fx-")
    } == {(ID + "fx-p-2.1", "http://metadata.un.org/sdg/2.1", "2")}
    coverage = {
        int(r["goalNumber"].value): int(r["partnerships"].value)
        for r in run_query(store, "sdg-coverage", root=ROOT)
    }
    project_only = {
        int(r["goalNumber"].value): int(r["partnerships"].value)
        for r in run_query(load_project(root=ROOT), "sdg-coverage", root=ROOT)
    }
    assert coverage[2] == project_only[2] + 1
    assert {g: n for g, n in coverage.items() if g != 2} == {
        g: n for g, n in project_only.items() if g != 2
    }


def test_every_un_target_counts_for_its_goal(tmp_path: Path) -> None:
    codes = un_target_codes()
    assert len(codes) == 169
    # the goals' skos:exactMatch to the UN goals live in graph:mappings: the project data loads
    store = load_project(extra=[linking_partnerships(tmp_path, codes)], root=ROOT)
    per_goal = Counter(int(code.split(".")[0]) for code in codes)
    baseline = Counter(
        {
            int(r["goalNumber"].value): int(r["partnerships"].value)
            for r in run_query(load_project(root=ROOT), "sdg-coverage", root=ROOT)
        }
    )
    coverage = {
        int(r["goalNumber"].value): int(r["partnerships"].value)
        for r in run_query(store, "sdg-coverage", root=ROOT)
    }
    assert coverage == {goal: per_goal[goal] + baseline[goal] for goal in range(1, 18)}


@pytest.fixture(scope="module")
def store_stated_twice() -> ox.Store:
    """The project with every statement of its source graph said again in another graph, as
    when a workspace file repeats what the source says (or a link is both stated and curated)."""
    twice = load_project(root=ROOT)
    source = ox.NamedNode("https://w3id.org/esskg/graph/source")
    copy = ox.NamedNode("https://example.org/graph/said-again")
    said = list(twice.quads_for_pattern(None, None, None, source))
    assert said, "the source graph is where the cases are"
    twice.extend(ox.Quad(q.subject, q.predicate, q.object, copy) for q in said)
    return twice


@pytest.mark.parametrize(
    ("name", "params", "stem"), SELECT_CASES, ids=[stem for _, _, stem in SELECT_CASES]
)
def test_a_statement_said_in_two_graphs_gives_each_row_once(
    store_stated_twice: ox.Store, name: str, params: dict, stem: str
) -> None:
    # The default graph is the union of the graphs, which pyoxigraph (and Oxigraph's server)
    # gives as a bag: a statement in two graphs matches twice unless the query says DISTINCT.
    rows = run_query(store_stated_twice, name, params, root=ROOT)
    assert_same_bag(rows, expected_rows(stem))
