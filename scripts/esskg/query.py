"""The `query` and `queries` verbs: the canned-query catalogue, parameter binding and execution.

A canned query is queries/NN_name.rq with a comment header (title, description, param lines).
Parameters are bound as RDF terms through pyoxigraph substitutions, never pasted into the text,
so a value cannot change the query. Queries run offline: SERVICE is refused before running.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParseResults
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from esskg.dump import merged_triples, turtle_bytes
from esskg.errors import ParameterError, QueryError, display_path
from esskg.load import load_project
from esskg.namespaces import SDG, UNSDG, XSD, expand_curie, to_curie
from esskg.resources import project
from esskg.validate import format_table

log = logging.getLogger(__name__)

PARAM_TYPES = ("iri", "sdg", "integer", "string")
FORMATS = ("table", "csv", "tsv", "json")
_RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}
_CANNED_NAME = re.compile(r"^(?P<number>\d\d)_(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)\.rq$")
# A header key sits right after "# "; deeper indentation continues the previous key.
_HEADER_KEY = re.compile(r"^ ?(?P<key>[A-Za-z][A-Za-z0-9_-]*):(?:\s+(?P<value>.*))?$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SYNTAX_POSITION = re.compile(r"error at (?P<line>\d+):(?P<column>\d+): (?P<msg>.*)", re.S)
_SERVICE_FALLBACK = re.compile(
    r"\bSERVICE\s+(?:SILENT\s+)?(?P<iri><[^>\s]*>|[?$]\w+|[\w-]*:[\w.-]*)\s*\{", re.I
)


@dataclass(frozen=True)
class QueryParam:
    """One `# param:` line: the ?variable it binds, its type, default and description."""

    name: str
    type: str
    default: str | None
    description: str
    line: int = field(default=0, compare=False)

    @property
    def required(self) -> bool:
        return self.default is None

    def summary(self) -> str:
        default = f" = {self.default}" if self.default is not None else ", required"
        return f"{self.name} ({self.type}{default})"


@dataclass(frozen=True)
class CannedQuery:
    """A query file with its header read; `name` is the file name without number and .rq."""

    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: tuple[QueryParam, ...] = ()

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)


def read_query(path: Path) -> CannedQuery:
    """A query file and its header; QueryError names the file and line of a bad header."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"{display_path(path)}: no such query file") from None
    except UnicodeDecodeError as e:
        raise QueryError(f"{display_path(path)}: not UTF-8 text ({e.reason})") from None
    match = _CANNED_NAME.match(path.name)
    name = match.group("name") if match else path.stem
    fields: list[tuple[str, str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        content = line[1:]
        key = _HEADER_KEY.match(content)
        if key:
            fields.append((key.group("key").lower(), (key.group("value") or "").strip(), number))
        elif fields and content.strip():
            key_name, value, first_line = fields[-1]
            fields[-1] = (key_name, f"{value} {content.strip()}".strip(), first_line)
    title = next((v for k, v, _ in fields if k == "title"), "")
    description = next((v for k, v, _ in fields if k == "description"), "")
    params = tuple(
        _read_param(path, value, line, text) for k, value, line in fields if k == "param"
    )
    duplicates = {p.name for p in params if sum(q.name == p.name for q in params) > 1}
    if duplicates:
        raise QueryError(
            f"{display_path(path)}: parameter {', '.join(sorted(duplicates))} declared twice"
        )
    _check_projection(path, text, params)
    return CannedQuery(
        name=name, path=path, text=text, title=title, description=description, params=params
    )


def list_queries(root: Path | str | None = None) -> list[CannedQuery]:
    """The canned queries queries/NN_name.rq, in file-name order."""
    folder = project(root).queries_dir
    queries = []
    for path in sorted(folder.glob("*.rq")):
        if _CANNED_NAME.match(path.name):
            queries.append(read_query(path))
        else:
            log.warning("skipping %s: canned queries are named NN_name.rq", display_path(path))
    return queries


def list_checks(root: Path | str | None = None) -> list[CannedQuery]:
    """The quality checks queries/checks/*.rq, in file-name order."""
    return [read_query(p) for p in sorted(project(root).checks_dir.glob("*.rq"))]


def find_query(name_or_path: str | Path, root: Path | str | None = None) -> CannedQuery:
    """A canned query or check by name (with or without its NN_ prefix), or a .rq file by path."""
    if (
        isinstance(name_or_path, Path)
        or str(name_or_path).endswith(".rq")
        or "/" in str(name_or_path)
    ):
        return read_query(Path(name_or_path))
    catalogue = [*list_queries(root), *list_checks(root)]
    for query in catalogue:
        if name_or_path in (query.name, query.path.stem):
            return query
    known = ", ".join(q.name for q in catalogue) or "none"
    raise QueryError(
        f"no query named {name_or_path!r}; known queries: {known} (see `esskg queries`)"
    )


def convert_value(param: QueryParam, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter value; ParameterError says which form was expected."""
    value = value.strip()
    if param.type == "string":
        return ox.Literal(value)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ParameterError(f"parameter {param.name}: {value!r} is not an integer (e.g. 10)")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "sdg":
        if re.fullmatch(r"\d{1,2}", value) and 1 <= int(value) <= 17:
            return ox.NamedNode(SDG + str(int(value)))
        if (
            re.fullmatch(r"\d{1,2}\.(?:\d{1,2}|[a-z])", value)
            and 1 <= int(value.split(".")[0]) <= 17
        ):
            return ox.NamedNode(UNSDG + value)
        expected = "a goal 1-17 (e.g. 2), a target (e.g. 2.4 or 2.a), or an IRI"
        return _iri(param, value, expected)
    return _iri(
        param, value, "a CURIE with a project prefix (e.g. field:x), <IRI> or http(s)://..."
    )


def bind_params(
    query: CannedQuery, given: dict[str, str]
) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Substitutions for pyoxigraph: given values, then defaults; unknown or missing ones fail."""
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.summary() for p in query.params) or "none"
        raise ParameterError(
            f"query {query.name} has no parameter {', '.join(unknown)}; its parameters: {known}"
        )
    bindings: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        value = given.get(param.name, param.default)
        if value is None:
            raise ParameterError(
                f"query {query.name} needs --param {param.name}=VALUE "
                f"({param.type}: {param.description})"
            )
        bindings[ox.Variable(param.name)] = convert_value(param, value)
    return bindings


def refuse_service(query: CannedQuery) -> None:
    """Raise if the query uses SERVICE: pyoxigraph would reach the network, esskg stays offline."""
    try:
        parsed = parseQuery(query.text)
    except ParseBaseException:
        # rdflib's grammar may reject what pyoxigraph accepts; a textual look is the safe side.
        match = _SERVICE_FALLBACK.search(_strip_comments(query.text))
        iri = match.group("iri") if match else None
    else:
        iri = _find_service(parsed)
    if iri is not None:
        raise QueryError(
            f"{display_path(query.path)}: esskg runs queries offline; SERVICE {iri} is not allowed"
        )


def execute(
    store: ox.Store, query: CannedQuery, params: dict[str, str] | None = None
) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
    """Run a query on the union of the store's graphs with its parameters bound as terms."""
    refuse_service(query)
    substitutions = bind_params(query, params or {})
    try:
        return store.query(query.text, use_default_graph_as_union=True, substitutions=substitutions)
    except SyntaxError as e:
        message = str(e)
        position = _SYNTAX_POSITION.search(message)
        if position:
            where = f"{display_path(query.path)}:{position['line']}:{position['column']}"
            raise QueryError(f"{where}: SPARQL syntax error: {position['msg']}") from None
        raise QueryError(f"{display_path(query.path)}: SPARQL syntax error: {message}") from None
    except (OSError, RuntimeError) as e:
        raise QueryError(f"{display_path(query.path)}: {e}") from None


def run_query(
    store: ox.Store,
    name_or_path: str | Path,
    params: dict[str, str] | None = None,
    *,
    root: Path | str | None = None,
) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """The rows of a SELECT query, each a dict of variable name -> term (unbound ones left out)."""
    return select_rows(store, find_query(name_or_path, root), params)


def select_rows(
    store: ox.Store, query: CannedQuery, params: dict[str, str] | None = None
) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """The rows of `query`, which must be a SELECT."""
    result = execute(store, query, params)
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError(f"{display_path(query.path)}: not a SELECT query")
    return solution_rows(result)


def construct_query(
    store: ox.Store,
    name_or_path: str | Path,
    params: dict[str, str] | None = None,
    *,
    root: Path | str | None = None,
) -> list[ox.Triple]:
    """The triples of a CONSTRUCT or DESCRIBE query, sorted."""
    query = find_query(name_or_path, root)
    result = execute(store, query, params)
    if not isinstance(result, ox.QueryTriples):
        raise QueryError(f"{display_path(query.path)}: not a CONSTRUCT or DESCRIBE query")
    return merged_triples(result)


def solution_rows(
    solutions: ox.QuerySolutions,
) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """Materialise SELECT solutions as dicts (a QuerySolutions can be read only once)."""
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append({name: solution[name] for name in names if solution[name] is not None})
    return rows


def render_result(
    result: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean, fmt: str
) -> tuple[str, str]:
    """The text for stdout and a note for stderr ("N rows") for any kind of query result."""
    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8") + "\n", ""
        return ("true" if bool(result) else "false") + "\n", ""
    if isinstance(result, ox.QueryTriples):
        triples = merged_triples(result)
        return turtle_bytes(triples).decode("utf-8"), f"{len(triples)} triples"
    if fmt in _RESULT_FORMATS:
        # Counting would consume the iterator; the standard formats speak for themselves.
        text = result.serialize(format=_RESULT_FORMATS[fmt]).decode("utf-8")
        return (text if text.endswith("\n") else text + "\n"), ""
    names = [v.value for v in result.variables]
    rows = solution_rows(result)
    table = format_table(
        tuple(names), [tuple(term_text(row.get(n)) for n in names) for row in rows]
    )
    return table, f"{len(rows)} row{'s' if len(rows) != 1 else ''}"


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


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE strings from --param into a dict; the value may itself contain '='."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r}: write KEY=VALUE")
        params[key.strip()] = value
    return params


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser(
        "queries",
        help="list the canned queries and the quality checks",
        description="List the canned queries (name, title, parameters) and the quality checks.",
    )
    listing.set_defaults(run=run_listing)

    parser = subparsers.add_parser(
        "query",
        help="run a canned query by name, or a .rq file",
        description="Run a canned query (see `esskg queries`) or a SPARQL file on the union of "
        "the project graphs, offline.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "name", nargs="?", metavar="NAME", help="canned query name, e.g. food-self-sufficiency"
    )
    which.add_argument("--file", type=Path, metavar="Q.rq", help="a SPARQL query file of your own")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="bind ?KEY (repeatable)"
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    # Imported here: endpoint builds on this module (binding, rendering).
    from esskg.endpoint import add_query_arguments

    add_query_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    query = read_query(args.file) if args.file else find_query(args.name, args.root)
    params = parse_param_args(args.param)
    # Bind before loading: a bad parameter should not wait for the whole project to load.
    bind_params(query, params)
    if args.endpoint:
        from esskg.endpoint import run_remote

        return run_remote(args, query, params)
    refuse_service(query)
    store = load_project(root=args.root)
    text, note = render_result(execute(store, query, params), args.format)
    sys.stdout.write(text)
    if note:
        print(note, file=sys.stderr)
    return 0


def run_listing(args: argparse.Namespace) -> int:
    queries = list_queries(args.root)
    checks = list_checks(args.root)
    rows = [(q.name, q.title, ", ".join(p.summary() for p in q.params) or "-") for q in queries]
    sys.stdout.write(format_table(("query", "title", "parameters"), rows) or "no canned queries\n")
    if checks:
        sys.stdout.write(
            "\n" + format_table(("check", "title"), [(c.name, c.title) for c in checks])
        )
    return 0


def _read_param(path: Path, value: str, line: int, text: str) -> QueryParam:
    where = f"{display_path(path)}:{line}"
    head, sep, description = value.partition(" -- ")
    parts = head.split(None, 2)
    if len(parts) < 2:
        raise QueryError(f"{where}: write '# param: NAME TYPE [DEFAULT] -- description'")
    name, type_ = parts[0], parts[1].lower()
    default = _unquote(parts[2].strip()) if len(parts) == 3 else None
    if not _PARAM_NAME.match(name):
        raise QueryError(f"{where}: {name!r} is not a SPARQL variable name")
    if type_ not in PARAM_TYPES:
        raise QueryError(
            f"{where}: parameter {name} has type {type_!r}; use one of {', '.join(PARAM_TYPES)}"
        )
    if not re.search(rf"[?$]{name}\b", _strip_comments(text)):
        raise QueryError(f"{where}: parameter {name} is not used as ?{name} in the query")
    param = QueryParam(
        name=name,
        type=type_,
        default=default,
        description=description.strip() if sep else "",
        line=line,
    )
    if default is not None:
        try:
            convert_value(param, default)
        except ParameterError as e:
            raise QueryError(f"{where}: default of {e}") from None
    return param


def _check_projection(path: Path, text: str, params: tuple[QueryParam, ...]) -> None:
    # pyoxigraph binds a parameter only if its variable is projected (SELECT ?x or SELECT *);
    # saying so when the catalogue is read beats a runtime error on the first run.
    if not params:
        return
    try:
        parsed = parseQuery(text)
    except ParseBaseException:
        return  # the syntax error is reported, with its position, when the query runs
    select = parsed[1]
    if select.name != "SelectQuery" or "projection" not in select:
        return
    projected = {str(v["var"] if "var" in v else v["evar"]) for v in select["projection"]}
    for param in params:
        if param.name not in projected:
            raise QueryError(
                f"{display_path(path)}:{param.line}: parameter {param.name} must be in the SELECT "
                f"clause (SELECT ... ?{param.name} or SELECT *): esskg binds parameters through it"
            )


def _iri(param: QueryParam, value: str, expected: str) -> ox.NamedNode:
    if value.startswith("<") and value.endswith(">"):
        iri: str | None = value[1:-1]
    elif re.match(r"https?://", value):
        iri = value
    else:
        iri = expand_curie(value) if ":" in value else None
    if iri is not None:
        try:
            return ox.NamedNode(iri)
        except ValueError:
            pass
    raise ParameterError(f"parameter {param.name}: {value!r} is not {expected}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _strip_comments(text: str) -> str:
    # Good enough for the fallback and the ?name check: '#' inside IRIs or strings is rare in
    # canned queries, and erring means a clear error rather than a wrong answer.
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def _find_service(node: object) -> str | None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return _service_term(node.get("term"))
        children = list(node.values())
    elif isinstance(node, ParseResults | list | tuple):
        children = list(node)
    else:
        return None
    for child in children:
        found = _find_service(child)
        if found is not None:
            return found
    return None


def _service_term(term: object) -> str:
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{term.get('prefix') or ''}:{term.get('localname') or ''}"
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    return str(term)
