from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FILES
from esskg.errors import ParameterError, QueryError
from esskg.i18n import set_language
from esskg.load import load_project
from esskg.query import (
    QueryParam,
    construct_query,
    convert_value,
    execute,
    find_query,
    list_queries,
    read_query,
    run_query,
    select_rows,
    tidy,
)
from esskg.render import render_result

ID = "https://w3id.org/esskg/id/"


@pytest.fixture(autouse=True)
def english() -> None:
    """The messages these tests read are the English ones (main() sets its own from --lang)."""
    set_language("en")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_project(root=Path(__file__).parent / "fixtures" / "project")


def test_catalogue_reads_headers():
    queries = {q.name: q for q in list_queries()}
    assert list(queries) == [
        "actors-on-field",
        "actor-by-label",
        "sdg-links",
        "actors-with-members",
    ]
    food = queries["actors-on-field"]
    assert food.title == "Acteurs sur un champ (requête d'essai)"
    assert food.description == "the actors working on a field, narrower fields included"
    [param] = food.params
    assert (param.name, param.type, param.default) == (
        "field",
        "iri",
        "field:autosuffisance-alimentaire",
    )
    assert param.description == "the activity field; narrower fields count"
    assert queries["actor-by-label"].params[0].required


def test_lookup_by_name_or_numbered_stem():
    assert find_query("actors-on-field").path == find_query("01_actors-on-field").path
    with pytest.raises(QueryError, match="actors-on-field"):
        find_query("nope")


def test_default_parameter_and_narrower_fields(store: ox.Store):
    rows = run_query(store, "actors-on-field", {})
    assert [r["actor"].value for r in rows] == [ID + "1pacte"]


def test_curie_full_iri_and_angle_brackets_are_one_iri(store: ox.Store):
    for value in (
        "field:agriculture",
        "https://w3id.org/esskg/concept/field/agriculture",
        "<https://w3id.org/esskg/concept/field/agriculture>",
    ):
        rows = run_query(store, "actors-on-field", {"field": value})
        assert [r["actor"].value for r in rows] == [ID + "cress-bretagne"], value


def test_injection_attempt_stays_a_literal(store: ox.Store):
    attack = "x> } ; DROP ALL ; #"
    assert run_query(store, "actor-by-label", {"text": attack}) == []
    assert run_query(store, "actor-by-label", {"text": "1pacte"})[0]["actor"].value == ID + "1pacte"
    with pytest.raises(ParameterError, match="field"):
        run_query(store, "actors-on-field", {"field": attack})
    with pytest.raises(ParameterError):
        run_query(store, "actors-on-field", {"field": "<http://e/x> } ; DROP ALL ; #>"})
    assert len(store) > 0


def test_unknown_and_missing_parameters(store: ox.Store):
    with pytest.raises(ParameterError, match=r"no parameter colour; its parameters: field \(iri"):
        run_query(store, "actors-on-field", {"colour": "red"})
    with pytest.raises(ParameterError, match="needs --param text=VALUE"):
        run_query(store, "actor-by-label", {})


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("sdg", "2", ox.NamedNode("https://w3id.org/esskg/sdg/2")),
        ("sdg", "2.4", ox.NamedNode("http://metadata.un.org/sdg/2.4")),
        ("sdg", "2.a", ox.NamedNode("http://metadata.un.org/sdg/2.a")),
        ("sdg", "sdg:17", ox.NamedNode("https://w3id.org/esskg/sdg/17")),
        (
            "integer",
            "007",
            ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
        ("string", "<b> x", ox.Literal("<b> x")),
        ("iri", "dct:title", ox.NamedNode("http://purl.org/dc/terms/title")),
    ],
)
def test_value_conversion(type_: str, value: str, expected: ox.NamedNode | ox.Literal):
    assert convert_value(QueryParam("p", type_, None, ""), value) == expected


