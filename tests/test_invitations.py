import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.conversation import Companion, Conversation, Finished
from assistant.invitations import (
    DEFAULT_QUESTION,
    Invitation,
    InvitationError,
    Run,
    Step,
    closing,
    find_invitations,
    transition,
)
from assistant.journal import Journal
from assistant.service import Assistant
from tests.fakes import FakeChatModel

ROOT = Path(__file__).resolve().parent.parent
TWO = Invitation("i", "Two questions", "Essay", "Sec", "e.md", "Notice your breath.",
                 ("What did you notice?", "What stayed with you?"))


def run_at(step: Step, question: int = 0) -> Run:
    run = Run(TWO, step=step, question=question)
    return run


# The state machine ------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "action", "text", "end"), [
    (Step.OFFERED, "begin", "", Step.PRACTICE),
    (Step.OFFERED, "decline", "", Step.DONE),
    (Step.PRACTICE, "move_on", "", Step.QUESTION),
    (Step.PRACTICE, "skip", "", Step.QUESTION),
    (Step.PRACTICE, "stay", "", Step.PRACTICE),
    (Step.QUESTION, "answer", "My chest felt warm.", Step.QUESTION),
    (Step.QUESTION, "skip", "", Step.QUESTION),
    (Step.QUESTION, "stay", "", Step.QUESTION),
    (Step.SAVE, "save", "", Step.DONE),
    (Step.SAVE, "decline", "", Step.DONE),
    (Step.SAVE, "skip", "", Step.DONE),
    (Step.OFFERED, "stop", "", Step.STOPPED),
    (Step.PRACTICE, "stop", "", Step.STOPPED),
    (Step.QUESTION, "stop", "", Step.STOPPED),
    (Step.SAVE, "stop", "", Step.STOPPED),
])
def test_each_allowed_transition(start: Step, action: str, text: str, end: Step) -> None:
    run = run_at(start)
    assert transition(run, action, text) == end


def test_the_last_answer_leads_to_the_closing_and_the_answers_are_kept() -> None:
    run = run_at(Step.QUESTION)
    transition(run, "answer", "Warm.")
    assert run.step == Step.QUESTION and run.question == 1
    transition(run, "answer", "  The quiet.  ")
    assert run.step == Step.SAVE
    assert run.answers == [("What did you notice?", "Warm."), ("What stayed with you?",
                                                                "The quiet.")]
    assert closing(run).count("> “") == 2 and "The quiet." in closing(run)


def test_skipping_a_question_records_no_answer() -> None:
    run = run_at(Step.QUESTION)
    transition(run, "skip")
    transition(run, "answer", "Only this.")
    assert run.answers == [("What stayed with you?", "Only this.")] and run.step == Step.SAVE


def test_stop_then_resume_returns_to_the_same_place() -> None:
    run = run_at(Step.QUESTION, question=1)
    transition(run, "stop")
    assert run.progress().endswith("(paused)") and not run.active
    assert transition(run, "resume") == Step.QUESTION and run.question == 1


@pytest.mark.parametrize(("start", "action", "text", "message"), [
    (Step.OFFERED, "answer", "hi", "waiting for you to begin"),
    (Step.OFFERED, "move_on", "", "waiting for you to begin"),
    (Step.PRACTICE, "answer", "hi", "in the pause"),
    (Step.PRACTICE, "save", "", "in the pause"),
    (Step.QUESTION, "begin", "", "at a question"),
    (Step.QUESTION, "answer", "   ", "Type your answer"),
    (Step.SAVE, "answer", "more", "at the closing"),
    (Step.DONE, "answer", "hi", "finished"),
    (Step.DONE, "resume", "", "finished; start it again"),
    (Step.DONE, "stop", "", "No invitation is running"),
    (Step.DONE, "stay", "", "No invitation is running"),
    (Step.PRACTICE, "resume", "", "not paused"),
    (Step.STOPPED, "answer", "hi", "paused"),
    (Step.STOPPED, "stop", "", "No invitation is running"),
    (Step.PRACTICE, "dance", "", "Unknown invitation step"),
])
def test_wrong_transitions_say_why_and_change_nothing(start: Step, action: str, text: str,
                                                      message: str) -> None:
    run = run_at(start)
    if start == Step.STOPPED:
        run.resume_to = Step.QUESTION
    before = (run.step, run.question, list(run.answers))
    with pytest.raises(InvitationError, match=message):
        transition(run, action, text)
    assert (run.step, run.question, run.answers) == before


