"""Eval runners: cases in JSONL files, a runner per suite, a small report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import AssistantError
from .retrieval import Retriever
from .textnorm import normalize

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "eval"


def read_cases(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Read a JSONL dataset, saying which line is wrong when one is."""
    if not path.is_file():
        raise AssistantError(f"No dataset at {path}.")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{path}:{number} is not valid JSON ({exc.msg}).") from exc
        missing = [f for f in fields if f not in case]
        if missing:
            raise AssistantError(f"{path}:{number} lacks {', '.join(missing)}.")
        cases.append(case)
    return cases


def eval_retrieval(retriever: Retriever, cases: list[dict[str, Any]], k: int = 5) -> dict[str, Any]:
    """hit@1, hit@k and MRR: a hit is a passage that contains the gold span."""
    ranks: list[int | None] = []
    misses = []
    for case in cases:
        gold = normalize(case["gold"])
        passages = retriever.search(case["question"], k).passages
        rank = next((i for i, p in enumerate(passages, 1) if gold in normalize(p.text)), None)
        ranks.append(rank)
        if rank is None:
            misses.append(case["question"])
    n = len(cases)
    return {
        "n": n,
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4) if n else 0.0,
        f"hit@{k}": round(sum(r is not None for r in ranks) / n, 4) if n else 0.0,
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4) if n else 0.0,
        "misses": misses,
    }
