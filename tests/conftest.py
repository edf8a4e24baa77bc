"""Shared fixtures: a tiny project tree under fixtures/project, never the real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project"
FILES = FIXTURES / "files"


@pytest.fixture(autouse=True)
def fixture_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point esskg at the fixture project, so tests do not depend on data still being written."""
    monkeypatch.setenv("ESSKG_ROOT", str(PROJECT))
    return PROJECT


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the fixture project, set as ESSKG_ROOT."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    monkeypatch.setenv("ESSKG_ROOT", str(root))
    return root
