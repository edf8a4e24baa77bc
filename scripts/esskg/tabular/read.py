"""Reading spreadsheets: XLSX and ODS with python-calamine (row by row) and fastexcel (the same
reading into typed columns, for the bulk path), CSV with its encoding and delimiter found; every
row keeps the number a person sees in the spreadsheet (and, for CSV, its line).

Nothing is evaluated: a formula cell gives the value the spreadsheet saved with it. Files too big
to be a template, archives that inflate absurdly (a zip bomb named .xlsx) and cells longer than
a person types are refused before any work is done on them.
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import io
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import fastexcel
import polars as pl
import python_calamine

from esskg.errors import Problem, ProblemsError, display_path
from esskg.i18n import say
from esskg.tabular.spec import Sheet, sheet_named

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
# A 1M-row registry extract is ~100 MB as CSV; a hand-filled template is far smaller.
MAX_FILE_BYTES = 512 * 1024 * 1024
# What an XLSX/ODS may inflate to, in all, and member by member relative to its compressed size.
MAX_UNZIPPED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200
# Excel's own limit is 32,767; no description in a template comes near 10,000.
MAX_CELL_CHARS = 10_000
# Encodings French spreadsheet software writes, tried in order when the file is not UTF-8
# (a restricted charset-normalizer; unrestricted it guesses Korean for "Café;Évreux").
CANDIDATE_ENCODINGS = ("cp1252", "mac_roman", "cp850")
DELIMITERS = (";", ",", "\t")
CHUNK_BYTES = 1 << 24
# The encoding of a non-UTF-8 CSV is guessed from up to this much of its non-ASCII lines.
SAMPLE_BYTES = 1 << 20
NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
# A lowercase letter of French beside a lowercase letter: "numéro", "Maraîchage", "cœur".
FRENCH_IN_WORD = re.compile("[a-z][àâäçéèêëîïôöùûüÿœæ]|[àâäçéèêëîïôöùûüÿœæ][a-z]")
# Where Linux names a process's open files: an unnamed temporary file is opened again there.
PROC_FD = "/proc/self/fd"
# Rows polars writes at a time: its default (1,024) made writing the N-Triples 6x slower.
WRITE_BATCH = 65_536
# Sheets fastexcel reads at once: it parses outside Python's lock, so two sheets take the
# machine's two cores.
SHEET_THREADS = 2
# Column kinds whose cells may be whole numbers or text, read the same by the row path.
MIXED_KINDS = ("integer", "sdg")
# fastexcel logs a warning for each column with no value at all ("falling back to string"):
# nothing a person filling in a template can act on.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    cells: list[object]
    line: int | None = None  # first text line of a CSV record


@dataclass
class Table:
    file: Path
    sheet: str  # the sheet's name (XLSX/ODS); for CSV, set once the headers say which sheet
    headers: list[str]
    rows: Iterator[Row]
    is_csv: bool = False
    notes: list[str] = field(default_factory=list)  # warnings for stderr (encoding used ...)
    # What the bulk path (fast.py) reads a CSV from: the file itself when it is UTF-8, else its
    # UTF-8 copy (or, without /proc, that copy's bytes).
    source: Path | bytes | None = None
    delimiter: str = ","
    # A CSV not in UTF-8: its UTF-8 copy, an unnamed temporary file `source` names, kept open as
    # long as the table is.
    spool: IO[bytes] | None = None
    # What the bulk path reads a workbook's sheet from, and how many rows the sheet has. Best,
    # `typed`: the rows after the header read by fastexcel into columns that each hold one kind
    # of cell (text, number, date ...), no Python value per cell; a number's column mixing
    # numbers and text is text there, and `numbers` (its columns by the same names) is not null
    # exactly where a cell is a number or a boolean. Else `cells`: the rows afresh from row 1
    # and column A, python-calamine's values (text, floats, dates ...).
    typed: pl.DataFrame | None = None
    numbers: pl.DataFrame | None = None
    cells: Callable[[], Iterator[list[object]]] | None = None
    height: int = 0

    @property
    def display(self) -> str:
        return display_path(self.file)


def problem(file: Path | str, code: str, fr: str, en: str, **where: object) -> Problem:
    return Problem(file=display_path(file), code=code, message_fr=fr, message_en=en, **where)


def read_tables(path: Path, *, encoding: str | None = None) -> list[Table]:
    """The tables of one file: every non-empty sheet of a workbook, or the one table of a CSV."""
    path = Path(path)
    if not path.is_file():
        raise ProblemsError([problem(path, "io-error", "fichier introuvable", "no such file")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ProblemsError(
            [
                problem(
                    path,
                    "file-too-large",
                    f"fichier de {size // 2**20} Mo, au-delà de la limite de "
                    f"{MAX_FILE_BYTES // 2**20} Mo : découpez-le",
                    f"file of {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB "
                    "limit: split it",
                )
            ]
        )
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_workbook(path)
    if suffix in CSV_SUFFIXES:
        return [_read_csv(path, encoding)]
    raise ProblemsError(
        [
            problem(
                path,
                "format-error",
                f"type de fichier {suffix or '(sans extension)'} inconnu : esskg lit .xlsx, "
                ".ods et .csv",
                f"unknown file type {suffix or '(no extension)'}: esskg reads .xlsx, .ods and .csv",
            )
        ]
    )


def _read_workbook(path: Path) -> list[Table]:
    _check_archive(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for any unreadable file
        raise _unreadable(path, e) from None
    names = workbook.sheet_names
    del workbook  # each sheet is read on its own thread, with its own reader
    with ThreadPoolExecutor(SHEET_THREADS) as pool:
        found = pool.map(lambda name: _sheet_table(path, name), names)
        tables = [table for table in found if table is not None]
    _give_back_freed_memory()
    return tables


def _give_back_freed_memory() -> None:
    """Return to the system what parsing the sheets freed. fastexcel parses with the C library's
    allocator, which keeps freed memory for itself (an arena per thread); polars, converting
    next, allocates with its own and cannot reuse it: 1M rows peaked at 1.07 GB, 0.84 GB with
    this. glibc only (malloc_trim, found among the symbols the process has loaded); elsewhere
    nothing is done."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def _unreadable(path: Path, error: Exception) -> ProblemsError:
    return ProblemsError(
        [
            problem(
                path,
                "format-error",
                f"classeur illisible ({error}) : enregistrez-le de nouveau en .xlsx ou .ods",
                f"unreadable workbook ({error}): save it again as .xlsx or .ods",
            )
        ]
    )


