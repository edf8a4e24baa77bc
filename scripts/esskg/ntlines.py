"""N-Triples text as a column of lines (polars), and back: the form in which `build`,
`validate` and the on-disk index handle a whole graph without a Python object a statement.

The text is N-Triples as pyoxigraph writes it: one statement a line, single spaces between the
terms, every control character of a literal escaped. polars is imported where it is used:
`esskg query` reaches this module through esskg.store and never needs it (0.17 s to import).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def ntriples_series(text: bytes) -> pl.Series:
    """The lines of N-Triples `text` as pyoxigraph writes it, without their newlines.

    Read as a one-column CSV whose separator (U+0001) and quote (none) never occur: pyoxigraph
    escapes every control character in a literal and no IRI holds one. A tenth of a second a
    million lines, where splitting in Python took seconds.
    """
    import polars as pl

    if not text:
        return no_lines()
    return pl.read_csv(
        text,
        has_header=False,
        separator="\x01",
        quote_char=None,
        new_columns=["line"],
        infer_schema=False,
    ).to_series()


def ntriples_text(lines: pl.Series) -> bytes:
    """N-Triples `lines` (without their newlines) as one text, each line ended by a newline."""
    buffer = io.BytesIO()
    lines.to_frame().write_csv(
        buffer, include_header=False, quote_style="never", line_terminator="\n"
    )
    return buffer.getvalue()


def no_lines() -> pl.Series:
    """A column of no lines, of the type ntriples_series() gives."""
    import polars as pl

    return pl.Series("line", [], dtype=pl.String)
