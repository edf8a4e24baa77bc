"""Bulk conversion of a large table (a CSV, or a workbook's sheet) with polars, for registry
extracts of a million rows.

It gives the terms the row-by-row path gives, from the same specification: text is escaped in
bulk, identifiers are base + slug in bulk, and every other cell goes through the row path's own
conversion once per distinct value (a million rows hold a few dozen codes).

The table is streamed, BATCH_ROWS rows at a time (a CSV parsed by polars, on its own threads; a
sheet's typed columns as fastexcel read them, or its rows as python-calamine gives them, turned
into text columns): each batch is checked,
then its N-Triples are appended to the conversion's file. At the first doubt (a ragged row, a
blank row but at the end, an empty required cell, a number or date whose text the row path would
not read the same, a duplicate or unknown identifier, a value that does not convert) the file is
cut back to where the table began, everything else is put back, and False says so: the row path
then reads the table again and reports each problem at its cell. So the bulk path never decides
what is an error. What stays in memory is the column of identifiers (polars, not Python
strings), which the duplicate check and the references need, checked by joins once the whole
table is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from esskg.tabular.read import CHUNK_BYTES, MAX_CELL_CHARS, WRITE_BATCH, Table
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
# Rows checked and written at a time: bounds the memory, whatever the size of the table.
BATCH_ROWS = 200_000
# How far back from the end of a CSV blank rows are looked for.
TAIL_BYTES = 1 << 20
# Column kinds whose text the row path reads as it reads a whole number, and a date.
WHOLE_NUMBER_KINDS = ("integer", "sdg", "date", "period-end")
DATE_KINDS = ("date", "period-end")
# A whole number as fastexcel writes a number cell's text, within a float's exact integers.
WHOLE_NUMBER_TEXT = r"^-?[0-9]{1,15}$"


class _Doubt(Exception):
    """Something the bulk path does not settle: the row path will."""


def convert_bulk(
    converter: Converter, index: int, table: Table, sheet: Sheet, positions: dict[str, int]
) -> bool:
    """Convert `table` in bulk into `converter`; False (and nothing changed) when in doubt."""
    if sheet.name == "territoires" or sheet.key.name not in positions:
        return False  # territories complete themselves from ISO 3166 row by row
    if table.source is not None:
        counts = _raw_counts(table.source, table.delimiter)
        if counts.newlines < BULK_MIN_ROWS:
            return False
        batches = _csv_batches(table, counts)
    elif (table.typed is not None or table.cells is not None) and table.height > BULK_MIN_ROWS:
        batches = _sheet_batches(table, sheet, positions)
    else:
        return False
    out = converter.out
    had_sink = out.bulk_sink is not None
    sink = out.bulk_output()
    start = sink.tell()
    saved = (
        len(out.lines),
        len(out.problems),
        len(converter.pending),
        set(converter.minted_territories),
        dict(out.origins),
        len(converter.bulk_ids),
    )
    try:
        _convert(converter, index, table, sheet, positions, batches, sink)
    except _Doubt:
        table.typed = table.numbers = None  # the row path reads python-calamine's values
        sink.seek(start)
        sink.truncate()
        if not had_sink:
            out.drop_bulk_output()
        del out.lines[saved[0] :]
        del out.problems[saved[1] :]
        del converter.pending[saved[2] :]
        converter.minted_territories = saved[3]
        out.origins = saved[4]
        converter.forget_bulk_ids(saved[5])
        return False
    table.typed = table.numbers = None  # converted: the sheet's columns need not stay in memory
    return True


class _Counts(NamedTuple):
    newlines: int
    delimiters: int
    blank_rows: int  # rows of only delimiters or spaces (or none) at the end of the file
    blank_delimiters: int  # the delimiters in those


def _raw_counts(source: Path | bytes, delimiter: str) -> _Counts:
    """The line breaks and the delimiters in the file's bytes, read piece by piece, and the
    blank rows spreadsheet software leaves at the end."""
    mark = delimiter.encode("utf-8")
    if isinstance(source, bytes):
        tail = source[-TAIL_BYTES:]
        whole = len(tail) == len(source)
        return _Counts(source.count(b"\n"), source.count(mark), *_blank_tail(tail, mark, whole))
    newlines = delimiters = 0
    with source.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            newlines += chunk.count(b"\n")
            delimiters += chunk.count(mark)
        size = stream.tell()
        stream.seek(max(0, size - TAIL_BYTES))
        tail = stream.read()
    return _Counts(newlines, delimiters, *_blank_tail(tail, mark, len(tail) == size))


def _blank_tail(tail: bytes, mark: bytes, whole: bool) -> tuple[int, int]:
    """How many rows polars reads from the blank lines ending `tail` (empty, or only delimiters
    and spaces), and their delimiters. The header, and a line `tail` may start inside, are never
    counted; a quoted cell's last line holds its closing quote, so it is never blank."""
    lines = tail.split(b"\n")
    # What follows the last line break is a row only when it holds something.
    last = lines.pop()
    rows = delimiters = 0
    ends = [last] if last else []
    for line in [*ends, *reversed(lines[1:])]:
        if line.strip(b" \t\r" + mark):
            return rows, delimiters
        rows += 1
        delimiters += line.count(mark)
    if whole or not lines:
        return rows, delimiters
    return 0, 0  # blank all the way back past TAIL_BYTES: not the few lines meant here


