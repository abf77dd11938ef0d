"""The persistent passage index: the only module that knows chromadb and langchain-chroma."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .corpus import Passage
from .errors import IndexCorruptError, IndexNotBuiltError

log = logging.getLogger(__name__)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
BATCH = 64


@dataclass(frozen=True)
class SyncReport:
    added: int
    kept: int
    removed: int
    seconds: float


class PassageIndex:
    """Passages and their embeddings in a persistent Chroma collection, keyed by content hash."""

    def __init__(self, store_dir: Path, collection: str, embeddings: Embeddings,
                 embedding_name: str = "all-MiniLM-L6-v2", server: str | None = None,
                 token: str | None = None) -> None:
        self.server = server
        self.token = token
        self.store_dir = store_dir
        self.collection = collection
        self.embeddings = embeddings
        self.embedding_name = embedding_name
        self._store: Any = None

    def _chroma(self, create: bool) -> Any:
        if self._store is not None:
            return self._store
        if self.server:
            return self._remote(create)
        if self.store_dir.exists() and not self.store_dir.is_dir():
            raise IndexCorruptError(f"{self.store_dir} is a file, not an index folder. Move it "
                                    "away, then run `reflect ingest`.")
        if not create and not (self.store_dir / "chroma.sqlite3").is_file():
            raise IndexNotBuiltError(
                f"No index at {self.store_dir}. Build it with `reflect ingest` "
                "(or `make run`, which builds it when it is missing)."
            )
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from chromadb.errors import ChromaError
        from langchain_chroma import Chroma

        self.store_dir.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(
                path=str(self.store_dir),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
            )
            names = {c.name for c in client.list_collections()}
        except ChromaError as exc:
            raise IndexCorruptError(
                f"The index at {self.store_dir} cannot be read ({exc}). It is built from the "
                "corpus, which is untouched: delete that folder and run `reflect ingest`."
            ) from exc
        if not create and self.collection not in names:
            raise IndexNotBuiltError(
                f"The index at {self.store_dir} has no collection {self.collection!r}. "
                "Build it with `reflect ingest`."
            )
        self._store = Chroma(
            collection_name=self.collection,
            embedding_function=self.embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine", "embedding": self.embedding_name},
        )
        return self._store

    def _remote(self, create: bool) -> Any:
        """The same collection on a Chroma server (`chroma run`), reached over HTTP."""
        from urllib.parse import urlparse

        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from chromadb.errors import ChromaError
        from langchain_chroma import Chroma

        assert self.server is not None
        url = urlparse(self.server)
        try:
            settings = ChromaSettings(anonymized_telemetry=False)
            if self.token:  # a bearer token, for the proxy that guards the server
                settings.chroma_client_auth_provider = (
                    "chromadb.auth.token_authn.TokenAuthClientProvider")
                settings.chroma_client_auth_credentials = self.token
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000,
                ssl=url.scheme == "https", settings=settings)
            names = {c.name for c in client.list_collections()}
        except (ValueError, ChromaError) as exc:  # ValueError: "Could not connect to…"
            if self._refused():
                raise IndexNotBuiltError(
                    f"The Chroma server at {self.server} refused this client: set "
                    "ASSISTANT_CHROMA_TOKEN to the token it expects.") from exc
            raise IndexNotBuiltError(f"Cannot reach the Chroma server at {self.server} "
                                     f"({exc.__class__.__name__}). Is `chroma run` up?") from exc
        if not create and self.collection not in names:
            raise IndexNotBuiltError(f"The Chroma server at {self.server} has no collection "
                                     f"{self.collection!r}. Build it with `reflect ingest`.")
        self._store = Chroma(
            collection_name=self.collection, embedding_function=self.embeddings, client=client,
            collection_metadata={"hnsw:space": "cosine", "embedding": self.embedding_name},
        )
        return self._store

    def _refused(self) -> bool:
        """Whether the server (or the proxy in front of it) answered, and said no to us."""
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            answer = httpx.get(f"{self.server}/api/v2/heartbeat", headers=headers, timeout=5)
        except httpx.HTTPError:
            return False
        return answer.status_code in (401, 403)

    def _ids(self) -> set[str]:
        return set(self._chroma(create=True).get(include=[])["ids"])

    @contextmanager
    def writing(self, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
        """One writer at a time across processes (the page's rebuild, `reflect ingest`): a
        lock file beside the index, naming who holds it; the second one waits and says so."""
        if self.server:
            yield
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        with (self.store_dir / ".ingest.lock").open("a+", encoding="utf-8") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                (waiting or log.warning)(f"Waiting: {holder} is writing the index at "
                                         f"{self.store_dir}.")
                fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} ({Path(sys.argv[0]).name} "
                     f"{' '.join(sys.argv[1:2])}) since {time.strftime('%H:%M:%S')}\n")
            fh.flush()
            try:
                self._store = None  # read what the last writer left, not a cached view
                yield
            finally:
                fh.truncate(0)
                fcntl.flock(fh, fcntl.LOCK_UN)

    def sync(self, passages: list[Passage], progress: bool = False,
             waiting: Callable[[str], None] | None = None) -> SyncReport:
        """Make the index hold exactly `passages`: add the new, remove the gone, keep the rest."""
        with self.writing(waiting):
            return self.sync_held(passages, progress)

    def sync_held(self, passages: list[Passage], progress: bool = False) -> SyncReport:
        """`sync` for a caller that holds `writing()` for more than the sync."""
        from tqdm import tqdm

        start = time.perf_counter()
        store = self._chroma(create=True)
        existing = self._ids()
        wanted = {p.id: p for p in passages}
        new = [p for pid, p in wanted.items() if pid not in existing]
        gone = sorted(existing - wanted.keys())
        with tqdm(total=len(new), desc="Embedding passages", unit="passage",
                  disable=not progress or not new) as bar:
            for batch in _batches(new, BATCH):
                store.add_texts(
                    texts=[p.text for p in batch],
                    metadatas=[p.metadata() for p in batch],
                    ids=[p.id for p in batch],
                )
                bar.update(len(batch))
        for ids in _batches(gone, BATCH):
            store.delete(ids=ids)
        return SyncReport(len(new), len(wanted) - len(new), len(gone),
                          time.perf_counter() - start)

    def passages(self) -> list[Passage]:
        """Every indexed passage, in essay order."""
        got = self._chroma(create=False).get(include=["documents", "metadatas"])
        found = [_passage(pid, text, meta)
                 for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"],
                                            strict=True)]
        return sorted(found, key=lambda p: (p.source, p.position))

    def count(self) -> int:
        return len(self._chroma(create=False).get(include=[])["ids"])

    def vector_search(self, vector: list[float], k: int) -> list[Passage]:
        """The `k` passages nearest to `vector`, each scored by cosine similarity."""
        store = self._chroma(create=False)
        hits = store.similarity_search_by_vector_with_relevance_scores(vector, k=k)
        return [_passage(doc.id, doc.page_content, doc.metadata, score=1.0 - distance)
                for doc, distance in hits]


def _passage(pid: str, text: str, meta: Any, score: float = 0.0) -> Passage:
    return Passage(
        id=pid, essay=str(meta.get("essay", "")), section=str(meta.get("section", "")),
        kind=str(meta.get("kind", "prose")), text=text, source=str(meta.get("source", "")),
        position=int(meta.get("position", 0)), score=score,
        flagged=str(meta.get("flagged", "")),
    )


def _batches(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
