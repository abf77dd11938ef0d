import re

import pytest

from assistant.listening import ROTATED, ListeningService, choose_opening, grammar
from assistant.policy import FixingDetector
from assistant.prompts import render
from assistant.service import Assistant
from tests.fakes import FakeChatModel

GOOD = "It sounds like you feel unseen at home. What is that like for you?"
ADVICE = "It sounds like you feel unseen. You should tell your partner."


def service(*replies: str) -> tuple[ListeningService, FakeChatModel]:
    fake = FakeChatModel(list(replies))
    return ListeningService(fake, FixingDetector(), regenerations=2), fake


def test_a_listening_draft_passes_as_it_is() -> None:
    listening, fake = service(GOOD)
    reply = listening.reply("My partner never listens to me.")
    assert reply.text == GOOD and reply.policy.status == "passed"
    assert reply.policy.as_dict() == {"status": "passed", "violations": [], "regenerated": 0,
                                      "fallback": False}
    call = fake.calls[0]
    opening = choose_opening("My partner never listens to me.", [])
    assert call["grammar"] == grammar(opening) and "root" in call["grammar"]
    assert call["messages"][0]["role"] == "system"
    assert render("listening_policy") in call["messages"][0]["content"]
    assert call["messages"][-1]["content"] == "My partner never listens to me."


def test_a_fixing_draft_is_regenerated_with_a_nudge() -> None:
    listening, fake = service(ADVICE, GOOD)
    reply = listening.reply("My partner never listens to me.")
    assert reply.text == GOOD and reply.policy.status == "regenerated"
    assert reply.policy.regenerated == 1 and reply.policy.first_draft_fixing
    assert any("You should" in v for v in reply.policy.violations)
    assert "No suggestions" in fake.calls[1]["messages"][-1]["content"]
    assert fake.calls[1]["temperature"] > fake.calls[0]["temperature"]


def test_openings_vary_with_the_message_and_never_repeat_the_last_reply() -> None:
    from collections import Counter

    messages = [f"I keep thinking about the {thing} my {who} said."
                for thing in ("thing", "word", "joke", "name", "plan")
                for who in ("mother", "friend", "boss", "brother", "neighbour", "son")]
    chosen = Counter(choose_opening(m, []) for m in messages)
    assert len(chosen) == len(ROTATED) == 5 and max(chosen.values()) <= 0.3 * len(messages)
    last = [{"role": "user", "content": "x"},
            {"role": "assistant", "content": "What I hear is that you're tired of it."}]
    assert all(choose_opening(m, last) != "What I hear is that " for m in messages)
    offered = re.search(r"^opening\s+::=(.*)$", grammar(), flags=re.M)
    for opening in ROTATED:  # each forced opening is one the grammar itself allows
        assert offered is not None and f'"{opening}"' in offered.group(1)
        assert f'opening    ::= "{opening}"' in grammar(opening)


def test_when_every_draft_fixes_the_reply_is_built_from_their_words() -> None:
    listening, fake = service(ADVICE, ADVICE, "Try journaling. What do you think? Why?")
    reply = listening.reply("I feel invisible when my partner scrolls through dinner.")
    assert len(fake.calls) == 3 and reply.policy.fallback and reply.policy.status == "fallback"
    assert reply.text.startswith("It sounds like you feel invisible when your partner")
    assert not FixingDetector().check(reply.text).fixing
    assert len(reply.drafts) == 3


@pytest.mark.slow
def test_the_real_model_answers_in_the_listening_shape(assistant: Assistant) -> None:
    listening = ListeningService(assistant.model, assistant.detector, regenerations=1)
    reply = listening.reply("I've been so lonely since I moved to this city.")
    assert reply.text.count("?") <= 1
    if reply.policy.status != "fallback":
        assert reply.drafts[-1].startswith(ROTATED)
    assert not assistant.detector.check(reply.text).fixing
