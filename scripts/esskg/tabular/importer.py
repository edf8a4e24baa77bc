"""The `import` verb: spreadsheets (XLSX, ODS, CSV) into a workspace's graph, checked first.

Rows become RDF through the column specification; the result is validated with the rest of the
workspace's graph against esskg's shapes; every problem (unreadable cell, unknown code, missing
required value, dangling or duplicate identifier, SHACL result on an imported node) is reported
at its cell, all at once. Only a clean import is written: data/<graph>/<name>.ttl, atomically,
replacing what the same import wrote before and nothing else.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from esskg import fastvalidate
from esskg.atomic import output_folder, write_atomically
from esskg.dump import union_ntriples
from esskg.errors import EsskgError, Problem, ProblemsError, display_path
from esskg.i18n import say
from esskg.infer import closure_classes, closure_input, closure_predicates, inferred_quads
from esskg.load import add_file, load_file, load_folder
from esskg.namespaces import PREFIXES, RDF_TYPE, expand_curie, graph_iri
from esskg.progress import note as progress_note
from esskg.render import render_problems
from esskg.resources import Project, project
from esskg.tabular.mapping import (
    Conversion,
    Converter,
    GraphIndex,
    ntriples_bytes,
    ntriples_lines,
)
from esskg.tabular.read import CSV_SUFFIXES, Table, read_tables
from esskg.tabular.spec import Vocabulary
from esskg.validate import validate_store

DEFAULT_GRAPH = "import"
# Imported nodes validated at once: bounds the SHACL engine's memory (about 1 GB per 100,000
# registry actors with pyshacl-turbo) at no cost in time, since the work grows with the nodes.
VALIDATION_BATCH = 100_000
SH_NS = "http://www.w3.org/ns/shacl#"


def import_files(
    files: list[Path],
    layout: Project,
    *,
    graph: str = DEFAULT_GRAPH,
    name: str | None = None,
    encoding: str | None = None,
    engine: str = "auto",
    write: bool = True,
) -> tuple[Path, Conversion, list[Problem], list[Problem], list[str]]:
    """Read, convert, validate and (if all is well and `write`) write one import.

    Returns the target file, the conversion, the blocking problems, the warnings (SHACL
    warnings) and notes for stderr. Nothing is written when there is a blocking problem.
    """
    if layout.kind != "workspace":
        raise EsskgError(
            say(
                f"esskg import écrit dans un espace de travail, et {layout.describe()} n'en est "
                "pas un\n  conseil : créez-en un avec `esskg init DOSSIER`, puis lancez esskg "
                "import dans DOSSIER (ou avec -C DOSSIER)",
                f"esskg import writes into a workspace, and {layout.describe()} is not one"
                "\n  hint: make one with `esskg init DIR`, then run esskg import in DIR "
                "(or with -C DIR)",
            )
        )
    inputs = _expand(files)
    stem = name or (files[0].name if files[0].is_dir() else files[0].stem)
    target = layout.data_dir / graph / f"{stem}.ttl"
    tables: list[Table] = []
    problems: list[Problem] = []
    for path in inputs:
        try:
            tables.extend(read_tables(path, encoding=encoding))
        except ProblemsError as e:
            problems.extend(e.problems)
    dataset = _rest_of_graph(layout, target)
    converter = Converter(
        Vocabulary.from_dataset(dataset), layout.base_iri, GraphIndex.from_dataset(dataset)
    )
    conversion = converter.convert(tables)
    notes = [n for t in conversion.tables for n in t.notes]
    problems.extend(conversion.problems)
    if problems:
        return target, conversion, problems, [], notes
    lines = ntriples_lines(conversion)
    if lines.is_empty():
        problems.append(
            Problem(
                file=", ".join(display_path(p) for p in files),
                code="blank-file",
                message_fr="aucune ligne à importer (seulement les en-têtes et l'exemple ?)",
                message_en="no rows to import (only the headers and the example?)",
            )
        )
        return target, conversion, problems, [], notes
    errors, warnings = [], []
    progress_note(
        f"validation de {len(lines):,} énoncés…".replace(",", "\u202f"),
        f"validating {len(lines):,} statements…",
    )
    for text, focus in validation_inputs(dataset, lines, _whole_graphs(layout), layout.shapes):
        progress_note(
            f"  {len(focus):,} nœuds importés…".replace(",", "\u202f"),
            f"  {len(focus):,} imported nodes…",
        )
        report = validate_store(text, layout.shapes, engine=engine)
        del text
        found_errors, found_warnings = _located(report, conversion, focus)
        errors.extend(found_errors)
        warnings.extend(found_warnings)
    if errors or not write:
        return target, conversion, errors, warnings, notes
    data = ntriples_bytes(lines)
    del lines
    turtle = turtle_from_ntriples(data, _prefixes(layout))
    del data, dataset
    with output_folder(target.parent):
        # No parse-back check: the statements were parsed and validated above, and pyoxigraph
        # serialised them; parsing a million rows again would only say the same.
        write_atomically(target, turtle)
    return target, conversion, [], warnings, notes


def validation_inputs(
    rest: ox.Dataset, lines: pl.Series, whole: set[str], shapes: Path
) -> Iterator[tuple[str, set[str]]]:
    """The validator's inputs (N-Quads text), each with the imported nodes whose results it
    decides: VALIDATION_BATCH nodes at a time, so the engine's memory does not grow with the
    import.

    Each batch carries what its nodes' shapes see: the imported statements about them and
    pointing at them, the imported nodes reached forward from those, and the context of the rest
    of the graph (scoped_input). When the rest of the graph points at imported nodes (a path
    could leave the import and come back), or a statement has no IRI subject, all is validated
    at once.
    """
    frame = lines.to_frame("line").with_columns(
        pl.col("line").str.extract(r"^<([^>]*)>").alias("s"),
        pl.col("line").str.extract(r"> <([^>]*)> \.$").alias("o"),
    )
    subjects = frame.get_column("s").unique().sort()
    if (
        len(subjects) <= VALIDATION_BATCH
        or subjects.null_count()
        or _points_into(rest, whole, set(subjects.to_list()))
    ):
        yield scoped_input(rest, lines, whole) + _text(lines), set(subjects.drop_nulls().to_list())
        return
    backward = backward_predicates(shapes)
    for start in range(0, len(subjects), VALIDATION_BATCH):
        batch = subjects.slice(start, VALIDATION_BATCH)
        picked = _neighbourhood(frame, batch, backward)
        yield scoped_input(rest, picked, whole) + _text(picked), set(batch.to_list())


def _neighbourhood(frame: pl.DataFrame, batch: pl.Series, backward: set[str] | None) -> pl.Series:
    """The imported statements about `batch`, pointing at it (through the `backward` predicates
    only, when known), and about every node reached forward from these (as scoped_input does in
    the rest of the graph)."""
    pointing = pl.col("o").is_in(batch.implode())
    if backward is not None:
        pointing &= pl.col("line").str.extract(r"^<[^>]*> <([^>]*)>").is_in(list(backward))
    pointing = frame.filter(pointing).get_column("s")
    reached = pl.concat([batch, pointing]).unique()
    new = reached
    while not new.is_empty():
        objects = frame.filter(pl.col("s").is_in(new.implode())).get_column("o")
        objects = objects.drop_nulls().unique()
        new = objects.filter(~objects.is_in(reached.implode()))
        reached = pl.concat([reached, new])
    keep = pl.col("s").is_in(reached.implode()) | pl.col("o").is_in(batch.implode())
    return frame.filter(keep).get_column("line")


def backward_predicates(shapes: Path) -> set[str] | None:
    """The predicates the shapes follow backward (sh:inversePath, and in SHACL-SPARQL `^p` or a
    pattern `?x p $this`); None when one cannot be told (a variable there), meaning any.

    So a node many imported rows point at (a territory a million actors are based in) does not
    bring those rows into its batch unless a shape looks at them.
    """
    dataset = load_file(shapes)
    found = {
        q.object.value
        for q in dataset.quads_for_predicate(ox.NamedNode(SH_NS + "inversePath"))
        if isinstance(q.object, ox.NamedNode)
    }
    for quad in dataset.quads_for_predicate(ox.NamedNode(SH_NS + "select")):
        query = quad.object.value
        paths = re.findall(r"\^\s*([^\s()|/*+?]+)", query)
        paths += [
            path
            for path in re.findall(r"\S\s+([^\s{}]+)\s+[$?]this\b", query)
            if not (path.isalpha() and path.isupper())  # a keyword: SELECT DISTINCT ?this
        ]
        for path in paths:
            for step in re.split(r"[|/()^]", path):
                step = step.strip("+*?")
                if not step or step == "a":
                    continue
                iri = step[1:-1] if step.startswith("<") else expand_curie(step)
                if iri is None:  # a variable, or a name esskg cannot read: any predicate
                    return None
                found.add(iri)
    return found


def _points_into(rest: ox.Dataset, whole: set[str], imported: set[str]) -> bool:
    """True when a statement of the rest of the graph's data refers to an imported node."""
    return any(
        isinstance(quad.object, ox.NamedNode)
        and quad.object.value in imported
        and getattr(quad.graph_name, "value", "") not in whole
        for quad in rest
    )


