"""Hostile queries: SERVICE and updates in every spelling refused before anything runs (a
listener on 127.0.0.1 proves no connection is made), parameters inert, runaway queries stopped.
Also the user's own queries: predeclared prefixes, standard input, checks on the user's files.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FILES
from esskg.cli import main


@pytest.fixture
def listener() -> Iterator[str]:
    """A socket listening on 127.0.0.1; the test fails if anything connected to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    try:
        connection, peer = sock.accept()
    except BlockingIOError:
        pass  # nobody came: what we want
    else:
        connection.close()
        pytest.fail(f"esskg connected to the listener from {peer}")
    finally:
        sock.close()


SERVICE_SPELLINGS = {
    "plain": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "lowercase": "select * where { service <{url}> { ?s ?p ?o } }",
    "silent": "SELECT * { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "no-spaces": "SELECT * {SERVICE<{url}>{?s ?p ?o}}",
    "prefixed": "PREFIX remote: <{base}> SELECT * { SERVICE remote:sparql { ?s ?p ?o } }",
    "variable": "SELECT * { VALUES ?e { <{url}> } SERVICE ?e { ?s ?p ?o } }",
    "subquery": "SELECT * { { SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "optional": "SELECT * { ?a ?b ?c OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } }",
    "nested": "SELECT * { { { { SERVICE <{url}> { ?s ?p ?o } } } } }",
    "union": "SELECT * { { ?a ?b ?c } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "exists": "SELECT * { ?a ?b ?c FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "minus": "SELECT * { ?a ?b ?c MINUS { SERVICE <{url}> { ?a ?p ?o } } }",
    "comment-between": "SELECT * { SERVICE # a comment\n <{url}> { ?s ?p ?o } }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "ask": "ASK { SERVICE <{url}> { ?s ?p ?o } }",
    "sparql-1.2-syntax": "SELECT * { SERVICE <{url}> { ?s ?p ?o } BIND(<<( ?s ?p ?o )>> AS ?t) }",
    "after-a-dot": "SELECT * { ?a ?b ?c .SERVICE<{url}>{?s ?p ?o} }",
    "after-a-literal": "SELECT * { ?a ?b true SERVICE <{url}> { ?s ?p ?o } }",
    "in-a-long-string-then-real": 'SELECT * { ?a ?b """x""" SERVICE <{url}> { ?s ?p ?o } }',
}
UPDATES = {
    "load": "LOAD <{url}>",
    "load-lowercase-silent": "load silent <{url}> into graph <http://example.org/g>",
    "insert-data": 'INSERT DATA { <http://example.org/a> <http://example.org/p> "x" }',
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "prefixed-insert": "PREFIX ex: <http://example.org/>\nINSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "with": "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "clear": "CLEAR ALL",
    "drop": "DROP GRAPH <http://example.org/g>",
    "copy": "COPY DEFAULT TO <http://example.org/g>",
    "sequence": "SELECT * { ?s ?p ?o } ; DROP ALL",
}
LOOK_ALIKES = {
    "in-a-string": 'SELECT * { ?s ?p ?o FILTER(?o != "SERVICE <{url}> {{ }}") }',
    "in-a-comment": "# SERVICE <{url}> { ?s ?p ?o }\nSELECT * { ?s ?p ?o }",
    "a-variable-named-service": "SELECT ?service { ?service ?p ?o }",
    "load-in-a-string": 'SELECT * { ?s ?p "LOAD <{url}>" }',
    "a-name-ending-in-service": "PREFIX ex: <http://example.org/> SELECT * { ?s ex:food-service ?o }",
    "in-a-long-string": 'SELECT * { ?s ?p """SERVICE <{url}> {{ ?s ?p ?o }}""" }',
}


def _write(tmp_path: Path, name: str, template: str, url: str) -> Path:
    path = tmp_path / f"{name}.rq"
    base = url.rpartition("/")[0] + "/"
    path.write_text(template.replace("{url}", url).replace("{base}", base).replace("{{", "{"))
    return path


