"""The community setup of docs/deploy.md, started on loopback and measured.

    .venv/bin/python bench/load.py --people 6 --minutes 4

Starts a PostgreSQL server (Debian's, in a temporary folder), a Chroma server, llama.cpp's
OpenAI-compatible server with the shipped Qwen, and two app replicas (`reflect serve`) that
share them; then N simulated people, each signed in as themselves on one of the replicas, talk
through the page's own API for M minutes: an essay question, listening turns, an invitation
asked for in the chat and one step of it, and one crisis message each. Reports time to the first
words and to the whole reply (p50 / p95), replies per minute, errors, the slowest person's wait
against the median person's, each part's peak memory, and whether every person's stored
conversations hold exactly what they sent and nothing of anyone else's.
Bounded: `--minutes` of talk, then every part is stopped; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.auth import hash_password  # noqa: E402
from assistant.history import ConversationStore  # noqa: E402
from assistant.models import assemble_chat_model  # noqa: E402
from tests.browser import free_port, wait_for  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402

BIN = Path(sys.executable).parent
QUESTIONS = ["What does the essay say about sovereignty?",
             "How is interdependence different from sameness?",
             "What does it mean to listen instead of fixing?"]
LISTENING = ["My sister never asks how I am.", "I keep thinking about the argument at work.",
             "The house feels empty since my son moved out.",
             "I said yes to another project and I'm already tired."]
CRISIS = "Lately I've been thinking about ending my life."
INVITATION = "Could we try the practice with a hand on the heart?"


def peak_kib(pid: int) -> int:
    """Peak resident memory of a process and its children (VmHWM), in KiB."""
    total = 0
    for child in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def text_of(content: object) -> str:
    """A chat message's text, in either of Gradio's shapes (a string or typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def children(pid: int) -> list[int]:
    """Every descendant of `pid`, from one reading of /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], list(parents.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += parents.get(child, [])
    return found


class Person(threading.Thread):
    """One signed-in person on one replica, talking until the deadline."""

    def __init__(self, name: str, password: str, url: str, deadline: float) -> None:
        super().__init__(name=name, daemon=True)
        self.who, self.password, self.url, self.deadline = name, password, url, deadline
        self.turns: list[dict[str, Any]] = []
        self.sent: list[str] = []
        self.errors: list[str] = []

    def say(self, client: Any, kind: str, message: str, chat: list[Any], mode: str) -> Any:
        start = time.perf_counter()
        first = None
        out = None
        job = client.submit(message, chat, mode, api_name="/ask")
        for out in job:
            reply = out[0][-1] if out and isinstance(out[0], list) and out[0] else None
            if first is None and reply and reply.get("role") == "assistant" and text_of(
                    reply.get("content")).strip():
                first = time.perf_counter() - start
        out = job.result()
        total = time.perf_counter() - start
        self.sent.append(message)
        status = str(out[3]) if out and len(out) > 3 else ""
        said, served = re.search(r"first words after ([0-9.]+) s", status), _complete(status)
        if said and served is not None:  # the wait in the queue, then the page's own figure
            first = total - served + float(said.group(1))
        if status.startswith("Not answered"):
            self.errors.append(f"{kind}: {text_of(out[0][-1].get('content'))[:200]}")
        self.turns.append({"person": self.who, "kind": kind, "first_s": first or total,
                           "total_s": total, "status": status[:40]})
        return out[0]

    def run(self) -> None:
        from gradio_client import Client

        try:
            client = Client(self.url, auth=(self.who, self.password), verbose=False)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            self.errors.append(f"sign-in: {exc}")
            return
        plan = [("question", QUESTIONS[0], "Ask"), ("listening", LISTENING[0], "Reflect"),
                ("invitation", INVITATION, "Reflect"), ("listening", LISTENING[1], "Reflect"),
                ("crisis", CRISIS, "Reflect"), ("question", QUESTIONS[1], "Ask"),
                ("listening", LISTENING[2], "Reflect"), ("question", QUESTIONS[2], "Ask"),
                ("listening", LISTENING[3], "Reflect")]
        chat: list[Any] = []
        step = int(self.who.removeprefix("person"))  # people start at different places
        try:  # a line only this person sends: found in anyone else's store, it crossed
            chat = self.say(client, "listening", f"Hello, I'm {self.who} and today was long.",
                            chat, "Reflect")
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"greeting: {type(exc).__name__}: {str(exc)[:200]}")
        while time.monotonic() < self.deadline:
            kind, message, mode = plan[step % len(plan)]
            step += 1
            try:
                chat = self.say(client, kind, message, chat, mode)
                if kind == "invitation":
                    chat = client.predict(chat, api_name="/invitation_begin")[0]
                    chat = self.say(client, "invitation step", "move on", chat, "Reflect")
                    chat = client.predict(chat, api_name="/invitation_stop")[0]
            except Exception as exc:  # noqa: BLE001 - an error is a figure here
                self.errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:200]}")
                chat = []


def _complete(status: str) -> float | None:
    found = re.search(r"complete in ([0-9.]+) s", status)
    return float(found.group(1)) if found else None


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--model", type=Path, default=None,
                        help="A GGUF chat model instead of the shipped Qwen (tests: a small one)")
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument("--replicas", type=int, default=2,
                        help="App replicas (with --layout embedded, each is a model: a slot)")
    parser.add_argument("--layout", choices=["server", "embedded"], default="server",
                        help="server: the replicas share llama.cpp's server; embedded: each "
                        "replica loads the model itself (the laptop's path, twice)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="reflect-load-"))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = []

    def start(name: str, command: list[str], probe: str, env: dict[str, str] | None = None,
              cwd: Path | None = None, seconds: float = 300) -> None:
        log = (root / f"{name}.log").open("w")
        logs.append(log)
        processes[name] = subprocess.Popen(command, env=env, cwd=cwd, stdout=log,
                                           stderr=subprocess.STDOUT)
        wait_for(probe, processes[name], seconds)
        print(f"{name}: up", flush=True)

    postgres = PostgresServer()
    try:
        database = postgres.fresh()
        chroma_port, model_port = free_port(), free_port()
        start("chroma", [str(BIN / "chroma"), "run", "--path", str(root / "chroma"), "--host",
                         "127.0.0.1", "--port", str(chroma_port)],
              f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat")
        model = args.model or assemble_chat_model(Path.home() / ".cache" / "reflect",
                                                  progress=False)
        if args.layout == "server":
            start("model server", [sys.executable, "-m", "assistant.model_server", "--model",
                                   str(model), "--n_ctx", str(args.n_ctx),
                                   *(["--chat_format", "chatml"] if args.model is None else []),
                                   "--n_threads", str(os.cpu_count()),
                                   "--n_threads_batch", str(os.cpu_count()),
                                   "--interrupt_requests", "False",  # else one cuts another off
                                   "--host", "127.0.0.1", "--port", str(model_port)],
                  f"http://127.0.0.1:{model_port}/v1/models")
        people = {f"person{i}": f"pass-{i}-{os.urandom(4).hex()}" for i in range(args.people)}
        users = ",".join(f"{n}:{hash_password(p)}" for n, p in people.items())
        clone = root / "app"
        shutil.copytree(ROOT / "corpus", clone / "corpus")
        base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        base.update(ASSISTANT_DATABASE_URL=database,
                    ASSISTANT_CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
                    ASSISTANT_USERS=users,  # the models already assembled, shared
                    ASSISTANT_CONCEPT_MAP="false",  # not what is measured (bench/concept_map.py)
                    XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
        if args.model is not None:
            base.update(ASSISTANT_MODEL_PATH=str(args.model), ASSISTANT_N_CTX=str(args.n_ctx))
        if args.layout == "server":
            base["ASSISTANT_OPENAI_BASE_URL"] = f"http://127.0.0.1:{model_port}/v1"
        subprocess.run([str(BIN / "reflect"), "ingest"], cwd=clone, check=True,
                       env={**base, "HOME": str(root / "ingest")}, capture_output=True)
        replicas = []
        for r in range(args.replicas):
            port = free_port()
            start(f"replica {r + 1}", [str(BIN / "reflect"), "serve"],
                  f"http://127.0.0.1:{port}/", cwd=clone,
                  env={**base, "ASSISTANT_PORT": str(port), "HOME": str(root / f"home{r}")})
            replicas.append(f"http://127.0.0.1:{port}/")
        print(f"{args.people} people for {args.minutes} min on {len(replicas)} replicas…",
              flush=True)
        began = time.monotonic()
        deadline = began + 60 * args.minutes
        crowd = [Person(name, password, replicas[i % len(replicas)], deadline)
                 for i, (name, password) in enumerate(people.items())]
        for person in crowd:
            person.start()
        memory: dict[str, int] = {}
        while any(p.is_alive() for p in crowd):
            for name, process in processes.items():
                memory[name] = max(memory.get(name, 0), peak_kib(process.pid))
            time.sleep(2)
            if time.monotonic() > deadline + 600:
                break
        elapsed = time.monotonic() - began
        memory["postgresql"] = peak_kib(int((postgres.data / "postmaster.pid").read_text()
                                            .split()[0]))
        store = ConversationStore(database)
        kept_ok, crossed = 0, 0
        for person in crowd:
            stored = [m.content for c in reversed(store.summaries(person.who))
                      for m in store.messages(c.id, person.who) if m.role == "user"]
            kept_ok += stored == person.sent
            crossed += sum(f"I'm {other.who} and" in m for other in crowd
                           if other is not person for m in stored)
        turns = [t for p in crowd for t in p.turns]
        waits = {p.who: statistics.mean(t["first_s"] for t in p.turns) for p in crowd
                 if p.turns}
        report = report_of(args, turns, crowd, waits, memory, elapsed, kept_ok, crossed)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        postgres.stop()
        for log in logs:
            log.close()
    write(report, args.out)
    if report["errors"] or report["stored_from_someone_else"] or not report["replies"] or (
            report["stored_exactly_as_sent"] != f"{args.people}/{args.people}"):
        sys.exit(1)  # lost, crossed or failed: the run says so


def report_of(args: argparse.Namespace, turns: list[dict[str, Any]], crowd: list[Person],
              waits: dict[str, float], memory: dict[str, int], elapsed: float, kept_ok: int,
              crossed: int) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({t["kind"] for t in turns}):
        these = [t for t in turns if t["kind"] == kind]
        by_kind[kind] = {
            "n": len(these),
            "first_p50": round(percentile([t["first_s"] for t in these], 0.5), 2),
            "first_p95": round(percentile([t["first_s"] for t in these], 0.95), 2),
            "total_p50": round(percentile([t["total_s"] for t in these], 0.5), 2),
            "total_p95": round(percentile([t["total_s"] for t in these], 0.95), 2),
            "statuses": sorted({t["status"].split(" ")[0] for t in these}),
        }
    median_wait = statistics.median(waits.values()) if waits else 0.0
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "machine": f"{os.cpu_count()} cores, {os.uname().machine}",
        "layout": args.layout, "people": args.people, "minutes": args.minutes,
        "replicas": args.replicas,
        "replies": len(turns), "replies_per_minute": round(len(turns) / (elapsed / 60), 2),
        "first_words_p50": round(percentile([t["first_s"] for t in turns], 0.5), 2),
        "first_words_p95": round(percentile([t["first_s"] for t in turns], 0.95), 2),
        "whole_reply_p50": round(percentile([t["total_s"] for t in turns], 0.5), 2),
        "whole_reply_p95": round(percentile([t["total_s"] for t in turns], 0.95), 2),
        "errors": [e for p in crowd for e in p.errors],
        "slowest_person_wait_vs_median": round(max(waits.values()) / median_wait, 2)
        if median_wait else None,
        "peak_memory_mib": {k: round(v / 1024) for k, v in memory.items()},
        "stored_exactly_as_sent": f"{kept_ok}/{len(crowd)}",
        "stored_from_someone_else": crossed,
        "by_kind": by_kind,
        "turns": turns,
    }


def write(report: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    day = report["date"][:10]
    name = f"load-{report['layout']}-{report['replicas']}x{report['people']}-{day}"
    (out / f"{name}.json").write_text(json.dumps(report, indent=1))
    kinds = list(report["by_kind"])
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, kind in enumerate(kinds):
        these = [t for t in report["turns"] if t["kind"] == kind]
        ax.scatter([i - 0.1] * len(these), [t["first_s"] for t in these], s=12,
                   label="first words" if i == 0 else None, color="tab:blue")
        ax.scatter([i + 0.1] * len(these), [t["total_s"] for t in these], s=12,
                   label="whole reply" if i == 0 else None, color="tab:orange")
    ax.set_xticks(range(len(kinds)), kinds)
    ax.set_ylabel("seconds")
    ax.set_title(f"{report['people']} people, {report['replicas']} replicas, "
                 f"{report['layout']} model "
                 f"({report['replies']} replies in {report['minutes']} min)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=110)
    shown = {k: v for k, v in report.items() if k != "turns"}
    print(json.dumps(shown, indent=1))


if __name__ == "__main__":
    main()
