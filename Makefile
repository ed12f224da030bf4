# Two commands on a fresh machine:  make demo  and  make test.
# TORCH picks the PyTorch build, e.g. make demo TORCH="torch==2.13.0 --index-url <your CUDA wheel index>".
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := runs/demo

LINTED := src tests benchmarks scripts

.PHONY: venv demo test test-all browser lint gpu-check gpu-repro bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/contentpose train quick --out $(DEMO) $$([ -f $(DEMO)/checkpoint.safetensors ] && echo --resume)
	$(BIN)/contentpose train-predictor $(DEMO) $$([ -f $(DEMO)/predictor.safetensors ] && echo --resume)
	$(BIN)/contentpose evaluate $(DEMO)
	$(BIN)/contentpose analogy $(DEMO) --out $(DEMO)/analogy.png
	$(BIN)/contentpose interpolate $(DEMO) --out $(DEMO)/interpolation.png
	$(BIN)/contentpose predict $(DEMO) --context 5 --horizon 100 \
		--out $(DEMO)/prediction.mp4 --out $(DEMO)/prediction.gif --out $(DEMO)/prediction.png
	$(BIN)/contentpose transfer $(DEMO) --content test:0 --motion test:1 --frames 60 \
		--out $(DEMO)/transfer.mp4 --out $(DEMO)/transfer.gif --out $(DEMO)/transfer.png
	$(BIN)/contentpose report $(DEMO)
	@echo "demo done: open $(DEMO)/report.html; $(DEMO)/ also holds eval.json, analogy.png, interpolation.png,"
	@echo "prediction.{mp4,gif,png}, transfer.{mp4,gif,png}, prediction_curves.png and tensorboard/"
	@echo "(tensorboard --logdir $(DEMO)/tensorboard)"

# Tests run in up to 4 processes of one thread each (pytest-xdist), a test file per process; the
# processes share the session's torchrun launch and content classifiers (tests/conftest.py).
# `python -m pytest FILE` runs in one process.
PARALLEL := -n auto --maxprocesses 4 --dist loadfile

test: venv browser
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest $(PARALLEL)

test-all: venv browser
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest $(PARALLEL) -m ""

# Debian's chromium for the report's browser test, installed only if missing (else that test is skipped).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "note: Debian's chromium could not be installed; the report's browser test will be skipped"

lint: venv
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# On a machine with a GPU: CUDA tests, throughput against matmul, a 2-minute paper run; writes docs/gpu.md.
gpu-check: venv
	$(BIN)/python scripts/gpu_check.py

# On a machine with a GPU: DrNet as published (`paper`) towards its 12M samples, or MINUTES of it
# (resumed by the next call), scored on test; writes docs/results/gpu_repro.json.
MINUTES ?= 60
gpu-repro: venv
	$(BIN)/python scripts/gpu_repro.py --minutes $(MINUTES)

bench: venv
	$(BIN)/python benchmarks/quick_demo.py

# The venv and caches only: runs/ holds the user's results and stays.
clean:
	rm -rf $(VENV) .pytest_cache .contentpose-cache build dist src/*.egg-info
	find . -name __pycache__ -type d -not -path "./runs/*" -prune -exec rm -rf {} +
