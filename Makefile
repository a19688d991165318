# Quartier: set-up and the main jobs. Every target makes the virtual environment first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast bench clean

$(STAMP): pyproject.toml
	@PYBIN=$$(tools/find-python) && echo "using $$PYBIN" && \
	  { [ -x $(PY) ] || $$PYBIN -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

## The main job: compare structures under the flagship scenario and write the report.
demo: $(STAMP)
	$(VENV)/bin/quartier compare scenarios/new_shelter.toml --replications 20 --out reports/new_shelter --overwrite

## Every test (what CI runs).
test: $(STAMP)
	$(PY) -m pytest -n 2 -q

## The fast set, about a minute.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -q -m "not slow"

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
