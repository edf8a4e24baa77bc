"""Rendering for people and programs: aligned tables, terms as CURIEs, query results by format.

Kept apart from the verbs so that printing a table pulls in neither pySHACL nor a store.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from esskg.dump import merged_triples, ntriples_bytes, turtle_bytes
from esskg.errors import Problem, QueryError
from esskg.i18n import language, say
from esskg.namespaces import to_curie

# Results of SELECT and ASK; the graphs of CONSTRUCT and DESCRIBE. "table" is the default of
# both: an aligned table for solutions, Turtle (with the project prefixes) for a graph.
SOLUTION_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld")
FORMATS = (*SOLUTION_FORMATS, *GRAPH_FORMATS)
_RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}

Term = ox.NamedNode | ox.BlankNode | ox.Literal
# The separator of the list cells a canned query builds with GROUP_CONCAT (`# sorted-list:`).
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Solutions:
    """SELECT results read into rows, in their order, after esskg has tidied some cells."""

    variables: list[str]
    rows: list[dict[str, Term]]


Result = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean | list[ox.Triple] | Solutions


def sorted_list_text(text: str) -> str:
    """ "b; a" -> "a; b": the parts of a list cell in alphabetical order."""
    return LIST_SEPARATOR.join(sorted(text.split(LIST_SEPARATOR)))


def sorted_lists(solutions: ox.QuerySolutions, columns: Iterable[str]) -> Solutions:
    """The rows with the parts of each list cell of `columns` in alphabetical order.

    SPARQL leaves the order of GROUP_CONCAT's parts undefined (an ORDER BY in a subquery need
    not reach the aggregate), so the order people see is set here, where it is defined.
    """
    columns = set(columns)
    variables = [v.value for v in solutions.variables]
    rows = []
    for row in solution_rows_of(solutions, variables):
        for name in columns & row.keys():
            cell = row[name]
            if isinstance(cell, ox.Literal) and LIST_SEPARATOR in cell.value:
                text = sorted_list_text(cell.value)
                row[name] = (
                    ox.Literal(text, language=cell.language)
                    if cell.language
                    else (ox.Literal(text, datatype=cell.datatype))
                )
        rows.append(row)
    return Solutions(variables, rows)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    if not rows:
        return ""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).replace("\n", " ") for c in row]
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    return "\n".join(lines) + "\n"


# The SHACL severities as French tables name them.
SEVERITY_FR = {"Violation": "Violation", "Warning": "Avertissement", "Info": "Info"}


def render_problems(problems: list[Problem], lang: str | None = None) -> str:
    """Problems as a table a person works through, the one renderer of import, validate and
    the gate: the columns their problems fill (severity; file; sheet, row, column; node, path),
    then the value and the message, in `lang`."""
    lang = lang or language()
    fr = lang == "fr"
    severity = any(p.severity for p in problems)
    nodes = any(p.node or p.path for p in problems)
    # Spreadsheet columns unless every problem is about an RDF node (validate's results).
    sheets = any(p.sheet or p.row is not None or p.column for p in problems) or not nodes
    files = any(p.file for p in problems)
    header = [
        *((("gravité" if fr else "severity"),) if severity else ()),
        *((("fichier" if fr else "file"),) if files else ()),
        *(
            (("feuille", "ligne", "colonne") if fr else ("sheet", "row", "column"))
            if sheets
            else ()
        ),
        *((("nœud", "chemin") if fr else ("focus", "path")) if nodes else ()),
        "valeur" if fr else "value",
        "message",
    ]
    rows = []
    for p in problems:
        where = p.file or "-"
        if p.line is not None and not sheets:
            where = f"{where}:{p.line}"
        row = [
            *(
                ((SEVERITY_FR.get(p.severity, p.severity) if fr else p.severity) or "-",)
                if severity
                else ()
            ),
            *((where,) if files else ()),
            *((p.sheet or "-", _row_text(p, fr), p.column or "-") if sheets else ()),
            *((p.node or "-", p.path or "-") if nodes else ()),
            _shortened(p.value) or "-",
            p.message(lang),
        ]
        rows.append(tuple(row))
    return format_table(tuple(header), rows)


def _shortened(value: str) -> str:
    """A long text cut for the table; an IRI or a CURIE (no space) is the value itself: whole."""
    if len(value) > 43 and any(c.isspace() for c in value):
        return value[:40] + "..."
    return value


def _row_text(problem: Problem, fr: bool) -> str:
    if problem.row is None:
        if not problem.line:
            return "-"
        return f"ligne de texte {problem.line}" if fr else f"line {problem.line}"
    if problem.line and problem.line != problem.row:
        line = f"ligne de texte {problem.line}" if fr else f"line {problem.line}"
        return f"{problem.row} ({line})"
    return str(problem.row)


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """A term for people: CURIE for IRIs, literal text (with @lang), _:id for blank nodes."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return to_curie(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal) and term.language:
        return f"{term.value}@{term.language}"
    return term.value


