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
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import output_folder, write_atomically
from esskg.dump import write_dumps_from_ntriples
from esskg.errors import EsskgError, display_path
from esskg.fastvalidate import resolve_engine
from esskg.i18n import say
from esskg.load import load_ntriples
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
_GATE_MODULES = ("validate.py", "fastvalidate.py")
_ENGINE_PACKAGES = {"turbo": "pyshacl-turbo", "pyshacl": "pyshacl"}


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
    load.load_ntriples, whose count `statements` then gives) against the project's shapes: the
    one quality gate."""
    layout = project(root)
    if statements is None and isinstance(dataset, str):
        raise TypeError("quality_gate: N-Triples text needs its count of statements")
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
    the data was read) names, if they are still the same now that it is read; else None."""
    if gate_digest(layout, engine) != digest:
        return None
    try:
        return (store_home(layout) / f"{_GATE_PREFIX}{digest}.ttl").read_bytes()
    except OSError:
        return None


def build(
    outdir: Path, root: Path | str | None = None, *, engine: str = "auto"
) -> tuple[bool, list[tuple[Path, int]]]:
    """Pass the project through the gate and write the dumps if it passes; (passed, written).

    The output folder is locked for the whole run (a second build into it is refused) and what
    killed runs left there is swept first.
    """
    layout = project(root)
    # Taken before the files are read: a file changed meanwhile then records nothing usable.
    digest = gate_digest(layout, engine)
    note("lecture du graphe…", "reading the graph…")
    # The union of the graphs as N-Triples, lines unique and sorted (load.load_ntriples): the
    # gate takes it (N-Triples is N-Quads in the default graph: the union the shapes validate)
    # and, when it passes, it is esskg.nt as it is. No statement is a Python object.
    text, statements = load_ntriples(root=layout.root)
    # Only the str the validator takes is held while it runs (a graph-sized copy less at its
    # peak); the bytes come back from it for the dumps.
    source = text.decode("utf-8")
    del text
    note(
        f"validation de {statements:,} énoncés…".replace(",", "\u202f"),
        f"validating {statements:,} statements…",
    )
    gate = quality_gate(source, layout.root, engine=engine, statements=statements)
    if not gate.passed:
        sys.stderr.write(gate.explain())
        return False, []
    record_gate(layout, engine, digest, gate)
    note("écriture des exports…", "writing the dumps…")
    with output_folder(outdir):
        return True, write_dumps_from_ntriples(source.encode("utf-8"), outdir, in_order=True)


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
