"""`reflect chat` in a real terminal (tmux): its prompt, line editing and the session's
history of what was typed, as a person at a keyboard uses them."""

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assistant.history import ConversationStore
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow
REFLECT = str(Path(sys.executable).parent / "reflect")


def pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def wait_for(session: str, prompts: int, seconds: float = 180) -> str:
    """Until the terminal shows `prompts` "you>" prompts (the chat waits for a line)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if (shown := pane(session)).count("you>") >= prompts:
            return shown
        time.sleep(0.3)
    raise AssertionError(f"no prompt {prompts} in:\n{pane(session)}")


def keys(session: str, *typed: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *typed], check=True)


def test_chat_in_a_terminal_edits_a_line_and_recalls_it(tmp_path: Path, model_cache: Path,
                                                        small_model: Path) -> None:
    if not shutil.which("tmux"):
        pytest.fail("tmux is missing: `make test` installs Debian's tmux package")
    corpus, store, data = tmp_path / "corpus", tmp_path / "store", tmp_path / "data"
    shutil.copytree(CORPUS, corpus)
    env = {"ASSISTANT_CACHE_DIR": str(model_cache), "ASSISTANT_N_CTX": "2048",
           "ASSISTANT_MAX_ANSWER_TOKENS": "40", "ASSISTANT_CONCEPT_MAP": "false",
           "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_STORE_DIR": str(store), "ASSISTANT_MODEL_PATH": str(small_model)}
    subprocess.run([REFLECT, "ingest"], env={**os.environ, **env}, check=True,
                   capture_output=True)
    session = f"reflect-{uuid.uuid4().hex[:8]}"
    command = " ".join(["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                        REFLECT, "chat"])
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    command], check=True)
    try:
        wait_for(session, 1)
        keys(session, "-l", "I miss my brothr")
        keys(session, "Left")  # back over the "r", the missing "e" typed in its place
        keys(session, "-l", "e")
        keys(session, "Enter")
        wait_for(session, 2)
        keys(session, "Up")  # this session's history: the line comes back to be sent again
        time.sleep(1.0)
        recalled = pane(session).rstrip().splitlines()[-1]
        keys(session, "C-u")
        keys(session, "-l", "/quit")
        keys(session, "Enter")
        end = time.monotonic() + 30
        while time.monotonic() < end and subprocess.run(
                ["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            time.sleep(0.3)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    [kept] = ConversationStore(data / "conversations.sqlite3").summaries("local")
    said = ConversationStore(data / "conversations.sqlite3").messages(kept.id, "local")
    assert said[0].content == "I miss my brother" and said[1].role == "assistant"
    assert recalled.endswith("you> I miss my brother")
