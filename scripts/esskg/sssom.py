"""Reads SSSOM mapping tables (TSV with a commented YAML header) into rows and triples.

Only the header's curie_map block is needed to expand CURIEs, so it is read by hand rather than
pulling in a YAML parser for one mapping of strings.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.errors import LoadError
from esskg.namespaces import PREFIXES

REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
OPTIONAL_COLUMNS = ("author_id", "confidence", "comment", "subject_label", "object_label")
CURIE_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")

_CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)?:(\S*)$")
_MAP_ENTRY = re.compile(
    r"""^\s+([A-Za-z_][A-Za-z0-9_.-]*)\s*:\s*(?:"([^"]*)"|'([^']*)'|(\S+))\s*$"""
)
# dct is a common spelling of dcterms; SSSOM files in the wild use both.
_ALIASES = {"dct": PREFIXES["dcterms"]}


@dataclass(frozen=True)
class MappingRow:
    """One row of a mapping table, with its CURIEs expanded and the line it came from."""

    path: Path
    line: int
    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject: str
    predicate: str
    object: str
    justification: str
    author_id: str | None = None
    confidence: float | None = None
    comment: str | None = None
    subject_label: str | None = None
    object_label: str | None = None


def read_curie_map(header_lines: list[str]) -> dict[str, str]:
    """The prefix -> IRI entries of the `curie_map:` block of an SSSOM YAML header (# stripped).

    Top-level keys are the least indented lines; the block is every deeper line after
    `curie_map:` up to the next top-level key.
    """
    lines = [text for text in header_lines if text.strip()]
    if not lines:
        return {}
    top_indent = min(_indent(text) for text in lines)
    curie_map: dict[str, str] = {}
    inside = False
    for text in lines:
        if _indent(text) <= top_indent:
            inside = text.strip().split(":", 1)[0].strip() == "curie_map"
            continue
        entry = _MAP_ENTRY.match(text) if inside else None
        if entry:
            curie_map[entry.group(1)] = next(g for g in entry.groups()[1:] if g is not None)
    return curie_map


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def read_mapping_table(path: Path) -> list[MappingRow]:
    """The rows of an SSSOM TSV file; LoadError names the line and column of the first bad cell."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LoadError(path, "no such file", hint="check the file exists") from None
    except UnicodeDecodeError as e:
        raise LoadError(
            path, f"not UTF-8 text ({e.reason})", hint="save the file as UTF-8"
        ) from None

    header_end = 0
    while header_end < len(lines) and lines[header_end].startswith("#"):
        header_end += 1
    curie_map = read_curie_map([line[1:] for line in lines[:header_end]])
    prefixes = _prefix_map(path, curie_map)

    if header_end >= len(lines) or not lines[header_end].strip():
        raise LoadError(
            path,
            "no column header after the # metadata",
            line=header_end + 1,
            hint="add a tab-separated header line: " + "\t".join(REQUIRED_COLUMNS),
        )
    columns = next(csv.reader([lines[header_end]], delimiter="\t"))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise LoadError(
            path,
            f"missing column {', '.join(missing)}",
            line=header_end + 1,
            hint="the header must name at least " + ", ".join(REQUIRED_COLUMNS),
        )

    rows: list[MappingRow] = []
    for index in range(header_end + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            continue
        line = index + 1
        if text.startswith("#"):
            raise LoadError(
                path,
                "metadata line after the column header",
                line=line,
                hint="move # lines to the top of the file",
            )
        cells = next(csv.reader([text], delimiter="\t"))
        if len(cells) != len(columns):
            raise LoadError(
                path,
                f"{len(cells)} cells where the header has {len(columns)} columns",
                line=line,
                hint="separate cells with one tab each; leave empty cells empty",
            )
        rows.append(_make_row(path, line, dict(zip(columns, cells, strict=True)), prefixes))
    return rows


def mapping_triples(rows: list[MappingRow]) -> list[ox.Triple]:
    """One triple per row: subject predicate object, as the table states the mapping."""
    return [
        ox.Triple(ox.NamedNode(r.subject), ox.NamedNode(r.predicate), ox.NamedNode(r.object))
        for r in rows
    ]


def _prefix_map(path: Path, curie_map: dict[str, str]) -> dict[str, str]:
    prefixes = {**PREFIXES, **_ALIASES}
    for prefix, iri in curie_map.items():
        # A table must not quietly give a project prefix another meaning: its triples would
        # land in the wrong namespace.
        if prefix in prefixes and prefixes[prefix] != iri:
            raise LoadError(
                path,
                f"curie_map gives {prefix}: the IRI {iri}, the project uses {prefixes[prefix]}",
                hint=f"use the project IRI for {prefix}: or rename the prefix",
            )
        prefixes[prefix] = iri
    return prefixes


def _make_row(path: Path, line: int, cells: dict[str, str], prefixes: dict[str, str]) -> MappingRow:
    expanded: dict[str, str] = {}
    for column in CURIE_COLUMNS:
        expanded[column] = _expand(path, line, column, cells[column].strip(), prefixes)
    confidence = None
    raw_confidence = cells.get("confidence", "").strip()
    if raw_confidence:
        try:
            confidence = float(raw_confidence)
        except ValueError:
            confidence = -1.0
        if not 0.0 <= confidence <= 1.0:
            raise LoadError(
                path,
                f"confidence {raw_confidence!r} is not a number between 0 and 1",
                line=line,
                field="confidence",
            )
    return MappingRow(
        path=path,
        line=line,
        subject_id=cells["subject_id"].strip(),
        predicate_id=cells["predicate_id"].strip(),
        object_id=cells["object_id"].strip(),
        mapping_justification=cells["mapping_justification"].strip(),
        subject=expanded["subject_id"],
        predicate=expanded["predicate_id"],
        object=expanded["object_id"],
        justification=expanded["mapping_justification"],
        author_id=cells.get("author_id", "").strip() or None,
        confidence=confidence,
        comment=cells.get("comment", "").strip() or None,
        subject_label=cells.get("subject_label", "").strip() or None,
        object_label=cells.get("object_label", "").strip() or None,
    )


def _expand(path: Path, line: int, column: str, value: str, prefixes: dict[str, str]) -> str:
    match = _CURIE.match(value)
    if not value or not match or match.group(1) is None:
        raise LoadError(
            path,
            f"{value!r} is not a CURIE",
            line=line,
            field=column,
            hint="write prefix:local, e.g. sdg:2, with the prefix in the curie_map",
        )
    prefix, local = match.groups()
    if prefix not in prefixes:
        raise LoadError(
            path,
            f"unknown prefix {prefix}: in {value!r}",
            line=line,
            field=column,
            hint=f'declare it in the header: #   {prefix}: "https://..." under curie_map:',
        )
    iri = prefixes[prefix] + local
    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise LoadError(
            path, f"{value!r} expands to a bad IRI: {e}", line=line, field=column
        ) from None
    return iri
