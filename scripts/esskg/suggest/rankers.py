"""Which ranker `esskg suggest` uses: lexical (BM25), embedding (WordLlama) or hybrid (both)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from esskg.suggest.evaluate import Ranker
from esskg.suggest.lexical import Candidate, LexicalRanker, Passage, Target

RANKERS = ("lexical", "embedding", "hybrid")
# lexical by default: it meets the speed and memory targets (10,000 nodes in under 10 s, under
# 500 MB) and needs no model; hybrid finds a few more targets for about twice the CPU time
# (docs/suggest.md).
DEFAULT = "lexical"
# A target reached through a reviewed link of a concept the node names: the link was checked by
# a person, its application to this node was not.
CHAINED_CONFIDENCE = 0.8


def make_ranker(name: str, targets: list[Target]) -> Ranker:
    """The ranker called `name` (one of RANKERS) over `targets`."""
    if name == "lexical":
        return LexicalRanker(targets)
    # Imported here: wordllama is optional (esskg[embed]).
    from esskg.suggest.embed import EmbeddingRanker, HybridRanker

    if name == "embedding":
        return EmbeddingRanker(targets)
    return HybridRanker(LexicalRanker(targets), EmbeddingRanker(targets))


class ChainingRanker:
    """A ranker's targets, preceded by those the curated table links to a concept the
    description names: an activity field linked to target 2.4 proposes 2.4 (semapv:MappingChaining).
    The reviewed links of the vocabulary are the best evidence esskg has; the ranker fills in."""

    def __init__(self, base: Ranker, links: dict[str, list[Target]]) -> None:
        self.base = base
        self.justification = base.justification
        self.links = links
        self.name = f"{base.name} + curated links of the activity fields"

    def prepare(self, descriptions: Iterable[Sequence[Passage]]) -> None:
        self.base.prepare(descriptions)

    def rank(self, passages: Sequence[Passage], top: int) -> list[Candidate]:
        chained: dict[str, Candidate] = {}
        for passage in passages:
            for target in self.links.get(passage.concept or "", []):
                if target.iri not in chained:
                    chained[target.iri] = Candidate(
                        target,
                        1.0,
                        CHAINED_CONFIDENCE,
                        chained_from=tuple(p for p in passages if p.concept == passage.concept),
                        justification="semapv:MappingChaining",
                    )
        ranked = [c for c in self.base.rank(passages, top) if c.target.iri not in chained]
        return [*chained.values(), *ranked]
