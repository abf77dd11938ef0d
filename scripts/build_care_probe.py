"""Build assistant/data/care_probe.json: the care check's probe over the chat model's state.

    .venv/bin/python scripts/build_care_probe.py

Reads what scripts/build_care_model.py reads, never eval/: the Suicide Risk Lexicon's phrases
(put in a sentence frame), the written examples (scripts/data/care_examples.txt and the C-SSRS
templates), the lexicon's everyday constructs and everyday Reddit sentences (Advice-EMNLP2020
train). The codebook's prototypical examples are held out and reported. The scale and the cut
are set on Advice-EMNLP2020 dev (first-person sentences), as the meaning reader's are. Each
text's hidden state is read once by the shipped Qwen (about 0.3 s) and cached in .probe/.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import build_care_model as b  # noqa: E402
from care_probe_experiment import training_texts  # noqa: E402

from assistant.care_probe import PREFIX, SUFFIX, RiskProbe, pack  # noqa: E402

C = 0.01  # chosen on the development care sets (scripts/care_probe_experiment.py)
QUANTILE = 0.95  # as the meaning reader's: 5% of everyday first-person dev sentences above
# Added to the meaning reader's risk with this weight, read only where that risk is at least
# FLOOR (its cut is 2.60): chosen on the development care sets (care_probe_experiment.py
# cascade), where the two together reached 424 of 496 risky messages at the meaning reader's
# own false alarms (46 of 716 ordinary), against 371 for it alone. The joint cut is set there
# too (`care_probe_experiment.py joint`).
WEIGHT, FLOOR = 1.0, 1.0
CACHE = ROOT / ".probe" / "states"


def reader(prefix: str = PREFIX, suffix: str = SUFFIX) -> Any:
    """vectors(texts, desc): the shipped chat model's states after `prefix`, each text and
    `suffix`, each read once and cached on disk under a key of the model and the question."""
    from assistant.config import Settings
    from assistant.llm import HiddenState
    from assistant.models import CHAT_SHA256, chat_model_info

    state = HiddenState(lambda: chat_model_info(None, Settings().cache_dir).path, prefix, suffix)
    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256((CHAT_SHA256 + prefix + suffix).encode()).hexdigest()[:12]

    def vectors(texts: list[str], desc: str) -> Any:
        out = []
        for text in tqdm(texts, desc=desc):
            path = CACHE / f"{key}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.npy"
            if not path.exists():
                np.save(path, state(text))
            out.append(np.load(path))
        return np.array(out)

    return vectors


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from assistant.models import CHAT_SHA256

    vectors = reader()
    texts, labels, weights = training_texts(1000)
    x = vectors(texts, "training texts")
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    classifier.fit((x - mean) / scale, np.array(labels), sample_weight=np.array(weights))
    data = {"about": __doc__.strip().splitlines()[0], "model_sha256": CHAT_SHA256,
            "size": int(x.shape[1]), "mean": pack(mean), "scale": pack(scale),
            "coef": pack(classifier.coef_), "intercept": pack(classifier.intercept_),
            "odds_scale": [0.0, 1.0], "cut": 0.0,
            "joint": {"weight": WEIGHT, "floor": FLOOR, "cut": 0.0, "check_in_above": 0.0}}
    dev = [t for t in b.advice_sentences(ROOT / "third_party/advice-emnlp2020", "dev")
           if b.FIRST_PERSON.match(t)][:600]
    probe = RiskProbe(lambda text: dev_states[text], data)
    dev_states = dict(zip(dev, vectors(dev, "everyday dev"), strict=True))
    odds = np.array([probe.score(t)[0] for t in dev])
    data["odds_scale"] = [float(odds.mean()), float(odds.std())]
    data["cut"] = float(np.quantile((odds - odds.mean()) / odds.std(), QUANTILE))
    held = [b.spell(p) for p in b.prototypes(ROOT / "third_party/suicide-risk-lexicon")]
    held_states = dict(zip(held, vectors(held, "held-out prototypes"), strict=True))
    probe = RiskProbe(lambda text: held_states[text], data)
    above = sum(probe.score(t)[0] >= data["cut"] for t in held)
    data["held_out"] = {"prototypes": f"{above}/{len(held)} above the cut"}
    out = ROOT / "assistant" / "data" / "care_probe.json"
    if out.exists():  # the joint cut chosen on the development sets is kept
        old = json.loads(out.read_text())["joint"]
        data["joint"].update(cut=old["cut"], check_in_above=old["check_in_above"])
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(json.dumps({k: data[k] for k in ("odds_scale", "cut", "held_out")}), file=sys.stderr)


if __name__ == "__main__":
    main()