def plural(count: int, fr: str, en: str) -> str:
    """ "1 row", "2 rows"; in French "0 ligne", "1 ligne", "2 lignes" (singular below 2)."""
    return say(
        f"{count} {fr}{'s' if count > 1 else ''}", f"{count} {en}{'s' if count != 1 else ''}"
    )


def solution_rows(solutions: ox.QuerySolutions | Solutions) -> list[dict[str, Term]]:
    """Materialise SELECT solutions as dicts (a QuerySolutions can be read only once)."""
    if isinstance(solutions, Solutions):
        return solutions.rows
    return solution_rows_of(solutions, [v.value for v in solutions.variables])


def solution_rows_of(solutions: ox.QuerySolutions, names: list[str]) -> list[dict[str, Term]]:
    return [
        {name: solution[name] for name in names if solution[name] is not None}
        for solution in solutions
    ]


def _serialize_rows(solutions: Solutions, fmt: str) -> str:
    """CSV, TSV or JSON of rows esskg has tidied (JSON by rdflib's SPARQL results writer).

    rdflib writes no TSV; the SPARQL TSV format is the terms in N-Triples syntax, which is how
    pyoxigraph prints a term.
    """
    if fmt == "tsv":
        lines = ["\t".join(f"?{name}" for name in solutions.variables)]
        lines.extend(
            "\t".join(str(row[n]) if n in row else "" for n in solutions.variables)
            for row in solutions.rows
        )
        return "\n".join(lines) + "\n"
    if fmt == "csv":
        # SPARQL's CSV: each term's plain text, blank nodes as _:id, RFC 4180 quoting and CR LF
        # line ends, which is the csv module's default. Not through rdflib, whose import alone
        # costs a fifth of the time `esskg query` may take.
        stream = io.StringIO()
        writer = csv.writer(stream)
        writer.writerow(solutions.variables)
        writer.writerows(
            [_csv_text(row.get(name)) for name in solutions.variables] for row in solutions.rows
        )
        return stream.getvalue()
    from rdflib.query import Result as RdflibResult
    from rdflib.term import Variable

    from esskg.convert import to_rdflib_term

    result = RdflibResult("SELECT")
    result.vars = [Variable(name) for name in solutions.variables]
    result.bindings = [
        {Variable(name): to_rdflib_term(term) for name, term in row.items()}
        for row in solutions.rows
    ]
    return result.serialize(format=fmt).decode("utf-8")


def _csv_text(term: Term | None) -> str:
    if term is None:
        return ""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def check_format(result: Result, fmt: str) -> None:
    """Refuse a --format that does not fit the kind of result, saying which ones do."""
    is_graph = isinstance(result, ox.QueryTriples | list)
    if is_graph and fmt in SOLUTION_FORMATS[1:]:
        raise QueryError(
            say(
                f"--format {fmt} sert aux résultats de SELECT et ASK ; cette requête construit "
                f"un graphe (CONSTRUCT ou DESCRIBE)\n  conseil : --format "
                f"{' ou '.join(GRAPH_FORMATS)}",
                f"--format {fmt} is for SELECT and ASK results; this query builds a graph "
                f"(CONSTRUCT or DESCRIBE)\n  hint: use --format {' or '.join(GRAPH_FORMATS)}",
            )
        )
    if not is_graph and fmt in GRAPH_FORMATS:
        raise QueryError(
            say(
                f"--format {fmt} sert aux graphes (CONSTRUCT, DESCRIBE) ; cette requête donne "
                f"un tableau\n  conseil : --format {' ou '.join(SOLUTION_FORMATS)}",
                f"--format {fmt} is for graphs (CONSTRUCT, DESCRIBE); this query gives a table"
                f"\n  hint: use --format {' or '.join(SOLUTION_FORMATS)}",
            )
        )


def render_result(result: Result, fmt: str) -> tuple[str, str]:
    """The text for stdout and a note for stderr ("N rows") for any kind of query result."""
    check_format(result, fmt)
    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8") + "\n", ""
        return ("true" if bool(result) else "false") + "\n", ""
    if isinstance(result, ox.QueryTriples | list):
        triples = merged_triples(result)
        if fmt == "ntriples":
            data = ntriples_bytes(triples)
        elif fmt == "jsonld":
            data = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) + b"\n"
        else:
            data = turtle_bytes(triples)
        return data.decode("utf-8"), plural(len(triples), "triplet", "triple")
    if fmt in _RESULT_FORMATS:
        # Counting would consume the iterator; the standard formats speak for themselves.
        if isinstance(result, Solutions):
            text = _serialize_rows(result, fmt)
        else:
            text = result.serialize(format=_RESULT_FORMATS[fmt]).decode("utf-8")
        return (text if text.endswith("\n") else text + "\n"), ""
    names = (
        result.variables if isinstance(result, Solutions) else [v.value for v in result.variables]
    )
    rows = solution_rows(result)
    table = format_table(
        tuple(names), [tuple(term_text(row.get(n)) for n in names) for row in rows]
    )
    return table, plural(len(rows), "ligne", "row")
