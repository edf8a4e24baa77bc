"""The errors esskg expects: the CLI prints one readable message and exits 2, no trace."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path relative to the working folder when inside it: shorter, clickable in editors."""
    path = Path(path)
    try:
        return os.path.relpath(path) if path.is_absolute() and _is_below_cwd(path) else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _is_below_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


class EsskgError(Exception):
    """An expected failure: bad input, missing file, bad parameter. The CLI exits 2 on it."""


class LoadError(EsskgError):
    """A file that cannot be read or parsed; says where and what to do about it."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.field:
            text += f" (column {self.field})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class LoadErrors(LoadError):
    """Several problems in one file, each said on its own line with its position."""

    def __init__(self, errors: list[LoadError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(
            first.path, first.message, line=first.line, column=first.column, hint=first.hint
        )

    def __str__(self) -> str:
        return "\nesskg: error: ".join(str(e) for e in self.errors)


class QueryError(EsskgError):
    """A query that cannot be found, parsed, bound or run."""


class ParameterError(QueryError):
    """A --param value that is missing, unknown or not of the expected form."""
