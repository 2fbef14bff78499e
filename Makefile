# The two commands of the README: `make bot` and `make test`. Both build the virtual environment first.
# The first Python that TensorFlow 2.21 supports (3.11 or 3.12); override with `make PYTHON=/path/to/python3.11`.
ifndef PYTHON
PYTHON := $(shell for p in python3.11 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && echo $$p && break; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: bot test train report eda bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "movierec needs Python 3.11 or 3.12 (TensorFlow 2.21 has no wheels for other" \
		"versions): install one, or run make PYTHON=/path/to/python3.11"; exit 1; }
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
