"""Where the knowledge files (ontology, shapes, queries, data) are.

An installed wheel carries them in esskg/_resources/; a source checkout has them at the repo root,
two levels above this package (scripts/esskg/). ESSKG_ROOT or an explicit root overrides both, so
tests and users can point esskg at another project tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "ESSKG_ROOT"

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE_DIR / "_resources"
_CHECKOUT = _PACKAGE_DIR.parents[1]


def default_root() -> Path:
    """The root to use when none is given: ESSKG_ROOT, else the packaged copy, else the checkout."""
    from_env = os.environ.get(ROOT_ENV)
    if from_env:
        return Path(from_env).resolve()
    if _PACKAGED.is_dir():
        return _PACKAGED
    return _CHECKOUT


@dataclass(frozen=True)
class Project:
    """The layout of one project tree; every path the verbs read comes from here."""

    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "esskg.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes" / "esskg-shapes.ttl"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def checks_dir(self) -> Path:
        return self.root / "queries" / "checks"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def data_folders(self) -> list[Path]:
        """The data/<name>/ folders in sorted order; each becomes the named graph graph:<name>."""
        if not self.data_dir.is_dir():
            return []
        return sorted(
            p for p in self.data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
        )


def project(root: Path | str | None = None) -> Project:
    """The project at `root`, or at default_root() when None."""
    return Project(Path(root).resolve() if root is not None else default_root())
