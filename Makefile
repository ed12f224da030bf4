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
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "note: Debian's chromium could not be installed; the report's browser test will be skipped"
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
	$(BIN)/contentpose report $(DEMO)
	@echo "demo done: open $(DEMO)/report.html; $(DEMO)/ also holds eval.json, analogy.png, interpolation.png,"
	@echo "prediction.{mp4,gif,png}, prediction_curves.png and tensorboard/ (tensorboard --logdir $(DEMO)/tensorboard)"

test: venv
	$(BIN)/python -m pytest

test-all: venv
	$(BIN)/python -m pytest -m ""

bench: venv
	$(BIN)/python benchmarks/quick_demo.py

clean:
	rm -rf $(VENV) runs
