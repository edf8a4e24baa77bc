"""The `check` verb: the quality checks queries/checks/*-violation.rq; any row is a failure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from esskg.load import load_project
from esskg.query import CannedQuery, list_checks, select_rows
from esskg.render import format_table, plural, term_text

CHECK_SUFFIX = "-violation"


def run_checks(
    store: ox.Store, checks: list[CannedQuery]
) -> list[tuple[CannedQuery, list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]]]:
    """Each check with the rows it returned (with its default parameters)."""
    return [(check, select_rows(store, check)) for check in checks]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the quality checks (queries/checks/*-violation.rq)",
        description="Run every queries/checks/*-violation.rq on the project graph, with your "
        "FILEs added to it when given; exit 1 if any check returns a row.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="your .ttl, .nt, .nq or .trig files, checked together with the project graph",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checks = [c for c in list_checks(args.root) if c.path.stem.endswith(CHECK_SUFFIX)]
    store = load_project(args.files, root=args.root)
    failed = 0
    for check, rows in run_checks(store, checks):
        if not rows:
            print(f"ok    {check.name}", file=sys.stderr)
            continue
        failed += 1
        print(f"FAIL  {check.name}: {plural(len(rows), 'row')}", file=sys.stderr)
        names = list(dict.fromkeys(name for row in rows for name in row))
        sys.stdout.write(f"# {check.name}: {check.title}\n")
        sys.stdout.write(
            format_table(tuple(names), [tuple(term_text(r.get(n)) for n in names) for r in rows])
        )
    print(f"{len(checks) - failed} of {len(checks)} checks passed", file=sys.stderr)
    return 1 if failed else 0
