"""Experiment: the chat model's own hidden state as a reader of risk (a linear probe).

    .venv/bin/python scripts/care_probe_experiment.py features   # embed training + dev texts
    .venv/bin/python scripts/care_probe_experiment.py report     # fit, and score the dev sets

Trains on what scripts/build_care_model.py trains on (the lexicon, the templates, the written
examples, Advice-EMNLP2020 train), never on eval/. Scores the development care sets (frozen,
sealed, sealed3-8, all read before) and the listening sets' messages; sealed9 is not read.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

OUT = ROOT / ".probe"
DEV_SETS = ["frozen", "sealed", "sealed3", "sealed4", "sealed5", "sealed6", "sealed7", "sealed8"]


def training_texts(n_ground: int) -> tuple[list[str], list[int], list[float]]:
    import build_care_model as b

    rng = random.Random(13)
    lexicon = json.loads((ROOT / "third_party/suicide-risk-lexicon/lexicon_validated.json")
                         .read_text())
    everyday = b.advice_sentences(ROOT / "third_party/advice-emnlp2020", "train")
    personal = [t for t in everyday if b.FIRST_PERSON.match(t) or t.endswith("?")]
    ground = rng.sample(personal, min(n_ground, len(personal)))
    ground += rng.sample([t for t in everyday if t not in set(personal)], n_ground // 3)
    ground += b.essay_sentences(ROOT / "corpus") + b.windows(everyday, rng, n_ground // 3)
    model = b.build(lexicon, everyday, set(b.spell(p) for p in b.prototypes(
        ROOT / "third_party/suicide-risk-lexicon")))
    texts, labels, weights = list(ground), [0] * len(ground), [1.0] * len(ground)
    for label, name in ((2, "crisis"), (1, "care"), (0, "none")):
        phrases = model["examples"][name]
        if name == "none":  # the lexicon's everyday phrases, a sample (each costs a read)
            phrases = rng.sample(phrases, min(800, len(phrases)))
        for phrase in phrases:
            texts += [rng.choice(b.SENTENCE_FRAMES).format(phrase)]
            labels += [label]
            weights += [1.0]
        written = model["written"][name]
        texts += written
        labels += [label] * len(written)
        weights += [5.0] * len(written)
    return texts, labels, weights


def dev_cases() -> list[tuple[str, str, str]]:
    """(set, text, level) for every single message of the development sets."""
    out = []
    for name in DEV_SETS:
        for line in (ROOT / "eval/care" / f"{name}.jsonl").read_text().splitlines():
            case = json.loads(line)
            if "_about" in case or case["kind"] == "conversation":
                continue
            out.append((name, case["messages"][0], case["level"]))
    for folder in sorted((ROOT / "eval/listening").glob("sealed*")):
        if folder.name == "sealed9":
            continue
        for line in (folder / "frozen.jsonl").read_text().splitlines():
            case = json.loads(line)
            if "_about" not in case:
                out.append((f"listening-{folder.name}", case["message"], "none"))
    return out


# The question with what the C-SSRS and the 988 Lifeline's warning signs count as risk, and
# what they do not ("prompt2", tried and dropped): read once and cached, it costs nothing per
# message. "prompt" is the shipped question (assistant/care_probe.py).
PREFIX2 = ("<|im_start|>system\nYou are a careful clinician screening messages sent to a "
           "listening companion, as the Columbia Suicide Severity Rating Scale and the 988 "
           "Lifeline's warning signs teach. Risk includes: a wish to be dead or not to wake "
           "up, even said calmly, lightly or in passing; thoughts of ending one's life, said "
           "directly or indirectly; feeling a burden, that others would be better off "
           "without you; no reason to live, feeling trapped, pain that cannot be borne; "
           "saying goodbye, giving things away, putting affairs in order, a sudden calm "
           "after deciding; getting or looking for a means (pills, a rope, a gun, a height, "
           "a car's fumes, deep water, a train line); self-harm; an intent to harm someone; "
           "being harmed or threatened; and acute states: voices, delusions, mania without "
           "sleep, not eating, harmful compulsions, intoxication. Figures of speech ('dead "
           "tired', 'killing it'), grief, anger and worry without these signs are not risk."
           "<|im_end|>\n<|im_start|>user\nDoes the writer of this message show risk?"
           "\n\nMessage: ")


def prober(path: Path, mode: str) -> Any:
    """The last token's hidden state after the question of `mode` and a message (the
    figures of 2026-12-06 were read through llm.eval; the same vectors, to the last digit,
    as this HiddenState gives)."""
    from assistant.care_probe import PREFIX, SUFFIX
    from assistant.llm import HiddenState

    return HiddenState(lambda: path, PREFIX2 if mode == "prompt2" else PREFIX, SUFFIX, 2)


def features(mode: str, model: str, n_ground: int) -> None:
    from tqdm import tqdm

    from assistant.config import Settings
    from assistant.models import chat_model_info, small_model_path

    path = small_model_path() if model == "smol" else chat_model_info(
        None, Settings().cache_dir).path
    vector = prober(path, mode)
    texts, labels, weights = training_texts(n_ground)
    dev = dev_cases()
    OUT.mkdir(exist_ok=True)
    start = time.perf_counter()
    dev_vectors = np.array([vector(t) for _, t, _ in tqdm(dev, desc="dev")])
    per = (time.perf_counter() - start) / len(dev)
    train_vectors = np.array([vector(t) for t in tqdm(texts, desc="train")])
    np.savez(OUT / f"{model}-{mode}.npz", train=train_vectors, labels=np.array(labels),
             weights=np.array(weights), dev=dev_vectors)
    print(f"{per:.3f} s per dev message", file=sys.stderr)


def report(mode: str, model: str) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    data = np.load(OUT / f"{model}-{mode}.npz")
    x, y = data["train"], data["labels"]
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    dev = dev_cases()
    risky = np.array([lvl != "none" for _, _, lvl in dev])
    for c in (0.001, 0.01, 0.1):
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        clf.fit((x - mu) / sd, y, sample_weight=data["weights"])
        p = clf.predict_proba((data["dev"] - mu) / sd)
        score = np.log(p[:, 1] + p[:, 2] + 1e-9) - np.log(p[:, 0] + 1e-9)
        print(f"C={c}: dev AUC {roc_auc_score(risky, score):.3f}")
        ordinary = np.sort(score[~risky])
        for q in (0.95, 0.97, 0.99):
            cut = ordinary[int(q * (len(ordinary) - 1))]
            print(f"  cut at ordinary q{q}: risky above {int((score[risky] > cut).sum())}/"
                  f"{int(risky.sum())}")



def baseline() -> None:
    """The shipped meaning reader's risk score on the same dev messages."""
    from sklearn.metrics import roc_auc_score

    from assistant.care import CareCheck
    from assistant.config import Settings
    from assistant.embeddings import LlamaEmbeddings
    from assistant.models import embedding_model_path

    check = CareCheck(LlamaEmbeddings(lambda: embedding_model_path(None, Settings().cache_dir)))
    dev = dev_cases()
    score = np.array([check._meaning(t, False)[3].get("risk", -10.0) for _, t, _ in dev])
    risky = np.array([lvl != "none" for _, _, lvl in dev])
    np.save(OUT / "baseline.npy", score)
    print(f"MiniLM reader: dev AUC {roc_auc_score(risky, score):.3f}; above its cut "
          f"{int((score[risky] >= check._cut()).sum())}/{int(risky.sum())} risky, "
          f"{int((score[~risky] >= check._cut()).sum())}/{int((~risky).sum())} ordinary")


