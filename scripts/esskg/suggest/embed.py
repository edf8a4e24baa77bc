"""The embedding ranker: WordLlama's static token embeddings, shipped inside its PyPI wheel.

wordllama 0.4 ships the weights (weights/l2_supercat_256.safetensors) and the tokenizer
(tokenizers/l2_supercat_tokenizer_config.json) in its wheel, but `WordLlama.load()` looks for the
tokenizer under tokenizer/ (singular), misses it, and downloads it from the Hugging Face hub. So
esskg opens the two packaged files itself and builds wordllama's own inference object from them:
nothing is fetched, ever (tests/test_suggest.py blocks sockets to prove it).

A target is embedded from its French and English titles with its goal's titles; a description
from all its passages. Similarity is the cosine. The comment names the passage closest to the
target, so a person sees why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from esskg.errors import EsskgError
from esskg.i18n import say
from esskg.suggest.lexical import (
    LANGS,
    Candidate,
    LexicalRanker,
    Match,
    Passage,
    Target,
)

if TYPE_CHECKING:
    from wordllama.inference import WordLlamaInference

WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
# Cosine similarities of related texts sit around 0.5-0.8 with this model; below this, a
# target is not proposed.
THRESHOLD = 0.25


class EmbeddingUnavailable(EsskgError):
    """wordllama is not installed, or its wheel lacks the files esskg reads."""


def load_model() -> WordLlamaInference:
    """WordLlama's inference object from the files in its wheel, with no network access."""
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError:
        raise EmbeddingUnavailable(
            say(
                "le classement par plongements demande wordllama\n  conseil : pip install "
                "'esskg[embed]'",
                "the embedding ranker needs wordllama\n  hint: pip install 'esskg[embed]'",
            )
        ) from None
    # wordllama.inference calls logging.basicConfig at import; keep esskg's own settings.
    root_handlers = list(logging.getLogger().handlers)
    from wordllama.inference import WordLlamaInference

    logging.getLogger().handlers = root_handlers
    package = Path(wordllama.__file__).parent
    weights, tokenizer = package / WEIGHTS, package / TOKENIZER
    if not weights.is_file() or not tokenizer.is_file():
        version = getattr(wordllama, "__version__", "?")
        raise EmbeddingUnavailable(
            say(
                f"wordllama {version} n'a pas {WEIGHTS} et {TOKENIZER} dans son paquet\n  "
                "conseil : pip install 'wordllama>=0.4,<0.5'",
                f"wordllama {version} has no {WEIGHTS} and {TOKENIZER} in its package\n  "
                "hint: pip install 'wordllama>=0.4,<0.5'",
            )
        )
    with safe_open(str(weights), framework="np") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, Tokenizer.from_file(str(tokenizer)))


def _target_text(target: Target) -> str:
    return " ".join(
        part
        for lang in LANGS
        for part in (target.titles.get(lang, ""), *target.context.get(lang, []))
    )


class EmbeddingRanker:
    """Cosine similarity between a description and each target, in WordLlama's space."""

    name = "embedding (wordllama)"
    justification = "semapv:SemanticSimilarityThresholdMatching"

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets
        self.model = load_model()
        self._cache: dict[str, np.ndarray] = {}
        self._matrix = self.model.embed([_target_text(t) for t in targets], norm=True)

    def prepare(self, descriptions: Iterable[Sequence[Passage]]) -> None:
        """Embed every passage of the descriptions about to be ranked, at once (the tokenizer's
        cost is per call); the vectors of earlier ones are let go."""
        self._cache.clear()
        self._embed(descriptions)

    def _embed(self, descriptions: Iterable[Sequence[Passage]]) -> None:
        texts = sorted(
            {p.text for passages in descriptions for p in passages if p.text not in self._cache}
        )
        if texts:
            vectors = self.model.embed(texts, norm=True, batch_size=512)
            self._cache.update(zip(texts, vectors, strict=True))

    def similarities(self, passages: Sequence[Passage]) -> tuple[np.ndarray, np.ndarray]:
        """The cosine of the whole description with each target, and of each passage.

        The description's vector is the mean of its passages' (each already normalised), so a
        long description does not drown its label.
        """
        self._embed([passages])
        vectors = np.stack([self._cache[p.text] for p in passages])
        whole = vectors.mean(axis=0)
        whole /= np.linalg.norm(whole) or 1.0
        return self._matrix @ whole, vectors @ self._matrix.T

    def rank(self, passages: Sequence[Passage], top: int) -> list[Candidate]:
        if not passages:
            return []
        similarity, per_passage = self.similarities(passages)
        ranked = np.argsort(-np.round(similarity, 6), kind="stable")[:top]
        order = [int(i) for i in ranked if similarity[i] >= THRESHOLD]
        out = []
        for i in order:
            score = float(similarity[i])
            match = closest_passage(passages, per_passage[:, i])
            out.append(Candidate(self.targets[i], score, round(min(score, 1.0), 3), [match]))
        return out


def closest_passage(passages: Sequence[Passage], similarity: np.ndarray) -> Match:
    best = int(np.argmax(similarity))
    return Match(passages[best].text, passages[best].kind, float(similarity[best]), passage=True)


class HybridRanker:
    """BM25 and WordLlama together: the BM25 score over the description's best BM25 score, plus
    the cosine similarity. Measured best of the three (docs/suggest.md)."""

    name = "hybrid (lexical + embedding)"
    justification = "semapv:CompositeMatching"

    def __init__(self, lexical: LexicalRanker, embedding: EmbeddingRanker) -> None:
        self.lexical = lexical
        self.embedding = embedding
        self.targets = lexical.targets
        assert [t.iri for t in embedding.targets] == [t.iri for t in self.targets]

    def prepare(self, descriptions: Iterable[Sequence[Passage]]) -> None:
        self.embedding.prepare(descriptions)

    def rank(self, passages: Sequence[Passage], top: int) -> list[Candidate]:
        if not passages:
            return []
        lexical, found = self.lexical.scores(passages)
        best = float(lexical.max()) or 1.0
        similarity, per_passage = self.embedding.similarities(passages)
        scores = similarity.astype(np.float64) + lexical / best
        # Targets come in the UN's order, so a stable sort breaks ties by code.
        order = np.argsort(-np.round(scores, 6), kind="stable")[:top].tolist()
        out = []
        for i in order:
            words = self.lexical.candidate(i, lexical, found).matches if lexical[i] > 0 else []
            matches = [*words, closest_passage(passages, per_passage[:, i])]
            # Both parts lie in 0..1; their mean is the confidence.
            confidence = round(max(0.0, min(1.0, float(scores[i]) / 2)), 3)
            out.append(Candidate(self.targets[i], float(scores[i]), confidence, matches))
        return out
