"""build_assistant(settings): the one place that picks the concrete classes and wires them."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import backend
from .ask import AskService
from .backend import Backend
from .care import CareCheck, SecondReader
from .config import Settings
from .conversation import Companion
from .corpus import corpus_passages, load_corpus
from .embeddings import LlamaEmbeddings
from .errors import CorpusError, IndexNotBuiltError
from .history import ConversationStore
from .index import PassageIndex, SyncReport
from .invitations import find_invitations
from .journal import Journal
from .listening import ListeningService
from .llm import ChatModel, LlamaCppChatModel, OpenAICompatibleChatModel
from .models import chat_model_info, embedding_model_path
from .policy import AdviceClassifier, FixingDetector
from .retrieval import Retriever
from .safety import crisis_resources

log = logging.getLogger(__name__)


def stay_offline() -> None:
    """Switch off every library's phone-home before any of them is imported."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@dataclass
class Assistant:
    settings: Settings
    index: PassageIndex
    retriever: Retriever
    model: ChatModel
    ask: AskService
    detector: FixingDetector
    companion: Companion
    history: ConversationStore
    embeddings: LlamaEmbeddings

    def prepare(self, say: Callable[[str], None]) -> None:
        """What a page needs before it opens: the index (built with progress if missing) and
        local models that run on this CPU."""
        try:
            self.index.count()
        except IndexNotBuiltError:
            say("No index yet: building it from the corpus…")
            say(self.ingest(progress=True, waiting=say).summary())
        say("Checking that the models run on this CPU…")
        say(f"llama.cpp: {self.selfcheck().describe()}")

    def selfcheck(self) -> Backend:
        """Both local models run a few tokens in a child process: a CPU that cannot run this
        build of llama.cpp gives a clear error here, not a dead page on the first message."""
        models = [(self.embeddings.path(), True)]
        if isinstance(self.model, LlamaCppChatModel):
            models.insert(0, (self.model.path(), False))
        return backend.selfcheck(models)

    def delete_everything_of(self, owner: str) -> None:
        """'Delete all my data': conversations, journal entries and exports, gone for good."""
        import shutil

        self.history.delete_owner(owner)
        if self.companion.journal is not None:
            self.companion.journal.delete_owner(owner)
        exports = self.settings.data_dir / "exports"
        shutil.rmtree(exports / _safe_name(owner), ignore_errors=True)
        shutil.rmtree(exports / ".served", ignore_errors=True)  # Gradio's copies of downloads

    def export_folder(self, owner: str) -> Path:
        folder = self.settings.data_dir / "exports" / _safe_name(owner)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def ingest(self, corpus_dir: Path | None = None, progress: bool = False,
               waiting: Callable[[str], None] | None = None) -> IngestReport:
        folder = corpus_dir or self.settings.corpus_dir
        report = load_corpus(folder)
        if not report.essays:
            raise CorpusError(f"No readable essays in {folder} ({len(report.skipped)} files "
                              "skipped); the index was left as it was.")
        passages = corpus_passages(report, self.settings.chunk_size, self.settings.chunk_overlap)
        sync = self.index.sync(passages, progress=progress, waiting=waiting)
        self.retriever.refresh()
        flagged = [(f"{p.source} · {p.section or p.essay}", p.flagged)
                   for p in passages if p.flagged]
        return IngestReport(len(report.essays), len(passages), sync, report.skipped, flagged)


def _safe_name(owner: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", owner) or "local"


@dataclass(frozen=True)
class IngestReport:
    files: int
    passages: int
    sync: SyncReport
    skipped: list[tuple[str, str]]
    flagged: list[tuple[str, str]]  # (where, why) of passages held back from the model

    def summary(self) -> str:
        s = self.sync
        line = (f"{self.files} files, {self.passages} passages: {s.added} added, {s.kept} kept, "
                f"{s.removed} removed in {s.seconds:.1f} s")
        line += f"; {len(self.skipped)} files skipped" if self.skipped else ""
        return line + (f"; {len(self.flagged)} passages flagged" if self.flagged else "")


def build_assistant(settings: Settings, model: ChatModel | None = None,
                    progress: bool = False) -> Assistant:
    stay_offline()
    cache = settings.cache_dir
    embeddings = LlamaEmbeddings(
        lambda: embedding_model_path(settings.embedding_model_path, cache), settings.n_threads
    )
    index = PassageIndex(settings.store_dir, settings.collection, embeddings,
                         server=settings.chroma_url)
    retriever = Retriever(index, embeddings)
    if model is None and settings.openai_base_url:
        model = OpenAICompatibleChatModel(settings.openai_base_url, settings.openai_model,
                                          settings.openai_api_key)
    if model is None:
        model = LlamaCppChatModel(
            lambda: chat_model_info(settings.model_path, cache, progress=progress).path,
            n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed,
        )
    numbers = frozenset(re.sub(r"\D", "", n) for line in crisis_resources(settings.crisis_region)
                        for n in re.findall(r"[\d][\d -]{1,}\d", line))
    ask = AskService(retriever, model, top_k=settings.top_k,
                     min_relevance=settings.min_relevance,
                     max_tokens=settings.max_answer_tokens, temperature=settings.temperature,
                     allowed_numbers=numbers,
                     corpus_in_context_chars=settings.corpus_in_context_chars,
                     context_tokens=settings.n_ctx)
    detector = FixingDetector(AdviceClassifier(embeddings))
    listening = ListeningService(model, detector, regenerations=settings.regenerations)
    try:
        invitations = find_invitations(settings.corpus_dir, settings.chunk_size)
    except CorpusError as exc:
        log.warning("No invitations: %s", exc)
        invitations = []
    companion = Companion(ask, listening, detector, CareCheck(embeddings, reader=SecondReader(model)
                                    if settings.care_second_reader else None),
                          settings.crisis_region, invitations,
                          Journal(settings.data_dir / "journal.sqlite3"))
    history = ConversationStore(settings.data_dir / "conversations.sqlite3")
    return Assistant(settings, index, retriever, model, ask, detector, companion, history,
                     embeddings)
