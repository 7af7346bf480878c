# ahpstat — every target creates/refreshes the local virtual environment it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STUDY  ?= studies/hangzhou_2022/study.yaml
OUT    ?= out/hangzhou_2022

.PHONY: run test test-slow lint bench clean venv docs

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ahpstat run $(STUDY) --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q -n auto

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks studies
	$(BIN)/mypy
	$(BIN)/lint-imports

# the documentation site (Sphinx): every tutorial executed, warnings are errors
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis docs/_build docs/api docs/_generated