def _cleaned(names: list[str]) -> list[pl.Expr]:
    """The cells as the row path reads them: stripped, an export's neutralising quote removed."""
    # Stripped first, then the quote looked for, as the row path does (" '=x" is "=x").
    return [
        pl.when(c.str.contains(NEUTRALISED_PATTERN)).then(c.str.slice(1)).otherwise(c).alias(n)
        for n, c in ((n, pl.col(n).str.strip_chars()) for n in names)
    ]


def _csv_batches(table: Table, counts: _Counts) -> Iterator[pl.DataFrame]:
    """The CSV's rows, BATCH_ROWS at a time, cleaned and numbered; a doubt once all are read if
    the delimiters tell of a short row (polars pads it with empty cells)."""
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    mark = table.delimiter
    rows = pl.scan_csv(
        table.source,
        separator=mark,
        has_header=False,
        skip_rows=1,
        schema=dict.fromkeys(names, pl.String),
        empty_string_is_null=False,
        truncate_ragged_lines=False,  # a row with a cell too many is an error, hence a doubt
        raise_if_empty=False,
    )
    prepared = (
        rows.with_columns(
            pl.sum_horizontal(pl.col(n).str.count_matches(mark, literal=True) for n in names).alias(
                "delimiters"
            )
        )
        .with_columns(_cleaned(names))
        .with_row_index("row", offset=2)
    )
    total = marks = 0
    for batch in prepared.collect_batches(chunk_size=BATCH_ROWS):
        total += batch.height
        marks += batch.get_column("delimiters").sum()
        yield batch
    # The blank rows at the end are left out of the count: polars pads them (they hold no
    # statement either way); any other short row shows as missing delimiters.
    expected = (total - counts.blank_rows + 1) * (width - 1) + sum(
        h.count(mark) for h in table.headers
    )
    if counts.delimiters - counts.blank_delimiters != expected + marks:
        raise _Doubt


def _sheet_batches(table: Table, sheet: Sheet, positions: dict[str, int]) -> Iterator[pl.DataFrame]:
    """A workbook sheet's rows, BATCH_ROWS at a time, as text columns cleaned and numbered.

    A column of the sheet's kinds goes to text only where the row path reads the text the same
    way: a whole number in an integer, SDG or date column, a date in a date column; any other
    number, date or boolean is a doubt, so the row path says what it says of it (a code typed
    as a number lost its leading zero: `01` became 1.0). The sheet is read from its typed
    columns (fastexcel) when they tell; else from python-calamine's values, row by row."""
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    kinds = {positions[c.name]: c.kind for c in sheet.columns if c.name in positions}
    rows = table.typed
    if rows is None or not _numbers_read_alike(table):
        yield from _value_batches(table, kinds, names)
        return
    if rows.width != width:
        raise _Doubt
    for start in range(0, rows.height, BATCH_ROWS):
        part = rows.slice(start, BATCH_ROWS)
        texts = pl.DataFrame(
            [
                _column_text(c, kinds.get(i)).alias(f"c{i}")
                for i, c in enumerate(part.iter_columns())
            ]
        )
        yield texts.with_columns(_cleaned(names)).with_row_index("row", offset=start + 2)


