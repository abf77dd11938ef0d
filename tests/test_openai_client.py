"""The OpenAI-compatible backend's client behaviour: retries, timeouts and errors, against a
small HTTP server on loopback that misbehaves on purpose (the real model server's path is in
test_servers.py)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from assistant.errors import ModelNotFoundError
from assistant.llm import OpenAICompatibleChatModel


@contextmanager
def server(answers: list[int | str]) -> Iterator[tuple[str, list[dict]]]:
    """Answers each POST with the next of `answers`: a status code to fail with, "hang" to
    say nothing, or "ok" to stream two words. Yields its base URL and the bodies it got."""
    bodies: list[dict] = []
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            answer = answers[min(len(bodies), len(answers)) - 1]
            if answer == "hang":
                release.wait(10)
                return
            if isinstance(answer, int):
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"error": {"message": "busy"}}).encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for word in ("Hello", " there"):
                chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0,
                         "model": "m", "choices": [{"index": 0, "delta": {"content": word},
                                                    "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", bodies
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()


HI = [{"role": "user", "content": "hi"}]


def test_a_busy_server_is_tried_again_before_the_first_word() -> None:
    with server([503, 429, "ok"]) as (url, bodies):
        model = OpenAICompatibleChatModel(url, model="served", retries=2)
        assert "".join(model.stream(HI, max_tokens=5, grammar='root ::= "Hello there"',
                                    stop=["\n"])) == "Hello there"
    assert len(bodies) == 3
    # what the server was asked for: the model, the grammar and stop passed through, streaming
    assert bodies[-1]["model"] == "served" and bodies[-1]["stream"] is True
    assert bodies[-1]["grammar"] == 'root ::= "Hello there"' and bodies[-1]["stop"] == ["\n"]
    assert bodies[-1]["max_tokens"] == 5


def test_a_server_that_keeps_failing_gives_its_status_once_retries_are_spent() -> None:
    with server([500]) as (url, bodies):
        model = OpenAICompatibleChatModel(url, retries=1)
        with pytest.raises(ModelNotFoundError, match="answered 500"):
            list(model.stream(HI))
    assert len(bodies) == 2


def test_a_request_error_is_not_retried() -> None:
    with server([400, "ok"]) as (url, bodies), pytest.raises(ModelNotFoundError,
                                                           match="answered 400"):
        list(OpenAICompatibleChatModel(url, retries=3).stream(HI))
    assert len(bodies) == 1


def test_a_silent_server_times_out_with_a_clear_error() -> None:
    with server(["hang"]) as (url, _):
        model = OpenAICompatibleChatModel(url, timeout=0.5, retries=0)
        with pytest.raises(ModelNotFoundError, match="did not answer in time"):
            list(model.stream(HI))


def test_no_key_is_sent_as_no_key_and_a_key_as_a_bearer() -> None:
    seen: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(self.headers.get("Authorization"))
            self.send_response(401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        for key in ("s3cret", None):
            with pytest.raises(ModelNotFoundError, match="answered 401"):
                list(OpenAICompatibleChatModel(url, api_key=key, retries=0).stream(HI))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen[0] == "Bearer s3cret" and "s3cret" not in (seen[1] or "")
