"""esskg serve at the HTTP level: dereferencing, content negotiation, caching, pages, /sparql.

Starlette's TestClient drives the real application (its lifespan starts real query workers) over
the fixture project. The worker and timeout tests, which need real processes and a real socket,
are in test_serve_workers.py; the browser test in test_serve_browser.py.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from conftest import PROJECT
from esskg.cli import main
from esskg.resources import project
from esskg.serve.app import Limits, create_app
from esskg.serve.data import ServedData, ServeError, open_data

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ID = "https://w3id.org/esskg/id/"


@pytest.fixture(scope="module")
def data() -> Iterator[ServedData]:
    yield open_data(project(PROJECT))


@pytest.fixture(scope="module")
def client(data: ServedData) -> Iterator[TestClient]:
    app = create_app(data, Limits(timeout=5, workers=1, max_rows=3), root=PROJECT)
    with TestClient(app) as test_client:
        yield test_client


def parse(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=fmt)}


# --- dereferencing and content negotiation ----------------------------------------------------


def test_curl_gets_turtle_with_the_iris_and_literals_as_written(client: TestClient) -> None:
    response = client.get("/id/1pacte", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = parse(response.content, ox.RdfFormat.TURTLE)
    subject = ox.NamedNode(ID + "1pacte")
    count = ox.NamedNode("https://w3id.org/esskg/ontology#memberCount")
    xsd_integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    # The file says "01"; the store (read by pages, Turtle and /sparql alike) keeps the
    # canonical form of the same value, as the Oxigraph server does.
    assert ox.Triple(subject, count, ox.Literal("1", datatype=xsd_integer)) in triples
    assert {t.subject for t in triples} == {subject}
    assert response.headers["vary"] == "Accept"
    assert 'rel="alternate"' in response.headers["link"]
    assert "application/ld+json" in response.headers["link"]


def test_no_accept_header_gets_turtle(client: TestClient) -> None:
    response = client.get("/id/1pacte", headers={"Accept": ""})
    assert response.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        (
            "text/turtle;q=0.5, application/n-triples",
            "application/n-triples",
            ox.RdfFormat.N_TRIPLES,
        ),
    ],
)
def test_rdf_formats_by_accept(
    client: TestClient, accept: str, media: str, fmt: ox.RdfFormat
) -> None:
    response = client.get("/id/1pacte", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    triples = parse(response.content, fmt)
    assert (
        ox.Triple(
            ox.NamedNode(ID + "1pacte"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("1pacte", language="fr"),
        )
        in triples
    )


def test_format_parameter_and_suffix_override_accept(client: TestClient) -> None:
    by_param = client.get("/id/1pacte?format=nt", headers={"Accept": BROWSER})
    by_suffix = client.get("/id/1pacte.nt", headers={"Accept": BROWSER})
    for response in (by_param, by_suffix):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/n-triples")
    assert by_param.content == by_suffix.content


def test_browser_gets_html_with_local_links_and_iris_shown_as_minted(client: TestClient) -> None:
    response = client.get("/id/1pacte", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "https://w3id.org/esskg/id/1pacte" in html  # shown
    assert 'href="/concept/field/maraichage-bio"' in html  # linked locally
    assert 'href="https://w3id.org/esskg/' not in html
    assert '<link rel="alternate" type="text/turtle" href="/id/1pacte?format=ttl">' in html


def test_406_lists_the_formats(client: TestClient) -> None:
    response = client.get("/id/1pacte", headers={"Accept": "image/png"})
    assert response.status_code == 406
    for media in ("text/turtle", "application/ld+json", "application/n-triples", "text/html"):
        assert media in response.text
    assert client.get("/id/1pacte?format=pdf").status_code == 406


def test_unknown_iri_is_404(client: TestClient) -> None:
    assert client.get("/id/nobody", headers={"Accept": "text/turtle"}).status_code == 404
    page = client.get("/id/nobody", headers={"Accept": BROWSER})
    assert page.status_code == 404 and "home page" in page.text


def test_strong_etag_and_304(client: TestClient) -> None:
    first = client.get("/id/1pacte", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get("/id/1pacte", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # each representation has its own tag
    html = client.get("/id/1pacte", headers={"Accept": BROWSER, "If-None-Match": etag})
    assert html.status_code == 200 and html.headers["etag"] != etag


def test_every_subject_of_the_fixture_dereferences(client: TestClient, data: ServedData) -> None:
    subjects = {
        q.subject.value
        for q in data.store
        if isinstance(q.subject, ox.NamedNode)
        and q.subject.value.startswith("https://w3id.org/esskg/")
        and "#" not in q.subject.value
    }
    assert subjects
    for iri in subjects:
        response = client.get(
            iri.removeprefix("https://w3id.org/esskg"), headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 200, iri
        assert ox.NamedNode(iri) in {
            t.subject for t in parse(response.content, ox.RdfFormat.TURTLE)
        }


def test_ontology_document_holds_its_hash_terms(client: TestClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    subjects = {t.subject.value for t in parse(response.content, ox.RdfFormat.TURTLE)}
    assert "https://w3id.org/esskg/ontology#Actor" in subjects or any("#" in s for s in subjects)


# --- pages ------------------------------------------------------------------------------------


def test_resource_page_says_which_graph_says_what_and_incoming_links(client: TestClient) -> None:
    html = client.get("/concept/field/maraichage-bio", headers={"Accept": BROWSER}).text
    assert "graph-vocabulary" in html
    assert "Liens entrants" in html and 'href="/id/1pacte"' in html


def test_home_page_counts_and_entry_points(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert "Acteurs" in response.text and 'href="/id/1pacte"' in response.text


def test_canned_query_form_runs_and_offers_downloads(client: TestClient) -> None:
    form = client.get("/queries/actor-by-label")
    assert form.status_code == 200 and 'name="text"' in form.text
    ran = client.get("/queries/actor-by-label", params={"run": "1", "text": "1pacte"})
    assert ran.status_code == 200
    assert 'href="/id/1pacte"' in ran.text
    csv = client.get(
        "/queries/actor-by-label", params={"run": "1", "text": "1pacte", "format": "csv"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["actor,text", "https://w3id.org/esskg/id/1pacte,1pacte"]


def test_canned_query_bad_parameter_is_said_on_the_page(client: TestClient) -> None:
    response = client.get("/queries/actors-with-members", params={"run": "1", "min": "many"})
    assert response.status_code == 400
    assert "pas un entier" in response.text  # the page is French, as the message


# --- /sparql ----------------------------------------------------------------------------------

SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/esskg/ontology#Actor> } ORDER BY ?s"


@pytest.mark.parametrize(
    ("accept", "media", "needle"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", '"vars"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/csv", "text/csv", "s\r\nhttps://w3id.org/esskg/id/1pacte"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values",
            "?s\n<https://w3id.org/esskg/id/1pacte>",
        ),
    ],
)
def test_select_in_each_results_format(
    client: TestClient, accept: str, media: str, needle: str
) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert needle in response.text
    assert response.headers["access-control-allow-origin"] == "*"


def test_post_form_and_direct_post(client: TestClient) -> None:
    form = client.post(
        "/sparql", data={"query": SELECT}, headers={"Accept": "application/sparql-results+json"}
    )
    direct = client.post(
        "/sparql",
        content=SELECT.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    assert form.status_code == direct.status_code == 200
    assert form.json() == direct.json()
    assert {b["s"]["value"] for b in form.json()["results"]["bindings"]} == {ID + "1pacte"}


def test_default_graph_is_the_union(client: TestClient) -> None:
    ask = "ASK { <https://w3id.org/esskg/id/1pacte> ?p ?o . <https://w3id.org/esskg/sdg/2> ?q ?r }"
    response = client.get(
        "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.json()["boolean"] is True


def test_construct_in_graph_formats(client: TestClient) -> None:
    query = (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://w3id.org/esskg/id/1pacte>) }"
    )
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ):
        response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith(accept)
        assert len(parse(response.content, fmt)) == 3


def test_row_cap_is_signalled(client: TestClient) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.headers["x-sparql-maxrows"] == "3"
    assert len(response.json()["results"]["bindings"]) == 3
    small = client.get(
        "/sparql", params={"query": SELECT}, headers={"Accept": "application/sparql-results+json"}
    )
    assert "x-sparql-maxrows" not in small.headers


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "LOAD <http://127.0.0.1:9/x.ttl>",
    ],
)
def test_updates_are_refused_403(client: TestClient, update: str) -> None:
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert client.post("/sparql", data={"query": update}).status_code == 403
    assert (
        client.post(
            "/sparql",
            content=update.encode(),
            headers={"Content-Type": "application/sparql-update"},
        ).status_code
        == 403
    )


def test_graph_store_writes_are_refused_403(client: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.request(method, "/sparql?graph=http://e/g", content=b"").status_code == 403


def test_service_never_reaches_the_network(client: TestClient) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(1.5)
    port = listener.getsockname()[1]
    connections: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the timeout: nobody came, as it should be
            connections.append(listener.accept())

    waiter = threading.Thread(target=accept)
    waiter.start()
    queries = [
        f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE x:q {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE<http://127.0.0.1:{port}/>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE # a comment\n <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    ]
    try:
        for query in queries:
            response = client.get("/sparql", params={"query": query})
            assert response.status_code == 400
            assert "SERVICE" in response.text
    finally:
        waiter.join()
        listener.close()
    assert connections == []


def test_the_endpoint_refuses_what_esskg_query_refuses(client: TestClient) -> None:
    # One rule for the command line and the server (esskg.query.refuse_unsafe): every SERVICE
    # spelling of the hostile-query tests, and an empty query, are refused here too.
    from test_hostile import SERVICE_SPELLINGS

    url = "http://127.0.0.1:9/sparql"
    for name, template in SERVICE_SPELLINGS.items():
        query = template.replace("{url}", url).replace("{base}", "http://127.0.0.1:9/")
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 400, name
        assert "SERVICE" in response.text, name
    empty = client.get("/sparql", params={"query": "# nothing but a comment"})
    assert empty.status_code == 400


def test_service_inside_a_string_comment_or_name_is_not_a_service(client: TestClient) -> None:
    query = (
        'PREFIX ex: <http://e/>\nSELECT ?x ?service WHERE { BIND("SERVICE <http://e/> { }" AS ?x)'
        " OPTIONAL { ?service ex:service ?y } } # SERVICE <http://e/>"
    )
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200


def test_syntax_error_is_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "syntax error" in response.text


def test_body_size_cap_413_and_unknown_type_415(client: TestClient) -> None:
    big = b"query=" + b"x" * (70 * 1024)
    response = client.post(
        "/sparql", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    odd = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert odd.status_code == 415


def test_406_when_no_results_format_fits(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_service_description(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = parse(response.content, ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert ox.NamedNode(sd + "UnionDefaultGraph") in {t.object for t in triples}
    assert ox.NamedNode(sd + "SPARQL11Query") in {t.object for t in triples}
    assert ox.NamedNode(sd + "SPARQL11Update") not in {t.object for t in triples}


def test_browser_gets_the_query_form_and_an_html_table(client: TestClient) -> None:
    form = client.get("/sparql", headers={"Accept": BROWSER})
    assert "<textarea" in form.text
    ran = client.post(
        "/sparql", data={"query": SELECT, "format": "html"}, headers={"Accept": BROWSER}
    )
    assert ran.status_code == 200
    assert 'href="/id/1pacte"' in ran.text


def test_query_time_budget_answers_429_with_retry_after(data: ServedData) -> None:
    app = create_app(data, Limits(timeout=5, workers=1, budget=0.0), root=PROJECT)
    with TestClient(app) as client:
        response = client.get("/sparql", params={"query": SELECT})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


def test_the_budget_comes_back_as_spent_seconds_leave_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from esskg.serve import sparql

    now = [1000.0]
    monkeypatch.setattr(sparql.time, "monotonic", lambda: now[0])
    budget = sparql.TimeBudget(2.0, window=60.0)
    budget.charge("a", 1.5)
    now[0] += 30
    budget.charge("a", 1.0)
    with pytest.raises(sparql.ProtocolError) as refused:
        budget.check("a")  # 2.5 s in the last minute
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "30"  # when the 1.5 s leave the window
    budget.check("b")  # another client has its own budget
    now[0] += 31
    budget.check("a")  # 1.0 s left in the window
    budget.charge("a", 0.9)
    budget.check("a")
    budget.charge("a", 0.2)
    with pytest.raises(sparql.ProtocolError):
        budget.check("a")


def test_json_results_are_valid_json(client: TestClient) -> None:
    query = "SELECT ?l WHERE { <https://w3id.org/esskg/sdg/2> ?p ?l FILTER(isLiteral(?l)) }"
    response = client.get("/sparql", params={"query": query, "format": "json"})
    assert json.loads(response.text)["results"]["bindings"][0]["l"]["xml:lang"] == "fr"


# --- workspaces, releases, the command line ----------------------------------------------------


def test_workspace_iris_answer_under_their_own_paths(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "data" / "cases").mkdir(parents=True)
    (workspace / "esskg.toml").write_text(
        '[workspace]\nname = "Coopérations"\nbase = "https://data.example.org/coop/id/"\n'
        'prefix = "mine"\n'
    )
    (workspace / "data" / "cases" / "farm.ttl").write_text(
        "<https://data.example.org/coop/id/ferme> <http://www.w3.org/2000/01/rdf-schema#label>"
        ' "Ferme"@fr .\n'
    )
    served = open_data(project(workspace))
    with TestClient(create_app(served, Limits(workers=1), root=workspace)) as client:
        turtle = client.get("/coop/id/ferme", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        subjects = {t.subject.value for t in parse(turtle.content, ox.RdfFormat.TURTLE)}
        assert subjects == {"https://data.example.org/coop/id/ferme"}
        page = client.get("/coop/id/ferme", headers={"Accept": BROWSER}).text
        assert 'href="/coop/graph/cases"' in page  # the workspace's own graph, linked locally
        # esskg's own vocabularies still answer beside the workspace's identifiers
        assert client.get("/sdg/2", headers={"Accept": "text/turtle"}).status_code == 200


def test_a_release_is_served_from_a_store_built_once_per_dump(
    tmp_path: Path, data: ServedData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    release = tmp_path / "release"
    release.mkdir()
    dump = ox.serialize(data.store, format=ox.RdfFormat.N_QUADS)
    title = b'<https://w3id.org/esskg/id/1pacte> <http://purl.org/dc/terms/title> "T1"@fr .\n'
    (release / "esskg.nq").write_bytes(dump + title)
    served = open_data(project(PROJECT), release=release)
    with TestClient(create_app(served, Limits(workers=1), root=PROJECT)) as client:
        response = client.get("/id/1pacte", headers={"Accept": "application/n-triples"})
        assert response.status_code == 200
        assert '"T1"@fr' in response.text  # the dump's statements, not the project's
        answer = client.get(
            "/sparql",
            params={"query": "ASK { ?s <http://purl.org/dc/terms/title> 'T1'@fr }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.json()["boolean"] is True  # the workers read the same store
    # The next start opens the same store instead of building it again.
    built = served.store_path.stat().st_mtime_ns
    assert open_data(project(PROJECT), release=release).store_path == served.store_path
    assert served.store_path.stat().st_mtime_ns == built
    assert served.store_path.parent == tmp_path / "cache" / "esskg" / "releases"
    # Another dump gets its own store; the first, still held by this process, stays.
    (release / "esskg.nq").write_bytes(dump)
    other = open_data(project(PROJECT), release=release)
    assert other.store_path != served.store_path and served.store_path.is_dir()


def test_a_release_whose_dump_is_broken_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "esskg.nq").write_text("<https://w3id.org/esskg/id/x> <p> .\n<a> <b> <c> .\n")
    assert main(["serve", "--release", str(tmp_path), "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert "esskg.nq:1:" in error and "Traceback" not in error
    # it says it reads the release, not the project it was started in
    assert error.splitlines()[0].endswith(str(tmp_path)) and "release" in error.splitlines()[0]
    leftovers = list((tmp_path / "cache" / "esskg" / "releases").iterdir())
    assert leftovers == []  # no half-built store


def test_a_release_folder_without_a_dump_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="esskg publish"):
        open_data(project(PROJECT), release=tmp_path)


def test_port_in_use_is_one_plain_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err


def test_bad_limits_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_cors_preflight_for_a_direct_post(client: TestClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Content-Type" in response.headers["access-control-allow-headers"]


def test_every_canned_query_of_the_packaged_graph_runs_from_its_form() -> None:
    from esskg.query import list_queries
    from esskg.resources import packaged_root

    root = packaged_root()
    app = create_app(open_data(project(root)), Limits(timeout=60, workers=1), root=root)
    with TestClient(app) as client:
        server = app.state.server
        for query in list_queries(root):
            params = {"run": "1"}
            for param in query.params:
                choices = server.choices(query, param)
                if param.default is None:
                    assert choices, f"{query.name}: no drop-down for {param.name}"
                    params[param.name] = choices[0][0]
            response = client.get(f"/queries/{query.name}", params=params)
            assert response.status_code == 200, (query.name, response.text[-500:])
            assert 'class="error"' not in response.text, query.name
            assert 'id="results"' in response.text or "turtle" in response.text, query.name


# --- result pages ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paged(data: ServedData) -> Iterator[TestClient]:
    app = create_app(data, Limits(workers=1, max_rows=3, page_rows=1), root=PROJECT)
    with TestClient(app) as test_client:
        yield test_client


def body_rows(html: str) -> list[str]:
    """The rows of the results table, each as its cells' text."""
    tbody = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert tbody, html[-1500:]
    rows = re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S)
    return [re.sub(r"<[^>]+>", " ", row).split()[0] for row in rows]


