# The README's two commands: `make demo` (the main job on the embedded model) and `make test`.
# Both set everything up on a fresh machine (a venv in .venv; llama.cpp compiles once, ~6 min).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ponder-installed

.PHONY: setup demo test test-quick lint smoke

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[local,server,web,mcp,knowledge,dev]'
	# BFCL's data only: its own dependencies (torch, vllm...) are not needed to read it.
	$(PY) -m pip install --quiet --no-deps bfcl-eval==2026.3.23
	touch $(STAMP)

demo: setup
	$(VENV)/bin/ponder run --steps --model local:qwen2.5-coder-1.5b \
	  "A warehouse has 1284 boxes of 36 widgets each and ships 9875 widgets. How many widgets are left? Use the calculator."

lint: setup
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m mypy
	$(VENV)/bin/mkdocs build --strict --quiet

# The gated smoke eval first, so that pytest's summary is the last thing CI prints.
test: setup lint smoke
	$(PY) -m pytest || [ $$? -eq 5 ]

# The smoke eval on the embedded model, gated: CI fails if the agent's score drops below the bar.
smoke: setup
	$(VENV)/bin/ponder index docs/knowledge-base --name ponder-docs
	$(VENV)/bin/ponder eval evals/smoke.yaml --model local:qwen2.5-coder-1.5b --min-score 0.5 \
	  --junit .ponder/smoke-junit.xml --markdown .ponder/smoke.md

test-quick: setup
	$(PY) -m pytest -m "not slow"
