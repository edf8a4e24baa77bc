"""Measure spreadsheet import at registry scale; prints the figures docs/benchmarks.md quotes.

    python tools/bench-tabular.py --rows 1000000 [--workdir DIR] [--xlsx-rows 100000]
        [--form csv|cp1252|trailing|xlsx|xlsx-one-sheet]

1. Writes a registry-like extract: N actors (codes, ISO territories, multi-valued cells,
   quoted multi-line text) and N SDG links (one per actor): CSV in UTF-8 with `;` (--form csv),
   the same in Windows-1252 as French Excel saves it (cp1252), in UTF-8 ending with the blank
   rows spreadsheet software leaves (trailing), one XLSX workbook with both sheets (xlsx), or
   the 2N actors alone in one sheet (xlsx-one-sheet: its reading cannot use two threads).
2. Conversion: read, map to RDF, write N-Triples (before validation): rows per second.
3. End to end: `esskg import` into a fresh workspace (conversion, SHACL validation of the imported
   nodes with what they refer to, Turtle written atomically), as a person runs it.
4. Reading an XLSX of --xlsx-rows rows: python-calamine against openpyxl (read-only mode).
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ["Association", "Coopérative", "Réseau", "Structure de l'ESS"]
FIELDS = ["Agroécologie", "Permaculture | Maraîchage bio", "Commerce équitable", ""]
PLACES = ["FR-OCC", "TN-82", "FR-NOR", "MA", "FR-BRE | FR-NAQ"]
HEADERS = ["id", "nom_fr", "nom_en", "nature", "implante_dans", "champs", "description_fr"]
GOALS = ("2", "8.3", "17.17", "5")


def actor(i: int) -> list[str]:
    # Word's apostrophe and the euro sign: what only Windows-1252 of the three encodings has.
    text = "Texte sur\ndeux lignes ; « cité »" if i % 50 == 0 else f"Objet social n\u2019{i} (10 €)"
    name = f"Association numéro {i}"
    return [
        f"acteur-{i}",
        name,
        f"Association {i}",
        KINDS[i % 4],
        PLACES[i % 5],
        FIELDS[i % 4],
        text,
    ]


def write_registry(folder: Path, rows: int, form: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if form == "xlsx":
        write_workbook(folder / "registre.xlsx", rows)
        return
    if form == "xlsx-one-sheet":
        write_one_sheet(folder / "acteurs.xlsx", 2 * rows)
        return
    encoding = "cp1252" if form == "cp1252" else "utf-8"
    with (folder / "acteurs.csv").open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(HEADERS)
        writer.writerows(actor(i) for i in range(rows))
        if form == "trailing":
            out.write(";;;;;;\n\n\n")  # as LibreOffice leaves rows once filled, then cleared
    with (folder / "odd.csv").open("w", encoding=encoding) as out:
        out.write("element;odd\n")
        for i in range(rows):
            out.write(f"acteur-{i};{GOALS[i % 4]}\n")
        if form == "trailing":
            out.write("\r\n;\n")


def write_workbook(path: Path, rows: int) -> None:
    """The same extract as one workbook, its SDG goals typed as numbers where they are whole."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    _actors_sheet(book, rows)
    links = book.create_sheet("odd")
    links.append(["element", "odd"])
    for i in range(rows):
        goal = GOALS[i % 4]
        links.append([f"acteur-{i}", int(goal) if goal.isdigit() else goal])
    book.save(path)


def _actors_sheet(book, rows: int) -> None:  # book: an openpyxl write-only Workbook
    actors = book.create_sheet("acteurs")
    actors.append(HEADERS)
    for i in range(rows):
        actors.append([cell or None for cell in actor(i)])


