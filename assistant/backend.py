"""Which of ggml's CPU builds runs here: chosen at start, AMX only where a child shows it works.

`make setup` builds llama.cpp once for every x86-64 level (GGML_BACKEND_DL with
GGML_CPU_ALL_VARIANTS): one `libggml-cpu-<variant>.so` per instruction set. ggml's own choice
trusts CPUID, and on a CPU that lists AMX the first token can die of SIGILL: where the machine
does not let a process use the tile registers, and where it does but ggml's AMX kernels load an
invalid tile configuration (llama.cpp 0.3.36 on a Xeon whose tiles work: SIGILL at `tilezero`
inside `ggml_backend_amx_mul_mat`; see ggml-org/llama.cpp#26954). So the choice is made here,
before llama.cpp loads: the best variant this CPU scores, leaving out AMX unless a child process
ran the tile instructions and then ggml's own AMX kernels on a quantized model, and handed to
ggml through GGML_BACKEND_PATH (which child processes inherit).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import BackendError

log = logging.getLogger(__name__)

ENV = "GGML_BACKEND_PATH"
AMX_VARIANTS = frozenset({"sapphirerapids"})
# ldtilecfg (%rdi); tilezero %tmm0; tilerelease; ret -- checked with `as` and `objdump`.
_AMX_CODE = "c4e2784907c4e27b49c0c4e27849c0c3"
_AMX_PROBE = f"""
import ctypes, mmap, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(158, 0x1023, 18) != 0:  # arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)
    sys.exit(3)
page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(bytes.fromhex("{_AMX_CODE}"))
run = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
config = (ctypes.c_uint8 * 64)()
config[0], config[16], config[48] = 1, 64, 16  # palette 1; tile 0: 16 rows of 64 bytes
run(ctypes.addressof(config))
print("ok")
"""
# ggml's AMX matrix kernels on the small quantized model (Q4_1, which they take), a prompt long
# enough for a tile of 16 rows and a few tokens generated.
_AMX_KERNELS = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_batch=64, verbose=False)
llm.create_completion("A handful of words for the matrix kernels to multiply: enough of them "
                      "to fill a tile of sixteen rows, and then a few more.", max_tokens=4,
                      temperature=0)
print("ok")
"""
PROBES = 2  # the probes' version: a cached choice made by older probes is made again
_SCORES = """
import ctypes, json, sys
from pathlib import Path
lib = Path(sys.argv[1])
ctypes.CDLL(str(lib / "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
scores = {}
for path in sorted(lib.glob("libggml-cpu-*.so")):
    score = ctypes.CDLL(str(path)).ggml_backend_score
    score.restype = ctypes.c_int
    scores[path.name] = score()
print(json.dumps(scores))
"""


@dataclass(frozen=True)
class Backend:
    variant: str  # "haswell", "zen4", ... or "single" for a build without variants
    path: str | None  # the library handed to ggml, None for a single build
    amx: bool  # AMX in use: the tile registers and ggml's AMX kernels ran in a child
    scores: dict[str, int]
    tiles: bool = False  # the tile registers ran in a child (AMX may still be left out)

    def describe(self) -> str:
        if self.path is None:
            return "one CPU build (no runtime variants: not portable to other CPUs)"
        amx = ("AMX in use" if self.amx else
               "AMX left out: ggml's AMX kernels failed a test run here" if self.tiles else
               "AMX not usable here")
        return f"ggml CPU variant {self.variant} (of {len(self.scores)}; {amx})"


def lib_dir() -> Path:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("llama-cpp-python is not installed. Run `make setup`.")
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def variant_name(library: str) -> str:
    return library.removeprefix("libggml-cpu-").split(".")[0]


