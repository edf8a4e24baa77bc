"""Bulk conversion of a large CSV table with polars, for registry extracts of a million rows.

It gives the terms the row-by-row path gives, from the same specification: text is escaped in
bulk, identifiers are base + slug in bulk, and every other cell goes through the row path's own
conversion once per distinct value (a million rows hold a few dozen codes).

Two streamed passes over the file, so memory does not grow with the rows. The first checks: at
the first doubt (a ragged row, an empty required cell, a duplicate or unknown identifier, a value
that does not convert) it puts everything back and returns False: the row path then reads the
table again and reports each problem at its cell. So the bulk path never decides what is an
error. The second writes the N-Triples to a file as it goes (polars' streaming engine, on every
core). What stays in memory is one column of identifiers (polars, not Python strings), which the
references of later sheets and the duplicate check need.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from esskg.tabular.read import CHUNK_BYTES, MAX_CELL_CHARS, Table
from esskg.tabular.spec import RDF_TYPE, Column, Sheet

# The converter is esskg.tabular.mapping.Converter, which calls this module: it is not imported
# here, not even for its type, so that the two modules do not import each other.
Converter = Any

SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]*$"
SLUG = re.compile(SLUG_PATTERN)
ISO_LIKE = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"
EXAMPLE_PREFIX = "exemple-"
JOINT = "\x00"  # between the terms of a multi-valued cell: no RDF term holds it
NEUTRALISED_PATTERN = r"^'[=+\-@]"
# Below this many rows the row path is as fast, and simpler to follow.
BULK_MIN_ROWS = 2_000


class _Doubt(Exception):
    """Something the bulk path does not settle: the row path will."""


def convert_bulk(
    converter: Converter, index: int, table: Table, sheet: Sheet, positions: dict[str, int]
) -> bool:
    """Convert `table` in bulk into `converter`; False (and nothing changed) when in doubt."""
    if sheet.name == "territoires" or table.source is None:
        return False  # territories complete themselves from ISO 3166 row by row
    newlines, delimiters = _raw_counts(table.source, table.delimiter)
    if newlines < BULK_MIN_ROWS:
        return False
    out = converter.out
    saved = (
        len(out.lines),
        len(out.problems),
        len(converter.pending),
        set(converter.minted_territories),
        dict(out.origins),
        len(converter.bulk_ids),
    )
    try:
        plan = _checked(converter, index, table, sheet, positions, delimiters)
    except _Doubt:
        del out.lines[saved[0] :]
        del out.problems[saved[1] :]
        del converter.pending[saved[2] :]
        converter.minted_territories = saved[3]
        out.origins = saved[4]
        del converter.bulk_ids[saved[5] :]
        return False
    _write(converter, plan)
    return True


def _raw_counts(source: Path | bytes, delimiter: str) -> tuple[int, int]:
    """The line breaks and the delimiters in the file's bytes, read piece by piece."""
    mark = delimiter.encode("utf-8")
    if isinstance(source, bytes):
        return source.count(b"\n"), source.count(mark)
    newlines = delimiters = 0
    with source.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            newlines += chunk.count(b"\n")
            delimiters += chunk.count(mark)
    return newlines, delimiters


class _Plan:
    """What the first pass found: the rows to keep and, per column, how each cell becomes a term."""

    def __init__(self, kept: pl.LazyFrame, sheet: Sheet, index: int, key_cell: str) -> None:
        self.kept = kept
        self.sheet = sheet
        self.index = index
        self.key_cell = key_cell
        self.terms: list[tuple[Column, str, dict[str, str] | None]] = []  # column, cells, mapping
        self.nodes = pl.DataFrame()  # node, row: for the rows a problem may need later
        self.examples = 0


