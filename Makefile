# The two commands of the README: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint format bench bench-quick es-start es-stop clean

# (Re)install when pyproject.toml changes; editable, so src/ edits need no reinstall.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The API server on http://127.0.0.1:5601; starts a local Elasticsearch when none is configured.
run: $(STAMP)
	$(BIN)/alertstatus serve

## Lint, then every test against a real Elasticsearch node.
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## Benchmark against raw Elasticsearch (docs/performance.md); sizes: make bench ARGS="--alerts 1000000".
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

## The same, tiny: a smoke run of seconds.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

es-start: $(STAMP)
	$(BIN)/alertstatus es start

es-stop: $(STAMP)
	$(BIN)/alertstatus es stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
