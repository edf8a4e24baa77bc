"""The `check` verb: the quality gate, which is `esskg validate`.

The quality checks used to be SPARQL queries of their own (queries/checks/), restating the shapes'
rules and disagreeing with them. They are constraints in the shapes now, each with its severity,
so `build`, `push`, `publish` and `validate` enforce one gate; `check` stays for the scripts that
call it and runs exactly that gate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from esskg import validate


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="the quality gate: the same as `esskg validate`",
        description="Validate the project graph, with your FILEs added to it when given, against "
        "the shapes, which hold every quality rule. Exit 0 if it conforms, 1 if not, 2 on error.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="your .ttl, .nt, .nq or .trig files, checked together with the project graph",
    )
    parser.add_argument("--format", choices=validate.FORMATS, default="table")
    parser.add_argument(
        "--lang", choices=("fr", "en"), default="fr", help="language of the messages"
    )
    validate.add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print("esskg check runs the shapes' quality gate, as esskg validate does", file=sys.stderr)
    return validate.run(args)