def dev_scores(model: str, mode: str, c: float) -> tuple[Any, Any, Any, Any]:
    """The probe fitted on the training texts, its log-odds on the dev messages, the MiniLM
    reader's risk on them, their sets and which are risky."""
    from sklearn.linear_model import LogisticRegression

    data = np.load(OUT / f"{model}-{mode}.npz")
    x, y = data["train"], data["labels"]
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit((x - mu) / sd, y, sample_weight=data["weights"])
    p = clf.predict_proba((data["dev"] - mu) / sd)
    probe = np.log(p[:, 1] + p[:, 2] + 1e-9) - np.log(p[:, 0] + 1e-9)
    dev = dev_cases()
    return (probe, np.load(OUT / "baseline.npy"), np.array([s for s, _, _ in dev]),
            np.array([lvl != "none" for _, _, lvl in dev]))


def combos(model: str = "qwen", mode: str = "prompt", c: float = 0.01) -> None:
    """Where the probe adds to the MiniLM reader, by dev set."""
    from sklearn.metrics import roc_auc_score

    probe, base, sets, risky = dev_scores(model, mode, c)
    ordinary = ~risky
    z = (probe - probe[ordinary].mean()) / probe[ordinary].std()
    zb = (base - base[ordinary].mean()) / base[ordinary].std()
    for name, groups in [("all", None), ("sealed7+8", {"sealed7", "sealed8"}),
                         ("sealed4-6", {"sealed4", "sealed5", "sealed6"}),
                         ("frozen-sealed3", {"frozen", "sealed", "sealed3"})]:
        keep = np.ones(len(sets), bool) if groups is None else np.array(
            [s in groups for s in sets])
        print(name, f"n={keep.sum()} risky={int((risky & keep).sum())}")
        for label, score in [("minilm", zb), ("probe", z), ("sum", zb + z),
                             ("max", np.maximum(zb, z))]:
            print(f"  {label:7s} AUC {roc_auc_score(risky[keep], score[keep]):.3f}")
    for label, score in [("minilm", zb), ("probe", z), ("sum", zb + z), ("max", np.maximum(zb, z))]:
        for fa in (10, 20, 30):
            cut = np.sort(score[ordinary])[-fa - 1]
            print(f"{label:7s} with {fa}/{int(ordinary.sum())} ordinary above: risky "
                  f"{int((score[risky] > cut).sum())}/{int(risky.sum())}")


