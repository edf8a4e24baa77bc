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
from esskg.i18n import say


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help=say(
            "le contrôle qualité : le même que `esskg validate`",
            "the quality gate: the same as `esskg validate`",
        ),
        description=say(
            "Valide le graphe du projet, augmenté de vos FICHIERs s'il y en a, par les formes, "
            "qui portent toutes les règles de qualité. Sortie 0 s'il est conforme, 1 sinon, "
            "2 sur erreur.",
            "Validate the project graph, with your FILEs added to it when given, against the "
            "shapes, which hold every quality rule. Exit 0 if it conforms, 1 if not, 2 on error.",
        ),
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar=say("FICHIER", "FILE"),
        help=say(
            "vos fichiers .ttl, .nt, .nq ou .trig, contrôlés avec le graphe du projet",
            "your .ttl, .nt, .nq or .trig files, checked together with the project graph",
        ),
    )
    # --lang is the common one (esskg.cli): a default of its own here overrode `esskg --lang en`.
    parser.add_argument("--format", choices=validate.FORMATS, default="table")
    validate.add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(
        say(
            "esskg check passe le contrôle qualité des formes, comme esskg validate",
            "esskg check runs the shapes' quality gate, as esskg validate does",
        ),
        file=sys.stderr,
    )
    return validate.run(args)
