"""The `export` verb: the graph written back into the template's sheets, so that importing the
export gives the same graph. Identifiers are written so they import to the same IRIs: a slug
for the workspace's own, a CURIE (id:medenine) or the full IRI otherwise; coded values by their
French label."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from esskg.errors import display_path
from esskg.i18n import say
from esskg.load import load_dataset
from esskg.namespaces import CONVERTER, to_curie
from esskg.resources import RESERVED_GRAPHS, VOCABULARY_GRAPHS, Project, project
from esskg.tabular.mapping import period_end_day
from esskg.tabular.spec import RDF_TYPE, Column, Sheet, Vocabulary, load_spec
from esskg.tabular.template import Rows, write_tables

_LEFT_OUT_SHOWN = 5


class Exporter:
    def __init__(self, quads: list[ox.Quad], vocabulary: Vocabulary, base: str | None) -> None:
        self.vocabulary = vocabulary
        self.base = base  # the workspace's base: its identifiers are written as bare slugs
        self.out: dict[ox.NamedNode | ox.BlankNode, dict[str, list[ox.Term]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.into: dict[ox.Term, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
        self.types: dict[str, set[str]] = defaultdict(set)
        for quad in set(ox.Triple(q.subject, q.predicate, q.object) for q in quads):
            self.out[quad.subject][quad.predicate.value].append(quad.object)
            self.into[quad.object][quad.predicate.value].append(quad.subject)
            if quad.predicate == RDF_TYPE:
                self.types[quad.object.value].add(quad.subject)
        self.notes: list[str] = []

    def rows(self) -> Rows:
        rows: Rows = {}
        exported: set = set()
        for sheet in load_spec():
            if sheet.key.kind != "id":
                continue
            nodes = sorted(self.types.get(sheet.rdf_class or "", ()), key=self.identifier)
            rows[sheet.name] = [self._row(sheet, node) for node in nodes]
            exported.update(nodes)
            self._left_out(sheet, nodes)
        for sheet in load_spec():
            if sheet.key.kind == "subject":
                rows[sheet.name] = self._links(sheet, exported)
        return rows

    def identifier(self, node: ox.Term) -> str:
        iri = node.value
        if self.base and iri.startswith(self.base):
            return iri[len(self.base) :]
        return CONVERTER.compress(iri) or iri

    def _row(self, sheet: Sheet, node: ox.NamedNode) -> list[str]:
        row = [self.identifier(node)]
        for column in sheet.columns[1:]:
            table = self.into if column.inverse else self.out
            found = table[node].get(column.predicate or "", []) if node in table else []
            values = sorted(v for v in (self._cell(column, term) for term in found) if v)
            if len(values) > 1 and not column.separator:
                self.notes.append(
                    say(
                        f"{self.identifier(node)} : {len(values)} valeurs pour la colonne "
                        f"{column.name} de la feuille {sheet.name}, qui n'en tient qu'une ; seule "
                        f"{values[0]!r} est écrite",
                        f"{self.identifier(node)}: {len(values)} values for column {column.name} "
                        f"of sheet {sheet.name}, which holds one; only {values[0]!r} is written",
                    )
                )
                values = values[:1]
            row.append(
                f" {column.separator} ".join(values) if column.separator else "".join(values)
            )
        return row

    def _cell(self, column: Column, term: ox.Term) -> str | None:
        kind = column.kind
        if isinstance(term, ox.Literal):
            if kind == "text":
                return term.value if term.language == column.lang else None
            if kind == "period-end":
                return period_end_day(term.value)
            return (
                term.value if kind in ("string", "isocode", "integer", "date", "duration") else None
            )
        if kind == "code":
            scheme = self.vocabulary.schemes[column.target]
            return scheme.label(term.value) if term.value in scheme.concepts else None
        if kind == "sdg":
            return self.vocabulary.sdg_code(term.value)
        if kind in ("ref", "territory", "subject"):
            return self.identifier(term)
        return None

    def _links(self, sheet: Sheet, exported: set) -> list[list[str]]:
        column = sheet.columns[1]
        rows = []
        for node in exported:
            for term in self.out[node].get(column.predicate or "", []) if node in self.out else []:
                value = self._cell(column, term)
                if value:
                    rows.append([self.identifier(node), value])
        return sorted(rows)

    def _left_out(self, sheet: Sheet, nodes: list) -> None:
        # A predicate is carried by this sheet's columns, or by another sheet's column that
        # states it from the other end (axes.partenariat states esskg:hasAxis).
        carried = {c.predicate for c in sheet.columns if not c.inverse} | {RDF_TYPE.value}
        carried |= {
            c.predicate
            for s in load_spec()
            for c in s.columns
            if c.inverse or s.key.kind == "subject"
        }
        left = [
            f"{to_curie(node.value)} {to_curie(p)}"
            for node in nodes
            for p in sorted(self.out.get(node, {}))
            if p not in carried
        ]
        if left:
            shown = "; ".join(left[:_LEFT_OUT_SHOWN]) + (
                "; ..." if len(left) > _LEFT_OUT_SHOWN else ""
            )
            self.notes.append(
                say(
                    f"feuille {sheet.name} : {len(left)} énoncés n'ont pas de colonne dans le "
                    f"modèle et ne sont pas exportés ({shown})",
                    f"sheet {sheet.name}: {len(left)} statements have no column in the template "
                    f"and are not exported ({shown})",
                )
            )


def export_quads(layout: Project, dataset: ox.Dataset) -> list[ox.Quad]:
    """The statements to export: a workspace's own graphs; else every data graph but the
    vocabulary layer and what esskg computes."""
    if layout.kind == "workspace":
        graphs = {e.iri for e in layout.graph_folders() if e.own}
        return [q for q in dataset if getattr(q.graph_name, "value", None) in graphs]
    skip = {layout.own_graph_iri(n) for n in (*VOCABULARY_GRAPHS, *RESERVED_GRAPHS)}
    return [q for q in dataset if getattr(q.graph_name, "value", "") not in skip]


def export_rows(layout: Project) -> tuple[Rows, list[str]]:
    dataset = load_dataset(root=layout.root)
    base = layout.base_iri if layout.kind == "workspace" else None
    exporter = Exporter(export_quads(layout, dataset), Vocabulary.from_dataset(dataset), base)
    rows = exporter.rows()
    return rows, exporter.notes


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help=say(
            "écrit le graphe dans les feuilles du modèle (XLSX, ou CSV + métadonnées CSVW)",
            "write the graph into the template's sheets (XLSX, or CSV + CSVW metadata)",
        ),
        description=say(
            "Écrit le graphe (les données propres d'un espace de travail, ou les cas source "
            "d'esskg) dans les feuilles d'`esskg template`, de sorte qu'`esskg import` du "
            "résultat redonne le même graphe. Les cellules qui commencent par = + - @ sont "
            "neutralisées ; le CSV est en UTF-8 avec BOM.",
            "Write the graph (a workspace's own data, or esskg's source cases) into the sheets "
            "of `esskg template`, so that `esskg import` of the result gives the same graph. "
            "Cells starting with = + - @ are neutralised; CSV is UTF-8 with a BOM.",
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("export-esskg.xlsx"),
        metavar=say("SORTIE", "OUTPUT"),
        help=say(
            "FICHIER.xlsx, ou un dossier pour des tables CSV",
            "FILE.xlsx or a folder for CSV tables",
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    layout = project(args.root)
    rows, notes = export_rows(layout)
    for note in notes:
        print(say(f"esskg : avertissement : {note}", f"esskg: warning: {note}"), file=sys.stderr)
    vocabulary = Vocabulary.from_dataset(load_dataset(include_project_data=False, root=layout.root))
    for path in write_tables(args.output, rows, vocabulary, layout.base_iri, example=False):
        print(
            say(f"esskg : {display_path(path)} écrit", f"esskg: wrote {display_path(path)}"),
            file=sys.stderr,
        )
    counts = ", ".join(f"{len(v)} {k}" for k, v in rows.items() if v)
    print(say(f"esskg : exporté : {counts}", f"esskg: exported {counts}"), file=sys.stderr)
    return 0
