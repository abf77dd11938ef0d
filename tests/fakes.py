"""Hand-written fakes with a call history, for fast unit tests."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.embeddings import Embeddings


class FakeChatModel:
    """Streams the given replies in turn, word by word; records every call. `pause`: seconds
    before each word, for an answer that takes a while to stream."""

    def __init__(self, replies: list[str] | None = None, pause: float = 0.0) -> None:
        self.replies = list(replies or ["A reply."])
        self.calls: list[dict[str, Any]] = []
        self.pause = pause

    def stream(self, messages: list[dict[str, str]], **opts: Any) -> Iterator[str]:
        self.calls.append({"messages": messages, **opts})
        reply = self.replies[min(len(self.calls), len(self.replies)) - 1]
        for piece in re.findall(r"\S+\s*|\s+", reply):
            if self.pause:
                time.sleep(self.pause)
            yield piece


class FakeEmbeddings(Embeddings):
    """Deterministic hashed bag-of-words vectors: similar words, similar vectors."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.calls: list[int] = []

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for word in re.findall(r"[a-z]+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
