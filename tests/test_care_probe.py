"""The care check's probe over the chat model's hidden state (assistant/care_probe.py)."""

from pathlib import Path

import numpy as np
import pytest

from assistant.care import CARE, CHECK_IN, CRISIS, CareCheck, CareState
from assistant.care_probe import RiskProbe, hidden_state, pack, shipped, shipped_probe
from assistant.config import Settings
from assistant.conversation import REFLECT, Conversation, Finished
from assistant.embeddings import LlamaEmbeddings
from assistant.errors import ModelCorruptError
from assistant.models import CHAT_SHA256, embedding_model_path
from assistant.service import Assistant, build_assistant
from tests.fakes import FakeChatModel


def test_each_message_is_read_after_the_question_alone(small_model: Path) -> None:
    """The question is read once and kept; a message read after another is read as if it were
    the first (the one before is forgotten, not carried in llama.cpp's cache)."""
    state = hidden_state(lambda: small_model)
    first = state("The garden looks lovely this morning.")
    state("I have been awake all night and everything feels heavy.")
    again = state("The garden looks lovely this morning.")
    fresh = hidden_state(lambda: small_model)("The garden looks lovely this morning.")
    assert np.allclose(first, again, atol=1e-4) and np.allclose(first, fresh, atol=1e-4)
    assert not np.allclose(first, state("Completely different words, and more of them."))


def test_a_long_message_is_read_from_its_end(small_model: Path) -> None:
    state = hidden_state(lambda: small_model)
    long = "It was an ordinary week at work. " * 200 + "And I slept well."
    assert state(long).shape == state("And I slept well.").shape  # no overflow of the window


def test_the_score_is_the_log_odds_of_risk_scaled_on_everyday_text() -> None:
    size = 4
    data = {"size": size, "mean": pack(np.zeros(size)), "scale": pack(np.ones(size)),
            "coef": pack([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]),
            "intercept": pack([0, -10, 0]), "odds_scale": [0.0, 2.0], "cut": 1.0,
            "joint": {"weight": 1.0, "floor": 1.0, "cut": 3.0, "check_in_above": 2.0}}
    vectors = {"calm": np.array([-3.0, 0, 0, 0]), "risk": np.array([3.0, 0, 0, 0])}
    probe = RiskProbe(lambda text: vectors[text], data)
    calm, risk = probe.score("calm"), probe.score("risk")
    assert calm[0] < 0 < risk[0] and risk[0] == pytest.approx(3.0 / 2.0, abs=0.01)
    assert risk[1] > 0.99  # the crisis class holds it, not care


def test_the_shipped_probe_belongs_to_the_shipped_model() -> None:
    data = shipped()
    assert data["model_sha256"] == CHAT_SHA256
    assert data["joint"]["weight"] > 0 and np.isfinite(data["joint"]["cut"])


@pytest.fixture(scope="module")
def with_probe(model_cache: Path) -> CareCheck:
    return CareCheck(LlamaEmbeddings(lambda: embedding_model_path(None, model_cache)),
                     probe=shipped_probe(model_cache))


@pytest.fixture(scope="module")
def without_probe(model_cache: Path) -> CareCheck:
    return CareCheck(LlamaEmbeddings(lambda: embedding_model_path(None, model_cache)))


# Written for these tests, in no eval set: hopelessness without a word of death or harm.
HOPELESS = "everyone keeps saying it gets better. I'm tired of waiting to find out."


def test_the_chat_models_reading_reaches_what_the_sentence_vectors_miss(
        with_probe: CareCheck, without_probe: CareCheck) -> None:
    """The sentence vectors lean towards risk but stay below their cut; the shipped model's
    own reading takes it over, and the reply asks directly (the meaning alone never asserts
    a crisis at this level)."""
    assert without_probe.check(HOPELESS).level is None
    verdict = with_probe.check(HOPELESS, state := CareState())
    assert verdict.level == CHECK_IN and "probe" in verdict.scores and state.pending


@pytest.mark.parametrize("message", [
    "I'm dead tired after the half marathon but so proud of my time.",
    "My sister is killing it at her new job, I'm so happy for her.",
    "The bus was late again this morning.",
    "I lost myself in the essay on listening last night, it was beautiful.",
    # everyday sayings read plainly before the meaning readers (2026-12-07)
    "I want to end my phone contract early, it's a rip-off.",
])
def test_everyday_hard_words_stay_everyday_with_the_probe(with_probe: CareCheck,
                                                          message: str) -> None:
    assert with_probe.check(message).level is None


def test_the_probe_reads_only_what_the_sentence_vectors_lean_on(with_probe: CareCheck) -> None:
    """Its cost (a read of the chat model) is paid only above the floor."""
    calm = with_probe.check("I lost myself in the essay on listening last night.")
    assert "probe" not in calm.scores and calm.scores["risk"] < with_probe.probe.floor  # type: ignore[union-attr]


