"""Drafts the fixing detector has to judge, for labelling by hand (issue 13).

    .venv/bin/python scripts/sample_drafts.py --cases eval/listening/sealed10/frozen.jsonl

The shipped reply is assembled, so it cannot fix; the detector earns its keep on drafts: the
drafting path (a server without token scores, or a message that cannot be restated) and any
model that writes freely. For each message three drafts on the shipped model, none gated:
- `listen-free`: the listening prompt and grammar, the first draft (attempt 0);
- `listen-anchored`: the same, held to begin with the restatement (where there is one);
- `plain`: a supportive friend's reply with no listening prompt, which the small model fills
  with advice (the kind of text the detector exists to catch).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import faithful  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.evaluation import read_frozen  # noqa: E402
from assistant.listening import tidy  # noqa: E402
from assistant.llm import Message  # noqa: E402
from assistant.service import build_assistant  # noqa: E402

PLAIN = "You are a kind, supportive friend. Reply in two or three sentences."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, required=True)
    args = parser.parse_args()
    assistant = build_assistant(Settings())
    listening = assistant.companion.listening
    for case in tqdm(read_frozen(args.cases)):
        history: list[Message] = []
        if before := case.get("before"):
            history = [{"role": "user", "content": before},
                       {"role": "assistant", "content": listening.reply(before).text}]
        message = case["message"]
        restated = faithful.restate_after(message, before)
        drafts = {"listen-free": listening.draft(message, history, None, 0).text}
        if restated:
            drafts["listen-anchored"] = listening.draft(message, history, restated, 0).text
        plain: list[Message] = [{"role": "system", "content": PLAIN}, *history,
                                {"role": "user", "content": message}]
        drafts["plain"] = tidy("".join(listening.model.stream(plain, max_tokens=120,
                                                               temperature=0.3, seed=0)))
        for kind, text in drafts.items():
            print(json.dumps({"id": f"{case['id']}-{kind}", "message_id": case["id"],
                              "kind": kind, "reply": text}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
