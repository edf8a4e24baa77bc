"""Progress lines: on a terminal only, in the chosen language."""

from __future__ import annotations

import io

import pytest

from esskg import progress
from esskg.i18n import set_language


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_said_on_a_terminal_in_its_language(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    set_language("en")
    try:
        progress.note("lecture du graphe…", "reading the graph…")
    finally:
        set_language(None)
    assert terminal.getvalue() == "esskg: reading the graph…\n"


def test_quiet_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    progress.note("lecture du graphe…", "reading the graph…")
    assert capsys.readouterr().err == ""
