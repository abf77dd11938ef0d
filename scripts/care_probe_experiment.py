"""Experiment: the chat model's own hidden state as a reader of risk (a linear probe).

    .venv/bin/python scripts/care_probe_experiment.py features   # embed training + dev texts
    .venv/bin/python scripts/care_probe_experiment.py report     # fit, and score the dev sets
    .venv/bin/python scripts/care_probe_experiment.py layers dev|train   # every 2nd layer's state
    .venv/bin/python scripts/care_probe_experiment.py layers-report      # a probe on each

Trains on what scripts/build_care_model.py trains on (the lexicon, the templates, the written
examples, Advice-EMNLP2020 train), never on eval/. Scores the development care sets (frozen,
sealed, sealed3-8, all read before) and the listening sets' messages; sealed9 is not read.
"""

from __future__ import annotations

import ctypes
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



LAYERS = (4, 6, 8, 10, 12, 14, 16, 18, 20)  # of the 28 blocks; read in one pass, to 20


class _Tensor(ctypes.Structure):
    """The head of ggml's `struct ggml_tensor` (ggml.h) as far as `name`."""

    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p),
                ("ne", ctypes.c_int64 * 4), ("nb", ctypes.c_size_t * 4), ("op", ctypes.c_int),
                ("op_params", ctypes.c_int32 * 16), ("flags", ctypes.c_int32),
                ("src", ctypes.c_void_p * 10), ("view_src", ctypes.c_void_p),
                ("view_offs", ctypes.c_size_t), ("data", ctypes.c_void_p),
                ("name", ctypes.c_char * 64)]


class Layers:
    """The last token's output of each block of LAYERS ("l_out-<i>", the residual stream)
    after the shipped question and a text, caught by llama.cpp's graph callback in one pass;
    the graph stops after the deepest (returning False from the callback ends it). Reads as
    assistant.llm.HiddenState does (the question kept in the cache, the text's end), which
    returns only the last layer."""

    def __init__(self, path: Path) -> None:
        import llama_cpp
        from llama_cpp import _internals

        from assistant.care_probe import PREFIX, SUFFIX
        from assistant.llm import HiddenState, load_llama

        self.max_text_tokens = HiddenState.MAX_TEXT_TOKENS
        want = {f"l_out-{i}".encode(): i for i in LAYERS}
        self.got: dict[int, Any] = {}

        def on_tensor(tensor: int, ask: bool, _data: Any) -> bool:
            t = ctypes.cast(tensor, ctypes.POINTER(_Tensor)).contents
            if t.name not in want:
                return not ask
            if ask:
                return True
            row = ctypes.cast(t.data + (t.ne[1] - 1) * t.nb[1], ctypes.POINTER(ctypes.c_float))
            self.got[want[t.name]] = np.ctypeslib.as_array(row, shape=(t.ne[0],)).copy()
            return want[t.name] != max(LAYERS)

        self._callback = llama_cpp.ggml_backend_sched_eval_callback(on_tensor)
        llm = load_llama(path, embedding=True, n_ctx=1024, n_batch=512, n_ubatch=512,
                         pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE, n_threads=2,
                         n_threads_batch=2)
        params = llm.context_params
        params.cb_eval = self._callback
        old = llm._ctx
        llm._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        old.close()
        self.llm = llm
        self.prefix = llm.tokenize(PREFIX.encode(), add_bos=False, special=True)
        self.suffix = llm.tokenize(SUFFIX.encode(), add_bos=False, special=True)
        self._decode(self.prefix, 0)

    def _decode(self, tokens: list[int], past: int) -> None:
        self.llm._batch.set_batch(tokens, n_past=past, logits_all=True)
        self.llm._ctx.decode(self.llm._batch)

    def __call__(self, text: str) -> Any:
        body = self.llm.tokenize(text.encode(), add_bos=False, special=False)
        self.llm._ctx.kv_cache_seq_rm(-1, len(self.prefix), -1)
        self.got = {}
        self._decode(body[-self.max_text_tokens:] + self.suffix, len(self.prefix))
        return np.stack([self.got[i] for i in LAYERS])


def layer_features(which: str) -> None:
    """Every LAYERS state of the dev messages or of the training texts, in .probe/."""
    from tqdm import tqdm

    from assistant.config import Settings
    from assistant.models import chat_model_info

    read = Layers(chat_model_info(None, Settings().cache_dir).path)
    texts = ([t for _, t, _ in dev_cases()] if which == "dev" else training_texts(1000)[0])
    OUT.mkdir(exist_ok=True)
    np.save(OUT / f"layers-{which}.npy",
            np.stack([read(t) for t in tqdm(texts, mininterval=30)]).astype(np.float16))


def layers_report() -> None:
    """A probe on each layer's state (fitted on the training texts as the shipped one is, at
    two regularisations, with the states standardised or first scaled to unit RMS): AUC on the
    development messages and risky messages above the 95th and 97th percentiles of the
    ordinary ones."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    train = np.load(OUT / "layers-train.npy").astype(np.float32)
    dev_states = np.load(OUT / "layers-dev.npy").astype(np.float32)
    _, labels, weights = training_texts(1000)
    risky = np.array([level != "none" for _, _, level in dev_cases()])
    for index, layer in enumerate(LAYERS):
        for norm in ("std", "rms"):
            x, d = train[:, index], dev_states[:, index]
            if norm == "rms":
                x = x / np.sqrt((x ** 2).mean(1, keepdims=True))
                d = d / np.sqrt((d ** 2).mean(1, keepdims=True))
            mu, sd = x.mean(0), x.std(0) + 1e-6
            for c in (0.001, 0.01):
                clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
                clf.fit((x - mu) / sd, np.array(labels), sample_weight=np.array(weights))
                p = clf.predict_proba((d - mu) / sd)
                score = np.log(p[:, 1] + p[:, 2] + 1e-9) - np.log(p[:, 0] + 1e-9)
                ordinary = np.sort(score[~risky])
                above = [int((score[risky] > ordinary[int(q * (len(ordinary) - 1))]).sum())
                         for q in (0.95, 0.97)]
                print(f"layer {layer:2d} {norm} C={c}: AUC {roc_auc_score(risky, score):.3f}, "
                      f"risky above q95 {above[0]}/{int(risky.sum())}, q97 {above[1]}",
                      flush=True)


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
    if sys.argv[1] == "layers":
        layer_features(sys.argv[2])
    elif sys.argv[1] == "layers-report":
        layers_report()
    elif sys.argv[1] == "baseline":
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
