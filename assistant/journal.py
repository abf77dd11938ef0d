"""The person's journal: saved invitation closings, in a local SQLite file they can export and
delete. Nothing else is stored."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .errors import StorageError
from .history import compact


@dataclass(frozen=True)
class Entry:
    id: int
    created: float
    title: str
    essay: str
    text: str


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")
            db.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, "
                       "created REAL, title TEXT, essay TEXT, text TEXT)")
            columns = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
            if "owner" not in columns:
                db.execute("ALTER TABLE entries ADD COLUMN owner TEXT NOT NULL DEFAULT 'local'")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StorageError(
                f"Your journal at {self.path} cannot be read ({exc}). It was left exactly as "
                "it is; move it aside to start a new one."
            ) from exc
        return db

    def save(self, title: str, essay: str, text: str, owner: str = "local") -> Entry:
        now = time.time()
        with closing(self._connect()) as db, db:
            cursor = db.execute("INSERT INTO entries (created, title, essay, text, owner) "
                                "VALUES (?, ?, ?, ?, ?)", (now, title, essay, text, owner))
        return Entry(int(cursor.lastrowid or 0), now, title, essay, text)

    def entries(self, owner: str = "local") -> list[Entry]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, created, title, essay, text FROM entries "
                              "WHERE owner = ? ORDER BY created", (owner,)).fetchall()
        return [Entry(*row) for row in rows]

    def export_markdown(self, owner: str = "local") -> str:
        parts = ["# My reflection journal", ""]
        for entry in self.entries(owner):
            day = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.created))
            parts += [f"## {entry.title}", f"*{entry.essay} · {day}*", "", entry.text, ""]
        return "\n".join(parts)

    def delete_owner(self, owner: str) -> None:
        """Remove one person's entries and rewrite the file so their words are gone."""
        if not self.path.exists():
            return
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM entries WHERE owner = ?", (owner,))
        compact(self.path)

    def delete_all(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
