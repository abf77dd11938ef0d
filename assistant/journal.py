"""The person's journal: saved invitation closings, kept where their conversations are (a local
SQLite file by default) so they can export and delete them. Nothing else is stored."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .storage import Database, entries


@dataclass(frozen=True)
class Entry:
    id: int
    created: float
    title: str
    essay: str
    text: str


class Journal:
    def __init__(self, where: Path | str) -> None:
        """`where`: a SQLite file, or a database URL."""
        self.db = Database(where, "Your journal", (entries,))

    @property
    def path(self) -> Path | None:
        return self.db.path

    def save(self, title: str, essay: str, text: str, owner: str = "local") -> Entry:
        now = time.time()
        with self.db.begin() as db:
            made = db.execute(entries.insert().values(
                created=now, title=title, essay=essay, text=text, owner=owner
            ).returning(entries.c.id)).scalar_one()
        return Entry(int(made), now, title, essay, text)

    def entries(self, owner: str = "local") -> list[Entry]:
        if not self.db.exists():
            return []
        e = entries.c
        with self.db.begin() as db:
            rows = db.execute(sa.select(e.id, e.created, e.title, e.essay, e.text)
                              .where(e.owner == owner).order_by(e.created, e.id)).all()
        return [Entry(*row) for row in rows]

    def export_markdown(self, owner: str = "local") -> str:
        parts = ["# My reflection journal", ""]
        for entry in self.entries(owner):
            day = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.created))
            parts += [f"## {entry.title}", f"*{entry.essay} · {day}*", "", entry.text, ""]
        return "\n".join(parts)

    def delete_owner(self, owner: str) -> None:
        """Remove one person's entries and rewrite the store so their words are gone."""
        if not self.db.exists():
            return
        with self.db.begin() as db:
            db.execute(entries.delete().where(entries.c.owner == owner))
        self.db.compact()

    def delete_all(self) -> None:
        if self.path is None:
            with self.db.begin() as db:
                db.execute(entries.delete())
            self.db.compact()
            return
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
