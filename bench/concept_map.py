"""What the concept map costs at ingest, on the shipped defaults (Qwen2.5-Coder-1.5B, 2 cores).

    .venv/bin/python bench/concept_map.py     (part of `make bench`)

Three `reflect ingest` processes over the shipped corpus, in the same run: a first ingest with
the map turned off (the baseline), a first ingest with it on, then a re-ingest with nothing
changed. Then the map is scored against the hand labels (`reflect eval concepts`). Writes
bench/results/concept-map-<date>.json and .png.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFLECT = str(Path(sys.executable).parent / "reflect")


def ingest(store: Path, mapped: bool) -> float:
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(store),
           "ASSISTANT_CONCEPT_MAP": "true" if mapped else "false"}
    start = time.perf_counter()
    subprocess.run([REFLECT, "ingest"], cwd=ROOT, env=env, check=True, capture_output=True)
    return round(time.perf_counter() - start, 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = ingest(Path(scratch) / "plain", mapped=False)
        print(f"first ingest, no map: {base} s", flush=True)
        first = ingest(Path(scratch) / "mapped", mapped=True)
        print(f"first ingest with the map: {first} s", flush=True)
        again = ingest(Path(scratch) / "mapped", mapped=True)
        print(f"re-ingest, nothing changed: {again} s", flush=True)
        report = json.loads(subprocess.run(
            [REFLECT, "eval", "concepts", "--store", str(Path(scratch) / "mapped"), "--json"],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    result = {"ingest_without_map_s": base, "ingest_with_map_s": first,
              "map_adds_s": round(first - base, 1), "reingest_unchanged_s": again,
              "reingest_over_plain_first": round(again / base, 2),
              **{k: report[k] for k in ("concept_recall", "definitions_exact",
                                        "passage_precision", "definitions_that_define",
                                        "concepts", "links", "missed")}}
    print(json.dumps(result, indent=2))
    day = dt.date.today().isoformat()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"concept-map-{day}.json").write_text(json.dumps(result, indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    labels = ["first ingest\nno map", "first ingest\nwith map", "re-ingest\nunchanged"]
    ax.bar(labels, [base, first, again], color=["#8aa1b8", "#5b7fa6", "#c07a2c"])
    ax.axhline(base + 120, color="grey", linestyle="--", linewidth=1)
    ax.text(2.4, base + 122, "budget: +2 min", ha="right", va="bottom", fontsize=8)
    ax.set_ylabel("seconds (one process each)")
    ax.set_title("The concept map at ingest, 2 cores, shipped model")
    fig.tight_layout()
    fig.savefig(out / f"concept-map-{day}.png", dpi=120)


if __name__ == "__main__":
    main()
