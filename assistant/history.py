"""Conversations kept on this machine, per person, so nothing they wrote is lost.

One SQLite file; every message is its own committed transaction (WAL, synchronous=FULL), so a
kill -9 loses at most the turn in flight. Deleted text is overwritten (secure_delete) and the
file is compacted, so "delete all my data" leaves none of the person's words behind.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StorageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, conversation TEXT NOT NULL REFERENCES conversations(id),
    role TEXT NOT NULL, content TEXT NOT NULL, meta TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation, id);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations(owner, updated);
"""


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    updated: float
    messages: int


@dataclass(frozen=True)
class Stored:
    role: str
    content: str
    meta: dict[str, Any]


class ConversationStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA secure_delete=ON")
                db.executescript(SCHEMA)
                with db:
                    yield db
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                f"Your conversations at {self.path} cannot be read ({exc}). The file was left "
                "as it is; move it aside to start afresh."
            ) from exc

    def create(self, owner: str, title: str) -> str:
        conversation = uuid.uuid4().hex
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                       (conversation, owner, title[:80], now, now))
        return conversation

    def append(self, conversation: str, owner: str, role: str, content: str,
               meta: dict[str, Any] | None = None) -> None:
        now = time.time()
        with self._db() as db:
            updated = db.execute("UPDATE conversations SET updated = ? WHERE id = ? AND owner = ?",
                                 (now, conversation, owner)).rowcount
            if not updated:
                raise StorageError("That conversation is not yours, or it was deleted.")
            db.execute("INSERT INTO messages (conversation, role, content, meta, created) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (conversation, role, content, json.dumps(meta or {}), now))

    def summaries(self, owner: str) -> list[Summary]:
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(m.id) FROM conversations c "
                "LEFT JOIN messages m ON m.conversation = c.id WHERE c.owner = ? "
                "GROUP BY c.id ORDER BY c.updated DESC", (owner,)).fetchall()
        return [Summary(*row) for row in rows]

    def messages(self, conversation: str, owner: str) -> list[Stored]:
        with self._db() as db:
            rows = db.execute(
                "SELECT m.role, m.content, m.meta FROM messages m JOIN conversations c "
                "ON c.id = m.conversation WHERE c.id = ? AND c.owner = ? ORDER BY m.id",
                (conversation, owner)).fetchall()
        return [Stored(role, content, json.loads(meta)) for role, content, meta in rows]

    def title(self, conversation: str, owner: str) -> str:
        with self._db() as db:
            row = db.execute("SELECT title FROM conversations WHERE id = ? AND owner = ?",
                             (conversation, owner)).fetchone()
        return str(row[0]) if row else ""

    def delete(self, conversation: str, owner: str) -> bool:
        """Delete one of `owner`'s conversations; False (and nothing touched) if not theirs."""
        with self._db() as db:
            owned = db.execute("SELECT 1 FROM conversations WHERE id = ? AND owner = ?",
                               (conversation, owner)).fetchone()
            if owned:
                db.execute("DELETE FROM messages WHERE conversation = ?", (conversation,))
                db.execute("DELETE FROM conversations WHERE id = ?", (conversation,))
        self._compact()
        return bool(owned)

    def delete_owner(self, owner: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM messages WHERE conversation IN "
                       "(SELECT id FROM conversations WHERE owner = ?)", (owner,))
            db.execute("DELETE FROM conversations WHERE owner = ?", (owner,))
        self._compact()

    def _compact(self) -> None:
        compact(self.path)

    def export_markdown(self, conversation: str, owner: str) -> str:
        lines = [f"# {self.title(conversation, owner) or 'Conversation'}", ""]
        for message in self.messages(conversation, owner):
            who = "**You**" if message.role == "user" else "**Reflect**"
            lines += [f"{who}:", "", message.content, ""]
        return "\n".join(lines)


def compact(path: Path, patience: float = 5.0) -> None:
    """Fold the write-ahead log in and rewrite the file, so deleted words are gone from both.
    A checkpoint that another reader keeps busy is tried again; one that stays busy is an
    error, not silence: the words would still be in the -wal file."""
    deadline = time.monotonic() + patience
    with closing(sqlite3.connect(path, timeout=30)) as db:
        for step in ("checkpoint", "VACUUM", "checkpoint"):
            if step == "VACUUM":
                db.execute("VACUUM")
                continue
            while (busy := db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]):
                if time.monotonic() > deadline:
                    raise StorageError(
                        f"Deleted, but another program is reading {path.name} and holds its "
                        "log open, so the deleted words are still in its -wal file. Close it "
                        "(or stop the other replica) and delete again.")
                time.sleep(0.05 * busy)
