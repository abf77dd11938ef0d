"""Shared fixtures: every store in tmp_path, no network, real models from their packages."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import backend
from assistant.config import Settings
from assistant.models import small_model_path
from assistant.service import Assistant, build_assistant, stay_offline

from .postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

stay_offline()
backend.ensure()  # the llama.cpp CPU variant, for this process and every server it starts


def _is_loopback(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Fails any connection or name lookup that would leave this machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[str] = []
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo

        def allowed(sock: socket.socket, address: object) -> bool:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return True
            host = str(address[0]) if isinstance(address, tuple) else str(address)
            if _is_loopback(host):
                return True
            self.attempts.append(host)
            return False

        def connect(sock: socket.socket, address: object) -> None:
            if not allowed(sock, address):
                raise ConnectionRefusedError(f"outbound connection blocked in tests: {address}")
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: object) -> int:
            if not allowed(sock, address):
                raise ConnectionRefusedError(f"outbound connection blocked in tests: {address}")
            return real_connect_ex(sock, address)

        def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
            if host is not None and not _is_loopback(str(host)) and str(host) != "":
                self.attempts.append(str(host))
                raise socket.gaierror(f"name lookup blocked in tests: {host}")
            return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


GUARD = Path(__file__).resolve().parent / "guard"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[NetworkGuard]:
    """Every test runs offline, and so does every Python process it starts (tests/guard is on
    their PYTHONPATH); one that tried to reach out fails even if the error was eaten."""
    guard = NetworkGuard(monkeypatch)
    log = tmp_path / "outbound.log"
    monkeypatch.setenv("REFLECT_NET_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(GUARD), str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    yield guard
    assert not guard.attempts, f"tried to reach the network: {guard.attempts}"
    children = log.read_text() if log.exists() else ""
    assert not children, f"a child process tried to reach the network: {children}"


@pytest.fixture(autouse=True)
def private_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(tmp_path / "vectorstore"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def small_model() -> Path:
    return small_model_path()


def make_settings(store: Path, cache: Path, model: Path, **extra: object) -> Settings:
    given: dict = {"corpus_dir": CORPUS, "data_dir": store.parent / "data", "n_ctx": 2048,
                   "max_answer_tokens": 60, "temperature": 0.0, "care_second_reader": False,
                   "concept_map": False,  # made once, for the shared index, and where tested
                   **extra}
    return Settings(store_dir=store, cache_dir=cache, model_path=model, **given)


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path, small_model: Path) -> Settings:
    return make_settings(tmp_path / "vectorstore", model_cache, small_model)


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory, model_cache: Path,
                 small_model: Path) -> Path:
    """The real corpus, indexed once with the real embeddings, copied per test that needs it."""
    store = tmp_path_factory.mktemp("shared") / "vectorstore"
    build_assistant(make_settings(store, model_cache, small_model, concept_map=True)).ingest()
    return store


@pytest.fixture
def assistant(tmp_path: Path, shared_index: Path, model_cache: Path,
              small_model: Path) -> Assistant:
    """The real assistant on SmolLM2 over a private copy of the indexed essays."""
    store = tmp_path / "vectorstore"
    shutil.copytree(shared_index, store)
    return build_assistant(make_settings(store, model_cache, small_model))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run (a fresh database per test)."""
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_at(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a store is kept, once per backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "store.sqlite3"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.fresh()
