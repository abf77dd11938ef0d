from pathlib import Path

import pytest

from assistant.ask import standalone
from assistant.errors import StorageError
from assistant.evaluation import eval_followups, read_cases
from assistant.history import ConversationStore, compact
from assistant.journal import Journal
from assistant.service import Assistant, export_name, owner_key
from assistant.ui import rebuild

FOLLOWUPS = Path(__file__).resolve().parent.parent / "eval" / "followups.jsonl"


def test_delete_all_my_data_leaves_none_of_my_words(assistant: Assistant, tmp_path: Path) -> None:
    data = assistant.settings.data_dir
    secret, kept = b"pomegranate-sunrise", b"ben-keeps-this"
    conversation = assistant.history.create("ana", "secret")
    for i in range(30):
        assistant.history.append(conversation, "ana", "user", f"{secret.decode()} {i}")
    other = assistant.history.create("ben", "his")
    assistant.history.append(other, "ben", "user", kept.decode())
    journal = Journal(data / "journal.sqlite3")
    assistant.companion.journal = journal
    journal.save("Hand", "Essay", f"my words: {secret.decode()}", owner="ana")
    (assistant.export_folder("ana") / "conversation.md").write_text(secret.decode())

    def files_with(needle: bytes) -> list[Path]:
        return [p for p in data.rglob("*") if p.is_file() and needle in p.read_bytes()]

    assert files_with(secret)
    assistant.delete_everything_of("ana")
    assert files_with(secret) == []
    assert files_with(kept) and assistant.history.summaries("ben")


def test_a_stored_conversation_is_rebuilt_for_both_modes(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    c = store.create("local", "t")
    for role, content, meta in [("user", "What is sovereignty?", {}),
                                ("assistant", "Each person is sovereign.[1]", {"route": "ask"}),
                                ("user", "I feel unheard.", {}),
                                ("assistant", "It sounds lonely.", {"route": "listen"}),
                                ("user", "I want to die.", {}),
                                ("assistant", "I'm really glad you told me…",
                                 {"route": "crisis", "crisis": "suicidal"})]:
        store.append(c, "local", role, content, meta)
    chat, conversation = rebuild(store.messages(c, "local"), "local")
    assert len(chat) == 6 and chat[0] == {"role": "user", "content": "What is sovereignty?"}
    assert [m["content"] for m in conversation.ask_history] == [
        "What is sovereignty?", "Each person is sovereign.[1]"]
    assert len(conversation.listen_history) == 4 and conversation.crisis


def test_follow_ups_are_made_to_stand_alone() -> None:
    history = [{"role": "user", "content": "Passages…\n\nQuestion: What is sovereignty?"}]
    assert standalone("What does she mean by that?", history) == (
        "What does she mean by that? What is sovereignty?")
    assert standalone("How do communities welcome new members?", history) == (
        "How do communities welcome new members?")
    assert standalone("What does she mean by that?", []) == "What does she mean by that?"


def test_rewriting_follow_ups_finds_more(assistant: Assistant) -> None:
    cases = read_cases(FOLLOWUPS, ("history", "question", "gold"))
    report = eval_followups(assistant.retriever, cases)
    assert report["n"] >= 15
    assert report["rewritten"]["mrr"] > report["as_asked"]["mrr"]
    assert report["rewritten"]["hit@5"] > report["as_asked"]["hit@5"]


def test_deleting_a_conversation_deletes_every_copy_the_page_handed_out(
        assistant: Assistant) -> None:
    data = assistant.settings.data_dir
    secret, kept = "quince-lantern-harbour", "ben-keeps-this-one"
    mine = assistant.history.create("ana", "mine")
    assistant.history.append(mine, "ana", "user", secret)
    other = assistant.history.create("ana", "other")
    assistant.history.append(other, "ana", "user", kept)
    for conversation in (mine, other):
        text = assistant.history.export_markdown(conversation, "ana")
        served = assistant.served_export("ana", conversation, export_name(conversation), text)
        copy = assistant.served_dir / "0f3a9c" / served.name  # as Gradio caches what it serves
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(text)

    def files_with(needle: str) -> list[Path]:
        return [p for p in data.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]

    assert len(files_with(secret)) == 3  # the database, the served file, Gradio's copy
    assistant.delete_conversation(mine, "ben")  # not his: nothing happens
    assert len(files_with(secret)) == 3
    assistant.delete_conversation(mine, "ana")
    assert files_with(secret) == []
    assert len(files_with(kept)) == 3


def test_names_that_read_alike_get_their_own_folders() -> None:
    assert owner_key("a.b") != owner_key("a_b") != owner_key("a b")
    assert owner_key("ana").startswith("ana-") and owner_key("").startswith("local-")


def test_a_delete_that_cannot_clear_the_log_says_so(tmp_path: Path) -> None:
    import sqlite3
    import threading

    store = ConversationStore(tmp_path / "c.sqlite3")
    c = store.create("ana", "t")
    store.append(c, "ana", "user", "words to be deleted")
    reader = sqlite3.connect(tmp_path / "c.sqlite3", check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM messages").fetchone()  # holds a read snapshot
    store.append(store.create("ana", "u"), "ana", "user", "later words")
    with pytest.raises(StorageError, match="still in its -wal file"):
        compact(tmp_path / "c.sqlite3", patience=0.3)
    threading.Timer(0.3, reader.rollback).start()  # the reader finishes soon: then it clears
    compact(tmp_path / "c.sqlite3", patience=5.0)
    assert (tmp_path / "c.sqlite3-wal").stat().st_size == 0
    reader.close()
