"""make bench: speed and memory as ratios against baselines run in the same process.

Writes bench/results/<date>.json and bench/results/<date>.png. Baselines:
- raw llama-cpp-python on the same GGUF and threads (generation tokens/s);
- a plain LangChain retrieval chat (langchain-core prompt, context stuffed into the system
  message, k=4, the whole history re-sent each turn) for time to first token;
- raw embedding of the same texts (ingest throughput).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ask import Done  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.llm import load_llama  # noqa: E402
from assistant.models import chat_model_info  # noqa: E402
from assistant.service import build_assistant  # noqa: E402

TURNS = [
    "What does the essay mean by interdependence is not sameness?",
    "Why did the community plan in the essay fall apart?",
    "What should the group have done instead?",
    "What does it say about sovereignty?",
    "Is shared vision enough for a community?",
    "What does the relationship article say about asking for support?",
]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def generation_speed(assistant: Any, path: Path, threads: int | None) -> dict[str, float]:
    """Tokens per second while generating, through the assistant and raw, same prompt."""
    messages = [{"role": "user", "content": "Write a long paragraph about gardens."}]

    def measure(stream: Any) -> float:
        first, count, end = None, 0, 0.0
        for _ in stream:
            now = time.perf_counter()
            first = first or now
            count, end = count + 1, now
        return (count - 1) / (end - first) if first and count > 1 else 0.0

    ours = measure(assistant.model.stream(messages, max_tokens=160, temperature=0.0))
    raw_llm = assistant.model.llama  # the very same llama.cpp object, called directly
    raw = measure(raw_llm.create_chat_completion(messages=messages, stream=True, max_tokens=160,
                                                 temperature=0.0))
    return {"assistant_tok_s": round(ours, 2), "raw_tok_s": round(raw, 2),
            "ratio": round(ours / raw, 3) if raw else 0.0}


def plain_chain(assistant: Any, path: Path, threads: int | None) -> Any:
    """The baseline: a plain LangChain retrieval chat over the same index and GGUF."""
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

    llm = load_llama(path, n_ctx=8192, n_threads=threads, seed=7)
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer the question using only this context:\n\n{context}"),
        MessagesPlaceholder("history"),
        ("human", "{question}"),
    ])
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    history: list[Any] = []

    def turn(question: str) -> tuple[float, str]:
        start = time.perf_counter()
        passages = assistant.retriever.search(question, 4).passages
        context = "\n\n".join(p.text for p in passages)
        value = prompt.invoke({"context": context, "history": history, "question": question})
        messages = [{"role": roles[m.type], "content": str(m.content)}
                    for m in value.to_messages()]
        first, parts = None, []
        for chunk in llm.create_chat_completion(messages=messages, stream=True, max_tokens=120,
                                                temperature=0.2):
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                first = first or time.perf_counter() - start
                parts.append(piece)
        answer = "".join(parts)
        history.extend([HumanMessage(question), AIMessage(answer)])
        return first or 0.0, answer

    return turn


def ttft(assistant: Any, path: Path, threads: int | None) -> dict[str, Any]:
    chain = plain_chain(assistant, path, threads)
    start = time.perf_counter()
    assistant.ask.prime()  # as `reflect serve` does in the background at start-up
    primed = round(time.perf_counter() - start, 2)
    ours: list[float | None] = []
    theirs: list[float] = []
    history: list[dict[str, str]] = []
    assistant.ask.max_tokens = 120
    for question in TURNS:
        log(f"turn: {question}")
        for event in assistant.ask.stream(question, history):
            if isinstance(event, Done):
                # None: the essays did not speak to it, answered without the model
                ours.append(event.answer.timings.get("first_token_s"))
                history += event.answer.history()
        theirs.append(round(chain(question)[0], 3))
    ratios = [round(o / t, 3) if o is not None else None
              for o, t in zip(ours, theirs, strict=True)]
    measured = [r for r in ratios if r is not None]
    timed = [o for o in ours if o is not None]
    return {"assistant_s": ours, "plain_chain_s": theirs, "ratio_per_turn": ratios,
            "max_ratio": max(measured), "turn6_over_turn1": round(timed[-1] / timed[0], 3),
            "prefix_read_at_start_s": primed}


def ingest_speed(settings: Settings) -> dict[str, Any]:
    """A full ingest of a corpus ten times the essays, against embedding the same texts raw."""
    from assistant.corpus import corpus_passages, load_corpus

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        for copy in range(10):
            for essay in settings.corpus_dir.glob("*.md"):
                text = essay.read_text().replace("title: \"", f"title: \"Copy {copy}: ", 1)
                (corpus / f"{copy}-{essay.name}").write_text(text)
        config = settings.model_copy(update={"corpus_dir": corpus,
                                             "store_dir": Path(scratch) / "store"})
        assistant = build_assistant(config)
        texts = [p.text for p in corpus_passages(load_corpus(corpus), config.chunk_size,
                                                 config.chunk_overlap)]
        assistant.retriever.embeddings.embed_documents(texts[:8])  # load the embedder first
        start = time.perf_counter()
        assistant.retriever.embeddings.embed_documents(texts)
        raw = time.perf_counter() - start
        full = assistant.ingest().sync.seconds
        again = assistant.ingest().sync.seconds
    return {"passages": len(texts), "raw_embed_s": round(raw, 3), "ingest_s": round(full, 3),
            "throughput_ratio": round(raw / full, 3), "reingest_s": round(again, 4),
            "reingest_fraction": round(again / full, 4)}


def retrieval_latency(settings: Settings, sizes: list[int]) -> dict[str, Any]:
    """p50/p95 of a hybrid search over synthetic passages (random unit vectors, random words)."""
    import numpy as np

    from assistant.corpus import Passage
    from assistant.index import PassageIndex
    from assistant.retrieval import KeywordIndex, Retriever

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(5000)]
    out: dict[str, Any] = {}
    embeddings = build_assistant(settings).retriever.embeddings
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            index = PassageIndex(Path(scratch), "synthetic", embeddings)
            store = index._chroma(create=True)  # noqa: SLF001 - fill it without embedding
            passages = [Passage(f"p{i}", "E", "S", "prose",
                                " ".join(random.choices(words, k=40)), "s.md", i)
                        for i in range(size)]
            vectors = rng.normal(size=(size, 384)).astype("float32")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for start in range(0, size, 5000):
                batch = passages[start:start + 5000]
                store._collection.add(  # noqa: SLF001
                    ids=[p.id for p in batch], documents=[p.text for p in batch],
                    metadatas=[p.metadata() for p in batch],
                    embeddings=vectors[start:start + 5000].tolist())
            retriever = Retriever(index, embeddings)
            retriever._keywords = KeywordIndex(passages)  # noqa: SLF001
            times: dict[str, list[float]] = {"hybrid": [], "embed": [], "vector": [],
                                             "keyword": []}
            for i in range(60):
                query = " ".join(random.choices(words, k=6)) + f" interdependence {i}"
                start = time.perf_counter()
                retriever.search(query, 5)
                times["hybrid"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()  # and each half of it apart, to see the slow one
                vector = embeddings.embed_query(query)
                times["embed"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                index.vector_search(vector, retriever.candidates)
                times["vector"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                retriever.keywords().search(query, retriever.candidates)
                times["keyword"].append((time.perf_counter() - start) * 1000)
            out[str(size)] = {}
            for part, measured in times.items():
                kept = sorted(measured[10:])
                out[str(size)][part] = {"p50_ms": round(statistics.median(kept), 2),
                                        "p95_ms": round(kept[int(0.95 * len(kept)) - 1], 2)}
            out[str(size)] |= out[str(size)]["hybrid"]  # p50_ms / p95_ms as before
            log(f"retrieval at {size}: {out[str(size)]}")
    return out


def cold_start(settings: Settings) -> dict[str, Any]:
    """From `reflect serve` to a page that answers, and that process's peak memory."""
    port = 7900 + random.randint(0, 90)
    env = {**os.environ, "ASSISTANT_PORT": str(port)}
    start = time.perf_counter()
    process = subprocess.Popen([str(Path(sys.executable).parent / "reflect"), "serve"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        ready = time.perf_counter() - start
        time.sleep(15)  # the model warms up in the background: let it finish for peak memory
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak = next(int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmHWM"))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"ready_page_s": round(ready, 2), "server_peak_rss_mb": round(peak / 1024, 1)}


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    turns = list(range(1, len(results["ttft"]["assistant_s"]) + 1))
    ours = [(t, v) for t, v in zip(turns, results["ttft"]["assistant_s"], strict=True)
            if v is not None]
    left.plot(turns, results["ttft"]["plain_chain_s"], "o-", label="plain LangChain chat")
    left.plot([t for t, _ in ours], [v for _, v in ours], "o-", label="Reflect")
    left.set(title="Time to first token per turn", xlabel="turn", ylabel="seconds")
    left.legend()
    sizes = list(results["retrieval"])
    right.plot([int(s) for s in sizes], [results["retrieval"][s]["p95_ms"] for s in sizes],
               "o-", label="p95")
    right.plot([int(s) for s in sizes], [results["retrieval"][s]["p50_ms"] for s in sizes],
               "o-", label="p50")
    for part in ("embed", "vector", "keyword"):  # the halves apart, p95
        if all(part in results["retrieval"][s] for s in sizes):
            right.plot([int(s) for s in sizes],
                       [results["retrieval"][s][part]["p95_ms"] for s in sizes], "--",
                       label=f"{part} p95")
    right.set(title="Hybrid search latency", xlabel="passages", ylabel="ms", xscale="log")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    os.environ.setdefault("ASSISTANT_N_THREADS", str(os.cpu_count() or 2))
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(store_dir=Path(scratch) / "store", data_dir=Path(scratch) / "data")
        assistant = build_assistant(settings, progress=True)
        log("ingest")
        assistant.ingest()
        path = chat_model_info(settings.model_path, settings.cache_dir).path
        results: dict[str, Any] = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                                   "model": path.name, "threads": settings.n_threads}
        log("generation speed")
        results["generation"] = generation_speed(assistant, path, settings.n_threads)
        log("time to first token, 6 turns")
        results["ttft"] = ttft(assistant, path, settings.n_threads)
        log("ingest throughput")
        results["ingest"] = ingest_speed(settings)
        log("retrieval latency")
        results["retrieval"] = retrieval_latency(settings, [int(s) for s in
                                                           args.sizes.split(",")])
        results["bench_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    log("cold start")
    results["cold_start"] = cold_start(Settings())
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = datetime.date.today().isoformat()
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / f"{stem}.png")
    shutil.copy(out / f"{stem}.json", out / "latest.json")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
