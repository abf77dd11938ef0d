"""The chat model's own reading of risk: a linear probe over its hidden state.

The shipped Qwen, asked yes or no whether a message shows risk, separates risky from ordinary
messages barely better than chance (its answer's log-odds, eval/care/README.md). What the model
has read is richer than the one word it would say: the hidden state of the last token, after a
fixed question and the message, is a vector of 1,536 numbers, and a logistic regression over it
(fitted by `scripts/build_care_probe.py` on the lexicon, the written examples and everyday
Reddit text, never on eval/) reads it. The question is read once and kept in llama.cpp's cache;
each message costs only its own tokens.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

PREFIX = ("<|im_start|>system\nYou are a careful clinician reading one message sent to a "
          "listening companion.<|im_end|>\n<|im_start|>user\nDoes the writer of this "
          "message show risk of suicide, self-harm, harm to others, being harmed, or an "
          "acute mental health crisis?\n\nMessage: ")
SUFFIX = "<|im_end|>\n<|im_start|>assistant\nAnswer (yes or no):"
MAX_MESSAGE_TOKENS = 384  # the end of a longer message is read (where it lands)


def _floats(packed: str, shape: tuple[int, ...]) -> Any:
    import numpy as np

    return np.frombuffer(base64.b64decode(packed), dtype="<f4").reshape(shape)


def pack(array: Any) -> str:
    import numpy as np

    return base64.b64encode(np.asarray(array, dtype="<f4").tobytes()).decode()


@cache
def shipped() -> dict[str, Any]:
    """What `scripts/build_care_probe.py` wrote: the scaling, the weights, the cut."""
    return dict(json.loads(files("assistant").joinpath("data", "care_probe.json")
                           .read_text(encoding="utf-8")))


class HiddenState:
    """The last token's hidden state after PREFIX, a message and SUFFIX, from a GGUF chat model
    opened for embeddings (its weights are the chat model's file, mapped once by the OS)."""

    def __init__(self, locate: Callable[[], Path], n_threads: int | None = None) -> None:
        self._locate = locate
        self._n_threads = n_threads
        self._llm: Any = None
        self._prefix: list[int] = []
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._llm is None:
            import llama_cpp

            from .llm import load_llama

            llm = load_llama(self._locate(), embedding=True, n_ctx=1024, n_batch=512,
                             n_ubatch=512, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,
                             n_threads=self._n_threads, n_threads_batch=self._n_threads)
            self._prefix = llm.tokenize(PREFIX.encode(), add_bos=False, special=True)
            self._decode(llm, self._prefix, 0)
            self._llm = llm
        return self._llm

    @staticmethod
    def _decode(llm: Any, tokens: list[int], past: int) -> None:
        """Every token marked as an output (an embeddings context wants them all), in batches."""
        for start in range(0, len(tokens), 512):
            llm._batch.set_batch(tokens[start:start + 512], n_past=past + start,
                                 logits_all=True)
            llm._ctx.decode(llm._batch)

    def __call__(self, text: str) -> Any:
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._model()
            body = llm.tokenize(text.encode(), add_bos=False, special=False)
            tokens = body[-MAX_MESSAGE_TOKENS:] + llm.tokenize(
                SUFFIX.encode(), add_bos=False, special=True)
            llm._ctx.kv_cache_seq_rm(-1, len(self._prefix), -1)  # the last message forgotten
            self._decode(llm, tokens, len(self._prefix))
            last = (len(tokens) - 1) % 512
            vector = llama_cpp.llama_get_embeddings_ith(llm._ctx.ctx, last)
            return np.ctypeslib.as_array(vector, shape=(llm.n_embd(),)).copy()


class RiskProbe:
    """score(message) -> risk of care or crisis against none, in log-odds scaled by their
    spread on everyday text (so that its cut reads like the meaning reader's)."""

    def __init__(self, state: Callable[[str], Any], data: dict[str, Any] | None = None) -> None:
        self.state = state
        self.data = data if data is not None else shipped()
        size = int(self.data["size"])
        self.mean = _floats(self.data["mean"], (size,))
        self.scale = _floats(self.data["scale"], (size,))
        self.coef = _floats(self.data["coef"], (3, size))
        self.intercept = _floats(self.data["intercept"], (3,))
        joint = self.data["joint"]  # how it joins the MiniLM reader's risk (build_care_probe.py)
        self.weight = float(joint["weight"])  # of its score, added to that risk
        self.floor = float(joint["floor"])  # that risk from which it is read at all
        self.joint_cut = float(joint["cut"])  # the cut on the sum
        self.check_in_above = float(joint["check_in_above"])  # above it, the band that asks

    def warm(self) -> None:
        """Load the model and read the question, so the first message does not wait for it."""
        self.state("")

    def probabilities(self, text: str) -> Any:
        import numpy as np

        logits = self.coef @ ((self.state(text) - self.mean) / self.scale) + self.intercept
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()  # none, care, crisis

    def score(self, text: str) -> tuple[float, float]:
        """(risk, crisis share): the scaled log-odds of care or crisis, and how much of that
        the crisis class holds."""
        import numpy as np

        p = self.probabilities(text)
        odds = float(np.log(p[1] + p[2] + 1e-9) - np.log(p[0] + 1e-9))
        (om, osd) = self.data["odds_scale"]
        return (odds - om) / osd, float(p[2] / (p[1] + p[2] + 1e-9))
