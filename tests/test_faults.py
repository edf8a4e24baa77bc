"""Faults while writing outputs: SIGKILL at random points, read-only and full folders, two runs.

Each killed run must leave every output either as it was before or as the new run meant it,
never half-written, and the next run must sweep what the killed one left behind.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import esskg.atomic
from esskg.atomic import (
    OutputBusyError,
    output_folder,
    replace_folder,
    sweep_leftovers,
    temp_folder,
    write_atomically,
)
from esskg.cli import main

# The messages read below are the English ones.
pytestmark = pytest.mark.usefixtures("english")

OUTPUTS = ("esskg.ttl", "esskg.nt")
NEW_TRIPLE = (
    "\n<https://w3id.org/esskg/id/added> <http://www.w3.org/2000/01/rdf-schema#label>"
    ' "ajouté"@fr .\n'
)

# A child that runs `esskg build` and SIGKILLs itself at the Nth call of one of the steps that
# write outputs (write, fsync, rename), so the kills land inside the writing, not only around it.
KILL_AT_STEP = """
import os, signal, sys
import esskg.atomic as atomic
n = int(sys.argv[1])
calls = 0
def counted(real):
    def step(*args, **kwargs):
        global calls
        calls += 1
        if calls == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return step
for name in ("replace", "rename", "fsync", "fchmod"):
    setattr(atomic.os, name, counted(getattr(os, name)))
