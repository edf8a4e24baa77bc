"""Loads the project (ontology + data/<name>/ folders), one named graph each.

Every file is parsed into a list of its own first and only then added, so a bad file adds
nothing and the result is never half-loaded. Parsing is strict (no lenient mode, no
base IRI): what esskg accepts, any RDF tool accepts.

Three results: load_dataset() keeps every term exactly as written; load_quads() the same
statements as a plain list, for what only reads them in turn (validate, build); load_project()
gives a Store to run SPARQL on. The Store keeps typed literals by value ("01"^^xsd:integer comes
back as "1"); validation and dumps therefore read the terms as parsed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from esskg import sssom
from esskg.errors import LoadError, LoadErrors, display_path, os_message
from esskg.i18n import say
from esskg.infer import INFERRED_GRAPH, closure_input, inferred_lines, inferred_quads
from esskg.namespaces import RDF_TYPE, graph_iri
from esskg.ntlines import no_lines, ntriples_series, ntriples_text
from esskg.resources import DATA_SUFFIXES, project

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DATA_FORMATS",
    "USER_FORMATS",
    "LoadError",
    "add_file",
    "file_ntriples",
    "file_quads",
    "folder_files",
    "load_dataset",
    "load_file",
    "load_ntriples",
    "load_project",
    "load_quads",
    "parse_rdf_file",
    "store_from",
    "with_inferred",
]

log = logging.getLogger(__name__)

# Formats a user may hand to `validate FILE` or `extra`, by extension.
USER_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}
# Inside data/<name>/ only triples belong: the folder decides the graph.
DATA_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}
_SSSOM_SUFFIX = sssom.SSSOM_SUFFIX
_RDF_TYPE = ox.NamedNode(RDF_TYPE)

_POSITION = re.compile(
    r"^Parser error at line \d+ (?:between columns \d+ and \d+|column \d+): (?P<msg>.*)$", re.S
)
# Parser message -> what the author should do (French, English); the first match wins.
_HINTS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"prefix (?P<p>[^ :]*):? has not been declared"),
        "déclarez le préfixe par @prefix {p}: <...> . en tête du fichier",
        "declare the prefix with @prefix {p}: <...> . at the top of the file",
    ),
    (
        re.compile(r"dot is expected|followed by a dot", re.I),
        "terminez l'énoncé par ' .'",
        "end the statement with ' .'",
    ),
    (
        re.compile(r"No scheme found|relative IRI", re.I),
        "écrivez une IRI complète comme <https://w3id.org/esskg/id/...> ou un nom préfixé ;"
        " esskg ne résout pas les IRI relatives",
        "write a full IRI such as <https://w3id.org/esskg/id/...> or a prefixed name;"
        " esskg does not resolve relative IRIs",
    ),
    (
        re.compile(r"end of file|unexpected end", re.I),
        "fermez la chaîne, le crochet ou l'énoncé resté ouvert",
        "close the open string, bracket or statement",
    ),
    (
        # Not every message naming an IRI: "must be an IRI, a blank node or a literal" is not one.
        re.compile(
            r"invalid IRI|IRI code point|escapes in IRIs|IRI .*(?:invalid|not allowed)", re.I
        ),
        "vérifiez l'IRI : ni espace ni <>\"{}|^` à l'intérieur",
        'check the IRI: no spaces or <>"{}|^` inside',
    ),
    (re.compile(r"UTF-8", re.I), "enregistrez le fichier en UTF-8", "save the file as UTF-8"),
]


def load_dataset(
    extra: list[Path] | None = None,
    *,
    include_project_data: bool = True,
    root: Path | str | None = None,
) -> ox.Dataset:
    """The project as a dataset, terms as written: ontology, controlled lists, data, `extra`.

    The ontology (graph:ontology) and data/vocabulary/ (graph:vocabulary) always load: files are
    only meaningful against them. `include_project_data=False` leaves out the other data folders,
    which is how `validate FILE` checks a user's files on their own. Extra files go into a graph
    named after their file: IRI unless they carry their own graphs (N-Quads, TriG).
    Last comes graph:inferred: the closures the queries rely on (esskg.infer), from the rest.
    """
    return ox.Dataset(load_quads(extra, include_project_data=include_project_data, root=root))


def load_quads(
    extra: list[Path] | None = None,
    *,
    include_project_data: bool = True,
    root: Path | str | None = None,
) -> list[ox.Quad]:
    """What load_dataset() holds, each statement once, as a list: for `validate`.

    An ox.Dataset costs some 11 µs and 1 KB a statement to build (11 s and 1 GB at a million);
    validating only reads the statements in turn, which a list does at a third of the time and
    memory.
    """
    quads: list[ox.Quad] = []
    for path, graph, user in _sources(extra, include_project_data, root):
        part = file_quads(path, graph=graph, user=user)
        if user and not part:
            _warn_empty(path)
        quads.extend(part)
    # The same statement in two files of one folder is one statement, as in a Dataset.
    quads = list(dict.fromkeys(quads))
    quads.extend(inferred_quads(closure_input(_PredicateIndex(quads))))
    return quads


def load_ntriples(
    extra: list[Path] | None = None,
    *,
    include_project_data: bool = True,
    root: Path | str | None = None,
    inferred: bool = True,
) -> tuple[bytes, int]:
    """The union of load_quads()'s graphs as N-Triples, lines unique and in byte order, and how
    many statements load_quads() holds: what `build` dumps. Without `inferred`, graph:inferred
    is left out (what the shapes validate: they stand alone); with_inferred() adds it.

    No statement becomes a Python object: pyoxigraph parses each file and writes it back as
    N-Triples, and the rest is done on columns of lines (polars): each graph's lines made
    unique, graph:inferred computed by joins (esskg.infer), the union sorted. Files are read as
    strictly, each all or none, with the same errors as load_quads().
    """
    import polars as pl  # here: `esskg query` imports this module and never needs polars

    # Each file's lines, with a number for its graph: a statement is counted once a graph.
    graphs: dict[str, int] = {}
    files: list[tuple[int, pl.Series]] = []
    for path, graph, user in _sources(extra, include_project_data, root):
        part = file_ntriples(path, graph=graph, user=user)
        if user and not any(part.values()):
            _warn_empty(path)
        for name, text in part.items():
            files.append((graphs.setdefault(name, len(graphs)), ntriples_series(text)))
    # What a user's file says in graph:inferred is not read back, as in load_quads().
    skipped = graphs.get(INFERRED_GRAPH)
    asserted = [lines for number, lines in files if number != skipped]
    # graph:inferred, its statements each once, counted apart from any graph of the files
    if inferred:
        files.append((len(graphs), inferred_lines(pl.concat([no_lines(), *asserted]))))
    del asserted
    parts = [
        lines.to_frame().with_columns(graph=pl.lit(number, dtype=pl.UInt32))
        for number, lines in files
    ]
    del files
    # Sorted by line, then graph: each statement of a graph is the first of a run of equal
    # (line, graph), each line of the union the first of a run of equal lines. Sorting first
    # and comparing neighbours costs a third of making the lines unique by hashing, then sorting.
    lines = pl.concat(parts).sort("line", "graph")
    del parts
    new_line = pl.col("line").ne_missing(pl.col("line").shift())
    statements = lines.select(
        (new_line | pl.col("graph").ne_missing(pl.col("graph").shift())).sum()
    ).item()
    return ntriples_text(lines.filter(new_line).get_column("line")), statements


def with_inferred(text: bytes) -> bytes:
    """load_ntriples(inferred=False)'s text with graph:inferred's statements, lines unique and
    in byte order: load_ntriples()'s text. (The project's data cannot be in graph:inferred:
    resources.RESERVED_GRAPHS.)"""
    # `text` is in order already: graph:inferred's lines are sorted alone and merged in, and a
    # line equal to the one before it dropped (1M: 1.4 s of CPU where hashing the union to make
    # it unique, then sorting it whole, took 2.6 s).
    lines = ntriples_series(text).to_frame().set_sorted("line")
    inferred = inferred_lines(lines.get_column("line")).to_frame().sort("line")
    union = lines.merge_sorted(inferred, key="line").get_column("line")
    return ntriples_text(union.filter(union.ne_missing(union.shift())))


def _sources(
    extra: list[Path] | None, include_project_data: bool, root: Path | str | None
) -> Iterator[tuple[Path, str, bool]]:
    """Each file to load, in load order, with its graph and whether the user named it."""
    layout = project(root)
    yield layout.ontology, graph_iri("ontology"), False
    for entry in layout.graph_folders(include_data=include_project_data):
        for path in folder_files(entry.folder, only=entry.only):
            yield path, entry.iri, False
    for path in extra or []:
        path = Path(path)
        yield path, path.resolve().as_uri(), True


def _warn_empty(path: Path) -> None:
    # Conforming because it says nothing is a silent wrong answer: say so.
    log.warning(
        say(
            "avertissement : %s ne contient aucun énoncé (vide, ou seulement des préfixes "
            "et des commentaires) ; vérifiez que c'est le bon fichier",
            "warning: %s holds no statements (empty, or only prefixes and comments); "
            "check it is the file you meant",
        ),
        display_path(path),
    )


class _PredicateIndex:
    """A list of quads looked up as infer.closure_input looks up a Dataset, without building one.

    closure_input asks for a few predicates and for the instances of a few classes; indexing by
    predicate is one pass, where a Dataset of the whole graph would cost ten times more.
    """

    def __init__(self, quads: list[ox.Quad]) -> None:
        self._by_predicate: dict[ox.NamedNode, list[ox.Quad]] = defaultdict(list)
        for quad in quads:
            self._by_predicate[quad.predicate].append(quad)

    def quads_for_predicate(self, predicate: ox.NamedNode) -> list[ox.Quad]:
        return self._by_predicate.get(predicate, [])

    def quads_for_object(self, term: ox.Term) -> Iterator[ox.Quad]:
        """Only the rdf:type statements naming `term`: closure_input keeps no others (it asks
        for the instances of classes), and scanning the whole graph for them would cost more
        than all the rest (tests/test_load.py checks the closures match a Dataset's)."""
        return (q for q in self._by_predicate.get(_RDF_TYPE, []) if q.object == term)


def add_file(into: ox.Dataset, path: Path, *, graph: str | None = None, user: bool = False) -> None:
    """Add one file's statements to `into`, all or none: on LoadError `into` is unchanged."""
    _merge(into, file_quads(path, graph=graph, user=user))


def load_project(
    extra: list[Path] | None = None,
    *,
    include_project_data: bool = True,
    root: Path | str | None = None,
) -> ox.Store:
    """The project in an in-memory Store for SPARQL; see load_dataset() for what is loaded."""
    return store_from(load_dataset(extra, include_project_data=include_project_data, root=root))


def store_from(quads: ox.Dataset | list[ox.Quad]) -> ox.Store:
    """An in-memory Store holding `quads`, for SPARQL."""
    store = ox.Store()
    store.extend(quads)
    return store


def load_folder(folder: Path, *, graph: str, only: tuple[str, ...] | None = None) -> ox.Dataset:
    """All data files of one folder (or those named in `only`), sorted, in the graph `graph`."""
    dataset = ox.Dataset()
    for path in folder_files(folder, only=only):
        add_file(dataset, path, graph=graph)
    return dataset


def folder_files(folder: Path, *, only: tuple[str, ...] | None = None) -> list[Path]:
    """The data files of one folder esskg loads (or those named in `only`), sorted."""
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if only is not None and path.name not in only:
            continue
        if path.name.endswith(DATA_SUFFIXES):
            files.append(path)
        else:
            log.info(
                say("%s ignoré : ni .ttl, ni .nt, ni %s", "skipping %s: not .ttl, .nt or %s"),
                path,
                _SSSOM_SUFFIX,
            )
    return files


def load_file(path: Path, *, graph: str | None = None, user: bool = False) -> ox.Dataset:
    """One file parsed strictly into a fresh dataset (triples into `graph`, default graph if None).

    `user=True` accepts the quad formats too; a data folder holds only .ttl, .nt and .sssom.tsv.
    """
    return ox.Dataset(file_quads(path, graph=graph, user=user))


def file_quads(path: Path, *, graph: str | None = None, user: bool = False) -> list[ox.Quad]:
    """One file's statements, parsed strictly, as load_file() gives them, in a list.

    All or none: on a syntax error or an ill-typed value it raises LoadError, returning nothing.
    """
    path = Path(path)
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    if path.name.endswith(_SSSOM_SUFFIX) and not user:
        rows = sssom.read_mapping_table(path)
        return [
            ox.Quad(t.subject, t.predicate, t.object, target) for t in sssom.mapping_triples(rows)
        ]
    rdf_format = _format_of(path, user)
    with _reading(path):
        # Each file's blank nodes are its own: two files that both write _:b0 describe two
        # nodes, as the on-disk store (Store.bulk_load) and every RDF merge read them.
        parsed = ox.parse(path=path, format=rdf_format, base_iri=None, rename_blank_nodes=True)
        if rdf_format in DATA_FORMATS.values():
            # Triples only: every statement goes into `target`.
            quads = [ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed]
        else:
            quads = [
                ox.Quad(q.subject, q.predicate, q.object, target)
                if isinstance(q.graph_name, ox.DefaultGraph)
                else q
                for q in parsed
            ]
    _check_typed_literals(path, (q.object for q in quads))
    return quads


def file_ntriples(
    path: Path, *, graph: str, user: bool = False, check_values: bool = True
) -> dict[str, bytes]:
    """One file's statements as N-Triples, by graph (`graph` for its triples): what
    file_quads() holds, without a Python object a statement for the triple formats.

    All or none, with file_quads()'s errors; `check_values=False` leaves ill-typed values
    ("douze"^^xsd:integer) to `validate`, as the on-disk store does (esskg.store).
    """
    path = Path(path)
    if not (path.name.endswith(_SSSOM_SUFFIX) and not user):
        rdf_format = _format_of(path, user)
        if rdf_format in DATA_FORMATS.values():
            with _reading(path):
                parsed = ox.parse(
                    path=path, format=rdf_format, base_iri=None, rename_blank_nodes=True
                )
                text = ox.serialize(parsed, format=ox.RdfFormat.N_TRIPLES)
            if check_values:
                _check_typed_text(path, text)
            return {graph: text}
    # A mapping table, or a user's N-Quads or TriG naming its own graphs: small files.
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in file_quads(path, graph=graph, user=user):
        name = quad.graph_name
        by_graph[name.value if isinstance(name, ox.NamedNode) else str(name)].append(quad.triple)
    return {
        name: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        for name, triples in by_graph.items()
    }


def _format_of(path: Path, user: bool) -> ox.RdfFormat:
    formats = USER_FORMATS if user else DATA_FORMATS
    rdf_format = formats.get(path.suffix.lower())
    if rdf_format is None:
        accepted = ", ".join(sorted(formats)) + ("" if user else f", {_SSSOM_SUFFIX}")
        raise LoadError(
            path,
            say(
                f"type de fichier inconnu {path.suffix or '(sans extension)'!r}",
                f"unknown file type {path.suffix or '(no extension)'!r}",
            ),
            hint=say(f"esskg lit {accepted}", f"esskg reads {accepted}"),
        )
    return rdf_format


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Parsing `path`: its syntax and read errors become LoadErrors naming where and what to do."""
    _check_readable(path)
    try:
        yield
    except SyntaxError as e:
        raise syntax_error(path, e) from None
    except OSError as e:
        raise LoadError(
            path,
            os_message(e),
            hint=say(
                "vérifiez que le fichier existe et qu'il est lisible",
                "check the file exists and is readable",
            ),
        ) from None


def parse_rdf_file(path: Path) -> list[ox.Triple]:
    """The triples of a Turtle or N-Triples file, parsed strictly (e.g. the shapes file)."""
    return [q.triple for q in load_file(path)]


def syntax_error(path: Path, error: SyntaxError) -> LoadError:
    """A LoadError from pyoxigraph's SyntaxError: its line and column, its message, and a hint."""
    message = str(error.msg or error)
    match = _POSITION.match(message)
    if match:
        message = match.group("msg")
    hint = next(
        (_fill(say(fr, en), m) for pattern, fr, en in _HINTS if (m := pattern.search(message))),
        say("corrigez la syntaxe à cet endroit", "fix the syntax at this position"),
    )
    # The parser speaks English only: in French its words are quoted, as its own.
    message = say(f"erreur de syntaxe (selon l'analyseur : « {message} »)", message)
    return LoadError(path, message, line=error.lineno, column=error.offset, hint=hint)


_XSD = "http://www.w3.org/2001/XMLSchema#"
# Lexical forms certainly valid for their datatype, so that the common case skips rdflib (which
# costs some 50 µs a value): a form not matched here is not wrong, rdflib decides it.
_SURELY_VALID = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "nonNegativeInteger": re.compile(r"\+?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    _XSD + "boolean": re.compile(r"true|false|1|0"),
    _XSD + "anyURI": re.compile(r"[^\s]*"),
}
_XSD_BYTES = _XSD.encode()
_XSD_TYPED = b'"^^<' + _XSD_BYTES
# A typed literal of N-Triples as pyoxigraph writes them: lexical form, then the XSD name.
_TYPED_LITERAL = re.compile(rb'"((?:[^"\\\n]|\\.)*)"\^\^<' + re.escape(_XSD_BYTES) + rb"([^>]*)>")
# rdflib logs a traceback for every value it cannot convert; esskg reports them itself, once each.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


def _check_typed_text(path: Path, text: bytes) -> None:
    """_check_typed_literals() of N-Triples `text`, each distinct typed value read once from
    the bytes (parsed only when escaped).

    The pattern cannot match inside a longer literal: there every quote is escaped, and a match
    starts at a quote and pairs backslashes from there, so it ends only at an unescaped quote
    (tests/test_load.py tries one).
    """
    if _XSD_TYPED not in text:
        return
    literals = []
    for lexical, name in set(_TYPED_LITERAL.findall(text)):
        value = lexical.decode()
        if b"\\" in lexical:  # N-Triples escapes: the parser says what the value is
            line = b'<x:s> <x:p> "' + lexical + b'"^^<' + _XSD_BYTES + name + b"> .\n"
            value = next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES))).object.value
        literals.append(ox.Literal(value, datatype=ox.NamedNode(_XSD + name.decode())))
    _check_typed_literals(path, literals)


