"""Build assistant/data/care_probe.json: the care check's probe over the chat model's state.

    .venv/bin/python scripts/build_care_probe.py [--written-only]

Reads what scripts/build_care_model.py reads, never eval/: the Suicide Risk Lexicon's phrases
(put in a sentence frame), the written examples (scripts/data/care_examples.txt and the C-SSRS
templates), the lexicon's everyday constructs and everyday Reddit sentences (Advice-EMNLP2020
train). The codebook's prototypical examples are held out and reported. The scale and the cut
are set on Advice-EMNLP2020 dev (first-person sentences), as the meaning reader's are. Each
text's hidden state is read once by the shipped Qwen (about 0.3 s) and cached in .probe/.
A second head over the same state is fitted on scripts/data/care_messages.txt alone (messages
written the way people write them); `--written-only` refits just that head.
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
# The written-messages head (`written_head`): its regularisation and the score below which a
# flag of the meaning readers alone is not trusted, both chosen on the development sets (all of
# eval/care and the listening sets' messages then read, 2,634 of them, none trained on): there
# the head separates risky from ordinary messages at AUC 0.91 (0.92 with the second round of
# messages) against 0.87 for the probe above (C 0.003-0.1 within 0.02), and clearing below the
# median score of their ordinary messages spared 18 of 61 ordinary messages flagged by the
# shipped check for 5 of 658 risky ones lost (3 when the crisis reply asks first instead).
WRITTEN_C = 0.03
CLEAR_BELOW = -2.85


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


def written_messages(path: Path = ROOT / "scripts" / "data" / "care_messages.txt"
                     ) -> tuple[list[str], list[int]]:
    """The messages of `care_messages.txt` and their classes (0 none, 1 care, 2 crisis)."""
    classes = {"none": 0, "care": 1, "crisis": 2}
    texts, labels, section = [], [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = classes[line[1:-1]]
        elif line.strip() and not line.startswith("#") and section is not None:
            texts.append(line.strip())
            labels.append(section)
    return texts, labels


def written_head(vectors: Any) -> dict[str, Any]:
    """A second head over the same state, fitted on the written messages alone."""
    from sklearn.linear_model import LogisticRegression

    texts, labels = written_messages()
    x = vectors(texts, "written messages")
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    classifier = LogisticRegression(C=WRITTEN_C, max_iter=5000, class_weight="balanced")
    classifier.fit((x - mean) / scale, np.array(labels))
    return {"mean": pack(mean), "scale": pack(scale), "coef": pack(classifier.coef_),
            "intercept": pack(classifier.intercept_), "clear_below": CLEAR_BELOW,
            "messages": len(texts)}


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from assistant.models import CHAT_SHA256

    vectors = reader()
    out = ROOT / "assistant" / "data" / "care_probe.json"
    if "--written-only" in sys.argv:  # the second head alone, the first kept as it is
        data = json.loads(out.read_text())
        data["written"] = written_head(vectors)
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        return
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
    data["written"] = written_head(vectors)
    if out.exists():  # the joint cut chosen on the development sets is kept
        old = json.loads(out.read_text())["joint"]
        data["joint"].update(cut=old["cut"], check_in_above=old["check_in_above"])
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(json.dumps({k: data[k] for k in ("odds_scale", "cut", "held_out")}), file=sys.stderr)


if __name__ == "__main__":
    main()
