# Frontline: `make run` starts the demo, `make test` runs every test. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench lint check-migrations deploy-check messages catalogs clean-db help

help:
	@echo "make run    - set up, load the Dongcheng demo, start the server and the task worker"
	@echo "make test   - set up and run every test (SQLite; DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make bench  - run the benchmarks in bench/ (BENCH_ARGS=--quick for a short run)"
	@echo "make lint   - ruff"

$(VENV)/.base-installed: requirements/base.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/base.txt
	@touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.base-installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
	@touch $@

catalogs: $(VENV)/.base-installed
	@$(PY) manage.py compile_catalogs

run: $(VENV)/.base-installed
	@scripts/sysdeps.sh run
	@$(MAKE) --no-print-directory catalogs
	@scripts/run.sh

test: $(VENV)/.test-installed
	@scripts/sysdeps.sh test
	@$(MAKE) --no-print-directory catalogs
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test-installed
	@$(MAKE) --no-print-directory catalogs
	@# Every benchmark runs, even after one misses its goal; the list of misses comes last.
	@missed=""; for b in bench/*.py; do echo "== $$b"; $(PY) $$b $(BENCH_ARGS) || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "== goal missed or error in:$$missed"; exit 1; fi

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

check-migrations: $(VENV)/.base-installed
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: $(VENV)/.base-installed
	FRONTLINE_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))') \
	ALLOWED_HOSTS=frontline.example FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	$(PY) manage.py check --deploy --fail-level WARNING

# Update the gettext catalogs of every app from the source (needs GNU gettext).
messages: $(VENV)/.base-installed
	@scripts/messages.sh

clean-db:
	rm -f var/frontline.sqlite3 var/frontline.sqlite3-wal var/frontline.sqlite3-shm
