"""Rows to RDF, driven by the column specification; every problem found names its cell.

One pass over the rows, sheet after sheet (territories first, since everything refers to them),
writes N-Triples lines; references not yet known are checked at the end, when every sheet has
been read. What each node came from (file, sheet, row) is kept, so a SHACL result about a node
can be said at its cell.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gettext
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import BinaryIO

import polars as pl
import pycountry
import pyoxigraph as ox
from openpyxl.utils import get_column_letter

from esskg.errors import Problem
from esskg.i18n import say
from esskg.init import slugify
from esskg.namespaces import CONVERTER, PREFIXES
from esskg.resources import packaged_root
from esskg.tabular.fast import EXAMPLE_PREFIX, NEUTRALISED_PATTERN, SLUG, convert_bulk
from esskg.tabular.read import CHUNK_BYTES, MAX_CELL_CHARS, WRITE_BATCH, Table
from esskg.tabular.spec import RDF_TYPE, Column, Sheet, Vocabulary, fold, load_spec, sheet_named

XSD = PREFIXES["xsd"]
ESSKG = PREFIXES["esskg"]
TERR = PREFIXES["terr"]
RDFS_LABEL = PREFIXES["rdfs"] + "label"
ISO_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
DURATION = re.compile(
    r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
NEUTRALISED = re.compile(NEUTRALISED_PATTERN)
# pycountry subdivision types -> esskg territory kinds; anything else is a region, to correct.
_ISO_KINDS = {
    "Governorate": "gouvernorat",
    "Region": "region",
    "Province": "province",
    "Autonomous community": "communaute-autonome",
    "Municipality": "municipalite",
}
_TYPE_IRI = "<" + RDF_TYPE.value + ">"
# Questions about nodes of bulk tables answered by scanning their columns before a dictionary of
# them is built (see Converter.sheet_of).
BULK_SCANS = 64


@dataclass(frozen=True)
class Origin:
    """Where a node was described: the table (index in Conversion.tables) and the row."""

    table: int
    row: int
    line: int | None = None


@dataclass
class GraphIndex:
    """What the rest of the graph already holds: nodes with their classes, territories by code."""

    types: dict[str, set[str]] = field(default_factory=dict)
    iso: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dataset(cls, dataset: ox.Dataset) -> GraphIndex:
        index = cls()
        for quad in dataset.quads_for_predicate(RDF_TYPE):
            index.types.setdefault(quad.subject.value, set()).add(quad.object.value)
        for quad in dataset.quads_for_predicate(ox.NamedNode(ESSKG + "iso3166Code")):
            index.iso.setdefault(quad.object.value, quad.subject.value)
        return index


@dataclass
class Conversion:
    lines: list[str] = field(default_factory=list)  # N-Triples lines, "\n" ended (row path)
    # Where the bulk path wrote its N-Triples as it went: the caller's file, or else a temporary
    # file of the conversion's own (gone with it).
    bulk_sink: BinaryIO | None = None
    bulk_own_sink: bool = False
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    sheets: list[Sheet | None] = field(default_factory=list)
    columns: list[dict[str, int]] = field(default_factory=list)  # per table: column -> index
    rows: int = 0
    skipped_examples: int = 0
    # Tables converted in bulk (esskg.tabular.fast): their nodes and rows (polars), looked up
    # only when a problem needs a row, so a million rows cost no million Origin objects.
    bulk: list[tuple[int, pl.DataFrame]] = field(default_factory=list)

    def bulk_output(self) -> BinaryIO:
        """The file the bulk path appends its N-Triples to."""
        if self.bulk_sink is None:
            # Open as long as the conversion lives; the system removes it when closed.
            self.bulk_sink = tempfile.TemporaryFile(prefix="esskg-import-")  # noqa: SIM115
            self.bulk_own_sink = True
        return self.bulk_sink

    def drop_bulk_output(self) -> None:
        """Let go of the bulk path's own file, when nothing is left in it."""
        if self.bulk_own_sink and self.bulk_sink is not None:
            self.bulk_sink.close()
            self.bulk_sink, self.bulk_own_sink = None, False

    def origin(self, iri: str) -> Origin | None:
        if self.bulk:
            # Indexed on the first question only: most imports never ask.
            for table, frame in self.bulk:
                for node, row in frame.iter_rows():
                    self.origins.setdefault(node, Origin(table, row))
            self.bulk.clear()
        return self.origins.get(iri)

    def cell_of(self, iri: str, predicate: str | None, inverse: bool) -> tuple[Origin, str] | None:
        """The row describing node `iri` and the column (letter and name) stating `predicate`."""
        origin = self.origin(iri)
        if origin is None:
            return None
        sheet, positions = self.sheets[origin.table], self.columns[origin.table]
        columns = []
        if sheet is not None and predicate:
            columns = [
                column_label(positions[spec.name], spec.name)
                for spec in sheet.columns
                if spec.predicate == predicate
                and spec.inverse == inverse
                and spec.name in positions
            ]
        column = " / ".join(columns)
        return origin, column


