import json
import re

import pytest

from assistant import faithful
from assistant.listening import (
    BRIGHT,
    FEELINGS,
    OPEN_QUESTIONS,
    QUESTIONS,
    ROTATED,
    TWO_SIDED,
    ListeningService,
    anchored_grammar,
    choose_ask,
    choose_opening,
    feeling_words,
    grammar,
    name_feeling,
    tidy,
    two_sided,
)
from assistant.policy import FixingDetector
from assistant.prompts import render
from assistant.service import Assistant
from tests.fakes import FakeChatModel

GOOD = "It sounds like you feel unseen at home. What is that like for you?"
ADVICE = "It sounds like you feel unseen. You should tell your partner."


def service(*replies: str) -> tuple[ListeningService, FakeChatModel]:
    fake = FakeChatModel(list(replies))
    return ListeningService(fake, FixingDetector(), regenerations=2), fake


MESSAGE = "My partner never listens to me."


def lead_of(message: str, attempt: int = 0) -> str:
    restated = faithful.restate(message)
    return f"{choose_opening(message, [], attempt, restated)}{restated}"


def test_a_listening_draft_passes_as_it_is_and_begins_with_their_words() -> None:
    lead = lead_of(MESSAGE)
    good = f"{lead}, and it leaves you feeling unheard. What is that like for you?"
    listening, fake = service(good)
    reply = listening.reply(MESSAGE)
    assert reply.text == good and reply.policy.status == "passed"
    assert reply.policy.as_dict() == {"status": "passed", "violations": [], "regenerated": 0,
                                      "fallback": False}
    call = fake.calls[0]
    assert lead.endswith("your partner never listens to you")
    assert call["grammar"] == anchored_grammar(lead, choose_ask(MESSAGE, []))
    assert f"lead     ::= {json.dumps(lead)}" in call["grammar"]
    assert call["messages"][0]["role"] == "system"
    assert render("listening_policy") in call["messages"][0]["content"]
    assert call["messages"][-1]["content"] == MESSAGE


def test_a_fixing_draft_is_regenerated_with_a_nudge() -> None:
    listening, fake = service(ADVICE, GOOD)
    reply = listening.reply(MESSAGE)
    assert reply.text == GOOD and reply.policy.status == "regenerated"
    assert reply.policy.regenerated == 1 and reply.policy.first_draft_fixing
    assert any("You should" in v for v in reply.policy.violations)
    assert "No suggestions" in fake.calls[1]["messages"][-1]["content"]
    assert fake.calls[1]["temperature"] > fake.calls[0]["temperature"]


def test_a_draft_that_adds_what_they_did_not_say_is_drafted_again() -> None:
    invents = f"{lead_of(MESSAGE)}, and your sister is right to worry. What is that like?"
    listening, _ = service(invents, GOOD)
    reply = listening.reply(MESSAGE)
    assert reply.text == GOOD and reply.policy.status == "regenerated"
    assert "adds: adds a sister" in reply.policy.violations
    assert not reply.policy.first_draft_fixing  # not advice: a misreading


def test_when_no_draft_passes_the_reply_is_their_words_and_one_open_question() -> None:
    message = "My landlord ignored my emails about the mould for a month."
    listening, fake = service(ADVICE, "Try journaling. What do you think? Why?",
                              f"{lead_of(message, 2)}, and you'd like to make things better.")
    reply = listening.reply(message)
    assert len(fake.calls) == 3 and reply.policy.fallback and reply.policy.status == "fallback"
    assert reply.text == f"{lead_of(message)}. " + reply.text.split(". ")[-1]
    assert reply.text.split(". ")[-1] in QUESTIONS
    assert "your landlord ignored your emails about the mould" in reply.text
    assert not FixingDetector().check(reply.text).fixing and len(reply.drafts) == 3


def test_a_message_with_nothing_to_restate_keeps_the_free_grammar() -> None:
    listening, fake = service(GOOD)
    listening.reply("Why?")
    assert fake.calls[0]["grammar"] == grammar(choose_opening("Why?", []))


def test_openings_vary_with_the_message_and_never_repeat_the_last_reply() -> None:
    from collections import Counter

    messages = [f"I keep thinking about the {thing} my {who} said."
                for thing in ("thing", "word", "joke", "name", "plan")
                for who in ("mother", "friend", "boss", "brother", "neighbour", "son")]
    chosen = Counter(choose_opening(m, []) for m in messages)
    assert len(chosen) == len(ROTATED) == 7 and max(chosen.values()) <= 0.25 * len(messages)
    last = [{"role": "user", "content": "x"},
            {"role": "assistant", "content": "What I hear is that you're tired of it."}]
    assert all(choose_opening(m, last) != "What I hear is that " for m in messages)
    offered = re.search(r"^opening\s+::=(.*)$", grammar(), flags=re.M)
    for opening in ROTATED:  # each forced opening is one the grammar itself allows
        assert offered is not None and f'"{opening}"' in offered.group(1)
        assert f'opening    ::= "{opening}"' in grammar(opening)


