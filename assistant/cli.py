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
from .errors import AssistantError, IndexNotBuiltError

app = typer.Typer(help="A local, private companion for essays on interdependence.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
eval_app = typer.Typer(help="Measure the assistant on datasets in eval/.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

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


@app.command()
def ingest(corpus: Corpus = None, store: Store = None, as_json: AsJson = False) -> None:
    """Index the essays: add new passages, keep unchanged ones, remove gone ones."""
    assistant = assistant_for(settings(corpus, store))
    report = assistant.ingest(progress=sys.stderr.isatty() and not as_json)
    if as_json:
        emit({"files": report.files, "passages": report.passages,
              **dataclasses.asdict(report.sync),
              "skipped": [{"file": f, "reason": r} for f, r in report.skipped]})
        return
    for name, reason in report.skipped:
        typer.echo(f"skipped {name}: {reason}", err=True)
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
    """Answer QUESTION from the essays, citing the passages used."""
    from .ask import Delta, Done
    from .safety import check_message

    config = settings(corpus, store, model)
    question = check_message(question, config.max_message_chars)
    assistant = assistant_for(config)
    for event in assistant.ask.stream(question):
        if isinstance(event, Delta) and not as_json:
            typer.echo(event.text, nl=False)
        elif isinstance(event, Done):
            answer = event.answer
    if as_json:
        emit({"answer": answer.text, "grounded": answer.grounded,
              "sources": [{"n": s.n, "essay": s.essay, "section": s.section, "text": s.text,
                           "score": s.score, "cited": s.cited} for s in answer.sources],
              "timings": answer.timings})
        return
    typer.echo("\n")
    for s in answer.sources:
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
    try:
        assistant.index.count()
    except IndexNotBuiltError:
        typer.echo("No index yet: building it from the corpus…", err=True)
        typer.echo(assistant.ingest(progress=sys.stderr.isatty()).summary(), err=True)
    launch(assistant)


@eval_app.command("retrieval")
def eval_retrieval(dataset: Annotated[Path | None, typer.Option(help="JSONL of "
                   '{"question", "gold"}.')] = None,
                   k: Annotated[int, typer.Option("-k")] = 5,
                   vector_only: Annotated[bool, typer.Option(help="Vector search alone.")] = False,
                   corpus: Corpus = None, store: Store = None, as_json: AsJson = False) -> None:
    """hit@1, hit@k and MRR of search on a retrieval dataset (no chat model needed)."""
    from .evaluation import DEFAULT_DIR, read_cases
    from .evaluation import eval_retrieval as run

    assistant = assistant_for(settings(corpus, store))
    assistant.retriever.hybrid = not vector_only
    cases = read_cases(dataset or DEFAULT_DIR / "retrieval.jsonl", ("question", "gold"))
    report = run(assistant.retriever, cases, k)
    if as_json:
        emit(report)
        return
    typer.echo(" ".join(f"{key}={value}" for key, value in report.items() if key != "misses"))
    for question in report["misses"]:
        typer.echo(f"  missed: {question}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
