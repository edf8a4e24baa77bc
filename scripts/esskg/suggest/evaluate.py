"""How well the rankers find what a careful person would pick: `esskg suggest evaluate`.

Two sets of expectations:
- cooperation descriptions, each in French and in English, with the goals and targets a careful
  person would pick (a TSV: id, goals, targets, fr, en; tests/fixtures/suggest/descriptions.tsv);
- the graph's own curated SDG links (data/mappings/sdg-links.sssom.tsv) on its partnerships,
  axes and activities.
Recall of the expected goals among the top 3 goals (a goal ranks where its best target does) and
of the expected targets among the top 5 targets, against the baseline of matching the 17 goal
titles only. Figures are printed as a Markdown table, for docs/suggest.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from esskg.errors import LoadError, os_message
from esskg.i18n import say
from esskg.namespaces import ESSKG, SDG, UNSDG
from esskg.suggest.lexical import Candidate, Passage
from esskg.suggest.nodes import Node

GOALS_AT = 3
TARGETS_AT = 5


class Ranker(Protocol):
    name: str
    justification: str

    def prepare(self, descriptions: Iterable[Sequence[Passage]]) -> None: ...

    def rank(self, passages: Sequence[Passage], top: int) -> list[Candidate]: ...


@dataclass(frozen=True)
class Case:
    """A description and what a careful person would link it to."""

    name: str
    passages: tuple[Passage, ...]
    goals: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass
class Score:
    goals_found: int = 0
    goals: int = 0
    targets_found: int = 0
    targets: int = 0

    def cell(self, found: int, total: int) -> str:
        return f"{found / total:.0%} ({found}/{total})" if total else "—"


def read_descriptions(path: Path) -> dict[str, list[Case]]:
    """The cases of a descriptions TSV, by language ("fr", "en")."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream, delimiter="\t"))
    except OSError as e:
        raise LoadError(
            path,
            os_message(e),
            hint=say("donnez le TSV des descriptions", "give the descriptions TSV"),
        ) from None
    cases: dict[str, list[Case]] = {"fr": [], "en": []}
    for line, row in enumerate(rows, 2):
        if None in row or not all(row.get(k) for k in ("id", "goals", "fr", "en")):
            raise LoadError(
                path,
                say(
                    "cinq cellules séparées par des tabulations attendues : id, goals, targets, "
                    "fr, en",
                    "expected five tab-separated cells: id, goals, targets, fr, en",
                ),
                line=line,
            )
        for lang in cases:
            cases[lang].append(
                Case(
                    row["id"],
                    (Passage("text", row[lang], lang),),
                    tuple(row["goals"].split()),
                    tuple((row["targets"] or "").split()),
                )
            )
    return cases


def curated_cases(store: ox.Store, nodes: list[Node]) -> list[Case]:
    """The graph's nodes with the goals and targets their curated SDG links name."""
    by_iri = {n.iri: n for n in nodes}
    goals: dict[str, set[str]] = {}
    targets: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(ESSKG + "contributesToSDG"), None):
        subject, link = quad.subject.value, quad.object.value
        if subject not in by_iri:
            continue
        code = link.removeprefix(SDG).removeprefix(UNSDG)
        (targets if "." in code else goals).setdefault(subject, set()).add(code)
    return [
        Case(
            iri,
            by_iri[iri].passages,
            tuple(sorted(goals.get(iri, ()))),
            tuple(sorted(targets.get(iri, ()))),
        )
        for iri in sorted(set(goals) | set(targets))
    ]


def score(ranker: Ranker, cases: list[Case], *, goals_only: bool = False) -> Score:
    """Recall of the cases' goals in the top 3 goals and targets in the top 5 targets."""
    result = Score()
    ranker.prepare(case.passages for case in cases)
    for case in cases:
        ranked = ranker.rank(case.passages, 200)
        top_goals = list(dict.fromkeys(c.target.goal for c in ranked))[:GOALS_AT]
        top_targets = [c.target.notation for c in ranked[:TARGETS_AT]]
        # A target the person picked also says its goal counts (curated links name one or both).
        expected_goals = set(case.goals) | {t.split(".")[0] for t in case.targets}
        result.goals += len(expected_goals)
        result.goals_found += len(expected_goals & set(top_goals))
        if not goals_only:
            result.targets += len(case.targets)
            result.targets_found += len(set(case.targets) & set(top_targets))
    return result


def table(
    rankers: list[Ranker],
    baseline: Ranker,
    sets: dict[str, list[Case]],
    progress: Callable[[str], None] = lambda _: None,
) -> str:
    """The Markdown table: one row per ranker and set, goal@3 and target@5 recall."""
    lines = [
        f"| ranker | cases | goal in top {GOALS_AT} | target in top {TARGETS_AT} |",
        "|---|---|---|---|",
    ]
    for label, cases in sets.items():
        for ranker in [baseline, *rankers]:
            progress(f"{ranker.name} on {label}")
            s = score(ranker, cases, goals_only=ranker is baseline)
            lines.append(
                f"| {ranker.name} | {label} ({len(cases)}) | "
                f"{s.cell(s.goals_found, s.goals)} | {s.cell(s.targets_found, s.targets)} |"
            )
    return "\n".join(lines) + "\n"
