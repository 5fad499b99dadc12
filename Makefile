PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the package alone (what `make demo` needs) ...
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

# ... and with the test tools (pytest, ruff, the notebook runner)
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/chainrule train

test: $(VENV)/.installed-test
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks examples

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py --out benchmarks/results.md

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info chainrule-out
