"""The `validate` verb: SHACL validation of the project (or of given files) with pyshacl."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Container, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from esskg import fastvalidate
from esskg.convert import from_rdflib_term, to_rdflib, to_rdflib_term
from esskg.dump import merged_triples, turtle_bytes
from esskg.errors import Problem, display_path
from esskg.i18n import language, say
from esskg.load import file_ntriples, folder_files, load_file, load_ntriples, load_quads
from esskg.namespaces import CONVERTER, PREFIXES, PROJECT_PREFIXES, RDF_TYPE, to_curie
from esskg.progress import note
from esskg.render import SEVERITY_FR, render_problems
from esskg.resources import Project, project

FORMATS = ("table", "json", "turtle")
_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult, with its messages keyed by language ("" for none)."""

    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    value: rdflib.term.Node | None
    severity: rdflib.URIRef
    component: rdflib.term.Node | None
    source_shape: rdflib.term.Node | None
    messages: dict[str, str] = field(default_factory=dict)
    path_text: str = ""
    file: str = ""  # the file where the focus node is described
    line: int | None = None  # and the line that names it there

    def message(self, lang: str = "fr") -> str:
        """The message in `lang`, else the untagged one, else any (the first by language tag)."""
        for key in (lang, ""):
            if key in self.messages:
                return self.messages[key]
        return self.messages[min(self.messages)] if self.messages else ""

    @property
    def severity_name(self) -> str:
        return str(self.severity).rsplit("#", 1)[-1]

    @property
    def where(self) -> str:
        """ "file:line", "file" or ""."""
        return f"{self.file}:{self.line}" if self.file and self.line else self.file

    def problem(self) -> Problem:
        """The result as the errors.Problem every verb reports."""
        component = str(self.component or "").rsplit("#", 1)[-1]
        return Problem(
            file=self.file,
            line=self.line,
            code=f"shacl:{component}" if component else "foreign-key",
            message_fr=self.message("fr") or component,
            message_en=self.message("en") or component,
            node=_display(self.focus),
            path=self.path_text,
            value=_display(self.value),
            severity=self.severity_name,
            warning=self.severity != SH.Violation,
        )


@dataclass
class ValidationReport:
    """The outcome of one validation: conforms unless some result is an sh:Violation."""

    conforms: bool
    results: list[Result]
    graph: rdflib.Graph
    engine: str = "pyshacl"

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r.severity == SH.Violation)

    @property
    def problems(self) -> list[Problem]:
        return [r.problem() for r in self.results]


def validate_store(
    source: ox.Dataset | ox.Store | Iterable[ox.Quad] | str,
    shapes: Path | None = None,
    *,
    engine: str = "auto",
) -> ValidationReport:
    """Validate the union of all graphs (ontology included) against the shapes file.

    Pass the Dataset from load_dataset() so literals are checked as written, not as the Store
    normalises them (or N-Quads text, parsed by the engine itself). `engine`: "pyshacl", "turbo"
    (pyshacl-turbo, for national-scale data, the same report: esskg.fastvalidate) or "auto"
    (turbo when installed).
    """
    shapes_path = shapes if shapes is not None else project().shapes
    # Strict pyoxigraph parsing first: its errors name line and column, rdflib's do not.
    shapes_quads = load_file(shapes_path)
    if fastvalidate.resolve_engine(engine) == "turbo":
        report = report_from_graph(fastvalidate.turbo_report_graph(source, shapes_quads))
        report.engine = "turbo"
        return report
    if isinstance(source, str):  # N-Quads text (esskg import's scoped input)
        source = ox.Dataset(ox.parse(source, format=ox.RdfFormat.N_QUADS))
    shapes_graph = to_rdflib(shapes_quads)
    data_graph = to_rdflib(source)
    _, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    # pyshacl resets this global to True on return; esskg keeps lexical forms as written.
    rdflib.NORMALIZE_LITERALS = False
    return report_from_graph(report_graph)


