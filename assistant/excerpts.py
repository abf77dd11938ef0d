"""The sentences of the retrieved passages nearest a question, within a budget of characters.

When the corpus is too large to sit in the model's context, every answer makes the model read
its passages afresh, and reading is most of the wait before the first word (about 120 tokens a
second on 2 cores). The model is given the part of each passage that bears on the question:
whole sentences, verbatim, in their order, a gap marked with " … ". The passages stay whole
for citations and the quote check.
"""

from __future__ import annotations

import re

import numpy as np
from langchain_core.embeddings import Embeddings

from .corpus import Passage
from .grounding import content_stems

# A sentence ends at . ! or ? (and its closing quote or bracket) before a space, not the dot
# of a numbered item; a paragraph at a blank line; a list item where a line begins with a
# bullet or a number.
_BOUNDARY = re.compile(r"(?<=[.!?])(?<!^\d\.)(?<!\n\d\.)(?<!\n\d\d\.)[\"')\]”’]*\s+"
                       r"|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
GAP = " … "
KEYWORD_WEIGHT = 0.5  # a sentence sharing all the question's content words gains half a cosine


def spans(text: str) -> list[str]:
    """The text's sentences and list items, verbatim, each with the space after it."""
    found, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if text[start:match.start()].strip():
            found.append(text[start:match.end()])
        start = match.end()
    if text[start:].strip():
        found.append(text[start:])
    return found


def excerpts(question: str, passages: list[Passage], embeddings: Embeddings,
             budget: int, vector: list[float] | None = None) -> list[str]:
    """For each passage, its sentences nearest `question` (by sentence embedding and shared
    content words), so that all together come to about `budget` characters: each passage keeps
    at least its nearest sentence, the rest go to the nearest sentences of any passage. When
    all the passages fit, they are given whole. `vector` is the question's, if the search has
    it already."""
    if budget <= 0 or sum(len(p.text) for p in passages) <= budget:
        return [p.text for p in passages]
    units = [(i, j, text) for i, p in enumerate(passages) for j, text in enumerate(spans(p.text))]
    if not units:
        return [p.text for p in passages]
    asked = content_stems(question)
    read = embeddings.embed_documents([*([] if vector else [question]), *(t for _, _, t in units)])
    vectors = np.array([vector, *read] if vector else read)
    near = vectors[1:] @ vectors[0]
    scores = [float(near[k]) + KEYWORD_WEIGHT * len(asked & content_stems(t)) / max(len(asked), 1)
              for k, (_, _, t) in enumerate(units)]
    order = sorted(range(len(units)), key=lambda k: -scores[k])
    chosen: set[int] = set()
    for i in range(len(passages)):  # every passage its nearest sentence
        if (best := next((k for k in order if units[k][0] == i), None)) is not None:
            chosen.add(best)
    used = sum(len(units[k][2]) for k in chosen)
    for k in order:
        if k not in chosen and used + len(units[k][2]) <= budget:
            chosen.add(k)
            used += len(units[k][2])
    out: list[str] = []
    for i in range(len(passages)):
        kept = sorted((units[k][1], units[k][2]) for k in chosen if units[k][0] == i)
        parts: list[str] = []
        last = -2
        for j, text in kept:
            if parts and j != last + 1:  # a gap: what lies between was left out
                parts[-1] = parts[-1].rstrip()
                parts.append(GAP)
            parts.append(text.lstrip() if not parts or parts[-1] == GAP else text)
            last = j
        out.append("".join(parts).strip())
    return out
