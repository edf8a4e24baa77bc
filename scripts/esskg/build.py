"""The `build` verb: load, pass the quality gate, and only if it passes write the dumps.

The gate (SHACL validation against the shapes, then the quality checks of queries/checks/) is
defined here once; `publish` passes the same one before it writes anything.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import output_folder
from esskg.check import CHECK_SUFFIX, run_checks
from esskg.dump import write_dumps
from esskg.errors import display_path
from esskg.load import load_dataset, store_from
from esskg.query import CannedQuery, list_checks
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
    """The SHACL report and the checks that returned rows; the gate passes when both are clean."""

    report: ValidationReport
    failed_checks: tuple[tuple[CannedQuery, int], ...]
    statements: int

    @property
    def passed(self) -> bool:
        return self.report.conforms and not self.failed_checks

    def explain(self) -> str:
        """What failed, for stderr: the violations as a table, then each failing check."""
        lines = []
        if not self.report.conforms:
            lines.append(render_table(self.report).rstrip("\n"))
        lines.append(summary(self.report, self.statements))
        for check, rows in self.failed_checks:
            lines.append(
                f"check {check.name} failed: {rows} row{'s' if rows != 1 else ''} "
                f"(see them with: esskg check)"
            )
        return "\n".join(lines) + "\n"


def quality_gate(
    dataset: ox.Dataset, root: Path | str | None = None, *, engine: str = "auto"
) -> GateOutcome:
    """Validate `dataset` against the project's shapes and run the project's quality checks."""
    layout = project(root)
    report = validate_store(dataset, layout.shapes, engine=engine)
    checks = [c for c in list_checks(layout.root) if c.path.stem.endswith(CHECK_SUFFIX)]
    failed = tuple(
        (check, len(rows)) for check, rows in run_checks(store_from(dataset), checks) if rows
    )
    return GateOutcome(report, failed, len(dataset))


def build(
    outdir: Path, root: Path | str | None = None, *, engine: str = "auto"
) -> tuple[bool, list[tuple[Path, int]]]:
    """Pass the project through the gate and write the dumps if it passes; (passed, written).

    The output folder is locked for the whole run (a second build into it is refused) and what
    killed runs left there is swept first.
    """
    layout = project(root)
    dataset = load_dataset(root=layout.root)
    gate = quality_gate(dataset, layout.root, engine=engine)
    if not gate.passed:
        sys.stderr.write(gate.explain())
        return False, []
    with output_folder(outdir):
        return True, write_dumps(dataset, outdir)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="validate the project and write the merged dumps",
        description="Load the ontology and data, validate them against the shapes, run the "
        "quality checks and, if all pass, write esskg.ttl and esskg.nt. Nothing is written "
        "otherwise.",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("dist"), metavar="DIR", help="default: dist/"
    )
    add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    conforms, written = build(args.output, args.root, engine=args.engine)
    if not conforms:
        print("build stopped: the data does not pass the gate; nothing written", file=sys.stderr)
        return 1
    for path, triples in written:
        print(f"{display_path(path)}\t{triples} triples")
    return 0
