from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.service import Assistant
from assistant.ui import build_ui, sources_markdown
from tests.browser import free_port


def text_of(content: object) -> str:
    """A chat message's text, in either of Gradio's shapes (a string or typed parts)."""
    if isinstance(content, str):
        return content
    assert isinstance(content, list)
    return "".join(part["text"] for part in content if part.get("type") == "text")


@pytest.fixture
def server(assistant: Assistant) -> Iterator[str]:
    demo = build_ui(assistant)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, share=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_build_ui_returns_blocks_without_launching(assistant: Assistant) -> None:
    demo = build_ui(assistant)
    assert demo.title == "Reflect" and not demo.is_running


def test_sources_panel_shows_cited_passages_first() -> None:
    from assistant.ask import Source

    sources = [Source(1, "E", "S", "prose", "first", 0.1, cited=False),
               Source(2, "E", "", "invitation", "second", 0.2, cited=True)]
    text = sources_markdown(sources, done=True)
    assert text.index("**[2]**") < text.index("Also consulted") < text.index("**[1]**")
    assert "invitation" in text and "> second" in text


@pytest.mark.slow
def test_a_streamed_turn_through_the_real_server(server: str) -> None:
    client = Client(server, verbose=False)
    job = client.submit("What does interdependence is not sameness mean?", [], "Ask",
                        api_name="/ask")
    updates = list(job)
    chat, box, sources, status = job.result()[:4]
    assert len(updates) > 2, "the answer did not stream"
    assert text_of(chat[0]["content"]) == "What does interdependence is not sameness mean?"
    assert chat[-1]["role"] == "assistant" and text_of(chat[-1]["content"]).strip()
    assert "**[1]**" in sources and box == "" and status.startswith("Answered")


@pytest.mark.slow
def test_empty_message_changes_nothing(server: str) -> None:
    client = Client(server, verbose=False)
    chat, box = client.predict("   ", [], "Ask", api_name="/ask")[:2]
    assert chat == [] and box == "   "


@pytest.mark.slow
def test_conversations_are_kept_resumed_exported_and_deleted(server: str,
                                                            assistant: Assistant) -> None:
    client = Client(server, verbose=False)
    job = client.submit("I feel unheard by my sister, the word is heliotrope.", [], "Reflect",
                        api_name="/ask")
    list(job)
    assert job.result()[0]
    [stored] = assistant.history.summaries("local")
    assert stored.messages == 2 and "heliotrope" in stored.title

    fresh = Client(server, verbose=False)  # another tab, after a restart of the page
    chat, _ = fresh.predict(stored.id, api_name="/resume_conversation")[:2]
    assert "heliotrope" in text_of(chat[0]["content"]) and len(chat) == 2
    exported = fresh.predict(stored.id, api_name="/export_conversation")
    assert "heliotrope" in Path(exported).read_text(encoding="utf-8")

    fresh.predict(api_name="/delete_all_my_data")
    assert assistant.history.summaries("local") == []
    data = assistant.settings.data_dir
    assert not [p for p in data.rglob("*") if p.is_file() and b"heliotrope" in p.read_bytes()]


@pytest.fixture
def default_home(monkeypatch: pytest.MonkeyPatch, assistant: Assistant) -> Iterator[Assistant]:
    """The person's own setup: no ASSISTANT_DATA_DIR, a home outside the working directory
    and the system's temp folder (which Gradio would serve from anyway, hiding the fault)."""
    import tempfile

    from assistant.config import Settings
    from assistant.service import build_assistant

    home = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="reflect-home-"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ASSISTANT_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    settings = assistant.settings.model_copy(update={"data_dir": Settings().data_dir})
    assert str(settings.data_dir).startswith(str(home))
    try:
        yield build_assistant(settings)
    finally:
        import shutil

        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_exports_download_from_the_page_on_the_default_data_folder(
        default_home: Assistant) -> None:
    demo = build_ui(default_home)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, share=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        job = client.submit("I keep a jar of marigold seeds from my mother.", [], "Reflect",
                            api_name="/ask")
        list(job)
        [stored] = default_home.history.summaries("local")
        exported = client.predict(stored.id, None, api_name="/export_conversation")
        assert "marigold" in Path(exported).read_text(encoding="utf-8")
        default_home.companion.journal.save("Title", "Essay", "the marigold entry")
        journal = client.predict(api_name="/export_journal")
        assert "the marigold entry" in Path(journal).read_text(encoding="utf-8")
    finally:
        demo.close()


@pytest.mark.slow
def test_the_page_and_the_terminal_chat_give_the_same_replies(
        server: str, assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """One turn for every front end: the same conversation, sent through the page's API and
    piped into `reflect chat --json` on the same settings, gets the same replies."""
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    said = ["My brother stopped calling after the funeral.",
            "I keep wondering if I said something wrong."]
    client = Client(server, verbose=False)
    chat: list = []
    page = []
    for message in said:
        chat = client.predict(message, chat, "Reflect", api_name="/ask")[0]
        page.append(text_of(chat[-1]["content"]))
    s = assistant.settings
    for name, value in {"CORPUS_DIR": s.corpus_dir, "STORE_DIR": s.store_dir,
                        "CACHE_DIR": s.cache_dir, "MODEL_PATH": s.model_path,
                        "DATA_DIR": s.data_dir, "N_CTX": s.n_ctx,
                        "MAX_ANSWER_TOKENS": s.max_answer_tokens,
                        "TEMPERATURE": s.temperature, "CONCEPT_MAP": "false",
                        "CARE_SECOND_READER": "false"}.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    result = CliRunner().invoke(app, ["chat", "--json", "--no-keep"],
                                input="\n".join(said) + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    terminal = [json.loads(line)["reply"] for line in result.stdout.splitlines() if line]
    assert terminal == page and all(page)
