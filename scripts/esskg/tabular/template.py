"""The `template` verb, and the writers `export` shares: an XLSX workbook (one sheet per kind,
help in cell comments, drop-down lists from the SKOS schemes on a hidden sheet) or a folder of
CSV tables with their CSVW metadata."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from esskg.atomic import output_folder, write_atomically
from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.load import load_dataset
from esskg.resources import project
from esskg.tabular import csvw
from esskg.tabular.spec import Column, Vocabulary, load_spec

LISTS_SHEET = "listes"
HELP_SHEET = "aide"
# Cells a spreadsheet would run as a formula (OWASP "CSV injection"); written with a quote first.
FORMULA_START = ("=", "+", "-", "@")
# Text formatting keeps leading zeros and codes as typed (01, 2A004, 2.10).
_TEXT_KINDS = frozenset({"id", "subject", "string", "isocode", "sdg", "ref", "territory", "code"})
_DROPDOWN_CHARS = 90

Rows = dict[str, list[list[str]]]


def example_rows() -> Rows:
    """One example row per sheet, from the spec; its identifiers start with `exemple-`, which
    the importer recognises and leaves out."""
    return {s.name: [[c.example for c in s.columns]] for s in load_spec()}


def workbook_bytes(rows: Rows, vocabulary: Vocabulary, *, example: bool) -> bytes:
    book = Workbook()
    book.remove(book.active)
    lists = _lists_sheet(book, vocabulary)
    grey = Font(italic=True, color="808080")
    for sheet in load_spec():
        ws = book.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index, value=column.name)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7" if column.required else "F2F2F2")
            required = "Obligatoire. " if column.required else ""
            cell.comment = Comment(
                f"{required}{column.help_fr}\n\n(en) {column.help_en}", "esskg", 160, 320
            )
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(14, min(40, len(column.name) + 6))
            if column.kind in _TEXT_KINDS:
                ws.column_dimensions[letter].number_format = "@"
            _dropdown(ws, lists, column, letter)
        body = ([[c.example for c in sheet.columns]] if example else []) + rows.get(sheet.name, [])
        for r, values in enumerate(body, start=2):
            for c, value in enumerate(values, start=1):
                if value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.number_format = "@"
                if example and r == 2:
                    cell.font = grey
    _help_sheet(book)
    # Last, so a person opening the workbook lands on the first sheet to fill in.
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames) - 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _lists_sheet(book: Workbook, vocabulary: Vocabulary) -> dict[str, str]:
    """The hidden sheet of drop-down values, one column per list; returns list -> range."""
    ws = book.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    ranges: dict[str, str] = {}
    named = [(iri, s.choices()) for iri, s in sorted(vocabulary.schemes.items())]
    named.append(("sdg", [_short(c) for c in vocabulary.sdg_choices()]))
    for index, (key, values) in enumerate(named, start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index, value=key)
        for r, value in enumerate(values, start=2):
            cell = ws.cell(row=r, column=index, value=value)
            cell.data_type = "s"
        ranges[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _short(text: str) -> str:
    return text if len(text) <= _DROPDOWN_CHARS else text[: _DROPDOWN_CHARS - 1] + "…"


def _dropdown(ws, lists: dict[str, str], column: Column, letter: str) -> None:
    key = column.target if column.kind == "code" else "sdg" if column.kind == "sdg" else None
    if key is None or key not in lists:
        return
    # A list cell holds one value: with a separator the list only suggests, it does not refuse.
    strict = not column.separator
    validation = DataValidation(
        type="list",
        formula1=lists[key],
        allow_blank=True,
        showErrorMessage=strict,
        errorTitle="esskg",
        error="Choisissez une valeur de la liste / choose a value from the list",
    )
    validation.add(f"{letter}2:{letter}5000")
    ws.add_data_validation(validation)


def _help_sheet(book: Workbook) -> None:
    ws = book.create_sheet(HELP_SHEET)
    ws.append(["feuille", "colonne", "obligatoire", "aide", "help", "exemple"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for sheet in load_spec():
        for c in sheet.columns:
            ws.append([sheet.name, c.name, "oui" if c.required else "", c.help_fr, c.help_en])
            ws.cell(row=ws.max_row, column=6, value=c.example).data_type = "s"
    for letter, width in zip("ABCDEF", (14, 18, 11, 70, 70, 28), strict=True):
        ws.column_dimensions[letter].width = width


def csv_bytes(sheet_name: str, rows: list[list[str]]) -> bytes:
    """One sheet as CSV: UTF-8 with a BOM (Excel shows the accents), `;`, formulas neutralised."""
    sheet = next(s for s in load_spec() if s.name == sheet_name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csvw.CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.name for c in sheet.columns])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def neutralise(value: str) -> str:
    """A cell a spreadsheet will not run: text starting = + - @ gets a leading quote."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_tables(
    target: Path, rows: Rows, vocabulary: Vocabulary, base: str, *, example: bool
) -> list[Path]:
    """Write the workbook (target.xlsx) or the CSV folder (any other target); returns the files."""
    if target.suffix.lower() == ".xlsx":
        write_atomically(target, workbook_bytes(rows, vocabulary, example=example))
        return [target]
    if target.suffix:
        raise EsskgError(
            say(
                f"{display_path(target)} : écrivez un classeur (nom fini par .xlsx) ou un dossier "
                "(un nom sans extension) pour des tables CSV",
                f"{display_path(target)}: write a workbook (name ending in .xlsx) or a folder "
                "(a name without extension) for CSV tables",
            )
        )
    written = []
    with output_folder(target):
        for sheet in load_spec():
            body = ([[c.example for c in sheet.columns]] if example else []) + rows.get(
                sheet.name, []
            )
            path = target / f"{sheet.name}.csv"
            write_atomically(path, csv_bytes(sheet.name, body))
            written.append(path)
        path = target / "csv-metadata.json"
        write_atomically(path, csvw.metadata_bytes(base))
        written.append(path)
    return written


