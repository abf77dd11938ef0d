"""Sentence embeddings through llama.cpp, behind langchain-core's Embeddings interface."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .llm import load_llama
from .models import EMBED_MAX_TOKENS

GROUP_TOKENS = 128  # tokens read in one batch (see LlamaEmbeddings.embed_documents)


class LlamaEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (or any GGUF embedding model), mean-pooled and L2-normalised."""

    def __init__(self, locate: Callable[[], Path], n_threads: int | None = None) -> None:
        self._locate = locate
        self._n_threads = n_threads
        self._llm: Any = None
        self._lock = threading.Lock()

    def path(self) -> Path:
        return self._locate()

    @property
    def name(self) -> str:
        return self._locate().stem

    def _model(self) -> Any:
        if self._llm is None:
            self._llm = load_llama(
                self._locate(), embedding=True, n_ctx=512, n_batch=512, n_ubatch=512,
                n_threads=self._n_threads, n_threads_batch=self._n_threads,
            )
        return self._llm

    def _truncate(self, llm: Any, text: str) -> tuple[str, int]:
        """Cut text to the model's 256-token window, as sentence-transformers does; the text
        and its length in tokens."""
        while (size := len(llm.tokenize(text.encode(), add_bos=True))) > EMBED_MAX_TOKENS:
            text = text[: int(len(text) * 0.9)]
        return text, size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Texts are read a few at a time, up to GROUP_TOKENS: llama.cpp attends over all the
        texts of one batch together (masked), so a large batch costs more than its parts. On
        2 cores, 24 passages one by one took 0.71 s against 1.14 s in one batch, 30 sentences
        four by four 0.17 s against 0.37 s."""
        if not texts:
            return []
        vectors: list[Any] = []
        with self._lock:
            llm = self._model()
            group: list[str] = []
            size = 0
            for text, tokens in (self._truncate(llm, t) for t in texts):
                if group and size + tokens > GROUP_TOKENS:
                    vectors.extend(llm.embed(group, normalize=True))
                    group, size = [], 0
                group.append(text)
                size += tokens
            vectors.extend(llm.embed(group, normalize=True))
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
