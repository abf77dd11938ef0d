"""The stores on both backends: a SQLite file, and a real PostgreSQL server started for the run.
Nothing lost, nothing crossed between people, with replicas writing at once or killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import StorageError
from assistant.history import ConversationStore
from assistant.journal import Journal

from .postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent


def test_conversations_survive_a_new_store_and_stay_with_their_owner(
        store_at: Path | str) -> None:
    store = ConversationStore(store_at)
    mine = store.create("ana", "My sister and me")
    store.append(mine, "ana", "user", "My sister never calls.", {"mode": "reflect"})
    store.append(mine, "ana", "assistant", "It sounds lonely.", {"route": "listen"})
    theirs = store.create("ben", "Work")
    store.append(theirs, "ben", "user", "My boss ignores me.")

    reopened = ConversationStore(store_at)  # as after a restart
    assert [c.title for c in reopened.summaries("ana")] == ["My sister and me"]
    assert [(c.title, c.messages) for c in reopened.summaries("ben")] == [("Work", 1)]
    stored = reopened.messages(mine, "ana")
    assert [m.content for m in stored] == ["My sister never calls.", "It sounds lonely."]
    assert stored[1].meta == {"route": "listen"}
    assert reopened.messages(mine, "ben") == [] and reopened.title(mine, "ben") == ""
    with pytest.raises(StorageError, match="not yours"):
        reopened.append(mine, "ben", "user", "let me in")
    assert reopened.delete(mine, "ben") is False
    assert len(reopened.messages(mine, "ana")) == 2
    assert "**You**:\n\nMy sister never calls." in reopened.export_markdown(mine, "ana")
    reopened.delete_owner("ana")
    assert reopened.summaries("ana") == [] and len(reopened.summaries("ben")) == 1


def test_the_last_turn_taken_back_on_both_backends(store_at: Path | str) -> None:
    """Undo and Retry on the page: the last message and its reply go, for their owner only."""
    from assistant.conversation import Conversation

    store = ConversationStore(store_at)
    conversation = store.create("ana", "first")
    for role, text in [("user", "one"), ("assistant", "reply one"), ("user", "two"),
                       ("assistant", "reply two")]:
        store.append(conversation, "ana", role, text)
    assert store.take_back(conversation, "ben") is None  # not his
    assert store.take_back(conversation, "ana") == "two"
    assert [m.content for m in store.messages(conversation, "ana")] == ["one", "reply one"]
    store.append(conversation, "ana", "user", "three")  # stopped before any reply
    assert store.take_back(conversation, "ana") == "three"
    assert store.take_back(conversation, "ana") == "one"
    assert store.take_back(conversation, "ana") is None and not store.messages(conversation,
                                                                                 "ana")
    held = Conversation(listen_history=[{"role": "user", "content": "one"},
                                        {"role": "assistant", "content": "reply one"}])
    key = held.key
    held.take_back("one")
    assert held.listen_history == [] and held.key != key  # the model's memory of it dropped


def test_journals_on_both_backends(store_at: Path | str) -> None:
    journal = Journal(store_at)
    assert journal.entries("ana") == []
    first = journal.save("Hand", "Essay", "What I keep.", owner="ana")
    journal.save("Breath", "Essay", "Ben's own.", owner="ben")
    second = journal.save("Feet", "Essay", "And this.", owner="ana")
    assert second.id > first.id
    assert [e.text for e in Journal(store_at).entries("ana")] == ["What I keep.", "And this."]
    assert "## Hand" in journal.export_markdown("ana") and "Ben" not in journal.export_markdown(
        "ana")
    journal.delete_owner("ana")
    assert journal.entries("ana") == [] and [e.text for e in journal.entries("ben")] == [
        "Ben's own."]


WRITER = """
import sys
from assistant.history import ConversationStore
store = ConversationStore(sys.argv[1])
owner, count = sys.argv[2], int(sys.argv[3])
conversation = store.create(owner, "durability")
print(conversation, flush=True)
n = 0
while count == 0 or n < count:
    n += 1
    store.append(conversation, owner, "user", f"{owner} message {n}")
    print(n, flush=True)
