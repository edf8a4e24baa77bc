"""publish's forked helper: results and errors come back, a child not waited for is stopped."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from esskg.errors import EsskgError
from esskg.publish.aside import Aside


def test_the_child_computes_in_its_own_process_and_sends_its_result() -> None:
    big = b"x" * 5_000_000  # more than a pipe's buffer: the child waits for the reader
    with Aside(lambda: (os.getpid(), big + b"!")) as aside:
        pid, data = aside.result()
    assert pid != os.getpid()
    assert data == big + b"!"


def test_an_error_in_the_child_is_raised_by_result() -> None:
    def fails() -> None:
        raise ValueError("simulated: a table query failed")

    with Aside(fails) as aside, pytest.raises(ValueError, match="a table query failed"):
        aside.result()


def test_a_child_that_dies_gives_an_error_in_words_not_a_traceback() -> None:
    with Aside(lambda: os._exit(3)) as aside, pytest.raises(EsskgError, match="arrêté"):
        aside.result()


def test_leaving_without_the_result_stops_the_child(tmp_path: Path) -> None:
    mark = tmp_path / "child-finished"

    def slow() -> None:
        time.sleep(5)
        mark.write_text("too late")

    started = time.monotonic()
    with Aside(slow) as aside:
        pid = aside._pid
    assert time.monotonic() - started < 4
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left
    time.sleep(0.2)
    assert not mark.exists()
