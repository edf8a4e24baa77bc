from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import esskg
from conftest import FILES
from esskg.cli import main


def test_validate_project_conforms(capsys: pytest.CaptureFixture[str]):
    assert main(["validate", "--lang", "en"]) == 0
    assert "conforms" in capsys.readouterr().err


def test_validate_file_that_does_not_conform(capsys: pytest.CaptureFixture[str]):
    assert main(["validate", str(FILES / "actor-without-label.ttl"), "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert "id:nameless" in out and "An actor must have a label." in out
    assert "does not conform" in err


def test_validate_json(capsys: pytest.CaptureFixture[str]):
    assert main(["validate", str(FILES / "actor-without-label.ttl"), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)[0]["severity"] == "Violation"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", str(FILES / "undeclared-prefix.ttl")], "undeclared-prefix.ttl:4:1"),
        (["validate", "no-such-file.ttl"], "check the file exists"),
        (["query", "nope"], "no query named 'nope'"),
        (["query", "actor-by-label"], "needs --param text"),
        (["query", "actors-with-members", "--param", "min=many"], "parameter min"),
        (["query", "actors-on-field", "--param", "x=1"], "no parameter x"),
        (["query", "--file", str(FILES / "service.rq")], "SERVICE <http://example.org/sparql>"),
        (["query", "--file", str(FILES / "syntax-error.rq")], "SPARQL syntax error"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_expected_failures_exit_2_without_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
):
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_query_table_and_csv(capsys: pytest.CaptureFixture[str]):
    assert main(["query", "actors-on-field", "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split() == ["actor", "label", "field"]
    assert "id:1pacte" in out
    assert err.strip().splitlines() == ["esskg: reading checkout tests/fixtures/project", "1 row"]
    assert (
        main(
            [
                "query",
                "actors-on-field",
                "--format",
                "csv",
                "--param",
                "field=field:agriculture",
            ]
        )
        == 0
    )
    assert (
        capsys.readouterr()
        .out.splitlines()[1]
        .startswith("https://w3id.org/esskg/id/cress-bretagne,")
    )


def test_queries_lists_the_canned_queries(capsys: pytest.CaptureFixture[str]):
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    assert "actors-on-field" in out and "field (iri = field:autosuffisance-alimentaire)" in out
    assert "actor-by-label" in out


def test_check_passes_then_fails(project_copy: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", "--lang", "en"]) == 0
    shutil.copy(FILES / "actor-without-label.ttl", project_copy / "data" / "source")
    assert main(["check", "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert "id:nameless" in out and "esskg check runs the shapes' quality gate" in err


def test_build_writes_dumps(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["build", "-o", str(tmp_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    # 35 stated in the fixture project, 1 inferred (skos:broaderTransitive)
    assert "esskg.ttl\t36 triples" in out and "esskg.nt\t36 triples" in out


def test_build_writes_nothing_when_data_does_not_conform(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    shutil.copy(FILES / "actor-without-label.ttl", project_copy / "data" / "source")
    out_dir = tmp_path / "dist"
    assert main(["build", "-o", str(out_dir), "--lang", "en"]) == 1
    assert not out_dir.exists()
    out, err = capsys.readouterr()
    assert out == "" and "id:nameless" in err


def test_a_failed_gate_keeps_the_dumps_there_and_leaves_no_temp_file(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # The dumps are written into temp files while the gate runs: a failure removes them.
    out_dir = tmp_path / "dist"
    assert main(["build", "-o", str(out_dir), "--lang", "en"]) == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    shutil.copy(FILES / "actor-without-label.ttl", project_copy / "data" / "source")
    assert main(["build", "-o", str(out_dir), "--lang", "en"]) == 1
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    capsys.readouterr()


def test_an_error_in_the_gate_is_reported_and_writes_nothing(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # The gate runs on a thread of its own: its error still reaches the user, and the dumps
    # written meanwhile go.
    shapes = next((project_copy / "shapes").glob("*.ttl"))
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:b .\n")
    out_dir = tmp_path / "dist"
    out_dir.mkdir()
    assert main(["build", "-o", str(out_dir), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert shapes.name in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def test_root_option_overrides_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--root", str(tmp_path), "validate", "--lang", "en"]) == 2
    assert "neither a workspace (no esskg.toml) nor a checkout" in capsys.readouterr().err


def test_installed_script_runs(tmp_path: Path):
    script = shutil.which("esskg", path=os.path.dirname(sys.executable)) or shutil.which("esskg")
    if script is None:
        pytest.skip("the esskg script is not installed in this environment (pip install . first)")
    env = {**os.environ}
    help_run = subprocess.run(
        [script, "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert help_run.returncode == 0 and "validate" in help_run.stdout
    listing = subprocess.run(
        [script, "queries"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert listing.returncode == 0, listing.stderr
    assert "actors-on-field" in listing.stdout


def test_installed_package_carries_its_knowledge_files():
    packaged = Path(esskg.__file__).parent / "_resources"
    if not packaged.is_dir():
        pytest.skip("esskg is imported from a source checkout, not an installed wheel")
    for relative in ("ontology/esskg.ttl", "shapes/esskg-shapes.ttl", "queries", "data"):
        assert (packaged / relative).exists(), relative


def test_an_unexpected_error_is_one_line_naming_the_version(monkeypatch, capsys):
    def broken(args):
        raise KeyError("field")

    monkeypatch.setattr(esskg.query, "run", broken)
    assert main(["--lang", "en", "query", "actors-on-field"]) == 2
    err = capsys.readouterr().err.removeprefix("esskg: reading checkout tests/fixtures/project\n")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error in 'esskg query' (KeyError: 'field')" in err
    assert f"bug in esskg {esskg.__version__}" in err and "--debug" in err


def test_debug_shows_the_traceback(monkeypatch, capsys):
    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(esskg.query, "run", broken)
    assert main(["--debug", "query", "actors-on-field", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: boom" in err
    assert err.strip().splitlines()[-1].startswith("esskg: internal error")


def test_a_reader_closing_the_pipe_is_not_an_error(tmp_path: Path):
    # `esskg query ... | head -0`: no "Broken pipe", no traceback, and the shell's SIGPIPE status.
    child = subprocess.Popen(
        [sys.executable, "-m", "esskg", "query", "actors-on-field"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=60) == 141
    assert err == "esskg : lecture : la copie tests/fixtures/project\n"


def test_one_language_at_a_time(monkeypatch, capsys):
    # French by default and for a French locale; English from the locale or --lang; never mixed.
    def broken(args):
        raise KeyError("x")

    monkeypatch.setattr(esskg.query, "run", broken)
    assert main(["query", "actors-on-field"]) == 2
    assert "erreur interne" in capsys.readouterr().err
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main(["query", "actors-on-field"]) == 2
    assert "internal error" in capsys.readouterr().err
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")  # LC_ALL wins over LANG
    assert main(["query", "actors-on-field"]) == 2
    assert "erreur interne" in capsys.readouterr().err
    assert main(["query", "actors-on-field", "--lang", "en"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "internal error" in line and "interne" not in line


def test_help_shows_defaults(capsys):
    assert main(["query", "--help", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "(default: table)" in out and "(default: 60.0)" in out
    assert "(default: None)" not in out
    assert main(["validate", "--help", "--lang", "en"]) == 0
    assert "default: table" in capsys.readouterr().out  # an option declared without help text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        # Regressions: both ended in "internal error" (curies' NoCURIEDelimiterError; bind()).
        (["suggest", "sdg", "--for", "not an iri"], "neither an IRI nor a CURIE"),
        (["serve", "--port", "99999"], "give a number from 0 to 65535"),
    ],
)
def test_bad_option_values_are_a_message_not_an_internal_error(capsys, monkeypatch, argv, words):
    from esskg.resources import ROOT_ENV, packaged_root

    monkeypatch.setenv(ROOT_ENV, str(packaged_root()))  # the UN targets suggest needs
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert words in err and "internal error" not in err and "erreur interne" not in err
