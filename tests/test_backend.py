"""The portable llama.cpp build: a variant this CPU runs, AMX only where it really works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import backend
from assistant.errors import BackendError

FLAGS = next((line.split(":", 1)[1].split() for line in
              Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), [])


def test_the_build_is_portable_one_library_per_instruction_set() -> None:
    variants = {backend.variant_name(p.name) for p in backend.lib_dir().glob("libggml-cpu-*.so")}
    assert {"x64", "haswell", "skylakex", "zen4", "sapphirerapids"} <= variants
    assert not (backend.lib_dir() / "libggml-cpu.so").exists()  # no -march=native build


def test_each_variant_scores_this_cpu_by_what_it_lists() -> None:
    scores = backend.variant_scores(backend.lib_dir())
    assert scores["x64"] > 0
    assert (scores["haswell"] > 0) == ("avx2" in FLAGS)
    assert (scores["skylakex"] > 0) == ("avx512f" in FLAGS)
    assert (scores["sapphirerapids"] > 0) == ("amx_int8" in FLAGS)


def test_a_tile_instruction_that_faults_kills_the_child_not_us() -> None:
    # Without asking the kernel for the tile registers, tilezero faults on every x86 CPU.
    unasked = backend._AMX_PROBE.replace("libc.syscall(158, 0x1023, 18) != 0", "False")
    done = subprocess.run([sys.executable, "-c", unasked], capture_output=True, check=False)
    assert done.returncode == -signal.SIGILL
    if "amx_tile" not in FLAGS:
        assert not backend.amx_usable()


def test_amx_is_chosen_only_when_the_probe_ran(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    scores = {"x64": 1, "haswell": 64, "sapphirerapids": 4000}
    monkeypatch.setattr(backend, "variant_scores", lambda lib: scores)
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in scores:
        (lib / f"libggml-cpu-{name}.so").touch()
    monkeypatch.setattr(backend, "amx_kernels_run", lambda lib: True)
    monkeypatch.setattr(backend, "amx_usable", lambda: False)
    assert backend.choose(lib).variant == "haswell"
    monkeypatch.setattr(backend, "amx_usable", lambda: True)
    assert backend.choose(lib).variant == "sapphirerapids"
    assert backend.choose(lib).amx
    assert backend.choose(lib, frozenset({"sapphirerapids"})).variant == "haswell"
    # the tiles work but ggml's AMX kernels do not (llama.cpp 0.3.36 on a Xeon): left out
    monkeypatch.setattr(backend, "amx_kernels_run", lambda lib: False)
    chosen = backend.choose(lib)
    assert chosen.variant == "haswell" and chosen.tiles and not chosen.amx
    assert "kernels failed" in chosen.describe()
    with pytest.raises(BackendError, match="make rebuild-llama"):
        backend.choose(lib, frozenset(scores))


def test_a_crash_in_the_start_up_check_moves_to_the_next_variant(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_model: Path) -> None:
    """The child really dies of SIGILL on the best variant; the next one down is kept."""
    monkeypatch.setattr(backend, "_cache_file", lambda: tmp_path / "backend.json")
    best = backend.select().variant
    crash_on_best = (f"import os, signal\nif os.environ['{backend.ENV}'].endswith('-{best}.so'):"
                     "\n    os.kill(os.getpid(), signal.SIGILL)\n" + backend._SELFCHECK)
    monkeypatch.setattr(backend, "_SELFCHECK", crash_on_best)
    chosen = backend.selfcheck([(small_model, False)], cache=tmp_path / "check")
    assert chosen.variant != best and chosen.path is not None
    assert backend.select().variant == chosen.variant  # remembered for the next process
    assert best in json.loads((tmp_path / "backend.json").read_text())["excluded"]


def test_no_variant_that_runs_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path, small_model: Path) -> None:
    monkeypatch.setattr(backend, "_cache_file", lambda: tmp_path / "backend.json")
    monkeypatch.setattr(backend, "_SELFCHECK", "import os, signal\n"
                        "os.kill(os.getpid(), signal.SIGILL)\n")
    with pytest.raises(BackendError, match="make rebuild-llama"):
        backend.selfcheck([(small_model, False)], cache=tmp_path / "check")


@pytest.mark.slow
def test_reflect_models_says_which_variant_runs(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop(backend.ENV, None)
    done = subprocess.run([str(Path(sys.executable).parent / "reflect"), "models", "--json"],
                          capture_output=True, text=True, env=env, check=True, timeout=300)
    runtime = json.loads(done.stdout)["runtime"]
    assert runtime["backend"]["variant"] == backend.select().variant
    assert runtime["n_threads"] >= 1


def test_amx_kernels_that_die_in_the_child_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that really dies of SIGILL in the kernels' run says no, and we live on."""
    monkeypatch.setattr(backend, "_AMX_KERNELS", "import os, signal\n"
                        "os.kill(os.getpid(), signal.SIGILL)\n")
    assert not backend.amx_kernels_run(backend.lib_dir())


def test_the_variant_chosen_here_runs_a_quantized_model(tmp_path: Path,
                                                        small_model: Path) -> None:
    """The choice made afresh (no cache) runs llama.cpp's matrix kernels on a quantized model in
    a child without dying. On a Xeon that lists AMX this failed: the AMX variant was chosen
    because its tile registers worked, and the first token died of SIGILL in ggml's kernels."""
    chosen = backend.select(cache=tmp_path / "backend.json")
    env = {**os.environ, backend.ENV: chosen.path or ""}
    done = subprocess.run([sys.executable, "-c", backend._AMX_KERNELS, str(small_model)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (chosen.describe(), done.returncode, done.stderr[-500:])
    assert done.stdout.strip().endswith("ok")


def test_each_interpreter_keeps_its_own_choice(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """Two checkouts' virtualenvs on one machine do not overwrite each other's choice."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    mine = backend._cache_file()
    monkeypatch.setattr(sys, "executable", "/elsewhere/.venv/bin/python")
    theirs = backend._cache_file()
    assert mine != theirs and mine.parent == theirs.parent == tmp_path / "reflect"
