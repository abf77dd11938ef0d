"""The same app on servers: a Chroma server and an OpenAI-compatible model server, on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import faithful
from assistant.cli import app
from assistant.conversation import REFLECT, Conversation, Finished
from assistant.errors import IndexNotBuiltError, ModelNotFoundError
from assistant.listening import FEELINGS, OPEN_QUESTIONS, ROTATED
from assistant.llm import OpenAICompatibleChatModel
from assistant.service import build_assistant
from tests.browser import free_port, wait_for
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


@contextmanager
def running(command: list[str], probe: str) -> Iterator[None]:
    """A server process on loopback, up once `probe` answers, stopped afterwards."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(probe, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    with running([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma")),
                  "--host", "127.0.0.1", "--port", str(port)],
                 f"http://127.0.0.1:{port}/api/v2/heartbeat"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def model_server(small_model: Path) -> Iterator[str]:
    port = free_port()
    with running([sys.executable, "-m", "assistant.model_server", "--model", str(small_model),
                  "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
                 f"http://127.0.0.1:{port}/v1/models"):
        yield f"http://127.0.0.1:{port}/v1"


def test_ingest_search_and_ask_on_a_chroma_server(chroma_server: str, tmp_path: Path,
                                                  model_cache: Path, small_model: Path) -> None:
    settings = make_settings(tmp_path / "unused", model_cache, small_model,
                             chroma_url=chroma_server)
    assistant = build_assistant(settings)
    first = assistant.ingest()
    assert first.sync.added == first.passages > 20
    again = build_assistant(settings).ingest()
    assert again.sync.added == 0 and again.sync.kept == first.passages
    assert not (tmp_path / "unused").exists(), "the embedded store was used instead"
    result = assistant.retriever.search("Is interdependence the same as agreement?", 3)
    assert "Interdependence isn’t agreement" in result.passages[0].text
    answer = assistant.ask.answer("What does interdependence is not sameness mean?")
    assert answer.text and answer.sources


def test_a_missing_collection_or_server_is_named(chroma_server: str, tmp_path: Path,
                                                 model_cache: Path, small_model: Path) -> None:
    settings = make_settings(tmp_path, model_cache, small_model, chroma_url=chroma_server,
                             collection="never-built")
    with pytest.raises(IndexNotBuiltError, match="reflect ingest"):
        build_assistant(settings).index.passages()
    gone = make_settings(tmp_path, model_cache, small_model,
                         chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexNotBuiltError, match="Cannot reach the Chroma server"):
        build_assistant(gone).index.passages()


def test_listening_and_asking_through_a_model_server(model_server: str, assistant) -> None:  # type: ignore[no-untyped-def]
    settings = assistant.settings.model_copy(update={"openai_base_url": model_server})
    served = build_assistant(settings)
    assert isinstance(served.model, OpenAICompatibleChatModel)
    streamed = list(served.model.stream([{"role": "user", "content": "Say hello."}],
                                        max_tokens=12))
    assert len(streamed) > 1 and "".join(streamed).strip()
    talk = Conversation()
    message = "My brother and I stopped speaking last year."
    turn = next(e.turn for e in served.companion.turn(talk, message, REFLECT)
                if isinstance(e, Finished))
    assert turn.route == "listen" and turn.text.count("?") == 1
    assert not served.detector.check(turn.text).fixing
    # assembled on the server as on this machine: their words, a feeling the server's model
    # chose from the list under a grammar, a fixed open question
    lead = next(o for o in ROTATED if turn.text.startswith(o)) + faithful.restate(message)
    assert turn.text.startswith(f"{lead}, and ") and turn.text.endswith(OPEN_QUESTIONS)
    added = turn.text[len(lead):].split(". ")[0]
    assert any(added.endswith(f" {f}") for f in FEELINGS), turn.text
    answer = served.ask.answer("What does interdependence is not sameness mean?")
    assert answer.text and answer.sources
    crisis = next(e.turn for e in served.companion.turn(talk, "I want to end my life.")
                  if isinstance(e, Finished))
    assert crisis.route == "crisis" and "988" in crisis.text


def test_an_unreachable_model_server_says_so() -> None:
    model = OpenAICompatibleChatModel(f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(ModelNotFoundError, match="Cannot reach the model server"):
        list(model.stream([{"role": "user", "content": "hi"}]))


def test_reflect_models_names_the_one_that_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_OPENAI_MODEL", "qwen-served")
    out = json.loads(CliRunner().invoke(app, ["models", "--json"]).stdout)
    assert out["default"] == "qwen-served"
    shipped = next(m for m in out["models"] if m["role"] == "chat (default)")
    assert shipped["sha256"].startswith("cc324af0") and shipped["bytes"] == 1_117_320_768


@contextmanager
def token_gate(upstream: str, token: str) -> Iterator[str]:
    """What docs/deploy.md puts in front of a Chroma server (whose 1.x server has no
    authentication of its own): a proxy that passes on only requests with the token."""
    import http.server
    import threading

    import httpx

    class Gate(http.server.BaseHTTPRequestHandler):
        def _pass(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {token}":
                self.send_response(401)
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = httpx.request(self.command, upstream + self.path, content=body,
                                   headers={"Content-Type": self.headers.get(
                                       "Content-Type", "application/json")})
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", ""))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = _pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Gate)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_chroma_server_behind_a_token_is_reached_only_with_it(
        chroma_server: str, tmp_path: Path, model_cache: Path, small_model: Path) -> None:
    with token_gate(chroma_server, "s3cret-token-for-tests") as url:
        without = make_settings(tmp_path / "a", model_cache, small_model, chroma_url=url)
        with pytest.raises(IndexNotBuiltError, match="ASSISTANT_CHROMA_TOKEN"):
            build_assistant(without).index.passages()
        wrong = make_settings(tmp_path / "b", model_cache, small_model, chroma_url=url,
                              chroma_token="not-it", collection="gated")
        with pytest.raises(IndexNotBuiltError, match="ASSISTANT_CHROMA_TOKEN"):
            build_assistant(wrong).ingest()
        right = make_settings(tmp_path / "c", model_cache, small_model, chroma_url=url,
                              chroma_token="s3cret-token-for-tests", collection="gated")
        assert build_assistant(right).ingest().sync.added > 20


@pytest.mark.parametrize("setting", ["chroma_url", "openai_base_url"])
def test_plain_http_to_another_machine_is_refused(setting: str) -> None:
    from pydantic import ValidationError

    from assistant.config import Settings

    with pytest.raises(ValidationError, match="plain http to another machine"):
        Settings(**{setting: "http://10.0.0.6:8080/v1"})
    assert getattr(Settings(**{setting: "https://10.0.0.6:8080/v1"}), setting)
    assert getattr(Settings(**{setting: "http://127.0.0.1:8080/v1"}), setting)
