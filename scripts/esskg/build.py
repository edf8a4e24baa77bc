"""The `build` verb: load, pass the quality gate, and only if it passes write the dumps.

The gate is SHACL validation against the shapes, which hold every quality rule (those spanning
several nodes as SHACL-SPARQL, each with its severity). It is defined here once; `publish` and
`push` pass the same one before they write anything, and `validate` and `check` report it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import output_folder
from esskg.dump import write_dumps_from_ntriples
from esskg.errors import display_path
from esskg.i18n import say
from esskg.load import load_ntriples
from esskg.progress import note
from esskg.resources import project
from esskg.validate import (
    ValidationReport,
    add_engine_argument,
    render_table,
    summary,
    validate_store,
)


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


def build(
    outdir: Path, root: Path | str | None = None, *, engine: str = "auto"
) -> tuple[bool, list[tuple[Path, int]]]:
    """Pass the project through the gate and write the dumps if it passes; (passed, written).

    The output folder is locked for the whole run (a second build into it is refused) and what
    killed runs left there is swept first.
    """
    layout = project(root)
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
