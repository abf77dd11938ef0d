"""The chat model interface and its llama.cpp implementation."""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from .errors import InputError, ModelCorruptError, ModelNotFoundError

log = logging.getLogger(__name__)

Message = dict[str, str]
MAX_STATES = 3  # read prefixes kept (the essays, listening, one more): ~100 MB each
# llama.cpp's Python binding quiets a load by pointing the process's stdout and stderr (the file
# descriptors and sys's) at /dev/null and back. Two loads at once (the warm-up's chat model and a
# care reader, say) can restore each other's /dev/null: every later error message, the server's
# log included, would go nowhere. So loads take turns.
_LOADING = threading.RLock()


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
    from . import backend

    backend.ensure()
    from llama_cpp import Llama

    try:
        with _LOADING:
            return Llama(model_path=str(path), verbose=False, **kwargs)
    except (ValueError, RuntimeError) as exc:
        raise ModelCorruptError(
            f"llama.cpp could not load {path} ({exc}). The file may be truncated or not a "
            "model llama.cpp supports; point --model at another GGUF or delete it to rebuild."
        ) from exc


def decode_runs(llm: Any, runs: list[tuple[int, int, list[int], bool]]) -> None:
    """One llama.cpp batch of (sequence, first position, tokens, an output wanted) runs."""
    batch = llm._batch.batch
    n = 0
    for seq, first, tokens, wanted in runs:
        for i, token in enumerate(tokens):
            batch.token[n], batch.pos[n] = token, first + i
            batch.seq_id[n][0], batch.n_seq_id[n] = seq, 1
            batch.logits[n] = wanted
            n += 1
    batch.n_tokens = n
    llm._ctx.decode(llm._batch)


class HiddenState:
    """The last token's hidden state after `prefix`, a text and `suffix`, from a GGUF chat
    model opened for embeddings (its weights are the chat model's file, mapped once by the OS).
    The prefix is read once and kept in llama.cpp's cache; each text costs its own tokens."""

    MAX_TEXT_TOKENS = 384  # the end of a longer text is read (where it lands)

    def __init__(self, locate: Callable[[], Path], prefix: str, suffix: str,
                 n_threads: int | None = None) -> None:
        self._locate = locate
        self._text = (prefix, suffix)
        self._n_threads = n_threads
        self._llm: Any = None
        self._prefix: list[int] = []
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._llm is None:
            import llama_cpp

            llm = load_llama(self._locate(), embedding=True, n_ctx=1024, n_batch=512,
                             n_ubatch=512, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,
                             n_threads=self._n_threads, n_threads_batch=self._n_threads)
            self._prefix = llm.tokenize(self._text[0].encode(), add_bos=False, special=True)
            self._decode(llm, self._prefix, 0)
            self._llm = llm
        return self._llm

    @staticmethod
    def _decode(llm: Any, tokens: list[int], past: int) -> None:
        """Every token marked as an output (an embeddings context wants them all), in batches."""
        for start in range(0, len(tokens), 512):
            decode_runs(llm, [(0, past + start, tokens[start:start + 512], True)])

    def __call__(self, text: str) -> Any:
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._model()
            body = llm.tokenize(text.encode(), add_bos=False, special=False)
            tokens = body[-self.MAX_TEXT_TOKENS:] + llm.tokenize(
                self._text[1].encode(), add_bos=False, special=True)
            llm._ctx.kv_cache_seq_rm(-1, len(self._prefix), -1)  # the last message forgotten
            self._decode(llm, tokens, len(self._prefix))
            last = (len(tokens) - 1) % 512
            vector = llama_cpp.llama_get_embeddings_ith(llm._ctx.ctx, last)
            return np.ctypeslib.as_array(vector, shape=(llm.n_embd(),)).copy()


