# The two commands of the README: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint format bench bench-quick soak es-start es-stop clean console-screenshots

# (Re)install when pyproject.toml changes; editable, so src/ edits need no reinstall.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The console's front-end dependencies (docs/console.md), pinned by its package-lock.json.
CONSOLE       := src/alertstatus/console
CONSOLE_STAMP := $(CONSOLE)/node_modules/.installed-stamp

$(CONSOLE_STAMP): $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (tests/browser/), installed by `make test` when missing;
# `make test CHROMIUM=/path/to/chromium` uses another build.
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

# `make run ENGINE=opensearch-2.19`, `make bench ENGINE=opensearch-3.8`: the local node's engine.
ENGINE ?=
ENGINE_ENV := $(if $(ENGINE),ALERTSTATUS_ENGINE=$(ENGINE))

## The API server on http://127.0.0.1:5601; starts a local node when none is configured.
run: $(STAMP) $(CONSOLE_STAMP)
	$(ENGINE_ENV) $(BIN)/alertstatus serve

# The engines `make test` runs the suite on, one after the other (es/engines.py); with
# ELASTICSEARCH_URL set, the suite runs once, on that cluster.
ENGINES ?= elasticsearch-7.10 opensearch-2.19 opensearch-3.8
# The engines that also run the tests marked `multinode` (tests/faults and the serve lifetimes:
# a 3-node cluster, nodes of their own), in a session of their own after the rest, alone on the
# machine; the lifetimes only on the first engine. Minutes each: OpenSearch 2.19 is left out by
# default to keep CI within 40 minutes (docs/reliability.md, "Per engine");
# `make test FAULT_ENGINES="$(ENGINES)"` runs them on all, `FAULT_ENGINES=` on none.
FAULT_ENGINES ?= elasticsearch-7.10 opensearch-3.8
# The browser tests (marker `browser`, tests/browser/) run on the first engine only: the console
# calls the same API on every engine, and the API's own tests run on each.
# The rest of each engine's suite runs on two pytest-xdist workers, each with its own node
# (docs/elasticsearch.md, "Tests"). `make test TEST_WORKERS=` runs it in one process.
TEST_WORKERS ?= -n 2

## Lint, then every test against a real node of each engine in turn.
test: $(STAMP) $(CONSOLE_STAMP) $(CHROMIUM)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	@if [ -n "$$ELASTICSEARCH_URL" ]; then CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(TEST_WORKERS); else \
	  failed=""; \
	  for engine in $(ENGINES); do \
	    echo "== make test on $$engine =="; \
	    case "$$engine" in $(firstword $(ENGINES))) rest="not multinode";; \
	      *) rest="not multinode and not browser";; esac; \
	    CHROMIUM=$(CHROMIUM) ALERTSTATUS_ENGINE=$$engine $(BIN)/pytest $(TEST_WORKERS) -m "$$rest" \
	      || failed="$$failed $$engine"; \
	    case " $(FAULT_ENGINES) " in *" $$engine "*) \
	      echo "== make test on $$engine: the multinode tests =="; \
	      case "$$engine" in $(firstword $(ENGINES))) only="multinode";; \
	        *) only="multinode and not lifetimes";; esac; \
	      ALERTSTATUS_ENGINE=$$engine $(BIN)/pytest -m "$$only" \
	        || failed="$$failed $$engine(multinode)";; \
	    esac; \
	  done; \
	  if [ -n "$$failed" ]; then echo "== make test failed on:$$failed"; exit 1; fi; \
	fi

## The pictures in docs/console.md, taken by the console's browser tests.
console-screenshots: $(STAMP) $(CONSOLE_STAMP) $(CHROMIUM)
	CHROMIUM=$(CHROMIUM) CONSOLE_SCREENSHOTS=docs/images/console $(BIN)/pytest tests/browser -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## Benchmark against raw Elasticsearch (docs/performance.md); sizes: make bench ARGS="--alerts 1000000".
bench: $(STAMP)
	$(ENGINE_ENV) $(BIN)/python -m bench $(ARGS)

## The same, tiny: a smoke run of seconds.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

## Soak: `alertstatus loadtest`'s load for 10 minutes at 64 clients, the service and node watched
## (docs/reliability.md); make soak ARGS="--minutes 30 --clients 64".
soak: $(STAMP)
	$(ENGINE_ENV) $(BIN)/python -m bench.soak $(ARGS)

es-start: $(STAMP)
	$(BIN)/alertstatus es start

es-stop: $(STAMP)
	$(BIN)/alertstatus es stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
