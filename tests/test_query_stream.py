"""`esskg query` streams its rows (CSV, TSV, JSON written as pyoxigraph finds them, by the child
process that runs the query) and pages them with --limit and --offset."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from esskg.cli import main

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?label ?thing\n"
    "# a comment last: the added LIMIT must not land in it"
)


def _query(tmp_path: Path, text: str = LABELS) -> Path:
    path = tmp_path / "labels.rq"
    path.write_text(text, encoding="utf-8")
    return path


def _lines(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["--lang", "en", "query", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_limit_and_offset_cut_the_ordered_answer(tmp_path: Path, capsys) -> None:
    path = str(_query(tmp_path))
    full = _lines(capsys, "--file", path, "--format", "csv")
    assert len(full) > 6  # a header and enough rows for a page in the middle
    page = _lines(capsys, "--file", path, "--format", "csv", "--limit", "3", "--offset", "2")
    assert page == [full[0], *full[3:6]]
    assert _lines(capsys, "--file", path, "--format", "csv", "--offset", "4") == [
        full[0],
        *full[5:],
    ]
    assert _lines(capsys, "--file", path, "--format", "csv", "--limit", "0") == [full[0]]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_streamed_rows_are_the_rows_printed_in_full(fmt: str, tmp_path: Path, capsys) -> None:
    # In a test, stdout is captured in memory: the rows come back whole through the pipe. A real
    # process's stdout is a file: the child writes the rows itself. Both must give the same bytes.
    path = str(_query(tmp_path))
    assert main(["--lang", "en", "query", "--file", path, "--format", fmt]) == 0
    captured = capsys.readouterr().out
    run = subprocess.run(
        ["esskg", "--lang", "en", "query", "--file", path, "--format", fmt],
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode("utf-8") == captured  # bytes: CSV lines end in CR LF
    assert b"Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 5", "LIMIT"),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 1", "OFFSET"),
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <http://example.org/a> }", "VALUES"),
    ],
)
def test_a_query_with_its_own_limit_is_not_rewritten(text, words, tmp_path: Path, capsys) -> None:
    path = str(_query(tmp_path, text))
    assert main(["--lang", "en", "query", "--file", path, "--limit", "2"]) == 2
    err = capsys.readouterr().err
    assert f"the query has its own {words} clause" in err and "Traceback" not in err


def test_a_limit_inside_a_subquery_is_the_query_s_own_business(tmp_path: Path, capsys) -> None:
    text = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3 } } ORDER BY ?s"
    path = str(_query(tmp_path, text))
    assert len(_lines(capsys, "--file", path, "--format", "csv", "--limit", "2")) == 3


def test_limit_is_for_select_and_counts_rows(tmp_path: Path, capsys) -> None:
    path = str(_query(tmp_path, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    assert main(["--lang", "en", "query", "--file", path, "--limit", "2"]) == 2
    assert "--limit and --offset apply to SELECT queries only" in capsys.readouterr().err
    path = str(_query(tmp_path))
    assert main(["--lang", "en", "query", "--file", path, "--limit", "-1"]) == 2
    assert "--limit -1: give a number of rows" in capsys.readouterr().err