def _text(lines: pl.Series) -> str:
    return ntriples_bytes(lines).decode("utf-8")


def scoped_input(rest: ox.Dataset, lines: pl.Series, whole: set[str]) -> str:
    """What the shapes need to see, besides the imported statements, to judge the imported nodes,
    as N-Triples (the union of its graphs) for the validator.

    The imported statements are N-Triples `lines` (kept as text: a million rows never become
    Python objects). The context: the graphs in `whole` (ontology, vocabularies, UN SDG KOS:
    sh:class follows rdfs:subClassOf, coded values their scheme), and from the rest of the
    graph every statement about an imported node or pointing at one, and everything reachable
    forward from the nodes the import refers to and from those pointing at it (the shapes'
    paths and SHACL-SPARQL constraints follow links forward, esskg:liesWithin+ included, and at
    most one step backward), and graph:inferred for all of these. Results about other nodes are
    not the import's and are left out by `_located`.
    """
    imported = set(lines.str.extract(r"^<([^>]*)>").unique().drop_nulls().to_list())
    scope = ox.Dataset()
    seen: set[ox.Term] = set()
    queue: list[ox.Term] = [
        ox.NamedNode(iri)
        for iri in lines.str.extract(r"> <([^>]*)> \.$").unique().drop_nulls().to_list()
        if iri not in imported
    ]
    for quad in rest:
        if getattr(quad.graph_name, "value", "") in whole:
            scope.add(quad)
        elif quad.subject.value in imported or (
            isinstance(quad.object, ox.NamedNode) and quad.object.value in imported
        ):
            scope.add(quad)
            queue.append(quad.subject)
    while queue:
        node = queue.pop()
        if node in seen or node.value in imported:
            continue
        seen.add(node)
        for quad in rest.quads_for_subject(node):
            scope.add(quad)
            if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                queue.append(quad.object)
    closure = ox.Dataset(scope)
    for quad in ox.parse(_closure_lines(lines), format=ox.RdfFormat.N_TRIPLES):
        closure.add(quad)
    for quad in inferred_quads(closure_input(closure)):
        scope.add(quad)
    # The union, in N-Triples: what the shapes validate, and the engine is slower with graphs.
    return union_ntriples(scope).decode("utf-8")


