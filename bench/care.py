"""The care check's cost per message: MiniLM alone (the baseline), with the chat model's probe,
and as shipped, with the probe and the chat model's noisy channel.

    .venv/bin/python bench/care.py [--every N]     (part of `make bench`; every Nth message)

Messages as people send them: the sealed listening sets' personal messages
(eval/listening/sealed*: venting, grief, worry) and XSTest's 250 harmless prompts. Both checks
run in this one process on the same messages, the probe's model loaded and its question read
before timing (as the page's warm-up does). Writes bench/results/care-<date>.json and .png: the
seconds of each message, the medians, p95s and their ratio to the baseline.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def messages() -> list[str]:
    out = []
    for path in sorted((ROOT / "eval" / "listening").glob("*/frozen.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if "_about" not in case and case.get("message"):
                out.append(case["message"])
    with (ROOT / "third_party" / "xstest" / "xstest_prompts.csv").open(encoding="utf-8") as fh:
        out += [row["prompt"] for row in csv.DictReader(fh) if row["label"] == "safe"]
    return out


def seconds_each(read: Callable[[str], object], texts: list[str]) -> list[float]:
    """How long `read` took on each text (bench/listening_wait.py times turns with it too)."""
    seconds = []
    for text in texts:
        start = time.perf_counter()
        read(text)
        seconds.append(time.perf_counter() - start)
    return seconds


def timed(check: object, texts: list[str]) -> list[float]:
    from assistant.care import CareCheck, CareState

    assert isinstance(check, CareCheck)
    return seconds_each(lambda text: check.check(text, CareState()), texts)


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"median_s": round(statistics.median(ordered), 4),
            "p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 4),
            "max_s": round(ordered[-1], 4)}


def main() -> None:
    from assistant.care import CareCheck
    from assistant.care_channel import shipped_channel
    from assistant.care_probe import shipped_probe
    from assistant.config import Settings
    from assistant.embeddings import LlamaEmbeddings
    from assistant.models import embedding_model_path

    cache = Settings().cache_dir
    embeddings = LlamaEmbeddings(lambda: embedding_model_path(None, cache))
    probe = shipped_probe(cache)
    probe.warm()
    channel = shipped_channel(cache)
    channel.warm()
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
    texts = messages()[::every]
    baseline = CareCheck(embeddings)
    timed(baseline, texts[:20])  # MiniLM loaded before timing, as the probe's model is
    runs = {"without probe (baseline)": timed(baseline, texts),
            "with probe": timed(CareCheck(embeddings, probe=probe), texts),
            "with probe and channel (shipped)": timed(
                CareCheck(embeddings, probe=probe, channel=channel), texts)}
    figures = {name: summary(s) for name, s in runs.items()}
    base, _, shipped = (figures[n] for n in runs)
    result = {"messages": len(texts), "figures": figures,
              "shipped_over_1s": sum(s > 1.0 for s in runs["with probe and channel (shipped)"]),
              "median_ratio": round(shipped["median_s"] / base["median_s"], 2),
              "p95_ratio": round(shipped["p95_s"] / base["p95_s"], 2)}
    day = dt.date.today().isoformat()
    out = ROOT / "bench" / "results"
    (out / f"care-{day}.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_shares(runs, (0.3, "target median 0.3 s"),
                "seconds for the care check of one message (2 cores)",
                f"Care check per message: {len(texts)} ordinary messages",
                out / f"care-{day}.png", log=True)
    print(json.dumps(result, indent=2))


def plot_shares(runs: dict[str, list[float]], target: tuple[float, str], xlabel: str,
                title: str, path: Path, log: bool = False) -> None:
    """Each run's seconds as the share of messages done by then, with the target marked
    (bench/listening_wait.py draws its runs with it too)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, seconds in runs.items():
        ordered = sorted(seconds)
        ax.plot(ordered, [i / len(ordered) for i in range(len(ordered))], label=name)
    ax.axvline(target[0], color="grey", linestyle=":", label=target[1])
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of messages")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
