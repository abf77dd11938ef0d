"""Where conversations and journal entries are kept: a SQLite file on this machine by default,
or a PostgreSQL server shared by several replicas (`ASSISTANT_DATABASE_URL`).

SQLAlchemy speaks both dialects; the tables are declared once here. A SQLite file is opened per
operation (WAL, synchronous=FULL, secure_delete) and compacted after a deletion, so deleted words
leave the file. PostgreSQL rewrites the tables after a deletion (VACUUM FULL) for the same reason;
its write-ahead log and any backups still hold them until the server recycles them, which is the
server's keeper's to set (see docs/deploy.md).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from .errors import StorageError

metadata = sa.MetaData()

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Index("conversations_by_owner", "owner", "updated"),
)
messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("conversation", sa.Text, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Index("messages_by_conversation", "conversation", "id"),
)
entries = sa.Table(
    "entries", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("created", sa.Float),
    sa.Column("title", sa.Text),
    sa.Column("essay", sa.Text),
    sa.Column("text", sa.Text),
    sa.Column("owner", sa.Text, nullable=False, server_default="local"),
    sa.Index("entries_by_owner", "owner", "created"),
)


def database_url(where: Path | str) -> URL:
    """A file path is a SQLite file; anything with `://` is a database URL."""
    if isinstance(where, str) and "://" in where:
        url = make_url(where)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    return URL.create("sqlite", database=str(Path(where)))


def shown(url: URL) -> str:
    """The URL as it may appear in a message: never the password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


_engines: dict[str, Engine] = {}
_made: set[str] = set()
_lock = threading.Lock()


def engine_for(url: URL) -> Engine:
    key = url.render_as_string(hide_password=False)
    with _lock:
        if key not in _engines:
            if url.get_backend_name() == "sqlite":
                engine = sa.create_engine(url, poolclass=NullPool,
                                          connect_args={"timeout": 30})
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = sa.create_engine(url, pool_pre_ping=True, pool_size=4,
                                          max_overflow=4, connect_args={"connect_timeout": 10})
            _engines[key] = engine
        return _engines[key]


def _sqlite_pragmas(connection: object, _record: object) -> None:
    import sqlite3

    cursor = connection.cursor()  # type: ignore[attr-defined]
    for pragma in ("synchronous=FULL", "secure_delete=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    # WAL is kept in the file once set; setting it needs the file to itself, which a second
    # process opening a new store at the same moment does not wait for: read first, retry.
    deadline = time.monotonic() + 10
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    cursor.close()


class Database:
    """One store's way in: `with db.begin() as c:` is one committed transaction."""

    def __init__(self, where: Path | str, what: str, tables: tuple[sa.Table, ...]) -> None:
        self.url = database_url(where)
        self.tables = tables
        self.what = what  # "Your conversations", "Your journal": for error messages
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(str(self.url.database)) if self.sqlite else None

    def exists(self) -> bool:
        return not self.sqlite or bool(self.path and self.path.exists())

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = engine_for(self.url)
            self._make(engine)
            with engine.begin() as connection:
                yield connection
        except sa.exc.OperationalError as exc:
            if self.sqlite:
                raise self._unreadable(exc) from exc
            raise StorageError(
                f"{self.what} are kept at {shown(self.url)}, which cannot be reached "
                f"({_first_line(exc)}). Nothing was changed; start the database server or "
                "correct ASSISTANT_DATABASE_URL.") from exc
        except sa.exc.DatabaseError as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> StorageError:
        return StorageError(
            f"{self.what} at {shown(self.url)} cannot be read ({_first_line(exc)}). It was left "
            "exactly as it is; move it aside to start afresh.")

    def _make(self, engine: Engine) -> None:
        """The tables: made if missing (a SQLite file may have been moved aside since), once per
        process on a server, where replicas starting together take turns."""
        key = " ".join([engine.url.render_as_string(hide_password=False),
                        *(t.name for t in self.tables)])
        if key in _made:
            return
        with _lock:  # threads of one process take turns; processes, below
            try:
                with engine.begin() as connection:
                    if not self.sqlite:
                        connection.execute(sa.text("SELECT pg_advisory_xact_lock(7301)"))
                    _upgrade(connection)
                    metadata.create_all(connection, tables=list(self.tables))
            except sa.exc.OperationalError as exc:
                if "already exists" not in str(exc):  # another process made it first
                    raise
        if not self.sqlite:
            _made.add(key)

    def compact(self) -> None:
        """After a deletion: rewrite the tables so the deleted words are gone from the files."""
        if self.path is not None:
            if self.path.exists():
                compact(self.path)
            return
        engine = engine_for(self.url)
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                for table in self.tables:
                    connection.execute(sa.text(f"VACUUM FULL {table.name}"))
        except sa.exc.DBAPIError as exc:
            raise StorageError(
                f"Deleted, but the tables at {shown(self.url)} could not be rewritten "
                f"({_first_line(exc)}), so the deleted words may still be in the database's "
                "files. Delete again, or run VACUUM FULL there.") from exc


def _upgrade(connection: Connection) -> None:
    """Bring a store made by an older version up to these tables (journals before names)."""
    inspector = sa.inspect(connection)
    if "entries" in inspector.get_table_names():
        columns = {c["name"] for c in inspector.get_columns("entries")}
        if "owner" not in columns:
            connection.execute(sa.text(
                "ALTER TABLE entries ADD COLUMN owner TEXT NOT NULL DEFAULT 'local'"))


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return re.sub(r"password=\S+", "password=***", text[0] if text else type(exc).__name__)


def compact(path: Path, patience: float = 5.0) -> None:
    """Fold the write-ahead log in and rewrite the file, so deleted words are gone from both.
    A checkpoint that another reader keeps busy is tried again; one that stays busy is an
    error, not silence: the words would still be in the -wal file."""
    import sqlite3

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
