# Two commands on a fresh machine:  make demo  and  make test.
# TORCH picks the PyTorch build, e.g. make demo TORCH="torch==2.13.0 --index-url <your CUDA wheel index>".
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := runs/demo

.PHONY: venv demo test test-all bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/contentpose train quick --out $(DEMO) $$([ -f $(DEMO)/checkpoint.safetensors ] && echo --resume)
	$(BIN)/contentpose evaluate $(DEMO)
	$(BIN)/contentpose analogy $(DEMO) --out $(DEMO)/analogy.png
	$(BIN)/contentpose interpolate $(DEMO) --out $(DEMO)/interpolation.png
	@echo "demo done: $(DEMO)/analogy.png, $(DEMO)/interpolation.png, $(DEMO)/eval.json"

test: venv
	$(BIN)/python -m pytest

test-all: venv
	$(BIN)/python -m pytest -m ""

bench: venv
	$(BIN)/python benchmarks/quick_demo.py

clean:
	rm -rf $(VENV) runs
