"""The chat model interface and its llama.cpp implementation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from .errors import InputError, ModelCorruptError

log = logging.getLogger(__name__)

Message = dict[str, str]


def fit(history: list[Message], budget: int) -> list[Message]:
    """The latest whole turns of `history` within `budget` characters, oldest first."""
    kept: list[Message] = []
    used = 0
    for message in reversed(history):
        used += len(message["content"])
        if used > budget:
            break
        kept.append(message)
    kept.reverse()
    while kept and kept[0]["role"] != "user":
        kept.pop(0)
    return kept



class ChatModel(Protocol):
    def stream(self, messages: list[Message], **opts: Any) -> Iterator[str]:
        """Yield the reply to `messages` piece by piece."""
        ...


def load_llama(path: Path, **kwargs: Any) -> Any:
    """Open a GGUF with llama.cpp, turning its load failure into a clear error."""
    from llama_cpp import Llama

    try:
        return Llama(model_path=str(path), verbose=False, **kwargs)
    except (ValueError, RuntimeError) as exc:
        raise ModelCorruptError(
            f"llama.cpp could not load {path} ({exc}). The file may be truncated or not a "
            "model llama.cpp supports; point --model at another GGUF or delete it to rebuild."
        ) from exc


class LlamaCppChatModel:
    """A local GGUF chat model, loaded on first use; one call inside the model at a time."""

    def __init__(self, locate: Callable[[], Path], n_ctx: int = 8192,
                 n_threads: int | None = None, seed: int = 7) -> None:
        self._locate = locate
        self._options = {"n_ctx": n_ctx, "n_threads": n_threads, "seed": seed}
        self._llm: Any = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._grammars: dict[str, Any] = {}

    @property
    def llama(self) -> Any:
        with self._load_lock:
            if self._llm is None:
                path = self._locate()
                log.info("Loading chat model %s", path)
                self._llm = load_llama(path, **self._options)
            return self._llm

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode(), add_bos=False, special=True))

    def fit_context(self, messages: list[Message], max_tokens: int) -> list[Message]:
        """Drop the oldest turns (never the system prompt or the last message) until the prompt
        and the reply fit the context window."""
        window = int(self.llama.n_ctx())
        kept = list(messages)

        def size(ms: list[Message]) -> int:
            return sum(self.count_tokens(m["content"]) + 8 for m in ms) + max_tokens + 16

        while size(kept) > window and len(kept) > 2:
            del kept[1]
        if size(kept) > window:
            raise InputError(f"This message is too long for the model's {window}-token context "
                             "window. Shorten it, or split it in parts.")
        return kept

    def _grammar(self, gbnf: str) -> Any:
        from llama_cpp import LlamaGrammar

        if gbnf not in self._grammars:
            self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[gbnf]

    def stream(self, messages: list[Message], *, max_tokens: int = 400,
               temperature: float = 0.2, stop: list[str] | None = None,
               grammar: str | None = None, **opts: Any) -> Iterator[str]:
        """Stream a reply; `grammar` is GBNF text that the reply must follow."""
        llm = self.llama
        messages = self.fit_context(messages, max_tokens)
        if grammar is not None:
            opts["grammar"] = self._grammar(grammar)
        with self._lock:
            chunks = llm.create_chat_completion(
                messages=messages, stream=True, max_tokens=max_tokens,
                temperature=temperature, stop=stop, **opts,
            )
            for chunk in chunks:
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield delta
