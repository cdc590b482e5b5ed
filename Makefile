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

# The main job on the embedded defaults, in a fresh folder each time: var/demo/ gets its own config.toml (from the
# shipped template: SQLite, local channels, no accounts), queue, site and reports, so a second `make demo` shows a
# full publication again and never touches a queue of yours. The rehearsal first shows the plan, leaving no trace.
# Then it serves the workspace on http://127.0.0.1:8080 with a fresh approver account `demo` (its password printed)
# until Ctrl-C; `make demo NO_SERVE=1` stops after the report (CI and scripts).
DEMO := var/demo
DEMO_LOA := $(BIN)/loa --config $(DEMO)/config.toml
SAMPLE := assets/campaigns/hoc-tap-suot-doi-2024.toml
# the demo's own lines come from the locale files too, in the officer's language (LOA_LANG; Vietnamese by default)
SAY := $(BIN)/python -c 'import sys; from loa.posts.i18n import t; print(t(sys.argv[1], **dict(a.split("=", 1) for a in sys.argv[2:])))'
demo: $(STAMP)
	rm -rf $(DEMO)
	$(DEMO_LOA) init
	$(DEMO_LOA) campaign rehearse $(SAMPLE) --pace 2
	$(DEMO_LOA) campaign import $(SAMPLE) --start now --pace 2 --approve
	$(DEMO_LOA) run --until-idle
	$(DEMO_LOA) queue --campaign hoc-tap-suot-doi-2024 --status done
	$(DEMO_LOA) status
	$(DEMO_LOA) report --campaign hoc-tap-suot-doi-2024 --format docx
	$(DEMO_LOA) report --campaign hoc-tap-suot-doi-2024 --format xlsx
	$(DEMO_LOA) report --campaign hoc-tap-suot-doi-2024 --format html
	@$(SAY) demo.where site=$(CURDIR)/$(DEMO)/var/site/index.html facebook=$(CURDIR)/$(DEMO)/var/dry-run/facebook/ \
		reports=$(CURDIR)/$(DEMO)/var/reports/ rehearsal=$(CURDIR)/$(DEMO)/var/rehearsal/
ifndef NO_SERVE
	@PASSWORD=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
	echo "$$PASSWORD" | $(DEMO_LOA) users add demo --role approver --display-name "Demo" --password-stdin >/dev/null; \
	$(SAY) demo.workspace url=http://127.0.0.1:8080 account=demo password=$$PASSWORD; \
	$(DEMO_LOA) web --host 127.0.0.1 --port 8080
endif

# four test processes on two cores (most tests wait on servers and daemons); each real server's tests share one
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 4 --dist loadgroup

# Mutation testing, outside `make test` (long): plants small bugs in claims, recovery, dispatch and the campaign file
# and lists the mutants no test killed (`$(BIN)/mutmut show NAME` shows one). Config: [tool.mutmut] in pyproject.toml.
mutate: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/mutmut results

# Each script prints its own figures and saves its rows of the closing table (bench/table.py), which comes last.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	rm -rf bench/out/table
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/draft.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/daemon.py
	$(BIN)/python bench/daemon_statements.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/monitor.py
	$(BIN)/python bench/log_export.py
	$(BIN)/python bench/official_report.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/table.py

clean:
	rm -rf $(VENV) var build *.egg-info mutants
