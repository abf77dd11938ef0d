"""build_assistant(settings): the one place that picks the concrete classes and wires them."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import backend
from .ask import AskService
from .backend import Backend
from .care import CareCheck, CareVerdict, SecondReader
from .care_channel import shipped_channel
from .care_probe import shipped_probe
from .concepts import ConceptMap, ConceptMapper
from .config import Settings, listed
from .conversation import ASK, Companion, Conversation, Finished, TurnEvent, stored_meta
from .corpus import Passage, corpus_passages, load_corpus
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
from .routing import Router
from .safety import check_message, crisis_resources

log = logging.getLogger(__name__)


def stay_offline() -> None:
    """Switch off every library's phone-home before any of them is imported."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@dataclass(frozen=True)
class Accepted:
    """The first event of a turn: the message as taken (within the limits, and stored when
    the conversation is kept) and what the care check read in it. Nothing has waited for the
    model yet: a front end may take its place in a line after this, unless care answers."""

    text: str
    verdict: CareVerdict


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
    concepts: ConceptMapper

    def turn(self, conversation: Conversation, message: str, mode: str = ASK, *,
             keep: bool = True) -> Iterator[Accepted | TurnEvent]:
        """One turn, for every front end (the page, `reflect chat`, `ask` and `reply`): the
        input limits, the message stored (when `keep`), the care check, then the companion's
        turn (routing, answering or listening with its checks, invitations), and the reply
        stored. Raises InputError before anything is kept."""
        text = check_message(message, self.settings.max_message_chars)
        owner = conversation.owner
        if keep:
            conversation.stored = conversation.stored or self.history.create(owner, text)
            self.history.append(conversation.stored, owner, "user", text, {"mode": mode})
        verdict = self.companion.care.check(text, conversation.care)
        yield Accepted(text, verdict)
        for event in self.companion.turn(conversation, text, mode, verdict):
            if keep and isinstance(event, Finished) and conversation.stored:
                self.history.append(conversation.stored, owner, "assistant", event.turn.text,
                                    stored_meta(event.turn, conversation))
            yield event

    def prepare(self, say: Callable[[str], None]) -> None:
        """What a page needs before it opens: the index (built with progress if missing) and
        local models that run on this CPU."""
        try:
            self.index.count()
        except IndexNotBuiltError:
            say("No index yet: building it from the corpus…")
            say(self.ingest(progress=True, waiting=say).summary())
        else:
            if self.settings.concept_map and self.concepts.load() is None:
                say("No map of the essays' ideas yet: making it from the index…")
                built, read = self.build_map(progress=True, waiting=say)
                say(f"{len(built.concepts)} concepts, {len(built.links)} links "
                    f"({read} passages read)")
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
        shutil.rmtree(exports / owner_key(owner), ignore_errors=True)
        shutil.rmtree(self.served_dir, ignore_errors=True)  # every download, Gradio's copies too
        self.forget_in_models()

    def delete_conversation(self, conversation: str, owner: str) -> None:
        """One conversation, with every copy of it the page handed out."""
        import shutil

        if not self.history.delete(conversation, owner):
            return  # not theirs: nothing of it is touched
        shutil.rmtree(self.served_dir / "downloads" / owner_key(owner) / conversation,
                      ignore_errors=True)
        for copy in self.served_dir.rglob(export_name(conversation)):  # Gradio's cache
            copy.unlink(missing_ok=True)
        self.forget_in_models()

    def forget_in_models(self) -> None:
        """The chat model drops the words it kept for a conversation's next turn."""
        for model in {id(m): m for m in (self.model, self.ask.model,
                                         self.companion.listening.model)}.values():
            if isinstance(model, LlamaCppChatModel):
                model.forget()

    def export_folder(self, owner: str) -> Path:
        folder = self.settings.data_dir / "exports" / owner_key(owner)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def served_dir(self) -> Path:
        """Where the page server hands files out from (its GRADIO_TEMP_DIR)."""
        return self.settings.data_dir / "exports" / ".served"

    def served_export(self, owner: str, about: str, name: str, text: str) -> Path:
        """A file for the page to hand over, kept under its owner and what it is of (a
        conversation's id, or "journal"), so deleting that deletes it."""
        folder = self.served_dir / "downloads" / owner_key(owner) / about / uuid.uuid4().hex
        folder.mkdir(parents=True)
        (folder / name).write_text(text, encoding="utf-8")
        return folder / name

    def ingest(self, corpus_dir: Path | None = None, progress: bool = False,
               waiting: Callable[[str], None] | None = None) -> IngestReport:
        folder = corpus_dir or self.settings.corpus_dir
        report = load_corpus(folder)
        if not report.essays:
            raise CorpusError(f"No readable essays in {folder} ({len(report.skipped)} files "
                              "skipped); the index was left as it was.")
        passages = corpus_passages(report, self.settings.chunk_size, self.settings.chunk_overlap)
        with self.index.writing(waiting):  # the map too: a second ingest finds it made
            sync = self.index.sync_held(passages, progress=progress)
            self.retriever.refresh()
            mapped = self._map(passages, folder, progress) if self.settings.concept_map \
                else None
        flagged = [(f"{p.source} · {p.section or p.essay}", p.flagged)
                   for p in passages if p.flagged]
        return IngestReport(len(report.essays), len(passages), sync, report.skipped, flagged,
                            mapped)

    def build_map(self, progress: bool = False, waiting: Callable[[str], None] | None = None
                  ) -> tuple[ConceptMap, int]:
        """The map of the indexed passages' ideas; only passages not read before are read."""
        with self.index.writing(waiting):
            return self._map(self.index.passages(), self.settings.corpus_dir, progress)

    def _map(self, passages: list[Passage], folder: Path, progress: bool
             ) -> tuple[ConceptMap, int]:
        try:
            invitations = find_invitations(folder, self.settings.chunk_size)
        except CorpusError:
            invitations = []
        return self.concepts.build(passages, invitations, progress=progress)


