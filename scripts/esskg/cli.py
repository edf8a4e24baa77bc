"""The `esskg` command: one entry point, one subcommand per verb module.

A verb module exposes `add_parser(subparsers)`, which adds its subcommand(s) and sets
`run=<function(args) -> int>` as the parser default. Adding a verb is one import and one entry
in VERBS.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from esskg import __version__, bench, build, check, link, publish, push, query, validate
from esskg.errors import EsskgError, display_path

VERBS = (build, validate, query, check, link, push, bench, publish)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esskg",
        description="Build, validate and query the esskg knowledge graph. "
        "Exit codes: 0 ok, 1 data does not conform or a check failed, 2 usage or runtime error.",
    )
    parser.add_argument("--version", action="version", version=f"esskg {__version__}")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="project folder holding ontology/, shapes/, queries/, data/ "
        "(default: $ESSKG_ROOT, else the copy installed with esskg)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in VERBS:
        verb.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run esskg with `argv` (default: sys.argv[1:]) and return the exit code; never raises."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors: argparse has printed already
        return e.code if isinstance(e.code, int) else 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="esskg: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.run(args)
    except EsskgError as e:
        print(f"esskg: error: {e}", file=sys.stderr)
    except OSError as e:
        where = f"{display_path(e.filename)}: " if e.filename else ""
        print(f"esskg: error: {where}{e.strerror or e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("esskg: interrupted", file=sys.stderr)
        return 130
    return 2


def main_entry() -> None:
    """The console script: exit with main()'s code."""
    sys.exit(main())