def report_from_graph(report_graph: rdflib.Graph) -> ValidationReport:
    """A ValidationReport from a SHACL report graph, results sorted for stable output."""
    results = sorted(
        (
            _result(report_graph, node)
            for node in report_graph.subjects(RDF.type, SH.ValidationResult)
        ),
        key=lambda r: (
            _SEVERITY_ORDER.get(r.severity, 9),
            _sort_text(r.focus),
            r.path_text,
            _sort_text(r.component),
            r.message("en"),
        ),
    )
    conforms = not any(r.severity == SH.Violation for r in results)
    return ValidationReport(conforms=conforms, results=results, graph=report_graph)


def render_table(report: ValidationReport, lang: str | None = None) -> str:
    """The results as the problems table of every verb (render.render_problems): severity, the
    file and line where the node is described (when some result knows it), node, path, value,
    message; CURIEs where a prefix fits."""
    return render_problems(report.problems, lang)


def render_json(report: ValidationReport) -> str:
    """A JSON list of results with full IRIs and every message with its language."""
    items = [
        {
            "severity": r.severity_name,
            "focus": _plain(r.focus),
            "path": r.path_text or None,
            "value": _plain(r.value),
            "file": r.where or None,
            "constraint": _plain(r.component),
            # Blank-node shapes get a new label on every parse: null keeps the output stable.
            "shape": str(r.source_shape) if isinstance(r.source_shape, rdflib.URIRef) else None,
            "messages": dict(sorted(r.messages.items())),
        }
        for r in report.results
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def render_turtle(report: ValidationReport) -> str:
    """The SHACL report graph as Turtle, blank nodes canonically named and triples sorted."""
    triples = [
        ox.Triple(from_rdflib_term(s), from_rdflib_term(p), from_rdflib_term(o))
        for s, p, o in report.graph
    ]
    return turtle_bytes(merged_triples(triples)).decode("utf-8")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help=say(
            "contrôle le graphe (ou les fichiers donnés) par les formes SHACL",
            "check the graph (or given files) against the SHACL shapes",
        ),
        description=say(
            "Valide le graphe (celui de l'espace de travail, de la copie ou celui installé) "
            "par les formes d'esskg ; avec des FICHIERs, les contrôle avec ce graphe et ne "
            "signale que ce qui touche à leurs propres nœuds, et à tout nœud qu'ils citent "
            "sans que personne ne le décrive. Sortie 0 s'il est conforme, 1 sinon, 2 sur "
            "erreur.",
            "Validate the graph (the workspace's, the checkout's or the packaged one) against "
            "esskg's shapes; with FILEs, check them together with that graph and report only "
            "what concerns the files' own nodes, and every node they refer to that nobody "
            "describes. Exit 0 if it conforms, 1 if not, 2 on error.",
        ),
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar=say("FICHIER", "FILE"),
        help=".ttl, .nt, .nq " + say("ou", "or") + " .trig",
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    add_engine_argument(parser)
    parser.set_defaults(run=run)


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    """--engine, for the verbs that validate."""
    parser.add_argument(
        "--engine",
        choices=fastvalidate.ENGINES,
        default="auto",
        help=say(
            "moteur SHACL : turbo (pyshacl-turbo, le même rapport bien plus vite) ou pyshacl "
            "(la référence) ; auto prend turbo s'il est installé, ce qu'il est avec esskg "
            "(défaut)",
            "SHACL engine: turbo (pyshacl-turbo, the same report many times faster) or "
            "pyshacl (the reference); auto takes turbo when installed, which it is with esskg "
            "(default)",
        ),
    )


def run(args: argparse.Namespace) -> int:
    layout = project(args.root)
    note("lecture du graphe…", "reading the graph…")
    if args.files:
        # The user's files (and the ontology and vocabulary): small, and the report keeps only
        # their own nodes, which the quads tell.
        quads = load_quads(args.files, root=layout.root)
        source: list[ox.Quad] | str = quads
        statements = len(quads)
    else:
        # The whole project: as build reads it (load.load_ntriples), no Python object a statement,
        # and as build validates it, without graph:inferred (the shapes stand alone).
        text, statements = load_ntriples(root=layout.root, inferred=False)
        source = text.decode("utf-8")
        del text
    note(
        f"validation de {statements:,} énoncés…".replace(",", "\u202f"),
        f"validating {statements:,} statements…",
    )
    report = validate_store(source, layout.shapes, engine=args.engine)
    del source
    if args.files:
        report = scoped_report(report, quads, args.files)
    else:
        locate_results(report, layout)
    if args.format == "json":
        sys.stdout.write(render_json(report))
    elif args.format == "turtle":
        sys.stdout.write(render_turtle(report))
    else:
        sys.stdout.write(render_table(report))
    print(summary(report, statements), file=sys.stderr)
    return 0 if report.conforms else 1


def scoped_report(
    report: ValidationReport, quads: list[ox.Quad], files: list[Path]
) -> ValidationReport:
    """The results about the files' own nodes, each with its file, plus every dangling reference.

    A file's own nodes are the subjects of its statements. A reference to a node of esskg's or the
    workspace's namespaces that no statement of the whole graph describes is reported by name, so
    a typo (role:partner for role:partenaire) or a missing description shows as what it is.
    `quads`: the graph as load.load_quads gives it.
    """
    owners: dict[ox.NamedNode | ox.BlankNode, Path] = {}
    described = {q.subject for q in quads}
    by_graph: dict[ox.Term, list[ox.Quad]] = {}
    for quad in quads:
        by_graph.setdefault(quad.graph_name, []).append(quad)
    references: list[tuple[Path, ox.Quad]] = []
    for path in files:
        own = by_graph.get(ox.NamedNode(Path(path).resolve().as_uri()), [])
        for quad in own:
            owners.setdefault(quad.subject, Path(path))
        references.extend(
            (Path(path), quad)
            for quad in own
            if isinstance(quad.object, ox.NamedNode)
            and quad.object not in described
            and quad.predicate.value != RDF_TYPE
            and _is_minted(quad.object.value)
        )
    focuses = [
        (focus, result)
        for result in report.results
        if (focus := _from_rdflib(result.focus)) in owners
    ]
    # Each file is read once for every node sought in it, not once a result.
    sought: dict[Path, set[ox.Term]] = {}
    for focus, _ in focuses:
        sought.setdefault(owners[focus], set()).add(focus)
    for path, quad in references:
        sought.setdefault(path, set()).add(quad.object)
    lines = {path: _lines_naming(path, nodes) for path, nodes in sought.items()}
    kept = [
        replace(result, **_where(owners[focus], lines[owners[focus]].get(focus)))
        for focus, result in focuses
    ]
    dangling = [
        _dangling_result(path, quad, lines[path].get(quad.object)) for path, quad in references
    ]
    unique = {(r.focus, r.path, r.value): r for r in dangling}
    results = sorted([*kept, *unique.values()], key=_result_order)
    conforms = not any(r.severity == SH.Violation for r in results)
    return ValidationReport(
        conforms=conforms, results=results, graph=report.graph, engine=report.engine
    )


def locate_results(report: ValidationReport, layout: Project) -> None:
    """Give each result the data file where its focus node is described (first file that does).

    Only when some result has a focus: the data files are read again as N-Triples, whose lines
    begin with their subject, to find the graphs that describe each focus.
    """
    folders = {entry.iri: entry for entry in layout.graph_folders()}
    focuses = {
        focus
        for result in report.results
        if isinstance(focus := _from_rdflib(result.focus), ox.NamedNode)
    }
    graphs_of: dict[ox.Term, dict[str, None]] = {focus: {} for focus in focuses}
    if focuses:
        wanted = {str(focus).encode(): focus for focus in focuses}
        for entry in folders.values():
            for path in folder_files(entry.folder, only=entry.only):
                for text in file_ntriples(path, graph=entry.iri, check_values=False).values():
                    for line in text.splitlines():
                        focus = wanted.get(line[: line.find(b" ")])
                        if focus is not None:
                            graphs_of[focus][entry.iri] = None
    # Each file is read once for all the focus nodes its graph describes (it was read once a
    # focus node: 20 of 24 s at 100k statements with 600 results).
    files = {iri: entry.files() for iri, entry in folders.items()}
    candidates = {
        focus: [path for g in graphs if g in folders for path in files[g]]
        for focus, graphs in graphs_of.items()
    }
    sought: dict[Path, set[ox.Term]] = {}
    for focus, paths in candidates.items():
        for path in paths:
            sought.setdefault(path, set()).add(focus)
    lines = {path: _lines_naming(path, nodes) for path, nodes in sought.items()}
    located = {
        focus: next(
            (_where(path, lines[path][focus]) for path in paths if focus in lines[path]), {}
        )
        for focus, paths in candidates.items()
    }
    for index, result in enumerate(report.results):
        focus = _from_rdflib(result.focus)
        if isinstance(focus, ox.NamedNode):
            report.results[index] = replace(result, **located[focus])


def _from_rdflib(term: rdflib.term.Node | None) -> ox.Term | None:
    return from_rdflib_term(term) if term is not None else None


def _is_minted(iri: str) -> bool:
    """An IRI of esskg's or the workspace's namespaces (not the ontology's: check 03 covers those),
    whose nodes the graph itself must describe."""
    if iri.startswith(PREFIXES["esskg"]):
        return False
    return any(
        iri.startswith(record.uri_prefix)
        for record in CONVERTER.records
        if record.prefix in PROJECT_PREFIXES or record.prefix not in PREFIXES
    ) and not iri.startswith(PREFIXES["graph"])


def _dangling_result(path: Path, quad: ox.Quad, line: int | None) -> Result:
    name = to_curie(quad.object.value)
    return Result(
        focus=to_rdflib_term(quad.subject),
        path=to_rdflib_term(quad.predicate),
        value=to_rdflib_term(quad.object),
        severity=SH.Violation,
        component=None,
        source_shape=None,
        messages={
            "fr": f"{name} est cité, mais rien dans le graphe ne le décrit : décrivez-le, "
            "ou corrigez l'identifiant (une faute de frappe ?).",
            "en": f"{name} is referred to, but nothing in the graph describes it: describe it, "
            "or fix the identifier (a typo?).",
        },
        path_text=to_curie(quad.predicate.value),
        **_where(path, line),
    )


def _where(path: Path, line: int | None) -> dict:
    """The file (as people read its path) and the line, as Result fields."""
    return {"file": display_path(path), "line": line}


def _lines_naming(path: Path, nodes: Iterable[ox.Term]) -> dict[ox.Term, int]:
    """The number of the first line of `path` that names each of `nodes` (full IRI or CURIE; a
    blank node has no name to find), in one reading of the file however many nodes are sought.

    Each line is searched only where a name can begin: at each "<" for the full IRIs (which hold
    no ">"), at each "prefix:" for the CURIEs, trying the lengths the sought CURIEs have.
    """
    owner: dict[str, ox.NamedNode] = {}
    for node in nodes:
        if isinstance(node, ox.NamedNode):
            curie = to_curie(node.value)
            owner[f"<{node.value}>"] = node
            if not curie.startswith("<"):
                owner[curie] = node
    iris = {n for n in owner if n.startswith("<") and ">" not in n[:-1]}
    lengths: dict[str, set[int]] = {}
    for needle in owner.keys() - iris:
        lengths.setdefault(needle[: needle.find(":") + 1], set()).add(len(needle))
    found: dict[ox.Term, int] = {}
    wanted = len(set(owner.values()))
    if not wanted:
        return found
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            for number, line in enumerate(stream, start=1):
                for needle in _needles_in(line, iris, lengths, owner):
                    node = owner[needle]
                    if node not in found and _names(line, needle):
                        found[node] = number
                if len(found) == wanted:
                    break
    except OSError:
        pass
    return found


def _needles_in(
    line: str, iris: set[str], lengths: dict[str, set[int]], needles: Container[str]
) -> set[str]:
    """The `needles` that occur somewhere in `line`: `iris`, the full IRIs among them, and the
    CURIEs' lengths by prefix. _names then says whether an occurrence names its node."""
    hits: set[str] = set()
    if iris:
        start = line.find("<")
        while start != -1:
            end = line.find(">", start)
            if end == -1:
                break
            if line[start : end + 1] in iris:
                hits.add(line[start : end + 1])
            start = line.find("<", start + 1)
    for head, sizes in lengths.items():
        start = line.find(head)
        while start != -1:
            hits.update(
                line[start : start + size]
                for size in sizes
                if line[start : start + size] in needles
            )
            start = line.find(head, start + 1)
    return hits


def _names(line: str, needle: str) -> bool:
    start = line.find(needle)
    while start != -1:
        end = start + len(needle)
        if end >= len(line) or not (line[end].isalnum() or line[end] in "-_"):
            return True
        start = line.find(needle, end)
    return False


def _result_order(r: Result) -> tuple:
    return (
        _SEVERITY_ORDER.get(r.severity, 9),
        r.file,
        r.line or 0,
        _sort_text(r.focus),
        r.path_text,
        _sort_text(r.component),
        r.message("en"),
    )


def summary(report: ValidationReport, statements: int) -> str:
    """One line for stderr: the verdict and the counts by severity."""
    counts = {name: 0 for name in ("Violation", "Warning", "Info")}
    for r in report.results:
        counts[r.severity_name] = counts.get(r.severity_name, 0) + 1
    if language() == "fr":
        verdict = "conforme" if report.conforms else "non conforme"
        figures = ", ".join(
            f"{n} {SEVERITY_FR[name].lower()}{'s' if n > 1 else ''}" for name, n in counts.items()
        )
        return f"{verdict} : {statements} énoncés, {figures} ({report.engine})"
    verdict = "conforms" if report.conforms else "does not conform"
    figures = ", ".join(f"{n} {name.lower()}{'s' if n != 1 else ''}" for name, n in counts.items())
    return f"{verdict}: {statements} statements, {figures} ({report.engine})"


def _result(graph: rdflib.Graph, node: rdflib.term.Node) -> Result:
    messages: dict[str, str] = {}
    candidates = list(graph.objects(node, SH.resultMessage))
    if not any(isinstance(m, rdflib.Literal) and m.language for m in candidates):
        # pyshacl drops the language tags of a SPARQL constraint's messages; the constraint it
        # copies into the report (sh:sourceConstraint) still has them.
        source = graph.value(node, SH.sourceConstraint)
        tagged = [] if source is None else list(graph.objects(source, SH.message))
        candidates = tagged or candidates
    for message in sorted(candidates, key=str):
        lang = message.language if isinstance(message, rdflib.Literal) else None
        messages.setdefault(lang or "", str(message))
    path = graph.value(node, SH.resultPath)
    return Result(
        focus=graph.value(node, SH.focusNode),
        path=path,
        value=graph.value(node, SH.value),
        severity=graph.value(node, SH.resultSeverity) or SH.Violation,
        component=graph.value(node, SH.sourceConstraintComponent),
        source_shape=graph.value(node, SH.sourceShape),
        messages=messages,
        path_text=path_text(graph, path) if path is not None else "",
    )


def path_text(graph: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A SHACL property path in SPARQL syntax with CURIEs (ex:a/ex:b, ^ex:p, ex:p*)."""
    if isinstance(path, rdflib.URIRef):
        return to_curie(str(path))
    if (graph.value(path, RDF.first)) is not None:
        return "/".join(path_text(graph, p) for p in Collection(graph, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    return _display(path)


def _display(term: rdflib.term.Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return to_curie(str(term))
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def _plain(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def _sort_text(term: rdflib.term.Node | None) -> str:
    return "" if term is None else str(term)


__all__ = [
    "FORMATS",
    "Result",
    "ValidationReport",
    "render_json",
    "render_table",
    "render_turtle",
    "report_from_graph",
    "summary",
    "validate_store",
]
