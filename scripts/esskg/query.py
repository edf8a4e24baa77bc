"""The `query` and `queries` verbs: the canned-query catalogue, parameter binding and execution.

A canned query is queries/NN_name.rq with a comment header (title, description, param lines;
docs/queries.md). Parameters are bound as RDF terms, never pasted into the text, so a value
cannot change the query: through pyoxigraph substitutions on the embedded store, and as a
VALUES block at the head of the WHERE group on a server. Not a trailing VALUES clause: that is
joined after the WHERE group is evaluated, so a parameter used only in a FILTER or BIND (as in
FILTER(STR(?l) = ?label)) would be unbound there and the query would answer nothing. A
parameter that names nothing in the graph is an error listing the nearest values that exist.

Only read-only queries run, and offline: updates (INSERT, LOAD, CLEAR...) and SERVICE, in any
spelling, are refused before anything is evaluated or sent. On the embedded store a query runs in
a child process killed at --timeout, since pyoxigraph cannot cancel a running query.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import multiprocessing
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from esskg.dump import merged_triples
from esskg.endpoint import (
    DEFAULT_TIMEOUT,
    Connection,
    EndpointError,
    check_endpoint_url,
    remote_query,
)
from esskg.errors import EsskgError, ParameterError, QueryError, display_path
from esskg.i18n import say
from esskg.namespaces import PREFIXES, RDF_TYPE, SDG, UNSDG, XSD, expand_curie, to_curie
from esskg.render import (
    FORMATS,
    Result,
    Solutions,
    format_table,
    render_result,
    solution_rows,
    sorted_lists,
    term_text,
)
from esskg.resources import project
from esskg.store import open_store

log = logging.getLogger(__name__)

PARAM_TYPES = ("iri", "sdg", "integer", "string")
STDIN = Path("-")
_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_LABELS = (
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
)
_UPDATE_OPS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
# SPARQL read as tokens: what only looks like code (comments, strings, IRIs) is one token, so a
# keyword inside it is never mistaken for one. In order: the first alternative that matches wins.
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n\r]*)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
       |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<var>[?$]\w+)
    |(?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%.\\-]))*)
    |(?P<word>[^\W\d]\w*)
    |(?P<number>\d+)
    |(?P<space>\s+)
    |(?P<other>.)""",
    re.X | re.S,
)
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([\w.-]*):", re.I)
_CANNED_NAME = re.compile(r"^(?P<number>\d\d)_(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)\.rq$")
# A header key sits right after "# "; deeper indentation continues the previous key.
_HEADER_KEY = re.compile(r"^ ?(?P<key>[A-Za-z][A-Za-z0-9_-]*):(?:\s+(?P<value>.*))?$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The formats pyoxigraph writes as it reads the rows (the table needs them all for its widths).
_STREAMED = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}
_SYNTAX_POSITION = re.compile(r"error at (?P<line>\d+):(?P<column>\d+): (?P<msg>.*)", re.S)


@dataclass(frozen=True)
class QueryParam:
    """One `# param:` line: the ?variable it binds, its type, default and description."""

    name: str
    type: str
    default: str | None
    description: str
    line: int = field(default=0, compare=False)
    # `# param-en: NAME -- text`: the description in English (the `# param:` line's is French).
    description_en: str = ""

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def shown_description(self) -> str:
        """The description in the language of the messages (French when no English is given)."""
        return say(self.description, self.description_en or self.description)

    def summary(self) -> str:
        default = (
            f" = {self.default}" if self.default is not None else say(", obligatoire", ", required")
        )
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
    # `# title-en:` and `# description-en:`; title and description are the French ones.
    title_en: str = ""
    description_en: str = ""
    # `# sorted-list: VAR...`: GROUP_CONCAT cells ("a; b") whose parts esskg puts in order.
    sorted_lists: tuple[str, ...] = ()

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def shown_title(self) -> str:
        """The title in the language of the messages (French when no English is given)."""
        return say(self.title, self.title_en or self.title) or self.name

    @property
    def shown_description(self) -> str:
        return say(self.description, self.description_en or self.description)


def read_query(path: Path) -> CannedQuery:
    """A query file and its header; QueryError names the file and line of a bad header.

    The path `-` reads the query from standard input.
    """
    try:
        text = sys.stdin.read() if Path(path) == STDIN else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        where = display_path(path)
        raise QueryError(
            say(f"{where} : fichier de requête introuvable", f"{where}: no such query file")
        ) from None
    except UnicodeDecodeError as e:
        where = display_path(path)
        raise QueryError(
            say(
                f"{where} : ce n'est pas du texte UTF-8 ({e.reason})",
                f"{where}: not UTF-8 text ({e.reason})",
            )
        ) from None
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
    english = {
        "title": next((v for k, v, _ in fields if k == "title-en"), ""),
        "description": next((v for k, v, _ in fields if k == "description-en"), ""),
    }
    alias = next(((v, line) for k, v, line in fields if k == "alias"), None)
    if alias is not None:
        return _alias_query(path, name, title, description, *alias, english=english)
    params_en = dict(
        (v.partition(" -- ")[0].strip().lstrip("?$"), v.partition(" -- ")[2].strip())
        for k, v, _ in fields
        if k == "param-en"
    )
    params = tuple(
        replace(p, description_en=params_en.get(p.name, ""))
        for p in (_read_param(path, value, line, text) for k, value, line in fields if k == "param")
    )
    duplicates = {p.name for p in params if sum(q.name == p.name for q in params) > 1}
    if duplicates:
        raise QueryError(
            say(
                f"{display_path(path)} : paramètre {', '.join(sorted(duplicates))} déclaré "
                "deux fois",
                f"{display_path(path)}: parameter {', '.join(sorted(duplicates))} declared twice",
            )
        )
    _check_projection(path, text, params)
    sorted_list_columns = tuple(
        name.lstrip("?$")
        for k, v, _ in fields
        if k == "sorted-list"
        for name in v.partition(" -- ")[0].split()
    )
    return CannedQuery(
        name=name,
        path=path,
        text=text,
        title=title,
        description=description,
        params=params,
        sorted_lists=sorted_list_columns,
        title_en=english["title"],
        description_en=english["description"],
    )


