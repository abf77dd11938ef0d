import pytest

from assistant.ask import AskService
from assistant.conversation import (
    ASK,
    OFFER,
    REFLECT,
    Companion,
    Conversation,
    Finished,
    asks_what_to_do,
    is_personal,
)
from assistant.listening import ListeningService
from assistant.policy import FixingDetector
from assistant.routing import WHAT_TO_DO, Route
from assistant.service import Assistant
from tests.fakes import FakeChatModel

REFLECTION = "It sounds like your mother's calls leave you drained. What is that like for you?"


def companion(assistant: Assistant, *replies: str) -> tuple[Companion, FakeChatModel]:
    fake = FakeChatModel(list(replies))
    detector = FixingDetector()
    ask = AskService(assistant.retriever, fake, top_k=3)
    return Companion(ask, ListeningService(fake, detector), detector), fake


def finish(events) -> object:  # type: ignore[no-untyped-def]
    return next(e.turn for e in events if isinstance(e, Finished))


@pytest.mark.parametrize("message", [
    "My partner never listens when I talk about my day.",
    "I've been so lonely since I moved here.",
    "My boss keeps piling work on me and I feel guilty saying no.",
])
def test_personal_messages_are_recognised(message: str) -> None:
    assert is_personal(message)


@pytest.mark.parametrize("message", [
    "What does the essay mean by interdependence is not sameness?",
    "What is sovereignty?",
    "I don't understand what the author means by fixing mode.",
])
def test_questions_about_the_essays_are_not_personal(message: str) -> None:
    assert not is_personal(message)


def test_a_personal_message_in_ask_mode_is_met_by_listening(assistant: Assistant) -> None:
    comp, fake = companion(assistant, REFLECTION)
    turn = finish(comp.turn(Conversation(), "My mother calls every day and I feel drained.", ASK))
    assert turn.route == "listen" and turn.text == REFLECTION and turn.policy.status == "passed"
    assert "grammar" in fake.calls[0]


def test_a_concept_question_in_ask_mode_is_answered_from_the_essays(
        assistant: Assistant) -> None:
    comp, fake = companion(assistant, "It is the practice of staying present and caring.")
    turn = finish(comp.turn(Conversation(), "What is interdependence according to the essay?"))
    assert turn.route == "ask" and turn.sources and "grammar" not in fake.calls[0]


def test_reflect_mode_listens_even_to_a_question(assistant: Assistant) -> None:
    comp, _ = companion(assistant, REFLECTION)
    assert finish(comp.turn(Conversation(), "What is sovereignty?", REFLECT)).route == "listen"


def test_asking_what_to_do_gets_an_offer_not_a_prescription(assistant: Assistant) -> None:
    comp, _ = companion(assistant, REFLECTION)
    conversation = Conversation()
    message = "What should I do about my mother? She calls every day."
    assert asks_what_to_do(message)
    turn = finish(comp.turn(conversation, message, REFLECT))
    assert turn.route == "offer" and turn.text.endswith(OFFER)
    assert turn.text.count("?") == 1 and "drained" in turn.text
    assert conversation.offer == message


def test_accepting_the_offer_shares_the_essays_as_perspectives(assistant: Assistant) -> None:
    comp, fake = companion(assistant, REFLECTION, "The essays say each person is sovereign.")
    conversation = Conversation()
    finish(comp.turn(conversation, "What should I do about my family? We keep fighting.", ASK))
    turn = finish(comp.turn(conversation, "Yes, please", ASK))
    assert turn.route == "perspectives" and turn.text.startswith("Here is what the essays say")
    assert turn.sources and conversation.offer is None
    assert "Question: What should I do about my family?" in fake.calls[1]["messages"][-1]["content"]


def test_perspectives_that_prescribe_are_replaced_by_the_passages(assistant: Assistant) -> None:
    comp, _ = companion(assistant, REFLECTION, "You should release each other with care.")
    conversation = Conversation()
    finish(comp.turn(conversation, "What should I do about our community house?", ASK))
    turn = finish(comp.turn(conversation, "ok", ASK))
    assert turn.policy.fallback and "You should" not in turn.text
    assert "“" in turn.text and "[" in turn.text


def test_declining_the_offer_returns_to_listening(assistant: Assistant) -> None:
    comp, fake = companion(assistant, REFLECTION)
    conversation = Conversation()
    finish(comp.turn(conversation, "Should I leave the group?", REFLECT))
    turn = finish(comp.turn(conversation, "No thanks", REFLECT))
    assert turn.route == "declined" and len(fake.calls) == 1 and conversation.offer is None


def test_the_fixed_texts_pass_the_detector_they_are_held_to(assistant: Assistant) -> None:
    from assistant.conversation import DECLINED, PERSPECTIVES

    for text in (OFFER, DECLINED, PERSPECTIVES):
        assert not assistant.detector.check(text).fixing, text


def test_their_own_words_said_back_are_not_read_as_advice(assistant: Assistant,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """"you have to please everyone" is theirs: the check of the whole reply reads only what
    is not their words, so the reflection is not swapped for the fallback or dropped."""
    from assistant.faithful import restate
    from assistant.listening import ListeningReply, PolicyRecord

    comp, _ = companion(assistant)
    message = "How can I stop feeling that I have to please everyone?"
    text = f"It sounds like {restate(message)}. What is that like for you?"
    assert comp.detector.check(text).fixing  # the words alone would be flagged
    monkeypatch.setattr(comp.listening, "reply", lambda *a, **k: ListeningReply(
        message, text, PolicyRecord(), {}, [text], restate(message)))
    turn = finish(comp.turn(Conversation(), message, REFLECT))
    assert turn.text.startswith("It sounds like you're looking for a way to stop feeling that "
                                "you have to please everyone.")
    assert turn.policy.status != "fallback"


class _AlwaysWhatToDo:
    """A router that reads every message as asking what to do (the meaning router did so for
    statements that asked nothing)."""

    def route(self, message: str, allowed: tuple[str, ...] = ()) -> Route:
        return Route(WHAT_TO_DO)


@pytest.mark.parametrize(("message", "route"), [
    ("My landlord is selling the flat.", "listen"),
    ("We gave the deposit to her mum's care. I'd do it again. I just feel flat about it.",
     "listen"),
    ("Should I tell my manager I'm interviewing elsewhere?", WHAT_TO_DO),
    ("My son sleeps till noon and I don't know whether to say anything.", WHAT_TO_DO),
    ("what do i do about my flatmate", WHAT_TO_DO),
])
def test_the_offer_of_perspectives_is_only_for_a_message_that_asks(
        assistant: Assistant, message: str, route: str) -> None:
    # set 21: "Whatever you decide is yours to decide" to someone who had decided and asked nothing
    comp, _ = companion(assistant)
    comp.router = _AlwaysWhatToDo()  # type: ignore[assignment]
    assert comp.route(message, REFLECT) == route
