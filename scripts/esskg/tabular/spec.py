"""The column specification (columns.csv) and the controlled values the columns accept.

columns.csv has one row per template column: the sheet, the column's stable name, its kind
(what a cell holds), the RDF predicate (`^p`: the row's node is the object of p), the target
(a class for `id`, a SKOS scheme for `code`, the sheets a reference may point into), the language
of a text, whether it is required, the in-cell separator, and help in French and English.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from esskg.namespaces import PREFIXES, SDG, UNSDG, expand_curie
from esskg.namespaces import RDF_TYPE as RDF_TYPE_IRI

# What a cell of each kind holds; the mapping and the export dispatch on these names.
KINDS = frozenset(
    {
        "id",  # the row's own identifier
        "subject",  # the identifier of a node described elsewhere (link sheets such as odd)
        "text",  # a literal, tagged with the column's language (xsd:string without one)
        "string",  # a code kept as text (INSEE, NUTS): xsd:string, formatted as text
        "isocode",  # an ISO 3166-1/3166-2 code
        "code",  # a concept of a SKOS scheme, by label, notation or identifier
        "ref",  # another node, by identifier
        "territory",  # a territory, by identifier or ISO 3166 code
        "sdg",  # an SDG (2) or a UN target (2.4)
        "integer",  # xsd:integer, 0 or more
        "date",  # xsd:gYear, xsd:gYearMonth or xsd:date
        "duration",  # xsd:duration
        "period-end",  # the day something ceased: dcterms:valid "end=YYYY-MM-DD; ..."
    }
)
SKOS = PREFIXES["skos"]
RDF_TYPE = ox.NamedNode(RDF_TYPE_IRI)


@dataclass(frozen=True)
class Column:
    sheet: str
    name: str
    kind: str
    predicate: str | None  # full IRI
    inverse: bool
    target: str  # class or scheme IRI, or sheet names separated by spaces
    lang: str
    required: bool
    separator: str
    mint: tuple[str, ...]
    help_fr: str
    help_en: str
    example: str

    @property
    def target_sheets(self) -> tuple[str, ...]:
        return tuple(self.target.split()) if self.kind in ("ref", "subject", "territory") else ()

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_fr


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> Column:
        """The column naming the row's node: `id`, or `subject` in a link sheet."""
        return self.columns[0]

    @property
    def rdf_class(self) -> str | None:
        return self.key.target if self.key.kind == "id" else None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@functools.cache
def load_spec() -> tuple[Sheet, ...]:
    """The sheets in template order, each with its columns; read once."""
    text = resources.files("esskg.tabular").joinpath("columns.csv").read_text(encoding="utf-8")
    by_sheet: dict[str, list[Column]] = {}
    for row in csv.DictReader(text.splitlines()):
        kind = row["kind"]
        if kind not in KINDS:
            raise ValueError(f"columns.csv: unknown kind {kind!r} for {row['column']}")
        raw = row["predicate"]
        inverse = raw.startswith("^")
        predicate = _expand(raw.removeprefix("^")) if raw else None
        target = row["target"]
        if kind in ("id", "code"):
            target = _expand(target)
        by_sheet.setdefault(row["sheet"], []).append(
            Column(
                sheet=row["sheet"],
                name=row["column"],
                kind=kind,
                predicate=predicate,
                inverse=inverse,
                target=target,
                lang=row["lang"],
                required=row["required"] == "yes",
                separator=row["separator"],
                mint=tuple(row["mint"].split()),
                help_fr=row["help_fr"],
                help_en=row["help_en"],
                example=row["example"],
            )
        )
    return tuple(Sheet(name, tuple(columns)) for name, columns in by_sheet.items())


def sheet_named(name: str) -> Sheet | None:
    return next((s for s in load_spec() if s.name == name), None)


def _expand(curie: str) -> str:
    iri = expand_curie(curie)
    if iri is None:
        raise ValueError(f"columns.csv: unknown prefix in {curie!r}")
    return iri


def fold(text: str) -> str:
    """A label compared loosely: case, accents, apostrophes and spaces do not matter."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Scheme:
    """One SKOS scheme's concepts: what a cell may say, and the French label to write back."""

    iri: str
    concepts: dict[str, dict[str, str]] = field(default_factory=dict)  # iri -> {"fr": label,...}
    lookup: dict[str, str] = field(default_factory=dict)  # folded label/notation/name -> iri

    def label(self, iri: str, lang: str = "fr") -> str:
        labels = self.concepts.get(iri, {})
        return labels.get(lang) or labels.get("fr") or labels.get("en") or iri

    def choices(self) -> list[str]:
        """The French labels, for drop-down lists, in a stable order."""
        return sorted({self.label(iri) for iri in self.concepts}, key=fold)


@dataclass
class Vocabulary:
    """The controlled values the columns accept, read from the graph's vocabulary layer."""

    schemes: dict[str, Scheme]
    goals: dict[str, str]  # notation "2" -> esskg goal IRI
    targets: dict[str, str]  # notation "2.4" -> UN target IRI
    goal_titles: dict[str, str]  # notation -> French title (for drop-downs)

    @classmethod
    def from_dataset(cls, dataset: ox.Dataset) -> Vocabulary:
        wanted = {c.target for s in load_spec() for c in s.columns if c.kind == "code"}
        schemes = {iri: Scheme(iri) for iri in wanted}
        labels: dict[str, dict[str, str]] = {}
        for quad in dataset.quads_for_predicate(ox.NamedNode(SKOS + "prefLabel")):
            if isinstance(quad.object, ox.Literal) and quad.object.language:
                labels.setdefault(quad.subject.value, {}).setdefault(
                    quad.object.language, quad.object.value
                )
        notations: dict[str, list[str]] = {}
        for quad in dataset.quads_for_predicate(ox.NamedNode(SKOS + "notation")):
            notations.setdefault(quad.subject.value, []).append(quad.object.value)
        goals: dict[str, str] = {}
        targets: dict[str, str] = {}
        titles: dict[str, str] = {}
        for quad in dataset.quads_for_predicate(ox.NamedNode(SKOS + "inScheme")):
            concept = quad.subject.value
            names = labels.get(concept, {})
            codes = notations.get(concept, [])
            scheme = schemes.get(quad.object.value)
            if scheme is not None:
                scheme.concepts[concept] = names
                local = re.split(r"[/#]", concept)[-1]
                for key in (*names.values(), *codes, local):
                    scheme.lookup.setdefault(fold(key), concept)
            for code in codes:
                if concept.startswith(SDG) and "." not in code:
                    goals[code] = concept
                    titles.setdefault(code, names.get("fr", ""))
                elif concept.startswith(UNSDG) and "." in code:
                    targets[code] = concept
                    titles[code] = names.get("fr", "")
        return cls(schemes, goals, targets, titles)

    def sdg(self, text: str) -> str | None:
        """The goal or target a cell names: "2", "2.4", or a drop-down entry "2.4 — ..."."""
        code = text.split("—")[0].strip().split(" ")[0].removeprefix("ODD").strip()
        return self.goals.get(code) or self.targets.get(code)

    def sdg_code(self, iri: str) -> str | None:
        for table in (self.goals, self.targets):
            for code, value in table.items():
                if value == iri:
                    return code
        return None

    def sdg_choices(self) -> list[str]:
        def key(code: str) -> tuple[int, ...]:
            return tuple(int(p) if p.isdigit() else 99 for p in code.split("."))

        codes = sorted([*self.goals, *self.targets], key=key)
        return [f"{c} — {self.goal_titles.get(c, '')}".rstrip(" —") for c in codes]
