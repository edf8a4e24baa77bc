"""Bulk conversion of a large CSV table with polars, column by column, for registry extracts of
a million rows.

It gives the terms the row-by-row path gives, from the same specification: text is escaped in
bulk, identifiers are base + slug in bulk, and every other cell goes through the row path's own
conversion once per distinct value (a million rows hold a few dozen codes). At the first doubt
(a ragged row, an empty required cell, a duplicate or unknown identifier, a value that does not
convert) it puts everything back and returns False: the row path then reads the table again and
reports each problem at its cell. So the bulk path never decides what is an error.
"""

from __future__ import annotations

import io
import re
from typing import Any

import polars as pl

from esskg.tabular.read import MAX_CELL_CHARS, Table
from esskg.tabular.spec import RDF_TYPE, Sheet

# The converter is esskg.tabular.mapping.Converter, which calls this module: it is not imported
# here, not even for its type, so that the two modules do not import each other.
Converter = Any

SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]*$"
SLUG = re.compile(SLUG_PATTERN)
EXAMPLE_PREFIX = "exemple-"
NEUTRALISED_PATTERN = r"^'[=+\-@]"
# Below this many rows the row path is as fast, and simpler to follow.
BULK_MIN_ROWS = 2_000


class _Doubt(Exception):
    """Something the bulk path does not settle: the row path will."""


def convert_bulk(
    converter: Converter, index: int, table: Table, sheet: Sheet, positions: dict[str, int]
) -> bool:
    """Convert `table` in bulk into `converter`; False (and nothing changed) when in doubt."""
    if sheet.name == "territoires" or table.raw is None:
        return False  # territories complete themselves from ISO 3166 row by row
    if table.raw.count(b"\n") < BULK_MIN_ROWS:
        return False
    out = converter.out
    saved = (
        len(out.lines),
        len(out.bulk_lines),
        len(out.problems),
        len(converter.pending),
        set(converter.minted_territories),
        dict(out.origins),
    )
    added: list[str] = []
    try:
        _convert(converter, index, table, sheet, positions, added)
    except _Doubt:
        del out.lines[saved[0] :]
        del out.bulk_lines[saved[1] :]
        del out.problems[saved[2] :]
        del converter.pending[saved[3] :]
        converter.minted_territories = saved[4]
        out.origins = saved[5]
        for iri in added:
            converter.defined.pop(iri, None)
        converter.ids_by_sheet.get(sheet.name, set()).difference_update(added)
        return False
    return True


