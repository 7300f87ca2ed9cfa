# The README's two commands: `make demo` (the main job on the embedded model) and `make test`.
# Both set everything up on a fresh machine (a venv in .venv; llama.cpp compiles once, ~6 min).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ponder-installed
# Real components the tests drive: headless Chromium (the report and `ponder view`), bubblewrap
# (the sandbox of the code-running tools). Installed with apt-get when it is there and we are root.
SYSTEM_PACKAGES ?= chromium bubblewrap
# The smoke suite's 41 cases on the embedded model: 51% (21/41) at the start of the last stop, 59%
# (24/41) in a fresh-clone run at its end (its refusals, file-vs-docs choices and set-up errors in word
# problems are hard for a 1.5B model); the gate sits five cases below that, since runs on a loaded CPU
# differ by a case or two (the KV cache is restored or re-read).
SMOKE_MIN ?= 0.45

.PHONY: setup system-packages demo test test-quick lint smoke

setup: $(STAMP)

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	  else echo "warning: install these system packages for the browser and sandbox tests:$$missing"; fi; \
	fi

$(STAMP): pyproject.toml Makefile
	$(MAKE) system-packages
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch==2.13.0: the CPU build (a bare `torch` may pull a multi-GB CUDA build for the embeddings extra).
	$(PY) -m pip install --quiet -e '.[local,server,web,mcp,knowledge,serve,ray,otel,embeddings,langchain,dev]' torch==2.13.0
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
# PONDER_TESTS_REQUIRE_ALL: a test whose component is missing (Chromium, Ray, bubblewrap, the model)
# fails instead of skipping, so CI cannot go green on tests that did not run.
test: setup lint smoke
	PONDER_TESTS_REQUIRE_ALL=1 $(PY) -m pytest

# The smoke eval on the embedded model, gated: CI fails if the agent's score drops below the bar.
# --no-cache: CI's verdict comes from the model, never from replayed runs.
smoke: setup
	$(VENV)/bin/ponder index docs/knowledge-base --name ponder-docs
	$(VENV)/bin/ponder eval evals/smoke.yaml --model local:qwen2.5-coder-1.5b --min-score $(SMOKE_MIN) --no-cache \
	  --junit .ponder/smoke-junit.xml --markdown .ponder/smoke.md --html .ponder/smoke.html

test-quick: setup
	$(PY) -m pytest -m "not slow"
