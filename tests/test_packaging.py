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
    # Whichever root esskg finds on its own (the wheel's copy or, installed editable, the
    # checkout), it holds this checkout's knowledge, byte for byte.
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    found = resources.default_root()
    for part in ("ontology/esskg.ttl", "shapes/esskg-shapes.ttl", "data/un-sdg/un-sdg-kos.ttl"):
        assert (found / part).read_bytes() == (REPO / part).read_bytes(), part
    queries = sorted(p.name for p in (REPO / "queries").glob("*.rq"))
    assert sorted(p.name for p in (found / "queries").glob("*.rq")) == queries


def test_tests_import_the_installed_package_in_ci():
    if not os.environ.get("CI"):
        pytest.skip("only CI promises a non-editable install")
    assert "site-packages" in Path(esskg.__file__).parts, esskg.__file__