def _convert(converter, index, table, sheet, positions, added: list[str]) -> None:
    try:
        frame = pl.read_csv(
            io.BytesIO(table.raw),
            separator=table.delimiter,
            has_header=False,
            skip_rows=1,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        raise _Doubt from None
    width = len(table.headers)
    if frame.width != width or frame.height == 0:
        raise _Doubt
    names = [f"c{i}" for i in range(width)]
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    if frame.null_count().sum_horizontal().item():
        raise _Doubt  # a short (ragged) row
    cells = [pl.col(n) for n in names]
    frame = frame.with_columns(
        pl.when(c.str.contains(NEUTRALISED_PATTERN))
        .then(c.str.strip_chars().str.slice(1))
        .otherwise(c.str.strip_chars())
        for c in cells
    ).with_row_index("row", offset=2)
    if (
        frame.select(pl.max_horizontal(c.str.len_chars().max() for c in cells)).item()
        > MAX_CELL_CHARS
    ):
        raise _Doubt
    blank = pl.all_horizontal(c == "" for c in cells)
    example = pl.any_horizontal(c.str.starts_with(EXAMPLE_PREFIX) for c in cells)
    examples = frame.filter(~blank & example).height
    frame = frame.filter(~blank & ~example)
    key = sheet.key
    if key.name not in positions:
        raise _Doubt
    ids = frame.get_column(f"c{positions[key.name]}")
    if (ids == "").any() or not ids.str.contains(SLUG_PATTERN).all():
        raise _Doubt  # minted or prefixed identifiers: the row path
    base = converter.base
    subjects = pl.lit("<" + base) + ids + pl.lit(">")
    frame = frame.with_columns(subjects.alias("subject"))
    nodes = (base + ids).to_list()
    if key.kind == "id":
        if ids.is_duplicated().any() or not converter.defined.keys().isdisjoint(nodes):
            raise _Doubt
        converter.defined.update(dict.fromkeys(nodes, sheet.name))
        converter.ids_by_sheet.setdefault(sheet.name, set()).update(nodes)
        added.extend(nodes)
    else:
        _check_refs(converter, set(nodes), key.target_sheets)
    lines = converter.out.bulk_lines
    if key.kind == "id":
        typed = frame.select(
            (pl.col("subject") + pl.lit(f" <{RDF_TYPE.value}> <{sheet.rdf_class}> .")).alias("line")
        )
        lines.append(typed.to_series())
    for spec in sheet.columns[1:]:
        if spec.name not in positions:
            continue
        lines.extend(_column(converter, table, frame, spec, f"c{positions[spec.name]}"))
    converter.out.rows += frame.height
    converter.out.skipped_examples += examples
    converter.out.bulk.append((index, nodes))


def _column(converter, table, frame: pl.DataFrame, spec, name: str) -> list[pl.Series]:
    pairs = frame.select("subject", "row", pl.col(name).alias("value"))
    if spec.required and (pairs.get_column("value") == "").any():
        raise _Doubt
    if spec.separator:
        pairs = (
            pairs.with_columns(pl.col("value").str.split(spec.separator))
            .explode("value")
            .with_columns(pl.col("value").str.strip_chars())
        )
    pairs = pairs.filter(pl.col("value") != "")
    if pairs.height == 0:
        return []
    value = pl.col("value")
    if spec.kind in ("text", "string"):
        escaped = (
            value.str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all('"', '\\"', literal=True)
            .str.replace_all("\n", "\\n", literal=True)
            .str.replace_all("\r", "\\r", literal=True)
        )
        suffix = f'"@{spec.lang}' if spec.lang else '"'
        term = pl.lit('"') + escaped + pl.lit(suffix)
    elif (
        spec.kind in ("ref", "territory")
        and pairs.get_column("value").str.contains(SLUG_PATTERN).all()
        and not (
            spec.kind == "territory"
            and pairs.get_column("value").str.contains(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$").any()
        )
    ):
        found = set((converter.base + pairs.get_column("value").unique()).to_list())
        _check_refs(converter, found, spec.target_sheets)
        term = pl.lit("<" + converter.base) + value + pl.lit(">")
    else:
        term = value.replace_strict(
            _each_value(converter, table, spec, pairs), return_dtype=pl.String
        )
    predicate = f" <{spec.predicate}> "
    if spec.inverse:
        line = term + pl.lit(predicate) + pl.col("subject") + pl.lit(" .")
    else:
        line = pl.col("subject") + pl.lit(predicate) + term + pl.lit(" .")
    return [pairs.select(line.alias("line")).to_series()]


def _each_value(converter, table, spec, pairs: pl.DataFrame) -> dict[str, str]:
    """Each distinct value through the row path's own conversion; a problem is a doubt."""
    before = len(converter.out.problems)
    pending = len(converter.pending)
    where = {"sheet": table.sheet}
    index = converter.out.tables.index(table)
    mapping = {}
    firsts = pairs.group_by("value").agg(pl.col("row").min())
    for value, row in firsts.iter_rows():
        term = converter.term(table, spec, value, where, converter.origin_at(index, row))
        if term is None or len(converter.out.problems) > before:
            raise _Doubt
        mapping[value] = term
    for node, sheets, _ in converter.pending[pending:]:
        _check_refs(converter, {node}, sheets)
    del converter.pending[pending:]
    return mapping


def _check_refs(converter, nodes: set[str], sheets: tuple[str, ...]) -> None:
    """Every node is described by a row of `sheets` or by the graph, or it is a doubt.
    Set differences first (in C), so a million references cost no million Python steps."""
    if sheets:
        rest = nodes
        for sheet in sheets:
            rest = rest - converter.ids_by_sheet.get(sheet, set())
    else:
        rest = nodes - converter.defined.keys()
    types = converter.graph.types
    classes = converter.classes_of(sheets)
    for node in rest:
        if node in converter.defined:
            raise _Doubt  # described by a row of another sheet
        known = types.get(node)
        if known is None or (classes and not known & classes):
            raise _Doubt