@pytest.mark.parametrize("name", SERVICE_SPELLINGS)
def test_service_in_any_spelling_is_refused(name: str, listener: str, tmp_path: Path, capsys):
    path = _write(tmp_path, name, SERVICE_SPELLINGS[name], listener)
    assert main(["--lang", "en", "query", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "offline; SERVICE" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["plain", "variable", "subquery"])
def test_service_is_refused_before_a_server_is_asked(name, listener, tmp_path: Path, capsys):
    # The listener is also the --endpoint: the query must not even be sent there.
    path = _write(tmp_path, name, SERVICE_SPELLINGS[name], listener)
    assert main(["--lang", "en", "query", "--file", str(path), "--endpoint", listener]) == 2
    assert "offline; SERVICE" in capsys.readouterr().err


@pytest.mark.parametrize("name", UPDATES)
def test_updates_are_refused_and_say_so(name: str, listener: str, tmp_path: Path, capsys):
    path = _write(tmp_path, name, UPDATES[name], listener)
    assert main(["--lang", "en", "query", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if name == "sequence":  # a query then an update: not one query, so a syntax error
        assert "SPARQL syntax error" in err
    else:
        assert "this is a SPARQL update" in err and "refuses updates" in err


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_what_only_looks_like_service_or_load_runs(name, listener, tmp_path: Path, capsys):
    path = _write(tmp_path, name, LOOK_ALIKES[name], listener)
    assert main(["--lang", "en", "query", "--file", str(path)]) == 0, capsys.readouterr().err


def test_parameter_injection_is_inert(listener: str, capsys):
    payload = f'x") }} SERVICE <{listener}> {{ ?s ?p ?o }} #'
    assert main(["--lang", "en", "query", "actor-by-label", "--param", f"text={payload}"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 rows" in err


RUNAWAY = {
    "cross-join": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }",
    "property-path": "SELECT (COUNT(*) AS ?n) { ?a (<http://x/p>|!<http://x/p>)* ?b . "
    "?c (<http://x/p>|!<http://x/p>)* ?d . ?e ?f ?g . ?h ?i ?j }",
    "regex": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
    'FILTER(REGEX(CONCAT(STR(?a), STR(?d), STR(?g), STR(?j)), "(a|aa)+$")) }',
}


@pytest.mark.parametrize("name", RUNAWAY)
def test_a_runaway_query_is_stopped_at_the_time_limit(name: str, tmp_path: Path, capsys):
    path = tmp_path / f"{name}.rq"
    path.write_text(RUNAWAY[name])
    started = time.monotonic()
    assert main(["--lang", "en", "query", "--file", str(path), "--timeout", "1"]) == 2
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert "ran longer than 1 s and was stopped" in err
    assert elapsed < 15


def test_an_error_inside_the_time_limited_child_is_reported(tmp_path: Path, capsys):
    path = tmp_path / "ask.rq"
    path.write_text("ASK { ?s ?p ?o }")
    assert main(["--lang", "en", "query", "--file", str(path), "--format", "jsonld"]) == 2
    assert "--format jsonld is for graphs" in capsys.readouterr().err


# --- the user's own queries ------------------------------------------------------------------


def test_project_prefixes_are_declared_for_own_queries(tmp_path: Path, capsys):
    path = tmp_path / "own.rq"
    path.write_text("SELECT ?a { ?a a esskg:Actor ; esskg:worksOn field:maraichage-bio }")
    assert main(["--lang", "en", "query", "--file", str(path)]) == 0
    assert "id:1pacte" in capsys.readouterr().out


def test_a_query_from_standard_input(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("ASK { id:1pacte a esskg:Actor }"))
    assert main(["--lang", "en", "query", "--file", "-"]) == 0
    assert capsys.readouterr().out == "true\n"


def test_check_runs_on_the_users_files_with_the_graph(capsys):
    assert main(["--lang", "en", "check"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "check", str(FILES / "actor-without-label.ttl")]) == 1
    out, err = capsys.readouterr()
    assert "id:nameless" in out and "esskg check runs the shapes' quality gate" in err
    assert main(["check", str(FILES / "good-actor.ttl")]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "actor-by-label", "--param", "text=x", "--graph", "http://g"], "--graph only"),
        (["query", "actor-by-label", "--param", "text=x", "--user", "bob"], "--user only"),
        (["query", "actor-by-label", "--param", "text=x", "--timeout", "0"], "above 0"),
        (
            ["push", "--endpoint", "http://127.0.0.1:9/query", "--user", "bob"],
            "needs --password-env",
        ),
        (["push", "--endpoint", "foo"], "not an http(s) URL"),
        (["push", "--endpoint", "http://127.0.0.1:9/update"], "looks like the server's update"),
        (
            [
                "push",
                "--endpoint",
                "http://127.0.0.1:9/query",
                "--gsp",
                "http://127.0.0.1:9/update",
            ],
            "--gsp wants",
        ),
        (["query", "actor-by-label", "--endpoint", "http://[::1"], "not a valid URL"),
        (
            ["query", "actor-by-label", "--endpoint", "http://127.0.0.1:9/store"],
            "graph store endpoint",
        ),
        (["link", "sdg", "--endpoint", "http://[::1", "--date", "2026-01-01"], "not a valid URL"),
        (["queries", "actor-by-label", "--values", "text"], "takes any value"),
    ],
)
def test_options_that_do_not_apply_or_bad_urls_are_errors(argv, message, capsys):
    assert main(["--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "internal error" not in err
