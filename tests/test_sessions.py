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


def test_a_session_dropped_mid_stream_does_not_block_the_next(server: str) -> None:
    leaving = Client(server, verbose=False)
    job = leaving.submit("What does the essay say about sovereignty and listening?", [], "Ask",
                         api_name="/ask")
    time.sleep(1.0)
    job.cancel()
    start = time.perf_counter()
    staying = Client(server, verbose=False)
    chat = staying.predict("What is interdependence according to the essays?", [], "Ask",
                           api_name="/ask")[0]
    assert text_of(chat[-1]["content"]).strip()
    assert time.perf_counter() - start < 90
