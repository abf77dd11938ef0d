"""Conversations kept per person, so nothing they wrote is lost.

In a SQLite file on this machine by default, or in PostgreSQL when several replicas share one
store (`ASSISTANT_DATABASE_URL`, see storage.py). Every message is its own committed
transaction, so a killed process loses at most the turn in flight. Deleted text is rewritten out
of the store, so "delete all my data" leaves none of the person's words behind.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .errors import StorageError
from .storage import Database, compact, conversations, messages

__all__ = ["ConversationStore", "Stored", "Summary", "compact"]


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
    def __init__(self, where: Path | str) -> None:
        """`where`: a SQLite file, or a database URL."""
        self.db = Database(where, "Your conversations", (conversations, messages))

    @property
    def path(self) -> Path | None:
        return self.db.path

    def create(self, owner: str, title: str) -> str:
        conversation = uuid.uuid4().hex
        now = time.time()
        with self.db.begin() as db:
            db.execute(conversations.insert().values(
                id=conversation, owner=owner, title=title[:80], created=now, updated=now))
        return conversation

    def append(self, conversation: str, owner: str, role: str, content: str,
               meta: dict[str, Any] | None = None) -> None:
        now = time.time()
        with self.db.begin() as db:
            updated = db.execute(conversations.update().where(
                conversations.c.id == conversation, conversations.c.owner == owner,
            ).values(updated=now)).rowcount
            if not updated:
                raise StorageError("That conversation is not yours, or it was deleted.")
            db.execute(messages.insert().values(conversation=conversation, role=role,
                                                content=content, meta=json.dumps(meta or {}),
                                                created=now))

    def summaries(self, owner: str) -> list[Summary]:
        if not self.db.exists():
            return []
        c, m = conversations.c, messages.c
        query = (sa.select(c.id, c.title, c.updated, sa.func.count(m.id))
                 .select_from(conversations.outerjoin(messages, m.conversation == c.id))
                 .where(c.owner == owner).group_by(c.id, c.title, c.updated)
                 .order_by(c.updated.desc()))
        with self.db.begin() as db:
            rows = db.execute(query).all()
        return [Summary(*row) for row in rows]

    def messages(self, conversation: str, owner: str) -> list[Stored]:
        c, m = conversations.c, messages.c
        query = (sa.select(m.role, m.content, m.meta)
                 .select_from(messages.join(conversations, c.id == m.conversation))
                 .where(c.id == conversation, c.owner == owner).order_by(m.id))
        with self.db.begin() as db:
            rows = db.execute(query).all()
        return [Stored(role, content, json.loads(meta)) for role, content, meta in rows]

    def take_back(self, conversation: str, owner: str) -> str | None:
        """Delete the last message the person sent and everything after it (the reply); their
        words, or None when there is nothing of theirs to take back."""
        c, m = conversations.c, messages.c
        with self.db.begin() as db:
            owned = db.execute(sa.select(c.id).where(
                c.id == conversation, c.owner == owner).with_for_update()).scalar()
            if not owned:
                return None
            last = db.execute(sa.select(m.id, m.content).where(
                m.conversation == conversation, m.role == "user").order_by(m.id.desc())
                .limit(1)).first()
            if last is None:
                return None
            db.execute(messages.delete().where(m.conversation == conversation, m.id >= last.id))
        self.db.compact()  # the words leave the file, as after a deletion
        return str(last.content)

    def title(self, conversation: str, owner: str) -> str:
        c = conversations.c
        with self.db.begin() as db:
            title = db.execute(sa.select(c.title).where(
                c.id == conversation, c.owner == owner)).scalar()
        return str(title) if title is not None else ""

    def delete(self, conversation: str, owner: str) -> bool:
        """Delete one of `owner`'s conversations; False (and nothing touched) if not theirs."""
        c = conversations.c
        with self.db.begin() as db:
            owned = db.execute(sa.select(c.id).where(
                c.id == conversation, c.owner == owner).with_for_update()).scalar()
            if owned:
                db.execute(messages.delete().where(messages.c.conversation == conversation))
                db.execute(conversations.delete().where(c.id == conversation))
        self.db.compact()
        return bool(owned)

    def delete_owner(self, owner: str) -> None:
        theirs = sa.select(conversations.c.id).where(conversations.c.owner == owner)
        with self.db.begin() as db:
            db.execute(messages.delete().where(messages.c.conversation.in_(theirs)))
            db.execute(conversations.delete().where(conversations.c.owner == owner))
        self.db.compact()

    def export_markdown(self, conversation: str, owner: str) -> str:
        lines = [f"# {self.title(conversation, owner) or 'Conversation'}", ""]
        for message in self.messages(conversation, owner):
            who = "**You**" if message.role == "user" else "**Reflect**"
            lines += [f"{who}:", "", message.content, ""]
        return "\n".join(lines)
