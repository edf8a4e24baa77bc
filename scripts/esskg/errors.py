"""The errors esskg expects: the CLI prints one readable message and exits 2, no trace."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from esskg.i18n import language, say

# The system's own words for the failures a user meets, in French: strerror is the C library's
# English whatever --lang says.
_OS_FR = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "ce n'est pas un dossier",
    errno.EEXIST: "existe déjà",
    errno.ENOTEMPTY: "le dossier n'est pas vide",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EADDRINUSE: "adresse déjà utilisée",
    errno.EADDRNOTAVAIL: "adresse indisponible",
    errno.ECONNREFUSED: "connexion refusée",
    errno.ETIMEDOUT: "délai dépassé",
    errno.EHOSTUNREACH: "machine injoignable",
    errno.ENETUNREACH: "réseau injoignable",
}


def os_message(error: OSError) -> str:
    """What the system said about `error`, in the language of the messages."""
    english = error.strerror or str(error)
    return say(_OS_FR.get(error.errno or 0, english), english)


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
        text = say(f"{where} : {self.message}", f"{where}: {self.message}")
        if self.field:
            text += say(f" (colonne {self.field})", f" (column {self.field})")
        if self.hint:
            text += say(f"\n  conseil : {self.hint}", f"\n  hint: {self.hint}")
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
        return say("\nesskg : erreur : ", "\nesskg: error: ").join(str(e) for e in self.errors)


class QueryError(EsskgError):
    """A query that cannot be found, parsed, bound or run."""


class ParameterError(QueryError):
    """A --param value that is missing, unknown or not of the expected form."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a user's file, where a person looks for it, the one model of every verb
    that checks data (import, validate, build's gate): file, sheet, row, column (or line), the
    node and property path (RDF), the value found, a code (frictionless's names where they fit,
    shacl:<component> for a SHACL result) and what to do, in French and English."""

    file: str
    code: str
    message_fr: str
    message_en: str
    sheet: str = ""
    row: int | None = None  # as the spreadsheet shows it: the header is row 1
    column: str = ""  # "C (nom_fr)": letter and name
    line: int | None = None  # the text line (CSV, Turtle); differs from the row in multi-line cells
    value: str = ""
    warning: bool = False  # said, but does not stop the command
    node: str = ""  # the node the problem is about (a CURIE where a prefix fits), in RDF
    path: str = ""  # the property path leading from the node to the value (SPARQL syntax)
    severity: str = ""  # the SHACL severity (Violation, Warning, Info) of a validator's result

    def message(self, lang: str | None = None) -> str:
        lang = lang or language()
        text = self.message_en if lang == "en" else self.message_fr
        if self.warning and not self.severity:  # a severity is shown in a column of its own
            text = ("(warning) " if lang == "en" else "(avertissement) ") + text
        return text

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(say(f"ligne {self.row}", f"row {self.row}"))
        if self.line is not None:
            parts.append(say(f"ligne de texte {self.line}", f"line {self.line}"))
        if self.column:
            parts.append(say(f"colonne {self.column}", f"column {self.column}"))
        return ", ".join(parts)


class ProblemsError(EsskgError):
    """Problems that stop a command, all of them at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            say(f"{p.where()} : {p.message()}", f"{p.where()}: {p.message()}")
            for p in self.problems
        )
