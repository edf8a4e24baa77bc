"""The `check` verb: the quality checks queries/checks/*-violation.rq; any row is a failure."""

from __future__ import annotations

import argparse
import sys

import pyoxigraph as ox

from esskg.load import load_project
from esskg.query import CannedQuery, list_checks, select_rows, term_text
from esskg.validate import format_table

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
        description="Run every queries/checks/*-violation.rq; exit 1 if any returns a row.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checks = [c for c in list_checks(args.root) if c.path.stem.endswith(CHECK_SUFFIX)]
    store = load_project(root=args.root)
    failed = 0
    for check, rows in run_checks(store, checks):
        if not rows:
            print(f"ok    {check.name}", file=sys.stderr)
            continue
        failed += 1
        print(
            f"FAIL  {check.name}: {len(rows)} row{'s' if len(rows) != 1 else ''}", file=sys.stderr
        )
        names = list(dict.fromkeys(name for row in rows for name in row))
        sys.stdout.write(f"# {check.name}: {check.title}\n")
        sys.stdout.write(
            format_table(tuple(names), [tuple(term_text(r.get(n)) for n in names) for r in rows])
        )
    print(f"{len(checks) - failed} of {len(checks)} checks passed", file=sys.stderr)
    return 1 if failed else 0