class Scorer(FakeChatModel):
    """A model that can score next words: the given log-probabilities, the rest unlikely."""

    def __init__(self, likely: dict[str, float]) -> None:
        super().__init__(["(not drafted)"])
        self.likely = likely
        self.scored: list[tuple[list[dict[str, str]], str]] = []

    def next_word_logprobs(self, messages: list[dict[str, str]], reply_start: str,
                           words: list[str], *, keep_for: str | None = None
                           ) -> dict[str, float]:
        self.scored.append((messages, reply_start))
        return {w: self.likely.get(w, -12.0) for w in words}


def test_a_reply_is_assembled_from_their_words_the_likeliest_feeling_and_an_open_question(
        ) -> None:
    model = Scorer({"hurt": -1.0, "unheard": -0.5, "relieved": -2.0})
    listening = ListeningService(model, FixingDetector())
    reply = listening.reply(MESSAGE)
    lead = lead_of(MESSAGE)
    assert model.scored[0][1] == f"{lead}, and you feel"  # scored after their own words
    assert model.calls == []  # nothing drafted: nothing the model could add
    assert reply.text.startswith(f"{lead}, and ") and "unheard" in reply.text
    assert "relieved" not in reply.text  # a bright feeling they gave no reason for
    assert reply.text.endswith(OPEN_QUESTIONS) and reply.text.count("?") == 1
    assert reply.policy.status == "passed"
    history = reply.history()
    again = listening.reply("And my sister says I exaggerate.", history)
    assert again.text.split(". ")[-1] != reply.text.split(". ")[-1]  # another question


def test_sad_is_named_only_where_their_words_hold_a_sorrow() -> None:
    """Written for this test (set 35 had "sad" for a landlady's jar of jam)."""
    scores = {f: -8.0 for f in FEELINGS} | {"sad": -0.5}
    assert name_feeling(scores, "A boy in my class lent me his calculator for the exam.") is None
    assert name_feeling(scores, "My grandad's allotment was sold to a developer.") == "sad"
    assert name_feeling(scores, "His allotment gate is open again.",
                        said="We buried my grandad last month.") == "sad"


def test_no_sorrow_is_named_where_the_model_reads_the_moment_as_glad_as_sore() -> None:
    """Written 2026-12-07 for this test (sets 35, 41: "sad" for everyone joining in with a
    song, for a silent resident singing with the choir; the model scored a glad feeling as high
    but could not name it, for the person gave it no words)."""
    message = "My mum hasn't left the flat since the winter. Today she came to the allotment."
    scores = {f: -8.0 for f in FEELINGS} | {"sad": -2.0}
    assert name_feeling(scores, message) == "sad"
    assert name_feeling(scores | {"grateful": -2.3}, message) is None  # as glad as sore
    assert name_feeling(scores | {"grateful": -3.5}, message) == "sad"  # far less glad
    # where their words give a glad feeling reason, it is the one named, as before
    assert name_feeling(scores | {"hopeful": -1.5}, f"{message} So happy.") is None  # theirs
    assert name_feeling(scores | {"hopeful": -1.5}, f"{message} It went great.") == "hopeful"


def test_a_word_they_used_for_something_else_is_not_named_as_their_feeling() -> None:
    """Written for this test (set 39 had "left feeling lost" for getting lost on the way to a
    daughter's new house)."""
    scores = {f: -8.0 for f in FEELINGS} | {"lost": -0.5}
    assert name_feeling(scores, "I got lost on the ring road going to my son's wedding.") is None
    assert name_feeling(scores, "My son moved to Glasgow and never rings.") == "lost"