def _checked(converter, index, table, sheet, positions, delimiters: int) -> _Plan:
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    raw = pl.scan_csv(
        table.source,
        separator=table.delimiter,
        has_header=False,
        skip_rows=1,
        schema=dict.fromkeys(names, pl.String),
        empty_string_is_null=False,
        truncate_ragged_lines=False,  # a row with a cell too many is an error, hence a doubt
        raise_if_empty=False,
    )
    cells = [pl.col(n) for n in names]
    mark = table.delimiter
    prepared = (
        raw.with_columns(
            pl.sum_horizontal(c.str.count_matches(mark, literal=True) for c in cells).alias(
                "delimiters"
            )
        )
        .with_columns(
            pl.when(c.str.starts_with("'") & c.str.contains(NEUTRALISED_PATTERN))
            .then(c.str.strip_chars().str.slice(1))
            .otherwise(c.str.strip_chars())
            for c in cells
        )
        .with_row_index("row", offset=2)
    )
    blank = pl.all_horizontal(c == "" for c in cells)
    example = pl.any_horizontal(c.str.starts_with(EXAMPLE_PREFIX) for c in cells)
    kept = prepared.filter(~blank & ~example)
    checks = prepared.cache()
    kept_checks = checks.filter(~blank & ~example)
    key = sheet.key
    if key.name not in positions:
        raise _Doubt
    key_cell = f"c{positions[key.name]}"
    present = [s for s in sheet.columns[1:] if s.name in positions]
    required = [f"c{positions[s.name]}" for s in present if s.required]
    coded = [s for s in present if s.kind not in ("text", "string")]
    queries = [
        checks.select(
            pl.len().alias("rows"),
            pl.col("delimiters").sum(),
            pl.max_horizontal(c.str.len_chars().max() for c in cells).alias("longest"),
            (~blank & example).sum().alias("examples"),
            pl.any_horizontal(
                [(pl.col(c) == "").filter(~blank & ~example).any() for c in required]
                or [pl.lit(False)]
            ).alias("empty_required"),
        ),
        kept_checks.select(pl.col(key_cell).alias("id"), "row"),
        *(_values(kept_checks, s, f"c{positions[s.name]}") for s in coded),
    ]
    try:
        counts, ids, *values = pl.collect_all(queries)
    except pl.exceptions.PolarsError:
        raise _Doubt from None
    rows = counts.item(0, "rows")
    # A short row is padded with empty cells by polars: it shows as missing delimiters.
    expected = (rows + 1) * (width - 1) + sum(h.count(mark) for h in table.headers)
    if delimiters != expected + (counts.item(0, "delimiters") or 0):
        raise _Doubt
    if (counts.item(0, "longest") or 0) > MAX_CELL_CHARS or counts.item(0, "empty_required"):
        raise _Doubt
    slugs = ids.get_column("id")
    if slugs.is_empty() or (slugs == "").any() or not slugs.str.contains(SLUG_PATTERN).all():
        raise _Doubt  # minted or prefixed identifiers: the row path
    nodes = ids.select((converter.base + pl.col("id")).alias("node"), "row")
    iris = nodes.get_column("node")
    if key.kind == "id":
        if iris.is_duplicated().any() or _defined_among(converter, iris).any():
            raise _Doubt
        # Known from now on, so that the sheet's rows may refer to each other.
        converter.bulk_ids.append((sheet.name, iris))
    else:
        _check_refs(converter, iris.unique(), key.target_sheets)
    plan = _Plan(kept, sheet, index, key_cell)
    plan.nodes = nodes
    plan.examples = counts.item(0, "examples")
    found = dict(zip([s.name for s in coded], values, strict=True))
    mapped: dict[str, dict[str, str]] = {}
    for spec in coded:
        distinct = found[spec.name]
        texts = distinct.get_column("value")
        if (
            spec.kind in ("ref", "territory")
            and texts.str.contains(SLUG_PATTERN).all()
            and not (spec.kind == "territory" and texts.str.contains(ISO_LIKE).any())
        ):
            _check_refs(converter, converter.base + texts, spec.target_sheets)
        else:
            mapped[spec.name] = _each_value(converter, table, spec, distinct)
    # A multi-valued cell is mapped whole (a few dozen combinations), to its terms joined by
    # JOINT: a lookup per part inside each row's list costs polars far more.
    several = [s for s in coded if s.name in mapped and s.separator]
    cells = pl.collect_all(
        kept.select(pl.col(f"c{positions[s.name]}").alias("cell")).unique() for s in several
    )
    for spec, distinct in zip(several, cells, strict=True):
        parts = mapped[spec.name]
        mapped[spec.name] = {
            cell: JOINT.join(parts[p] for p in _split(cell, spec.separator))
            for cell in distinct.get_column("cell").to_list()
        }
    for spec in present:
        mapping = mapped.get(spec.name)
        if mapping is not None:
            mapping.setdefault("", "")  # replace_strict sees the empty cells too
        plan.terms.append((spec, f"c{positions[spec.name]}", mapping))
    return plan


def _split(cell: str, separator: str) -> list[str]:
    """The parts of a multi-valued cell, as the row path reads them."""
    return [p.strip() for p in cell.split(separator) if p.strip()]


def _values(kept: pl.LazyFrame, spec: Column, cell: str) -> pl.LazyFrame:
    """The distinct values of a column (each part of a multi-valued cell), each with the first
    row giving it."""
    pairs = kept.select("row", pl.col(cell).alias("value"))
    if spec.separator:
        pairs = pairs.with_columns(pl.col("value").str.split(spec.separator)).explode("value")
        pairs = pairs.with_columns(pl.col("value").str.strip_chars())
    return pairs.filter(pl.col("value") != "").group_by("value").agg(pl.col("row").min())


