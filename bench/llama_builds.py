"""The portable llama.cpp build against a native one, on this machine, with the shipped model.

    .venv/bin/python bench/llama_builds.py [--runs 3]

`make setup` builds llama.cpp for every x86-64 level and picks one at start (GGML_BACKEND_DL);
this measures what that costs. Each build runs in its own child process on the same GGUF and
threads: prompt reading (tokens/s over a 512-token prompt) and generation (tokens/s over 128
tokens), median of `--runs`. The native build (`-DGGML_NATIVE=ON`, what `make setup` used to
do) is compiled once into ~/.cache/reflect/wheels (about 6 minutes) and installed into a folder
of its own, never into .venv. Writes bench/results/llama-builds-<date>.json and .png.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import backend  # noqa: E402
from assistant.config import Settings, physical_cores  # noqa: E402
from assistant.models import chat_model_info  # noqa: E402

VERSION = "0.3.36"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reflect"
MEASURE = """
import json, sys, time
from llama_cpp import Llama
path, threads = sys.argv[1], int(sys.argv[2])
llm = Llama(model_path=path, n_ctx=2048, n_batch=512, n_threads=threads,
            n_threads_batch=threads, verbose=False, seed=7)
words = ("Listening is not fixing. Each person keeps their own sovereignty while we decide "
         "together, and difference is held without sameness. ") * 40
tokens = llm.tokenize(words.encode())[:512]
llm.eval(tokens[:8]); llm.reset()  # warm the threads
start = time.perf_counter(); llm.eval(tokens); read = len(tokens) / (time.perf_counter() - start)
llm.reset()
stamps = []
for _ in llm.create_completion("Write a long paragraph about gardens:", max_tokens=128,
                               temperature=0.0, stream=True):
    stamps.append(time.perf_counter())
generate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
print(json.dumps({"prompt_tok_s": read, "generation_tok_s": generate}))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def native_site() -> Path:
    """A folder holding llama-cpp-python built with -march=native, made once."""
    target = CACHE / f"llama-native-{VERSION}"
    if (target / "llama_cpp").is_dir():
        return target
    wheels = CACHE / "wheels" / f"llama-native-{VERSION}"
    if not list(wheels.glob("*.whl")):
        log("compiling llama-cpp-python with -DGGML_NATIVE=ON (about 6 minutes, once)")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                        "--no-binary", "llama-cpp-python", "-w", str(wheels),
                        f"llama-cpp-python=={VERSION}"], check=True,
                       env={**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=ON"})
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target",
                    str(target), *map(str, wheels.glob("*.whl"))], check=True)
    return target


def run(name: str, env: dict[str, str], model: Path, threads: int, runs: int) -> dict:
    rows = []
    for i in range(runs):
        done = subprocess.run([sys.executable, "-c", MEASURE, str(model), str(threads)],
                              env=env, capture_output=True, text=True, check=True, timeout=900)
        rows.append(json.loads(done.stdout))
        log(f"{name} run {i + 1}: {rows[-1]}")
    return {key: round(statistics.median(r[key] for r in rows), 2) for key in rows[0]}


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    builds = list(results["builds"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for axis, key, title in zip(axes, ("prompt_tok_s", "generation_tok_s"),
                                ("prompt reading, tokens/s", "generation, tokens/s"),
                                strict=True):
        axis.bar(builds, [results["builds"][b][key] for b in builds], color="#5b7fa6")
        axis.set_title(title)
        axis.tick_params(axis="x", rotation=20)
    fig.suptitle(f"llama.cpp builds, {results['model']}, {results['threads']} threads")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    model = chat_model_info(settings.model_path, settings.cache_dir).path
    threads = physical_cores()
    chosen = backend.select()
    base = {k: v for k, v in os.environ.items() if k != backend.ENV}
    builds = {f"portable ({chosen.variant})": {**base, backend.ENV: str(chosen.path)},
              "portable (haswell, AVX2 only)": {
                  **base, backend.ENV: str(backend.lib_dir() / "libggml-cpu-haswell.so")},
              "native (-march=native)": {**base, "PYTHONPATH": str(native_site())}}
    results: dict = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                     "model": model.name, "threads": threads, "runs": args.runs,
                     "cpu": next((line.split(":", 1)[1].strip() for line in
                                  Path("/proc/cpuinfo").read_text().splitlines()
                                  if line.startswith("model name")), "?"),
                     "builds": {name: run(name, env, model, threads, args.runs)
                                for name, env in builds.items()}}
    portable = results["builds"][f"portable ({chosen.variant})"]
    native = results["builds"]["native (-march=native)"]
    results["portable_over_native"] = {k: round(portable[k] / native[k], 3) for k in native}
    out = ROOT / "bench" / "results"
    stem = f"llama-builds-{datetime.date.today().isoformat()}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / f"{stem}.png")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
