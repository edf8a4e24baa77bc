"""CSV tables of the main things, for people who stop at spreadsheets.

One SPARQL query per table; the rows it returns are folded to one row per entity (several values
of a column joined with " | ", sorted). Labels are the French ones. Cells that a spreadsheet would
run as a formula (starting with = + - @, tab or carriage return) get a leading apostrophe. The
files are UTF-8 with a byte-order mark, so Excel shows the accents.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox

from esskg.namespaces import prefix_header

__all__ = ["TABLES", "Table", "neutralise", "table_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_JOIN = " | "


@dataclass(frozen=True)
class Table:
    """A CSV table: file name, title, the key column (one row per value) and its SPARQL query."""

    name: str
    title: str
    title_fr: str
    key: str
    columns: tuple[str, ...]
    query: str


def _fr(var: str, subject: str, predicate: str = "rdfs:label") -> str:
    return f'OPTIONAL {{ {subject} {predicate} ?{var} FILTER(LANG(?{var}) = "fr") }}'


TABLES: tuple[Table, ...] = (
    Table(
        "actors.csv",
        "Actors",
        "les acteurs",
        "actor",
        ("actor", "label", "kind", "kind_label", "based_in", "based_in_label"),
        f"""SELECT * {{
  ?actor a esskg:Actor . {_fr("label", "?actor")}
  OPTIONAL {{ ?actor esskg:actorKind ?kind . {_fr("kind_label", "?kind", "skos:prefLabel")} }}
  OPTIONAL {{ ?actor esskg:basedIn ?based_in . {_fr("based_in_label", "?based_in")} }}
}}""",
    ),
    Table(
        "territories.csv",
        "Territories",
        "les territoires",
        "territory",
        ("territory", "label", "kind", "kind_label", "lies_within", "iso3166", "insee", "nuts"),
        f"""SELECT * {{
  ?territory a esskg:Territory . {_fr("label", "?territory")}
  OPTIONAL {{
    ?territory esskg:territoryKind ?kind . {_fr("kind_label", "?kind", "skos:prefLabel")}
  }}
  OPTIONAL {{ ?territory esskg:liesWithin ?lies_within }}
  OPTIONAL {{ ?territory esskg:iso3166Code ?iso3166 }}
  OPTIONAL {{ ?territory esskg:inseeCode ?insee }}
  OPTIONAL {{ ?territory esskg:nutsCode ?nuts }}
}}""",
    ),
    Table(
        "partnerships.csv",
        "Partnerships",
        "les partenariats",
        "partnership",
        ("partnership", "label", "cooperation_type", "territories", "sdgs"),
        f"""SELECT * {{
  ?partnership a esskg:Partnership . {_fr("label", "?partnership")}
  OPTIONAL {{ ?partnership esskg:cooperationType ?cooperation_type }}
  OPTIONAL {{ ?partnership esskg:involvesTerritory ?territories }}
  OPTIONAL {{ ?partnership esskg:contributesToSDG ?sdgs }}
}}""",
    ),
    Table(
        "participations.csv",
        "Participations",
        "les participations (qui, dans quoi, quel rôle)",
        "participation",
        ("participation", "in", "in_label", "agent", "agent_label", "role", "role_label"),
        f"""SELECT * {{
  ?participation a esskg:Participation .
  OPTIONAL {{ ?in prov:qualifiedAssociation ?participation . {_fr("in_label", "?in")} }}
  OPTIONAL {{ ?participation prov:agent ?agent . {_fr("agent_label", "?agent")} }}
  OPTIONAL {{ ?participation prov:hadRole ?role . {_fr("role_label", "?role", "skos:prefLabel")} }}
}}""",
    ),
    Table(
        "sdg-links.csv",
        "Links to the SDGs and their targets",
        "les liens aux ODD et à leurs cibles",
        "link",
        ("subject", "subject_label", "sdg", "sdg_label"),
        f"""SELECT (CONCAT(STR(?subject), " ", STR(?sdg)) AS ?link)
  ?subject ?subject_label ?sdg ?sdg_label {{
  ?subject esskg:contributesToSDG ?sdg . {_fr("subject_label", "?subject")}
  {_fr("sdg_label", "?sdg", "skos:prefLabel")}
}}""",
    ),
)


def neutralise(cell: str) -> str:
    """The cell, with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def table_rows(store: ox.Store, table: Table) -> list[list[str]]:
    """One row per key value, in key order; each cell the sorted distinct values joined."""
    result = store.query(prefix_header() + table.query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    key_at = names.index(table.key)
    column_at = [names.index(c) for c in table.columns]
    grouped: dict[str, list[set[str]]] = {}
    for solution in result:
        # All of a row's terms at once, by position: a lookup by name per cell cost a third
        # of the tables at a million triples.
        terms = tuple(solution)
        key = terms[key_at]
        if key is None:
            continue
        cells = grouped.get(key.value)
        if cells is None:
            cells = grouped[key.value] = [set() for _ in column_at]
        for cell, at in zip(cells, column_at, strict=True):
            term = terms[at]
            if term is not None:
                cell.add(term.value)
    return [[_JOIN.join(sorted(cell)) for cell in grouped[key]] for key in sorted(grouped)]


def table_csv(store: ox.Store, table: Table) -> bytes:
    """The table as UTF-8 CSV (RFC 4180: CRLF line ends, quotes where needed), header first.

    With a byte-order mark: Excel, which most users open a CSV with, reads a file without one in
    the system's legacy code page and shows "CoopÃ©ration"; with it, accents come out right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table_rows(store, table):
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
