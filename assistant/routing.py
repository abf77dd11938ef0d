"""Which way a message goes, read by meaning rather than by word lists.

ask: a question about the essays or their ideas; listen: the person speaks of their own life;
what_to_do: they ask what to do about it (listening first, then an offer of the essays'
perspectives); invitation: they ask for one of the essays' practices. A message is compared with
the written examples in `data/routes.txt` through the MiniLM vectors the index already uses: a
logistic regression over those vectors, fitted on the examples when the router is first used
(leave-one-out on the examples: 119/122 right, against 113/122 for the 3 nearest examples).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from langchain_core.embeddings import Embeddings

from .textnorm import collapse_repeats

ASK, LISTEN, WHAT_TO_DO, INVITATION = "ask", "listen", "what_to_do", "invitation"
ROUTES = (ASK, LISTEN, WHAT_TO_DO, INVITATION)
SURE_OF_INVITATION = 0.5  # below it, the best of the other routes
# A request: a question, a word that asks or proposes, or a practice named.
ASKS = re.compile(r"\?|^\W*(?:let'?s|let us|can|could|would|will|shall|may|do|is there|are "
                  r"there|guide|take|walk|lead|open|begin|start|show|give|help|try|please|i'?d "
                  r"like|i would like|i want|i wanna|i'?m ready)\b|\b(?:practi[cs]e\w*|exercises?|"
                  r"invitations?|reflections?|meditat\w*|guided?|step by step)\b", re.I)


def examples(text: str | None = None) -> dict[str, list[str]]:
    """The written examples by route ("## route" starts a section, "#" a comment)."""
    if text is None:
        text = files("assistant").joinpath("data", "routes.txt").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {route: [] for route in ROUTES}
    route = None
    for line in text.splitlines():
        if line.startswith("## "):
            route = line[3:].strip()
            if route not in out:
                raise ValueError(f"routes.txt: unknown route {route!r}")
        elif line.strip() and not line.startswith("#"):
            if route is None:
                raise ValueError("routes.txt: an example before any '## route' line")
            out[route].append(line.strip())
    return out


@dataclass(frozen=True)
class Route:
    name: str
    scores: dict[str, float] = field(default_factory=dict)  # the probability of each route


class Router:
    """route(message) -> Route; fitted on the written examples on first use."""

    def __init__(self, embeddings: Embeddings, written: dict[str, list[str]] | None = None,
                 strength: float = 10.0) -> None:
        self.embeddings = embeddings
        self.written = written if written is not None else examples()
        self.strength = strength  # the regression's C: little regularising, the examples are few
        self._model: Any = None
        self._lock = threading.Lock()

    def fit(self) -> None:
        """Embed the examples and fit now (at warm-up), not at the first message."""
        self._fitted()

    def _fitted(self) -> Any:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        with self._lock:
            if self._model is None:
                texts = [t for route in ROUTES for t in self.written.get(route, [])]
                labels = [route for route in ROUTES for _ in self.written.get(route, [])]
                vectors = _unit(np.array(self.embeddings.embed_documents(texts)))
                self._model = LogisticRegression(C=self.strength, max_iter=5000).fit(
                    vectors, labels)
            return self._model

    def route(self, message: str, allowed: tuple[str, ...] = ROUTES) -> Route:
        import numpy as np

        model = self._fitted()
        query = _unit(np.array([self.embeddings.embed_query(collapse_repeats(message))]))
        probs = dict(zip(model.classes_, model.predict_proba(query)[0].tolist(), strict=True))
        scores = {route: probs[route] for route in allowed if route in probs}
        best = max(scores, key=scores.__getitem__)
        if best == INVITATION and len(scores) > 1 and (
                scores[best] < SURE_OF_INVITATION or not ASKS.search(message)):
            # starting a practice changes what the conversation is: only when plainly asked,
            # and a practice is asked for ("driving test tomorrow. 4th attempt" was offered the
            # one about a shared dream: listening set 40)
            best = max((r for r in scores if r != INVITATION), key=scores.__getitem__)
        return Route(best, scores)


def _unit(vectors: Any) -> Any:
    import numpy as np

    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