def test_the_sparql_page_shows_the_results_a_page_at_a_time(paged: TestClient) -> None:
    query = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 6 } }"
    pages = []
    for page in (0, 1, 2):
        response = paged.post("/sparql", data={"query": query, "format": "html", "page": str(page)})
        assert response.status_code == 200
        pages.append(response)
    assert [body_rows(r.text) for r in pages] == [["1"], ["2"], ["3"]]
    # the first page offers the next; the second both ways; the third ends at the row cap
    assert 'name="page" value="1"' in pages[0].text and 'value="-1"' not in pages[0].text
    assert 'name="page" value="0"' in pages[1].text and 'name="page" value="2"' in pages[1].text
    assert "X-SPARQL-MaxRows" not in pages[1].headers
    assert pages[2].headers["X-SPARQL-MaxRows"] == "3"
    assert 'name="page" value="3"' not in pages[2].text and "tronqué" in pages[2].text
    bad = paged.post("/sparql", data={"query": query, "format": "html", "page": "x"})
    assert bad.status_code == 400


def test_a_canned_query_page_links_its_previous_and_next_pages() -> None:
    from esskg.resources import packaged_root

    root = packaged_root()  # `levers` gives 16 rows there: four pages of 5
    app = create_app(open_data(project(root)), Limits(workers=1, page_rows=5), root=root)
    with TestClient(app) as client:
        first = client.get("/queries/levers", params={"run": "1"})
        assert first.status_code == 200 and len(body_rows(first.text)) == 5
        assert 'rel="prev"' not in first.text
        pages, response = [body_rows(first.text)], first
        while follow := re.search(r'<a rel="next" href="([^"]+)"', response.text):
            response = client.get("/queries/levers" + follow.group(1).replace("&amp;", "&"))
            assert response.status_code == 200 and 'rel="prev"' in response.text
            pages.append(body_rows(response.text))
        assert [len(rows) for rows in pages] == [5, 5, 5, 1]
        assert "X-SPARQL-MaxRows" not in response.headers  # the answer's end, not the cap
        # the download still holds every row, not the page
        csv = client.get("/queries/levers", params={"run": "1", "format": "csv"})
        assert len(csv.text.splitlines()) == 1 + 16