def _ill_typed(term: ox.Literal) -> bool:
    # imported here, where a value needs it: rdflib costs 0.05 s to import, and the commands
    # that only open the on-disk store (`esskg query`) go through this module
    import rdflib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(rdflib.Literal(term.value, datatype=term.datatype.value).ill_typed)


def _check_typed_literals(path: Path, terms: Iterable[ox.Term]) -> None:
    """Refuse values their XSD datatype does not allow ("douze"^^xsd:integer), all at once.

    rdflib's datatype table decides (Literal.ill_typed); the position is where the quoted value
    first appears in the file, which is where the author will look.
    """
    seen: set[tuple[str, str]] = set()
    errors = []
    text: str | None = None
    for term in terms:
        if not isinstance(term, ox.Literal) or term.language:
            continue
        datatype = term.datatype.value
        if not datatype.startswith(_XSD) or datatype == _XSD + "string":
            continue
        if (term.value, datatype) in seen:
            continue
        surely = _SURELY_VALID.get(datatype)
        if surely is not None and surely.fullmatch(term.value):
            continue
        seen.add((term.value, datatype))
        if not _ill_typed(term):
            continue
        if text is None:
            text = path.read_text(encoding="utf-8", errors="replace")
        line, column = _position_of(text, term.value)
        name = "xsd:" + datatype.removeprefix(_XSD)
        errors.append(
            LoadError(
                path,
                say(
                    f"{term.value!r} n'est pas un {name} valide",
                    f"{term.value!r} is not a valid {name}",
                ),
                line=line,
                column=column,
                hint=say(
                    f"écrivez une valeur de type {name}, ou changez le type",
                    f"write a value of type {name}, or change the datatype",
                ),
            )
        )
    if errors:
        raise LoadErrors(sorted(errors, key=lambda e: (e.line or 0, e.column or 0)))


def _position_of(text: str, value: str) -> tuple[int | None, int | None]:
    for quoted in (f'"{value}"', f"'{value}'"):
        offset = text.find(quoted)
        if offset >= 0:
            line = text.count("\n", 0, offset) + 1
            return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return None, None


def _fill(template: str, match: re.Match[str]) -> str:
    # Not str.format: hints quote characters such as {} that format would read as fields.
    for name, value in match.groupdict().items():
        template = template.replace("{" + name + "}", value or "")
    return template


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise LoadError(
            path,
            say("fichier introuvable", "no such file"),
            hint=say("vérifiez que le fichier existe", "check the file exists"),
        )
    if path.is_dir():
        raise LoadError(
            path,
            say("c'est un dossier, pas un fichier", "is a folder, not a file"),
            hint=say("nommez un fichier qu'il contient", "name a file inside it"),
        )


def _merge(into: ox.Dataset, part: list[ox.Quad]) -> None:
    for quad in part:
        into.add(quad)