def _sheet_table(path: Path, name: str) -> Table | None:
    """One sheet as a table (None when it is empty): typed columns when fastexcel can tell what
    the row path would read; else python-calamine's header and, for the bulk path, its values."""
    spec = sheet_named(name)
    if spec is not None and (table := _typed_table(path, name, spec)) is not None:
        return table
    try:
        sheet = _calamine_sheet(path, name)
    except Exception as e:  # a sheet calamine cannot parse (a damaged or forged file)
        raise _unreadable(path, e) from None
    if not sheet.height:
        return None
    # skip_empty_area=False: row i of the list is row i+1 of the sheet, as a person sees it.
    first = sheet.to_python(skip_empty_area=False, nrows=1)
    headers = [_header(v) for v in first[0]] if first else []
    # iter_rows() starts at row 1 but at the sheet's first used column: the bulk path reads it
    # only when that is column A, so that columns are where headers are.
    at_a1 = sheet.start == (0, 0)
    return Table(
        path,
        name,
        headers,
        _sheet_rows(sheet),
        cells=sheet.iter_rows if at_a1 else None,
        height=sheet.height,
    )


def _typed_table(path: Path, name: str, spec: Sheet) -> Table | None:
    """The sheet read by fastexcel, its header in row 1 and its first column A; None when it
    cannot be read so (a column mixing kinds of cells where the kind is not a number's, a
    header that is not one of the template's, python-calamine's reading of which the row path
    shows) or is empty."""
    reader = fastexcel.read_excel(path)
    # Header in row 1 and rows from row 2, blank ones included (skip_rows=0: none skipped);
    # the kinds of all cells, not of the first thousand.
    options = {"header_row": 0, "skip_rows": 0, "schema_sample_rows": None}
    # A whole number's columns (SDG goal, count) may mix numbers and text (goals typed as
    # numbers beside targets typed as `2.4`): read as text, beside a view not null exactly where
    # a cell is a number or a boolean (fastexcel reads those, and no text, as booleans). Every
    # other column must hold one kind of cell.
    as_text = {c.name for c in spec.columns if c.kind in MIXED_KINDS}
    try:
        sheet = reader.load_sheet(
            name, dtype_coercion="strict", dtypes=dict.fromkeys(as_text, "string"), **options
        )
        present = [c.name for c in sheet.selected_columns if c.name in as_text]
        numbers = (
            reader.load_sheet(name, use_columns=present, dtypes="boolean", **options)
            if present
            else None
        )
    except fastexcel.FastExcelError:
        return None  # mixed kinds, or something python-calamine will say in its own words
    except BaseException as e:
        # A panic in fastexcel's Rust code (pyo3 raises it outside Exception) on a file it
        # cannot read: python-calamine's reading says what is wrong, in a person's words.
        if type(e).__name__ != "PanicException":
            raise
        return None
    columns = sheet.selected_columns
    headers = [c.name.strip() for c in columns]
    if (
        [c.absolute_index for c in columns] != list(range(sheet.width))
        # A header fastexcel made up (an empty or boolean cell, a duplicate's "_1"), or its
        # reading of a number or a date, is left to python-calamine: only the template's
        # headers, each once, are taken as they are.
        or any(c.column_name_from != "looked_up" for c in columns)
        or not set(headers) <= {c.name for c in spec.columns}
        or len(set(headers)) != len(headers)
        or not headers
    ):
        return None
    return Table(
        path,
        name,
        headers,
        _rows_when_read(path, name),
        typed=sheet.to_polars(),
        numbers=numbers.to_polars() if numbers is not None else None,
        cells=lambda: _calamine_sheet(path, name).iter_rows(),
        height=sheet.height + 1,
    )