def cascade(mode: str = "prompt", c: float = 0.01) -> None:
    """The probe added to the MiniLM risk (weight w) only where that risk is above a floor:
    risky messages reached at the false alarms the MiniLM reader has now, and the share of
    ordinary messages the probe reads (its cost)."""
    probe, base, sets, risky = dev_scores("qwen", mode, c)
    ordinary = ~risky
    z = (probe - probe[ordinary].mean()) / probe[ordinary].std()
    cut0 = 2.598670311766969
    fa0 = int((base[ordinary] >= cut0).sum())
    new = np.isin(sets, ["sealed7", "sealed8"])
    print(f"MiniLM alone: risky {int((base[risky] >= cut0).sum())}/{int(risky.sum())}, "
          f"ordinary {fa0}/{int(ordinary.sum())}; sealed7+8 risky "
          f"{int((base[risky & new] >= cut0).sum())}/{int((risky & new).sum())}")
    for w in (0.5, 1.0, 1.5, 2.0):
        for floor in (-99.0, 0.0, 1.0, 1.5, 2.0):
            read = base >= floor
            score = base + np.where(read, w * z, 0.0)
            cut = np.sort(score[ordinary])[-fa0 - 1] + 1e-6
            print(f"w={w} floor={floor:5.1f}: risky {int((score[risky] >= cut).sum())}/"
                  f"{int(risky.sum())} (sealed7+8 {int((score[risky & new] >= cut).sum())}/"
                  f"{int((risky & new).sum())}), ordinary read {int(read[ordinary].sum())}/"
                  f"{int(ordinary.sum())}, cut {cut:.2f}")


def joint() -> None:
    """The joint cut and check-in band, chosen on the development sets: the cut where as many
    ordinary messages are above it as are above the meaning reader's own cut now (46 of 716),
    and the check-in band's top where as many are above it as above the reader's own band
    (CHECK_IN_ABOVE) now. Written into
    assistant/data/care_probe.json."""
    from assistant.care_probe import RiskProbe

    path = ROOT / "assistant" / "data" / "care_probe.json"
    data = json.loads(path.read_text())
    vectors = np.load(OUT / "qwen-prompt.npz")["dev"]
    dev = dev_cases()
    by_text = {t: v for (_, t, _), v in zip(dev, vectors, strict=True)}
    probe = RiskProbe(lambda text: by_text[text], data)
    read = np.array([probe.score(t)[0] for _, t, _ in dev])
    base = np.load(OUT / "baseline.npy")
    risky = np.array([lvl != "none" for _, _, lvl in dev])
    ordinary = ~risky
    cut0 = 2.598670311766969
    fa0 = int((base[ordinary] >= cut0).sum())
    weight, floor = data["joint"]["weight"], data["joint"]["floor"]
    score = base + np.where(base >= floor, weight * read, 0.0)
    cut = float(np.sort(score[ordinary])[-fa0 - 1] + 1e-3)
    # the band: as many ordinary messages above its top as above the reader's own band now
    top0 = int((base[ordinary] >= cut0 + 1.75).sum())
    above = float(np.sort(score[ordinary])[-top0 - 1] + 1e-3 - cut)
    data["joint"].update({"cut": round(cut, 4), "check_in_above": round(above, 4)})
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"joint cut {cut:.3f}, check-in band {above:.2f} ({top0} ordinary above); risky above "
          f"{int((score[risky] >= cut).sum())}/{int(risky.sum())} (alone "
          f"{int((base[risky] >= cut0).sum())}), ordinary above "
          f"{int((score[ordinary] >= cut).sum())}/{int(ordinary.sum())} (alone {fa0})")


if __name__ == "__main__":
    if sys.argv[1] == "baseline":
        baseline()
    elif sys.argv[1] == "joint":
        joint()
    elif sys.argv[1] == "cascade":
        cascade(*sys.argv[2:3], *[float(a) for a in sys.argv[3:4]])
    elif sys.argv[1] == "combos":
        combos(*sys.argv[2:3], *sys.argv[3:4], *[float(a) for a in sys.argv[4:5]])
    elif sys.argv[1] == "features":
        features(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 3000)
    else:
        report(sys.argv[2], sys.argv[3])
