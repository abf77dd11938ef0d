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
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from .llm import HiddenState

PREFIX = ("<|im_start|>system\nYou are a careful clinician reading one message sent to a "
          "listening companion.<|im_end|>\n<|im_start|>user\nDoes the writer of this "
          "message show risk of suicide, self-harm, harm to others, being harmed, or an "
          "acute mental health crisis?\n\nMessage: ")
SUFFIX = "<|im_end|>\n<|im_start|>assistant\nAnswer (yes or no):"


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
        # A second reading of the same state, fitted on messages written the way people write
        # them (scripts/data/care_messages.txt): where the readers above flag a message alone
        # and this one scores it below `clear_below`, the flag is not trusted (care.py).
        written = self.data.get("written")
        self.written_head = None if written is None else (
            _floats(written["mean"], (size,)), _floats(written["scale"], (size,)),
            _floats(written["coef"], (3, size)), _floats(written["intercept"], (3,)))
        self.clear_below = float(written["clear_below"]) if written else float("-inf")
        self._last: tuple[str, Any] | None = None  # the last message's state, read once

    def warm(self) -> None:
        """Load the model and read the question, so the first message does not wait for it."""
        self.state("")

    def _state(self, text: str) -> Any:
        """The model's state after `text`; both heads read one message's state once."""
        last = self._last  # a local: another thread may read another message meanwhile
        if last is None or last[0] != text:
            last = self._last = (text, self.state(text))
        return last[1]

    def probabilities(self, text: str) -> Any:
        return _softmax(self.coef @ ((self._state(text) - self.mean) / self.scale)
                        + self.intercept)  # none, care, crisis

    def written(self, text: str) -> float | None:
        """The written-messages head's log-odds of care or crisis against none; None when the
        shipped data has no such head."""
        if self.written_head is None:
            return None
        mean, scale, coef, intercept = self.written_head
        return _risk_odds(_softmax(coef @ ((self._state(text) - mean) / scale) + intercept))

    def score(self, text: str) -> tuple[float, float]:
        """(risk, crisis share): the scaled log-odds of care or crisis, and how much of that
        the crisis class holds."""
        p = self.probabilities(text)
        odds = _risk_odds(p)
        (om, osd) = self.data["odds_scale"]
        return (odds - om) / osd, float(p[2] / (p[1] + p[2] + 1e-9))


def _softmax(logits: Any) -> Any:
    import numpy as np

    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def _risk_odds(p: Any) -> float:
    """The log-odds of care or crisis against none, from (none, care, crisis) probabilities."""
    import numpy as np

    return float(np.log(p[1] + p[2] + 1e-9) - np.log(p[0] + 1e-9))


def hidden_state(locate: Callable[[], Path], n_threads: int | None = None) -> HiddenState:
    """The chat model's state after the probe's question and a message."""
    return HiddenState(locate, PREFIX, SUFFIX, n_threads)


def shipped_probe(cache_dir: Path, n_threads: int | None = None,
                  progress: bool = False) -> RiskProbe:
    """The probe as shipped, over the shipped chat model (assembled in `cache_dir` on first
    use), whatever model answers."""
    from .models import chat_model_info

    return RiskProbe(hidden_state(lambda: chat_model_info(None, cache_dir, progress).path,
                                  n_threads))