def write_one_sheet(path: Path, rows: int) -> None:
    """`rows` actors in one sheet: a workbook whose sheets cannot be read on two threads."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    _actors_sheet(book, rows)
    book.save(path)


def conversion(folder: Path, root: Path) -> tuple[float, float, float, float, int, int]:
    from esskg.load import load_dataset
    from esskg.tabular.mapping import Converter, GraphIndex, write_ntriples
    from esskg.tabular.read import read_tables
    from esskg.tabular.spec import Vocabulary

    dataset = load_dataset(include_project_data=False, root=root)
    vocabulary, index = Vocabulary.from_dataset(dataset), GraphIndex.from_dataset(dataset)
    start, cpu = time.perf_counter(), time.process_time()
    tables = [t for p in sorted(folder.iterdir()) for t in read_tables(p)]
    # Reading apart: for a workbook, fastexcel parsing its sheets (on two threads).
    read_s, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    written = folder.parent / "out.nt"
    # The N-Triples go to the file as converted; sorting is the import's writing step.
    with written.open("wb") as out:
        converter = Converter(vocabulary, "https://data.example.org/id/", index, sink=out)
        result = converter.convert(tables)
        if result.problems:
            raise SystemExit(f"unexpected problems: {result.problems[:3]}")
        if len(result.bulk) != len(tables):
            raise SystemExit("a table went to the row path: this measures the bulk path")
        write_ntriples(result, out)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with written.open("rb") as stream:
        triples = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 24), b""))
    return seconds, cpu, read_s, read_cpu, result.rows, triples


def end_to_end(folder: Path, workdir: Path) -> tuple[float, float, int]:
    ws = workdir / "ws"
    if not ws.exists():
        subprocess.run(["esskg", "init", str(ws)], check=True, capture_output=True)
    files = [str(p) for p in sorted(folder.iterdir())]
    command = ["esskg", "-C", str(ws), "import", *files, "--name", "registry"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def xlsx_read(workdir: Path, rows: int) -> tuple[float, float]:
    import openpyxl
    import python_calamine

    path = workdir / "read.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("acteurs")
    sheet.append(["id", "nom_fr", "nom_en", "nature", "implante_dans", "champs"])
    for i in range(rows):
        sheet.append([f"acteur-{i}", f"Association {i}", f"Association {i}", "Réseau", "TN-82", ""])
    book.save(path)
    start = time.perf_counter()
    calamine = python_calamine.CalamineWorkbook.from_path(str(path))
    got = len(calamine.get_sheet_by_name("acteurs").to_python(skip_empty_area=False))
    calamine_s = time.perf_counter() - start
    start = time.perf_counter()
    reader = openpyxl.load_workbook(path, read_only=True)
    got_openpyxl = sum(1 for _ in reader["acteurs"].iter_rows(values_only=True))
    openpyxl_s = time.perf_counter() - start
    assert got == got_openpyxl == rows + 1
    return calamine_s, openpyxl_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "esskg-tab")
    parser.add_argument(
        "--form", choices=("csv", "cp1252", "trailing", "xlsx", "xlsx-one-sheet"), default="csv"
    )
    parser.add_argument("--skip-import", action="store_true", help="only the conversion and XLSX")
    args = parser.parse_args()
    from esskg.resources import packaged_root

    suffix = "" if args.form == "csv" else f"-{args.form}"
    folder = args.workdir / f"registry-{args.rows}{suffix}"
    if not folder.exists():
        started = time.perf_counter()
        write_registry(folder.with_name(folder.name + ".part"), args.rows, args.form)
        folder.with_name(folder.name + ".part").rename(folder)
        print(f"extract written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    seconds, cpu, read_s, read_cpu, rows, triples = conversion(folder, packaged_root())
    print(
        f"conversion: {rows:,} rows -> {triples:,} N-Triples lines in {seconds:.1f} s "
        f"(CPU {cpu:.1f} s; reading the files {read_s:.1f} s, CPU {read_cpu:.1f} s): "
        f"{rows / seconds:,.0f} rows/s (peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)"
    )
    calamine_s, openpyxl_s = xlsx_read(args.workdir, args.xlsx_rows)
    print(
        f"XLSX read, {args.xlsx_rows:,} rows: python-calamine {calamine_s:.2f} s, openpyxl "
        f"read-only {openpyxl_s:.2f} s ({openpyxl_s / calamine_s:.1f}x)"
    )
    if not args.skip_import:
        seconds, cpu, peak_kb = end_to_end(folder, args.workdir)
        print(
            f"esskg import end to end (validated, written): {rows:,} rows in {seconds:.1f} s "
            f"(CPU {cpu:.1f} s; {rows / seconds:,.0f} rows/s), peak RSS {peak_kb / 1024:,.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
