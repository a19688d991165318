# Quartier: set-up and the main jobs. Every target makes the virtual environment first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo dashboard test test-fast bench bench-dashboard clean

# Find a Python >= 3.12, make the venv, install Quartier with its test tools, and fill
# Solara's asset cache from the npm registry so the dashboard works offline.
$(STAMP): pyproject.toml tools/fetch_solara_assets.py
	@PYBIN=$$(tools/find-python) && echo "using $$PYBIN" && \
	  { [ -x $(PY) ] || $$PYBIN -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@command -v npm >/dev/null || { echo "npm is needed once to fetch the dashboard's offline files: apt-get install npm"; exit 1; }
	$(PY) tools/fetch_solara_assets.py
	@$(PY) -c "from simulation.runs import warm_kernels; print(f'compiled kernels ready ({warm_kernels():.0f} s; once per machine)')"
	@touch $(STAMP)

setup: $(STAMP)

## The main job: compare structures under the flagship scenario and write the report.
demo: $(STAMP)
	$(VENV)/bin/quartier compare scenarios/new_shelter.toml --replications 20 --out reports/new_shelter --overwrite

## The workshop dashboard on http://127.0.0.1:8765 (German; --lang en for English).
dashboard: $(STAMP)
	$(VENV)/bin/quartier dashboard

## Every test, the notebooks included (what CI runs).
test: $(STAMP)
	$(PY) -m pytest -n 2 -q --nbmake tests notebooks

## The fast set, about a minute: no browser, no notebooks, no long statistical checks.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -q -m "not slow" tests

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_compare.py
	$(PY) benchmarks/bench_sweep.py

## A workshop room on this computer: step latency with 1 and 15 browser sessions (needs chromium).
bench-dashboard: $(STAMP)
	$(PY) benchmarks/bench_dashboard.py --sessions 1 15

clean:
	rm -rf $(VENV) runs reports results .pytest_cache .hypothesis build dist