class Likelihood:
    """log P(text | prefix) for each of a few prefixes, under a GGUF chat model: how likely the
    model finds a text written after each (the noisy channel of Min et al. 2022). Each prefix is
    read once into its own sequence of llama.cpp's cache; a text is then read after all of them
    in one batch, and its tokens' log-probabilities summed. A text costs its tokens times the
    prefixes (the model reads about 55 prompt tokens a second on 2 cores here)."""

    # the end of a longer text is read: its cost grows with the tokens times the prefixes (a
    # 96-token message after seven took 10 s on 2 cores, and a listening reply's p95 went to 9 s)
    MAX_TEXT_TOKENS = 32

    def __init__(self, locate: Callable[[], Path], prefixes: list[str], end: str,
                 n_threads: int | None = None) -> None:
        self._locate = locate
        self._texts = (prefixes, end)
        self._n_threads = n_threads
        self._llm: Any = None
        self._prefixes: list[list[int]] = []
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._llm is None:
            import llama_cpp

            size = max(512, len(self._texts[0]) * (self.MAX_TEXT_TOKENS + 8))
            # opened as for embeddings for its several sequences, then scored as a chat model
            llm = load_llama(self._locate(), embedding=True, n_ctx=4096, n_batch=size,
                             n_ubatch=size, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,
                             n_threads=self._n_threads, n_threads_batch=self._n_threads)
            llama_cpp.llama_set_embeddings(llm._ctx.ctx, False)
            self._prefixes = [llm.tokenize(p.encode(), add_bos=False, special=True)
                              for p in self._texts[0]]
            for seq, tokens in enumerate(self._prefixes):  # each up to a batch
                for start in range(0, len(tokens), size):
                    decode_runs(llm, [(seq, start, tokens[start:start + size], False)])
            self._llm = llm
        return self._llm

    def __call__(self, text: str) -> Any:
        """The summed log-probability of `text` (and the end marker) after each prefix."""
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._model()
            body = llm.tokenize(text.encode(), add_bos=False, special=False)[
                -self.MAX_TEXT_TOKENS:] + llm.tokenize(self._texts[1].encode(), add_bos=False,
                                                       special=True)
            runs = []
            for seq, prefix in enumerate(self._prefixes):
                # the last text forgotten; the prefix's last token read again for the first
                # token's odds
                llm._ctx.kv_cache_seq_rm(seq, len(prefix) - 1, -1)
                runs.append((seq, len(prefix) - 1, [prefix[-1], *body[:-1]], True))
            decode_runs(llm, runs)
            n_vocab = llm.n_vocab()
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx),
                                           shape=(len(runs) * len(body), n_vocab))
            top = logits.max(axis=1)
            norm = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
            said = logits[np.arange(len(logits)), np.tile(body, len(runs))] - norm
            return said.reshape(len(runs), len(body)).sum(axis=1)


