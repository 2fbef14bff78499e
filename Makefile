# The two commands of the README: `make bot` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: bot test train report eda bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

bot: $(STAMP)
	$(BIN)/python -m scripts.train --if-missing
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

train: $(STAMP)
	$(BIN)/python -m scripts.train

report: $(STAMP)
	$(BIN)/python -m scripts.train --report

eda: $(STAMP)
	$(BIN)/python -m scripts.eda

bench: $(STAMP)
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
