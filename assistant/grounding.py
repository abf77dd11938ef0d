"""Which passage supports a sentence: shared content words (stemmed), without a model."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_WORD = re.compile(r"[a-z][a-z']+")


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"essay", "essays", "author", "passage", "says", "also"}


def content_stems(text: str) -> set[str]:
    words = [w.strip("'") for w in _WORD.findall(text.lower().replace("’", "'"))]
    kept = [w for w in words if w and w not in _stopwords()]
    return set(_stemmer().stemWords(kept))


def best_support(sentence: str, passages: list[set[str]], min_share: float = 0.5,
                 min_words: int = 2) -> int | None:
    """Index of the passage sharing the most of the sentence's content words, if enough."""
    words = content_stems(sentence)
    if len(words) < min_words:
        return None
    shares = [len(words & p) for p in passages]
    if not shares:
        return None
    best = max(range(len(shares)), key=lambda i: shares[i])
    if shares[best] >= min_words and shares[best] / len(words) >= min_share:
        return best
    return None
