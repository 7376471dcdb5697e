# Two commands for a newcomer: `make demo` (set up, load the demo surveys, serve the app)
# and `make test` (set up, run the tests). See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export REPERTOIRE_INSTANCE ?= $(CURDIR)/instance
DEMO_SURVEYS = tests/fixtures/enquete-partenariats-2024.xlsx tests/fixtures/questionnaire-export.csv \
               tests/fixtures/reponses-2019.csv tests/fixtures/mise-a-jour-2025.csv \
               tests/fixtures/partenaires-armenie-maroc.csv

.PHONY: setup system demo serve test bench drills notebook clean
setup: system $(VENV)/.installed

system:
	bash scripts/install-system.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,icu]'
	touch $@

demo: setup
	$(BIN)/repertoire ingest $(wildcard $(DEMO_SURVEYS))
	$(BIN)/repertoire index
	$(BIN)/repertoire serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python tests/bench_ingest.py
	$(BIN)/python tests/bench_search.py
	$(BIN)/python tests/bench_maps.py
	$(BIN)/python tests/bench_pdf.py

# Fault drills (issue 6): hostile files, kill -9, load; each script prints its figures.
drills: setup
	for drill in tests/drills/*.py; do $(BIN)/python $$drill || exit 1; done

# docs/python-api.ipynb executed on the demo data (after `make demo` loaded ./instance).
notebook: setup
	$(BIN)/pip install -q -e '.[docs]'
	$(BIN)/repertoire index
	cd docs && $(abspath $(BIN))/jupyter-execute --inplace python-api.ipynb

clean:
	rm -rf $(VENV) instance
