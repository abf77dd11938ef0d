"""One listening turn: the person's words said back, what they seem to mean added by the model,
checked for fixing and for what it adds; drafted again, or the restatement alone, when it fails."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from . import faithful
from .llm import ChatModel, Message, fit
from .policy import FixingDetector, fallback_reply
from .prompts import render


@cache
def grammar(opening: str | None = None) -> str:
    """The listening grammar; with `opening`, the one way this reply may begin."""
    text = files("assistant").joinpath("prompts", "listen_grammar.gbnf").read_text()
    if opening is None:
        return text
    return re.sub(r"^opening\s+::=.*$", f"opening    ::= {json.dumps(opening)}", text, flags=re.M)


# The ways in that keep the reflection on the person. Forced, "It makes sense that" and "That
# sounds" led the 1.5B model to justify the other side ("it makes sense that your
# mother-in-law would rearrange your kitchen") and "You're" to reassure ("You're not alone"),
# so they stay in the grammar but are never forced.
ROTATED = ("It sounds like ", "It sounds as if ", "What I hear is that ", "From what you say, ",
           "It seems like ")


def last_reply(history: list[Message]) -> str:
    return next((m["content"] for m in reversed(history) if m["role"] == "assistant"), "")


def _pick(key: str) -> int:
    """A number fixed by `key`: the same message gets the same choice, others vary."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16)


def choose_opening(message: str, history: list[Message], attempt: int = 0) -> str:
    """A way in that varies with the message and never repeats the last reply's: the small
    model otherwise opens "It sounds like" almost every time."""
    last = last_reply(history)
    allowed = [o for o in ROTATED if not last.startswith(o)] or list(ROTATED)
    return allowed[(_pick(message.strip().lower()) + attempt) % len(allowed)]


# Ways into the question that open the person's own exploring; one per reply, never the last
# reply's, so the question cannot turn to what to do next and does not repeat its shape.
ASKS = ("What is it like for you", "What does that mean to you", "What feels hardest about",
        "What matters most to you about", "How are you holding", "How is that for you",
        "What comes up for you", "What do you make of", "How does it feel")


@cache
def anchored_grammar(lead: str, ask: str) -> str:
    """The grammar of a reply that must begin with `lead` (the opening and the restatement)
    and whose question, if it asks one, begins with `ask`."""
    text = files("assistant").joinpath("prompts", "listen_anchored.gbnf").read_text()
    return text.replace('"LEAD"', json.dumps(lead)).replace('"ASK"', json.dumps(ask))


def choose_ask(message: str, history: list[Message], attempt: int = 0) -> str:
    last = last_reply(history)
    allowed = [a for a in ASKS if a not in last] or list(ASKS)
    return allowed[(_pick(f"ask {message.strip().lower()}") + attempt) % len(allowed)]


# The question a reply built from the restatement alone ends with.
QUESTIONS = ("What is that like for you?", "What does that mean to you?",
             "How are you holding all of this?", "What matters most to you about it?")


@cache
def examples() -> list[dict[str, str]]:
    text = files("assistant").joinpath("prompts", "listening_examples.json").read_text()
    return list(json.loads(text))


@dataclass
class PolicyRecord:
    """What the check did to reach the reply the person saw."""

    status: str = "passed"  # passed | regenerated | fallback
    violations: list[str] = field(default_factory=list)
    regenerated: int = 0
    fallback: bool = False
    first_draft_fixing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "violations": self.violations,
                "regenerated": self.regenerated, "fallback": self.fallback}


@dataclass
class ListeningReply:
    message: str
    text: str
    policy: PolicyRecord
    timings: dict[str, float] = field(default_factory=dict)
    drafts: list[str] = field(default_factory=list)

    def history(self) -> list[Message]:
        return [{"role": "user", "content": self.message},
                {"role": "assistant", "content": self.text}]


class ListeningService:
    def __init__(self, model: ChatModel, detector: FixingDetector, *, regenerations: int = 2,
                 temperature: float = 0.3, max_tokens: int = 120,
                 history_chars: int = 6000) -> None:
        self.model = model
        self.detector = detector
        self.regenerations = regenerations
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.history_chars = history_chars

    def messages(self, message: str, history: list[Message], nudge: bool) -> list[Message]:
        system = render("listen_system", policy=render("listening_policy"))
        shots: list[Message] = []
        for example in examples():
            shots += [{"role": "user", "content": example["message"]},
                      {"role": "assistant", "content": example["reply"]}]
        return [{"role": "system", "content": system}, *shots, *fit(history, self.history_chars),
                {"role": "user", "content": render("listen_user", message=message, nudge=nudge)}]

    def draft(self, message: str, history: list[Message], restated: str | None,
              attempt: int, keep_for: str | None = None) -> Draft:
        opening = choose_opening(message, history, attempt)
        lead = f"{opening}{restated}" if restated else None
        pieces = self.model.stream(
            self.messages(message, history, nudge=attempt > 0),
            grammar=(anchored_grammar(lead, choose_ask(message, history, attempt)) if lead
                     else grammar(opening)),
            max_tokens=self.max_tokens, temperature=self.temperature + 0.3 * attempt,
            seed=attempt, keep_for=keep_for,
        )
        text = tidy("".join(pieces))
        added = text[len(lead):] if lead and text.startswith(lead) else text
        said = " ".join(m["content"] for m in history if m["role"] == "user")
        shown = (*(e["reply"].split(", and ", 1)[-1] for e in examples()),
                 last_reply(history).split(", and ", 1)[-1])  # nor the reply before's shape
        return Draft(text, faithful.problems(added, message, said, shown))

    def reply(self, message: str, history: list[Message] | None = None,
              keep_for: str | None = None) -> ListeningReply:
        """A reflection of `message`; `keep_for` names the conversation (the model may keep its
        words in memory until its next turn, as for answers)."""
        start = time.perf_counter()
        record = PolicyRecord()
        history = history or []
        restated = faithful.restate(message)
        drafts = []
        for attempt in range(self.regenerations + 1):
            draft = self.draft(message, history, restated, attempt, keep_for)
            drafts.append(draft.text)
            verdict = self.detector.check(draft.text)
            if attempt == 0:
                record.first_draft_fixing = verdict.fixing
            if not verdict.fixing and not draft.problems and draft.text:
                record.status = "regenerated" if attempt else "passed"
                record.regenerated = attempt
                return ListeningReply(message, draft.text, record, _since(start), drafts)
            record.violations.extend(verdict.reasons + [f"adds: {p}" for p in draft.problems]
                                     or ["empty draft"])
        record.status, record.fallback, record.regenerated = "fallback", True, self.regenerations
        lead = f"{choose_opening(message, history)}{restated}" if restated else None
        return ListeningReply(message, restatement_reply(message, lead), record, _since(start),
                              drafts)


@dataclass(frozen=True)
class Draft:
    text: str
    problems: list[str]  # what the model's part adds that the person did not say


def restatement_reply(message: str, lead: str | None) -> str:
    """The reply when no draft passed: the person's words said back, and one open question."""
    if lead is None:
        return fallback_reply(message)
    return f"{lead}. {QUESTIONS[_pick(message) % len(QUESTIONS)]}"


def tidy(text: str) -> str:
    """The draft as natural text: one line, single spaces, the grammar's cut-offs mended."""
    text = " ".join(text.split())
    if text and text[-1] not in ".?!":
        text = text.rsplit(".", 1)[0] + "." if "." in text else text + "."
    return re.sub(r"\s+([.,?!])", r"\1", text)


def _since(start: float) -> dict[str, float]:
    return {"total_s": round(time.perf_counter() - start, 3)}
