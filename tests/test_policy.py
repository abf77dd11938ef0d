import json
from pathlib import Path

import pytest

from assistant.embeddings import LlamaEmbeddings
from assistant.models import embedding_model_path
from assistant.policy import AdviceClassifier, FixingDetector, fallback_reply, flip_pronouns

LISTENING = Path(__file__).resolve().parent.parent / "eval" / "listening.jsonl"
rules_only = FixingDetector()

FIXING = [
    ("You should talk to your partner about it.", "advice"),
    ("Have you considered couples therapy?", "advice"),
    ("It might help to write down what you need.", "advice"),
    ("I'd suggest giving it a few weeks.", "advice"),
    ("Why don't you ask her directly?", "advice"),
    ("What are you doing to address this?", "advice"),
    ("Try to take some time for yourself.", "imperative"),
    ("Just tell him how you feel.", "imperative"),
    ("Set a boundary with your mother.", "imperative"),
    ("1. Talk to him.\n2. Listen.\n3. Decide together.", "steps"),
    ("You seem depressed.", "diagnosing"),
    ("It sounds like you have an anxious attachment style.", "diagnosing"),
    ("The essay says you need to release each other with care.", "persuading"),
    ("The truth is, nobody can fix this for you.", "persuading"),
    ("At least you still have your friends.", "minimising"),
    ("Everything happens for a reason.", "minimising"),
    ("Don't worry, it will all work out.", "minimising"),
    ("It sounds hard. What happened? And how did she react?", "questions"),
    # what they think is theirs, the advice after it is not ours to give
    ("If you think your boss is being unfair, you might want to talk to HR.", "advice"),
]
LISTENING_REPLIES = [
    "It sounds like you feel you should be stronger than this. What is that like for you?",
    "You're wondering whether you should leave, and both paths feel heavy.",
    "It sounds like part of you needs to rest.",
    "It sounds like the shared garden mattered to you, and the silence since feels like a loss.",
    "You keep telling yourself you have to hold it all together. How is that for you?",
    "Tell me more about what happened.",
    "It sounds like your mother's calls leave you drained and unseen.",
    "You feel that, if you say no, she'll stop calling. What is that like for you?",
]


@pytest.mark.parametrize(("text", "kind"), FIXING)
def test_fixing_is_caught_and_named(text: str, kind: str) -> None:
    verdict = rules_only.check(text)
    assert verdict.fixing and kind in {v.kind for v in verdict.violations}, verdict.reasons


@pytest.mark.parametrize("text", LISTENING_REPLIES)
def test_reflections_and_reported_speech_are_left_alone(text: str) -> None:
    assert rules_only.check(text).reasons == []


def test_pronouns_are_turned_towards_the_person() -> None:
    assert flip_pronouns("I feel my family ignores me") == "you feel your family ignores you"
    assert flip_pronouns("I'm tired and we argue") == "you're tired and you argue"


def test_fallback_reflects_their_words_with_one_open_question() -> None:
    reply = fallback_reply("I feel like nobody in my family listens to me anymore. It's hard.")
    assert reply.startswith("It sounds like you feel like nobody in your family listens to you")
    assert reply.count("?") == 1 and reply.split(". ")[-1].startswith(("What", "How"))


def test_fallback_never_pastes_a_question_in_as_a_statement() -> None:
    reply = fallback_reply("How can I stop checking my email on holiday?")
    assert reply.startswith("It sounds like you're looking for a way to stop checking your "
                            "email on holiday. ") and "How can" not in reply
    assert reply.count("?") == 1


def test_fallback_passes_the_check_for_every_eval_message() -> None:
    for line in LISTENING.read_text().splitlines():
        message = json.loads(line)["message"]
        reply = fallback_reply(message)
        assert not rules_only.check(reply).fixing, (message, reply)
        assert reply.count("?") == 1


def test_classifier_flags_advice_and_spares_reflections(model_cache: Path) -> None:
    embeddings = LlamaEmbeddings(lambda: embedding_model_path(None, model_cache))
    detector = FixingDetector(AdviceClassifier(embeddings))
    advice = "Couples therapy can really help with this."  # no rule matches this one
    assert not rules_only.check(advice).fixing
    assert detector.check(advice).fixing
    for reply in LISTENING_REPLIES:
        assert not detector.check(reply).fixing, reply


def test_relative_clauses_and_times_are_not_mistaken() -> None:
    assert not rules_only.check("You don't have anyone you could call at 2am.").fixing
    assert flip_pronouns("at 2am I was up") == "at 2am you were up"
    assert rules_only.check("Maybe you could call her tomorrow.").fixing
    assert rules_only.check("You could try calling her.").fixing
