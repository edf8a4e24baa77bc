"""`esskg link sdg` and the mapping tables to outside vocabularies.

Always against the project's own small UN fixture (tests/fixtures/link/); against the real UN SDG KOS
and ESSGlobal copies in ../shared/reference/ when present; against real SPARQL servers started here
on 127.0.0.1: oxigraph, one that hangs, one that answers 500, one that answers garbage.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg import endpoint, sssom
from esskg.cli import main
from esskg.load import load_project
from esskg.namespaces import PREFIXES
from servers import fake_server, oxigraph_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = HERE.parents[1] / "shared"
UN_FILE = SHARED / "reference" / "sdg" / "un-sdg-kos-metadata.un.org.ttl"
ESSGLOBAL_DIR = SHARED / "reference" / "essglobal"
FIXTURES = HERE / "fixtures" / "link"
PROJECT = FIXTURES / "project"
BAD_PROJECT = FIXTURES / "project-bad"
MINI = FIXTURES / "un-sdg-mini.ttl"
DATE = "2026-01-12"

UNSDG = PREFIXES["unsdg"]
SKOS = PREFIXES["skos"]
SDGO = "http://metadata.un.org/sdg/ontology#"
DCTERMS_SOURCE = PREFIXES["dcterms"] + "source"

needs_un_file = pytest.mark.skipif(
    not UN_FILE.is_file(), reason=f"the real UN SDG KOS copy is not at {UN_FILE}"
)
needs_essglobal = pytest.mark.skipif(
    not ESSGLOBAL_DIR.is_dir(), reason=f"the ESSGlobal reference copies are not at {ESSGLOBAL_DIR}"
)


def link(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", "--root", str(root), "link", "sdg", *args])
    out, err = capsys.readouterr()
    return code, out, err


def triples(path: Path) -> set[ox.Triple]:
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    }


def without_source(found: set[ox.Triple]) -> set[ox.Triple]:
    return {t for t in found if t.predicate.value != DCTERMS_SOURCE}


def objects(found: set[ox.Triple], subject: str, predicate: str) -> set[str]:
    return {
        t.object.value
        for t in found
        if t.subject.value == subject and t.predicate.value == predicate
    }


# --- the file path, on the fixture ------------------------------------------------------------


def test_fixture_links_resolve_with_labels_hierarchy_and_provenance(capsys, tmp_path):
    code, out, err = link(
        capsys, PROJECT, "--source", str(MINI), "-o", str(tmp_path), "--date", DATE
    )
    assert code == 0, err
    assert "all 4 UN SDG IRIs resolved" in err
    assert out.splitlines()[1].split("\t") == [
        "unsdg:2.4",
        "Target",
        "2.4",
        "D’ici à 2030, assurer la viabilité des systèmes de production alimentaire",  # noqa: RUF001
    ]
    found = triples(tmp_path / "sdg-links.ttl")
    assert objects(found, UNSDG + "2.4", SKOS + "broader") == {UNSDG + "2"}
    assert objects(found, UNSDG + "2", SDGO + "hasTarget") == {UNSDG + "2.4"}  # 2.a is not used
    assert objects(found, UNSDG + "2", SKOS + "exactMatch") == {
        "http://www.wikidata.org/entity/Q50215926",
        "http://purl.unep.org/sdg/SDGIO_00000036",
    }
    assert {
        lit.language for lit in (t.object for t in found if t.predicate.value == SKOS + "prefLabel")
    } == {
        "fr",
        "en",
    }
    # Both scheme IRIs of the UN data become the one without the slash, on both sides.
    for t in found:
        assert UNSDG not in (t.subject.value, t.object.value)
    assert objects(found, UNSDG + "17", SKOS + "inScheme") == {"http://metadata.un.org/sdg"}
    assert UNSDG + "2.a" not in {t.subject.value for t in found}
    provenance = PREFIXES["graph"] + "sdg-links"
    assert objects(found, provenance, "http://purl.org/pav/retrievedOn") == {DATE}
    assert objects(found, provenance, DCTERMS_SOURCE) == {"un-sdg-mini.ttl"}


def test_same_source_gives_same_bytes(capsys, tmp_path):
    for name in ("a", "b"):
        assert (
            link(
                capsys, PROJECT, "--source", str(MINI), "-o", str(tmp_path / name), "--date", DATE
            )[0]
            == 0
        )
    assert (tmp_path / "a" / "sdg-links.ttl").read_bytes() == (
        tmp_path / "b" / "sdg-links.ttl"
    ).read_bytes()


def test_date_defaults_to_the_source_files_modification_date(capsys, tmp_path):
    source = tmp_path / "un.ttl"
    shutil.copyfile(MINI, source)
    stamp = time.mktime((2024, 3, 15, 12, 0, 0, 0, 0, -1))
    os.utime(source, (stamp, stamp))
    assert link(capsys, PROJECT, "--source", str(source), "-o", str(tmp_path / "out"))[0] == 0
    found = triples(tmp_path / "out" / "sdg-links.ttl")
    assert objects(found, PREFIXES["graph"] + "sdg-links", "http://purl.org/pav/retrievedOn") == {
        "2024-03-15"
    }


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_a_source_with_named_graphs_gives_the_same_links(capsys, tmp_path, suffix):
    # The UN vocabulary in a named graph, as a quad dump of a triple store keeps it.
    graph = ox.NamedNode("http://metadata.un.org/sdg/graph")
    quads = [
        ox.Quad(q.subject, q.predicate, q.object, graph)
        for q in ox.parse(path=MINI, format=ox.RdfFormat.TURTLE)
    ]
    rdf_format = ox.RdfFormat.N_QUADS if suffix == ".nq" else ox.RdfFormat.TRIG
    source = tmp_path / f"un{suffix}"
    source.write_bytes(ox.serialize(quads, format=rdf_format))
    args = ("--date", DATE)
    assert link(capsys, PROJECT, "--source", str(MINI), "-o", str(tmp_path / "ttl"), *args)[0] == 0
    code, _, err = link(capsys, PROJECT, "--source", str(source), "-o", str(tmp_path / "q"), *args)
    assert code == 0, err
    assert "unknown" not in err.lower()
    a, b = triples(tmp_path / "ttl" / "sdg-links.ttl"), triples(tmp_path / "q" / "sdg-links.ttl")
    assert without_source(a) == without_source(b)


def test_json_ld_source_gives_the_same_links(capsys, tmp_path):
    assert (
        link(capsys, PROJECT, "--source", str(MINI), "-o", str(tmp_path / "ttl"), "--date", DATE)[0]
        == 0
    )
    jsonld = FIXTURES / "un-sdg-mini.jsonld"
    assert (
        link(capsys, PROJECT, "--source", str(jsonld), "-o", str(tmp_path / "js"), "--date", DATE)[
            0
        ]
        == 0
    )
    a, b = triples(tmp_path / "ttl" / "sdg-links.ttl"), triples(tmp_path / "js" / "sdg-links.ttl")
    assert without_source(a) == without_source(b)


def test_unknown_and_deprecated_iris_exit_1_with_the_list_and_write_nothing(capsys, tmp_path):
    previous = tmp_path / "sdg-links.ttl"
    previous.write_text("# an earlier run\n", encoding="utf-8")
    code, _, err = link(
        capsys, BAD_PROJECT, "--source", str(MINI), "-o", str(tmp_path), "--date", DATE
    )
    assert code == 1
    assert "unknown\tunsdg:2.99" in err
    assert "deprecated\tunsdg:C200207" in err
    assert "unsdg:2.4" not in err  # resolved IRIs are not listed as problems
    assert "nothing written" in err
    assert previous.read_text(encoding="utf-8") == "# an earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sdg-links.ttl"]


def test_broken_source_names_file_and_line(capsys, tmp_path):
    broken = FIXTURES / "un-sdg-broken.ttl"
    code, _, err = link(
        capsys, PROJECT, "--source", str(broken), "-o", str(tmp_path), "--date", DATE
    )
    assert code == 2
    assert "un-sdg-broken.ttl:4:" in err
    assert "Traceback" not in err
    assert not (tmp_path / "sdg-links.ttl").exists()


def test_json_ld_remote_context_is_refused_not_fetched(capsys, tmp_path):
    source = FIXTURES / "un-sdg-remote-context.jsonld"
    started = time.monotonic()
    code, _, err = link(
        capsys, PROJECT, "--source", str(source), "-o", str(tmp_path), "--date", DATE
    )
    assert code == 2
    assert "un-sdg-remote-context.jsonld" in err and "remote context" in err
    assert time.monotonic() - started < 5
    assert not (tmp_path / "sdg-links.ttl").exists()


def test_endpoint_needs_a_date(capsys, tmp_path):
    code, _, err = link(
        capsys, PROJECT, "--endpoint", "http://127.0.0.1:9/sparql", "-o", str(tmp_path)
    )
    assert code == 2
    assert "--date" in err


def test_endpoint_outside_the_allow_list_is_refused_before_any_call(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv(endpoint.ALLOW_ENV, raising=False)
    code, _, err = link(
        capsys,
        PROJECT,
        "--endpoint",
        "https://sparql.example.org/un",
        "-o",
        str(tmp_path),
        "--date",
        DATE,
    )
    assert code == 2
    assert "not in the allow-list" in err
    endpoint.check_allowed("https://sparql.example.org/un", ["https://sparql.example.org/"])
    endpoint.check_allowed("http://[::1]:7878/query", [])
    with pytest.raises(endpoint.EndpointError, match="allow-list"):
        endpoint.check_allowed(
            "https://sparql.example.org.evil.test/un", ["https://sparql.example.org"]
        )
    with pytest.raises(endpoint.EndpointError, match="http"):
        endpoint.check_allowed("file:///etc/passwd", [])


# --- the endpoint path, against servers started here ------------------------------------------


@pytest.fixture(scope="module")
def mini_endpoint(tmp_path_factory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-mini"), load=MINI) as server:
        yield server.query


def test_endpoint_gives_the_same_output_as_the_file(capsys, tmp_path, mini_endpoint):
    code, file_out, err = link(
        capsys, PROJECT, "--source", str(MINI), "-o", str(tmp_path / "f"), "--date", DATE
    )
    assert code == 0, err
    code, end_out, err = link(
        capsys,
        PROJECT,
        "--endpoint",
        mini_endpoint,
        "-o",
        str(tmp_path / "e"),
        "--date",
        DATE,
        "--timeout",
        "5",
    )
    assert code == 0, err
    assert end_out == file_out
    from_file, from_endpoint = (
        triples(tmp_path / "f" / "sdg-links.ttl"),
        triples(tmp_path / "e" / "sdg-links.ttl"),
    )
    assert without_source(from_endpoint) == without_source(from_file)
    assert objects(from_endpoint, PREFIXES["graph"] + "sdg-links", DCTERMS_SOURCE) == {
        mini_endpoint
    }


def test_endpoint_reports_unknown_and_deprecated(capsys, tmp_path, mini_endpoint):
    code, _, err = link(
        capsys, BAD_PROJECT, "--endpoint", mini_endpoint, "-o", str(tmp_path), "--date", DATE
    )
    assert code == 1
    assert "unknown\tunsdg:2.99" in err and "deprecated\tunsdg:C200207" in err
    assert not (tmp_path / "sdg-links.ttl").exists()


def test_answer_over_the_size_cap_is_refused(capsys, tmp_path, mini_endpoint):
    code, _, err = link(
        capsys,
        PROJECT,
        "--endpoint",
        mini_endpoint,
        "-o",
        str(tmp_path),
        "--date",
        DATE,
        "--max-bytes",
        "100",
    )
    assert code == 2
    assert "larger than 100 bytes" in err
    assert not (tmp_path / "sdg-links.ttl").exists()


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ("hang", "no answer within 1 s (timed out)"),
        ("500", "the server failed (HTTP 500)"),
        ("garbage", "unreadable answer"),
        ("bad-shape", "unreadable answer"),
    ],
)
def test_broken_servers_give_a_clear_error_within_the_timeout(capsys, tmp_path, behaviour, message):
    with fake_server(behaviour) as url:
        started = time.monotonic()
        code, _, err = link(
            capsys,
            PROJECT,
            "--endpoint",
            url,
            "-o",
            str(tmp_path),
            "--date",
            DATE,
            "--timeout",
            "1",
        )
        elapsed = time.monotonic() - started
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err) < 1000
    assert elapsed < 4
    assert list(tmp_path.iterdir()) == []


# --- the real UN SDG KOS ------------------------------------------------------------------------


@needs_un_file
def test_real_un_file_resolves_all_17_goals_and_every_target_with_its_french_title(
    capsys, tmp_path
):
    code, out, err = link(
        capsys, REPO, "--source", str(UN_FILE), "-o", str(tmp_path), "--date", DATE
    )
    assert code == 0, err
    assert "warning" not in err
    rows = [line.split("\t") for line in out.splitlines()]
    goals = [r for r in rows if r[1] == "Goal"]
    assert [r[2] for r in goals] == [str(n) for n in range(1, 18)]
    targets = {r[0] for r in rows if r[1] == "Target"}
    used_targets = {
        t.object.value
        for t in load_project(root=REPO)
        if t.predicate.value == PREFIXES["esskg"] + "contributesToSDG"
        and t.object.value.startswith(UNSDG)
    }
    assert targets == {"unsdg:" + iri.removeprefix(UNSDG) for iri in used_targets}
    found = triples(tmp_path / "sdg-links.ttl")
    for iri in [UNSDG + str(n) for n in range(1, 18)] + sorted(used_targets):
        french = [
            t.object
            for t in found
            if t.subject.value == iri
            and t.predicate.value == SKOS + "prefLabel"
            and t.object.language == "fr"
        ]
        assert len(french) == 1 and french[0].value, iri
    assert objects(found, UNSDG + "2.4", SKOS + "broader") == {UNSDG + "2"}


@needs_un_file
def test_real_un_file_through_a_local_endpoint_gives_the_same_output(capsys, tmp_path):
    code, file_out, err = link(
        capsys, REPO, "--source", str(UN_FILE), "-o", str(tmp_path / "f"), "--date", DATE
    )
    assert code == 0, err
    with oxigraph_server(tmp_path, load=UN_FILE) as server:
        code, end_out, err = link(
            capsys, REPO, "--endpoint", server.query, "-o", str(tmp_path / "e"), "--date", DATE
        )
    assert code == 0, err
    assert end_out == file_out
    assert without_source(triples(tmp_path / "e" / "sdg-links.ttl")) == without_source(
        triples(tmp_path / "f" / "sdg-links.ttl")
    )


@needs_un_file
def test_goal_table_matches_the_uns_own_exact_matches():
    un = ox.Store()
    un.load(path=UN_FILE, format=ox.RdfFormat.TURTLE)
    rows = sssom.read_mapping_table(REPO / "data" / "mappings" / "sdg-un.sssom.tsv")
    for n in range(1, 18):
        goal = UNSDG + str(n)
        stated = {
            q.object.value
            for q in un.quads_for_pattern(
                ox.NamedNode(goal), ox.NamedNode(SKOS + "exactMatch"), None
            )
        }
        ours = {
            r.object
            for r in rows
            if r.subject == PREFIXES["sdg"] + str(n) and r.predicate == SKOS + "exactMatch"
        }
        assert ours == stated | {goal}, n


# --- the shipped mapping tables, offline ---------------------------------------------------------


def test_every_goal_links_to_un_wikidata_and_sdgio():
    rows = sssom.read_mapping_table(REPO / "data" / "mappings" / "sdg-un.sssom.tsv")
    for n in range(1, 18):
        targets = sorted(
            r.object
            for r in rows
            if r.subject == PREFIXES["sdg"] + str(n) and r.predicate == SKOS + "exactMatch"
        )
        assert [t.split("/")[2] for t in targets] == [
            "metadata.un.org",
            "purl.unep.org",
            "www.wikidata.org",
        ], n
        assert targets[0] == UNSDG + str(n)


def test_every_target_esskg_uses_rolls_up_to_its_goal():
    store = load_project(root=REPO)
    used = {
        q.object.value
        for q in store
        if q.predicate.value == PREFIXES["esskg"] + "contributesToSDG"
        and q.object.value.startswith(UNSDG)
    }
    assert used, "the project uses UN targets"
    for target in used:
        # the goal read off the target's code, checked against the packaged UN KOS's hierarchy
        goal = UNSDG + target.removeprefix(UNSDG).split(".")[0]
        quad = ox.Quad(
            ox.NamedNode(target),
            ox.NamedNode(SKOS + "broader"),
            ox.NamedNode(goal),
            ox.NamedNode(PREFIXES["graph"] + "un-sdg"),
        )
        assert quad in store, target
    # So a query for goal 2 can count what is linked to target 2.4, with no row of our own.
    query = f"""PREFIX esskg: <{PREFIXES["esskg"]}> PREFIX skos: <{SKOS}> PREFIX sdg: <{PREFIXES["sdg"]}>
        SELECT DISTINCT ?x WHERE {{
          sdg:2 skos:exactMatch ?un . ?x esskg:contributesToSDG/skos:broaderTransitive ?un }}"""
    linked = {s["x"].value for s in store.query(query, use_default_graph_as_union=True)}
    assert PREFIXES["id"] + "axe-normandie-medenine-alimentation" in linked


ESSGLOBAL_USED = FIXTURES / "essglobal-used.nt"


def test_essglobal_links_point_at_real_essglobal_concepts_and_real_esskg_concepts():
    # Offline: the trimmed copy of the ESSGlobal concepts the table names (checked below
    # against the full sources when ../shared is there).
    essglobal = ox.Store()
    essglobal.load(path=ESSGLOBAL_USED, format=ox.RdfFormat.N_TRIPLES)
    project = load_project(root=REPO)
    concept = ox.NamedNode(SKOS + "Concept")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    rows = sssom.read_mapping_table(REPO / "data" / "mappings" / "essglobal.sssom.tsv")
    assert rows
    for r in rows:
        assert r.predicate in {SKOS + m for m in MAPPING_PREDICATES}, r.line
        assert r.comment, f"line {r.line}: say why the concepts match"
        assert any(essglobal.quads_for_pattern(ox.NamedNode(r.object), rdf_type, concept)), (
            r.object_id
        )
        assert any(project.quads_for_pattern(ox.NamedNode(r.subject), rdf_type, concept)), (
            r.subject_id
        )


@needs_essglobal
def test_the_trimmed_essglobal_copy_is_what_the_sources_say():
    sources = ox.Store()
    for path in sorted(ESSGLOBAL_DIR.glob("*.ttl")):
        sources.load(path=path, format=ox.RdfFormat.TURTLE)
    trimmed = list(ox.parse(path=ESSGLOBAL_USED, format=ox.RdfFormat.N_TRIPLES))
    assert trimmed
    for triple in trimmed:
        assert any(sources.quads_for_pattern(triple.subject, triple.predicate, triple.object)), str(
            triple
        )


MAPPING_PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def test_each_essglobal_row_says_in_its_predicate_what_its_comment_says():
    # "d'où broadMatch" in the comment and skos:closeMatch in the row would be a contradiction.
    rows = sssom.read_mapping_table(REPO / "data" / "mappings" / "essglobal.sssom.tsv")
    for r in rows:
        said = re.findall(r"d'où (\w+Match)", r.comment)
        assert said in ([], [r.predicate.removeprefix(SKOS)]), (r.line, said, r.predicate)
        assert r.predicate != SKOS + "closeMatch" or not re.search(
            r"plus (large|étroit)|pas une nature", r.comment
        ), r.line


def test_territory_links_are_the_nuts_codes_esskg_states():
    project = load_project(root=REPO)
    stated = {
        q.subject.value: "http://data.europa.eu/nuts/code/" + q.object.value
        for q in project
        if q.predicate.value == PREFIXES["esskg"] + "nutsCode"
    }
    rows = sssom.read_mapping_table(REPO / "data" / "mappings" / "territories.sssom.tsv")
    assert {
        r.subject: r.object for r in rows if r.object.startswith("http://data.europa.eu/nuts/")
    } == stated
