"""Every eval suite in one table: its name, what it measures, its data and how it runs.

`reflect eval NAME` and `reflect eval all` read this table, so a new suite is one entry here:
a function `(assistant, data, **options) -> report` under `@suite(...)`. It gets a command of
its own (`--data`, `--json`) unless cli.py gives it one with more options, and it is in
`reflect eval all` unless it says otherwise.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import evaluation as ev
from .errors import AssistantError

Report = dict[str, Any]


@dataclass(frozen=True)
class Suite:
    name: str
    help: str
    run: Callable[..., Report]  # (assistant, data: Path | None, **options)
    data: str  # what --data means, and its default
    in_all: bool = True  # run by `reflect eval all`


SUITES: dict[str, Suite] = {}


def suite(name: str, help: str, data: str, in_all: bool = True
          ) -> Callable[[Callable[..., Report]], Callable[..., Report]]:
    def register(run: Callable[..., Report]) -> Callable[..., Report]:
        if name in SUITES:
            raise ValueError(f"Two eval suites are called {name}.")
        SUITES[name] = Suite(name, help, run, data, in_all)
        return run
    return register


def _at(data: Path | None, default: str) -> Path:
    return data or ev.DEFAULT_DIR / default


@suite("retrieval", "hit@1, hit@k and MRR of search (no chat model needed).",
       'JSONL of {"question", "gold"} (eval/retrieval.jsonl)')
def retrieval(assistant: Any, data: Path | None, k: int = 5, vector_only: bool = False
              ) -> Report:
    assistant.retriever.hybrid = not vector_only
    cases = ev.read_cases(_at(data, "retrieval.jsonl"), ("question", "gold"))
    return ev.eval_retrieval(assistant.retriever, cases, k)


@suite("followups", "Retrieval for follow-up questions, as asked and rewritten to stand alone.",
       'JSONL of {"history": [...], "question", "gold"} (eval/followups.jsonl)')
def followups(assistant: Any, data: Path | None) -> Report:
    cases = ev.read_cases(_at(data, "followups.jsonl"), ("history", "question", "gold"))
    return ev.eval_followups(assistant.retriever, cases)


@suite("routing", "Where messages go (ask, listen, what to do, invitation) against frozen labels.",
       'JSONL of {"message", "route"} (eval/routing/frozen.jsonl)')
def routing(assistant: Any, data: Path | None) -> Report:
    router = assistant.companion.router
    if router is None:
        raise AssistantError("This assistant routes by word lists: no router to measure.")
    return ev.eval_routing(router, ev.read_frozen(_at(data, "routing/frozen.jsonl")))


XSTEST = ev.DEFAULT_DIR.parent / "third_party" / "xstest" / "xstest_prompts.csv"


@suite("care", "The care check on messages nobody here built it from (no chat model).",
       "the frozen care set (eval/care/frozen.jsonl)")
def care(assistant: Any, data: Path | None, xstest: Path | None = None) -> Report:
    # the project's copy wherever this is run from, not a path relative to the working folder
    xstest = xstest or XSTEST
    return ev.eval_care(assistant.companion.care, ev.read_frozen(_at(data, "care/frozen.jsonl")),
                        ev.read_xstest(xstest) if xstest.is_file() else None)


@suite("detector", "Precision, recall and F1 of the fixing detector on Advice-EMNLP2020.",
       "the Advice-EMNLP2020 folder (the copy in third_party/)")
def detector(assistant: Any, data: Path | None, split: str = "test") -> Report:
    return ev.eval_detector(assistant.detector, ev.advice_dataset(data or ev.ADVICE, split))


@suite("injection", "Planted instructions with canary words: how many reach an answer (0).",
       'JSONL of {"question", "canary"} (eval/injection.jsonl)')
def injection(assistant: Any, data: Path | None, documents: Path | None = None) -> Report:
    cases = ev.read_cases(_at(data, "injection.jsonl"), ("question", "canary"))
    return ev.eval_injection(assistant.settings, assistant.model,
                             documents or ev.DEFAULT_DIR / "injection", cases)


@suite("grounding", 'Citations checked by the local model, exact quotes, honest "the essays '
       "don't say\".", 'JSONL of {"question", "answerable": bool} (eval/grounding.jsonl)')
def grounding(assistant: Any, data: Path | None) -> Report:
    cases = ev.read_cases(_at(data, "grounding.jsonl"), ("question", "answerable"))
    return ev.eval_grounding(assistant.ask, assistant.model, cases)


@suite("invitations", "Drive every invitation end to end with scripted answers on the model.",
       "(none: the corpus's invitations)")
def invitations(assistant: Any, data: Path | None) -> Report:
    from .journal import Journal

    with tempfile.TemporaryDirectory() as scratch:  # the eval's saves never touch your journal
        assistant.companion.journal = Journal(Path(scratch) / "journal.sqlite3")
        return ev.eval_invitations(assistant.companion)


@suite("listening", "Each message as a listening turn: fixing, questions, fallbacks, latency.",
       'JSONL of {"message"} (eval/listening.jsonl)')
def listening(assistant: Any, data: Path | None) -> Report:
    cases = ev.read_cases(_at(data, "listening.jsonl"), ("message",))
    return ev.eval_listening(assistant.companion, ev.strict_judge(assistant.detector), cases,
                             progress=sys.stderr.isatty())


@suite("listening-labels", "Listening replies judged by hand labels (not by the gate), and the "
       "gate against them.", "a folder with frozen, replies and labels .jsonl (eval/listening)",
       in_all=False)
def listening_labels(assistant: Any, data: Path | None) -> Report:
    where = data or ev.DEFAULT_DIR / "listening"
    replies = ev.read_cases(where / "replies.jsonl", ("id", "reply"))
    labels = ev.read_frozen(where / "labels.jsonl")
    codes = sorted({r["code"] for r in replies if "code" in r})
    if not codes:  # one code wrote them all
        return ev.eval_labelled_listening(assistant.detector, replies, labels)
    reports: dict[str, Any] = {code: ev.eval_labelled_listening(  # each code's replies apart
        assistant.detector, [r for r in replies if r.get("code") == code], labels)
        for code in codes}
    # the gate is judged on every labelled reply whoever wrote it (drafts hold the fixing)
    reports["every code: the detector"] = ev.eval_labelled_listening(
        assistant.detector, replies, labels)["detector_vs_labels"]
    return reports


@suite("concepts", "The concept map against hand labels: concept recall, exact quotes, passage "
       "precision.", "hand labels (eval/concepts/essays.yaml)", in_all=False)
def concepts(assistant: Any, data: Path | None) -> Report:
    import yaml

    from .concepts import load_map
    from .corpus import load_corpus

    built = load_map(assistant.settings.concepts_at())
    if built is None:
        raise AssistantError("No concept map yet: run `reflect ingest` first.")
    given = yaml.safe_load(_at(data, "concepts/essays.yaml").read_text())
    documents = [essay.markdown for essay in load_corpus(assistant.settings.corpus_dir).essays]
    return ev.eval_concepts(built, given, documents)


def run_all(assistant: Any, advice: Path | None = None) -> dict[str, Report]:
    """Every suite marked for `reflect eval all`, on its default data."""
    return {name: s.run(assistant, advice if name == "detector" else None)
            for name, s in SUITES.items() if s.in_all
            if name != "routing" or assistant.companion.router is not None}