def _calamine_sheet(path: Path, name: str) -> python_calamine.CalamineSheet:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name)


def _rows_when_read(path: Path, name: str) -> Iterator[Row]:
    """A sheet's rows for the row path, parsed by python-calamine only if they are read (the
    bulk path usually converts the sheet from its typed columns)."""
    yield from _sheet_rows(_calamine_sheet(path, name))


def _sheet_rows(sheet: python_calamine.CalamineSheet) -> Iterator[Row]:
    """The rows after the header, as the spreadsheet numbers them; read only when iterated (the
    bulk path may have converted the sheet already)."""
    for i, cells in enumerate(sheet.to_python(skip_empty_area=False)):
        if i > 0:
            yield Row(i + 1, list(cells))


def _check_archive(path: Path) -> None:
    """Refuse a workbook that would inflate beyond reason before calamine unpacks it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ProblemsError(
            [
                problem(
                    path,
                    "format-error",
                    "ce n'est pas un classeur .xlsx/.ods (archive illisible) : enregistrez-le de "
                    "nouveau depuis votre tableur",
                    "not an .xlsx/.ods workbook (unreadable archive): save it again from your "
                    "spreadsheet program",
                )
            ]
        ) from None
    total = sum(m.file_size for m in members)
    bomb = total > MAX_UNZIPPED_BYTES or any(
        m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if bomb:
        raise ProblemsError(
            [
                problem(
                    path,
                    "zip-bomb",
                    f"ce classeur se décompresse en {total // 2**20} Mo (taux de compression "
                    "anormal) : refusé ; ce n'est pas un classeur ordinaire",
                    f"this workbook inflates to {total // 2**20} MB (abnormal compression "
                    "ratio): refused; it is not an ordinary workbook",
                )
            ]
        )


def _header(value: object) -> str:
    return str(value).strip() if value is not None else ""


def transcoded(path: Path, encoding: str | None = None) -> tuple[IO[bytes], str]:
    """The CSV file's text as UTF-8 in an unnamed temporary file (read from its start), and the
    encoding it was read with; streamed, so a million-row file is never held whole.

    A BOM decides; else `encoding`; else the best of a few encodings French software writes,
    guessed from the lines that are not plain ASCII (the caller read a UTF-8 file itself). The
    file has no name: the system removes it when it is closed or esskg ends, killed or not.
    """
    if not encoding:
        with path.open("rb") as stream:
            head = stream.read(4)
        for bom, name in (
            (codecs.BOM_UTF8, "utf-8-sig"),
            (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"),
        ):
            if head.startswith(bom):
                encoding = name
                break
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ProblemsError(
                [
                    problem(
                        path,
                        "encoding-error",
                        f"encodage inconnu {encoding!r} (essayez utf-8 ou cp1252)",
                        f"unknown encoding {encoding!r} (try utf-8 or cp1252)",
                    )
                ]
            ) from None
        return _transcode(path, encoding), encoding
    from charset_normalizer import from_bytes

    matches = list(from_bytes(_non_ascii_lines(path), cp_isolation=list(CANDIDATE_ENCODINGS)))
    # charset-normalizer ranks by its "chaos" score, which a euro sign beside a number raises
    # enough to prefer mac_roman for Windows-1252 French ("Maraîchage" read "MaraÓchage"). The
    # right reading of French is the one whose accented letters sit inside words.
    best = max(matches, key=lambda m: len(FRENCH_IN_WORD.findall(str(m))), default=None)
    if best is not None and best.encoding:
        try:
            return _transcode(path, best.encoding), best.encoding
        except ProblemsError:
            pass  # not that one either: say where UTF-8 fails, as for no guess at all
    _transcode(path, "utf-8")  # raises the problem at the first byte that is not UTF-8
    raise AssertionError("a file that is not UTF-8 decoded as UTF-8")


def _non_ascii_lines(path: Path) -> bytes:
    """The lines holding bytes beyond ASCII, up to SAMPLE_BYTES: what tells encodings apart."""
    found: list[bytes] = []
    size = 0
    with path.open("rb") as stream:
        while size < SAMPLE_BYTES and (chunk := stream.read(CHUNK_BYTES)):
            for match in NON_ASCII_LINE.finditer(chunk):
                found.append(match.group())
                size += len(match.group()) + 1
                if size >= SAMPLE_BYTES:
                    break
    return b"\n".join(found)


def _transcode(path: Path, encoding: str) -> IO[bytes]:
    """`path` decoded from `encoding` into a temporary UTF-8 file, piece by piece; a problem at
    the first byte that does not decode (its line, and its column in characters)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    spool = tempfile.TemporaryFile(prefix="esskg-utf8-")  # noqa: SIM115 (the caller keeps it)
    line = 1
    rest = b""
    first = True
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            # Whole lines at a time, so that a problem's line and column are counted in one piece.
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            piece, rest = data[:cut], data[cut:]
            try:
                text = decoder.decode(piece, final=not chunk)
            except UnicodeDecodeError as e:
                spool.close()
                raise ProblemsError([_decode_problem(piece, path, encoding, e, line)]) from None
            if first:
                text, first = text.lstrip("\ufeff"), False
            spool.write(text.encode("utf-8"))
            line += piece.count(b"\n")
            if not chunk:
                break
    spool.seek(0)
    return spool


