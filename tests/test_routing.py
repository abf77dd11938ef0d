"""The router on the frozen routing set (eval/routing/), with the real MiniLM embeddings."""

import hashlib
import json
from pathlib import Path

import pytest

from assistant.embeddings import LlamaEmbeddings
from assistant.invitations import Step
from assistant.models import embedding_model_path
from assistant.routing import ASK, INVITATION, LISTEN, WHAT_TO_DO, Router, examples
from assistant.service import Assistant

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "eval" / "routing" / "frozen.jsonl"
DIGEST = "6b22caca081686be70a542d5e44c63934301e42e9612916e6a71e5197cd5ad6b"


def cases() -> list[dict[str, str]]:
    return [json.loads(line) for line in FROZEN.read_text().splitlines()[1:]]


@pytest.fixture(scope="module")
def router(model_cache: Path) -> Router:
    return Router(LlamaEmbeddings(lambda: embedding_model_path(None, model_cache)))


def test_the_routing_set_is_frozen() -> None:
    assert hashlib.sha256(FROZEN.read_bytes()).hexdigest() == DIGEST


def test_no_line_of_the_routing_set_is_an_example() -> None:
    written = {t.lower().rstrip(".?!") for ts in examples().values() for t in ts}
    for case in cases():
        assert case["message"].lower().rstrip(".?!") not in written, case["message"]


def test_the_router_gets_at_least_95_percent_of_the_frozen_set_right(router: Router) -> None:
    wrong = [(c["message"], c["route"], got) for c in cases()
             if (got := router.route(c["message"]).name) != c["route"]]
    assert len(wrong) <= 0.05 * len(cases()), wrong


@pytest.mark.parametrize(("message", "route"), [
    ("I keep replaying what he said at the funeral.", LISTEN),  # no feeling word, no family word
    ("What does the essay say about sovereignty?", ASK),
    ("Should I tell her I know?", WHAT_TO_DO),
    ("Could we do the practice with the hand on the heart?", INVITATION),
])
def test_each_route(router: Router, message: str, route: str) -> None:
    assert router.route(message).name == route


def test_reflect_mode_never_answers_from_the_essays(router: Router) -> None:
    assert router.route("What does the essay say about sovereignty?",
                        (LISTEN, WHAT_TO_DO, INVITATION)).name != ASK


def test_examples_must_sit_under_a_route() -> None:
    with pytest.raises(ValueError, match="before any"):
        examples("hello\n## ask\nwhat?")
    with pytest.raises(ValueError, match="unknown route"):
        examples("## chat\nhi")


def _route(assistant: Assistant, message: str) -> str:
    from assistant.conversation import ASK as ASK_MODE
    from assistant.conversation import Conversation, Finished

    events = list(assistant.companion.turn(Conversation(), message, ASK_MODE))
    return next(e.turn.route for e in events if isinstance(e, Finished))


def test_the_shipped_turn_listens_to_a_personal_message_without_feeling_words(
        assistant: Assistant) -> None:
    """The word lists sent this to an essay answer (no feeling word, no family word)."""
    assert _route(assistant, "I keep replaying what he said at the funeral.") == "listen"
    assert _route(assistant, "What does the essay say about sovereignty?") in (
        "ask", "not_in_essays")


def test_asking_for_a_practice_in_the_chat_offers_the_nearest_one(
        assistant: Assistant) -> None:
    from assistant.conversation import ASK as ASK_MODE
    from assistant.conversation import Conversation, Finished

    talk = Conversation()
    events = list(assistant.companion.turn(talk, "Could we try the practice with a hand on "
                                                 "the heart?", ASK_MODE))
    finished = next(e.turn for e in events if isinstance(e, Finished))
    assert finished.route == "invitation" and talk.run is not None
    assert "heart" in talk.run.invitation.title.lower()
    assert talk.run.step == Step.OFFERED  # it begins when the person says so
    assert talk.listen_history[0]["content"].startswith("Could we try")  # their words kept


class _TwoWay:
    """Embeddings that put a text beside the invitation examples when it names a dream or a
    try, and beside the listening ones otherwise: the router's rule, not MiniLM, under test."""

    def _vector(self, text: str) -> list[float]:
        near = any(word in text.lower() for word in ("dream", "try", "attempt", "go at"))
        return [1.0, 0.0] if near else [0.0, 1.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def test_a_practice_is_started_only_when_one_is_asked_for() -> None:
    """Listening set 40: "driving test tomorrow. 4th attempt" sat nearest the invitation
    examples and was offered the practice about a shared dream. Written for this test."""
    written = {INVITATION: ["Can we do the one about a dream?", "Let's try a practice."],
               LISTEN: ["My sister rang.", "Work was long today."]}
    router = Router(_TwoWay(), written)  # type: ignore[arg-type]
    assert router.route("third attempt at the bar exam on monday").name == LISTEN
    assert router.route("Could we try the dream one?").name == INVITATION
    assert router.route("The dream practice, please.").name == INVITATION
