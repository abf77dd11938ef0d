"""A real PostgreSQL server for the tests, started from Debian's `postgresql` package in a
temporary folder: reachable only through a Unix socket there, gone when the tests end."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool


def _bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's "
                           "postgresql package; or run `apt-get install postgresql`.")
    return Path(versions[-1]).parent


class PostgresServer:
    def __init__(self) -> None:
        self.bin = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="reflect-pg-"))
        self.data, self.socket = self.root / "data", self.root / "run"
        self.socket.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "reflect", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.root / "log"),
                  "-o", f"-k {self.socket} -c listen_addresses='' -c fsync=on", "start")
        self.admin = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT",
                                      poolclass=NullPool)  # fresh after a restart

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True,
                       capture_output=True, cwd=self.root)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://reflect@/{database}?host={self.socket}"

    def fresh(self) -> str:
        """A new, empty database: its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
        return self.url(name)

    def checkpoint(self) -> None:
        """Write what is in the server's memory to the table files."""
        with self.admin.connect() as connection:
            connection.execute(sa.text("CHECKPOINT"))

    def kill(self) -> None:
        """Stop as a crash would: no shutdown checkpoint."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.root / "log"),
                  "-o", f"-k {self.socket} -c listen_addresses=''", "start")

    def stop(self) -> None:
        self.admin.dispose()
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                        "fast", "stop"], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