def _alias_query(
    path: Path,
    name: str,
    title: str,
    description: str,
    value: str,
    line: int,
    *,
    english: dict[str, str],
) -> CannedQuery:
    """`# alias: OTHER KEY=VALUE...`: the canned query OTHER (same folder), with new defaults.

    One query text serves both names, so they cannot drift apart.
    """
    where = f"{display_path(path)}:{line}"
    target_name, *pairs = value.split()
    candidates = [
        p
        for p in sorted(Path(path).parent.glob(f"*_{target_name}.rq"))
        if (m := _CANNED_NAME.match(p.name)) and m.group("name") == target_name
    ]
    if not candidates:
        raise QueryError(
            say(
                f"{where} : alias de {target_name!r}, qui n'est pas une requête fournie ici",
                f"{where}: alias of {target_name!r}, which is not a canned query here",
            )
        )
    target = read_query(candidates[0])
    if target.path != candidates[0]:
        raise QueryError(
            say(
                f"{where} : {target_name} est lui-même un alias ; nommez la requête qu'il désigne",
                f"{where}: {target_name} is itself an alias; name the query it stands for",
            )
        )
    defaults = dict(pair.partition("=")[::2] for pair in pairs)
    unknown = sorted(set(defaults) - {p.name for p in target.params})
    if unknown:
        raise QueryError(
            say(
                f"{where} : {target_name} n'a pas de paramètre {', '.join(unknown)}",
                f"{where}: {target_name} has no parameter {', '.join(unknown)}",
            )
        )
    params = []
    for param in target.params:
        if param.name in defaults:
            param = replace(param, default=defaults[param.name])
            try:
                convert_value(param, defaults[param.name])
            except ParameterError as e:
                raise QueryError(
                    say(f"{where} : valeur par défaut du {e}", f"{where}: default of {e}")
                ) from None
        params.append(param)
    return replace(
        target,
        name=name,
        title=title or target.title,
        description=description or target.description,
        params=tuple(params),
        title_en=english["title"] or (target.title_en if not title else ""),
        description_en=english["description"] or (target.description_en if not description else ""),
    )


def list_queries(root: Path | str | None = None) -> list[CannedQuery]:
    """The canned queries queries/NN_name.rq, in file-name order."""
    folder = project(root).queries_dir
    queries = []
    for path in sorted(folder.glob("*.rq")):
        if _CANNED_NAME.match(path.name):
            queries.append(read_query(path))
        else:
            log.warning(
                say(
                    "%s ignoré : les requêtes fournies se nomment NN_nom.rq",
                    "skipping %s: canned queries are named NN_name.rq",
                ),
                display_path(path),
            )
    return queries


def find_query(name_or_path: str | Path, root: Path | str | None = None) -> CannedQuery:
    """A canned query by name (with or without its NN_ prefix), or a .rq file by path."""
    if (
        isinstance(name_or_path, Path)
        or str(name_or_path).endswith(".rq")
        or "/" in str(name_or_path)
    ):
        return read_query(Path(name_or_path))
    catalogue = list_queries(root)
    for query in catalogue:
        if name_or_path in (query.name, query.path.stem):
            return query
    known = ", ".join(q.name for q in catalogue) or say("aucune", "none")
    raise QueryError(
        say(
            f"aucune requête nommée {name_or_path!r} ; requêtes connues : {known} "
            "(voir `esskg queries`)",
            f"no query named {name_or_path!r}; known queries: {known} (see `esskg queries`)",
        )
    )


def convert_value(param: QueryParam, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter value; ParameterError says which form was expected."""
    value = value.strip()
    if param.type == "string":
        return ox.Literal(value)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ParameterError(
                say(
                    f"paramètre {param.name} : {value!r} n'est pas un entier (par ex. 10)",
                    f"parameter {param.name}: {value!r} is not an integer (e.g. 10)",
                )
            )
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "sdg":
        if re.fullmatch(r"\d{1,2}", value) and 1 <= int(value) <= 17:
            return ox.NamedNode(SDG + str(int(value)))
        if (
            re.fullmatch(r"\d{1,2}\.(?:\d{1,2}|[a-z])", value)
            and 1 <= int(value.split(".")[0]) <= 17
        ):
            return ox.NamedNode(UNSDG + value)
        expected = say(
            "un objectif de 1 à 17 (par ex. 2), une cible (par ex. 2.4 ou 2.a), ou une IRI",
            "a goal 1-17 (e.g. 2), a target (e.g. 2.4 or 2.a), or an IRI",
        )
        return _iri(param, value, expected)
    return _iri(
        param,
        value,
        say(
            "un CURIE d'un préfixe du projet (par ex. field:x), <IRI> ou http(s)://...",
            "a CURIE with a project prefix (e.g. field:x), <IRI> or http(s)://...",
        ),
    )


def bind_params(
    query: CannedQuery, given: dict[str, str]
) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Substitutions for pyoxigraph: given values, then defaults; unknown or missing ones fail."""
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.summary() for p in query.params) or say("aucun", "none")
        raise ParameterError(
            say(
                f"la requête {query.name} n'a pas de paramètre {', '.join(unknown)} ; "
                f"ses paramètres : {known}",
                f"query {query.name} has no parameter {', '.join(unknown)}; "
                f"its parameters: {known}",
            )
        )
    bindings: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        value = given.get(param.name, param.default)
        if value is None:
            raise ParameterError(
                say(
                    f"la requête {query.name} demande --param {param.name}=VALEUR "
                    f"({param.type} : {param.shown_description})",
                    f"query {query.name} needs --param {param.name}=VALUE "
                    f"({param.type}: {param.shown_description})",
                )
            )
        bindings[ox.Variable(param.name)] = convert_value(param, value)
    return bindings