def _write(converter, plan: _Plan) -> None:
    """The second pass: every row's statements, streamed to a file of the conversion."""
    sheet = plan.sheet
    subject = pl.lit("<" + converter.base) + pl.col(plan.key_cell) + pl.lit(">")
    lines: list[pl.Expr] = []
    if sheet.key.kind == "id":
        lines.append(subject + pl.lit(f" <{RDF_TYPE.value}> <{sheet.rdf_class}> ."))
    for spec, cell, mapping in plan.terms:
        lines.append(_statements(converter, spec, pl.col(cell), mapping, subject))
    statements = pl.concat_str(lines, separator="\n", ignore_nulls=True).alias("line")
    # One record per row, its statements separated by line breaks: written unquoted, they are
    # N-Triples lines.
    plan.kept.select(statements).filter(pl.col("line") != "").sink_csv(
        converter.out.bulk_output(),
        include_header=False,
        quote_style="never",
        maintain_order=False,  # the statements are sorted before anything is written from them
    )
    converter.out.rows += len(plan.nodes)
    converter.out.skipped_examples += plan.examples
    converter.out.bulk.append((plan.index, plan.nodes))


def _statements(
    converter, spec: Column, cell: pl.Expr, mapping: dict[str, str] | None, subject: pl.Expr
) -> pl.Expr:
    """The statements of one cell, one per line (null when the cell is empty)."""
    if spec.inverse:
        prefix, suffix = pl.lit(""), pl.lit(f" <{spec.predicate}> ") + subject + pl.lit(" .")
    else:
        prefix, suffix = subject + pl.lit(f" <{spec.predicate}> "), pl.lit(" .")
    if not spec.separator:
        return pl.when(cell != "").then(prefix + _term(converter, spec, cell, mapping) + suffix)
    if mapping is not None:
        joined = cell.replace_strict(mapping, return_dtype=pl.String)
        lines = joined.str.split(JOINT).list.join(suffix + pl.lit("\n") + prefix)
        return pl.when(joined != "").then(prefix + lines + suffix)
    parts = cell.str.split(spec.separator).list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
    )
    terms = parts.list.eval(_term(converter, spec, pl.element(), mapping))
    joined = terms.list.join(suffix + pl.lit("\n") + prefix)
    return pl.when(terms.list.len() > 0).then(prefix + joined + suffix)


def _term(converter, spec: Column, value: pl.Expr, mapping: dict[str, str] | None) -> pl.Expr:
    if mapping is not None:
        return value.replace_strict(mapping, return_dtype=pl.String)
    if spec.kind in ("text", "string"):
        escaped = (
            value.str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all('"', '\\"', literal=True)
            .str.replace_all("\n", "\\n", literal=True)
            .str.replace_all("\r", "\\r", literal=True)
        )
        return pl.lit('"') + escaped + pl.lit(f'"@{spec.lang}' if spec.lang else '"')
    return pl.lit("<" + converter.base) + value + pl.lit(">")


def _each_value(converter, table, spec, distinct: pl.DataFrame) -> dict[str, str]:
    """Each distinct value through the row path's own conversion; a problem is a doubt."""
    before = len(converter.out.problems)
    pending = len(converter.pending)
    where = {"sheet": table.sheet}
    index = converter.out.tables.index(table)
    mapping = {}
    for value, row in distinct.iter_rows():
        term = converter.term(table, spec, value, where, converter.origin_at(index, row))
        if term is None or len(converter.out.problems) > before:
            raise _Doubt
        mapping[value] = term
    for node, sheets, _ in converter.pending[pending:]:
        _check_refs(converter, pl.Series([node]), sheets)
    del converter.pending[pending:]
    return mapping


def _defined_among(converter, nodes: pl.Series) -> pl.Series:
    """Which of `nodes` a row already describes (bulk tables, then rows one by one)."""
    found = nodes.is_in(pl.Series(list(converter.defined), dtype=pl.String).implode())
    for _, ids in converter.bulk_ids:
        found |= nodes.is_in(ids.implode())
    return found


def _check_refs(converter, nodes: pl.Series, sheets: tuple[str, ...]) -> None:
    """Every node is described by a row of `sheets` or by the graph, or it is a doubt.
    Joins in polars first, so a million references cost no million Python steps."""
    rest = nodes
    for sheet, ids in converter.bulk_ids:
        if not sheets or sheet in sheets:
            rest = rest.filter(~rest.is_in(ids.implode()))
    for sheet, ids in converter.bulk_ids:
        if sheets and sheet not in sheets and rest.is_in(ids.implode()).any():
            raise _Doubt  # described by a row of another sheet
    types = converter.graph.types
    classes = converter.classes_of(sheets)
    for node in rest.to_list():
        seen = converter.defined.get(node)
        if seen is not None:
            if sheets and seen not in sheets:
                raise _Doubt
            continue
        known = types.get(node)
        if known is None or (classes and not known & classes):
            raise _Doubt
