"""`esskg suggest bench`: suggestions for N synthetic nodes, timed, with the peak memory.

The nodes are partnerships with a French and an English label, descriptions of about 25 words
in each language (windows of the UN targets' own titles, so every word is vocabulary the
rankers know, the slow case) and an activity field of esskg's list, added to the project's graph.
Seeded: the same N gives the same nodes.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from esskg.load import load_dataset
from esskg.namespaces import ESSKG, PREFIXES
from esskg.suggest.lexical import Target
from esskg.suggest.nodes import read_concept_links, read_nodes, read_targets
from esskg.suggest.rankers import ChainingRanker, make_ranker
from esskg.suggest.table import render_suggestions, suggestions

_WINDOW = 25


def synthetic_nodes(
    targets: list[Target], fields: list[str], count: int, seed: int
) -> list[ox.Quad]:
    """`count` partnerships described with words of the targets' titles."""
    rng = random.Random(seed)
    graph = ox.NamedNode(PREFIXES["graph"] + "bench")
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    description = ox.NamedNode(PREFIXES["dcterms"] + "description")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    partnership = ox.NamedNode(ESSKG + "Partnership")
    quads = []
    for i in range(count):
        node = ox.NamedNode(f"{PREFIXES['id']}bench-partnership-{i}")
        target = rng.choice(targets)
        quads.append(ox.Quad(node, rdf_type, partnership, graph))
        for lang in ("fr", "en"):
            words = target.titles[lang].split()
            start = rng.randrange(max(1, len(words) - _WINDOW))
            text = " ".join(words[start : start + _WINDOW])
            quads.append(ox.Quad(node, label, ox.Literal(f"Coopération {i}", language=lang), graph))
            quads.append(ox.Quad(node, description, ox.Literal(text, language=lang), graph))
        field = ox.NamedNode(rng.choice(fields))
        quads.append(ox.Quad(node, ox.NamedNode(ESSKG + "activityField"), field, graph))
    return quads


def run(
    count: int,
    ranker_name: str,
    *,
    root: Path | None,
    seed: int = 1,
) -> str:
    """Time each step for `count` nodes; the figures as Markdown lines."""
    steps: list[tuple[str, float, float]] = []
    start, start_cpu = time.perf_counter(), time.process_time()

    def step(name: str) -> None:
        # CPU time beside wall time: on a shared machine the wall clock also counts the others.
        nonlocal start, start_cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        steps.append((name, now - start, now_cpu - start_cpu))
        print(f"esskg: {name}: {now - start:.2f} s", file=sys.stderr)
        start, start_cpu = now, now_cpu

    dataset = load_dataset(root=root)
    store = ox.Store()
    store.extend(dataset)
    targets = read_targets(store)
    fields = sorted(
        {q.subject.value for q in dataset if q.subject.value.startswith(PREFIXES["field"])}
    )
    store.extend(synthetic_nodes(targets, fields, count, seed))
    step("load the graph and add the nodes")
    # As `suggest sdg` ranks: the fields' curated links first, then the ranker.
    ranker = ChainingRanker(make_ranker(ranker_name, targets), read_concept_links(store, targets))
    step("index the 169 targets")
    nodes = read_nodes(store)
    step(f"read the {len(nodes):,} nodes' descriptions")
    rows = suggestions(nodes, ranker, top=5, lang="fr", present=set())
    step(f"rank ({len(rows):,} rows)")
    data = render_suggestions(rows, title="bench")
    step(f"write the SSSOM table ({len(data) / 1e6:.1f} MB)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = sum(s[1] for s in steps), sum(s[2] for s in steps)
    lines = [f"| {name} | {w:.2f} s | {c:.2f} s |" for name, w, c in steps]
    lines.append(
        f"| **total, {len(nodes):,} nodes, ranker {ranker_name}** | **{wall:.2f} s** | "
        f"**{cpu:.2f} s** |"
    )
    lines.append(f"| peak memory (max RSS of the process) | {peak:.0f} MB | |")
    return "| step | wall time | CPU time |\n|---|---|---|\n" + "\n".join(lines) + "\n"