from esskg.cli import main
sys.exit(main(["build", "-o", sys.argv[2]]))
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS if (folder / name).exists()}


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_sigkill_during_build_leaves_old_or_new_outputs_and_the_next_run_sweeps(
    project_copy: Path, tmp_path: Path
):
    out = tmp_path / "dist"
    assert main(["build", "-o", str(out)]) == 0
    old = _snapshot(out)
    with (project_copy / "data" / "source" / "actors.ttl").open("a", encoding="utf-8") as f:
        f.write(NEW_TRIPLE)
    assert main(["build", "-o", str(tmp_path / "expected")]) == 0
    new = _snapshot(tmp_path / "expected")
    assert new != old
    rng = random.Random(12)
    env = {**os.environ, "ESSKG_ROOT": str(project_copy)}
    killed = 0
    leftovers = set()
    for trial in range(20):
        if trial % 2:  # a kill at a random step of the writing
            cmd = [sys.executable, "-c", KILL_AT_STEP, str(rng.randint(1, 12)), str(out)]
            child = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
            killed += child.returncode == -signal.SIGKILL
        else:  # a kill at a random moment of the whole run
            cmd = [sys.executable, "-m", "esskg", "build", "-o", str(out)]
            child = subprocess.Popen(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            try:
                child.wait(timeout=rng.uniform(0.05, 0.8))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                killed += 1
            child.stderr.close()
        for name, data in _snapshot(out).items():
            assert data in (old[name], new[name]), f"trial {trial}: {name} is neither old nor new"
        assert set(_snapshot(out)) == set(OUTPUTS)
        leftovers.update(_hidden(out))
    assert killed >= 8, "too few runs were killed for the test to mean anything"
    assert leftovers, "no killed run left anything behind: the sweep went untested"
    assert main(["build", "-o", str(out)]) == 0
    assert _hidden(out) == []
    assert _snapshot(out) == new


def test_a_second_run_on_a_locked_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "dist"
    assert main(["build", "-o", str(out)]) == 0
    before = _snapshot(out)
    with output_folder(out):
        assert main(["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another esskg run is writing into this folder" in err
    assert "Traceback" not in err
    assert _snapshot(out) == before
    with output_folder(out):  # the lock went with the first block
        pass


def test_waiting_for_the_lock_serialises_runs(tmp_path: Path):
    out = tmp_path / "dist"
    script = (
        "import sys, time; from esskg.atomic import output_folder\n"
        "with output_folder(sys.argv[1]) as out:\n"
        "    print('in', flush=True); time.sleep(0.5); (out / 'done').touch()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "in\n"
        with pytest.raises(OutputBusyError), output_folder(out):
            pass
        with output_folder(out, wait=True):
            assert (out / "done").exists()  # we got in only once the holder had left
    finally:
        holder.wait()
        holder.stdout.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_read_only_output_folder_is_a_clear_error(tmp_path: Path, capsys):
    out = tmp_path / "dist"
    assert main(["build", "-o", str(out)]) == 0
    before = _snapshot(out)
    out.chmod(0o555)
    try:
        assert main(["build", "-o", str(out)]) == 2
    finally:
        out.chmod(0o755)
    assert "may not write into this folder" in capsys.readouterr().err
    assert _snapshot(out) == before


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "may not write into this folder"),
        (errno.EROFS, "may not write into this folder"),
        (errno.ENOSPC, "no space left"),
    ],
)
def test_unwritable_or_full_folder_is_a_clear_error_and_outputs_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, code: int, words: str
):
    # Simulated: the suite runs as root in CI, where chmod does not stop a write.
    out = tmp_path / "dist"
    assert main(["build", "-o", str(out)]) == 0
    before = _snapshot(out)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(esskg.atomic.tempfile, "mkstemp", refuse)
    assert main(["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "dist" in err and "Traceback" not in err
    assert _snapshot(out) == before


def test_disk_full_while_writing_keeps_the_old_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "a.ttl"
    target.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(esskg.atomic.os, "fsync", full)
    with pytest.raises(esskg.atomic.OutputError, match="no space left"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert _hidden(tmp_path) == []


def test_sweep_removes_temp_files_and_build_folders_and_nothing_else(tmp_path: Path):
    (tmp_path / ".esskg.ttl.abc123.esskg-tmp").write_bytes(b"half")
    temp_folder(tmp_path, "1.0")
    (tmp_path / ".1.0.build-xyz").mkdir()  # publish's own name for its build folders
    (tmp_path / ".keep-me").write_text("a user's file")
    (tmp_path / "notes.tmp").write_text("a user's file")
    swept = sweep_leftovers(tmp_path)
    assert len(swept) == 3
    assert _hidden(tmp_path) == [".keep-me"]
    assert (tmp_path / "notes.tmp").exists()


def test_an_interrupted_folder_swap_is_finished_by_the_sweep(tmp_path: Path):
    # Killed between replace_folder's two renames: the old release is aside, the new not in.
    (tmp_path / ".1.0.esskg-old").mkdir()
    (tmp_path / ".1.0.esskg-old" / "index.html").write_text("old release")
    (tmp_path / ".2.0.old-4242").mkdir()  # publish's name for the same moment
    sweep_leftovers(tmp_path)
    assert (tmp_path / "1.0" / "index.html").read_text() == "old release"
    assert (tmp_path / "2.0").is_dir()
    assert _hidden(tmp_path) == []


def test_replace_folder_swaps_in_and_drops_the_old(tmp_path: Path):
    (tmp_path / "1.0").mkdir()
    (tmp_path / "1.0" / "a").write_text("old")
    build = temp_folder(tmp_path, "1.0")
    (build / "a").write_text("new")
    replace_folder(build, tmp_path / "1.0")
    assert (tmp_path / "1.0" / "a").read_text() == "new"
    assert _hidden(tmp_path) == []


def test_temp_folder_names_are_hidden_and_distinct():
    with tempfile.TemporaryDirectory() as parent:
        a, b = temp_folder(Path(parent), "x"), temp_folder(Path(parent), "x")
        assert a != b and a.name.startswith(".x.") and b.name.endswith(".esskg-tmp")


# --- esskg import: the same promises for what it writes into a workspace -----------------------

TABULAR = Path(__file__).parent / "fixtures" / "tabular"


def _import_workspace(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A workspace holding an earlier import of the case; its file, and an env for children."""
    ws = tmp_path / "ws"
    env = {k: v for k, v in os.environ.items() if k != "ESSKG_ROOT"}
    init = [
        sys.executable,
        "-m",
        "esskg",
        "init",
        str(ws),
        "--prefix",
        "occ",
        "--base",
        "https://data.example.org/coop/id/",
    ]
    subprocess.run(init, env=env, check=True, capture_output=True, timeout=60)
    data = ws / "data" / "import"
    target = data / "case.ttl"
    return ws, target, env


def _import(ws: Path, source: Path) -> list[str]:
    return [sys.executable, "-m", "esskg", "-C", str(ws), "import", str(source), "--name", "case"]


def test_sigkill_during_import_leaves_the_old_or_the_new_file_and_the_next_run_sweeps(
    tmp_path: Path,
):
    ws, target, env = _import_workspace(tmp_path)
    first = TABULAR / "occitanie-medenine"
    second = tmp_path / "changed"  # the same case with another description: another file
    shutil.copytree(first, second)
    table = second / "partenariats.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace("Jardins partagés", "Jardins"), "utf-8"
    )
    subprocess.run(_import(ws, first), env=env, check=True, capture_output=True, timeout=120)
    old = target.read_bytes()
    subprocess.run(_import(ws, second), env=env, check=True, capture_output=True, timeout=120)
    new = target.read_bytes()
    assert new != old
    rng = random.Random(7)
    killed = 0
    for trial in range(20):
        child = subprocess.Popen(
            _import(ws, first if trial % 2 else second),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            child.wait(timeout=rng.uniform(0.2, 2.5))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            killed += 1
        assert target.read_bytes() in (old, new), f"trial {trial}: neither old nor new"
        assert [p.name for p in target.parent.iterdir() if not p.name.startswith(".")] == [
            "case.ttl"
        ]
    assert killed >= 8, "too few runs were killed for the test to mean anything"
    subprocess.run(_import(ws, second), env=env, check=True, capture_output=True, timeout=120)
    assert target.read_bytes() == new
    assert _hidden(target.parent) == []


def test_an_import_into_a_locked_folder_is_refused_and_writes_nothing(tmp_path: Path):
    ws, target, env = _import_workspace(tmp_path)
    target.parent.mkdir(parents=True)
    with output_folder(target.parent):
        child = subprocess.run(
            _import(ws, TABULAR / "occitanie-medenine"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert child.returncode == 2, child.stderr
    assert "Traceback" not in child.stderr
    assert not target.exists()


# --- a real small or read-only filesystem (a tmpfs), where the machine lets root mount one -----


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 256 KiB tmpfs at tmp_path/fs, unmounted after the test; skipped where none can be made."""
    mount = shutil.which("mount")
    point = tmp_path / "fs"
    point.mkdir()
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(point)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"this machine cannot mount a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _fill(folder: Path) -> None:
    """Take every free byte of the filesystem `folder` is on."""
    with (folder / "filler").open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC


def test_a_full_filesystem_is_a_clear_error_and_outputs_stay(small_tmpfs: Path, capsys):
    out = small_tmpfs / "dist"
    assert main(["build", "-o", str(out)]) == 0
    before = _snapshot(out)
    _fill(small_tmpfs)
    capsys.readouterr()
    assert main(["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no space left" in err and "Traceback" not in err
    assert _snapshot(out) == before
    assert _hidden(out) == []


def test_a_read_only_filesystem_is_a_clear_error_and_outputs_stay(small_tmpfs: Path, capsys):
    out = small_tmpfs / "dist"
    assert main(["build", "-o", str(out)]) == 0
    before = _snapshot(out)
    remount = ["mount", "-o", "remount,ro", str(small_tmpfs)]
    subprocess.run(remount, check=True, capture_output=True)
    capsys.readouterr()
    assert main(["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "may not write into this folder" in err and "Traceback" not in err
    assert _snapshot(out) == before
