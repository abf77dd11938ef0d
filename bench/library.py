"""A library, not two essays: about a million words of Python's documentation, as a reader who
adds their own shelf would use it.

    .venv/bin/python bench/library.py [--no-map]     (part of `make bench`)

The corpus is the reStructuredText sources that Debian's `python3.11-doc` package ships as text
(/usr/share/doc/python3.11/html/_sources: the library reference, tutorial, how-tos, FAQ,
language reference and setup guide; PSF licence, see /usr/share/doc/python3.11-doc/copyright).
It is copied into the cache by this script and never committed. Measured, each as a person
runs it (`reflect` processes on the shipped defaults, 2 cores):

- a first ingest (the index; the concept map apart): time, passages a second, peak memory;
- the index's size on disk;
- a re-ingest after one changed file, as a share of the first;
- retrieval: hit@5 on bench/library/questions.jsonl (32 questions written for this library,
  each with a span of the passage that answers it, written before the first run);
- the concept map, from its sample of the library's passages (time, concepts);
- time to first token of an answer, ours against a plain LangChain retrieval chat over the
  same index and model, on the first 6 questions (`--answers` measures only this, and what
  follows, on the library already indexed);
- what the model reads of the passages: for each question whose answer is in the top 3
  passages, whether the sentences given to the model (assistant/excerpts.py) still hold it.

Writes bench/results/library-<date>.json and .png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SOURCES = Path("/usr/share/doc/python3.11/html/_sources")
PARTS = ("library", "tutorial", "howto", "faq", "reference", "using")
QUESTIONS = ROOT / "bench" / "library" / "questions.jsonl"
REFLECT = str(Path(sys.executable).parent / "reflect")
SUMMARY = re.compile(r"(\d+) files, (\d+) passages: (\d+) added, (\d+) kept, (\d+) removed")


def build_library(folder: Path) -> tuple[int, int]:
    """Copy the documentation's text sources into `folder` (unchanged files left alone);
    how many documents and words."""
    if not SOURCES.is_dir():
        raise SystemExit("Python's documentation is missing: `sudo apt-get install "
                         "python3.11-doc` (`make bench` does it).")
    docs = words = 0
    for part in PARTS:
        for source in sorted((SOURCES / part).rglob("*.rst.txt")):
            target = folder / source.relative_to(SOURCES).with_name(
                source.name.removesuffix(".rst.txt") + ".txt")
            text = source.read_text(encoding="utf-8", errors="replace")
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            docs += 1
            words += len(text.split())
    return docs, words


def reflect(*args: str, env: dict[str, str]) -> tuple[float, float, str]:
    """One `reflect` process: wall seconds, its peak memory (MB), what it printed. Its
    progress bars go to this terminal."""
    start = time.perf_counter()
    process = subprocess.Popen([REFLECT, *args], env=env, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"reflect {' '.join(args)} failed ({process.returncode})")
    return round(time.perf_counter() - start, 1), round(usage.ru_maxrss / 1024, 0), out


def size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def answering(corpus: Path, store: Path) -> Any:
    """The assistant over the library, on the shipped defaults otherwise."""
    from assistant.config import Settings
    from assistant.service import build_assistant

    return build_assistant(Settings(corpus_dir=corpus, store_dir=store))


def first_tokens(assistant: Any, questions: list[str]) -> dict[str, Any]:
    from assistant.ask import Done
    from assistant.models import chat_model_info
    from bench import plain_chain  # the same baseline as bench/bench.py

    settings = assistant.settings
    path = chat_model_info(settings.model_path, settings.cache_dir, False).path
    chain = plain_chain(assistant, path, settings.n_threads)
    assistant.ask.prime()  # as `reflect serve` does at start-up
    assistant.ask.max_tokens = 120
    ours: list[float | None] = []
    theirs: list[float] = []
    read: list[int] = []
    for question in questions:
        print(f"  {question}", flush=True)
        for event in assistant.ask.stream(question, []):
            if isinstance(event, Done):
                ours.append(event.answer.timings.get("first_token_s"))
                read.append(assistant.model.count_tokens(event.answer.prompt))
        theirs.append(round(chain(question)[0], 3))
    timed = [o for o in ours if o is not None]
    return {"assistant_s": ours, "plain_chain_s": theirs, "question_tokens_read": read,
            "assistant_median_s": round(statistics.median(timed), 2) if timed else None,
            "plain_median_s": round(statistics.median(theirs), 2),
            "median_ratio": round(statistics.median(timed) / statistics.median(theirs), 3)
            if timed else None}


def excerpts_kept(assistant: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Of the questions whose answer span is in the top passages, how many still have it in
    the sentences the model is given."""
    from assistant.excerpts import excerpts
    from assistant.textnorm import normalize

    settings = assistant.settings
    retriever = assistant.retriever
    found = kept = whole = given = 0
    for row in rows:
        gold = normalize(row["gold"])
        passages = retriever.search(row["question"], settings.top_k).passages
        texts = excerpts(row["question"], passages, retriever.embeddings, settings.excerpt_chars)
        whole += sum(len(p.text) for p in passages)
        given += sum(len(t) for t in texts)
        if any(gold in normalize(p.text) for p in passages):
            found += 1
            kept += any(gold in normalize(t) for t in texts)
    return {"excerpt_chars": settings.excerpt_chars, "questions": len(rows),
            "answer_in_top_passages": found, "answer_in_what_model_reads": kept,
            "mean_chars_of_passages": round(whole / len(rows)),
            "mean_chars_read": round(given / len(rows))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-map", action="store_true", help="Leave out the concept map.")
    parser.add_argument("--answers", action="store_true",
                        help="Only the answers' figures, on the library already indexed.")
    args = parser.parse_args()
    from assistant.config import Settings

    home = Settings().cache_dir / "bench-library"
    corpus, store = home / "corpus", home / "store"
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    if args.answers:
        assistant = answering(corpus, store)
        result = {"excerpts": excerpts_kept(assistant, rows),
                  "first_token": first_tokens(assistant, [r["question"] for r in rows][:6])}
        print(json.dumps(result, indent=2))
        return
    shutil.rmtree(store, ignore_errors=True)
    docs, words = build_library(corpus)
    print(f"library: {docs} documents, {words:,} words", flush=True)
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_STORE_DIR": str(store),
           "ASSISTANT_CONCEPT_MAP": "false"}
    full_s, peak_mb, out = reflect("ingest", env=env)
    files, passages = (int(x) for x in SUMMARY.search(out).groups()[:2])  # type: ignore[union-attr]
    print(f"first ingest: {full_s} s, {passages} passages, peak {peak_mb} MB", flush=True)
    changed = corpus / "tutorial" / "index.txt"
    original = changed.read_text(encoding="utf-8")
    try:
        changed.write_text(original + "\n\nA paragraph added by the library bench, to see what "
                           "a re-ingest of one changed file costs.\n", encoding="utf-8")
        again_s, _, out = reflect("ingest", env=env)
    finally:
        changed.write_text(original, encoding="utf-8")
    added = int(SUMMARY.search(out).group(3))  # type: ignore[union-attr]
    print(f"re-ingest after one changed file: {again_s} s ({added} passages added)", flush=True)
    _, _, out = reflect("eval", "retrieval", "--dataset", str(QUESTIONS), "--json", env=env)
    retrieval = json.loads(out)
    print(f"hit@5 {retrieval['hit@5']} on {retrieval['n']} questions", flush=True)
    _, _, out = reflect("ingest", env=env)  # the changed file put back
    result: dict[str, Any] = {
        "documents": docs, "words": words, "files_indexed": files, "passages": passages,
        "ingest_s": full_s, "passages_per_s": round(passages / full_s, 1),
        "ingest_peak_mb": peak_mb, "index_mb": size_mb(store),
        "reingest_one_file_s": again_s, "reingest_share": round(again_s / full_s, 3),
        "retrieval": {k: retrieval[k] for k in ("n", "hit@1", "hit@5", "mrr", "misses")},
    }
    if not args.no_map:
        map_s, map_mb, out = reflect("ingest", env={**env, "ASSISTANT_CONCEPT_MAP": "true"})
        built = re.search(r"map: (\d+) concepts, (\d+) links \((\d+) passages read\)", out)
        result["concept_map"] = {"seconds": map_s, "peak_mb": map_mb,
                                 "concepts": int(built.group(1)) if built else None,
                                 "passages_read": int(built.group(3)) if built else None}
        print(f"concept map: {result['concept_map']}", flush=True)
    assistant = answering(corpus, store)  # one assistant for both: the model loaded once
    result["excerpts"] = excerpts_kept(assistant, rows)
    print(f"what the model reads: {result['excerpts']}", flush=True)
    print("time to first token, ours and the plain chain:", flush=True)
    result["first_token"] = first_tokens(assistant, [r["question"] for r in rows][:6])
    print(json.dumps(result, indent=2))
    day = dt.date.today().isoformat()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"library-{day}.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out_dir / f"library-{day}.png")


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    bars = {"first ingest": result["ingest_s"], "one file changed": result["reingest_one_file_s"]}
    if "concept_map" in result:
        bars["concept map"] = result["concept_map"]["seconds"]
    left.bar(list(bars), list(bars.values()), color=["#5b7fa6", "#c07a2c", "#8aa1b8"])
    left.set_ylabel("seconds")
    left.set_title(f"{result['words']:,} words, {result['passages']:,} passages")
    first = result["first_token"]
    turns = range(1, len(first["plain_chain_s"]) + 1)
    left_ours = [v if v is not None else float("nan") for v in first["assistant_s"]]
    right.plot(turns, first["plain_chain_s"], "o-", label="plain LangChain chat")
    right.plot(turns, left_ours, "o-", label="this assistant")
    right.set_xlabel("question")
    right.set_ylabel("time to first token (s)")
    right.set_title(f"hit@5 {result['retrieval']['hit@5']} ({result['retrieval']['n']} questions)")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
