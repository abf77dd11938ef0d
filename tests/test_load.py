"""The community setup's load test, run small: PostgreSQL, a Chroma server, llama.cpp's server
and two app replicas started by bench/load.py, two signed-in people talking for a minute (each
replica warms the care check's two chat-model readers as it starts, about 15 s of the 2 cores:
in half a minute the two people got 2 replies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_two_people_on_two_replicas_keep_their_own_conversations(tmp_path: Path,
                                                                  small_model: Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--people", "2",
                          "--minutes", "1.0", "--layout", "server", "--model", str(small_model),
                          "--n-ctx", "4096", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [report_file] = tmp_path.glob("load-server-*.json")
    report = json.loads(report_file.read_text())
    assert report["errors"] == [] and report["stored_exactly_as_sent"] == "2/2"
    assert report["stored_from_someone_else"] == 0
    assert report["replies"] >= 4 and {"listening"} <= set(report["by_kind"])
    assert set(report["peak_memory_mib"]) >= {"chroma", "model server", "replica 1",
                                              "replica 2", "postgresql"}
    assert (tmp_path / report_file.name.replace(".json", ".png")).stat().st_size > 10_000