def _numbers_read_alike(table: Table) -> bool:
    """Whether the columns read as text beside a view of their numbers (Table.numbers) read as
    the row path reads them: a number (or boolean) cell only when it is a whole number, which
    fastexcel writes as its digits, as the row path does."""
    numbers = table.numbers
    if numbers is None:
        return True
    return not any(
        (
            numbers.get_column(name).is_not_null()
            & ~table.typed.get_column(name).str.contains(WHOLE_NUMBER_TEXT)
        ).any()
        for name in numbers.columns
    )


def _column_text(column: pl.Series, kind: str | None) -> pl.Series:
    """One typed column as the text the row path reads from its cells, or a doubt."""
    dtype = column.dtype
    if dtype == pl.String:
        return column.fill_null("")
    if dtype == pl.Null:
        return pl.Series(column.name, [""] * len(column), dtype=pl.String)
    if kind is None and dtype != pl.Boolean:
        # A column without a header: only whether a cell is blank matters.
        return column.cast(pl.String).fill_null("")
    if dtype.is_numeric() and kind in WHOLE_NUMBER_KINDS:
        whole = column.drop_nulls().cast(pl.Float64)
        if not ((whole == whole.round()) & (whole.abs() < 2**53)).all():
            raise _Doubt
        return column.cast(pl.Int64).cast(pl.String).fill_null("")
    if dtype in (pl.Date, pl.Datetime) and kind in DATE_KINDS:
        return column.cast(pl.Date).dt.to_string("%Y-%m-%d").fill_null("")
    raise _Doubt


def _value_batches(table: Table, kinds: dict[int, str], names: list[str]) -> Iterator[pl.DataFrame]:
    """A sheet's rows, BATCH_ROWS at a time, from python-calamine's values, as text columns
    cleaned and numbered."""
    width = len(names)
    rows = table.cells()
    next(rows, None)  # the header
    number = 2
    while batch := list(islice(rows, BATCH_ROWS)):
        if any(len(cells) != width for cells in batch):
            raise _Doubt
        columns = [
            _as_text(column, kinds.get(i)) for i, column in enumerate(zip(*batch, strict=True))
        ]
        frame = pl.DataFrame(
            dict(zip(names, columns, strict=True)), schema=dict.fromkeys(names, pl.String)
        )
        yield frame.with_columns(_cleaned(names)).with_row_index("row", offset=number)
        number += len(batch)


def _as_text(column: tuple[object, ...], kind: str | None) -> pl.Series:
    """One column of a batch as text (see _sheet_batches), or a doubt."""
    try:
        return pl.Series(column, dtype=pl.String, strict=True)
    except TypeError:
        pass  # not all text: value by value
    texts = []
    for value in column:
        if isinstance(value, str):
            texts.append(value)
        elif kind is None and not isinstance(value, bool):
            texts.append(str(value))  # a column without a header: only blank or not matters
        elif kind in WHOLE_NUMBER_KINDS and (
            (isinstance(value, float) and value.is_integer())
            or (isinstance(value, int) and not isinstance(value, bool))
        ):
            texts.append(str(int(value)))
        elif isinstance(value, dt.date) and kind in DATE_KINDS:
            day = value.date() if isinstance(value, dt.datetime) else value
            texts.append(day.isoformat())
        else:
            raise _Doubt
    return pl.Series(texts, dtype=pl.String)


