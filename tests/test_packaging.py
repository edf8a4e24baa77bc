from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import esskg
from esskg import resources

REPO = Path(__file__).resolve().parents[1]


def test_version_is_single_sourced():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", esskg.__version__)


def _tree(folder: Path) -> Path:
    (folder / "ontology").mkdir(parents=True)
    (folder / "ontology" / "esskg.ttl").write_text("", encoding="utf-8")
    (folder / "data").mkdir()
    return folder


def test_environment_root_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(resources.ROOT_ENV, str(_tree(tmp_path / "env")))
    assert resources.project().root == (tmp_path / "env").resolve()
    other = _tree(tmp_path / "other")
    assert resources.project(other).ontology == (other / "ontology" / "esskg.ttl").resolve()


def test_without_environment_the_packaged_copy_or_the_checkout_is_used(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    package = Path(esskg.__file__).resolve().parent
    expected = package / "_resources" if (package / "_resources").is_dir() else package.parents[1]
    assert resources.default_root() == expected


def test_tests_import_the_installed_package_in_ci():
    if not os.environ.get("CI"):
        pytest.skip("only CI promises a non-editable install")
    assert "site-packages" in Path(esskg.__file__).parts, esskg.__file__
