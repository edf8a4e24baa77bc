"""The `build` verb: load, pass the quality gate, and only if it passes write the dumps.

The gate is SHACL validation against the shapes, which hold every quality rule (those spanning
several nodes as SHACL-SPARQL, each with its severity). It is defined here once; `publish` and
`push` pass the same one before they write anything, and `validate` and `check` report it.

A gate passed is recorded (`record_gate`) beside the on-disk store, under a digest of everything
its report depends on: the inputs as `store.input_digest` sees them, the shapes, the engine and
its version, the code of the validator. `publish` reuses that report instead of validating the
same bytes again (about 45 s at a million triples); any change to one of them validates anew.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from esskg.atomic import output_folder, write_atomically
from esskg.dump import commit_dumps, discard_dumps, stage_dumps
from esskg.errors import EsskgError, display_path
from esskg.fastvalidate import resolve_engine
from esskg.i18n import say
from esskg.infer import INFERRED_GRAPH
from esskg.load import load_ntriples, with_inferred
from esskg.progress import note
from esskg.resources import Project, project
from esskg.store import input_digest, store_home
from esskg.validate import (
    ValidationReport,
    add_engine_argument,
    render_table,
    render_turtle,
    summary,
    validate_store,
)

_GATE_PREFIX = "gate-"
# The modules whose code decides the gate's report, beside those store.input_digest hashes.
_GATE_MODULES = ("validate.py", "fastvalidate.py", "build.py", "load.py")
_ENGINE_PACKAGES = {"turbo": "pyshacl-turbo", "pyshacl": "pyshacl"}
T = TypeVar("T")


@dataclass(frozen=True)
class GateOutcome:
    """The SHACL report; the gate passes when it has no violation (warnings do not stop it)."""

    report: ValidationReport
    statements: int

    @property
    def passed(self) -> bool:
        return self.report.conforms

    def explain(self) -> str:
        """What failed, for stderr: the results as a table, then the counts."""
        lines = []
        if not self.report.conforms:
            lines.append(render_table(self.report).rstrip("\n"))
        lines.append(summary(self.report, self.statements))
        return "\n".join(lines) + "\n"


def quality_gate(
    dataset: ox.Dataset | list[ox.Quad] | str,
    root: Path | str | None = None,
    *,
    engine: str = "auto",
    statements: int | None = None,
) -> GateOutcome:
    """Validate `dataset` (load.load_quads' list, or the union as N-Triples text from
    load.load_ntriples(inferred=False), whose count `statements` then gives) against the
    project's shapes: the one quality gate.

    graph:inferred is left out: the shapes stand alone (they follow hierarchies by property
    paths, not by esskg's closures), so the same report comes without the closures, which at
    a million triples are half a million statements more for the validator to index.
    """
    layout = project(root)
    if isinstance(dataset, str):
        if statements is None:
            raise TypeError("quality_gate: N-Triples text needs its count of statements")
    else:
        inferred = ox.NamedNode(INFERRED_GRAPH)
        dataset = [q for q in dataset if q.graph_name != inferred]
    count = len(dataset) if statements is None else statements
    return GateOutcome(validate_store(dataset, layout.shapes, engine=engine), count)


def gate_digest(layout: Project, engine: str) -> str:
    """The digest a gate's report is recorded under (see the module's docstring)."""
    resolved = resolve_engine(engine)
    digest = hashlib.sha256()
    digest.update(input_digest(layout).encode() + b"\n")
    digest.update(f"{resolved} {importlib.metadata.version(_ENGINE_PACKAGES[resolved])}\n".encode())
    code = Path(__file__).resolve().parent
    for path in (layout.shapes, *(code / name for name in _GATE_MODULES)):
        # A missing shapes file is validate_store's to report, with its hint.
        data = path.read_bytes() if path.is_file() else b""
        digest.update(f"{path.name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return digest.hexdigest()[:32]


def record_gate(layout: Project, engine: str, digest: str, gate: GateOutcome) -> None:
    """Keep a passed gate's report (canonical Turtle) under `digest`, gate_digest() taken before
    the data was read, for recorded_gate(); the older records go.

    Nothing is kept if an input changed while it was read (the digest is not the same after),
    nor for a failure, which is explained from the report's results, with file and line. A
    record that cannot be written only costs a validation next time.
    """
    if not gate.passed or gate_digest(layout, engine) != digest:
        return
    home = store_home(layout)
    target = home / f"{_GATE_PREFIX}{digest}.ttl"
    with contextlib.suppress(OSError, EsskgError):
        write_atomically(target, render_turtle(gate.report).encode("utf-8"))
        for old in home.glob(f"{_GATE_PREFIX}*.ttl"):
            if old != target:
                old.unlink(missing_ok=True)


def recorded_gate(layout: Project, engine: str, digest: str) -> bytes | None:
    """The report of a gate passed on the inputs, shapes, engine and code `digest` (taken before
    the data was read) names, if they are still the same now that it is read; else None.

    A record that does not read back as Turtle (damaged on disk, edited by hand) is None too:
    the gate then runs again and records its report anew.
    """
    if gate_digest(layout, engine) != digest:
        return None
    try:
        report = (store_home(layout) / f"{_GATE_PREFIX}{digest}.ttl").read_bytes()
        for _ in ox.parse(report, format=ox.RdfFormat.TURTLE):
            pass
    except (OSError, SyntaxError):
        return None
    return report


def build(
    outdir: Path, root: Path | str | None = None, *, engine: str = "auto"
) -> tuple[bool, list[tuple[Path, int]]]:
    """Pass the project through the gate and write the dumps if it passes; (passed, written).

    The output folder is locked for the whole run (a second build into it is refused) and what
    killed runs left there is swept first. The gate runs on a thread of its own while the
    dumps are written into temp files and checked (pyshacl-turbo lets go of the GIL): they
    are put in place when it passes, removed when it fails.
    """
    layout = project(root)
    # Taken before the files are read: a file changed meanwhile then records nothing usable.
    digest = gate_digest(layout, engine)
    note("lecture du graphe…", "reading the graph…")
    # The union of the graphs as N-Triples, lines unique and sorted (load.load_ntriples). The
    # gate takes it without graph:inferred: the shapes stand alone (they follow hierarchies by
    # property paths, not by esskg's closures), so the closures would only make the
    # validator's graph larger. N-Triples is N-Quads in the default graph: the union the
    # shapes validate. No statement is a Python object.
    text, statements = load_ntriples(root=layout.root, inferred=False)
    note(
        f"validation de {statements:,} énoncés…".replace(",", "\u202f"),
        f"validating {statements:,} statements…",
    )
    source = text.decode("utf-8")  # what the validator takes
    gate = _in_thread(
        lambda: quality_gate(source, layout.root, engine=engine, statements=statements)
    )
    created = not Path(outdir).exists()  # removed again if the gate fails: nothing written
    with output_folder(outdir):
        staged = stage_dumps(with_inferred(text), outdir, in_order=True)
        del text
        try:
            outcome = gate.result()
        except BaseException:
            discard_dumps(staged)
            raise
        if outcome.passed:
            record_gate(layout, engine, digest, outcome)
            note("écriture des exports…", "writing the dumps…")
            return True, commit_dumps(staged)
        discard_dumps(staged)
    if created:
        with contextlib.suppress(OSError):
            Path(outdir).rmdir()
    sys.stderr.write(outcome.explain())
    return False, []


def _in_thread(work: Callable[[], T]) -> Future[T]:
    """`work` started on a daemon thread; its Future gives its result or raises its error.

    A daemon thread, not an executor's: interrupted (Ctrl-C), esskg exits without waiting for
    the validator.
    """
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as e:  # handed to the caller, which raises it
            future.set_exception(e)

    threading.Thread(target=run, name="esskg-gate", daemon=True).start()
    return future


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help=say(
            "valide le projet et écrit les exports fusionnés",
            "validate the project and write the merged dumps",
        ),
        description=say(
            "Charge l'ontologie et les données, les valide par les formes (le contrôle qualité) "
            "et, si elles sont conformes, écrit esskg.ttl et esskg.nt. Rien n'est écrit sinon.",
            "Load the ontology and data, validate them against the shapes (the quality gate) "
            "and, if they conform, write esskg.ttl and esskg.nt. Nothing is written otherwise.",
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("dist"),
        metavar=say("DOSSIER", "DIR"),
        help=say("dossier des exports", "folder for the dumps"),
    )
    add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    conforms, written = build(args.output, args.root, engine=args.engine)
    if not conforms:
        print(
            say(
                "build arrêté : les données ne passent pas le contrôle qualité ; rien n'est écrit",
                "build stopped: the data does not pass the gate; nothing written",
            ),
            file=sys.stderr,
        )
        return 1
    for path, triples in written:
        print(f"{display_path(path)}\t{triples} " + say("triplets", "triples"))
    return 0
