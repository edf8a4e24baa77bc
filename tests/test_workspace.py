"""Workspaces: `esskg init`, which graph each command reads, and `validate FILE` in context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from esskg import resources
from esskg.cli import main
from esskg.load import load_dataset

PACKAGED_CASE = "https://w3id.org/esskg/id/cooperation-normandie-medenine"


@pytest.fixture
def packaged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ESSKG_ROOT and a working folder outside any project: the packaged graph is read."""
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    away = tmp_path / "elsewhere"
    away.mkdir()
    monkeypatch.chdir(away)
    return away


def make_workspace(folder: Path, *extra: str) -> Path:
    assert (
        main(
            [
                "init",
                str(folder),
                "--base",
                "https://data.example.org/coop/id/",
                "--prefix",
                "occ",
                *extra,
            ]
        )
        == 0
    )
    return folder


PARTNERSHIP = """\
@prefix esskg: <https://w3id.org/esskg/ontology#> .
@prefix id: <https://w3id.org/esskg/id/> .
@prefix coop: <https://data.example.org/coop/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix role: <https://w3id.org/esskg/concept/role/> .

coop:p1 a esskg:Participation ; prov:agent id:1pacte ; prov:hadRole role:partner .
"""


def test_init_writes_settings_and_refuses_to_overwrite(packaged: Path, capsys):
    folder = make_workspace(packaged / "ws", "--name", "Coopérations d'Occitanie")
    config = resources.read_config(folder / "esskg.toml")
    assert config.name == "Coopérations d'Occitanie"
    assert config.base == "https://data.example.org/coop/id/"
    assert config.graph_base == "https://data.example.org/coop/graph/"
    assert config.include_source is False
    assert (folder / "data").is_dir() and (folder / "README.md").is_file()
    before = (folder / "esskg.toml").read_bytes()
    assert main(["init", str(folder)]) == 2
    assert "est déjà un espace de travail" in capsys.readouterr().err
    assert (folder / "esskg.toml").read_bytes() == before