# Finding invitations ----------------------------------------------------------------------

def test_both_invitations_of_the_essays_are_found_verbatim() -> None:
    found = find_invitations(ROOT / "corpus")
    assert [i.title for i in found] == ["Place your hand over your heart",
                                        "Reflect on whether you have shared a dream…"]
    hand, dream = found
    assert hand.text.startswith("“Place your hand") and hand.questions == (DEFAULT_QUESTION,)
    assert dream.questions[1] == ("What might have shifted if no one tried to fix or convince "
                                  "the others?")
    assert dream.section == "A Personal Story: What It Looks Like When We Try"
    assert len({i.id for i in found}) == 2


def test_new_essays_and_invitation_files_are_picked_up(tmp_path: Path) -> None:
    (tmp_path / "invitations").mkdir()
    (tmp_path / "walk.md").write_text("# Walking\n\nProse.\n\nInvitation ~\n\n"
                                      "“Walk slowly for three breaths.”\n\nMore prose.\n")
    (tmp_path / "invitations" / "listen.md").write_text(
        "---\ntitle: Listening to a friend\nessay: On Listening\nsection: Practice\n"
        "questions:\n  - What did you hear?\n  - What did you want to say instead?\n---\n"
        "Sit with a friend and only listen for five minutes.\n")
    found = {i.title: i for i in find_invitations(tmp_path)}
    assert set(found) == {"Walk slowly for three breaths", "Sit with a friend and only listen for…"}
    listen = found["Sit with a friend and only listen for…"]
    assert listen.essay == "On Listening" and listen.section == "Practice"
    assert listen.questions == ("What did you hear?", "What did you want to say instead?")


def test_reflect_invitations_json(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["invitations", "--corpus", str(ROOT / "corpus"), "--json"])
    out = json.loads(result.stdout)
    assert set(out["invitations"][0]) == {"id", "title", "essay", "section", "text", "questions"}


# The flow with the companion --------------------------------------------------------------

REFLECTION = "It sounds like you felt a quiet warmth. What was that like?"


def companion_with(assistant: Assistant, tmp_path: Path, *replies: str
                   ) -> tuple[Companion, FakeChatModel, Journal]:
    fake = FakeChatModel(list(replies) or [REFLECTION])
    journal = Journal(tmp_path / "journal.sqlite3")
    comp = assistant.companion
    comp.listening.model = fake
    comp.ask.model = fake
    comp.journal = journal
    return comp, fake, journal


def said(events) -> str:  # type: ignore[no-untyped-def]
    return next(e.turn.text for e in events if isinstance(e, Finished))


def test_a_whole_invitation_by_typing(assistant: Assistant, tmp_path: Path) -> None:
    # two different reflections: one that repeated the last reply's shape would be redrafted
    comp, fake, journal = companion_with(
        assistant, tmp_path, REFLECTION,
        "It sounds like the friendship mattered. What was that like?")
    talk = Conversation()
    dream = list(comp.invitations)[1]
    assert "Say “begin”" in said(comp.start(talk, dream))
    practice = said(comp.turn(talk, "begin"))
    assert "> Reflect on whether you have shared a dream" in practice and "move on" in practice
    first_q = said(comp.turn(talk, "move on"))
    assert first_q.startswith("Reflect on whether")
    step = said(comp.turn(talk, "Yes, our garden plan fell apart when we argued about rules."))
    assert step.startswith("It sounds like you felt a quiet warmth.")
    assert "What was that like?" not in step and step.endswith("convince the others?")
    assert step.count("?") == 1
    closing_text = said(comp.turn(talk, "Maybe we would have stayed friends."))
    assert "> “Maybe we would have stayed friends.”" in closing_text
    assert "journal" in closing_text and "should" not in closing_text
    assert said(comp.turn(talk, "yes")) == "Saved to your journal."
    entry = journal.entries()[0]
    assert "our garden plan fell apart" in entry.text and talk.run.step == Step.DONE
    assert len(fake.calls) == 2  # one listening reply per answer, nothing else


