"""One typed Settings for the whole assistant; every field can be set as ASSISTANT_<NAME>."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def listed(value: str) -> tuple[str, ...]:
    """A comma-separated setting as its items, blanks dropped."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "reflect"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reflect"


def physical_cores() -> int:
    """Cores this process may run on, counting a core's hyperthreads once (llama.cpp is
    fastest with one thread per physical core)."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(
        range(os.cpu_count() or 1))
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(((topology / "physical_package_id").read_text().strip(),
                       (topology / "core_id").read_text().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    return max(1, len(cores))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of essays to index.")
    store_dir: Path = Field(Path("vectorstore"), description="Where the Chroma index is persisted.")
    collection: str = Field("essays", description="Name of the Chroma collection.")
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Where the assembled chat model and converted embedding model are kept.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the person's journal is kept (and nothing else of theirs).",
    )
    database_url: str | None = Field(
        None, description="A PostgreSQL server for conversations and journals, shared by "
        "several replicas (postgresql://user@host/db; sslmode=require off this machine). "
        "Unset: SQLite files in the data folder.",
    )
    model_path: Path | None = Field(
        None, description="A GGUF chat model; unset means the shipped Qwen2.5 1.5B."
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port) instead of the embedded index."
    )
    openai_base_url: str | None = Field(
        None, description="An OpenAI-compatible server (llama.cpp, vLLM, Ollama), e.g. "
        "http://127.0.0.1:8080/v1, instead of the embedded model.",
    )
    openai_model: str = Field("local", description="The model name to ask that server for.")
    openai_api_key: str | None = Field(None, description="Its API key, if it wants one.")
    chroma_token: str | None = Field(
        None, description="Sent as `Authorization: Bearer <token>` to the Chroma server (or "
        "the proxy in front of it, since Chroma 1.x's server checks none itself).",
    )
    model_sha256: str = Field(
        "", description="sha256 hashes (comma-separated) a configured chat model must match; "
        "with none, a configured model is used unverified (the shipped one always is checked).",
    )
    embedding_model_path: Path | None = Field(
        None, description="A GGUF embedding model; unset means the shipped all-MiniLM-L6-v2."
    )
    n_ctx: int = Field(8192, description="Context window of the chat model, in tokens.")
    n_threads: int = Field(
        default_factory=physical_cores,
        description="CPU threads for the models; unset = one per physical core.",
    )
    temperature: float = Field(0.2, description="Sampling temperature for answers.")
    seed: int = Field(7, description="Sampling seed, so runs repeat.")
    max_answer_tokens: int = Field(400, description="Longest answer, in tokens.")
    top_k: int = Field(3, description="Passages given to the model for one answer.")
    min_relevance: float = Field(
        0.33,
        description="Below this cosine similarity of the best passage (and with no keyword "
        "match) the essays are taken not to speak to the question.",
    )
    regenerations: int = Field(
        2, description="Fresh drafts tried when a listening reply fixes, before the safe reply."
    )
    corpus_in_context_chars: int = Field(
        16000, description="A corpus up to this size sits whole in the model's context as a "
        "cached prefix (fast follow-ups); a larger one is sent passage by passage. 0 = never.",
    )
    excerpt_chars: int = Field(
        800, description="When the corpus is sent passage by passage: characters of them the "
        "model reads for one answer, the sentences nearest the question (0 = whole passages).",
    )
    chunk_size: int = Field(700, description="Longest passage, in characters.")
    chunk_overlap: int = Field(80, description="Characters shared by neighbouring passages.")
    concept_map: bool = Field(True, description="Make the map of the corpus's ideas at ingest "
                              "(the chat model reads each new passage once).")
    concept_map_passages: int = Field(240, ge=1, description="Passages the map reads at most; "
                                      "a larger corpus is mapped from a sample of them.")
    max_message_chars: int = Field(4000, description="Longest message accepted from a person.")
    care_second_reader: bool = Field(
        False, description="Ask the chat model, as a second reader, about messages the care "
        "check's phrases and classifier find ambiguous (about half a second when it does). "
        "Off by default: with the shipped 1.5B model it flags figures of speech too often.",
    )
    care_probe: bool = Field(
        True, description="The care check also reads each message with the shipped chat "
        "model's own hidden state (a probe trained on the Suicide Risk Lexicon; about 0.3 s a "
        "message on 2 cores), not only with the MiniLM sentence vectors.",
    )
    care_channel: bool = Field(
        True, description="Where a message is left unflagged after signs of distress, the care "
        "check also asks how likely the shipped chat model finds its words from a person at "
        "risk against from a person on an ordinary day, and above a cut asks directly (about "
        "2 s when it reads, on 2 cores).",
    )
    crisis_region: str = Field(
        "US", description="Whose crisis resources to show: US, UK or INTERNATIONAL."
    )
    users: str = Field(
        "", description="Who may sign in, as name:hash pairs separated by commas (hashes from "
        "`reflect hash-password`). Required to bind an address other than this machine's.",
    )
    host: str = Field("127.0.0.1", description="Address the web page binds to.")
    allowed_hosts: str = Field(
        "", description="Names people reach the page by, comma-separated (besides localhost "
        "and the bound address): any other Host header is refused, against DNS rebinding.",
    )
    tls_cert: Path | None = Field(None, description="TLS certificate (PEM) for the page; "
                                  "required to serve beyond this machine.")
    tls_key: Path | None = Field(None, description="The TLS certificate's private key (PEM).")
    port: int = Field(7860, description="Port of the web page.")

    @field_validator("crisis_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        from .safety import crisis_regions

        region = value.strip().upper()
        if region not in crisis_regions():
            raise ValueError(f"ASSISTANT_CRISIS_REGION {value!r} is not one of "
                             f"{', '.join(crisis_regions())} (assistant/data/crisis_resources."
                             "toml lists them; add yours there).")
        return region

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        """Conversations cross to this server: SQLite or PostgreSQL, encrypted off this machine."""
        if not value:
            return None
        from sqlalchemy.engine import make_url

        from .auth import is_loopback

        try:
            url = make_url(value)
        except Exception as exc:
            raise ValueError(f"ASSISTANT_DATABASE_URL is not a database URL ({exc}).") from exc
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"ASSISTANT_DATABASE_URL names {backend}: use postgresql://… "
                             "(or leave it unset for SQLite files in the data folder).")
        host = str(url.query.get("host") or url.host or "")
        socket = host.startswith("/") or not host
        if (backend == "postgresql" and not socket and not is_loopback(host)
                and url.query.get("sslmode") not in ("require", "verify-ca", "verify-full")):
            raise ValueError(f"ASSISTANT_DATABASE_URL reaches {host} without sslmode=require: "
                             "people's conversations would cross the network readable.")
        return value

    def concepts_at(self) -> Path:
        """Where the concept map is kept: beside the index, or for an index on a Chroma server
        in the cache, one file per server and collection."""
        if not self.chroma_url:
            return self.store_dir / "concepts.json"
        import hashlib

        key = hashlib.sha256(f"{self.chroma_url}\x00{self.collection}".encode()).hexdigest()
        return self.cache_dir / "concepts" / f"{key[:16]}.json"

    def conversations_at(self) -> Path | str:
        """Where conversations are kept: the shared database, or a file in the data folder."""
        return self.database_url or self.data_dir / "conversations.sqlite3"

    def journal_at(self) -> Path | str:
        return self.database_url or self.data_dir / "journal.sqlite3"

    @field_validator("chroma_url", "openai_base_url")
    @classmethod
    def _private_in_transit(cls, value: str | None) -> str | None:
        """A person's words go to these servers: in the clear only on this machine."""
        if not value:
            return value
        from urllib.parse import urlparse

        from .auth import is_loopback

        url = urlparse(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL.")
        if url.scheme == "http" and not is_loopback(url.hostname):
            raise ValueError(f"{value} is plain http to another machine: what people write "
                             "would cross the network readable. Use https (a TLS proxy in "
                             "front of the server), or run it on this machine.")
        return value