def test_a_feeling_is_named_only_when_they_did_not_name_one_and_the_model_finds_it_likely(
        ) -> None:
    scores = {f: -8.0 for f in FEELINGS}
    assert name_feeling(scores, "My partner never listens.") is None  # none likely
    scores |= {"afraid": -0.2, "anxious": -0.9, "tired": -1.5}
    assert name_feeling(scores, "My partner never listens.") == "afraid"
    for named in ("I'm scared of the dark.", "I feel nothing at all.", "I'm so angry at him.",
                  "I'm embarrassed that I still sleep with the light on.",
                  "Honestly so bored of my own company this winter, again.",
                  "I've been irritable with the kids all week.",
                  # set 22: "trapped" added beside their own "mortifying"
                  "Thirty and I still need the hall light on to sleep, which is mortifying.",
                  "Woke up panicking because the flat was so quiet.",
                  # set 23: "alone" beside "I've never felt so on my own" ("felt" was not read)
                  "A full house at Easter and I've never felt so on my own."):
        assert name_feeling(scores, named) is None, named  # they said it: no second guess
    assert name_feeling(scores, "I used to be close to her and we moved away.") == "afraid"
    scores["proud"] = -3.0
    assert name_feeling(scores, "I ran my first 10k, just.") == "afraid"  # bright, no reason
    scores["proud"] = 0.0
    assert name_feeling(scores, "I ran my first 10k and it went great.") == "proud"
    listening = ListeningService(Scorer({}), FixingDetector())
    plain = listening.reply(MESSAGE)
    assert plain.text == f"{lead_of(MESSAGE)}. {plain.text.split('. ')[-1]}"
    assert plain.text.endswith(OPEN_QUESTIONS)


@pytest.mark.parametrize(("message", "landed"), [
    ("The plumber is coming on Thursday.", False),
    ("My aunt rang to say she's moving to Spain.", False),
    ("My aunt rang to say she's moving to Spain, again.", True),
    ("Nobody at the party knew my name.", True),
    ("He didn't text back.", True),
    ("My cousin and I stopped talking at Easter.", True),
    ("My nephew sold the bike I gave him.", True),
    ("Is it normal to still think about her?", True),
    ("I passed my driving test first time, it was great.", True),
])
def test_a_feeling_is_named_only_where_the_words_show_how_it_landed(message: str,
                                                                   landed: bool) -> None:
    scores = {f: -3.0 if f in BRIGHT else -1.0 for f in FEELINGS}
    assert (name_feeling(scores, message) is not None) == landed, message
    # an event said plainly after a message that showed how things were: it may be named
    assert name_feeling(scores, "The plumber is coming on Thursday.",
                        "The flat has been freezing for weeks and nobody cares.") is not None


@pytest.mark.parametrize(("message", "sides"), [
    ("I want to sell the house but I can't bear the thought of strangers in it.", True),
    ("Part of me wants to stay and part of me is already packing.", True),
    ("I'm pleased for him and I hate that I'm not more pleased.", True),
    ("I love the choir but it's taking every weekend.", True),
    ("I wanted to go but it was cancelled.", False),  # the other side is not theirs
    ("I love him but he never listens.", False),
    ("I want a coffee and I'm tired.", False),
    ("I want to help but I don't know how.", False),
    ("Part of me wants to stay and part of me wants to go, and I'm torn.", False),  # said
    ("A puppy would be lovely and also I'd never get a lie-in again.", True),
    # more shapes of it (from the ambivalent messages of sets 1-19 the first pattern missed)
    ("Some of me wants the promotion and the rest of me wants a quiet life.", True),
    ("Some days I want to move abroad, other days I can't imagine leaving.", True),
    ("I'm relieved the trial is over and I also miss the routine of it.", True),
    ("I should be pleased about the new house, and I'm not.", True),
    ("Going freelance felt like freedom and now it feels like a cliff edge.", True),
    ("I love running, I just don't love who I become on race day.", True),
    ("Renting it out would pay the mortgage, but I'd have strangers in Dad's house.", True),
    ("I'm relieved the parcel came and I can finally wrap it.", False),  # not a sorrow of its own
    ("Going freelance was right for me and the money is better.", False),
    # relief with distress that stays is no pull the other way (set 22: named torn)
    ("I'm relieved the inquest is over and I still can't eat properly.", False),
    # a gladness and a hurt of its own (written 2026-12-07 for this test, in no set)
    ("I'm glad my brother found someone, and a little jealous of how easy he makes it look.",
     True),
    ("I'm proud of the team and also a bit annoyed nobody thanked the cleaners.", True),
    # two wants at once (set 34 named one of them "sad"; these written for this test)
    ("When she walked in I wanted to hug her and also to leave the room.", True),
    ("I want to say yes to the trip and at the same time stay home with the cat.", True),
    ("I wanted to go to bed and also finish the chapter.", True),
    ("I wanted to phone him and tell him everything.", False),  # one want, two steps
    # a want and a want not (set 35 named it "trapped")
    ("I want to sing at the open mic and I don't want anyone from work to hear me.", True),
])
def test_both_sides_said_at_once_are_named_as_a_pull_both_ways(message: str,
                                                              sides: bool) -> None:
    assert two_sided(message) == sides, message
    model = Scorer({"sad": -0.1, "afraid": -0.2})
    reply = ListeningService(model, FixingDetector()).reply(message).text
    assert reply.startswith(lead_of(message))
    assert any(f"feeling {s}." in reply or f"feel {s}." in reply for s in TWO_SIDED) == sides
    if sides:  # nothing scored: the pull both ways is in their words, not the model's
        assert model.scored == [] and not re.search(r"\b(?:sad|afraid)\b", reply)