def _decode_problem(
    data: bytes, path: Path, encoding: str, error: UnicodeDecodeError, first_line: int = 1
) -> Problem:
    start = data.rfind(b"\n", 0, error.start) + 1
    line = first_line + data.count(b"\n", 0, error.start)
    column = len(data[start : error.start].decode(encoding, errors="replace")) + 1
    byte = data[error.start : error.start + 1].hex()
    return problem(
        path,
        "encoding-error",
        f"l'octet 0x{byte} (colonne {column}) n'est pas du texte en {encoding} ni dans un "
        "encodage courant : enregistrez le fichier en « CSV UTF-8 »",
        f"byte 0x{byte} (column {column}) is not text in {encoding} nor in a common "
        "encoding: save the file as 'CSV UTF-8'",
        line=line,
    )


def _read_csv(path: Path, encoding: str | None) -> Table:
    """A CSV table, read as it is iterated: a million-row UTF-8 extract is never held whole."""
    if encoding in (None, "utf-8", "utf8", "utf-8-sig") and _is_utf8(path):
        used = "utf-8-sig" if _starts_with(path, codecs.BOM_UTF8) else "utf-8"

        def open_text() -> TextIO:
            return path.open(encoding="utf-8-sig", newline="")

        source: Path | bytes = path
        spool: IO[bytes] | None = None
    else:
        spool, used = transcoded(path, encoding)
        if Path(PROC_FD).is_dir():
            # polars and the row path open the unnamed file through its descriptor's name.
            source = Path(PROC_FD) / str(spool.fileno())

            def open_text() -> TextIO:
                return source.open(encoding="utf-8", newline="")

        else:  # no /proc (macOS, Windows): the UTF-8 text in memory, as bytes
            source = spool.read()
            spool.close()
            spool = None
            data = source

            def open_text() -> TextIO:
                return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")

    with open_text() as stream:
        first = stream.readline()
    delimiter = max(DELIMITERS, key=first.count)
    notes = []
    if used not in ("utf-8", "utf-8-sig"):
        where = display_path(path)
        notes.append(
            say(
                f"{where} : lu en {used} (pas en UTF-8) ; vérifiez les accents, ou enregistrez "
                "le fichier en « CSV UTF-8 »",
                f"{where}: read as {used} (not UTF-8); check the accents, or save the file as "
                "'CSV UTF-8'",
            )
        )
    with open_text() as stream:
        header = next(csv.reader(stream, delimiter=delimiter), [])
    headers = [h.strip() for h in header]

    def rows() -> Iterator[Row]:
        with open_text() as stream:
            reader = csv.reader(stream, delimiter=delimiter)
            number = 1
            try:
                next(reader, None)
                previous_line = reader.line_num
                for cells in reader:
                    number += 1
                    yield Row(number, list(cells), previous_line + 1)
                    previous_line = reader.line_num
            except csv.Error as e:
                raise ProblemsError(
                    [
                        problem(
                            path,
                            "format-error",
                            f"CSV mal formé ({e}) : un guillemet n'est pas refermé ?",
                            f"malformed CSV ({e}): an unclosed quote?",
                            line=reader.line_num,
                        )
                    ]
                ) from None

    return Table(
        path,
        "",
        headers,
        rows(),
        is_csv=True,
        notes=notes,
        source=source,
        delimiter=delimiter,
        spool=spool,
    )


def _is_utf8(path: Path) -> bool:
    """Whether the file is UTF-8 text, checked piece by piece (no copy of the whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _starts_with(path: Path, prefix: bytes) -> bool:
    with path.open("rb") as stream:
        return stream.read(len(prefix)) == prefix
