"""Listening, not fixing: the detector every reply passes, and the safe reply when none does."""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from langchain_core.embeddings import Embeddings

SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[”’\"')]*|$)")
LEAD_IN = re.compile(r"^(?:just|please|so|maybe|and|now|then|also|perhaps|simply)\s+", re.I)
TO_SELF = re.compile(r"^\w+\s+(?:me|us)\b", re.I)  # "tell me more" invites, it does not direct


@dataclass(frozen=True)
class Violation:
    kind: str
    why: str
    text: str

    def reason(self) -> str:
        return f"{self.kind}: {self.why} ({self.text!r})"


@dataclass(frozen=True)
class Verdict:
    violations: list[Violation] = field(default_factory=list)

    @property
    def fixing(self) -> bool:
        return bool(self.violations)

    @property
    def reasons(self) -> list[str]:
        return [v.reason() for v in self.violations]


@dataclass(frozen=True)
class Rules:
    reported_speech: re.Pattern[str]
    patterns: dict[str, tuple[str, list[re.Pattern[str]]]]
    imperative_verbs: frozenset[str]
    imperative_why: str


@cache
def load_rules() -> Rules:
    raw = tomllib.loads(files("assistant").joinpath("data", "fixing_rules.toml").read_text())
    kinds = {k: v for k, v in raw.items() if isinstance(v, dict) and "patterns" in v}
    return Rules(
        reported_speech=re.compile(raw["reported_speech"], re.I),
        patterns={kind: (spec["why"], [re.compile(p, re.I) for p in spec["patterns"]])
                  for kind, spec in kinds.items()},
        imperative_verbs=frozenset(raw["imperative"]["verbs"]),
        imperative_why=raw["imperative"]["why"],
    )


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


class AdviceClassifier:
    """Logistic regression over sentence embeddings, trained on Advice-EMNLP2020."""

    def __init__(self, embeddings: Embeddings, weights: dict[str, Any] | None = None) -> None:
        self.embeddings = embeddings
        data = weights or json.loads(
            files("assistant").joinpath("data", "advice_classifier.json").read_text())
        self.weights = [float(w) for w in data["weights"]]
        self.bias = float(data["bias"])
        self.threshold = float(data["threshold"])  # best F1 on dev: for measuring
        self.gate = float(data.get("gate_threshold", self.threshold))  # precise: for replies

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        vectors = self.embeddings.embed_documents(list(texts))
        return [1 / (1 + math.exp(-(sum(w * x for w, x in zip(self.weights, v, strict=True))
                                    + self.bias))) for v in vectors]


class FixingDetector:
    """Finds advice, directives, diagnosing, persuading, minimising and extra questions."""

    def __init__(self, classifier: AdviceClassifier | None = None, max_questions: int = 1,
                 rules: Rules | None = None) -> None:
        self.rules = rules or load_rules()
        self.classifier = classifier
        self.max_questions = max_questions

    def rule_violations(self, text: str) -> list[Violation]:
        found = []
        for sentence in sentences(text):
            own = self.rules.reported_speech.sub(" ", sentence)
            for kind, (why, patterns) in self.rules.patterns.items():
                target = text if kind == "steps" else own
                match = next((m for p in patterns if (m := p.search(target))), None)
                if match:
                    found.append(Violation(kind, why, match.group(0).strip()))
            if self._imperative(sentence):
                found.append(Violation("imperative", self.rules.imperative_why,
                                       " ".join(sentence.split()[:4])))
        unique = {(v.kind, v.text): v for v in found}
        return list(unique.values())

    def _imperative(self, sentence: str) -> bool:
        opening = LEAD_IN.sub("", sentence.lstrip("“\"'(-–— ")).lower()
        first = opening.split(" ", 1)[0].strip(",:;")
        return first in self.rules.imperative_verbs and not TO_SELF.match(opening)

    def check(self, text: str) -> Verdict:
        violations = self.rule_violations(text)
        questions = text.count("?")
        if questions > self.max_questions:
            violations.append(Violation("questions", f"asks {questions} questions, at most "
                                        f"{self.max_questions} is allowed", f"{questions} '?'"))
        if self.classifier is not None:
            statements = [s for s in sentences(text) if not s.endswith("?")]
            own = [self.rules.reported_speech.sub(" ", s).strip() for s in statements]
            pairs = [(s, o) for s, o in zip(statements, own, strict=True) if len(o.split()) >= 3]
            if pairs:
                probs = self.classifier.probabilities([o for _, o in pairs])
                violations.extend(
                    Violation("advice", f"reads as advice (p={p:.2f})", s)
                    for (s, _), p in zip(pairs, probs, strict=True)
                    if p >= self.classifier.gate)
        return Verdict(violations)


# The safe reply: the person's own words, reflected, and one open question.
_FLIP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are",
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "was": "were",
    "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves",
    "we're": "you're", "we've": "you've",
}
_FEELING = re.compile(
    r"\b(feel|felt|feeling|hurt|sad|angry|afraid|scared|alone|lonely|tired|exhausted|lost|stuck|"
    r"worried|anxious|confused|torn|frustrated|overwhelmed|miss|grief|upset|ashamed|guilty|"
    r"hard|can't|cannot|don't know)\b", re.I)
_COMMON_OPENERS = {
    "you", "you're", "you've", "you'd", "you'll", "your", "it", "it's", "this", "that", "there",
    "the", "a", "an", "nobody", "no", "everyone", "everything", "nothing", "things", "some",
    "sometimes", "lately", "today", "when", "since", "after", "every", "all", "even", "my",
}
OPEN_QUESTIONS = (
    "What feels most important to you about this right now?",
    "What is it like for you to be carrying this?",
    "What would you most like to be heard about in this?",
    "How is this sitting with you right now?",
)


def flip_pronouns(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return _FLIP.get(word.lower().replace("’", "'"), word)

    return re.sub(r"\b[A-Za-z]+(?:['’][a-z]+)?\b", swap, text)


def fallback_reply(message: str, max_words: int = 24) -> str:
    """A reflection built from the person's own words, then one open question."""
    from .faithful import restate  # (faithful reads this module's sentences)

    digest = int(hashlib.sha256(message.encode()).hexdigest(), 16)
    question = OPEN_QUESTIONS[digest % len(OPEN_QUESTIONS)]
    parts = [s.rstrip(".!?… ") for s in sentences(message) if not s.endswith("?")]
    parts = [p for p in parts if len(p.split()) >= 3]
    if not parts and (said := restate(message)):  # a question: what they are weighing, never
        return f"It sounds like {said}. {question}"  # the question pasted in as a statement
    parts = parts or [message.strip().rstrip(".!?")]
    chosen = next((p for p in parts if _FEELING.search(p)), parts[0])
    words = flip_pronouns(chosen).split()
    clause = " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")
    clause = re.sub(r"^(?:and|but|so|because|well),?\s+", "", clause, flags=re.I)
    first, _, rest = clause.partition(" ")
    if first.lower() in _COMMON_OPENERS:
        clause = " ".join([first.lower(), rest]).strip()
    return f"It sounds like {clause}. {question}"


def detokenize(text: str) -> str:
    """Undo spaCy's tokenisation (Advice-EMNLP2020's format) so sentences read as people write."""
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = re.sub(r" ([.,!?;:%)])", r"\1", text)
    text = re.sub(r"([($]) ", r"\1", text)
    return text.replace(" - ", "-").strip()
