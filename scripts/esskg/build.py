"""The `build` verb: load, validate, and only if the data conforms write the dumps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from esskg.atomic import output_folder
from esskg.dump import write_dumps
from esskg.errors import display_path
from esskg.load import load_dataset
from esskg.resources import project
from esskg.validate import add_engine_argument, render_table, summary, validate_store


def build(
    outdir: Path, root: Path | str | None = None, *, engine: str = "auto"
) -> tuple[bool, list[tuple[Path, int]]]:
    """Validate the project and write the dumps if it conforms; (conforms, files written).

    The output folder is locked for the whole run (a second build into it is refused) and what
    killed runs left there is swept first.
    """
    layout = project(root)
    dataset = load_dataset(root=layout.root)
    report = validate_store(dataset, layout.shapes, engine=engine)
    if not report.conforms:
        sys.stderr.write(render_table(report))
        print(summary(report, len(dataset)), file=sys.stderr)
        return False, []
    with output_folder(outdir):
        return True, write_dumps(dataset, outdir)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="validate the project and write the merged dumps",
        description="Load the ontology and data, validate them against the shapes and, if they "
        "conform, write esskg.ttl and esskg.nt. Nothing is written when they do not conform.",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("dist"), metavar="DIR", help="default: dist/"
    )
    add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    conforms, written = build(args.output, args.root, engine=args.engine)
    if not conforms:
        print("build stopped: the data does not conform; nothing written", file=sys.stderr)
        return 1
    for path, triples in written:
        print(f"{display_path(path)}\t{triples} triples")
    return 0
