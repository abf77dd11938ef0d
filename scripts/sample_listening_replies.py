"""Replies of the shipped assistant to a frozen listening set, for labelling by hand.

    .venv/bin/python scripts/sample_listening_replies.py --seed 7 >> eval/listening/replies.jsonl
    .venv/bin/python scripts/sample_listening_replies.py --cases eval/listening/sealed/frozen.jsonl

A case with "earlier" (or "before") is a second turn: its earlier message is said first.

Each message goes through the same turn a person gets (Companion.turn, Reflect mode, a fresh
conversation), on the shipped model and defaults; only the sampling seed changes between runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.conversation import REFLECT, Conversation, final_turn  # noqa: E402
from assistant.evaluation import read_frozen  # noqa: E402
from assistant.service import build_assistant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--opener", default=None, help="Say this first, so each message is "
                        "the second turn of a conversation (listening replies are greedy: "
                        "the seed alone does not change them).")
    parser.add_argument("--cases", type=Path,
                        default=ROOT / "eval" / "listening" / "frozen.jsonl")
    args = parser.parse_args()
    extra = {"seed": args.seed}
    if args.temperature is not None:
        extra["temperature"] = args.temperature
    assistant = build_assistant(Settings(**extra))
    cases = read_frozen(args.cases)
    for case in tqdm(cases, desc=f"seed {args.seed}"):
        talk = Conversation()
        if args.opener:
            final_turn(assistant.companion.turn(talk, args.opener, REFLECT))
        if earlier := case.get("earlier") or case.get("before"):  # sets name it either way
            final_turn(assistant.companion.turn(talk, earlier, REFLECT))
        turn = final_turn(assistant.companion.turn(talk, case["message"], REFLECT))
        policy = turn.policy.as_dict() if turn.policy else {}
        suffix = "t2" if args.opener else f"s{args.seed}"
        print(json.dumps({"id": f"{case['id']}-{suffix}", "message_id": case["id"],
                          "seed": args.seed, "opener": args.opener,
                          "route": turn.route, "reply": turn.text,
                          "status": policy.get("status"),
                          "seconds": turn.timings.get("total_s")}, ensure_ascii=False),
              flush=True)


if __name__ == "__main__":
    main()