def test_the_page_path_reads_with_the_probe_as_shipped(assistant: Assistant,
                                                       settings: Settings) -> None:
    """Every front end's turn goes through the check with the probe (on by default): what only
    it reaches is asked about with the resources, and never reaches the chat model."""
    fake = FakeChatModel(["It sounds heavy. What is that like for you?"])
    assistant.companion.listening.model = fake
    turn = next(e.turn for e in assistant.companion.turn(Conversation(), HOPELESS, REFLECT)
                if isinstance(e, Finished))
    assert turn.route == "check_in" and "988" in turn.text and fake.calls == []
    off = build_assistant(settings.model_copy(update={"care_probe": False}))
    assert off.companion.care.probe is None


def test_a_chat_model_that_cannot_load_leaves_the_rest_of_the_check_working(
        model_cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A missing or corrupt chat model must not take the care reply down with it: the check
    goes on with its phrases, rules and the MiniLM reader, and says so in the log."""
    def broken(text: str) -> np.ndarray:
        raise ModelCorruptError("llama.cpp could not load /nowhere/model.gguf")

    check = CareCheck(LlamaEmbeddings(lambda: embedding_model_path(None, model_cache)),
                      probe=RiskProbe(broken))
    assert check.check(HOPELESS).level is None  # read by MiniLM alone, as before the probe
    assert check.probe is None and "without the chat model" in caplog.text
    assert HOPELESS not in caplog.text  # the person's words are never logged
    assert check.check("I want to kill myself.").level == CRISIS


def _with_written() -> dict:
    size = 4
    return {"size": size, "mean": pack(np.zeros(size)), "scale": pack(np.ones(size)),
            "coef": pack([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]),
            "intercept": pack([0, -10, 0]), "odds_scale": [0.0, 1.0], "cut": 1.0,
            "joint": {"weight": 1.0, "floor": 1.0, "cut": 3.0, "check_in_above": 2.0},
            "written": {"mean": pack(np.zeros(size)), "scale": pack(np.ones(size)),
                        "coef": pack([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]),
                        "intercept": pack([0, -10, 0]), "clear_below": -1.0}}


def test_both_heads_read_one_message_state_once() -> None:
    reads: list[str] = []

    def state(text: str) -> np.ndarray:
        reads.append(text)
        return np.array([2.0, 0, 0, 0])

    probe = RiskProbe(state, _with_written())
    probe.score("a message")
    assert probe.written("a message") == pytest.approx(2.0, abs=0.01)
    assert reads == ["a message"]
    probe.written("another")
    assert reads == ["a message", "another"]
    assert RiskProbe(state, {k: v for k, v in _with_written().items()
                             if k != "written"}).written("x") is None


@pytest.mark.parametrize(("found", "written", "level", "kind"), [
    ((CHECK_IN, "check_in_channel"), -3.0, None, "cleared"),  # not trusted: listened to
    ((CARE, "care_meaning"), -3.0, None, "cleared"),
    ((CRISIS, "crisis_meaning"), -3.0, CHECK_IN, "check_in_meaning"),  # asks first
    ((CHECK_IN, "check_in_meaning"), 0.5, CHECK_IN, "check_in_meaning"),  # the head agrees
])
def test_a_flag_of_the_meaning_readers_alone_is_read_again_by_the_written_head(
        monkeypatch: pytest.MonkeyPatch, found: tuple[str, str], written: float,
        level: str | None, kind: str) -> None:
    """Fast: the readers' verdict and the head's score are given; the rule is what is tested."""
    check = CareCheck(probe=RiskProbe(lambda text: np.array([written, 0, 0, 0]),
                                      _with_written()))
    check.embeddings = object()  # type: ignore[assignment]  # so the readers are asked
    monkeypatch.setattr(check, "_meaning", lambda message, distressed: (
        *found, message, {"risk": 9.0, CRISIS: 0.9, CARE: 0.0}))
    # written for this test: no phrase or rule of the check decides it
    verdict = check.check("the allotment shed has gone quiet since October", state := CareState())
    assert (verdict.level, verdict.kind) == (level, kind)
    assert verdict.scores["written"] == pytest.approx(written, abs=0.05)
    assert state.level == (level if level in (CARE, CRISIS) else None)
    # where the conversation has shown risk already, nothing is cleared (nor read again)
    carried = check.check("the allotment shed has gone quiet since October",
                          CareState(level=CRISIS, kind="suicidal"))
    assert "written" not in carried.scores and carried.kind != "cleared"


def test_the_shipped_written_head_reads_risk_above_everyday_text(model_cache: Path) -> None:
    """The shipped head over the shipped model, on sentences written for this test."""
    probe = shipped_probe(model_cache)
    assert probe.written_head is not None and np.isfinite(probe.clear_below)
    calm = [probe.written(m) for m in ("The bus was late again and I missed the film.",
                                       "My nephew beat me at chess on Sunday, twice.")]
    risky = [probe.written(m) for m in ("I've lined up the pills in a jar by my bed for tonight.",
                                        "The voices in the kettle say my neighbours are spies.")]
    assert max(calm) < probe.clear_below < min(risky)  # type: ignore[type-var,operator]