def refuse_unsafe(query: CannedQuery) -> None:
    """Refuse updates and SERVICE before anything runs: esskg only reads, and only offline.

    The text is read as SPARQL tokens (see _TOKEN), which finds SERVICE wherever it hides
    (subqueries, OPTIONAL, prefixed names, variables, syntax newer than any parser here) and
    ignores what only looks like it (comments, strings, IRIs, ?service). It errs on the side of
    refusing: a bare word or a prefix containing SERVICE is refused, since a parser that matches
    keywords without word boundaries (as pyoxigraph's does) might read `trueSERVICE<...>` or
    `1e5SERVICE<...>` as a literal then SERVICE.
    """
    where = display_path(query.path)
    tokens = sparql_tokens(query.text)
    if not tokens:
        # An empty text parses as an empty SPARQL update: say what it is instead.
        raise QueryError(
            say(
                f"{where} : aucune requête (le texte est vide, ou seulement des commentaires)",
                f"{where}: no query in it (the text is empty, or comments only)",
            )
        )
    op = _update_operation(tokens)
    if op is not None:
        raise QueryError(
            say(
                f"{where} : c'est une mise à jour SPARQL ({op}) ; esskg query ne fait que "
                "lire et refuse les mises à jour (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, "
                "ADD, MOVE, COPY)\n  conseil : écrivez une requête SELECT, ASK, CONSTRUCT "
                "ou DESCRIBE ; `esskg push` charge des données dans un serveur",
                f"{where}: this is a SPARQL update ({op}); esskg query only reads, and "
                "refuses updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY)"
                "\n  hint: write a SELECT, ASK, CONSTRUCT or DESCRIBE query; "
                "`esskg push` loads data into a server",
            )
        )
    iri = _find_service(tokens)
    if iri is not None:
        raise QueryError(
            say(
                f"{where} : esskg exécute les requêtes hors ligne ; SERVICE {iri} est refusé",
                f"{where}: esskg runs queries offline; SERVICE {iri} is not allowed",
            )
        )


def update_operation(text: str) -> str | None:
    """The SPARQL update operation `text` begins with (INSERT, LOAD...), None for a query."""
    return _update_operation(sparql_tokens(text))


def _update_operation(tokens: list[tuple[str, str]]) -> str | None:
    first = _after_prologue(tokens)
    if first is None or first[0] != "word":
        return None
    return next((o for o in _UPDATE_OPS if first[1].upper().startswith(o)), None)