def test_a_page_goes_into_the_query_as_its_limit_and_offset(paged: TestClient) -> None:
    server = paged.app.state.server
    # page 2 of 1 row under a cap of 3: row 3, and one more to know whether a page follows
    fields = server.window("SELECT ?n WHERE { VALUES ?n { 1 2 3 } } ORDER BY ?n", 2)
    assert fields["paged_query"].rstrip().endswith("?n\nLIMIT 2 OFFSET 2")
    assert fields["query"].endswith("ORDER BY ?n")  # the text as written, should that not parse
    # a text with its own LIMIT is left as written; the worker cuts the page as it reads
    own = server.window("SELECT ?n WHERE { VALUES ?n { 1 2 3 } } LIMIT 2", 1)
    assert "paged_query" not in own and own["query"].endswith("LIMIT 2")
    assert server.window("ASK {}", 0) == {"query": "ASK {}", "offset": 0, "page_rows": 1}


def test_pages_are_the_same_whether_the_query_or_the_worker_cuts_them(paged: TestClient) -> None:
    values = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 6 } } ORDER BY DESC(?n)"
    for query in (values, values + " LIMIT 5"):
        pages = [
            paged.post("/sparql", data={"query": query, "format": "html", "page": str(page)})
            for page in (0, 1, 2)
        ]
        assert [body_rows(r.text) for r in pages] == [["6"], ["5"], ["4"]], query
        assert pages[2].headers["X-SPARQL-MaxRows"] == "3"


