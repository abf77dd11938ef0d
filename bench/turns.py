"""Flat over a conversation: the time each turn waits, turn 1 to turn 6, median of 3 runs.

    .venv/bin/python bench/turns.py     (part of `make bench`)

On the shipped defaults (Qwen2.5-Coder-1.5B, n_ctx 8192, the essays in the cached prefix), in
one process, two ways in the same run:
- baseline: the model forgets the conversation after every reply (what it did before), so each
  turn reads the whole history again;
- shipped: the model keeps the conversation it is in the middle of (in memory, until another
  conversation's turn or a deletion), so a turn reads only what is new.
Essay answers are timed to their first token; listening replies (checked before they are shown)
to the whole reply. Writes bench/results/turns-<date>.json and .png.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "What does the essay mean by interdependence?",
    "Why does the author say sovereignty is not the same as standing alone?",
    "What does it say about listening instead of fixing?",
    "How can dependence be healthy?",
    "What does deciding together ask of people?",
    "What does the essay say about asking for support?",
]
SAID = [
    "My brother and I have not spoken since the move.",
    "He thinks I left the family behind when I took the job.",
    "I miss the Sunday dinners more than I expected.",
    "When I call, our mother talks about him the whole time.",
    "I keep writing him messages and deleting them.",
    "Part of me wants him to make the first step.",
]
RUNS = 3


def conversation(assistant: Any, keep: bool) -> dict[str, list[Any]]:
    from assistant.ask import Done

    key = uuid.uuid4().hex if keep else None
    asked: list[float | None] = []
    history: list[dict[str, str]] = []
    for question in QUESTIONS:
        for event in assistant.ask.stream(question, history, key):
            if isinstance(event, Done):
                # None: the essays did not speak to it, so no model call to time
                asked.append(event.answer.timings.get("first_token_s"))
                history += event.answer.history()
    listened: list[float] = []
    history = []
    for message in SAID:
        reply = assistant.companion.listening.reply(message, history, key)
        listened.append(reply.timings["total_s"])
        history += reply.history()
    return {"answer_first_token_s": asked, "listening_reply_s": listened}


def main() -> None:
    from assistant.config import Settings
    from assistant.service import build_assistant

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(store_dir=Path(scratch) / "store", data_dir=Path(scratch) / "data")
        assistant = build_assistant(settings)
        assistant.ingest()
        assistant.ask.prime()
        assistant.ask.max_tokens = 80
        runs: dict[str, list[dict[str, list[Any]]]] = {"baseline": [], "shipped": []}
        for run in range(RUNS):
            for name in runs:
                print(f"run {run + 1}/{RUNS}: {name}", file=sys.stderr, flush=True)
                runs[name].append(conversation(assistant, keep=name == "shipped"))
    results: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"),
                               "runs": RUNS, "turns": len(QUESTIONS)}
    for name, done in runs.items():
        for what in ("answer_first_token_s", "listening_reply_s"):
            medians = [median([r[what][t] for r in done]) for t in range(len(done[0][what]))]
            results.setdefault(name, {})[what] = medians
            timed = [m for m in medians if m is not None]
            results[name][what.replace("_s", "") + "_last_over_first"] = round(
                timed[-1] / timed[0], 2)
    for what in ("answer_first_token_s", "listening_reply_s"):
        results[f"{what.replace('_s', '')}_shipped_over_baseline"] = [
            round(s / b, 3) if s is not None and b is not None else None
            for s, b in zip(results["shipped"][what], results["baseline"][what], strict=True)]
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"turns-{dt.date.today().isoformat()}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / f"{stem}.png")
    print(json.dumps(results, indent=2))


def median(values: list[Any]) -> float | None:
    timed = [v for v in values if v is not None]
    return round(statistics.median(timed), 3) if timed else None


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, what, title in ((axes[0], "answer_first_token_s", "Essay answer: first token"),
                            (axes[1], "listening_reply_s", "Listening: whole reply")):
        for name, label in (("baseline", "forgets after each reply"),
                            ("shipped", "keeps this conversation")):
            points = [(t, v) for t, v in enumerate(results[name][what], start=1)
                      if v is not None]
            ax.plot(*zip(*points, strict=True), "o-", label=label)
        ax.set(title=title, xlabel="turn", ylabel="seconds (median of 3)")
        ax.set_ylim(bottom=0)
        ax.set_xticks(range(1, len(results["baseline"][what]) + 1))
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
