"""The chat model as a noisy channel for risk (assistant/care_channel.py), on the development sets.

    .venv/bin/python scripts/care_channel_experiment.py read [--ordinary 500] [--skip SET]
    .venv/bin/python scripts/care_channel_experiment.py report

`read` runs the shipped care check (without the channel) on every single message of the care
sets but `--skip` (the set that judges the change, never read here) and on a sample of the
ordinary ones and the listening sets' messages; for each it leaves unflagged it records the
meaning readers' risk, whether a word of distress was found (the gate's other half), and the
channel's score. Cached in .probe/channel-dev.json (re-run: only what is missing is read).
`report` prints the AUC among what the check leaves, and for each floor and cut how many risky
messages a check-in would reach and how many ordinary ones it would ask.

The figures of 2026-12-07 (eval/care/README.md) were read by a first version of `read` that
opened one llama.cpp context per description rather than one batch of sequences (the same
descriptions and sums; batched, llama.cpp's kernels differ in the last digits), on 1,084 risky
and the first 214 of the 500 sampled ordinary messages (stopped there for time), reading up to
200 tokens of a message; the shipped reader reads its last 32 (Likelihood.MAX_TEXT_TOKENS, for
its cost). 95 % of the development messages are 24 tokens or shorter; the few longer ones were
not read again at 32 (leaving them out altogether changes the figures by one ordinary message
asked fewer).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / ".probe" / "channel-dev.json"


def cases(skip: list[str], ordinary: int) -> list[tuple[str, str, str]]:
    risky, calm = [], []
    for path in sorted((ROOT / "eval/care").glob("*.jsonl")):
        if path.stem in skip:
            continue
        for line in path.read_text().splitlines():
            case = json.loads(line)
            if "_about" in case or case["kind"] == "conversation":
                continue
            (risky if case["level"] != "none" else calm).append(
                (f"{path.stem}/{case['id']}", case["messages"][0], case["level"]))
    for path in sorted((ROOT / "eval/listening").glob("*/frozen.jsonl")):
        for line in path.read_text().splitlines():
            case = json.loads(line)
            if "_about" not in case:
                calm.append((f"{path.parent.name}/{case['id']}", case["message"], "none"))
    random.Random(7).shuffle(calm)
    return risky + calm[:ordinary]


class Recorder:
    """Stands in for the channel to learn whether the check would read it (cut: never met)."""

    def __init__(self) -> None:
        self.cut, self.called = float("inf"), False

    def score(self, message: str) -> float:
        self.called = True
        return 0.0


def read(skip: list[str], ordinary: int) -> None:
    from tqdm import tqdm

    import assistant.care as care_module
    from assistant.care import CareCheck, CareState
    from assistant.care_channel import shipped_channel
    from assistant.config import Settings
    from assistant.service import build_assistant

    settings = Settings()
    shipped = build_assistant(settings).companion.care
    channel = shipped_channel(settings.cache_dir, settings.n_threads)
    done = {r["id"]: r for r in json.loads(OUT.read_text())} if OUT.exists() else {}
    care_module.CHANNEL_FLOOR = float("inf")  # called only where distress was found
    for cid, message, level in tqdm(cases(skip, ordinary), mininterval=30):
        if cid in done:
            continue
        recorder = Recorder()
        check = CareCheck(shipped.embeddings, probe=shipped.probe, channel=recorder)  # type: ignore[arg-type]
        verdict = check.check(message, CareState())
        row: dict[str, Any] = {"id": cid, "level": level, "verdict": verdict.level,
                               "risk": verdict.scores.get("risk"), "distress": recorder.called}
        if verdict.level is None:
            row["channel"] = channel.score(message)
        done[cid] = row
        if len(done) % 50 == 0:
            OUT.write_text(json.dumps(list(done.values())))
    OUT.write_text(json.dumps(list(done.values())))


def report() -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    rows = [r for r in json.loads(OUT.read_text()) if r["verdict"] is None]
    risky = np.array([r["level"] != "none" for r in rows])
    score = np.array([r["channel"] for r in rows])
    print(f"left unflagged by the shipped check: {risky.sum()} risky, {(~risky).sum()} ordinary;"
          f" channel AUC {roc_auc_score(risky, score):.3f}")
    for floor in (float("inf"), 1.0, 0.0, -1.0, float("-inf")):
        read_at = np.array([r["distress"] or (r["risk"] is not None and r["risk"] >= floor)
                            for r in rows])
        print(f"floor {floor}: read {read_at[risky].sum()} risky, {read_at[~risky].sum()} "
              "ordinary")
        for cut in (0.0, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0):
            asked = read_at & (score >= cut)
            print(f"  cut {cut:5.1f}: reaches {asked[risky].sum():3d} risky, asks "
                  f"{asked[~risky].sum():3d} ordinary")


if __name__ == "__main__":
    if sys.argv[1:2] == ["read"]:
        args = sys.argv[2:]
        skip = [args[i + 1] for i, a in enumerate(args) if a == "--skip"]
        n = int(args[args.index("--ordinary") + 1]) if "--ordinary" in args else 500
        read(skip, n)
    else:
        report()