def test_init_without_base_warns_about_the_placeholder(packaged: Path, capsys):
    assert main(["init", str(packaged / "Mon Espace")]) == 0
    config = resources.read_config(packaged / "Mon Espace" / "esskg.toml")
    assert config.base == "https://example.org/mon-espace/id/"
    assert "mettez dans base de" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('base = "https://w3id.org/esskg/id/"', "esskg's own namespace"),
        ('base = "data.example.org/id/"', "must be an http(s) IRI"),
        ('base = "https://ex.org/id/"\nprefix = "id"', "esskg does not use already"),
        ('base = "https://ex.org/id/"\ninclude_source = "yes"', "true or false"),
        ("base = ", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_the_setting(
    packaged: Path, capsys, line, expected, english
):
    folder = packaged / "bad"
    folder.mkdir()
    (folder / "esskg.toml").write_text(f'[workspace]\nname = "x"\n{line}\n', encoding="utf-8")
    assert main(["-C", str(folder), "validate"]) == 2
    err = capsys.readouterr().err
    assert "esskg.toml" in err and expected in err and "Traceback" not in err


def test_workspace_graphs_are_named_under_its_base(packaged: Path):
    folder = make_workspace(packaged / "ws")
    (folder / "data" / "cooperations").mkdir()
    (folder / "data" / "cooperations" / "a.ttl").write_text(
        "<https://data.example.org/coop/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"x"@fr .\n',
        encoding="utf-8",
    )
    layout = resources.project(folder)
    assert layout.kind == "workspace"
    graphs = {entry.iri for entry in layout.graph_folders()}
    assert "https://data.example.org/coop/graph/cooperations" in graphs
    assert "https://w3id.org/esskg/graph/vocabulary" in graphs
    assert "https://w3id.org/esskg/graph/un-sdg" in graphs
    assert "https://w3id.org/esskg/graph/source" not in graphs  # include_source = false
    dataset = load_dataset(root=folder)
    subjects = {q.subject.value for q in dataset if hasattr(q.subject, "value")}
    assert "https://data.example.org/coop/id/x" in subjects
    assert PACKAGED_CASE not in subjects


def test_include_source_brings_the_source_documents_cases(packaged: Path):
    folder = make_workspace(packaged / "ws", "--include-source")
    subjects = {q.subject.value for q in load_dataset(root=folder) if hasattr(q.subject, "value")}
    assert PACKAGED_CASE in subjects


@pytest.mark.parametrize("where", ["before", "after", "inside"])
def test_every_verb_says_which_graph_it_read(packaged: Path, capsys, monkeypatch, where):
    folder = make_workspace(packaged / "ws")
    capsys.readouterr()
    if where == "before":
        argv = ["-C", str(folder), "query", "sdg-coverage"]
    elif where == "after":
        argv = ["query", "sdg-coverage", "-C", str(folder)]
    else:
        (folder / "deep" / "er").mkdir(parents=True)
        monkeypatch.chdir(folder / "deep" / "er")
        argv = ["query", "sdg-coverage"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("esskg : lecture : l'espace de travail ")
    assert "(ws)" in err.splitlines()[0]


def test_outside_any_project_the_packaged_graph_is_read(packaged: Path, capsys):
    assert main(["query", "food-self-sufficiency"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith("esskg : lecture : le graphe installé (esskg ")
    assert "id:1pacte" in out


def test_validate_files_in_context_reports_their_nodes_and_dangling_names(packaged: Path, capsys):
    path = packaged / "p.ttl"
    path.write_text(PARTNERSHIP, encoding="utf-8")
    assert main(["validate", str(path), "--format", "json"]) == 1
    results = json.loads(capsys.readouterr().out)
    # Only the file's own node is reported: nothing about the packaged data it extends.
    assert {r["focus"] for r in results} == {"https://data.example.org/coop/id/p1"}
    dangling = [r for r in results if "nothing in the graph describes it" in r["messages"]["en"]]
    # id:1pacte is described by the packaged graph; the typo role:partner is not.
    assert [(r["value"], r["file"]) for r in dangling] == [
        ("https://w3id.org/esskg/concept/role/partner", "p.ttl:8")
    ]
    assert all(r["file"].startswith("p.ttl") for r in results)


def test_validate_table_shows_the_value_and_the_file(packaged: Path, capsys):
    path = packaged / "p.ttl"
    path.write_text(PARTNERSHIP, encoding="utf-8")
    assert main(["validate", str(path), "--lang", "en"]) == 1
    table = capsys.readouterr().out
    header = table.splitlines()[0].split()
    assert header == ["severity", "file", "focus", "path", "value", "message"]
    assert "role:partner" in table and "p.ttl:8" in table


def test_validate_results_are_the_problems_import_reports(packaged: Path):
    """One error model (issue 9): a validation result is an errors.Problem with the value, the
    file and line its node comes from, in both languages; the table is render_problems'."""
    from esskg.errors import Problem
    from esskg.load import load_quads
    from esskg.render import render_problems
    from esskg.validate import render_table, scoped_report, validate_store

    path = packaged / "p.ttl"
    path.write_text(PARTNERSHIP, encoding="utf-8")
    layout = resources.project()
    quads = load_quads([path], root=layout.root)
    report = scoped_report(validate_store(quads, layout.shapes), quads, [path])
    problems = report.problems
    assert problems and all(isinstance(p, Problem) for p in problems)
    [dangling] = [p for p in problems if p.value == "role:partner" and p.code == "foreign-key"]
    assert (dangling.file, dangling.line, dangling.node, dangling.path) == (
        "p.ttl",
        8,
        "<https://data.example.org/coop/id/p1>",
        "prov:hadRole",
    )
    assert (dangling.code, dangling.severity, dangling.warning) == (
        "foreign-key",
        "Violation",
        False,
    )
    assert "nothing in the graph describes it" in dangling.message("en")
    assert "rien dans le graphe ne le décrit" in dangling.message("fr")
    assert render_table(report, "en") == render_problems(problems, "en")
    table = render_table(report, "fr").splitlines()
    assert table[0].split() == ["gravité", "fichier", "nœud", "chemin", "valeur", "message"]
    row = next(line for line in table if "p.ttl:8" in line)
    assert row.split()[:3] == ["Violation", "p.ttl:8", "<https://data.example.org/coop/id/p1>"]


def test_validate_in_a_workspace_without_the_source_names_what_is_missing(packaged: Path, capsys):
    folder = make_workspace(packaged / "ws")
    path = folder / "p.ttl"
    path.write_text(PARTNERSHIP, encoding="utf-8")
    capsys.readouterr()
    assert main(["-C", str(folder), "validate", str(path), "--format", "json"]) == 1
    values = {
        r["value"]
        for r in json.loads(capsys.readouterr().out)
        if "nothing in the graph describes it" in r["messages"]["en"]
    }
    assert values == {
        "https://w3id.org/esskg/id/1pacte",
        "https://w3id.org/esskg/concept/role/partner",
    }


def test_project_validation_names_the_file_of_each_result(project_copy: Path, capsys):
    (project_copy / "data" / "source" / "bad.ttl").write_text(
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n\n"
        "<https://w3id.org/esskg/id/nameless> a esskg:Actor .\n",
        encoding="utf-8",
    )
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "data/source/bad.ttl:3" in out


def test_init_with_a_bad_setting_writes_nothing(packaged: Path, capsys, english):
    assert main(["init", str(packaged / "ws"), "--prefix", "coop"]) == 2
    err = capsys.readouterr().err
    assert "ws/esskg.toml: prefix = 'coop'" in err and "tmp" not in err
    assert not (packaged / "ws").exists()


def test_two_workspaces_in_one_process_may_share_a_base(packaged: Path, capsys):
    # Regression: the second workspace's prefix for the same base used to end in an internal
    # error ("failed to add ... because of overlaps").
    first = make_workspace(packaged / "one")
    second = packaged / "two"
    assert (
        main(
            [
                "init",
                str(second),
                "--base",
                "https://data.example.org/coop/id/",
                "--prefix",
                "other",
            ]
        )
        == 0
    )
    assert main(["-C", str(first), "query", "sdg-coverage"]) == 0
    assert main(["-C", str(second), "query", "sdg-coverage"]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_init_with_an_empty_folder_name_makes_nothing(packaged: Path, capsys):
    assert main(["init", ""]) == 2
    assert "nommez le dossier" in capsys.readouterr().err
    assert not (packaged / "esskg.toml").exists()


def test_a_data_file_put_in_data_itself_is_refused_not_ignored(packaged: Path, capsys):
    # data/x.ttl belongs to no graph folder: read by nothing, it left validate saying
    # "conforms" about a graph without it (a silent wrong answer).
    folder = make_workspace(packaged / "ws")
    (folder / "data" / "stray.ttl").write_text(PARTNERSHIP, encoding="utf-8")
    capsys.readouterr()
    for verb in (["validate"], ["build", "-o", str(packaged / "dist")]):
        assert main(["--lang", "en", "-C", str(folder), *verb]) == 2
        err = capsys.readouterr().err
        assert "stray.ttl" in err and "move it into data/<graph>/" in err
        assert "Traceback" not in err
    assert not (packaged / "dist").exists()
    (folder / "data" / "mine").mkdir()
    (folder / "data" / "stray.ttl").rename(folder / "data" / "mine" / "stray.ttl")
    (folder / "data" / "notes.txt").write_text("not data", encoding="utf-8")  # not a data file
    subjects = {q.subject.value for q in load_dataset(root=folder)}
    assert "https://data.example.org/coop/id/p1" in subjects  # read, once in a graph folder


def test_the_data_suffixes_are_those_the_loader_reads():
    from esskg.load import DATA_FORMATS
    from esskg.sssom import SSSOM_SUFFIX

    assert set(resources.DATA_SUFFIXES) == {*DATA_FORMATS, SSSOM_SUFFIX}
