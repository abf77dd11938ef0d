"""The wait for a listening reply as a person has it, care check included: without the chat
model's noisy channel (the baseline) and with it (shipped), in the same run.

    .venv/bin/python bench/listening_wait.py [SET ...]   (default: eval/listening/sealed26)

Each message is the first turn of a fresh conversation in Reflect mode on the shipped defaults
(Companion.turn: the care check, then the reply, checked before it is shown, so it arrives
whole). One assistant, its models loaded and warmed on three other messages before timing; the
baseline is the same assistant with the channel taken out. Writes
bench/results/listening-wait-<date>.json and .png: each message's seconds, medians, p95s, the
ratio to the baseline, and how many turns took longer than the issue's 8 s.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from care import plot_shares, seconds_each  # bench/care.py: the same timing, figures, plot
from care import summary as care_summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def messages(folders: list[Path]) -> list[str]:
    out = []
    for folder in folders:
        for line in (folder / "frozen.jsonl").read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if "_about" not in case:
                out.append(case["message"])
    return out


def waits(assistant: object, texts: list[str]) -> list[float]:
    from assistant.conversation import REFLECT, Conversation, final_turn
    from assistant.service import Assistant

    assert isinstance(assistant, Assistant)
    return seconds_each(
        lambda text: final_turn(assistant.companion.turn(Conversation(), text, REFLECT)), texts)


def summary(seconds: list[float]) -> dict[str, float]:
    return {**care_summary(seconds), "over_8s": sum(s > 8.0 for s in seconds)}


def main() -> None:
    from assistant.config import Settings
    from assistant.service import build_assistant

    folders = [Path(a) for a in sys.argv[1:]] or [ROOT / "eval" / "listening" / "sealed26"]
    assistant = build_assistant(Settings())
    channel = assistant.companion.care.channel
    assert channel is not None, "the channel is off in these settings"
    channel.warm()
    waits(assistant, ["I had a long day at work.", "My sister called me today.",
                      "I keep thinking about the move."])
    texts = messages(folders)
    assistant.companion.care.channel = None
    base = waits(assistant, texts)
    assistant.companion.care.channel = channel
    shipped = waits(assistant, texts)
    runs = {"without the channel (baseline)": base, "with the channel (shipped)": shipped}
    figures = {name: summary(s) for name, s in runs.items()}
    b, s = figures["without the channel (baseline)"], figures["with the channel (shipped)"]
    result = {"messages": len(texts), "sets": [f.name for f in folders], "figures": figures,
              "median_ratio": round(s["median_s"] / b["median_s"], 2),
              "p95_ratio": round(s["p95_s"] / b["p95_s"], 2),
              "seconds": {name: [round(x, 3) for x in v] for name, v in runs.items()}}
    day = dt.date.today().isoformat()
    out = ROOT / "bench" / "results"
    (out / f"listening-wait-{day}.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_shares(runs, (8.0, "target p95 8 s"),
                "seconds from sending to the whole listening reply (2 cores)",
                f"Listening wait, care check included: {len(texts)} messages",
                out / f"listening-wait-{day}.png")
    print(json.dumps({k: v for k, v in result.items() if k != "seconds"}, indent=2))


if __name__ == "__main__":
    main()
