"""Hostile input and faults: each case gets a clear message, and nothing stored is lost."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.conversation import REFLECT, Conversation, Finished
from assistant.corpus import load_corpus
from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexCorruptError,
    IndexNotBuiltError,
    InputError,
    ModelCorruptError,
    ModelNotFoundError,
    StorageError,
)
from assistant.index import PassageIndex
from assistant.journal import Journal
from assistant.llm import LlamaCppChatModel
from assistant.models import check_gguf
from assistant.safety import check_message
from assistant.service import Assistant
from assistant.ui import Page
from tests.fakes import FakeEmbeddings

LIMIT = 4000


def snapshot(a: Assistant, journal: Journal) -> tuple[Any, ...]:
    corpus = sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest())
                    for p in a.settings.corpus_dir.rglob("*") if p.is_file())
    return (sorted(p.id for p in a.index.passages()),
            [e.text for e in journal.entries()], corpus)


@pytest.fixture
def world(tmp_path: Path, assistant: Assistant) -> tuple[Assistant, Journal]:
    corpus = tmp_path / "corpus"
    shutil.copytree(assistant.settings.corpus_dir, corpus)
    assistant.settings.corpus_dir = corpus
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    journal.save("Hand on heart", "Essay", "My words, kept.")
    assistant.companion.journal = journal
    return assistant, journal


def message(text: str) -> Callable[[Assistant, Path], Any]:
    return lambda a, tmp: check_message(text, LIMIT)


def corpus_file(name: str, content: bytes) -> Callable[[Assistant, Path], Any]:
    def run(a: Assistant, tmp: Path) -> Any:
        odd = tmp / "odd"
        odd.mkdir(exist_ok=True)
        (odd / "fine.md").write_text("# Fine\n\nA readable essay about care.")
        target = odd / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        report = load_corpus(odd)
        return dict(report.skipped).get(name, "read")
    return run


def link(to: str) -> Callable[[Assistant, Path], Any]:
    def run(a: Assistant, tmp: Path) -> Any:
        odd = tmp / "odd"
        odd.mkdir(exist_ok=True)
        (odd / "fine.md").write_text("# Fine\n\nA readable essay.")
        (odd / "link.md").symlink_to(to if to.startswith("/") else odd / to)
        return dict(load_corpus(odd).skipped)["link.md"]
    return run


def model_at(make: Callable[[Path], Path]) -> Callable[[Assistant, Path], Any]:
    def run(a: Assistant, tmp: Path) -> Any:
        path = make(tmp)
        model = LlamaCppChatModel(lambda: check_gguf(path), n_ctx=512)
        return list(model.stream([{"role": "user", "content": "hi"}]))
    return run


def write(path: str, content: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / path).write_bytes(content)
        return tmp / path
    return make


def truncated(tmp: Path) -> Path:
    from assistant.models import small_model_path

    (tmp / "cut.gguf").write_bytes(small_model_path().read_bytes()[:100_000])
    return tmp / "cut.gguf"


def store_at(make: Callable[[Path], Path], collection: str = "essays"
             ) -> Callable[[Assistant, Path], Any]:
    return lambda a, tmp: PassageIndex(make(tmp), collection, FakeEmbeddings()).passages()


def garbage_index(tmp: Path) -> Path:
    (tmp / "bad").mkdir()
    (tmp / "bad" / "chroma.sqlite3").write_bytes(os.urandom(20_000))
    return tmp / "bad"


def ingest_from(make: Callable[[Path], Path]) -> Callable[[Assistant, Path], Any]:
    return lambda a, tmp: a.ingest(make(tmp))


def empty_folder(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def unreadable_only(tmp: Path) -> Path:
    (tmp / "junk").mkdir()
    (tmp / "junk" / "blob.txt").write_bytes(b"\x00\x01")
    return tmp / "junk"


def ui_turn(text: str) -> Callable[[Assistant, Path], Any]:
    def run(a: Assistant, tmp: Path) -> Any:
        page = Page(a)
        page.build()
        *_, last = page.respond(text, [], None, "Ask", None)
        chat, box = last[page.chatbot], last[page.box]
        assert chat == [] and box == text, "the typed message must stay in the box"
        assert a.history.summaries("local") == [], "nothing is stored for a refused message"
        return "kept in the box"
    return run


def turn(text: str, history: int = 0) -> Callable[[Assistant, Path], Any]:
    def run(a: Assistant, tmp: Path) -> Any:
        talk = Conversation()
        talk.listen_history = [{"role": r, "content": f"turn {i} " + "words " * 200}
                               for i in range(history) for r in ("user", "assistant")]
        talk.ask_history = list(talk.listen_history)
        events = list(a.companion.turn(talk, text, REFLECT))
        return next(f"{e.turn.route}: {e.turn.text}" for e in events
                    if isinstance(e, Finished))
    return run


def corrupt_journal(a: Assistant, tmp: Path) -> Any:
    bad = tmp / "bad-journal.sqlite3"
    bad.write_bytes(os.urandom(5000))
    before = bad.read_bytes()
    try:
        return Journal(bad).entries()
    finally:
        assert bad.read_bytes() == before, "the unreadable journal must be left as it was"


def second_process_reads(a: Assistant, tmp: Path) -> Any:
    a.index.passages()  # this process holds the index open
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(a.settings.store_dir),
           "ASSISTANT_CACHE_DIR": str(a.settings.cache_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant", "search", "sovereignty", "-k", "1",
                          "--json"], capture_output=True, text=True, env=env, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    return "read alongside"


CASES: list[tuple[str, Callable[[Assistant, Path], Any], type[Exception] | None, str]] = [
    ("empty message", message(""), InputError, "empty"),
    ("whitespace only", message(" \n\t  "), InputError, "empty"),
    ("control characters only", message("\x00\x07\x1b"), InputError, "empty"),
    ("zero-width characters only", message("\u200b\u200c\ufeff"), InputError, "empty"),
    ("100k characters", message("a" * 100_001), InputError, "limit is 4,000"),
    ("one over the limit", message("b" * (LIMIT + 1)), InputError, "limit is 4,000"),
    ("exactly at the limit", message("c" * LIMIT), None, "c" * 10),
    ("control characters mixed in", message("I\x07 feel\x00 lost"), None, "I feel lost"),
    ("bidi override", message("hello \u202edlrow"), None, "hello dlrow"),
    ("mixed scripts", message("Ich fühle 孤独 وحيد"), None, "孤独 وحيد"),
    ("emoji only", message("🌱"), None, "🌱"),
    ("huge message in the page", ui_turn("x" * 100_001), None, "kept in the box"),
    ("empty message in the page", ui_turn("   "), None, "kept in the box"),
    ("invalid UTF-8 file", corpus_file("latin.md", "café".encode("latin-1")), None,
     "unreadable"),
    ("binary file", corpus_file("blob.txt", b"\x00\xff\x00binary"), None, "unreadable"),
    ("empty file", corpus_file("empty.md", b"  \n"), None, "no text"),
    ("unsupported type", corpus_file("notes.docx", b"PK\x03\x04"), None, "unsupported"),
    ("broken PDF", corpus_file("broken.pdf", b"%PDF-1.4 garbage"), None, "unreadable"),
    ("malformed front matter", corpus_file("bad.md", b"---\ntitle: [oops\n---\nbody"), None,
     "unreadable"),
    ("HTML with a script", corpus_file("page.html", b"<title>T</title><script>x()</script>"
                                       b"<p>Care.</p>"), None, "read"),
    ("symbolic link inside", link("fine.md"), None, "symbolic link"),
    ("symbolic link outside", link("/etc/hostname"), None, "symbolic link"),
    ("missing corpus folder", ingest_from(lambda t: t / "nowhere"), CorpusError,
     "does not exist"),
    ("empty corpus folder", ingest_from(empty_folder), CorpusError, "left as it was"),
    ("corpus of unreadable files", ingest_from(unreadable_only), CorpusError,
     "left as it was"),
    ("missing model file", model_at(lambda t: t / "absent.gguf"), ModelNotFoundError,
     "ASSISTANT_MODEL_PATH"),
    ("model path is a folder", model_at(lambda t: t), ModelNotFoundError, "No model file"),
    ("not a GGUF", model_at(write("html.gguf", b"<html>404</html>")), ModelCorruptError,
     "not a GGUF"),
    ("empty GGUF", model_at(write("empty.gguf", b"")), ModelCorruptError, "not a GGUF"),
    ("truncated GGUF", model_at(truncated), ModelCorruptError, "could not load"),
    ("missing index", store_at(lambda t: t / "never"), IndexNotBuiltError, "reflect ingest"),
    ("empty index folder", store_at(lambda t: (t / "e").mkdir() or t / "e"),
     IndexNotBuiltError, "reflect ingest"),
    ("corrupt index", store_at(garbage_index), IndexCorruptError, "corpus, which is untouched"),
    ("index path is a file", store_at(write("file-store", b"x")), IndexCorruptError,
     "is a file"),
    ("index without the collection", lambda a, t: PassageIndex(
        a.settings.store_dir, "other", FakeEmbeddings()).passages(), IndexNotBuiltError,
     "no collection"),
    ("a second process reads the index", second_process_reads, None, "read alongside"),
    ("corrupt journal", corrupt_journal, StorageError, "left exactly as it is"),
    ("long history in a listening turn", turn("I feel unheard at home.", history=60), None,
     "listen: "),
    ("long history and a long message", turn("I feel " + "so very tired " * 250, history=60),
     None, "listen: "),
    ("crisis message with a long history", turn("I want to kill myself.", history=60), None,
     "988"),
]


@pytest.mark.parametrize(("name", "action", "error", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_fault(world: tuple[Assistant, Journal], tmp_path: Path, name: str,
               action: Callable[[Assistant, Path], Any], error: type[Exception] | None,
               expected: str) -> None:
    assistant, journal = world
    before = snapshot(assistant, journal)
    if error is None:
        result = action(assistant, tmp_path)
        assert expected in str(result)
    else:
        with pytest.raises(error, match=expected) as raised:
            action(assistant, tmp_path)
        assert isinstance(raised.value, AssistantError)
    assert snapshot(assistant, journal) == before, "stored data changed"


def test_there_are_at_least_36_cases() -> None:
    assert len(CASES) >= 36


def test_the_context_window_never_overflows(assistant: Assistant) -> None:
    model = assistant.model
    assert isinstance(model, LlamaCppChatModel)
    window = model.llama.n_ctx()
    history = [{"role": "system", "content": "Be brief."}] + [
        {"role": r, "content": "many words " * 300} for _ in range(20)
        for r in ("user", "assistant")] + [{"role": "user", "content": "Hello?"}]
    fitted = model.fit_context(history, 60)
    assert fitted[0]["role"] == "system" and fitted[-1]["content"] == "Hello?"
    assert sum(model.count_tokens(m["content"]) for m in fitted) + 60 < window
    with pytest.raises(InputError, match="context window"):
        model.fit_context([{"role": "user", "content": "word " * 5000}], 60)
    assert "".join(model.stream(history, max_tokens=5))  # runs, no overflow error
