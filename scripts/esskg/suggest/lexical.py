"""The lexical ranker: BM25 (bm25s) over the UN SDG targets' French and English titles.

Each target is indexed twice, once per language: its own title, its goal's UN title and
esskg's short goal title (the target 2.4 never says "faim"; its goal does). Words are stemmed
with Snowball (snowballstemmer, the stemmer of each language), accents folded after stemming
(Snowball's French rules read the accents), stop words dropped. A description is scored
against both indexes; the French and English scores add up, so a node described in both
languages gains from both and a text in one language still ranks.

Every candidate keeps the words that matched and the passage each came from, which the SSSOM
comment shows: a person can judge a suggestion without re-reading the 169 targets.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
import snowballstemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

LANGS = ("fr", "en")
# bm25s sets its logger to DEBUG and says "Building index from tokens" on every index.
logging.getLogger("bm25s").setLevel(logging.WARNING)
_STEMMERS = {"fr": "french", "en": "english"}
# Words of the SDG targets' boilerplate ("D'ici à 2030, ... notamment ...") and of how
# cooperations are described ("projet", "coopération" stays: it is SDG 17's own word); "bonnes
# pratiques" / "good practice" must not read as goal 3's "bonne santé" / "good health".
_DOMAIN_STOPWORDS = {
    "fr": {"ici", "notamment", "compris", "faire", "sorte", "afin", "ainsi", "odd", "cible",
           "objectif", "projet", "tous", "toutes", "tout", "toute", "entre", "dont", "plus",
           "cela", "celle", "ceux", "leurs", "leur", "chaque", "vise", "visant", "comme", "sans",
           "contre", "mise", "axe", "lors", "durant", "travers", "bon", "bonne", "bonnes", "bons"},
    "en": {"sdg", "target", "goal", "ensure", "including", "particular", "project", "aims",
           "aim", "also", "within", "among", "per", "one", "axis", "good"},
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
# BM25 scores are unbounded; this scale maps them onto 0..1 (1 - e^(-score/scale)): a score
# of about one goal-specific word in both languages gives ~0.5.
CONFIDENCE_SCALE = 12.0


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case, accents removed: "Éducation" and "education" meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Analyzer:
    """Words of one language -> (stem, word as written) pairs, stop words left out."""

    lang: str

    def __post_init__(self) -> None:
        stop = STOPWORDS_FRENCH if self.lang == "fr" else STOPWORDS_EN_PLUS
        object.__setattr__(self, "_stemmer", snowballstemmer.stemmer(_STEMMERS[self.lang]))
        object.__setattr__(self, "_stop", {fold(w) for w in (*stop, *_DOMAIN_STOPWORDS[self.lang])})

    @functools.lru_cache(maxsize=1 << 14)  # noqa: B019 - field labels recur on every node
    def tokens(self, text: str) -> tuple[tuple[str, str], ...]:
        out = []
        for match in _WORD.finditer(text):
            for word in match.group().split("-"):
                stem = self.stem(word)
                if stem is not None:
                    out.append((stem, word))
        return tuple(out)

    @functools.cache  # noqa: B019 - one Analyzer per language, kept for the process
    def stem(self, word: str) -> str | None:
        """The folded stem of `word`, or None for a stop word or a word under 3 letters."""
        lower = word.lower()
        if len(lower) < 3 or fold(lower) in self._stop:  # type: ignore[attr-defined]
            return None
        return fold(self._stemmer.stemWord(lower))  # type: ignore[attr-defined]


ANALYZERS = {lang: Analyzer(lang) for lang in LANGS}


@dataclass(frozen=True)
class Target:
    """One UN SDG target (or goal, for the baseline) and the texts it is indexed by."""

    iri: str
    notation: str
    goal: str  # the notation of its goal ("2" for 2.4)
    titles: dict[str, str]  # lang -> the UN title
    context: dict[str, list[str]] = field(default_factory=dict)  # lang -> goal titles


@dataclass(frozen=True)
class Passage:
    """A piece of a description: what it is (label, description, activity field...), its text."""

    kind: str
    text: str
    lang: str | None  # None: unknown, analysed as both languages
    concept: str | None = None  # the activity field, type... whose label this is


@dataclass
class Match:
    """A word of the description found in a target, and where the description says it."""

    word: str
    kind: str
    weight: float
    passage: bool = False  # a whole passage (the embedding's closest), not one word


@dataclass
class Candidate:
    """A target proposed for a description: its score, a confidence in 0..1, and why."""

    target: Target
    score: float
    confidence: float
    matches: list[Match] = field(default_factory=list)
    # Set when the target comes from a curated link of a concept the description names, not
    # from the ranker: that concept's passages (one per language), and the SEMAPV process.
    chained_from: tuple[Passage, ...] = ()
    justification: str | None = None


# Per language, the words of a description found in the index: token id -> (word, kind).
Found = dict[str, dict[int, tuple[str, str]]]


class LexicalRanker:
    """BM25 over the targets, one index per language."""

    name = "lexical"
    justification = "semapv:LexicalMatching"

    def __init__(self, targets: list[Target], *, with_context: bool = True) -> None:
        self.targets = targets
        self._index: dict[str, bm25s.BM25] = {}
        self._weights: dict[str, list[dict[int, float]]] = {}
        for lang in LANGS:
            docs = []
            for target in targets:
                text = " ".join(
                    [target.titles.get(lang, ""), *(target.context.get(lang, []) * with_context)]
                )
                docs.append([stem for stem, _ in ANALYZERS[lang].tokens(text)] or [""])
            index = bm25s.BM25()
            index.index(docs, show_progress=False)
            self._index[lang] = index
            # The weight of each indexed stem in each target, to say which words matched.
            data, indices, indptr = (index.scores[k] for k in ("data", "indices", "indptr"))
            self._weights[lang] = [
                dict(zip(indices[indptr[t] : indptr[t + 1]].tolist(),
                         data[indptr[t] : indptr[t + 1]].tolist(), strict=True))
                for t in range(len(indptr) - 1)
            ]  # fmt: skip

    def prepare(self, descriptions: Iterable[Sequence[Passage]]) -> None:
        """Nothing to do ahead: BM25 reads each description as it comes."""

    def rank(self, passages: Iterable[Passage], top: int) -> list[Candidate]:
        """The `top` targets for a description, best first (ties: by notation), score > 0."""
        total, found = self.scores(passages)
        # Targets come in the UN's order (read_targets), so a stable sort breaks ties by code.
        ranked = np.argsort(-np.round(total, 6), kind="stable")[:top]
        return [self.candidate(int(i), total, found) for i in ranked if total[i] > 0]

    def scores(self, passages: Iterable[Passage]) -> tuple[np.ndarray, Found]:
        """The BM25 score of every target, and the words found (token id -> word, kind)."""
        total = np.zeros(len(self.targets), dtype=np.float64)
        found: Found = {lang: {} for lang in LANGS}
        for passage in passages:
            for lang in LANGS if passage.lang is None else (passage.lang,):
                if lang not in self._index:
                    continue
                vocab = self._index[lang].vocab_dict
                for stem, word in ANALYZERS[lang].tokens(passage.text):
                    token = vocab.get(stem)
                    if token is not None and token not in found[lang]:
                        found[lang][token] = (word, passage.kind)
        for lang in LANGS:
            if found[lang]:
                total += self._index[lang].get_scores_from_ids(sorted(found[lang]))
        return total, found

    def candidate(self, i: int, total: np.ndarray, found: Found) -> Candidate:
        """Target `i` as a candidate, with the words that matched it, heaviest first."""
        matches: dict[str, Match] = {}
        for lang in LANGS:
            weights = self._weights[lang]
            for token, (word, kind) in found[lang].items():
                weight = weights[token].get(i)
                if weight:
                    key = fold(word)
                    if key in matches:
                        matches[key].weight += weight
                    else:
                        matches[key] = Match(word, kind, weight)
        ranked = sorted(matches.values(), key=lambda m: (-m.weight, fold(m.word)))
        score = float(total[i])
        confidence = round(1.0 - math.exp(-score / CONFIDENCE_SCALE), 3)
        return Candidate(self.targets[i], score, confidence, ranked)


def notation_key(notation: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for SDG codes: 2 < 2.4 < 2.a < 10.1 (numbers before letters, as the UN lists)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in notation.split("."))
