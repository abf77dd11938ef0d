"""Many people at once on one server: their own conversations, no leaks, no blocking."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from gradio_client import Client

from assistant.service import Assistant
from assistant.ui import build_ui
from tests.browser import served
from tests.test_ui import text_of

pytestmark = pytest.mark.slow
WORDS = ["marigold", "pelican", "obsidian", "tangerine", "quartzite", "juniper", "walrus",
         "saffron"]


@pytest.fixture
def server(assistant: Assistant) -> Iterator[str]:
    with served(build_ui(assistant)) as url:
        yield url


def test_eight_sessions_five_turns_each_keep_to_themselves(server: str,
                                                          assistant: Assistant) -> None:
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def person(word: str) -> None:
        try:
            client = Client(server, verbose=False)
            chat: list = []
            for turn in range(5):
                message = f"My friend {word} cancelled on me again, time number {turn + 1}."
                job = client.submit(message, chat, "Reflect", api_name="/ask")
                list(job)
                chat = job.result()[0]
            results[word] = chat
        except BaseException as exc:  # noqa: BLE001 - reported below with its session
            errors.append(exc)

    threads = [threading.Thread(target=person, args=(w,)) for w in WORDS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    assert set(results) == set(WORDS)
    for word, chat in results.items():
        texts = [text_of(m["content"]) for m in chat]
        assert len(texts) == 10 and all(t.strip() for t in texts)
        assert all(word in t for t in texts[::2])
        others = [w for w in WORDS if w != word]
        assert not [w for w in others for t in texts if w in t], f"leak into {word}'s session"
    owners = assistant.history.summaries("local")
    assert len(owners) == 8 and all(c.messages == 10 for c in owners)


class Watched:
    """The real model, with each call's tokens counted and its end recorded; the answers run
    long (the end-of-text token is banned) so that a cancel has something to cut short."""

    def __init__(self, model: object, tokens: int) -> None:
        self.model = model
        self.tokens = tokens
        self.calls: list[dict] = []

    def stream(self, messages: list, **opts: object) -> Iterator[str]:
        call = {"chunks": 0, "closed": False, "finished": False, "start": time.perf_counter()}
        self.calls.append(call)
        llama = self.model.llama  # type: ignore[attr-defined]
        opts.update(max_tokens=self.tokens, logit_bias={llama.token_eos(): -1e9})
        try:
            for piece in self.model.stream(messages, **opts):  # type: ignore[attr-defined]
                call["chunks"] += 1
                yield piece
            call["finished"] = True
        except GeneratorExit:
            call["closed"] = time.perf_counter()
            raise


def test_leaving_mid_answer_frees_the_model_for_the_next_person(server: str,
                                                                 assistant: Assistant) -> None:
    watched = Watched(assistant.model, tokens=1000)  # with the prompt, inside n_ctx 2048
    assistant.ask.model = watched  # type: ignore[assignment]
    leaving = Client(server, verbose=False)
    job = leaving.submit("What does the essay say about sovereignty and listening?", [], "Ask",
                         api_name="/ask")
    deadline = time.perf_counter() + 120
    while not watched.calls or watched.calls[0]["chunks"] < 20:
        assert time.perf_counter() < deadline, f"the answer never started: {watched.calls}"
        time.sleep(0.05)
    job.cancel()
    staying = Client(server, verbose=False)
    chat = staying.predict("What is interdependence according to the essays?", [], "Ask",
                           api_name="/ask")[0]
    assert text_of(chat[-1]["content"]).strip()
    first, second = watched.calls[0], watched.calls[-1]
    assert len(watched.calls) >= 2 and second is not first
    # the leaving answer was stopped where it was, not run to its 1000 tokens ...
    assert first["closed"] and not first["finished"] and first["chunks"] < 1000
    # ... and that is what let the next person's answer into the model
    assert first["closed"] <= second["start"]