def _convert(converter, index, table, sheet, positions, batches, sink) -> None:
    """One streamed pass: each batch of rows is checked, then its statements are written."""
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    cells = [pl.col(n) for n in names]
    blank = pl.all_horizontal(c == "" for c in cells)
    example = ~blank & pl.any_horizontal(c.str.starts_with(EXAMPLE_PREFIX) for c in cells)
    key = sheet.key
    key_cell = f"c{positions[key.name]}"
    present = [(s, f"c{positions[s.name]}") for s in sheet.columns[1:] if s.name in positions]
    required = [cell for s, cell in present if s.required]
    state = _State(converter, table, index)
    try:
        for batch in batches:
            flags = batch.select(
                blank.alias("blank"),
                example.alias("example"),
                pl.max_horizontal(c.str.len_chars() for c in cells).alias("longest"),
            )
            if (flags.get_column("longest").max() or 0) > MAX_CELL_CHARS:
                raise _Doubt
            state.examples += flags.get_column("example").sum()
            kept = batch.filter(~flags.get_column("blank") & ~flags.get_column("example"))
            if any((kept.get_column(c) == "").any() for c in required):
                raise _Doubt
            ids = kept.get_column(key_cell)
            if (ids == "").any() or not ids.str.contains(SLUG_PATTERN).all():
                raise _Doubt  # minted or prefixed identifiers: the row path
            state.nodes.append(
                kept.select((converter.base + pl.col(key_cell)).alias("node"), "row")
            )
            subject = pl.lit("<" + converter.base) + pl.col(key_cell) + pl.lit(">")
            lines = []
            if key.kind == "id":
                lines.append(subject + pl.lit(f" <{RDF_TYPE.value}> <{sheet.rdf_class}> ."))
            lines += [state.statements(spec, kept, cell, subject) for spec, cell in present]
            statements = pl.concat_str(lines, separator="\n", ignore_nulls=True).alias("line")
            # One record per row, its statements separated by line breaks: written unquoted,
            # they are N-Triples lines.
            kept.select(statements).filter(pl.col("line") != "").write_csv(
                sink, include_header=False, quote_style="never", batch_size=WRITE_BATCH
            )
    except pl.exceptions.PolarsError:
        raise _Doubt from None
    nodes = pl.concat(state.nodes) if state.nodes else pl.DataFrame({"node": [], "row": []})
    iris = nodes.get_column("node")
    if iris.is_empty():
        raise _Doubt
    if key.kind == "id":
        if iris.is_duplicated().any() or _defined_among(converter, iris).any():
            raise _Doubt
        converter.bulk_ids.append((sheet.name, iris))
    else:
        _check_refs(converter, iris.unique(), key.target_sheets)
    for spec, found in state.slugs.items():
        _check_refs(converter, converter.base + pl.concat(found).unique(), spec.target_sheets)
    for node, sheets, _ in converter.pending[state.pending :]:
        _check_refs(converter, pl.Series([node]), sheets)
    del converter.pending[state.pending :]
    converter.out.rows += len(nodes)
    converter.out.skipped_examples += state.examples
    converter.out.bulk.append((index, nodes))


