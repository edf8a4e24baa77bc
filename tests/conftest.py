"""Shared fixtures: a tiny project tree under fixtures/project, never the real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from esskg.i18n import set_language

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project"
FILES = FIXTURES / "files"


@pytest.fixture(autouse=True)
def fixture_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point esskg at the fixture project, so tests do not depend on data still being written."""
    monkeypatch.setenv("ESSKG_ROOT", str(PROJECT))
    return PROJECT


@pytest.fixture(autouse=True)
def default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in esskg's default language (French) whatever the developer's locale says;
    a test wanting English passes --lang en."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    set_language(None)  # what an earlier test's --lang left behind goes


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in English, from the locale as a user would set it (child processes too), for
    tests that read English words: `pytestmark = pytest.mark.usefixtures("english")`."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    set_language(None)


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the fixture project, set as ESSKG_ROOT."""
    root = tmp_path / "project"
    # Not .esskg/: what commands run on the fixture itself left there (its on-disk index, a
    # gate's record) would make the copy's store and gate tests start from their state.
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns(".esskg"))
    monkeypatch.setenv("ESSKG_ROOT", str(root))
    return root