def _closure_lines(lines: pl.Series) -> bytes:
    """The imported statements esskg's closures follow (graph:inferred), picked by predicate."""
    wanted = "|".join(
        [
            *(re.escape(f" <{p}> ") for p in closure_predicates()),
            *(re.escape(f" <{RDF_TYPE}> <{c}> .") + "$" for c in closure_classes()),
        ]
    )
    picked = lines.filter(lines.str.contains(wanted))
    return ("\n".join(picked.to_list()) + "\n").encode("utf-8") if len(picked) else b""


def _whole_graphs(layout: Project) -> set[str]:
    """The graphs given to the validator whole: ontology and vocabulary layer (a few thousand
    statements, which any imported node may need)."""
    return {graph_iri("ontology")} | {e.iri for e in layout.graph_folders(include_data=False)}


def turtle_from_ntriples(data: bytes, prefixes: dict[str, str]) -> bytes:
    """Sorted N-Triples as Turtle with `prefixes`, streamed through pyoxigraph (no list of
    statements); @prefix lines sorted, as dump.turtle_bytes does."""
    text = ox.serialize(
        ox.parse(data, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE, prefixes=prefixes
    )
    head_end = 0
    while text.startswith(b"@prefix ", head_end):
        head_end = text.index(b"\n", head_end) + 1
    head = b"".join(sorted(text[:head_end].splitlines(keepends=True)))
    return head + text[head_end:]


def _expand(files: list[Path]) -> list[Path]:
    """The files to read: folders stand for the CSV files in them."""
    out: list[Path] = []
    for path in files:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in CSV_SUFFIXES))
        else:
            out.append(path)
    return out


