"""The `suggest` verb: propose the UN SDG targets a cooperation serves, as SSSOM rows to review.

`esskg suggest sdg` ranks the 169 UN targets for each partnership, axis and activity of the
graph (or the nodes given with --for, or a pasted --text) and writes candidate rows, never into
data/. `esskg suggest accept FILE --row N` moves the rows a person accepted into the project's
data/mappings/sdg-links.sssom.tsv, where validation and the canned queries read them.
Everything runs offline: the targets come from the packaged UN SDG KOS (graph:un-sdg).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import write_atomically
from esskg.errors import display_path
from esskg.link import read_source
from esskg.load import load_dataset, load_project
from esskg.namespaces import ESSKG, expand_curie
from esskg.resources import project
from esskg.sssom import read_mapping_set
from esskg.suggest import bench, evaluate
from esskg.suggest.embed import EmbeddingUnavailable
from esskg.suggest.evaluate import Ranker
from esskg.suggest.lexical import LexicalRanker, Passage
from esskg.suggest.nodes import Node, read_concept_links, read_goals, read_nodes, read_targets
from esskg.suggest.rankers import DEFAULT, RANKERS, ChainingRanker, make_ranker
from esskg.suggest.table import (
    TEXT_NAMESPACE,
    SuggestError,
    accept,
    render_suggestions,
    suggestions,
)

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest",
        help="propose UN SDG targets for the graph's cooperations, as SSSOM rows to review",
        description="Propose the UN SDG targets each partnership, axis and activity serves, with "
        "the words that justify each, as an SSSOM table a person reviews; accept moves the "
        "chosen rows into data/mappings/sdg-links.sssom.tsv. Offline; nothing is written into "
        "data/ before accept.",
    )
    actions = parser.add_subparsers(dest="suggest_verb", metavar="ACTION", required=True)

    sdg = actions.add_parser(
        "sdg",
        help="rank the UN SDG targets for each node (or --for, or --text)",
        description="Rank the 169 UN SDG targets for each partnership, axis and activity of the "
        "graph, or for the nodes given with --for, or for a pasted --text; write the best as SSSOM "
        "rows (stdout, or -o FILE). Pairs the graph already states are marked [déjà présent].",
    )
    sdg.add_argument(
        "--for",
        dest="nodes",
        action="append",
        metavar="IRI",
        help="a node to suggest for (IRI or CURIE such as id:seconet); repeatable",
    )
    sdg.add_argument(
        "--text",
        help="a description to suggest for instead of the graph's nodes (with one --for: the "
        "node it describes)",
    )
    sdg.add_argument(
        "--lang",
        choices=("fr", "en"),
        help="language of the labels and comments written (default fr); with --text, the "
        "language of the text (default: read as French and English)",
    )
    sdg.add_argument(
        "--source",
        type=Path,
        metavar="FILE",
        help="the UN SDG KOS to take the targets from (e.g. a dump of metadata.un.org/sdg, "
        "Turtle); default: the copy packaged with esskg (graph:un-sdg)",
    )
    sdg.add_argument("--top", type=int, default=5, metavar="N", help="targets per node (5)")
    sdg.add_argument(
        "--ranker",
        choices=RANKERS,
        default=DEFAULT,
        help="lexical: BM25 over the targets' French and English titles (default); embedding: "
        "WordLlama's packaged embeddings; hybrid: both, which finds a few more targets, for "
        "twice the time (docs/suggest.md); embedding and hybrid need pip install 'esskg[embed]'",
    )
    sdg.add_argument("-o", "--output", type=Path, metavar="FILE.sssom.tsv")
    sdg.set_defaults(run=run_sdg)

    acc = actions.add_parser(
        "accept",
        help="move reviewed suggestion rows into data/mappings/sdg-links.sssom.tsv",
        description="Append rows of a suggestions file (all, or those given with --row) to the "
        "project's data/mappings/sdg-links.sssom.tsv, atomically; rows already there, marked "
        "[déjà présent], or made from a pasted --text are left out, and said so.",
    )
    acc.add_argument("file", type=Path, metavar="FILE.sssom.tsv")
    acc.add_argument(
        "--row",
        dest="rows",
        type=int,
        action="append",
        metavar="N",
        help="a row to accept, numbered from 1 after the column header; repeatable "
        "(default: every row not already present)",
    )
    acc.add_argument(
        "--author", metavar="CURIE", help="author_id written on the rows (e.g. id:my-team)"
    )
    acc.set_defaults(run=run_accept)

    ev = actions.add_parser(
        "evaluate",
        help="measure the rankers against expected goals and targets (docs/suggest.md)",
        description="Recall of the expected goal in the top 3 and target in the top 5, French and "
        "English separately, on a descriptions TSV (id, goals, targets, fr, en) and on the "
        "graph's curated SDG links, against matching the goal titles only. Prints Markdown.",
    )
    ev.add_argument(
        "descriptions",
        type=Path,
        metavar="FILE.tsv",
        help="e.g. tests/fixtures/suggest/descriptions.tsv in esskg's repository",
    )
    ev.set_defaults(run=run_evaluate)

    be = actions.add_parser(
        "bench",
        help="time suggestions for N synthetic nodes, with the peak memory (docs/suggest.md)",
    )
    be.add_argument("--nodes", type=int, default=10_000, metavar="N", help="(10000)")
    be.add_argument("--ranker", choices=RANKERS, default=DEFAULT)
    be.add_argument("--seed", type=int, default=1)
    be.set_defaults(run=run_bench)


def _iri(value: str) -> str:
    if value.startswith(("http://", "https://", "urn:")):
        return value
    expanded = expand_curie(value)
    if expanded is None:
        raise SuggestError(
            f"--for {value}: neither an IRI nor a CURIE with a known prefix"
            "\n  hint: write the full IRI (https://...) or a CURIE such as id:seconet"
        )
    return expanded


def run_sdg(args: argparse.Namespace) -> int:
    layout = project(args.root)
    if args.top < 1:
        raise SuggestError("--top must be 1 or more")
    if args.output is not None and _inside(args.output, layout.data_dir):
        raise SuggestError(
            f"-o {display_path(args.output)}: suggestions are never written into data/"
            "\n  hint: write them elsewhere, review them, then `esskg suggest accept FILE`"
        )
    lang = args.lang or "fr"
    store = load_project(root=layout.root)
    source = read_source(args.source) if args.source else None
    targets = read_targets(store, source)
    if not targets:
        where = display_path(args.source) if args.source else "the graph (data/un-sdg/)"
        raise SuggestError(
            f"no UN SDG targets in {where}: no skos:Concept in the scheme "
            "<http://metadata.un.org/sdg> with a notation such as 2.4 under its goal"
            "\n  hint: give the UN SDG KOS (metadata.un.org/sdg), or leave out --source"
        )
    ranker = ChainingRanker(make_ranker(args.ranker, targets), read_concept_links(store, targets))
    wanted = [_iri(v) for v in args.nodes or []]
    if args.text is not None:
        if len(wanted) > 1:
            raise SuggestError("--text describes one node: give at most one --for")
        subject = wanted[0] if wanted else TEXT_NAMESPACE + "1"
        nodes = [Node(subject, "", {}, (Passage("text", args.text, args.lang),))]
    else:
        nodes = read_nodes(store, wanted or None)
        if not nodes:
            print(
                "esskg: no partnership, axis or activity in this graph; add yours under data/ "
                '(esskg import), or rank a description with --text "..."',
                file=sys.stderr,
            )
        empty = [n.iri for n in nodes if not n.passages]
        if empty:
            raise SuggestError(
                f"nothing describes {', '.join(empty)} in the graph (no label, description, "
                "activity field...)\n  hint: check the IRI; `esskg query describe-partnership "
                "--param partnership=...` shows what the graph says about a partnership"
            )
    present = {
        (s.subject.value, s.object.value)
        for s in store.quads_for_pattern(None, ox.NamedNode(ESSKG + "contributesToSDG"), None)
    }
    rows = suggestions(nodes, ranker, top=args.top, lang=lang, present=present)
    title = (
        "Cibles ODD proposées par esskg suggest sdg, à relire"
        if lang == "fr"
        else "UN SDG targets proposed by esskg suggest sdg, to review"
    )
    data = render_suggestions(rows, title=title)
    new = sum(not r.present for r in rows)
    summary = (
        f"esskg: {new} suggestion(s) for {len(nodes)} node(s), "
        f"{len(rows) - new} already in the graph"
    )
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        write_atomically(args.output, data, verify=read_mapping_set)
        summary += f"; written to {display_path(args.output)}"
    print(summary, file=sys.stderr)
    return 0


def run_accept(args: argparse.Namespace) -> int:
    layout = project(args.root)
    if layout.kind == "packaged":
        raise SuggestError(
            "the graph installed with esskg cannot be changed"
            "\n  hint: make a workspace (`esskg init DIR`) and run accept in it, or pass -C DIR"
        )
    stated = frozenset(
        (q.subject.value, q.predicate.value, q.object.value)
        for q in load_dataset(root=layout.root).quads_for_predicate(
            ox.NamedNode(ESSKG + "contributesToSDG")
        )
    )
    table, added, skipped = accept(
        args.file, args.rows, layout.data_dir, author=args.author, stated=stated
    )
    for row, reason in skipped:
        print(
            f"esskg: {display_path(args.file)}:{row.line}: {row.subject_id} -> {row.object_id} "
            f"left out: {reason}",
            file=sys.stderr,
        )
    print(f"esskg: {len(added)} row(s) added to {display_path(table)}", file=sys.stderr)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    layout = project(args.root)
    cases = evaluate.read_descriptions(args.descriptions)
    store = load_project(root=layout.root)
    targets = read_targets(store)
    links = read_concept_links(store, targets)
    lexical = LexicalRanker(targets)
    rankers: list[Ranker] = [lexical, ChainingRanker(lexical, links)]
    try:
        hybrid = make_ranker("hybrid", targets)
        rankers += [make_ranker("embedding", targets), hybrid, ChainingRanker(hybrid, links)]
    except EmbeddingUnavailable as e:
        print(f"esskg: {e}; measuring the lexical ranker only", file=sys.stderr)
    baseline = LexicalRanker(read_goals(store))
    baseline.name = "baseline: goal titles only"
    sets = {
        "descriptions, fr": cases["fr"],
        "descriptions, en": cases["en"],
        "curated links of the graph": evaluate.curated_cases(store, read_nodes(store)),
    }
    report = evaluate.table(
        rankers, baseline, sets, progress=lambda what: print(f"esskg: {what}", file=sys.stderr)
    )
    sys.stdout.write(report)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    if args.nodes < 1:
        raise SuggestError("--nodes must be 1 or more")
    sys.stdout.write(bench.run(args.nodes, args.ranker, root=args.root, seed=args.seed))
    return 0


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
