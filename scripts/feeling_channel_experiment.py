"""Experiment (issue 13): does a named feeling fit the message? The shipped Qwen as a noisy
channel: log P(message | "a person who feels <feeling>") - log P(message | "a person").

    .venv/bin/python scripts/feeling_channel_experiment.py

Reads the hand labels of the listening sets (development data): a reply that names one feeling
of the list, labelled faithful (a fit) or misread with the feeling in its reason (a misfit);
scores 110 of each (seed 3) and prints the AUC and what a cut keeps and removes. Tried on
2026-12-07 and not shipped (eval/listening/README.md).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.listening import FEELINGS  # noqa: E402
from assistant.llm import load_llama  # noqa: E402


def pairs() -> dict[tuple[str, str], int]:
    """(message, feeling) -> 1 for a fit, 0 for a misfit, over every labelled set."""
    out = {}
    for folder in sorted((ROOT / "eval" / "listening").glob("sealed*")):
        if not (folder / "labels.jsonl").exists() or not (folder / "replies.jsonl").exists():
            continue
        read = [json.loads(line) for line in (folder / "frozen.jsonl").open()]
        messages = {m["id"]: m["message"] for m in read if "_about" not in m}
        replies = {r["id"]: r for r in map(json.loads, (folder / "replies.jsonl").open())}
        for label in map(json.loads, (folder / "labels.jsonl").open()):
            reply = replies.get(label.get("id", ""))
            if not reply or not reply.get("reply") or reply.get("message_id") not in messages:
                continue
            named = [f for f in FEELINGS if re.search(
                rf"\b(?:feel|feeling|felt)\s+(?:\w+ )?{re.escape(f)}\b", reply["reply"])]
            if len(named) != 1:
                continue
            reason = str(label.get("reason", ""))
            if label.get("faithful") is True:
                out[(messages[reply["message_id"]], named[0])] = 1
            elif label.get("faithful") is False and re.search(rf"\b{named[0]}\b", reason):
                out[(messages[reply["message_id"]], named[0])] = 0
    return out


def prompt(who: str) -> str:
    return ("<|im_start|>system\nYou write realistic example messages.<|im_end|>\n"
            f"<|im_start|>user\nWrite one message that {who} might type to a listening "
            "companion app.<|im_end|>\n<|im_start|>assistant\n")


def main() -> None:
    import llama_cpp
    from sklearn.metrics import roc_auc_score

    from assistant.config import Settings
    from assistant.models import chat_model_info

    items = list(pairs().items())
    random.Random(3).shuffle(items)
    items = [x for x in items if x[1] == 1][:110] + [x for x in items if x[1] == 0][:110]
    llm = load_llama(chat_model_info(None, Settings().cache_dir).path, n_ctx=1024,
                     n_batch=512, n_ubatch=512, n_threads=2, n_threads_batch=2)
    end = llm.tokenize(b"<|im_end|>", add_bos=False, special=True)

    def logprob(before: str, text: str) -> float:
        head = llm.tokenize(before.encode(), add_bos=False, special=True)
        body = llm.tokenize(text.encode(), add_bos=False, special=False)[-200:] + end
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        llm._batch.set_batch(head + body, n_past=0, logits_all=True)
        llm._ctx.decode(llm._batch)
        rows: Any = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx),
                                          shape=(len(head) + len(body), llm.n_vocab()))
        rows = rows[len(head) - 1:-1]
        rows = rows - np.logaddexp.reduce(rows, axis=1, keepdims=True)
        return float(rows[np.arange(len(body)), body].sum())

    plain: dict[str, float] = {}
    fit, score = [], []
    for (message, feeling), label in items:
        if message not in plain:
            plain[message] = logprob(prompt("a person"), message)
        fit.append(label)
        score.append(logprob(prompt(f"a person who feels {feeling}"), message) - plain[message])
    y, s = np.array(fit), np.array(score)
    print(f"{int(y.sum())} fits, {int((1 - y).sum())} misfits; AUC {roc_auc_score(y, s):.3f}")
    for cut in (-2, -1, 0, 1, 2):
        print(f"kept above {cut}: fits {int(((s > cut) & (y == 1)).sum())}, misfits removed "
              f"{int(((s <= cut) & (y == 0)).sum())}")


if __name__ == "__main__":
    main()