@pytest.mark.parametrize(
    ("type_", "value"),
    [("sdg", "18"), ("sdg", "2.4.1"), ("integer", "1.5"), ("iri", "nope:x"), ("iri", "plain")],
)
def test_bad_values_name_the_parameter(type_: str, value: str):
    with pytest.raises(ParameterError, match="parameter p:"):
        convert_value(QueryParam("p", type_, None, ""), value)


def test_integer_parameter(store: ox.Store):
    assert [r["actor"].value for r in run_query(store, "actors-with-members", {"min": "1"})] == [
        ID + "1pacte"
    ]
    assert run_query(store, "actors-with-members", {"min": "2"}) == []


def test_construct_returns_sorted_triples(store: ox.Store):
    [triple] = construct_query(store, "sdg-links", {})
    assert triple.object == ox.NamedNode("http://metadata.un.org/sdg/2")


def test_service_is_refused(store: ox.Store):
    set_language("en")
    with pytest.raises(
        QueryError, match=r"offline; SERVICE <http://example\.org/sparql> is not allowed"
    ):
        run_query(store, FILES / "service.rq", {})


def test_service_is_refused_even_where_rdflib_cannot_parse(tmp_path: Path, store: ox.Store):
    # LATERAL is pyoxigraph syntax rdflib does not know; the textual fallback must still catch it.
    path = tmp_path / "q.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o LATERAL { SERVICE <http://x.org/s> { ?s ?p ?o } } }")
    with pytest.raises(QueryError, match=r"SERVICE <http://x\.org/s>"):
        run_query(store, path, {})


def test_syntax_error_has_line_and_column(store: ox.Store):
    with pytest.raises(QueryError, match=r"syntax-error\.rq:\d+:\d+: SPARQL syntax error"):
        run_query(store, FILES / "syntax-error.rq", {})


def test_header_errors_name_file_and_line(tmp_path: Path):
    cases = {
        "# param: x colour -- c\nSELECT ?x WHERE {}\n": "type 'colour'",
        "# param: x iri -- c\nSELECT ?y WHERE {}\n": r"not used as \?x",
        "# title: t\n# param: x iri -- c\nSELECT ?y WHERE { ?y ?p ?x }\n": ":2: parameter x must be in the SELECT",
        "# param: x iri bad:default -- c\nSELECT ?x WHERE {}\n": "default of parameter x",
    }
    for text, message in cases.items():
        path = tmp_path / "01_q.rq"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(QueryError, match=message):
            read_query(path)


# --- no silent wrong answer --------------------------------------------------------------------