def test_a_concept_question_mid_invitation_is_answered_and_the_step_resumes(
        assistant: Assistant, tmp_path: Path) -> None:
    comp, fake, _ = companion_with(assistant, tmp_path,
                                   "It is the practice of staying present and caring.")
    talk = Conversation()
    comp.start(talk, list(comp.invitations)[1]).__next__()
    for word in ("begin", "move on"):
        said(comp.turn(talk, word))
    text = said(comp.turn(talk, "What does the essay mean by interdependence?"))
    assert "staying present" in text and "Back to the invitation" in text
    assert text.endswith("divergent needs or perspectives?")
    assert talk.run.step == Step.QUESTION and talk.run.answers == []


def test_a_crisis_message_mid_invitation_pauses_it_and_cares(assistant: Assistant,
                                                             tmp_path: Path) -> None:
    comp, fake, _ = companion_with(assistant, tmp_path)
    talk = Conversation()
    list(comp.start(talk, list(comp.invitations)[0]))
    said(comp.turn(talk, "begin"))
    text = said(comp.turn(talk, "I don't want to be alive anymore."))
    assert "988" in text and "paused" in text and talk.run.step == Step.STOPPED
    assert fake.calls == []
    assert said(comp.turn(talk, "resume")).startswith("> “Place your hand")


def test_stop_skip_and_stay_by_typing(assistant: Assistant, tmp_path: Path) -> None:
    comp, fake, journal = companion_with(assistant, tmp_path)
    talk = Conversation()
    list(comp.start(talk, list(comp.invitations)[0]))
    said(comp.turn(talk, "begin"))
    assert said(comp.turn(talk, "stay here a while")) == "Take all the time you need. I'm here."
    assert said(comp.turn(talk, "skip")).startswith("What did you notice")
    assert "paused" in said(comp.turn(talk, "stop"))
    assert said(comp.turn(talk, "continue")).startswith("What did you notice")
    said(comp.turn(talk, "skip"))
    assert "That's fine" in said(comp.turn(talk, "no thanks"))
    assert journal.entries() == [] and fake.calls == []


def test_the_journal_exports_and_deletes_everything(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j" / "journal.sqlite3")
    journal.save("Hand on heart", "Essay", "**Q**\n\nMy secret word is pomegranate.")
    assert "pomegranate" in journal.export_markdown()
    journal.delete_all()
    assert journal.entries() == []
    leftovers = [p for p in (tmp_path / "j").rglob("*") if p.is_file()
                 and b"pomegranate" in p.read_bytes()]
    assert leftovers == []


@pytest.mark.slow
def test_every_step_with_the_real_small_model(assistant: Assistant, tmp_path: Path) -> None:
    comp = assistant.companion
    comp.journal = Journal(tmp_path / "journal.sqlite3")
    talk = Conversation()
    list(comp.start(talk, list(comp.invitations)[1]))
    for message in ("begin", "move on"):
        assert said(comp.turn(talk, message))
    for answer in ("We dreamed of a shared house and it fell apart.",
                   "I think we would have listened more."):
        reflection = said(comp.turn(talk, answer)).split("\n\n")[0]
        assert not comp.detector.check(reflection).fixing, reflection
    assert talk.run.step == Step.SAVE
    said(comp.turn(talk, "yes"))
    assert "listened more" in comp.journal.entries()[0].text


@pytest.mark.slow
def test_eval_invitations_drives_every_invitation(assistant: Assistant, tmp_path: Path) -> None:
    from assistant.evaluation import eval_invitations

    assistant.companion.journal = Journal(tmp_path / "journal.sqlite3")
    report = eval_invitations(assistant.companion)
    assert report["n"] == 2 and report["completed"] == 2
    assert report["closings_quoting_words"] == 2
    assert all(row["steps"] >= 4 for row in report["invitations"])
    assert len(assistant.companion.journal.entries()) == 2