class OpenAICompatibleChatModel:
    """Any server that speaks OpenAI's chat completions (llama.cpp's, vLLM, Ollama), streaming,
    through the `openai` client: its timeouts, its retries (a refused connection, 408, 409,
    429 and 5xx are tried again with back-off before the first word) and typed errors, which
    become one clear message here.

    The GBNF grammar is passed on for servers that take one (llama.cpp's do); the listening
    policy does not depend on it, since every reply is checked in code whoever wrote it.
    """

    def __init__(self, base_url: str, model: str = "local", api_key: str | None = None,
                 timeout: float = 120.0, retries: int = 2) -> None:
        import openai

        self.base_url = base_url.rstrip("/")
        self.model = model
        # the client insists on a key; a local server without one ignores what it is sent
        self.client = openai.OpenAI(base_url=self.base_url, api_key=api_key or "no-key",
                                    timeout=timeout, max_retries=retries)

    def stream(self, messages: list[Message], *, max_tokens: int = 400,
               temperature: float = 0.2, stop: list[str] | None = None,
               grammar: str | None = None, **opts: Any) -> Iterator[str]:
        import openai

        given: dict[str, Any] = {"stop": stop, "seed": opts.get("seed")}
        given = {k: v for k, v in given.items() if v is not None and v != []}
        if grammar is not None:
            given["extra_body"] = {"grammar": grammar}
        try:
            chunks = self.client.chat.completions.create(
                model=self.model, messages=messages, stream=True,  # type: ignore[arg-type]
                max_tokens=max_tokens, temperature=temperature, **given)
            for chunk in chunks:
                choices = getattr(chunk, "choices", None)
                if choices and (delta := choices[0].delta.content):
                    yield delta
        except openai.APITimeoutError as exc:
            raise ModelNotFoundError(f"The model server at {self.base_url} did not answer in "
                                     f"time ({self.client.timeout} s).") from exc
        except openai.APIConnectionError as exc:
            raise ModelNotFoundError(f"Cannot reach the model server at {self.base_url} "
                                     f"({exc.__class__.__name__}). Is it running?") from exc
        except openai.APIStatusError as exc:
            raise ModelNotFoundError(f"The model server at {self.base_url} answered "
                                     f"{exc.status_code}: {str(exc.message)[:200]}") from exc

    def next_word_logprobs(self, messages: list[Message], reply_start: str,
                           words: list[str], *, keep_for: str | None = None
                           ) -> dict[str, float] | None:
        """The word the server's model finds likeliest after `reply_start`, as
        {word: 0.0}: a grammar holds the reply to `reply_start` and one of `words`, chosen
        greedily (a server reports no probabilities for words it did not choose). None when
        the server takes no grammar or answers something else."""
        alternatives = " | ".join(json.dumps(f" {w}") for w in words)
        grammar = f"root ::= {json.dumps(reply_start)} ({alternatives})"
        text = "".join(self.stream(messages, max_tokens=96, temperature=0.0, grammar=grammar))
        chosen = text[len(reply_start):].strip() if text.startswith(reply_start) else ""
        return {chosen: 0.0} if chosen in words else None