class _State:
    """What one table's batches have found so far: the terms of the values met (each through the
    row path's own conversion, once), the identifiers to check at the end."""

    def __init__(self, converter, table: Table, index: int) -> None:
        self.converter = converter
        self.table = table
        self.index = index
        self.terms: dict[str, dict[str, str]] = {}  # column -> value -> term
        self.joined: dict[str, dict[str, str]] = {}  # column -> multi-valued cell -> terms
        self.slugs: dict[Column, list[pl.Series]] = {}  # references by identifier, per column
        self.nodes: list[pl.DataFrame] = []
        self.examples = 0
        self.pending = len(converter.pending)

    def statements(self, spec: Column, kept: pl.DataFrame, cell: str, subject: pl.Expr) -> pl.Expr:
        """The statements of one column in this batch, one per line (null for an empty cell)."""
        if spec.inverse:
            prefix, suffix = pl.lit(""), pl.lit(f" <{spec.predicate}> ") + subject + pl.lit(" .")
        else:
            prefix, suffix = subject + pl.lit(f" <{spec.predicate}> "), pl.lit(" .")
        value = pl.col(cell)
        if spec.kind in ("text", "string"):
            return _lines(spec, value, _literal_term(spec), prefix, suffix)
        parts = kept.select(pl.col("row"), value.alias("value"))
        if spec.separator:
            parts = parts.with_columns(pl.col("value").str.split(spec.separator)).explode("value")
            parts = parts.with_columns(pl.col("value").str.strip_chars())
        parts = parts.filter(pl.col("value") != "")
        by_slug = (
            pl.col("value").str.contains(SLUG_PATTERN)
            & ~(pl.col("value").str.contains(ISO_LIKE) & (spec.kind == "territory"))
            if spec.kind in ("ref", "territory")
            else pl.lit(False)
        )
        parts = parts.with_columns(by_slug.alias("slug"))
        slugs = parts.filter("slug").get_column("value").unique()
        if len(slugs):
            self.slugs.setdefault(spec, []).append(slugs)
        terms = self.terms.setdefault(spec.name, {"": ""})
        others = parts.filter(~pl.col("slug")).group_by("value").agg(pl.col("row").min())
        for text, row in others.filter(~pl.col("value").is_in(list(terms))).iter_rows():
            terms[text] = self._term(spec, text, row)
        base = self.converter.base

        def by_iri(v: pl.Expr) -> pl.Expr:
            return pl.lit("<" + base) + v + pl.lit(">")

        if others.is_empty():
            return _lines(spec, value, by_iri, prefix, suffix)
        if not spec.separator and slugs.is_empty():
            return _lines(
                spec,
                value,
                lambda v: v.replace_strict(terms, return_dtype=pl.String),
                prefix,
                suffix,
            )
        # Mixed or coded multi-valued cells: each distinct cell mapped whole (a few dozen
        # combinations) to its terms joined by JOINT; a lookup per part inside each row's list
        # costs polars far more.
        joined = self.joined.setdefault(spec.name, {"": ""})
        for text in kept.get_column(cell).unique().to_list():
            if text not in joined:
                joined[text] = JOINT.join(
                    terms.get(p) or f"<{base}{p}>"
                    for p in (_split(text, spec.separator) if spec.separator else [text])
                )
        mapped = value.replace_strict(joined, return_dtype=pl.String)
        lines = mapped.str.split(JOINT).list.join(suffix + pl.lit("\n") + prefix)
        return pl.when(mapped != "").then(prefix + lines + suffix)

    def _term(self, spec: Column, value: str, row: int) -> str:
        converter = self.converter
        before = len(converter.out.problems)
        where = {"sheet": self.table.sheet}
        term = converter.term(self.table, spec, value, where, converter.origin_at(self.index, row))
        if term is None or len(converter.out.problems) > before:
            raise _Doubt
        return term


def _literal_term(spec: Column) -> Callable[[pl.Expr], pl.Expr]:
    """A text cell's RDF literal, escaped as N-Triples wants, with the column's language."""

    def term(value: pl.Expr) -> pl.Expr:
        escaped = (
            value.str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all('"', '\\"', literal=True)
            .str.replace_all("\n", "\\n", literal=True)
            .str.replace_all("\r", "\\r", literal=True)
        )
        return pl.lit('"') + escaped + pl.lit(f'"@{spec.lang}' if spec.lang else '"')

    return term


def _lines(
    spec: Column,
    value: pl.Expr,
    term: Callable[[pl.Expr], pl.Expr],
    prefix: pl.Expr,
    suffix: pl.Expr,
) -> pl.Expr:
    """prefix + term + suffix for the cell (each part of a multi-valued one, a line each)."""
    if not spec.separator:
        return pl.when(value != "").then(prefix + term(value) + suffix)
    parts = value.str.split(spec.separator).list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
    )
    terms = parts.list.eval(term(pl.element()))
    joined = terms.list.join(suffix + pl.lit("\n") + prefix)
    return pl.when(terms.list.len() > 0).then(prefix + joined + suffix)


def _split(cell: str, separator: str) -> list[str]:
    """The parts of a multi-valued cell, as the row path reads them."""
    return [p.strip() for p in cell.split(separator) if p.strip()]


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
