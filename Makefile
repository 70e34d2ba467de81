# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else (check, bench, fmt) builds on the same virtual environment.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint typecheck contracts fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

# Bytecode for our own packages, as a regular (non-editable) install has: start-up
# then skips compiling them, even where PYTHONDONTWRITEBYTECODE is set.
BYTECODE = $(BIN)/python -m compileall -q publisher channels queue_db

## demo: set up and run oyez on a seeded sandbox (SQLite + local outbox channels)
demo: $(STAMP)
	$(BYTECODE)
	$(BIN)/oyez demo

## test: set up and run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

## check: lint, format, types, import contracts and tests
check: lint typecheck contracts test

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: run the benchmarks and write docs/BENCHMARKS.md
bench: $(STAMP)
	$(BYTECODE)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
