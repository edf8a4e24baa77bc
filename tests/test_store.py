"""The on-disk store: same content as load_project, rebuilt when (and only when) an input changes,
safe when two commands build it at once, and nothing left behind by a bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg.cli import main
from esskg.errors import LoadError
from esskg.load import load_project
from esskg.query import execute, list_queries, solution_rows
from esskg.resources import project
from esskg.store import HASHES_NAME, STORE_PREFIX, input_digest, open_store, store_home, store_path


def _stores(root: Path) -> list[str]:
    home = root / ".esskg"
    return sorted(p.name for p in home.iterdir() if p.name != HASHES_NAME) if home.is_dir() else []


def _bag(result: ox.QuerySolutions | ox.QueryTriples) -> Counter:
    if isinstance(result, ox.QueryTriples):
        return Counter(map(str, result))
    return Counter(tuple(sorted((k, str(v)) for k, v in r.items())) for r in solution_rows(result))


def test_same_answers_as_loading_the_project(project_copy: Path) -> None:
    layout = project(project_copy)
    store, memory = open_store(layout), load_project(root=project_copy)
    assert len(store) == len(memory) > 0
    assert set(map(str, store)) == set(map(str, memory))
    queries = list_queries(project_copy)
    assert queries
    for query in queries:
        params = {p.name: "https://w3id.org/esskg/id/x" for p in query.params if p.required}
        assert _bag(execute(store, query, params)) == _bag(execute(memory, query, params)), query


def test_reused_until_a_file_changes(project_copy: Path) -> None:
    layout = project(project_copy)
    first = store_path(layout)
    inode = first.stat().st_ino
    assert first.parent == project_copy / ".esskg"
    assert first.name.startswith(STORE_PREFIX)
    data = project_copy / "data" / "source" / "actors.ttl"
    # A clock is not an input: touching a file keeps the store.
    os.utime(data, (1, 1))
    assert store_path(layout) == first
    assert first.stat().st_ino == inode
    # The same size, other content: a new store, the old one removed.
    text = data.read_text(encoding="utf-8")
    changed = text.replace("@fr", "@it", 1)
    assert len(changed) == len(text) and changed != text
    data.write_text(changed, encoding="utf-8")
    second = store_path(layout)
    assert second != first
    assert _stores(project_copy) == [second.name]
    assert any(
        isinstance(q.object, ox.Literal) and q.object.language == "it" for q in open_store(layout)
    )


def test_a_kept_hash_never_hides_an_edit(project_copy: Path) -> None:
    # Files settled for 2 s have their hash kept; an edit with the same size and the old mtime
    # put back is still seen (ctime moves, and a program cannot set it back).
    time.sleep(2.1)
    layout = project(project_copy)
    first = store_path(layout)
    data = project_copy / "data" / "source" / "actors.ttl"
    kept = json.loads((project_copy / ".esskg" / HASHES_NAME).read_text(encoding="utf-8"))
    assert str(data) in kept
    before = data.stat()
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("@fr", "@it", 1), encoding="utf-8")
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert data.stat().st_size == before.st_size and data.stat().st_mtime_ns == before.st_mtime_ns
    assert store_path(layout) != first
    # the original content back: the first digest again
    data.write_text(text, encoding="utf-8")
    assert store_path(layout).name == first.name


def test_a_new_file_changes_the_digest(project_copy: Path) -> None:
    layout = project(project_copy)
    before = input_digest(layout)
    (project_copy / "data" / "source" / "more.ttl").write_text(
        "<https://w3id.org/esskg/id/more> <http://www.w3.org/2000/01/rdf-schema#label> 'plus'@fr .\n",
        encoding="utf-8",
    )
    assert input_digest(layout) != before
    # A file esskg does not load is no input.
    (project_copy / "data" / "source" / "notes.txt").write_text("x", encoding="utf-8")
    after = input_digest(layout)
    (project_copy / "data" / "source" / "notes.txt").write_text("y", encoding="utf-8")
    assert input_digest(layout) == after


def test_a_bad_file_leaves_no_store(project_copy: Path) -> None:
    layout = project(project_copy)
    good = store_path(layout)
    bad = project_copy / "data" / "source" / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        store_path(layout)
    assert caught.value.path == bad
    assert caught.value.line == 3 or caught.value.line == 2
    # The good store stays, nothing half-built beside it.
    assert _stores(project_copy) == [good.name]


def test_query_verb_reads_the_store_and_reports_a_bad_file(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "actor-by-label", "--param", "text=x"]) == 0
    assert len(_stores(project_copy)) == 1
    capsys.readouterr()
    (project_copy / "data" / "source" / "bad.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    assert main(["query", "actor-by-label", "--param", "text=x"]) == 2
    err = capsys.readouterr().err
    assert "bad.ttl:1:" in err and "Traceback" not in err


def test_two_builds_at_once_make_one_store(project_copy: Path) -> None:
    code = (
        "import sys; from esskg.resources import project; from esskg.store import open_store;"
        "print(len(open_store(project(sys.argv[1]))))"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(project_copy)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outs
    counts = {out.strip() for out, _ in outs}
    assert counts == {str(len(load_project(root=project_copy)))}
    assert len(_stores(project_copy)) == 1


def test_a_store_in_use_is_not_removed(project_copy: Path) -> None:
    layout = project(project_copy)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from esskg.resources import project; from esskg.store import open_store;"
            "s = open_store(project(sys.argv[1])); print(len(s), flush=True); sys.stdin.read();"
            "print(len(list(s)))",
            str(project_copy),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held_count = reader.stdout.readline().strip()
        held = store_path(layout)
        data = project_copy / "data" / "source" / "actors.ttl"
        data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        newer = store_path(layout)
        assert sorted([held.name, newer.name]) == _stores(project_copy)
        out, _ = reader.communicate("", timeout=60)
        assert out.strip() == held_count
    finally:
        reader.kill()
    # Once its reader is gone, the next build removes it.
    data.write_text(data.read_text(encoding="utf-8") + "# again\n", encoding="utf-8")
    latest = store_path(layout)
    assert _stores(project_copy) == [latest.name]


def test_packaged_graph_goes_to_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esskg.resources import Project, packaged_root

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    home = store_home(Project(packaged_root(), kind="packaged"))
    assert home.parent == tmp_path / "cache" / "esskg"