def amx_usable(timeout: float = 30.0) -> bool:
    """Run AMX tile instructions in a child: a SIGILL there says no, and costs nothing here."""
    try:
        done = subprocess.run([sys.executable, "-c", _AMX_PROBE], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and done.stdout.strip() == "ok"


def amx_kernels_run(lib: Path, timeout: float = 120.0) -> bool:
    """ggml's AMX kernels multiply a quantized model's matrices in a child on the AMX variant:
    the tile registers working says nothing of the kernels' own tile configuration."""
    from .errors import AssistantError
    from .models import small_model_path

    try:
        model = small_model_path()
    except (AssistantError, OSError, ModuleNotFoundError):
        return False  # nothing quantized to try them on: not used
    library = next((lib / f"libggml-cpu-{v}.so" for v in sorted(AMX_VARIANTS)
                    if (lib / f"libggml-cpu-{v}.so").is_file()), None)
    if library is None:
        return False
    try:
        done = subprocess.run([sys.executable, "-c", _AMX_KERNELS, str(model)],
                              env={**os.environ, ENV: str(library)}, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    if done.returncode != 0:
        log.warning("ggml's AMX kernels died here (%s): AMX is left out",
                    _signal_name(done.returncode))
    return done.returncode == 0 and done.stdout.strip().endswith("ok")


def variant_scores(lib: Path) -> dict[str, int]:
    """What each variant's own ggml_backend_score says of this CPU (0: it cannot run here)."""
    done = subprocess.run([sys.executable, "-c", _SCORES, str(lib)], capture_output=True,
                          text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BackendError(f"Could not read the llama.cpp CPU variants in {lib} "
                           f"({done.stderr.strip()[-300:]}). Run `make rebuild-llama`.")
    return {variant_name(name): score for name, score in json.loads(done.stdout).items()}


def choose(lib: Path, excluded: frozenset[str] = frozenset()) -> Backend:
    if not list(lib.glob("libggml-cpu-*.so")):
        return Backend("single", None, False, {})
    scores = variant_scores(lib)
    listed = any(scores.get(v, 0) > 0 and v not in excluded for v in AMX_VARIANTS)
    tiles = listed and amx_usable()
    amx = tiles and amx_kernels_run(lib)
    usable = {v: s for v, s in scores.items()
              if s > 0 and v not in excluded and (amx or v not in AMX_VARIANTS)}
    if not usable:
        raise BackendError("No build of llama.cpp in this environment runs on this CPU; "
                           "run `make rebuild-llama`.")
    best = max(usable, key=lambda v: usable[v])
    return Backend(best, str(lib / f"libggml-cpu-{best}.so"), best in AMX_VARIANTS, scores,
                   tiles)


def _machine_key(lib: Path) -> str:
    """Changes when the CPU or the installed build changes (a copied .venv, a rebuild)."""
    flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("flags")), "") if Path("/proc/cpuinfo").exists() else ""
    files = sorted((p.name, p.stat().st_size, int(p.stat().st_mtime))
                   for p in lib.glob("libggml*.so*"))
    return hashlib.sha256(json.dumps([flags, files, sys.executable, PROBES]).encode()
                          ).hexdigest()


def _cache_file(what: str = "backend") -> Path:
    """One file per interpreter: two checkouts' virtualenvs used in turn would otherwise undo
    each other's choice (the key holds the interpreter) and probe again each time."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    which = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    return Path(base) / "reflect" / f"{what}-{which}.json"


def select(crashed: str | None = None, cache: Path | None = None) -> Backend:
    """The backend for this machine, chosen once per CPU and build and remembered, with the
    variants that crashed here (`crashed` adds one) left out from then on."""
    lib, cache = lib_dir(), cache or _cache_file()
    key, saved = _machine_key(lib), {}
    with contextlib.suppress(OSError, ValueError):
        saved = json.loads(cache.read_text())
    excluded = set(saved.get("excluded", [])) if saved.get("key") == key else set()
    if crashed is None and saved.get("key") == key and "backend" in saved:
        return Backend(**saved["backend"])
    excluded |= {crashed} if crashed else set()
    backend = choose(lib, frozenset(excluded))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "excluded": sorted(excluded),
                                 "backend": asdict(backend)}))
    return backend


_SELFCHECK = """
import sys
from llama_cpp import Llama
for path in sys.argv[1:]:
    embedding = path.endswith("#embedding")
    llm = Llama(model_path=path.removesuffix("#embedding"), embedding=embedding, n_ctx=256,
                n_batch=256, verbose=False)
    if embedding:
        llm.embed("a few words to embed")
    else:
        llm.create_completion("The first words of a reply", max_tokens=4, temperature=0)
print("ok")
"""


def selfcheck(models: list[tuple[Path, bool]], cache: Path | None = None) -> Backend:
    """Run the models (path, is_embedding) on a few tokens in a child, before a page opens;
    a crash there moves to the next variant down, and a clear error when none runs.
    Remembered once it passed."""
    cache = cache or _cache_file("selfcheck")
    backend = select()
    while True:
        key = hashlib.sha256(json.dumps([_machine_key(lib_dir()), [str(m) for m, _ in models],
                                         asdict(backend)]).encode()).hexdigest()
        if cache.is_file() and cache.read_text().strip() == key:
            return backend
        env = dict(os.environ)
        if backend.path is not None:
            env[ENV] = backend.path
        paths = [f"{path}#embedding" if embedding else str(path) for path, embedding in models]
        done = subprocess.run([sys.executable, "-c", _SELFCHECK, *paths], env=env,
                              capture_output=True,
                              text=True, timeout=600, check=False)
        if done.returncode == 0:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(key + "\n")
            return backend
        if done.returncode < 0 and backend.path is not None:
            log.warning("llama.cpp died of %s on %s; trying the next variant",
                        _signal_name(done.returncode), backend.variant)
            backend = select(crashed=backend.variant)
            continue
        raise BackendError(
            f"This build of llama.cpp cannot run the models on this CPU ({backend.describe()}: "
            f"{_signal_name(done.returncode)}; {done.stderr.strip()[-300:]}). "
            "Run `make rebuild-llama`, then start again.")


def _signal_name(returncode: int) -> str:
    import signal

    if returncode < 0:
        return signal.Signals(-returncode).name
    return f"exit status {returncode}"


_active: Backend | None = None


def ensure() -> Backend:
    """Point ggml at the chosen variant before llama.cpp first loads; once per process.

    A GGML_BACKEND_PATH already set by the person wins, and so does one a parent set."""
    global _active
    if _active is None:
        if os.environ.get(ENV):
            path = os.environ[ENV]
            _active = Backend(variant_name(Path(path).name), path, False, {})
        else:
            _active = select()
            if _active.path is not None:
                os.environ[ENV] = _active.path
        log.info("llama.cpp: %s", _active.describe())
    return _active
