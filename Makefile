# Two commands do all the set-up: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on the embedded defaults (config.toml: SQLite in var/, local channels, no accounts).
demo: $(STAMP)
	$(BIN)/loa init
	$(BIN)/loa campaign import assets/campaigns/hoc-tap-suot-doi-2024.toml --start now --pace 2 --approve --replace
	$(BIN)/loa run --until-idle
	$(BIN)/loa queue --campaign hoc-tap-suot-doi-2024 --status done
	$(BIN)/loa status
	$(BIN)/loa report --campaign hoc-tap-suot-doi-2024 --format docx
	$(BIN)/loa report --campaign hoc-tap-suot-doi-2024 --format xlsx
	$(BIN)/loa report --campaign hoc-tap-suot-doi-2024 --format html
	@echo "Published site: $(CURDIR)/var/site/index.html; Facebook dry run: $(CURDIR)/var/dry-run/facebook/; reports: $(CURDIR)/var/reports/"

# four test processes on two cores (most tests wait on servers and daemons); each real server's tests share one
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 4 --dist loadgroup

# Mutation testing, outside `make test` (long): plants small bugs in claims, recovery, dispatch and the campaign file
# and lists the mutants no test killed (`$(BIN)/mutmut show NAME` shows one). Config: [tool.mutmut] in pyproject.toml.
mutate: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/mutmut results

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/daemon.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/log_export.py
	$(BIN)/python bench/official_report.py

clean:
	rm -rf $(VENV) var build *.egg-info mutants