def test_a_second_turn_that_leans_on_the_first_is_reflected_with_it() -> None:
    listening = ListeningService(Scorer({"sad": -0.5}), FixingDetector())
    first = listening.reply("My brother moved to Australia in May.")
    second = listening.reply("His room is still full of his things.", first.history())
    assert "your brother moved to Australia in May, and his room is still full of his things" \
        in second.text
    assert second.text.split(",")[0] != first.text.split(",")[0]  # not the same way in


def test_the_feelings_begin_with_distinct_tokens_in_the_shipped_model(model_cache) -> None:
    from assistant.llm import load_llama
    from assistant.models import assemble_chat_model

    vocab = load_llama(assemble_chat_model(model_cache, progress=False), vocab_only=True)
    firsts = [vocab.tokenize(f" {f}".encode(), add_bos=False)[0] for f in FEELINGS]
    assert len(set(firsts)) == len(FEELINGS)


@pytest.mark.slow
def test_the_real_model_names_a_feeling_and_forgets_the_words(assistant: Assistant) -> None:
    message = "My neighbour Quillibert painted our shared fence tangerine without asking."
    reply = assistant.companion.listening.reply(message)
    assert reply.text.startswith(lead_of(message))
    assert reply.text.endswith(OPEN_QUESTIONS) and reply.text.count("?") == 1
    added = reply.text[len(lead_of(message)):]
    assert any(f" {f}." in added for f in FEELINGS) or added.startswith(". ")
    llm = assistant.model.llama
    secret = llm.tokenize(b" Quillibert", add_bos=False)
    read = llm.input_ids[: llm.n_tokens].tolist()
    assert not any(read[i:i + len(secret)] == secret for i in range(len(read)))


class DraftsOnly:
    """A model that can only draft (as a model server without token probabilities)."""

    def __init__(self, model: object) -> None:
        self.model = model

    def stream(self, messages: list[dict[str, str]], **opts: object) -> object:
        return self.model.stream(messages, **opts)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_real_model_answers_in_the_listening_shape(assistant: Assistant) -> None:
    listening = ListeningService(DraftsOnly(assistant.model), assistant.detector,
                                 regenerations=1)
    message = "My brother stopped talking to me after the wedding and I've been so lonely."
    reply = listening.reply(message)
    assert reply.text.count("?") <= 1
    for draft in reply.drafts:  # the grammar holds the real model to the restatement
        assert draft.startswith(tuple(f"{o}{faithful.restate(message)}" for o in ROTATED))
    assert "your brother" in reply.text or "you've been so lonely" in reply.text
    assert not assistant.detector.check(reply.text).fixing


def test_a_question_of_what_to_do_names_only_what_they_weigh() -> None:
    scores = {f: -3.0 if f in BRIGHT else -1.0 for f in FEELINGS} | {"sad": -0.1, "torn": -0.5}
    assert name_feeling(scores, "What would you do if your neighbour never said hello?") == "torn"
    assert name_feeling(scores, "Should I text him first?") == "torn"
    # said as well as asked: how it landed is theirs to show, and any feeling may fit
    assert name_feeling(scores, "My neighbour never says hello. Should I say something?") == "sad"


def test_laughter_says_how_it_landed_and_gets_no_second_name() -> None:
    scores = {f: -1.0 for f in FEELINGS} | {"frustrated": -0.1}
    # "embarrassed" had been named for a parent laughing at a first word
    assert name_feeling(scores, "The cake collapsed at the party and we were all laughing.") \
        is None
    assert name_feeling(scores, "The cake collapsed at the party, again.") == "frustrated"


