"""Guided invitations: found in the corpus, run as a small explicit state machine."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .corpus import corpus_passages, load_corpus
from .errors import AssistantError

DEFAULT_QUESTION = "What did you notice, in your body or your thoughts, while you stayed with it?"


class InvitationError(AssistantError):
    """An invitation step that cannot be taken from where the person is."""


@dataclass(frozen=True)
class Invitation:
    id: str
    title: str
    essay: str
    section: str
    source: str
    text: str  # the practice in its own words, verbatim
    questions: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "essay": self.essay, "section": self.section,
                "text": self.text, "questions": list(self.questions)}


def find_invitations(corpus_dir: Path, chunk_size: int = 700) -> list[Invitation]:
    """Every invitation in the corpus: the essays' own blocks and corpus/invitations/ files."""
    report = load_corpus(corpus_dir)
    found = []
    for passage in corpus_passages(report, chunk_size, 0):
        if passage.kind == "invitation":
            questions = tuple(q for q in _questions(passage.text))
            found.append(Invitation(
                id=_slug(passage.text, passage.source), title=_title(passage.text),
                essay=passage.essay, section=passage.section, source=passage.source,
                text=passage.text, questions=questions or (DEFAULT_QUESTION,)))
    return found


def _questions(text: str) -> list[str]:
    return [q.strip().strip("“”\"") for q in re.findall(r"[^.?!\n]+\?", text)]


def _title(text: str, words: int = 8) -> str:
    first = re.split(r"[,.;:?!\n]", text.strip().strip("“\""), maxsplit=1)[0].split()
    return " ".join(first[:words]) + ("…" if len(first) > words else "")


def _slug(text: str, source: str) -> str:
    words = re.findall(r"[a-z]+", _title(text).lower())[:5]
    digest = hashlib.sha256(f"{source}\x00{text}".encode()).hexdigest()[:6]
    return "-".join([*words, digest])


class Step(StrEnum):
    OFFERED = "offered"  # asked whether they want to begin
    PRACTICE = "practice"  # the invitation shown; a pause the person ends
    QUESTION = "question"  # one reflection question at a time
    SAVE = "save"  # the closing shown; asked whether to save it to the journal
    STOPPED = "stopped"  # paused by the person (or by care); can be resumed
    DONE = "done"


ACTIONS = ("begin", "move_on", "answer", "skip", "stay", "stop", "resume", "save", "decline")


@dataclass
class Run:
    """One person's way through one invitation."""

    invitation: Invitation
    step: Step = Step.OFFERED
    question: int = 0
    answers: list[tuple[str, str]] = field(default_factory=list)  # (question, their words)
    resume_to: Step | None = None
    saved: bool = False

    @property
    def active(self) -> bool:
        return self.step not in (Step.STOPPED, Step.DONE)

    def current_question(self) -> str:
        return self.invitation.questions[self.question]

    def progress(self) -> str:
        """Where the person is, for a step indicator."""
        steps = ["Begin", "Practice", *(f"Question {i + 1}" for i in
                                        range(len(self.invitation.questions))), "Closing"]
        at = {Step.OFFERED: 0, Step.PRACTICE: 1, Step.QUESTION: 2 + self.question,
              Step.SAVE: len(steps) - 1, Step.DONE: len(steps) - 1}.get(
                  self.resume_to or self.step, 0)
        state = " (paused)" if self.step == Step.STOPPED else (
            " (finished)" if self.step == Step.DONE else "")
        return f"Step {at + 1} of {len(steps)}: {steps[at]}{state}"


def transition(run: Run, action: str, text: str = "") -> Step:
    """Take `action` from where `run` is; raise InvitationError when it does not apply."""
    if action not in ACTIONS:
        raise InvitationError(f"Unknown invitation step {action!r}.")
    step = run.step
    if action == "stay":
        if not run.active:
            raise InvitationError("No invitation is running to stay with.")
        return step
    if action == "stop":
        if not run.active:
            raise InvitationError("No invitation is running to stop.")
        run.resume_to, run.step = step, Step.STOPPED
        return run.step
    if action == "resume":
        if step != Step.STOPPED or run.resume_to is None:
            raise InvitationError("This invitation is not paused, so there is nothing to resume."
                                  if step != Step.DONE else
                                  "This invitation is finished; start it again to repeat it.")
        run.step, run.resume_to = run.resume_to, None
        return run.step
    allowed = {
        Step.OFFERED: {"begin", "decline"},
        Step.PRACTICE: {"move_on", "skip"},
        Step.QUESTION: {"answer", "skip"},
        Step.SAVE: {"save", "decline", "skip"},
    }.get(step, set())
    if action not in allowed:
        raise InvitationError(_not_now(run, action))
    if action == "decline" and step == Step.OFFERED:
        run.step = Step.DONE
    elif action == "begin":
        run.step = Step.PRACTICE
    elif action in ("move_on", "skip") and step == Step.PRACTICE:
        run.step = Step.QUESTION
    elif step == Step.QUESTION:
        if action == "answer":
            if not text.strip():
                raise InvitationError("Type your answer, or skip this question.")
            run.answers.append((run.current_question(), text.strip()))
        if run.question + 1 < len(run.invitation.questions):
            run.question += 1
        else:
            run.step = Step.SAVE
    elif step == Step.SAVE:
        run.saved = action == "save"
        run.step = Step.DONE
    return run.step


def _not_now(run: Run, action: str) -> str:
    where = {Step.OFFERED: "waiting for you to begin", Step.PRACTICE: "in the pause",
             Step.QUESTION: "at a question", Step.SAVE: "at the closing",
             Step.STOPPED: "paused", Step.DONE: "finished"}[run.step]
    return f"Can't {action.replace('_', ' ')} now: the invitation is {where}."


def closing(run: Run) -> str:
    """What the person said, in their own words, quoted; no advice added."""
    if not run.answers:
        return "You stayed with this invitation. Thank you for taking the time."
    lines = [f"> “{answer}”" for _, answer in run.answers]
    return "Here is what you said, in your own words:\n\n" + "\n>\n".join(lines)