def vocabulary_of(root: Path | None) -> Vocabulary:
    return Vocabulary.from_dataset(load_dataset(include_project_data=False, root=root))


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "template",
        help=say(
            "écrit le tableur à remplir (XLSX, ou un dossier de CSV + métadonnées CSVW)",
            "write the spreadsheet to fill in (XLSX, or a folder of CSV + CSVW metadata)",
        ),
        description=say(
            "Écrit le modèle de saisie : une feuille par sorte (territoires, acteurs, "
            "partenariats, axes, actions, participations, publics, odd, programmes, appels, "
            "evenements), une aide sur chaque en-tête, des listes déroulantes tirées des "
            "vocabulaires contrôlés d'esskg, une ligne d'exemple (ses identifiants commencent "
            "par 'exemple-' : l'import la laisse de côté). -o DOSSIER écrit les mêmes tables "
            "en CSV avec un csv-metadata.json CSVW du W3C.",
            "Write the input template: one sheet per kind (territoires, acteurs, partenariats, "
            "axes, actions, participations, publics, odd, programmes, appels, evenements), help "
            "on each header, drop-down lists from esskg's controlled vocabularies, an example "
            "row (its identifiers start with 'exemple-': import leaves it out). -o DIR writes "
            "the same tables as CSV with a W3C CSVW csv-metadata.json.",
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("modele-esskg.xlsx"),
        metavar=say("SORTIE", "OUTPUT"),
        help=say("FICHIER.xlsx, ou un dossier", "FILE.xlsx or a folder"),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    layout = project(args.root)
    written = write_tables(
        args.output, {}, vocabulary_of(layout.root), layout.base_iri, example=True
    )
    for path in written:
        print(
            say(f"esskg : {display_path(path)} écrit", f"esskg: wrote {display_path(path)}"),
            file=sys.stderr,
        )
    return 0
