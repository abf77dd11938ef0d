"""The chat model as a noisy channel for risk (assistant/care_channel.py, llm.Likelihood)."""

from pathlib import Path

import numpy as np
import pytest

from assistant.care import CHECK_IN, CareCheck, CareState
from assistant.care_channel import AT_RISK, ORDINARY, RiskChannel, shipped_channel
from assistant.errors import ModelCorruptError
from assistant.llm import Likelihood


class Channel:
    """A channel whose score is set by the test, counting what it was asked to read."""

    def __init__(self, score: float, cut: float = 3.0) -> None:
        self.cut, self.value, self.read = cut, score, []

    def score(self, message: str) -> float:
        self.read.append(message)
        return self.value


# Written for these tests, in no eval set.
LEFT = "I feel hopeless lately and I keep tidying the drawers in the spare room."
CALM = "The bus was late again so I read my book at the stop."


def test_a_message_left_after_distress_is_asked_about_when_the_channel_hears_risk() -> None:
    """Phrases and rules find nothing; a word of distress lets the channel read it, and above
    its cut the reply asks directly (never the crisis reply on this reading alone)."""
    channel = Channel(5.0)
    verdict = CareCheck(channel=channel).check(LEFT, state := CareState())  # type: ignore[arg-type]
    assert channel.read == [LEFT]
    assert verdict.level == CHECK_IN and verdict.kind == "check_in_channel"
    assert verdict.scores["channel"] == 5.0 and state.pending


def test_below_its_cut_the_channel_changes_nothing() -> None:
    channel = Channel(2.9)
    verdict = CareCheck(channel=channel).check(LEFT)  # type: ignore[arg-type]
    assert channel.read == [LEFT] and verdict.level is None


def test_a_calm_message_is_not_read_at_all() -> None:
    """No word of distress and no lean of the meaning readers: the channel's cost is not paid."""
    channel = Channel(50.0)
    assert CareCheck(channel=channel).check(CALM).level is None  # type: ignore[arg-type]
    assert channel.read == []


def test_a_declined_check_in_is_not_asked_again_by_the_channel() -> None:
    channel = Channel(50.0)
    check = CareCheck(channel=channel)  # type: ignore[arg-type]
    state = CareState(declined=True)
    assert check.check(LEFT, state).level is None and channel.read == []


def test_the_score_is_the_at_risk_mixture_against_the_ordinary_one() -> None:
    k = len(AT_RISK)
    said = [-20.0] * k + [-30.0] * len(ORDINARY)
    assert RiskChannel(lambda text: said).score("x") == pytest.approx(10.0)
    one_high = [-10.0] + [-1000.0] * (k - 1) + [-20.0] * len(ORDINARY)
    assert RiskChannel(lambda text: one_high).score("x") == pytest.approx(10.0 - np.log(k))


def test_a_channel_that_cannot_load_leaves_the_check_working(
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(text: str) -> list[float]:
        raise ModelCorruptError("llama.cpp could not load /nowhere/model.gguf")

    check = CareCheck(channel=RiskChannel(broken))
    assert check.check(LEFT).level is None and check.channel is None
    assert "without the chat model's channel" in caplog.text and LEFT not in caplog.text


def test_each_prefix_is_its_own_sequence(small_model: Path) -> None:
    """Read after several prefixes in one batch, a text scores as it does after each prefix
    alone, and as it did before another text was read (nothing carried over)."""
    prefixes = ["A recipe for bread:\n", "A letter to an old friend:\n", "Notes on rivers:\n"]
    together = Likelihood(lambda: small_model, prefixes, "\n")
    text = "Mix the flour with warm water and leave it to rise."
    first = np.array(together(text))
    together("Dear Sam, it has been far too long since I wrote.")
    again = np.array(together(text))
    alone = np.array([Likelihood(lambda: small_model, [p], "\n")(text)[0] for p in prefixes])
    # batched or alone, llama.cpp's kernels differ in the last digits (a few tenths of a nat over
    # a dozen tokens); another sequence's tokens would move it by far more
    assert np.allclose(first, again, atol=1e-2) and np.allclose(first, alone, rtol=0.02)
    assert first[0] > first[2]  # a recipe's words are likelier after "a recipe"
    assert np.all(first < 0)


def test_a_long_text_is_read_from_its_end(small_model: Path) -> None:
    likely = Likelihood(lambda: small_model, ["Notes:\n"], "\n")
    long = likely("It was an ordinary week at work. " * 100)
    assert np.isfinite(long[0])


@pytest.mark.slow
def test_the_shipped_model_hears_a_quiet_goodbye_above_an_ordinary_errand(
        model_cache: Path) -> None:
    """On the shipped Qwen: written for this test, in no eval set."""
    channel = shipped_channel(model_cache)
    goodbye = channel.score("I've written to everyone I love and left my cat with my sister. "
                            "It feels peaceful to have it all sorted.")
    errand = channel.score("I've written my shopping list and dropped the cat at the vet. "
                           "It feels good to have it all sorted.")
    assert goodbye > errand + 2.0


def test_many_long_prefixes_are_read_in_batches(small_model: Path) -> None:
    """Together longer than a batch (the shipped seven are about 420 tokens): each is read into
    its own sequence, a batch at a time, and a text is then read after all of them."""
    prefixes = [f"Field notes, page {i}. " + "The river bends past the old mill. " * 40
                for i in range(7)]
    out = Likelihood(lambda: small_model, prefixes, "\n")("The water was high today.")
    assert len(out) == 7 and np.all(np.isfinite(out))
