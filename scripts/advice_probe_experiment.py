"""Can the chat model's own state tell advice from the rest better than the MiniLM classifier?

    .venv/bin/python scripts/advice_probe_experiment.py [--train 3000] [--dev 1000] [--test]

The fixing detector's classifier reads a sentence's MiniLM vector (F1 0.60 on Advice-EMNLP2020
test at its best dev threshold). This reads the shipped Qwen's last hidden state after a fixed
question about advice and the sentence (the care probe's reader, `llm.HiddenState`), and fits a
logistic regression on Advice-EMNLP2020 train; C and the threshold are chosen on dev. The test
splits are read only with --test, and only to report. States are cached in .probe/states.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import build_care_probe  # noqa: E402
from train_advice_classifier import load, scores  # noqa: E402

PREFIX = ("<|im_start|>system\nYou read one sentence written in reply to someone who shared "
          "something personal.<|im_end|>\n<|im_start|>user\nDoes this sentence give advice: "
          "tell them what to do, suggest an action, recommend something, or steer them toward "
          "a fix?\n\nSentence: ")
SUFFIX = "<|im_end|>\n<|im_start|>assistant\nAnswer (yes or no):"

DATA = ROOT / "third_party" / "advice-emnlp2020"


def reader() -> Any:
    return build_care_probe.reader(PREFIX, SUFFIX)  # the same cached reading, this question


def sample(texts: list[str], labels: Any, n: int, seed: int) -> tuple[list[str], Any]:
    if n >= len(texts):
        return texts, labels
    pick = np.sort(np.random.default_rng(seed).choice(len(texts), n, replace=False))
    return [texts[i] for i in pick], labels[pick]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--dev", type=int, default=1000)
    parser.add_argument("--test", action="store_true", help="read the test splits (report)")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    vectors = reader()
    train = sample(*load(DATA, "train"), args.train, 1)
    dev = sample(*load(DATA, "dev"), args.dev, 2)
    x_train, x_dev = vectors(train[0], "train"), vectors(dev[0], "dev")
    scaler = StandardScaler().fit(x_train)
    best: tuple[float, float, float, Any] | None = None
    for c in (0.001, 0.003, 0.01, 0.03, 0.1):
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        model.fit(scaler.transform(x_train), train[1])
        p_dev = model.predict_proba(scaler.transform(x_dev))[:, 1]
        for threshold in np.arange(0.2, 0.91, 0.025):
            f1 = scores(dev[1], p_dev, threshold)["f1"]
            if best is None or f1 > best[0]:
                best = (f1, c, float(threshold), model)
        print(f"C={c}: dev best so far F1 {best[0]:.3f} (C={best[1]}, thr {best[2]:.3f})")
    assert best is not None
    f1, c, threshold, model = best
    report: dict[str, Any] = {"train": len(train[0]), "dev": len(dev[0]), "C": c,
                              "threshold": round(threshold, 3), "dev_f1": f1}
    if args.test:
        texts, labels = load(DATA, "test")
        p = model.predict_proba(scaler.transform(vectors(texts, "test")))[:, 1]
        report["test"] = scores(labels, p, threshold)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
