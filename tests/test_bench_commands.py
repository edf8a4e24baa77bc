"""`esskg bench commands`: how a command is timed and how the table lands in the page.

No timings are asserted: the benchmark measures, the tests check what it records.
"""

from __future__ import annotations

import sys
from pathlib import Path

from esskg.bench import commands
from esskg.bench.commands import END, START, timed, write_doc
from esskg.cli import main


def test_timed_counts_rows_and_the_first_thousand() -> None:
    result = timed(
        [sys.executable, "-c", "print('header')\nfor i in range(1500): print(i)"], timeout=60
    )
    assert result["code"] == 0
    assert result["lines"] == 1501
    assert result["first_s"] is not None and result["first_s"] <= result["s"]
    assert result["peak_mb"] > 1 and result["cpu_s"] > 0
    assert not result["timeout"]


def test_timed_keeps_the_error_of_a_failed_command() -> None:
    result = timed(
        [sys.executable, "-c", "import sys; sys.stderr.write('no such query'); sys.exit(2)"],
        timeout=60,
    )
    assert result["code"] == 2 and "no such query" in result["stderr"]
    assert result["first_s"] is None


def test_timed_stops_a_command_at_its_timeout() -> None:
    result = timed([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)
    assert result["timeout"] and result["s"] < 20


def _results(build_s: float) -> dict:
    run = {"s": build_s, "cpu_s": 1.0, "peak_mb": 100.0, "code": 0, "lines": 0, "first_s": None}
    query = {**run, "lines": 20_002, "rows": 20_001, "first_s": 0.1, "s": 1.1}
    commands = {k: run for k in ("build", "validate", "query-first", "publish", "push")}
    return {
        "command": "esskg bench commands --sizes 10k",
        "machine": "test",
        "sizes": {"10k": {"triples": 10_000, "commands": {**commands, "queries": {"q": query}}}},
    }


def test_the_table_is_rewritten_between_its_markers(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nby hand above\n", encoding="utf-8")
    write_doc(_results(2.5), doc)
    write_doc(_results(3.5), doc)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nby hand above\n")
    assert text.count(START) == 1 and text.count(END) == 1
    assert "| `esskg build` | 3.5 s (1.0 s CPU), 100 MB |" in text
    assert "2.5 s" not in text
    # over 10,000 rows: the first 1,000 and the rate after
    assert "20,001 rows; first 1,000 in 100 ms, then 19,001 rows/s" in text


def test_import_and_serve_rows_say_rows_and_throughput(tmp_path: Path) -> None:
    results = _results(2.5)
    commands = results["sizes"]["10k"]["commands"]
    run = commands["build"]
    commands["import"] = {**run, "s": 4.0, "rows": 2_676}
    commands["serve"] = {**run, "s": 3.0, "cpu_s": None, "rps": 812.4, "p99_ms": 41.6}
    doc = tmp_path / "benchmarks.md"
    write_doc(results, doc)
    text = doc.read_text(encoding="utf-8")
    assert (
        "| `esskg import` of those sheets into a new workspace | 4.0 s (1.0 s CPU), 100 MB, "
        "2,676 rows |" in text
    )
    assert "| `esskg serve`, start-up until the home page answers | 3.0 s, 100 MB |" in text
    assert "| 812 req/s, p99 42 ms | ≥ 300 req/s, p99 < 100 ms |" in text
    # a size measured before the serve row existed shows a dash, not a crash
    assert "| `esskg export` (the graph into the CSV sheets) | - |" in text


def test_the_commands_timed_depend_on_the_size_unless_chosen() -> None:
    assert commands.commands_for(1_000_000, None) == commands.COMMANDS
    assert commands.commands_for(5_000_000, None) == ("build", "queries", "serve")
    assert commands.commands_for(5_000_000, ("publish",)) == ("publish",)


def test_an_unknown_command_in_only_is_refused(capsys) -> None:
    assert main(["bench", "commands", "--sizes", "10k", "--only", "build,querys"]) == 2
    err = capsys.readouterr().err
    assert "querys" in err and "build,validate,queries" in err
