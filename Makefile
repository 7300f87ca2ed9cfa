# The README's two commands: `make demo` (the main job on the embedded model) and `make test`.
# Both set everything up on a fresh machine (a venv in .venv; llama.cpp compiles once, ~6 min).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ponder-installed

.PHONY: setup demo test test-quick lint bench

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
	  "A train leaves at 09:40 and the trip takes 187 minutes. Use the calculator to find how many hours and minutes that is, then say when it arrives."

lint: setup
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m mypy

test: setup lint
	$(PY) -m pytest || [ $$? -eq 5 ]

test-quick: setup
	$(PY) -m pytest -m "not slow"
