"""Start warm: a fresh `reflect ask` process with and without the read prompt kept on disk.

    .venv/bin/python bench/start_warm.py     (part of `make bench`)

Each run is a new process on the shipped defaults (Qwen2.5-Coder-1.5B, n_ctx 8192, the two
essays in the cached prefix). Run 1 starts with no kept state, as the first start after
install or after the essays, the model or llama.cpp changed; runs 2 and 3 find the state the
first one left. The same cache of model files serves all three, so only the state differs.
Writes bench/results/start-warm-<date>.json and .png.
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
QUESTION = "What does the essay mean by interdependence?"


def run(cache: Path) -> dict[str, float]:
    env = {**os.environ, "ASSISTANT_CACHE_DIR": str(cache),
           "ASSISTANT_STORE_DIR": str(cache / "store")}
    start = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).parent / "reflect"), "ask", QUESTION,
                          "--json"], env=env, capture_output=True, text=True, check=True)
    total = time.perf_counter() - start
    timings = json.loads(out.stdout)["timings"]
    return {"process_s": round(total, 2), "first_token_s": timings.get("first_token_s"),
            "answer_s": timings.get("total_s")}


def main() -> None:
    from assistant.config import Settings

    models = Settings().cache_dir / "models"
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch)
        (cache / "models").symlink_to(models, target_is_directory=True)
        subprocess.run([str(Path(sys.executable).parent / "reflect"), "ingest"], check=True,
                       env={**os.environ, "ASSISTANT_CACHE_DIR": str(cache),
                            "ASSISTANT_STORE_DIR": str(cache / "store")},
                       capture_output=True)
        runs = []
        for n in range(3):
            runs.append(run(cache))
            kept = sum(p.stat().st_size for p in (cache / "states").glob("*.state"))
            print(f"run {n + 1}: {runs[-1]}, kept state {kept / 2**20:.0f} MB", flush=True)
    cold, warm = runs[0], runs[1:]
    warm_process = sorted(r["process_s"] for r in warm)[len(warm) // 2]
    result = {"question": QUESTION, "runs": runs, "kept_state_mb": round(kept / 2**20, 1),
              "cold_over_warm_process": round(cold["process_s"] / warm_process, 2)}
    day = dt.date.today().isoformat()
    out = ROOT / "bench" / "results"
    (out / f"start-warm-{day}.json").write_text(json.dumps(result, indent=2) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = ["1: nothing kept", "2: state kept", "3: state kept"]
    ax.bar(labels, [r["process_s"] for r in runs], color=["#c0504d", "#4c9a6a", "#4c9a6a"])
    ax.set(ylabel="seconds", title="A fresh `reflect ask` process, start to answer")
    fig.tight_layout()
    fig.savefig(out / f"start-warm-{day}.png", dpi=110)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