"""


def writer(where: Path | str, owner: str, count: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(where), owner, str(count)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)


def test_a_replica_killed_mid_write_loses_at_most_the_message_in_flight(
        store_at: Path | str) -> None:
    process = writer(store_at, "ana")
    assert process.stdout is not None
    conversation = process.stdout.readline().strip()
    committed = 0
    while committed < 40:
        committed = int(process.stdout.readline())
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    kept = ConversationStore(store_at).messages(conversation, "ana")
    assert len(kept) >= committed
    assert [m.content for m in kept] == [f"ana message {i}" for i in range(1, len(kept) + 1)]


def test_two_replicas_writing_at_once_lose_and_cross_nothing(store_at: Path | str) -> None:
    people = {"ana": 150, "ben": 150}
    processes = {owner: writer(store_at, owner, n) for owner, n in people.items()}
    conversations = {}
    for owner, process in processes.items():
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        conversations[owner] = out.split()[0]
    store = ConversationStore(store_at)
    for owner, n in people.items():
        other = next(o for o in people if o != owner)
        kept = store.messages(conversations[owner], owner)
        assert [m.content for m in kept] == [f"{owner} message {i}" for i in range(1, n + 1)]
        assert store.messages(conversations[owner], other) == []
        assert [s.messages for s in store.summaries(owner)] == [n]


def test_deleted_words_leave_the_postgres_tables(postgres: PostgresServer) -> None:
    url = postgres.fresh()
    store, journal = ConversationStore(url), Journal(url)
    secret, kept = "pomegranate-sunrise-harbour", "ben-keeps-this-line"
    mine = store.create("ana", "secret")
    for i in range(20):
        store.append(mine, "ana", "user", f"{secret} {i}")
    journal.save("Hand", "Essay", f"my words: {secret}", owner="ana")
    store.append(store.create("ben", "his"), "ben", "user", kept)
    postgres.checkpoint()

    def table_files_with(needle: str) -> list[Path]:
        return [p for p in (postgres.data / "base").rglob("*")
                if p.is_file() and needle.encode() in p.read_bytes()]

    assert table_files_with(secret)
    store.delete_owner("ana")
    journal.delete_owner("ana")
    postgres.checkpoint()
    assert table_files_with(secret) == []  # rewritten, not only marked dead
    assert table_files_with(kept)


def test_a_server_that_is_down_is_a_clear_error_and_loses_nothing(
        postgres: PostgresServer) -> None:
    url = postgres.fresh()
    store = ConversationStore(url)
    conversation = store.create("ana", "kept")
    store.append(conversation, "ana", "user", "before the outage")
    postgres.kill()
    try:
        with pytest.raises(StorageError, match="cannot be reached.*ASSISTANT_DATABASE_URL"):
            store.append(conversation, "ana", "user", "during the outage")
    finally:
        postgres.start()
    store.append(conversation, "ana", "user", "after the outage")
    assert [m.content for m in store.messages(conversation, "ana")] == [
        "before the outage", "after the outage"]


def test_the_database_url_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).conversations_at() == tmp_path / "conversations.sqlite3"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql://reflect@/reflect?host=/run/pg")
    assert Settings().conversations_at() == Settings().journal_at() == (
        "postgresql://reflect@/reflect?host=/run/pg")
    for bad, why in [("mysql://a@b/c", "names mysql"),
                     ("postgresql://a:pw@db.example.org/c", "without sslmode=require")]:
        monkeypatch.setenv("ASSISTANT_DATABASE_URL", bad)
        with pytest.raises(ValueError, match=why):
            Settings()
    monkeypatch.setenv("ASSISTANT_DATABASE_URL",
                       "postgresql://a:pw@db.example.org/c?sslmode=verify-full")
    assert Settings().database_url


def test_an_old_journal_file_gains_its_owner_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:  # as the first versions made it
        db.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, created REAL, title TEXT, "
                   "essay TEXT, text TEXT)")
        db.execute("INSERT INTO entries VALUES (1, 1.0, 'Hand', 'Essay', 'old words')")
    assert [e.text for e in Journal(path).entries()] == ["old words"]


def test_many_people_starting_at_once_on_a_new_store(store_at: Path | str) -> None:
    """Eight threads making their first conversation on a store nobody has used yet: the
    tables are made once, and every conversation is kept (the page serves people at once)."""
    import threading

    store = ConversationStore(store_at)
    made: dict[str, str] = {}
    errors: list[BaseException] = []

    def first_turn(who: str) -> None:
        try:
            conversation = store.create(who, "first")
            store.append(conversation, who, "user", f"{who} says hello")
            made[who] = conversation
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_turn, args=(f"p{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(made) == 8
    for who, conversation in made.items():
        assert [m.content for m in store.messages(conversation, who)] == [f"{who} says hello"]