def sparql_tokens(text: str) -> list[tuple[str, str]]:
    """The (kind, text) tokens of a SPARQL text, comments and white space left out."""
    return [
        (m.lastgroup or "other", m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("comment", "space")
    ]


def _after_prologue(tokens: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first token after the PREFIX and BASE declarations."""
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "word" and text.upper() == "PREFIX":
            i += 3
        elif kind == "word" and text.upper() == "BASE":
            i += 2
        else:
            return tokens[i]
    return None


def _find_service(tokens: list[tuple[str, str]]) -> str | None:
    """What the first SERVICE calls (its IRI, prefixed name or variable), or None."""
    for i, (kind, text) in enumerate(tokens):
        word = text.partition(":")[0] if kind == "pname" else text
        if kind in ("word", "pname") and "SERVICE" in word.upper():
            after = [t for t in tokens[i + 1 : i + 3] if t[1].upper() != "SILENT"]
            if kind == "pname" and word.upper() == "SERVICE":
                return text  # SERVICE:x, read by a lax parser as SERVICE then :x
            if after and after[0][0] in ("iri", "var", "pname"):
                return after[0][1]
            return text
    return None


def execute(
    store: ox.Store, query: CannedQuery, params: dict[str, str] | None = None
) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
    """Run a query on the union of the store's graphs with its parameters bound as terms.

    The project's prefixes (esskg:, id:, field:...) are declared for every query.
    """
    refuse_unsafe(query)
    substitutions = bind_params(query, params or {})
    try:
        return store.query(
            query.text,
            use_default_graph_as_union=True,
            substitutions=substitutions,
            prefixes=dict(PREFIXES),
        )
    except SyntaxError as e:
        message = str(e)
        position = _SYNTAX_POSITION.search(message)
        if position:
            where = f"{display_path(query.path)}:{position['line']}:{position['column']}"
            raise QueryError(
                say(
                    f"{where} : erreur de syntaxe SPARQL : {position['msg']}",
                    f"{where}: SPARQL syntax error: {position['msg']}",
                )
            ) from None
        where = display_path(query.path)
        raise QueryError(
            say(
                f"{where} : erreur de syntaxe SPARQL : {message}",
                f"{where}: SPARQL syntax error: {message}",
            )
        ) from None
    except (OSError, RuntimeError) as e:
        raise QueryError(
            say(f"{display_path(query.path)} : {e}", f"{display_path(query.path)}: {e}")
        ) from None


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
    result = tidy(query, execute(store, query, params))
    if not isinstance(result, ox.QuerySolutions | Solutions):
        where = display_path(query.path)
        raise QueryError(
            say(f"{where} : ce n'est pas une requête SELECT", f"{where}: not a SELECT query")
        )
    return solution_rows(result)


def tidy(query: CannedQuery, result: Result) -> Result:
    """The result as people should see it: the parts of its `# sorted-list:` cells in order."""
    if query.sorted_lists and isinstance(result, ox.QuerySolutions):
        return sorted_lists(result, query.sorted_lists)
    return result


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
        where = display_path(query.path)
        raise QueryError(
            say(
                f"{where} : ce n'est pas une requête CONSTRUCT ou DESCRIBE",
                f"{where}: not a CONSTRUCT or DESCRIBE query",
            )
        )
    return merged_triples(result)


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE strings from --param into a dict; the value may itself contain '='."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                say(f"--param {pair!r} : écrivez CLÉ=VALEUR", f"--param {pair!r}: write KEY=VALUE")
            )
        params[key.strip()] = value
    return params


def check_values_exist(
    store: ox.Store, query: CannedQuery, bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]
) -> None:
    """Refuse an IRI parameter that names nothing in the graph, listing the nearest that exist.

    An IRI the graph does not hold gives an empty answer that looks like a true "none": the
    usual cause is a typo (field:Permaculture for field:permaculture), so say it.
    """
    for variable, term in bindings.items():
        if not isinstance(term, ox.NamedNode) or _holds(store, term):
            continue
        param = query.param(variable.value)
        nearest = nearest_values(store, term)
        listed = ", ".join(to_curie(v.value) for v in nearest)
        how = (
            values_command(query, param) if param else say("vérifiez la valeur", "check the value")
        )
        raise ParameterError(
            say(
                f"paramètre {variable.value} : {to_curie(term.value)} ne désigne rien dans le "
                f"graphe ; valeurs existantes les plus proches : {listed or 'aucune'}"
                f"\n  conseil : {how}",
                f"parameter {variable.value}: {to_curie(term.value)} names nothing in the graph; "
                f"nearest existing values: {listed or 'none in that namespace'}"
                f"\n  hint: {how}",
            )
        )


def _holds(store: ox.Store, term: ox.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(term, None, None)) or any(
        True for _ in store.quads_for_pattern(None, None, term)
    )


def namespace_of(iri: str) -> str:
    """The project or standard namespace `iri` is in, else everything up to its last / or #."""
    known = [ns for ns in PREFIXES.values() if iri.startswith(ns)]
    if known:
        return max(known, key=len)
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[: cut + 1]


def namespace_values(store: ox.Store, namespaces: tuple[str, ...]) -> list[ox.NamedNode]:
    """The typed resources (things with an rdf:type) whose IRI is in one of `namespaces`."""
    found = {
        q.subject
        for q in store.quads_for_pattern(None, _RDF_TYPE, None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(namespaces)
    }
    return sorted(found, key=lambda n: n.value)


def nearest_values(store: ox.Store, term: ox.NamedNode, count: int = 5) -> list[ox.NamedNode]:
    """Up to `count` existing resources of the same namespace, the closest spelled first."""
    namespace = namespace_of(term.value)
    candidates = {v.value[len(namespace) :]: v for v in namespace_values(store, (namespace,))}
    local = term.value[len(namespace) :]
    close = difflib.get_close_matches(local.lower(), list(candidates), n=count, cutoff=0.0)
    return [candidates[c] for c in close]


def param_namespaces(param: QueryParam) -> tuple[str, ...]:
    """Where a parameter's values come from: SDG goals and targets, or the namespace of the IRI
    its default or the example in its description names; () when it says nothing."""
    if param.type == "sdg":
        return (SDG, UNSDG)
    if param.type != "iri":
        return ()
    for text in (param.default or "", param.description):
        for candidate in re.findall(r"[A-Za-z][\w-]*:[\w.-]+|<[^>\s]+>|https?://\S+", text):
            iri = candidate[1:-1] if candidate.startswith("<") else expand_curie(candidate)
            if iri is None and candidate.startswith("http"):
                iri = candidate
            if iri:
                return (namespace_of(iri),)
    return ()


def values_command(query: CannedQuery, param: QueryParam) -> str:
    """The command that lists a parameter's existing values."""
    command = f"esskg queries {query.name} --values {param.name}"
    return say(f"pour les lister : {command}", f"list them with: {command}")


def param_values(
    store: ox.Store, param: QueryParam
) -> list[tuple[ox.NamedNode, ox.Literal | None]]:
    """The existing values of a parameter, each with its French (else any) label."""
    namespaces = param_namespaces(param)
    if not namespaces:
        raise ParameterError(
            say(
                f"le paramètre {param.name} ({param.type}) accepte toute valeur ; il n'y en a pas "
                "de liste",
                f"parameter {param.name} ({param.type}) takes any value; there is no list of them",
            )
        )
    return [(node, _label(store, node)) for node in namespace_values(store, namespaces)]


def _label(store: ox.Store, node: ox.NamedNode) -> ox.Literal | None:
    labels = [
        q.object
        for predicate in _LABELS
        for q in store.quads_for_pattern(node, predicate, None)
        if isinstance(q.object, ox.Literal)
    ]
    french = [label for label in labels if (label.language or "").startswith("fr")]
    return min(french or labels, key=lambda label: label.value, default=None)


def with_limit(query: CannedQuery, limit: int | None, offset: int | None) -> CannedQuery:
    """The query answering only rows offset+1 to offset+limit (--limit, --offset).

    A LIMIT and OFFSET clause is added after the query's own solution modifiers (after its
    ORDER BY, so the rows are cut from the ordered answer); a query that has its own LIMIT,
    OFFSET or final VALUES clause is refused rather than rewritten, as is a query other than
    SELECT.
    """
    if limit is None and offset is None:
        return query
    for option, value in (("--limit", limit), ("--offset", offset)):
        if value is not None and value < 0:
            raise QueryError(
                say(
                    f"{option} {value} : donnez un nombre de lignes (0 ou plus)",
                    f"{option} {value}: give a number of rows (0 or more)",
                )
            )
    tokens = sparql_tokens(query.text)
    first = _after_prologue(tokens)
    where = display_path(query.path)
    if first is None or first[1].upper() != "SELECT":
        raise QueryError(
            say(
                f"{where} : --limit et --offset ne s'appliquent qu'à une requête SELECT",
                f"{where}: --limit and --offset apply to SELECT queries only",
            )
        )
    # the words outside braces after the WHERE group opens: its solution modifiers
    depth, tail, opened = 0, [], False
    for kind, text in tokens:
        if kind == "other" and text in "{}":
            depth += 1 if text == "{" else -1
            opened = True
        elif depth == 0 and opened and kind == "word":
            tail.append(text.upper())
    own = sorted({w for w in tail if w in ("LIMIT", "OFFSET", "VALUES")})
    if own:
        raise QueryError(
            say(
                f"{where} : la requête a déjà sa clause {', '.join(own)} ; --limit et --offset "
                "ne s'y ajoutent pas\n  conseil : retirez-la du fichier, ou retirez --limit "
                "et --offset",
                f"{where}: the query has its own {', '.join(own)} clause; --limit and --offset "
                "do not add to it\n  hint: take it out of the file, or leave out --limit and "
                "--offset",
            )
        )
    clause = [f"LIMIT {limit}"] if limit is not None else []
    clause += [f"OFFSET {offset}"] if offset else []
    # on a line of its own: the text may end with a comment
    return replace(query, text=f"{query.text.rstrip()}\n{' '.join(clause)}\n")


def run_with_time_limit(work: Callable[[], Any], timeout: float) -> Any:
    """`work()` in a forked child killed after `timeout` seconds; its result, or its error.

    pyoxigraph cannot cancel a query, so a runaway one (a cross join, a catastrophic regex, a
    property-path bomb) is stopped by ending the process that runs it. The child is a fork: it
    shares the loaded store without copying it up front.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            outcome: tuple[str, Any] = ("ok", work())
        except EsskgError as e:
            outcome = ("error", e)
        except BrokenPipeError:  # the reader of the rows (head, less) has had enough
            outcome = ("pipe", None)
        except Exception as e:  # the parent's last line of defence reports it
            outcome = ("bug", f"{type(e).__name__}: {e}")
        send.send(outcome)

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise QueryError(
                say(
                    f"la requête a duré plus de {timeout:g} s et a été arrêtée\n  conseil : "
                    "restreignez-la (moins de motifs libres, pas d'expression régulière "
                    "ouverte), ou augmentez --timeout",
                    f"the query ran longer than {timeout:g} s and was stopped\n  hint: narrow "
                    "it (fewer unbound patterns, no open regex), or raise --timeout",
                )
            )
        kind, value = receive.recv()
    except EOFError:
        raise QueryError(
            say(
                "la requête s'est arrêtée sans réponse (mémoire épuisée ?)",
                "the query stopped without an answer (out of memory?)",
            )
        ) from None
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "error":
        raise value
    if kind == "pipe":
        raise BrokenPipeError
    if kind == "bug":
        raise RuntimeError(value)
    return value


def with_prefixes(text: str) -> str:
    """The query with PREFIX lines for the project prefixes it uses but does not declare."""
    declared = {name.lower() for name in _DECLARED_PREFIX.findall(text)}
    missing = [
        f"PREFIX {name}: <{iri}>\n"
        for name, iri in PREFIXES.items()
        if name.lower() not in declared and re.search(rf"(?<![\w<]){re.escape(name)}:", text)
    ]
    return "".join(missing) + text


def values_block(bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """`VALUES (?a ?b) { (<iri> "lit"^^<dt>) }`: pyoxigraph writes each term in N-Triples form."""
    names = " ".join(str(v) for v in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def with_values(text: str, bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The query with a VALUES block first in its WHERE group, so every pattern sees the values.

    The group is found by reading the text as SPARQL tokens (comments, strings and IRIs skipped):
    the `{` after a top-level WHERE, else the first top-level `{` of a SELECT, ASK or DESCRIBE.
    """
    if not bindings:
        return text
    position = _where_brace(text)
    if position is None:
        raise QueryError(
            say(
                "impossible de lier les paramètres : la requête n'a pas de groupe WHERE { ... }",
                "cannot bind parameters: no WHERE { ... } group found in the query",
            )
        )
    return f"{text[: position + 1]} {values_block(bindings)}\n{text[position + 1 :]}"


def _where_brace(text: str) -> int | None:
    depth, i, n = 0, 0, len(text)
    seen_where = False
    form = None
    while i < n:
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        if c == "<" and _is_iri_start(text, i):
            i = text.find(">", i) + 1 or n
            continue
        if c in "{(":
            if c == "{" and depth == 0 and (seen_where or form in ("SELECT", "ASK", "DESCRIBE")):
                return i
            depth += 1
        elif c in "})":
            depth -= 1
        elif (
            c.isalpha()
            and depth == 0
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:?$"))
        ):
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-:"):
                j += 1
            word = text[i:j].upper()
            if word == "WHERE":
                seen_where = True
            elif word in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT") and form is None:
                form = word
            i = j
            continue
        i += 1
    return None


def _is_iri_start(text: str, i: int) -> bool:
    # `<` opens an IRI unless it is the less-than operator (followed by space, = or a digit).
    nxt = text[i + 1 : i + 2]
    return bool(nxt) and not (nxt.isspace() or nxt in "=" or nxt.isdigit())


def run_remote(args: argparse.Namespace, query: CannedQuery, params: dict[str, str]) -> int:
    """`esskg query ... --endpoint URL`: the binding, formats and rows of the embedded store."""
    conn = Connection.from_args(args.endpoint, args.user, args.password_env, args.timeout)
    bindings = bind_params(query, params)
    graphs = tuple(args.graph)
    auth = args.auth or "basic"
    for variable, term in bindings.items():
        if isinstance(term, ox.NamedNode) and not bool(
            remote_query(
                conn,
                f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}",
                default_graphs=graphs,
                auth=auth,
            )
        ):
            param = query.param(variable.value)
            how = (
                values_command(query, param)
                if param
                else say("vérifiez la valeur", "check the value")
            )
            raise ParameterError(
                say(
                    f"paramètre {variable.value} : {to_curie(term.value)} ne désigne rien dans "
                    f"le graphe de {conn.url}\n  conseil : {how}",
                    f"parameter {variable.value}: {to_curie(term.value)} names nothing in the "
                    f"graph of {conn.url}\n  hint: {how}",
                )
            )
    text = with_values(with_prefixes(query.text), bindings)
    result = remote_query(conn, text, default_graphs=graphs, auth=auth)
    output, note = render_result(tidy(query, result), args.format)
    if note.startswith("0 ") and not graphs:
        explain_empty_default_graph(conn, auth)
    sys.stdout.write(output)
    if note:
        print(say(f"{note} de {conn.url}", f"{note} from {conn.url}"), file=sys.stderr)
    return 0


def explain_empty_default_graph(conn: Connection, auth: str) -> None:
    """Raise when an empty answer comes from an empty default graph beside full named graphs.

    Pushed data sits in named graphs; a server that does not read its default graph as their
    union (Oxigraph without --union-default-graph, Fuseki without unionDefaultGraph) answers
    every query with nothing, which would look like a true "no rows".
    """
    if bool(remote_query(conn, "ASK { ?s ?p ?o }", auth=auth)):
        return
    if not bool(remote_query(conn, "ASK { GRAPH ?g { ?s ?p ?o } }", auth=auth)):
        return
    raise EndpointError(
        conn.url,
        say(
            "le graphe par défaut du serveur est vide alors que ses graphes nommés contiennent "
            "les données : toute requête y répond par un résultat vide\n  conseil : démarrez "
            "le serveur avec pour graphe par défaut l'union des graphes nommés (Oxigraph : "
            "oxigraph serve --union-default-graph ; autres : docs/sparql-servers.md), ou "
            "passez --graph IRI pour chaque graphe à lire "
            "(ex. --graph https://w3id.org/esskg/graph/source)",
            "the server's default graph is empty while its named graphs hold data, so every "
            "query answers nothing\n  hint: start the server so its default graph is the union "
            "of the named graphs (Oxigraph: oxigraph serve --union-default-graph; others: "
            "docs/sparql-servers.md), or pass --graph IRI for each graph to read "
            "(e.g. --graph https://w3id.org/esskg/graph/source)",
        ),
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser(
        "queries",
        help=say("liste les requêtes fournies", "list the canned queries"),
        description=say(
            "Liste les requêtes fournies (nom, titre, paramètres, provenance des valeurs de "
            "chaque paramètre) ; avec NAME --values PARAM, liste les valeurs que peut prendre "
            "un paramètre.",
            "List the canned queries (name, title, parameters, where each parameter's values "
            "come from); with NAME --values PARAM, list the values a parameter can take.",
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    listing.add_argument(
        "name", nargs="?", metavar="NAME", help=say("une requête fournie", "a canned query")
    )
    listing.add_argument(
        "--values",
        metavar="PARAM",
        help=say(
            "liste les valeurs existantes du paramètre PARAM de NAME",
            "list the existing values of NAME's parameter PARAM",
        ),
    )
    listing.set_defaults(run=run_listing)

    parser = subparsers.add_parser(
        "query",
        help=say(
            "exécute une requête fournie, par son nom, ou un fichier .rq",
            "run a canned query by name, or a .rq file",
        ),
        description=say(
            "Exécute une requête fournie (voir `esskg queries`) ou un fichier SPARQL sur "
            "l'union des graphes du projet, hors ligne. Les préfixes du projet sont déjà "
            "déclarés ; les mises à jour et SERVICE sont refusés.",
            "Run a canned query (see `esskg queries`) or a SPARQL file on the union of the "
            "project graphs, offline. The project's prefixes are declared for you; updates "
            "and SERVICE are refused.",
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help=say(
            "nom d'une requête fournie, par ex. food-self-sufficiency",
            "canned query name, e.g. food-self-sufficiency",
        ),
    )
    which.add_argument(
        "--file",
        type=Path,
        metavar="Q.rq",
        help=say(
            "un fichier de requête SPARQL à vous ; - lit l'entrée standard",
            "a SPARQL query file of your own; - reads standard input",
        ),
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=say("donne sa valeur à ?KEY (répétable)", "bind ?KEY (repeatable)"),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help=say(
            "table, csv, tsv, json pour SELECT et ASK ; turtle, ntriples, jsonld pour CONSTRUCT "
            "et DESCRIBE (table y donne du Turtle)",
            "table, csv, tsv, json for SELECT and ASK; turtle, ntriples, jsonld for CONSTRUCT "
            "and DESCRIBE (table gives Turtle there)",
        ),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=say("arrête la requête après S secondes", "stop the query after S seconds"),
    )
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help=say(
            "au plus N lignes (d'une requête SELECT, après son ORDER BY)",
            "give at most N rows (of a SELECT query, after its ORDER BY)",
        ),
    )
    parser.add_argument(
        "--offset",
        type=int,
        metavar="N",
        help=say(
            "saute les N premières lignes (avec --limit : une page)",
            "skip the first N rows (with --limit: a page)",
        ),
    )
    group = parser.add_argument_group(
        say(
            "sur un serveur SPARQL (docs/sparql-servers.md)",
            "on a SPARQL server (docs/sparql-servers.md)",
        )
    )
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help=say(
            "exécute sur ce point d'accès SPARQL plutôt qu'en local",
            "run on this SPARQL query endpoint instead of locally",
        ),
    )
    group.add_argument(
        "--graph",
        action="append",
        default=[],
        metavar="IRI",
        help=say(
            "lit ce graphe comme graphe par défaut (répétable ; défaut : celui du serveur)",
            "read this graph as the default graph (repeatable; default: the server's own)",
        ),
    )
    group.add_argument(
        "--user",
        metavar="U",
        help=say(
            "nom d'utilisateur, si le serveur en demande un", "user name, if the endpoint wants one"
        ),
    )
    group.add_argument(
        "--password-env",
        metavar="VAR",
        help=say(
            "variable d'environnement qui contient le mot de passe",
            "environment variable holding the password",
        ),
    )
    group.add_argument(
        "--auth",
        choices=("basic", "digest"),
        default=None,
        help=say(
            "méthode d'authentification HTTP (basic si absente)",
            "HTTP authentication scheme (basic when not given)",
        ),
    )
    parser.set_defaults(run=run)


_REMOTE_ONLY = (
    ("graph", "--graph"),
    ("user", "--user"),
    ("password_env", "--password-env"),
    ("auth", "--auth"),
)


def run(args: argparse.Namespace) -> int:
    if args.endpoint:
        check_endpoint_url(args.endpoint, "query", "--endpoint")
    else:
        given = [option for attr, option in _REMOTE_ONLY if getattr(args, attr)]
        if given:
            raise QueryError(
                say(
                    f"{', '.join(given)} ne s'applique qu'avec --endpoint URL (un serveur "
                    "SPARQL) ; le magasin intégré lit l'union de tous les graphes\n  conseil : "
                    "ajoutez --endpoint URL, ou retirez " + " et ".join(given),
                    f"{', '.join(given)} only applies with --endpoint URL (a SPARQL server); "
                    "the embedded store reads the union of all graphs\n  hint: add --endpoint "
                    "URL, or leave out " + " and ".join(given),
                )
            )
    if args.timeout <= 0:
        raise QueryError(
            say(
                f"--timeout {args.timeout:g} : donnez un nombre de secondes supérieur à 0",
                f"--timeout {args.timeout:g}: give a number of seconds above 0",
            )
        )
    query = read_query(args.file) if args.file else find_query(args.name, args.root)
    params = parse_param_args(args.param)
    # Check before loading: a bad parameter or a refused query should not wait for the project.
    refuse_unsafe(query)
    query = with_limit(query, args.limit, args.offset)
    bindings = bind_params(query, params)
    if args.endpoint:
        return run_remote(args, query, params)
    store = open_store(project(args.root))
    check_values_exist(store, query, bindings)
    streamed = _streams(sys.stdout)

    def answer() -> tuple[str, str]:
        result = tidy(query, execute(store, query, params))
        if streamed and isinstance(result, ox.QuerySolutions) and args.format in _STREAMED:
            # Rows go out as pyoxigraph finds them, from the child that runs the query: the
            # first ones appear before the last are found, and a million rows are never held.
            result.serialize(sys.stdout.buffer, format=_STREAMED[args.format])
            if args.format == "json":
                sys.stdout.buffer.write(b"\n")
            sys.stdout.buffer.flush()
            return "", ""
        return render_result(result, args.format)

    sys.stdout.flush()
    text, note = run_with_time_limit(answer, args.timeout)
    sys.stdout.write(text)
    if note:
        print(note, file=sys.stderr)
    return 0


def _streams(out: object) -> bool:
    """Whether `out` is a real file the query's child process can write to (not a test's
    in-memory capture, which the child's writes would never reach)."""
    try:
        out.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    return True


def run_listing(args: argparse.Namespace) -> int:
    if args.values:
        if not args.name:
            raise QueryError(
                say(
                    "--values PARAM demande le NOM de la requête : esskg queries NOM --values P",
                    "--values PARAM needs the query's NAME: esskg queries NAME --values P",
                )
            )
        return _list_values(args)
    if args.name:
        raise QueryError(
            say(
                f"pour voir les valeurs d'un paramètre : esskg queries {args.name} --values P",
                f"to see the values of a parameter: esskg queries {args.name} --values P",
            )
        )
    queries = list_queries(args.root)
    rows = [
        (q.name, q.shown_title, ", ".join(p.summary() for p in q.params) or "-") for q in queries
    ]
    sys.stdout.write(
        format_table(
            say(("requête", "titre", "paramètres"), ("query", "title", "parameters")), rows
        )
        or say("aucune requête fournie\n", "no canned queries\n")
    )
    sources = [
        (q.name, p.name, _source_text(p), values_command(q, p) if param_namespaces(p) else "-")
        for q in queries
        for p in q.params
    ]
    if sources:
        sys.stdout.write(
            "\n"
            + format_table(
                say(
                    ("requête", "paramètre", "valeurs", "pour les lister"),
                    ("query", "parameter", "values from", "list them"),
                ),
                sources,
            )
        )
    return 0


def _source_text(param: QueryParam) -> str:
    if param.type == "sdg":
        return say(
            "les 17 objectifs (1-17) et leurs cibles (2.4, 2.a) du graphe",
            "the 17 goals (1-17) and their targets (2.4, 2.a) in the graph",
        )
    namespaces = param_namespaces(param)
    if namespaces:
        start = to_curie(namespaces[0])
        return say(
            f"les ressources typées du graphe dont l'IRI commence par {start}…",
            f"things typed in the graph whose IRI starts {start}…",
        )
    anything = {
        "integer": say("tout entier", "any integer"),
        "string": say("tout texte", "any text"),
    }
    return anything.get(param.type, say("toute IRI", "any IRI"))


def _list_values(args: argparse.Namespace) -> int:
    query = find_query(args.name, args.root)
    param = query.param(args.values)
    if param is None:
        known = ", ".join(p.name for p in query.params) or say("aucun", "none")
        raise ParameterError(
            say(
                f"la requête {query.name} n'a pas de paramètre {args.values} ; les siens : {known}",
                f"query {query.name} has no parameter {args.values}; its: {known}",
            )
        )
    values = param_values(open_store(project(args.root)), param)
    sys.stdout.write(
        format_table(
            say(("valeur", "libellé"), ("value", "label")),
            [(term_text(v), term_text(lb)) for v, lb in values],
        )
    )
    print(
        say(f"{len(values)} valeurs de {param.name}", f"{len(values)} values of {param.name}"),
        file=sys.stderr,
    )
    return 0


def _read_param(path: Path, value: str, line: int, text: str) -> QueryParam:
    where = f"{display_path(path)}:{line}"
    head, sep, description = value.partition(" -- ")
    parts = head.split(None, 2)
    if len(parts) < 2:
        raise QueryError(
            say(
                f"{where} : écrivez '# param: NOM TYPE [DÉFAUT] -- description'",
                f"{where}: write '# param: NAME TYPE [DEFAULT] -- description'",
            )
        )
    name, type_ = parts[0], parts[1].lower()
    default = _unquote(parts[2].strip()) if len(parts) == 3 else None
    if not _PARAM_NAME.match(name):
        raise QueryError(
            say(
                f"{where} : {name!r} n'est pas un nom de variable SPARQL",
                f"{where}: {name!r} is not a SPARQL variable name",
            )
        )
    if type_ not in PARAM_TYPES:
        raise QueryError(
            say(
                f"{where} : le paramètre {name} a le type {type_!r} ; prenez l'un de "
                f"{', '.join(PARAM_TYPES)}",
                f"{where}: parameter {name} has type {type_!r}; use one of "
                f"{', '.join(PARAM_TYPES)}",
            )
        )
    if not any(kind == "var" and token[1:] == name for kind, token in sparql_tokens(text)):
        raise QueryError(
            say(
                f"{where} : le paramètre {name} n'apparaît pas comme ?{name} dans la requête",
                f"{where}: parameter {name} is not used as ?{name} in the query",
            )
        )
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
            raise QueryError(
                say(f"{where} : valeur par défaut du {e}", f"{where}: default of {e}")
            ) from None
    return param


def _check_projection(path: Path, text: str, params: tuple[QueryParam, ...]) -> None:
    # pyoxigraph binds a parameter only if its variable is projected (SELECT ?x or SELECT *);
    # saying so when the catalogue is read beats a runtime error on the first run.
    if not params:
        return
    projected = _projection(sparql_tokens(text))
    if projected is None:
        return
    for param in params:
        if param.name not in projected:
            where = f"{display_path(path)}:{param.line}"
            raise QueryError(
                say(
                    f"{where} : le paramètre {param.name} doit figurer dans la clause SELECT "
                    f"(SELECT ... ?{param.name} ou SELECT *) : esskg lie les paramètres par elle",
                    f"{where}: parameter {param.name} must be in the SELECT clause "
                    f"(SELECT ... ?{param.name} or SELECT *): esskg binds parameters through it",
                )
            )


def _projection(tokens: list[tuple[str, str]]) -> set[str] | None:
    """The variables a SELECT query projects; None for SELECT * or another form."""
    first = _after_prologue(tokens)
    if first is None or first[1].upper() != "SELECT":
        return None
    start = tokens.index(first) + 1
    projected: set[str] = set()
    depth = 0
    for i in range(start, len(tokens)):
        kind, text = tokens[i]
        if depth == 0 and (text == "{" or text.upper() in ("WHERE", "FROM")):
            break
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and text == "*":
            return None
        elif kind == "var" and (depth == 0 or tokens[i - 1][1].upper() == "AS"):
            projected.add(text[1:])
    return projected


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
    raise ParameterError(
        say(
            f"paramètre {param.name} : {value!r} n'est pas {expected}",
            f"parameter {param.name}: {value!r} is not {expected}",
        )
    )


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