def test_a_feeling_named_the_turn_before_is_not_named_again_with_it() -> None:
    listening = ListeningService(Scorer({"hurt": -0.1}), FixingDetector())
    first = listening.reply("I'm anxious about telling my boss I'm pregnant.")
    # said back with the turn before, which named its feeling: no second one is added
    then = listening.reply("And she only just got back from leave.", first.history())
    assert "anxious about telling your boss" in then.text and "hurt" not in then.text
    alone = listening.reply("The neighbours' dog has barked every single night since the start "
                            "of the month, again.", first.history())
    assert "hurt" in alone.text  # a message said back alone may still be named


def test_feelings_the_model_names_wrongly_more_often_are_not_offered() -> None:
    scores = {f: -3.0 for f in FEELINGS} | {"guilty": -0.1, "left out": -0.2, "hurt": -1.0}
    # "guilty" had been named for a day off lost to email, "left out" for not being thanked
    assert name_feeling(scores, "Nobody said thank you for the party I threw.") == "hurt"
    assert name_feeling(scores | {"unsure": 0.0}, "Should I text him first?") == "unsure"


def test_a_feeling_said_as_a_verb_is_their_own_name_for_it() -> None:
    scores = {f: -1.0 for f in FEELINGS} | {"sad": -0.1}
    # "sad" had been added beside "It still hurts." (set 13)
    assert name_feeling(scores, "My grandad's watch stopped, and it still hurts, honestly.") is None
    assert name_feeling(scores, "My grandad's watch stopped and nobody noticed.") == "sad"


def test_a_tone_typed_in_is_their_own_and_no_feeling_is_named_over_it() -> None:
    scores = {f: -1.0 for f in FEELINGS} | {"sad": -0.1, "disappointed": 0.0}
    # set 24 had "sad" for twins born "!!!" and for a retainer eaten "AGAIN lol"
    assert name_feeling(scores, "the cat knocked my tea over the laptop AGAIN haha") is None
    assert name_feeling(scores, "my brother's engaged!! finally") is None
    assert name_feeling(scores, "Nobody from the choir came to see me in hospital.") == "sad"
    # "disappointed" was named wrongly in 17 of 51 labelled replies of sets 14-23
    assert "disappointed" not in feeling_words("Nobody from the choir came to see me.")


def test_what_is_said_back_without_a_subject_gets_an_opening_a_fragment_reads_well_after(
        ) -> None:
    # set 17 had "It seems like payday, and already skint" and "I'm hearing that driving test
    # passed, and fourth attempt"
    from assistant.listening import FRAGMENT_OPENINGS

    for message in ("Payday. Already skint.", "Exam in an hour. Mind blank.",
                    "Boiler broke down. Again.", "Gig tonight. Nervous wreck."):
        restated = faithful.restate(message)
        assert restated and faithful.without_subject(restated), restated
        assert choose_opening(message, [], restated=restated) in FRAGMENT_OPENINGS
    said = faithful.restate(MESSAGE)
    assert not faithful.without_subject(said)
    assert {choose_opening(m, [], restated=said) for m in ("a", "b", "c", "d", "e", "f")} - set(
        FRAGMENT_OPENINGS)  # a restatement with its subject keeps every opening


def test_texted_messages_spread_over_three_openings() -> None:
    from collections import Counter

    from assistant.listening import FRAGMENT_OPENINGS

    texted = [f"{thing} {when}. {how}." for thing in ("Dentist", "Exam", "Flight", "Gig")
              for when in ("today", "tomorrow", "at nine") for how in ("Dreading it", "Can't eat")]
    chosen = Counter(choose_opening(m, [], restated=faithful.restate(m)) for m in texted)
    assert set(chosen) == set(FRAGMENT_OPENINGS)
    assert max(chosen.values()) <= 0.5 * len(texted)


def test_their_own_question_marks_said_back_leave_one_question_in_the_reply() -> None:
    # set 25: "It sounds like flat viewing went well you think?? fingers crossed. How is this
    # sitting with you right now?" asked three questions
    text = tidy("It sounds like the offer came in you reckon?? hoping. What comes up for you?")
    assert text.count("?") == 1 and text.endswith("What comes up for you?")


# Written for this test, in no listening set.
def test_a_question_that_takes_it_as_hard_is_asked_only_of_something_hard() -> None:
    from assistant.listening import PRESUMING, choose_question

    glad = [f"My niece won the spelling bee at school number {n}." for n in range(40)]
    assert not {choose_question(m, []) for m in glad} & set(PRESUMING)
    assert not {choose_question(m, [], "proud") for m in glad} & set(PRESUMING)
    hard = [f"I feel so alone since the move to flat {n}." for n in range(40)]
    assert {choose_question(m, []) for m in hard} & set(PRESUMING)
    assert {choose_question(m, [], "lonely") for m in glad} & set(PRESUMING)
