"""The `bench` verb: `esskg bench generate` writes a synthetic graph, `esskg bench run` times it."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from esskg import fastvalidate
from esskg.errors import EsskgError
from esskg.i18n import say

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help=say(
            "génère des données synthétiques à grande échelle et y mesure esskg",
            "generate synthetic data at scale and benchmark esskg on it",
        ),
        description=say(
            "Mesure à l'échelle : un graphe synthétique reproductible, à la forme des données "
            "d'esskg, et les durées du chargement, de la validation, des requêtes fournies et "
            "des exports, face à rdflib + pyshacl.",
            "Scale benchmark: a seeded synthetic graph shaped like esskg's data, and the "
            "timings of load, validate, canned queries and dumps against rdflib + pyshacl.",
        ),
    )
    verbs = parser.add_subparsers(dest="bench_verb", metavar="ACTION", required=True)
    folder, file = say("DOSSIER", "DIR"), say("FICHIER", "FILE")
    seed = say("graine du hasard", "random seed")
    sizes = say("tailles séparées par des virgules", "comma-separated sizes")
    workdir = say("dossier de travail des mesures", "working folder of the measurements")
    doc = say("page où écrire les résultats", "page to write the results into")

    gen = verbs.add_parser(
        "generate",
        help=say(
            "écrit un graphe synthétique en N-Triples", "write a synthetic graph as N-Triples"
        ),
    )
    gen.add_argument(
        "--triples",
        required=True,
        metavar="N",
        help=say(
            "nombre approximatif de triplets : 10k, 1M, 2500",
            "about how many triples: 10k, 1M, 2500",
        ),
    )
    gen.add_argument("--seed", type=int, default=1, help=seed)
    gen.add_argument(
        "--violations",
        type=float,
        default=0.0,
        metavar=say("TAUX", "RATE"),
        help=say("part de nœuds fautifs, par ex. 0.01", "share of faulty nodes, e.g. 0.01"),
    )
    gen.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar=file,
        help=say("le fichier à écrire", "the file to write"),
    )
    gen.set_defaults(run=run_generate)

    run = verbs.add_parser(
        "run",
        help=say(
            "lance la mesure et écrit docs/benchmarks.md",
            "run the benchmark and write docs/benchmarks.md",
        ),
    )
    run.add_argument("--sizes", default="10k,100k,1M", help=sizes)
    run.add_argument("--seed", type=int, default=1, help=seed)
    run.add_argument(
        "--violations",
        type=float,
        default=0.01,
        metavar=say("TAUX", "RATE"),
        help=say("part de nœuds fautifs", "share of faulty nodes"),
    )
    run.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=say(
            "exécutions par étape ; la médiane est donnée",
            "runs per step; the median is reported",
        ),
    )
    run.add_argument(
        "--engine",
        choices=fastvalidate.ENGINES,
        default="auto",
        help=say("moteur SHACL", "SHACL engine"),
    )
    run.add_argument(
        "--baseline-max",
        default="1M",
        help=say(
            "plus grande taille où lancer rdflib + pyshacl",
            "largest size to run rdflib + pyshacl on",
        ),
    )
    run.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "esskg-bench",
        metavar=folder,
        help=workdir,
    )
    run.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar=file,
        help=say(
            "fichier des résultats (défaut : WORKDIR/results.json)",
            "results file (default: WORKDIR/results.json)",
        ),
    )
    run.add_argument(
        "--steps",
        default="load,validate,queries,build,dump-sorted,baseline",
        help=say(
            "les étapes à lancer ; les autres gardent leurs chiffres d'une mesure précédente",
            "which steps to run; the others keep their figures from an earlier run",
        ),
    )
    run.add_argument("--doc", type=Path, default=Path("docs/benchmarks.md"), metavar=file, help=doc)
    run.set_defaults(run=run_bench)

    commands = verbs.add_parser(
        "commands",
        help=say(
            "chronomètre les commandes que tapent les utilisateurs (build, validate, query, "
            "publish, push, export, import, serve) sur un espace de travail de données "
            "générées, et écrit docs/benchmarks.md",
            "time the commands users type (build, validate, query, publish, push, export, "
            "import, serve) on a workspace holding generated data, and write "
            "docs/benchmarks.md",
        ),
    )
    commands.add_argument("--sizes", default="10k,100k,1M,5M", help=sizes)
    commands.add_argument("--seed", type=int, default=1, help=seed)
    commands.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=say("exécutions par requête sous 1M", "runs per query below 1M"),
    )
    commands.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "esskg-bench",
        metavar=folder,
        help=workdir,
    )
    commands.add_argument(
        "--doc", type=Path, default=Path("docs/benchmarks.md"), metavar=file, help=doc
    )
    commands.add_argument(
        "--only",
        default="",
        help=say(
            "les commandes à chronométrer, parmi build,validate,queries,publish,push,import,"
            "serve ; les autres gardent leurs chiffres d'une mesure précédente (par défaut : "
            "toutes sous 5M, et build,queries,serve à partir de 5M)",
            "which commands to time, among build,validate,queries,publish,push,import,serve; "
            "the others keep their figures from an earlier run (default: all of them below "
            "5M, and build,queries,serve from 5M on)",
        ),
    )
    commands.set_defaults(run=run_commands)


def run_generate(args: argparse.Namespace) -> int:
    from esskg.bench.generate import parse_size, read_vocabulary, write_file

    seeded = write_file(
        args.output,
        parse_size(args.triples),
        seed=args.seed,
        violations=args.violations,
        vocabulary=read_vocabulary(args.root),
        progress=True,
    )
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(seeded.items())) or say("aucune", "none")
    print(
        say(
            f"{args.output} : violations semées : {kinds}",
            f"{args.output}: seeded violations: {kinds}",
        ),
        file=sys.stderr,
    )
    return 0


def run_commands(args: argparse.Namespace) -> int:
    from esskg.bench import commands
    from esskg.bench.run import sizes_arg

    only = tuple(c.strip() for c in args.only.split(",") if c.strip())
    unknown = [c for c in only if c not in commands.COMMANDS]
    if unknown:
        raise EsskgError(
            say(
                f"--only : commande inconnue {', '.join(unknown)} ; choisissez parmi "
                f"{','.join(commands.COMMANDS)}",
                f"--only: unknown command {', '.join(unknown)}; choose among "
                f"{','.join(commands.COMMANDS)}",
            )
        )
    results = commands.run(
        sizes_arg(args.sizes),
        workdir=args.workdir,
        doc=args.doc,
        seed=args.seed,
        repeat=args.repeat,
        command=f"esskg bench commands --sizes {args.sizes}",
        only=only or None,
    )
    sys.stdout.write(commands.render(results))
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from esskg.bench.generate import parse_size
    from esskg.bench.report import render_text
    from esskg.bench.run import run, sizes_arg

    command = (
        "esskg bench run " + " ".join(sys.argv[sys.argv.index("run") + 1 :])
        if "run" in sys.argv
        else ""
    )
    results = run(
        sizes_arg(args.sizes),
        workdir=args.workdir,
        results_path=args.results or args.workdir / "results.json",
        doc_path=args.doc,
        seed=args.seed,
        violations=args.violations,
        repeat=args.repeat,
        baseline_max=parse_size(args.baseline_max),
        engine=args.engine,
        root=args.root,
        command=command.strip() or f"esskg bench run --sizes {args.sizes}",
        steps=tuple(s.strip() for s in args.steps.split(",") if s.strip()),
    )
    sys.stdout.write(render_text(results))
    return 0
