"""Which ranker `esskg suggest` uses: lexical (BM25), embedding (WordLlama) or hybrid (both)."""

from __future__ import annotations

from esskg.suggest.evaluate import Ranker
from esskg.suggest.lexical import LexicalRanker, Target

RANKERS = ("lexical", "embedding", "hybrid")
# lexical by default: it meets the speed and memory targets (10,000 nodes in under 10 s, under
# 500 MB) and needs no model; hybrid finds a few more targets for about twice the time and
# 560 MB (docs/suggest.md).
DEFAULT = "lexical"


def make_ranker(name: str, targets: list[Target]) -> Ranker:
    """The ranker called `name` (one of RANKERS) over `targets`."""
    if name == "lexical":
        return LexicalRanker(targets)
    # Imported here: wordllama is optional (esskg[embed]).
    from esskg.suggest.embed import EmbeddingRanker, HybridRanker

    if name == "embedding":
        return EmbeddingRanker(targets)
    return HybridRanker(LexicalRanker(targets), EmbeddingRanker(targets))