def test_a_value_that_names_nothing_is_an_error_with_the_nearest(capsys):
    from esskg.cli import main

    argv = ["query", "actors-on-field", "--param", "field=field:Maraichage-Bio"]
    assert main(["--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    assert "field:Maraichage-Bio names nothing in the graph" in err
    assert "nearest existing values: field:maraichage-bio," in err
    assert "esskg queries actors-on-field --values field" in err


def test_queries_lists_where_values_come_from_and_the_values(capsys):
    from esskg.cli import main

    assert main(["--lang", "en", "queries"]) == 0
    out = capsys.readouterr().out
    assert "actors-on-field      field" in out and "field:…" in out
    assert "esskg queries actors-on-field --values field" in out
    assert main(["--lang", "en", "queries", "actors-on-field", "--values", "field"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == [
        "field:agriculture                 agriculture@fr",
        "field:autosuffisance-alimentaire  autosuffisance alimentaire@fr",
        "field:maraichage-bio              maraîchage bio@fr",
    ]


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        ("table", ox.RdfFormat.TURTLE),
        ("turtle", ox.RdfFormat.TURTLE),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_honours_format(fmt: str, rdf_format: ox.RdfFormat, tmp_path: Path, capsys):
    from esskg.cli import main

    path = tmp_path / "c.rq"
    path.write_text("CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a esskg:Actor ; rdfs:label ?l }")
    assert main(["--lang", "en", "query", "--file", str(path), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    parsed = {q.triple for q in ox.parse(out.encode(), format=rdf_format)}
    assert parsed == {
        ox.Triple(
            ox.NamedNode(ID + "1pacte"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("1pacte", language="fr"),
        )
    }
    assert err.endswith("\n1 triple\n")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_construct_refuses_table_formats(fmt: str, tmp_path: Path, capsys):
    from esskg.cli import main

    path = tmp_path / "c.rq"
    path.write_text("CONSTRUCT { ?a ?p ?o } WHERE { ?a ?p ?o }")
    assert main(["--lang", "en", "query", "--file", str(path), "--format", fmt]) == 2
    assert f"--format {fmt} is for SELECT and ASK results" in capsys.readouterr().err


def test_query_and_render_do_not_pull_in_validation_and_endpoint_not_query():
    # render.py exists so that printing a table costs no pySHACL import; endpoint.py is transport.
    import subprocess
    import sys

    code = (
        "import sys, esskg.query, esskg.render\n"
        "print('pyshacl' in sys.modules, 'esskg.validate' in sys.modules)\n"
        "import ast, inspect, esskg.endpoint\n"
        "tree = ast.parse(inspect.getsource(esskg.endpoint))\n"
        "print(any(isinstance(n, ast.ImportFrom) and n.module == 'esskg.query' "
        "for n in ast.walk(tree)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def _aliased(tmp_path: Path, alias_line: str) -> Path:
    (tmp_path / "02_by-field.rq").write_text(
        "# title: par champ\n# description: d\n# param: field iri -- le champ\n"
        "SELECT ?field ?x WHERE { ?x <http://example.org/p> ?field }\n",
        encoding="utf-8",
    )
    alias = tmp_path / "01_food.rq"
    alias.write_text(f"# title: alimentation\n# {alias_line}\n", encoding="utf-8")
    return alias


def test_an_alias_is_the_other_query_with_a_default(tmp_path: Path):
    query = read_query(_aliased(tmp_path, "alias: by-field field=field:permaculture"))
    target = read_query(tmp_path / "02_by-field.rq")
    assert (query.name, query.title, query.text) == ("food", "alimentation", target.text)
    [param] = query.params
    assert param.default == "field:permaculture" and target.params[0].required


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("alias: nowhere", "alias of 'nowhere', which is not a canned query here"),
        ("alias: by-field colour=red", "by-field has no parameter colour"),
        ("alias: by-field field=nocolon", "default of parameter field"),
    ],
)
def test_a_bad_alias_says_where_and_what(tmp_path: Path, line: str, message: str):
    with pytest.raises(QueryError, match=message) as caught:
        read_query(_aliased(tmp_path, line))
    assert "01_food.rq:2" in str(caught.value)


def test_sorted_list_cells_are_in_order_whatever_the_aggregate_gives(tmp_path: Path):
    # SPARQL leaves GROUP_CONCAT's order undefined: `# sorted-list:` makes esskg set it.
    query_file = tmp_path / "q.rq"
    query_file.write_text(
        "# sorted-list: names -- the parts in order\n"
        'SELECT ?names WHERE { VALUES ?names { "b; c; a" } }\n',
        encoding="utf-8",
    )
    query = read_query(query_file)
    assert query.sorted_lists == ("names",)
    store = ox.Store()
    [row] = select_rows(store, query)
    assert row["names"].value == "a; b; c"
    for fmt, expected in (("csv", "a; b; c"), ("json", '"a; b; c"'), ("tsv", '"a; b; c"')):
        text, _ = render_result(tidy(query, execute(store, query)), fmt)
        assert expected in text and "b; c; a" not in text, fmt


def test_an_empty_query_file_is_said_to_be_empty_not_an_update(tmp_path: Path):
    empty = tmp_path / "empty.rq"
    empty.write_text("# title: nothing yet\n\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"aucune requête|no query in it"):
        select_rows(ox.Store(), read_query(empty))