def owner_key(owner: str) -> str:
    """A folder name for one person: readable, and distinct for names that read alike
    ("a.b" and "a_b")."""
    digest = hashlib.sha256(owner.encode()).hexdigest()[:12]
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', owner)[:40] or 'local'}-{digest}"


def export_name(conversation: str) -> str:
    return f"conversation-{conversation[:12]}.md"


@dataclass(frozen=True)
class IngestReport:
    files: int
    passages: int
    sync: SyncReport
    skipped: list[tuple[str, str]]
    flagged: list[tuple[str, str]]  # (where, why) of passages held back from the model
    mapped: tuple[ConceptMap, int] | None = None  # the concept map, and passages read for it

    def summary(self) -> str:
        s = self.sync
        line = (f"{self.files} files, {self.passages} passages: {s.added} added, {s.kept} kept, "
                f"{s.removed} removed in {s.seconds:.1f} s")
        line += f"; {len(self.skipped)} files skipped" if self.skipped else ""
        line += f"; {len(self.flagged)} passages flagged" if self.flagged else ""
        if self.mapped is not None:
            built, read = self.mapped
            line += (f"; map: {len(built.concepts)} concepts, {len(built.links)} links "
                     f"({read} passages read)")
        return line


def build_assistant(settings: Settings, model: ChatModel | None = None,
                    progress: bool = False) -> Assistant:
    stay_offline()
    cache = settings.cache_dir
    embeddings = LlamaEmbeddings(
        lambda: embedding_model_path(settings.embedding_model_path, cache), settings.n_threads
    )
    index = PassageIndex(settings.store_dir, settings.collection, embeddings,
                         server=settings.chroma_url, token=settings.chroma_token)
    retriever = Retriever(index, embeddings)
    if model is None and settings.openai_base_url:
        model = OpenAICompatibleChatModel(settings.openai_base_url, settings.openai_model,
                                          settings.openai_api_key)
    if model is None:
        allowed = listed(settings.model_sha256)
        model = LlamaCppChatModel(
            lambda: chat_model_info(settings.model_path, cache, progress, allowed).path,
            n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed,
            # the shipped model is read in ChatML written here, not by the file's own template
            chat_format=None if settings.model_path else "chatml",
            state_dir=cache / "states",  # the essays read once, not at every start
        )
    numbers = frozenset(re.sub(r"\D", "", n) for line in crisis_resources(settings.crisis_region)
                        for n in re.findall(r"[\d][\d -]{1,}\d", line))
    ask = AskService(retriever, model, top_k=settings.top_k,
                     min_relevance=settings.min_relevance,
                     max_tokens=settings.max_answer_tokens, temperature=settings.temperature,
                     allowed_numbers=numbers,
                     corpus_in_context_chars=settings.corpus_in_context_chars,
                     context_tokens=settings.n_ctx, excerpt_chars=settings.excerpt_chars)
    detector = FixingDetector(AdviceClassifier(embeddings))
    listening = ListeningService(model, detector, regenerations=settings.regenerations)
    try:
        invitations = find_invitations(settings.corpus_dir, settings.chunk_size)
    except CorpusError as exc:
        log.warning("No invitations: %s", exc)
        invitations = []
    probe = shipped_probe(cache, settings.n_threads, progress) if settings.care_probe else None
    channel = shipped_channel(cache, settings.n_threads) if settings.care_channel else None
    care = CareCheck(embeddings, reader=SecondReader(model) if settings.care_second_reader
                     else None, probe=probe, channel=channel)
    companion = Companion(ask, listening, detector, care,
                          settings.crisis_region, invitations,
                          Journal(settings.journal_at()), Router(embeddings))
    history = ConversationStore(settings.conversations_at())
    concepts = ConceptMapper(model, embeddings, settings.concepts_at(),
                             most=settings.concept_map_passages)
    return Assistant(settings, index, retriever, model, ask, detector, companion, history,
                     embeddings, concepts)