def column_label(index: int, name: str) -> str:
    return f"{get_column_letter(index + 1)} ({name})"


class Converter:
    """Turns tables into N-Triples lines under a project's base IRI."""

    def __init__(
        self, vocabulary: Vocabulary, base: str, graph: GraphIndex, *, sink: BinaryIO | None = None
    ) -> None:
        """`sink`: where the bulk path writes N-Triples as it goes (else a temporary file)."""
        self.vocabulary = vocabulary
        self.base = base
        self.graph = graph
        self.out = Conversion(bulk_sink=sink)
        self.defined: dict[str, str] = {}  # iri -> the sheet whose row describes it (row path)
        # The same for the tables converted in bulk: (sheet, IRIs) as polars columns.
        self.bulk_ids: list[tuple[str, pl.Series]] = []
        self._bulk_index: dict[str, str] | None = None
        self._bulk_lookups = 0
        self.iso_rows: dict[str, str] = {}  # code_iso given in the territories sheet -> node
        self.pending: list[tuple[str, tuple[str, ...], Problem]] = []
        self.minted_territories: set[str] = set()

    # ---- entry point
    def convert(self, tables: Iterable[Table]) -> Conversion:
        order = {s.name: i for i, s in enumerate(load_spec())}
        placed = []
        for table in tables:
            sheet = self._sheet_for(table)
            placed.append((order.get(sheet.name, 99) if sheet else 99, table, sheet))
        for _, table, sheet in sorted(placed, key=lambda t: t[0]):
            index = len(self.out.tables)
            self.out.tables.append(table)
            self.out.sheets.append(sheet)
            positions = self._positions(table, sheet) if sheet else {}
            self.out.columns.append(positions)
            if sheet is None:
                continue
            if not self.out.problems and convert_bulk(self, index, table, sheet, positions):
                continue
            for row in table.rows:
                self._row(index, table, sheet, positions, row)
        self._check_pending()
        return self.out

    def sheet_of(self, iri: str) -> str | None:
        """The sheet whose row describes `iri`, or None."""
        found = self.defined.get(iri)
        if found is not None or not self.bulk_ids:
            return found
        # A few questions (the bulk path's distinct values) scan the columns; the row path
        # asking row after row gets a dictionary, built once.
        self._bulk_lookups += 1
        if self._bulk_lookups <= BULK_SCANS:
            return next((s for s, ids in self.bulk_ids if (ids == iri).any()), None)
        if self._bulk_index is None or len(self._bulk_index) < sum(
            len(ids) for _, ids in self.bulk_ids
        ):
            self._bulk_index = {
                node: sheet for sheet, ids in reversed(self.bulk_ids) for node in ids.to_list()
            }
        return self._bulk_index.get(iri)

    def forget_bulk_ids(self, keep: int) -> None:
        """Forget the bulk tables' identifiers after the first `keep` tables (one given up)."""
        del self.bulk_ids[keep:]
        self._bulk_index = None

    def described(self) -> Iterator[tuple[str, str]]:
        """(node, sheet) for every node a row describes."""
        yield from self.defined.items()
        for sheet, ids in self.bulk_ids:
            for node in ids.to_list():
                yield node, sheet

    # ---- sheets and headers
    def _sheet_for(self, table: Table) -> Sheet | None:
        if not table.is_csv:
            sheet = sheet_named(table.sheet)
            if sheet is None and table.sheet not in ("listes", "aide") and any(table.headers):
                self._problem_at(
                    table,
                    "unknown-sheet",
                    f"feuille « {table.sheet} » inconnue : ses lignes sont ignorées (feuilles "
                    f"lues : {', '.join(s.name for s in load_spec())})",
                    f"unknown sheet '{table.sheet}': its rows are left out (sheets read: "
                    f"{', '.join(s.name for s in load_spec())})",
                    warning=True,
                )
            return sheet
        by_stem = sheet_named(table.file.stem.lower())
        if by_stem is not None:
            table.sheet = by_stem.name
            return by_stem
        headers = set(table.headers)
        best = max(load_spec(), key=lambda s: len(headers & {c.name for c in s.columns}))
        if not headers & {c.name for c in best.columns} - {"id"}:
            self._problem_at(
                table,
                "unknown-sheet",
                "impossible de savoir quelle feuille ce CSV contient : nommez-le d'après la "
                "feuille (acteurs.csv, partenariats.csv, ...) avec les en-têtes du modèle",
                "cannot tell which sheet this CSV holds: name it after the sheet (acteurs.csv, "
                "partenariats.csv, ...) with the template's headers",
            )
            return None
        table.sheet = best.name
        return best

    def _positions(self, table: Table, sheet: Sheet) -> dict[str, int]:
        positions: dict[str, int] = {}
        known = [c.name for c in sheet.columns]
        for index, header in enumerate(table.headers):
            if not header:
                continue
            if header in positions:
                self._problem_at(
                    table,
                    "duplicate-label",
                    f"la colonne « {header} » apparaît deux fois dans l'en-tête",
                    f"column '{header}' appears twice in the header",
                    row=1,
                    column=column_label(index, header),
                )
            elif header in known:
                positions[header] = index
            else:
                near = difflib.get_close_matches(header, known, n=3)
                hint_fr = f" ; vouliez-vous dire {', '.join(near)} ?" if near else ""
                hint_en = f"; did you mean {', '.join(near)}?" if near else ""
                self._problem_at(
                    table,
                    "unknown-column",
                    f"colonne « {header} » inconnue dans la feuille {sheet.name}{hint_fr}",
                    f"unknown column '{header}' in sheet {sheet.name}{hint_en}",
                    row=1,
                    column=column_label(index, header),
                    value=header,
                )
        for spec in sheet.columns:
            if spec.required and spec.name not in positions and not spec.mint:
                self._problem_at(
                    table,
                    "missing-label",
                    f"la colonne obligatoire « {spec.name} » manque dans l'en-tête : ajoutez-la "
                    "(voir esskg template)",
                    f"required column '{spec.name}' is missing from the header: add it "
                    "(see esskg template)",
                    row=1,
                )
        return positions

    # ---- rows
    def _row(
        self, index: int, table: Table, sheet: Sheet, positions: dict[str, int], row: object
    ) -> None:
        cells = row.cells
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            return
        origin = Origin(index, row.number, row.line)
        where = {"sheet": table.sheet, "row": row.number, "line": row.line}
        width = len(table.headers)
        if table.is_csv and len(cells) != width:
            fr, en = (
                (
                    f"{len(cells)} cellules pour {width} colonnes : une cellule de trop (un "
                    "séparateur dans un texte sans guillemets ?)",
                    f"{len(cells)} cells for {width} columns: too many cells (a delimiter in an "
                    "unquoted text?)",
                )
                if len(cells) > width
                else (
                    f"{len(cells)} cellules pour {width} colonnes : il en manque",
                    f"{len(cells)} cells for {width} columns: some are missing",
                )
            )
            code = "extra-cell" if len(cells) > width else "missing-cell"
            self._problem_at(table, code, fr, en, **where)
            return
        for extra in range(width, len(cells)):
            if _text(cells[extra]):
                self._problem_at(
                    table,
                    "extra-cell",
                    "une valeur hors des colonnes du modèle (pas d'en-tête au-dessus)",
                    "a value outside the template's columns (no header above it)",
                    column=get_column_letter(extra + 1),
                    value=_text(cells[extra]),
                    **where,
                )
        key = sheet.key
        values: dict[str, object] = {}
        for spec in sheet.columns:
            position = positions.get(spec.name)
            values[spec.name] = (
                cells[position] if position is not None and position < len(cells) else None
            )
        # The template's example rows name identifiers starting with exemple-: left out.
        if any(isinstance(v, str) and v.strip().startswith(EXAMPLE_PREFIX) for v in cells):
            self.out.skipped_examples += 1
            return
        self.out.rows += 1
        node = self._key(table, sheet, positions, values, origin, where)
        if node is None:
            return
        subject = f"<{node}>"
        lines = self.out.lines
        if key.kind == "id":
            lines.append(f"{subject} {_TYPE_IRI} <{sheet.rdf_class}> .\n")
        for spec in sheet.columns[1:]:
            raw = values[spec.name]
            cell = (
                {**where, "column": column_label(positions[spec.name], spec.name)}
                if spec.name in positions
                else where
            )
            terms = self._terms(table, spec, raw, cell, origin)
            if terms is None:
                continue
            if not terms and spec.required:
                self._missing(table, spec, cell)
            predicate = f"<{spec.predicate}>"
            for term in terms:
                if spec.inverse:
                    lines.append(f"{term} {predicate} {subject} .\n")
                else:
                    lines.append(f"{subject} {predicate} {term} .\n")
        if sheet.name == "territoires":
            self._complete_territory(node, sheet, values, origin)

    def _key(self, table, sheet, positions, values, origin, where) -> str | None:
        key = sheet.key
        column = column_label(positions[key.name], key.name) if key.name in positions else ""
        cell = {**where, "column": column}
        text = _text(values[key.name])
        if isinstance(text, float | int | dt.date):
            self._type_error(table, key, text, cell)
            return None
        if not text and key.mint:
            parts = [_text(values[name]) for name in key.mint]
            if all(isinstance(p, str) and p for p in parts):
                text = "-".join(
                    slugify(p.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
                    for p in parts  # type: ignore[union-attr]
                )
                if sheet.name == "participations":
                    text = "participation-" + text
        if not text:
            if key.required or key.mint:
                self._missing(table, key, cell)
            return None
        iri = self._identifier(table, text, cell)
        if iri is None:
            return None
        if key.kind == "subject":
            self._expect(iri, key.target_sheets, table, text, cell)
            self.out.origins.setdefault(iri, origin)
            return iri
        first_sheet = self.sheet_of(iri)
        if first_sheet is not None:
            first = self.out.origin(iri) or origin
            self._problem_at(
                table,
                "primary-key",
                f"identifiant « {text} » en double : déjà donné feuille {first_sheet}, ligne "
                f"{first.row} ; chaque ligne décrit un seul élément",
                f"duplicate identifier '{text}': already given in sheet {first_sheet}, row "
                f"{first.row}; each row describes one thing",
                value=text,
                **cell,
            )
            return None
        self.defined[iri] = sheet.name
        self.out.origins[iri] = origin
        if sheet.name == "territoires":
            code = _text(values.get("code_iso"))
            if isinstance(code, str) and code:
                self.iso_rows.setdefault(code.upper(), iri)
        return iri

    # ---- cells
    def _terms(self, table, spec: Column, raw, cell, origin) -> list[str] | None:
        """The RDF terms of one cell ([] when empty), or None after reporting a problem."""
        value = _text(raw)
        if value is None or value == "":
            return []
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            self._problem_at(
                table,
                "cell-too-long",
                f"cellule de {len(value)} caractères, au-delà de {MAX_CELL_CHARS} : raccourcissez",
                f"cell of {len(value)} characters, over {MAX_CELL_CHARS}: shorten it",
                value=value[:40] + "...",
                **cell,
            )
            return None
        kind = spec.kind
        if not isinstance(value, str) and kind not in ("integer", "sdg", "date"):
            self._type_error(table, spec, value, cell)
            return None
        parts = (
            [value]
            if not spec.separator or not isinstance(value, str)
            else [p.strip() for p in value.split(spec.separator) if p.strip()]
        )
        terms = []
        ok = True
        for part in parts:
            term = self.term(table, spec, part, cell, origin)
            if term is None:
                ok = False
            else:
                terms.append(term)
        return terms if ok else None

    def term(self, table, spec: Column, value, cell, origin) -> str | None:
        """One value's RDF term (N-Triples), or None after reporting a problem at `cell`."""
        kind = spec.kind
        if kind == "text":
            return _literal(value, lang=spec.lang)
        if kind == "string":
            return _literal(value)
        if kind == "isocode":
            code = value.upper()
            if _iso_names(code) is None:
                self._problem_at(
                    table,
                    "constraint-error",
                    f"« {value} » n'est pas un code ISO 3166 (pays : TN ; subdivision : TN-82)",
                    f"'{value}' is not an ISO 3166 code (country: TN; subdivision: TN-82)",
                    value=value,
                    **cell,
                )
                return None
            return _literal(code)
        if kind == "code":
            scheme = self.vocabulary.schemes[spec.target]
            concept = scheme.lookup.get(fold(value))
            if concept is None:
                self._unknown(table, value, scheme.choices(), cell, spec)
                return None
            return f"<{concept}>"
        if kind == "sdg":
            text = value
            if isinstance(value, float):
                if not value.is_integer():
                    self._problem_at(
                        table,
                        "type-error",
                        f"le nombre {value} est ambigu (2.1 ou 2.10 ?) : formatez la cellule en "
                        "texte et écrivez la cible telle quelle",
                        f"the number {value} is ambiguous (2.1 or 2.10?): format the cell as "
                        "text and type the target as it is written",
                        value=str(value),
                        **cell,
                    )
                    return None
                text = str(int(value))
            elif isinstance(value, int):
                text = str(value)
            iri = self.vocabulary.sdg(str(text))
            if iri is None:
                self._unknown(
                    table, str(text), [*self.vocabulary.goals, *self.vocabulary.targets], cell, spec
                )
                return None
            return f"<{iri}>"
        if kind == "integer":
            return self._integer(table, spec, value, cell)
        if kind == "date":
            return self._date(table, spec, value, cell)
        if kind == "period-end":
            day = self._date(table, spec, value, cell)
            if day is None:
                return None
            if not day.endswith(f"^^<{XSD}date>"):
                self._type_error(table, spec, value, cell)
                return None
            return period_end_literal(day.split('"')[1])
        if kind == "duration":
            if not DURATION.match(value):
                self._problem_at(
                    table,
                    "type-error",
                    f"« {value} » n'est pas une durée ISO 8601 : P1Y (un an), P6M (six mois), P10D",
                    f"'{value}' is not an ISO 8601 duration: P1Y (a year), P6M (six months), P10D",
                    value=value,
                    **cell,
                )
                return None
            return _literal(value, datatype="duration")
        if kind == "territory" and ISO_PATTERN.match(value):
            iri = self._territory_by_code(table, value, cell, origin)
            return f"<{iri}>" if iri else None
        if kind in ("ref", "territory"):
            iri = self._identifier(table, value, cell)
            if iri is None:
                return None
            self._expect(iri, spec.target_sheets, table, value, cell)
            return f"<{iri}>"
        raise AssertionError(f"unhandled column kind {kind}")

    def _integer(self, table, spec, value, cell) -> str | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            compact = re.sub(r"[\s\u00a0\u202f]", "", value)
            value = int(compact) if compact.isdigit() else value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return _literal(str(value), datatype="integer")
        self._type_error(table, spec, value, cell)
        return None

    def _date(self, table, spec, value, cell) -> str | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return _literal(value.isoformat(), datatype="date")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and 1000 <= value <= 2999:
            return _literal(str(value), datatype="gYear")
        if isinstance(value, str):
            if re.fullmatch(r"\d{4}", value):
                return _literal(value, datatype="gYear")
            if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
                return _literal(value, datatype="gYearMonth")
            french = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
            try:
                if french:
                    day, month, year = (int(g) for g in french.groups())
                    return _literal(dt.date(year, month, day).isoformat(), datatype="date")
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    return _literal(dt.date.fromisoformat(value).isoformat(), datatype="date")
            except ValueError:
                pass
        self._type_error(table, spec, value, cell)
        return None

    # ---- identifiers and references
    def _identifier(self, table, text: str, cell) -> str | None:
        if text.startswith(("http://", "https://")):
            try:
                return ox.NamedNode(text).value
            except ValueError:
                pass
        elif ":" in text:
            iri = CONVERTER.expand(text)
            if iri is not None:
                return iri
            prefix = text.split(":", 1)[0]
            self._problem_at(
                table,
                "constraint-error",
                f"préfixe « {prefix}: » inconnu dans « {text} » (connus : id:, et celui de votre "
                "espace de travail)",
                f"unknown prefix '{prefix}:' in '{text}' (known: id:, and your workspace's)",
                value=text,
                **cell,
            )
            return None
        elif SLUG.match(text):
            return self.base + text
        suggestion = slugify(text)
        self._problem_at(
            table,
            "constraint-error",
            f"« {text} » n'est pas un identifiant : minuscules, chiffres et tirets, sans espace "
            f"ni accent (par exemple « {suggestion} »)",
            f"'{text}' is not an identifier: lowercase letters, digits and hyphens, no spaces "
            f"or accents (e.g. '{suggestion}')",
            value=text,
            **cell,
        )
        return None

    def _expect(self, iri: str, sheets: tuple[str, ...], table, text: str, cell) -> None:
        """Check now that `iri` is a node of `sheets`, or at the end if not yet known."""
        where = Problem(
            file=table.display, code="foreign-key", message_fr="", message_en="", value=text, **cell
        )
        if not self._check_ref(iri, sheets, where, final=False):
            self.pending.append((iri, sheets, where))

    @staticmethod
    def origin_at(table: int, row: int) -> Origin:
        return Origin(table, row)

    def classes_of(self, sheets: tuple[str, ...]) -> set[str]:
        """The classes of the nodes the sheets describe (for references into them)."""
        return {c for s in sheets if (found := sheet_named(s)) and (c := found.rdf_class)}

    def _check_ref(self, iri: str, sheets: tuple[str, ...], where: Problem, *, final: bool) -> bool:
        classes = self.classes_of(sheets)
        seen = self.sheet_of(iri)
        if seen is not None:
            if not sheets or seen in sheets:
                return True
            return self._wrong_kind(where, seen, sheets)
        known = self.graph.types.get(iri)
        if known is not None:
            if not classes or known & classes:
                return True
            return self._wrong_kind(where, "/".join(sorted(known)), sheets)
        if not final:
            return False
        candidates = [self._display_id(i) for i, s in self.described() if not sheets or s in sheets]
        near = difflib.get_close_matches(where.value, candidates, n=3, cutoff=0.5)
        hint_fr = f" ; les plus proches : {', '.join(near)}" if near else ""
        hint_en = f"; nearest: {', '.join(near)}" if near else ""
        target = " ou ".join(sheets) if sheets else "aucune feuille"
        target_en = " or ".join(sheets) if sheets else "any sheet"
        self.out.problems.append(
            _with(
                where,
                f"« {where.value} » ne désigne rien : aucune ligne de {target} ne porte cet "
                f"identifiant et le graphe ne le décrit pas{hint_fr}",
                f"'{where.value}' refers to nothing: no row of {target_en} "
                f"has this identifier and the graph does not describe it{hint_en}",
            )
        )
        return True

    def _wrong_kind(self, where: Problem, found: str, sheets: tuple[str, ...]) -> bool:
        self.out.problems.append(
            _with(
                where,
                f"« {where.value} » est décrit dans {found}, pas dans {' ou '.join(sheets)}",
                f"'{where.value}' is described in {found}, not in {' or '.join(sheets)}",
            )
        )
        return True

    def _check_pending(self) -> None:
        for iri, sheets, where in self.pending:
            self._check_ref(iri, sheets, where, final=True)
        self.pending.clear()

    def _display_id(self, iri: str) -> str:
        if iri.startswith(self.base):
            return iri[len(self.base) :]
        return CONVERTER.compress(iri) or iri

    # ---- territories by ISO code
    def _territory_by_code(self, table, code: str, cell, origin: Origin) -> str | None:
        if code in self.iso_rows:
            return self.iso_rows[code]
        if code in self.graph.iso:
            return self.graph.iso[code]
        names = _iso_names(code)
        if names is None:
            self._problem_at(
                table,
                "constraint-error",
                f"« {code} » n'est pas un code ISO 3166 connu (pays : TN ; subdivision : TN-82) ; "
                "pour un territoire déjà décrit, donnez son identifiant",
                f"'{code}' is not a known ISO 3166 code (country: TN; subdivision: TN-82); for "
                "a territory described already, give its identifier",
                value=code,
                **cell,
            )
            return None
        # esskg's own identifier for the territory when it has one (id:occitanie for FR-OCC), so
        # the workspace's data joins esskg's; else one under the workspace's base.
        iri = esskg_territories().get(code) or self.base + code.lower()
        if iri in self.minted_territories or self.sheet_of(iri) is not None:
            return iri
        self.minted_territories.add(iri)
        self.out.origins.setdefault(iri, origin)
        self._describe_iso(iri, code, names, table, cell, origin)
        return iri

    def _describe_iso(self, iri, code, names, table, cell, origin) -> None:
        fr, en, kind, parent = names
        subject = f"<{iri}>"
        lines = self.out.lines
        lines.append(f"{subject} {_TYPE_IRI} <{ESSKG}Territory> .\n")
        lines.append(f"{subject} <{RDFS_LABEL}> {_literal(fr, lang='fr')} .\n")
        lines.append(f"{subject} <{RDFS_LABEL}> {_literal(en, lang='en')} .\n")
        lines.append(f"{subject} <{ESSKG}iso3166Code> {_literal(code)} .\n")
        lines.append(f"{subject} <{ESSKG}territoryKind> <{TERR}{kind}> .\n")
        if parent:
            within = self._territory_by_code(table, parent, cell, origin)
            if within:
                lines.append(f"{subject} <{ESSKG}liesWithin> <{within}> .\n")

    def _complete_territory(self, node: str, sheet: Sheet, values: dict, origin: Origin) -> None:
        """A territories row with an ISO code: what it leaves empty comes from ISO 3166."""
        code = _text(values.get("code_iso"))
        if not isinstance(code, str) or not code or _iso_names(code.upper()) is None:
            return
        fr, en, kind, parent = _iso_names(code.upper())  # type: ignore[misc]
        subject = f"<{node}>"
        lines = self.out.lines
        if not _text(values.get("nom_fr")):
            lines.append(f"{subject} <{RDFS_LABEL}> {_literal(fr, lang='fr')} .\n")
        if not _text(values.get("nom_en")):
            lines.append(f"{subject} <{RDFS_LABEL}> {_literal(en, lang='en')} .\n")
        if not _text(values.get("nature")):
            lines.append(f"{subject} <{ESSKG}territoryKind> <{TERR}{kind}> .\n")
        if parent and not _text(values.get("situe_dans")):
            table = self.out.tables[origin.table]
            within = self._territory_by_code(
                table, parent, {"sheet": table.sheet, "row": origin.row}, origin
            )
            if within:
                lines.append(f"{subject} <{ESSKG}liesWithin> <{within}> .\n")

    # ---- problems
    def _problem_at(
        self, table: Table, code: str, fr: str, en: str, *, warning: bool = False, **where
    ) -> None:
        if warning:
            table.notes.append(say(f"{table.display} : {fr}", f"{table.display}: {en}"))
            return
        self.out.problems.append(
            Problem(file=table.display, code=code, message_fr=fr, message_en=en, **where)
        )

    def _missing(self, table, spec: Column, cell) -> None:
        self._problem_at(
            table,
            "missing-cell",
            f"cellule obligatoire vide : {spec.help_fr}",
            f"required cell is empty: {spec.help_en}",
            **cell,
        )

    def _type_error(self, table, spec: Column, value, cell) -> None:
        expected = {
            "integer": ("un nombre entier positif ou nul", "a whole number, zero or more"),
            "date": (
                "une année (2017) ou une date (2017-03-01)",
                "a year (2017) or a date (2017-03-01)",
            ),
        }.get(spec.kind, ("du texte", "text"))
        shown = value.isoformat() if isinstance(value, dt.date) else str(value)
        kind_fr = (
            "un nombre"
            if isinstance(value, int | float)
            else "une date"
            if isinstance(value, dt.date)
            else "une valeur"
        )
        kind_en = (
            "a number"
            if isinstance(value, int | float)
            else "a date"
            if isinstance(value, dt.date)
            else "a value"
        )
        hint_fr = " ; formatez la cellule en texte" if expected[1] == "text" else ""
        hint_en = "; format the cell as text" if expected[1] == "text" else ""
        self._problem_at(
            table,
            "type-error",
            f"{kind_fr} ({shown}) là où {expected[0]} est attendu{hint_fr}",
            f"{kind_en} ({shown}) where {expected[1]} is expected{hint_en}",
            value=shown,
            **cell,
        )

    def _unknown(self, table, value: str, choices: list[str], cell, spec: Column) -> None:
        folded = {fold(c): c for c in choices}
        near = [
            folded[f] for f in difflib.get_close_matches(fold(value), list(folded), n=3, cutoff=0.5)
        ]
        hint_fr = (
            f" ; les plus proches : {', '.join(near)}" if near else " ; voir la liste déroulante"
        )
        hint_en = f"; nearest: {', '.join(near)}" if near else "; see the drop-down list"
        self._problem_at(
            table,
            "constraint-error",
            f"valeur « {value} » inconnue pour {spec.name}{hint_fr}",
            f"unknown value '{value}' for {spec.name}{hint_en}",
            value=value,
            **cell,
        )


def _with(where: Problem, fr: str, en: str) -> Problem:
    return Problem(
        file=where.file,
        code=where.code,
        message_fr=fr,
        message_en=en,
        sheet=where.sheet,
        row=where.row,
        column=where.column,
        line=where.line,
        value=where.value,
    )


def _text(value: object) -> object:
    """A cell's value: text stripped (an export's neutralising quote removed), numbers, dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return text[1:] if NEUTRALISED.match(text) else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def period_end_literal(day: str) -> str:
    """dcterms:valid for something that ceased on `day` (a DCMI Period, W3C-DTF dates)."""
    return f'"end={day}; scheme=W3C-DTF;"^^<{PREFIXES["dcterms"]}Period>'


def period_end_day(value: str) -> str | None:
    """The end day of a DCMI Period literal written by period_end_literal, else None."""
    match = re.fullmatch(r"end=(\d{4}-\d{2}-\d{2}); scheme=W3C-DTF;", value)
    return match.group(1) if match else None


def _literal(value: str, *, lang: str = "", datatype: str = "") -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{XSD}{datatype}>'
    return f'"{escaped}"'


@cache
def _translations() -> tuple[gettext.NullTranslations, gettext.NullTranslations]:
    def load(domain: str) -> gettext.NullTranslations:
        try:
            return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["fr"])
        except OSError:
            return gettext.NullTranslations()

    return load("iso3166-1"), load("iso3166-2")


@cache
def _iso_names(code: str) -> tuple[str, str, str, str | None] | None:
    """(French name, English name, territory kind, parent code) of an ISO 3166 code, or None."""
    countries, subdivisions = _translations()
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            return None
        return countries.gettext(country.name), country.name, "pays", None
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        return None
    kind = _ISO_KINDS.get(subdivision.type, "region")
    if subdivision.type == "Metropolitan region" and code.startswith("FR-"):
        kind = "region-francaise"
    parent = subdivision.parent_code or subdivision.country_code
    return subdivisions.gettext(subdivision.name), subdivision.name, kind, parent


@cache
def esskg_territories() -> dict[str, str]:
    """ISO 3166 code -> esskg's identifier, for the territories esskg's own data describes."""
    codes: dict[str, str] = {}
    predicate = ESSKG + "iso3166Code"
    for path in sorted((packaged_root() / "data").glob("*/*.ttl")):
        for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
            if quad.predicate.value == predicate:
                codes.setdefault(quad.object.value, quad.subject.value)
    return codes


def _parts(conversion: Conversion) -> Iterator[pl.Series]:
    """The N-Triples lines of the bulk path's files and of the row path, as Series, piece by
    piece (no Python string per line)."""
    stream = conversion.bulk_sink
    if stream is not None:
        if not conversion.bulk_own_sink:
            raise ValueError("the bulk statements went to the caller's file")
        stream.flush()
        stream.seek(0)
        rest = b""
        while chunk := stream.read(CHUNK_BYTES):
            chunk = rest + chunk
            end = chunk.rfind(b"\n") + 1
            rest = chunk[end:]
            if end:
                yield _split_lines(chunk[:end])
        if rest:
            yield _split_lines(rest + b"\n")
    if conversion.lines:
        yield _split_lines("".join(conversion.lines).encode("utf-8"))


def _split_lines(text: bytes) -> pl.Series:
    """Lines ending in "\n", as a Series (split by polars)."""
    return (
        pl.Series("line", [text.decode("utf-8")]).str.strip_suffix("\n").str.split("\n").explode()
    )


def ntriples_lines(conversion: Conversion, *, canonical: bool = True) -> pl.Series:
    """The conversion's statements as N-Triples lines (no "\\n"); `canonical`: each once, sorted,
    so the same rows give the same bytes. Done by polars: a million rows' lines never become
    Python strings."""
    parts = list(_parts(conversion))
    if not parts:
        return pl.Series("line", [], dtype=pl.String)
    lines = pl.concat(parts, rechunk=False)
    del parts
    return lines.unique().sort() if canonical else lines.rechunk()


def ntriples_bytes(lines: pl.Series) -> bytes:
    """N-Triples lines as a document."""
    if lines.is_empty():
        return b""
    buffer = io.BytesIO()
    lines.to_frame("line").write_csv(
        buffer, include_header=False, quote_style="never", batch_size=WRITE_BATCH
    )
    return buffer.getvalue()


def write_ntriples(conversion: Conversion, out: BinaryIO) -> None:
    """Write the conversion's statements to `out` as N-Triples (not deduplicated nor sorted; no
    copy of the whole in memory). The bulk path's are there already when `out` was the
    converter's sink."""
    stream = conversion.bulk_sink
    if stream is not None and stream is not out:
        stream.flush()
        stream.seek(0)
        while chunk := stream.read(CHUNK_BYTES):
            out.write(chunk)
    out.write("".join(conversion.lines).encode("utf-8"))


def ntriples(conversion: Conversion, *, canonical: bool = True) -> bytes:
    """The conversion's statements as N-Triples (see ntriples_lines)."""
    return ntriples_bytes(ntriples_lines(conversion, canonical=canonical))


__all__ = [
    "Conversion",
    "Converter",
    "GraphIndex",
    "Origin",
    "column_label",
    "ntriples",
    "ntriples_bytes",
    "ntriples_lines",
    "write_ntriples",
]