def test_a_syntax_error_is_said_where_the_person_wrote_it(paged: TestClient) -> None:
    # the page's LIMIT goes on a line after the text: the error must not point at that line
    response = paged.post(
        "/sparql", data={"query": "SELECT ?s WHERE {\n  ?s ?p ?o", "format": "html"}
    )
    assert response.status_code == 400
    assert re.search(r"(?:error at|erreur à la position) 2:", response.text), response.text[-800:]


def test_a_refused_query_is_refused_every_time(client: TestClient) -> None:
    # the verdict on a text is remembered: a second sending must not slip through
    for query, status in (
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400),
        ("ASK {}", 200),
    ):
        for _ in range(2):
            response = client.post("/sparql", data={"query": query})
            assert response.status_code == status, (query, response.text)


def test_results_read_back_as_the_engine_gave_them(client: TestClient) -> None:
    # esskg writes SELECT results itself (to cut them at the row cap): each format must read
    # back, with pyoxigraph's own parser, as the very terms the engine answered
    query = r"""SELECT ?a ?b ?c WHERE {
      VALUES (?a ?b) {
        (<http://example.org/x?q=1&r='a'> "tab\there \"quoted\" <&> é\nnew line"@fr-CA)
        ("2"^^<http://www.w3.org/2001/XMLSchema#integer> UNDEF)
        ("plain" "typed"^^<http://example.org/t>)
      }
      BIND(IF(BOUND(?b), BNODE("n"), ?undefined) AS ?c)
    }"""
    expected = [tuple(s) for s in ox.Store().query(query)]
    for key, fmt in (
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ):
        response = client.get("/sparql", params={"query": query, "format": key})
        assert response.status_code == 200, response.text
        got = [tuple(s) for s in ox.parse_query_results(response.content, fmt)]
        assert len(got) == 3, key
        for row, want in zip(got, expected, strict=True):
            for term, wanted in zip(row, want, strict=True):
                if isinstance(wanted, ox.BlankNode):  # its label is the writer's to choose
                    assert isinstance(term, ox.BlankNode), key
                else:
                    assert term == wanted, (key, term, wanted)
    assert [t for t in expected[0] if t is not None][2:] and expected[1][2] is None