class LlamaCppChatModel:
    """A local GGUF chat model, loaded on first use; one call inside the model at a time."""

    def __init__(self, locate: Callable[[], Path], n_ctx: int = 8192,
                 n_threads: int | None = None, seed: int = 7,
                 chat_format: str | None = None, state_dir: Path | None = None) -> None:
        self._locate = locate
        self._state_dir = state_dir  # read prefixes kept on disk, for the next process
        self._options: dict[str, Any] = {"n_ctx": n_ctx, "n_threads": n_threads,
                                         "n_threads_batch": n_threads, "seed": seed}
        if chat_format is not None:
            self._options["chat_format"] = chat_format  # instead of the file's own template
        self._llm: Any = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._grammars: dict[str, Any] = {}
        self._states: OrderedDict[str, tuple[bytes, Any, int]] = OrderedDict()
        self._last_system: str | None = None
        self._kept_for: str | None = None  # whose words the context holds after a reply
        self._template: Any = None  # the chat template as a formatter (False: none known)
        self._first_tokens: dict[str, int] = {}  # a word's first token, for next_word_logprobs

    def path(self) -> Path:
        return self._locate()

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
        """Stream a reply; `grammar` is GBNF text that the reply must follow.

        After the reply the model forgets everything but the system prompt, unless `keep_for`
        names the conversation: then what it read stays in memory (never on disk) so that the
        conversation's next turn reads only what is new. The next call for anyone else, and
        `forget()`, drop it first."""
        llm = self.llama
        keep_for = opts.pop("keep_for", None)
        messages = self.fit_context(messages, max_tokens)
        if grammar is not None:
            opts["grammar"] = self._grammar(grammar)
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        with self._lock:
            self._enter(llm, system, keep_for)
            chunks = llm.create_chat_completion(
                messages=messages, stream=True, max_tokens=max_tokens,
                temperature=temperature, stop=stop, **opts,
            )
            try:
                for chunk in chunks:
                    delta = chunk["choices"][0]["delta"].get("content")
                    if delta:
                        yield delta
            finally:
                self._leave(llm, system, keep_for)

    def next_word_logprobs(self, messages: list[Message], reply_start: str,
                           words: list[str], *, keep_for: str | None = None
                           ) -> dict[str, float] | None:
        """How likely the model finds each of `words` to come next in its reply, if the reply
        begins with `reply_start`: the log-probability of each word's first token (the words
        must begin with different tokens). One read of the prompt, no sampling. None when this
        model's chat template is unknown. Forgets or keeps the words read as `stream` does."""
        import numpy as np

        llm = self.llama
        if self._template is None:  # made once: the template is the model's
            self._template = self._formatter(llm) or False
        if self._template is False:
            return None
        messages = self.fit_context(messages, 8)
        prompt = self._template(messages=messages).prompt + reply_start
        tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        for w in words:
            if w not in self._first_tokens:
                self._first_tokens[w] = llm.tokenize(f" {w}".encode(), add_bos=False)[0]
        firsts = [self._first_tokens[w] for w in words]
        if len(set(firsts)) != len(firsts):
            raise ValueError("next_word_logprobs: two words begin with the same token.")
        system = messages[0]["content"] if messages[0]["role"] == "system" else None
        with self._lock:
            self._enter(llm, system, keep_for)
            try:
                read = llm.input_ids[: llm.n_tokens].tolist()
                same = 0
                while same < min(len(read), len(tokens) - 1) and read[same] == tokens[same]:
                    same += 1
                llm._ctx.kv_cache_seq_rm(-1, same, -1)  # noqa: SLF001 - as _forget_after
                llm.n_tokens = same
                llm.eval(tokens[same:])
                logits = np.ctypeslib.as_array(llm._ctx.get_logits(),  # noqa: SLF001
                                               shape=(llm.n_vocab(),)).astype(np.float64)
            finally:
                self._leave(llm, system, keep_for)
        top = logits.max()
        logprobs = logits - top - np.log(np.exp(logits - top).sum())
        return {w: float(logprobs[t]) for w, t in zip(words, firsts, strict=True)}

    def _formatter(self, llm: Any) -> Any:
        """The chat template as text-in, prompt-out: ChatML when that is set, else the file's."""
        from llama_cpp.llama_chat_format import (
            CHATML_BOS_TOKEN,
            CHATML_CHAT_TEMPLATE,
            CHATML_EOS_TOKEN,
            Jinja2ChatFormatter,
        )

        if self._options.get("chat_format") == "chatml":
            return Jinja2ChatFormatter(template=CHATML_CHAT_TEMPLATE, eos_token=CHATML_EOS_TOKEN,
                                       bos_token=CHATML_BOS_TOKEN)
        if self._options.get("chat_format") or "tokenizer.chat_template" not in llm.metadata:
            return None
        vocab = llm._model  # noqa: SLF001 - the special tokens' text
        return Jinja2ChatFormatter(template=llm.metadata["tokenizer.chat_template"],
                                   eos_token=vocab.token_get_text(llm.token_eos()),
                                   bos_token=vocab.token_get_text(llm.token_bos()))

    def _enter(self, llm: Any, system: str | None, keep_for: str | None) -> None:
        """Before a call (under the lock): another conversation's words dropped, and the system
        prompt as already read put back if it was."""
        if self._kept_for is not None and self._kept_for != keep_for:
            self._forget_after(llm, self._last_system)  # another conversation's words
            self._kept_for = None
        if system is not None and system not in self._states:
            self._load_state(system)
        if (system is not None and system != self._last_system and system in self._states
                and not self._restore(llm, self._states[system])):  # read already?
            del self._states[system]  # not after all: read afresh, saved anew
            if (stale := self._state_file(system)) is not None:
                stale.unlink(missing_ok=True)
        self._last_system = system

    def _leave(self, llm: Any, system: str | None, keep_for: str | None) -> None:
        """After a call: the conversation kept for its next turn, or forgotten; a system
        prompt read for the first time saved without anyone's words."""
        if keep_for is not None and system is not None and system in self._states:
            kept, self._kept_for = 0, keep_for
        else:
            kept, self._kept_for = self._forget_after(llm, system), None
        if system is not None and kept and system not in self._states:
            self._states[system] = self._snapshot(llm)
            self._save_state(system)
            while len(self._states) > MAX_STATES:
                self._states.popitem(last=False)

    def forget(self) -> None:
        """Drop the words kept for a conversation's next turn (it was deleted): the model
        holds the system prompt and nothing else."""
        with self._lock:
            if self._llm is not None and self._kept_for is not None:
                self._forget_after(self._llm, self._last_system)
            self._kept_for = None

    def _state_file(self, system: str) -> Path | None:
        """Where the read prefix of `system` is kept: keyed by the model file (as it is now),
        the context size, the llama.cpp build and the system prompt itself, so a change to any
        of them reads it afresh. It holds the system prompt's tokens and nothing after them."""
        if self._state_dir is None:
            return None
        import llama_cpp

        model = self._locate()
        info = model.stat()
        key = json.dumps([str(model.resolve()), info.st_size, info.st_mtime_ns,
                          self._options["n_ctx"], self._options.get("chat_format"),
                          llama_cpp.__version__, system])
        return self._state_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.state"

    def _save_state(self, system: str) -> None:
        path = self._state_file(system)
        if path is None:
            return
        data, tokens, count = self._states[system]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        header = json.dumps({"count": count, "tokens": [int(t) for t in tokens[:count]],
                             "size": len(data)}).encode()
        with partial.open("wb") as fh:
            fh.write(len(header).to_bytes(8, "little") + header + data)
        os.replace(partial, path)
        kept = sorted(path.parent.glob("*.state"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-MAX_STATES]:  # the essays, the model or the prompt changed since
            old.unlink(missing_ok=True)

    def _load_state(self, system: str) -> None:
        path = self._state_file(system)
        if path is None or not path.is_file():
            return
        import numpy as np

        try:
            raw = path.read_bytes()
            length = int.from_bytes(raw[:8], "little")
            header = json.loads(raw[8:8 + length])
            data = raw[8 + length:]
            if len(data) != header["size"]:
                raise ValueError("truncated")
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a broken one is read afresh, not trusted
            return
        self._states[system] = (data, np.array(header["tokens"], dtype=np.intc),
                                int(header["count"]))

    def _forget_after(self, llm: Any, system: str | None) -> int:
        """Keep what the model has read of the system prompt (so the next turn need not read it
        again) and nothing after it: the person's words and the reply leave the model's cache,
        its token record and any saved state. Returns how many tokens were kept."""
        count = int(llm.n_tokens)
        keep = self._system_end(llm, system, count) if system else 0
        llm._ctx.kv_cache_seq_rm(-1, keep, -1)  # noqa: SLF001 - no public API for this
        llm.input_ids[keep:count] = 0
        llm.n_tokens = keep
        return keep

    def _system_end(self, llm: Any, system: str, count: int) -> int:
        """Where the system prompt's text ends among the tokens read (0 if it cannot be found:
        then nothing is kept)."""
        whole = llm.tokenize(system.encode(), add_bos=False, special=False)
        tail = whole[1:-1][-12:]
        if not tail:
            return 0
        read = llm.input_ids[:count].tolist()
        # its end is near its own length in (a few template tokens before it, a few tokens
        # split differently): the first match from there, so a repeat inside it is passed over
        for start in range(max(0, len(whole) - len(tail) - 24), count - len(tail) + 1):
            if read[start:start + len(tail)] == tail:
                return start + len(tail)
        return 0

    @staticmethod
    def _snapshot(llm: Any) -> tuple[bytes, Any, int]:
        """The KV cache and its tokens, without llama-cpp-python's copy of all the logits."""
        import llama_cpp

        ctx = llm._ctx.ctx  # noqa: SLF001 - the state API needs the raw context
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * size)()
        used = llama_cpp.llama_state_get_data(ctx, buffer, size)
        return bytes(buffer)[:used], llm.input_ids[: llm.n_tokens].copy(), llm.n_tokens

    @staticmethod
    def _restore(llm: Any, state: tuple[bytes, Any, int]) -> bool:
        import llama_cpp

        data, tokens, count = state
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if not llama_cpp.llama_state_set_data(llm._ctx.ctx, buffer, len(data)):  # noqa: SLF001
            llm.n_tokens = 0  # not read after all: the prompt is read from the start
            return False
        llm.input_ids[:count] = tokens[:count]
        llm.n_tokens = count
        return True
