"""Safety before anything else: input limits, and the crisis check with its care reply."""

from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from langchain_core.embeddings import Embeddings

from .errors import InputError
from .prompts import render

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ufeff]")  # control, zero-width and bidi override chars


def check_message(text: str, max_chars: int) -> str:
    """The message, tidied (NFC, no control characters); a clear error if it can't be taken."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    if not cleaned:
        raise InputError("The message is empty: type a question or what is on your mind.")
    if len(cleaned) > max_chars:
        raise InputError(
            f"The message is {len(cleaned):,} characters; the limit is {max_chars:,}. "
            "Shorten it or send it in parts."
        )
    return cleaned


@dataclass(frozen=True)
class CrisisSignal:
    kind: str  # suicide | self_harm | harm_others | being_harmed | similar
    evidence: str


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(files("assistant").joinpath("data", name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CrisisRule:
    kind: str
    patterns: list[re.Pattern[str]]
    requires: re.Pattern[str] | None = None


@cache
def crisis_rules() -> list[CrisisRule]:
    return [CrisisRule(spec.get("kind", name), [re.compile(p, re.I) for p in spec["patterns"]],
                       re.compile(spec["requires"], re.I) if "requires" in spec else None)
            for name, spec in _data("crisis_patterns.toml").items()]


class CrisisDetector:
    """Patterns for explicit signals; similarity to curated examples for indirect ones."""

    def __init__(self, embeddings: Embeddings | None = None, threshold: float = 0.6,
                 margin: float = 0.05) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self.margin = margin
        self._examples: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def check(self, message: str) -> CrisisSignal | None:
        text = " ".join(message.replace("’", "'").split())
        for rule in crisis_rules():
            if rule.requires is not None and not rule.requires.search(text):
                continue
            for pattern in rule.patterns:
                if match := pattern.search(text):
                    return CrisisSignal(rule.kind, match.group(0))
        return self._similar(text) if self.embeddings is not None else None

    def _similar(self, text: str) -> CrisisSignal | None:
        import numpy as np

        crisis, calm = self._example_vectors()
        parts = [text, *[s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 3]]
        assert self.embeddings is not None
        vectors = np.array(self.embeddings.embed_documents(parts[:12]))
        to_crisis, to_calm = vectors @ crisis.T, vectors @ calm.T
        for i, part in enumerate(parts[:12]):
            best = float(to_crisis[i].max())
            if best >= self.threshold and best >= float(to_calm[i].max()) + self.margin:
                return CrisisSignal("similar", part)
        return None

    def _example_vectors(self) -> tuple[Any, Any]:
        import numpy as np

        with self._lock:
            if self._examples is None:
                examples = _data("crisis_examples.toml")
                assert self.embeddings is not None
                self._examples = (np.array(self.embeddings.embed_documents(examples["crisis"])),
                                  np.array(self.embeddings.embed_documents(examples["calm"])))
            return self._examples


@cache
def crisis_resources(region: str) -> list[str]:
    regions = _data("crisis_resources.toml")
    chosen = regions.get(region.upper()) or regions["INTERNATIONAL"]
    return list(chosen["resources"])


def care_reply(signal: CrisisSignal, region: str) -> str:
    """The fixed, reviewed reply to a crisis signal: care and resources, nothing else."""
    return render("crisis_reply", kind=signal.kind, resources=crisis_resources(region))


def resources_markdown(region: str) -> str:
    lines = "\n".join(f"- {line}" for line in crisis_resources(region))
    return f"#### If you are in danger or thinking of ending your life\n\n{lines}"
