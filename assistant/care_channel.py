"""The chat model as a noisy channel for risk: how likely a message is, written by a person at
risk, against written by a person on an ordinary day.

Asked outright whether a message shows risk, the shipped Qwen reads the indirect signs least
(eval/care/README.md: AUC 0.58-0.67). Read the other way round, as Min et al. (2022, "Noisy
Channel Language Model Prompting for Few-shot Text Classification") do, it does better: the
model is told who writes the message (a person quietly preparing to end their life; a person
who wishes they were dead; ...) and scores how likely the message's words are, against how
likely they are from a person having an ordinary day, good or hard. Nothing is trained; the
descriptions are fixed here, and the cut is set on the development sets
(`scripts/care_channel_experiment.py`). It costs the message's tokens times the descriptions,
so the care check reads it only where a message is left unflagged after signs of distress.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .llm import Likelihood

ASK = ("<|im_start|>system\nYou write realistic example messages.<|im_end|>\n<|im_start|>user\n"
       "Write one message that {who} might type to a listening companion app.<|im_end|>\n"
       "<|im_start|>assistant\n")
END = "<|im_end|>"
AT_RISK = [
    "a person in crisis (thinking about ending their life, hurting themselves or someone "
    "else, being hurt or threatened, or losing touch with reality)",
    "a person quietly preparing to end their life (saying goodbye, giving their things away, "
    "putting their affairs in order, writing a note, choosing a time or a place)",
    "a person who wishes they were dead, or feels they are a burden and everyone would be "
    "better off without them",
    "a person in despair asking about a way to end their life (pills, a height, poison, a "
    "weapon, a car, deep water)",
    "a person losing touch with reality (hearing voices, believing they are watched or "
    "chosen, not sleeping for days with racing thoughts) or starving or purging themselves",
]
ORDINARY = [
    "a person on an ordinary day, good or hard (sad, angry, tired, grieving or joking, but "
    "safe)",
    "a person venting about an ordinary hard day (anger, grief, stress, tiredness, or jokes "
    "with dark words), who is safe",
]
# Set on the development sets (scripts/care_channel_experiment.py). Raising it to 3.0 was tried
# on 2026-12-07: 19 ordinary development messages fewer asked (of 1,859) for 2 of 891 risky
# ones, but on sealed26, written before, it lost 2 of 36 crises (a card written for a child's
# eighteenth, tubing in the boot) to spare 1 of 43 ordinary messages: not kept.
CUT = 2.5


def _mean_exp(logs: list[float]) -> float:
    top = max(logs)
    return top + math.log(sum(math.exp(x - top) for x in logs) / len(logs))


class RiskChannel:
    """score(message) -> log P(message | at risk) - log P(message | an ordinary day), each a
    mixture of its descriptions with equal weights."""

    def __init__(self, likelihood: Callable[[str], list[float]], cut: float = CUT) -> None:
        self.likelihood = likelihood
        self.cut = cut

    def warm(self) -> None:
        """Load the model and read the descriptions, so the first message does not wait."""
        self.likelihood("")

    def score(self, message: str) -> float:
        said = [float(x) for x in self.likelihood(message)]
        return _mean_exp(said[:len(AT_RISK)]) - _mean_exp(said[len(AT_RISK):])


def likelihood(locate: Callable[[], Path], n_threads: int | None = None) -> Likelihood:
    return Likelihood(locate, [ASK.format(who=who) for who in [*AT_RISK, *ORDINARY]], END,
                      n_threads)


@cache
def _shared(cache_dir: Path, n_threads: int | None, progress: bool) -> Likelihood:
    """One reader per model file in a process: its descriptions are read once (about 8 s),
    whichever assistant asks (its lock lets one message through at a time)."""
    from .models import chat_model_info

    return likelihood(lambda: chat_model_info(None, cache_dir, progress).path, n_threads)


def shipped_channel(cache_dir: Path, n_threads: int | None = None,
                    progress: bool = False) -> RiskChannel:
    """Over the shipped chat model, whatever model answers."""
    return RiskChannel(_shared(cache_dir, n_threads, progress))