def _rest_of_graph(layout: Project, target: Path) -> ox.Dataset:
    """The workspace's graph without the file this import replaces (closures left to the caller)."""
    dataset = ox.Dataset()
    add_file(dataset, layout.ontology, graph=graph_iri("ontology"))
    for entry in layout.graph_folders():
        only = entry.only
        if entry.folder.resolve() == target.parent.resolve():
            only = tuple(p.name for p in entry.files() if p.name != target.name)
        for quad in load_folder(entry.folder, graph=entry.iri, only=only):
            dataset.add(quad)
    return dataset


def _located(
    report, conversion: Conversion, focus: set[str] | None = None
) -> tuple[list[Problem], list[Problem]]:
    """SHACL results about imported nodes (those in `focus`, if given), each at the cell (or
    row) it came from."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for result in report.results:
        if not isinstance(result.focus, rdflib.URIRef):
            continue
        if focus is not None and str(result.focus) not in focus:
            continue
        predicate, inverse = _path(report.graph, result.path)
        found = conversion.cell_of(str(result.focus), predicate, inverse)
        if found is None:
            continue
        origin, column = found
        table = conversion.tables[origin.table]
        # The validator's problem, said at its cell: the node and path are the row and column.
        problem = replace(
            result.problem(),
            file=table.display,
            sheet=table.sheet,
            row=origin.row,
            line=origin.line,
            column=column or result.path_text,
            value=str(result.value) if result.value is not None else "",
            node="",
            path="",
            severity="",
        )
        (errors if result.severity == SH.Violation else warnings).append(problem)
    return errors, warnings


def _path(graph: rdflib.Graph, path: rdflib.term.Node | None) -> tuple[str | None, bool]:
    if isinstance(path, rdflib.URIRef):
        return str(path), False
    inner = graph.value(path, SH.inversePath) if path is not None else None
    return (str(inner), True) if isinstance(inner, rdflib.URIRef) else (None, False)


def _prefixes(layout: Project) -> dict[str, str]:
    prefixes = dict(PREFIXES)
    if layout.config is not None:
        prefixes[layout.config.prefix] = layout.config.base
    return prefixes


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help=say(
            "contrôle des tableurs (XLSX, ODS, CSV) et les ajoute au graphe de l'espace de travail",
            "check spreadsheets (XLSX, ODS, CSV) and add them to the workspace's graph",
        ),
        description=say(
            "Lit le modèle rempli (fichiers XLSX, ODS ou CSV, ou un dossier qui en contient), "
            "contrôle chaque cellule et le résultat par les formes d'esskg avec le reste du "
            "graphe de l'espace de travail, et seulement si tout va bien écrit "
            "data/<graphe>/<nom>.ttl. Chaque problème est donné avec son fichier, sa feuille, "
            "sa ligne et sa colonne. Importer de nouveau le même fichier remplace ce qu'il "
            "avait écrit. Sortie 1 quand il y a quelque chose à corriger.",
            "Read the filled-in template (XLSX, ODS, or CSV files, or a folder of them), check "
            "every cell and the result against esskg's shapes together with the rest of the "
            "workspace's graph, and only when all is well write data/<graph>/<name>.ttl. Every "
            "problem is listed with its file, sheet, row and column. Importing the same file "
            "again replaces what it wrote before. Exit 1 when something must be fixed.",
        ),
    )
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar=say("FICHIER", "FILE"),
        help=say(
            "classeurs XLSX ou ODS, fichiers CSV, ou dossiers de CSV",
            "XLSX or ODS workbooks, CSV files, or folders of CSV files",
        ),
    )
    parser.add_argument(
        "--graph",
        default=DEFAULT_GRAPH,
        metavar=say("GRAPHE", "GRAPH"),
        help=say(
            "le dossier de data/ (graphe nommé) où écrire",
            "the data/ folder (named graph) to write into",
        ),
    )
    parser.add_argument(
        "--name",
        metavar=say("NOM", "NAME"),
        help=say(
            "le nom du fichier Turtle écrit (défaut : celui du premier fichier)",
            "the name of the Turtle file written (default: the first file's name)",
        ),
    )
    parser.add_argument(
        "--encoding",
        metavar=say("CODAGE", "ENCODING"),
        help=say(
            "le codage des fichiers CSV, quand celui détecté est faux (cp1252)",
            "the encoding of CSV files, when the detected one is wrong (cp1252)",
        ),
    )
    # --lang is the common one (esskg.cli): a default of its own here overrode `esskg --lang en`.
    parser.add_argument(
        "--check",
        action="store_true",
        help=say(
            "contrôle seulement : signale les problèmes, n'écrit rien",
            "check only: report problems, write nothing",
        ),
    )
    parser.add_argument(
        "--engine",
        choices=fastvalidate.ENGINES,
        default="auto",
        help=say(
            "moteur SHACL (auto : turbo s'il est installé, sinon pyshacl)",
            "SHACL engine (auto: turbo when installed, else pyshacl)",
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.graph in ("inferred", "ontology", "vocabulary", "un-sdg") or "/" in args.graph:
        raise EsskgError(
            say(
                f"--graph {args.graph} : choisissez un autre nom (celui-ci est à esskg)",
                f"--graph {args.graph}: choose another name (this one is esskg's)",
            )
        )
    start = time.perf_counter()
    layout = project(args.root)
    target, conversion, errors, warnings, notes = import_files(
        args.files,
        layout,
        graph=args.graph,
        name=args.name,
        encoding=args.encoding,
        engine=args.engine,
        write=not args.check,
    )
    for note in notes:
        print(say(f"esskg : avertissement : {note}", f"esskg: warning: {note}"), file=sys.stderr)
    if conversion.skipped_examples:
        skipped = conversion.skipped_examples
        print(
            say(
                f"esskg : {skipped} ligne(s) d'exemple laissée(s) de côté (identifiants "
                "commençant par 'exemple-')",
                f"esskg: left out {skipped} example row(s) (identifiers starting with 'exemple-')",
            ),
            file=sys.stderr,
        )
    if errors or warnings:
        sys.stdout.write(render_problems(errors + warnings))
    if errors:
        unchanged = display_path(target)
        print(
            say(
                f"esskg : {len(errors)} problème(s) à corriger ; rien n'est écrit"
                + (f" ({unchanged} est inchangé)" if target.exists() else ""),
                f"esskg: {len(errors)} problem(s) to fix; nothing written"
                + (f" ({unchanged} is unchanged)" if target.exists() else ""),
            ),
            file=sys.stderr,
        )
        return 1
    seconds = time.perf_counter() - start
    if args.check:
        print(
            say(
                f"esskg : {conversion.rows} ligne{'s' if conversion.rows > 1 else ''} "
                f"conforme{'s' if conversion.rows > 1 else ''} ; rien n'est écrit (--check)",
                f"esskg: {conversion.rows} rows conform; nothing written (--check)",
            ),
            file=sys.stderr,
        )
    else:
        print(
            say(
                f"esskg : {conversion.rows} ligne{'s' if conversion.rows > 1 else ''} "
                f"importée{'s' if conversion.rows > 1 else ''} dans {display_path(target)} "
                f"({seconds:.1f} s)",
                f"esskg: imported {conversion.rows} rows into {display_path(target)} "
                f"({seconds:.1f} s)",
            ),
            file=sys.stderr,
        )
    return 0
