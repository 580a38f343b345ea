# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Python 3.12+ is required (Django 6). Look on PATH first, then in pyenv's versions,
# trying each candidate so that a pyenv shim for a version that is not active is skipped.
FIND_PYTHON := for c in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] 2>/dev/null | sort -rV); do \
	  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    command -v "$$c"; break; \
	  fi; \
	done

.PHONY: help install run worker test e2e lint format bench bench-sending backup restore clean-db

help:
	@echo "make run    install, start the embedded PostgreSQL, migrate, load demo content, serve on :8000"
	@echo "make worker run background tasks (sending the newsletter) in the foreground"
	@echo "make test   install and run the whole test suite against a real PostgreSQL"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench  run the load benchmarks in bench/"
	@echo "make bench-sending  email an issue to 2,000 subscribers with 1 then 2 workers"
	@echo "make backup [DIR=...]  back up the database and uploads (default var/backups/<UTC time>)"
	@echo "make restore DIR=...   restore a backup into an empty database and media folder"

$(STAMP): pyproject.toml
	@PYTHON="$${PYTHON:-$$($(FIND_PYTHON))}"; \
	if [ -z "$$PYTHON" ]; then \
	  echo "error: Python 3.12 or newer is needed and none was found." >&2; \
	  echo "       Install one (for example 'pyenv install 3.13' or 'apt-get install python3.13')," >&2; \
	  echo "       or point to it: make PYTHON=/path/to/python3.13 run" >&2; \
	  exit 1; \
	fi; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then rm -rf $(VENV); fi; \
	[ -x $(PY) ] || { echo "Creating $(VENV) with $$PYTHON"; "$$PYTHON" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) bin/requirements.py dev > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	@touch $(STAMP)

# Third-party checkers the suite runs (Nu HTML Checker, axe-core), pinned in package-lock.json.
# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; the machine's is used.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for the HTML and accessibility checks (apt-get install npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP)

# A worker runs beside the dev server (so the demo sends, to the console by default) and
# stops with it. It runs in its own session, so Ctrl-C reaches only the server and the
# worker gets one SIGTERM from the trap (a second signal would stop it mid-task).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@setsid $(PY) manage.py worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# The suite runs on every core (pytest-xdist); PYTEST_ARGS="-n 0 tests/..." runs part of it in one process.
PYTEST_ARGS ?= -n auto

# One worker in the foreground: SIGTERM (Ctrl-C) finishes the message in hand, then exits.
# Start as many as you like, on as many machines as reach the database.
worker: install
	$(PY) manage.py migrate --noinput
	exec $(PY) manage.py worker

test: install $(NODE_STAMP)
	$(PY) manage.py check
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# BENCH_ARGS='--profile "RSS feed"' adds a py-spy profile of a row; see bench/README.md.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# SENDING_ARGS="--subscribers 500 --workers 1,2,4" changes the size and the worker counts.
bench-sending: install
	$(PY) bench/mail_sending.py $(SENDING_ARGS)

# A backup folder per run: database.dump (pg_dump -Fc), media.tar and manifest.json.
# restore refuses a database or media folder that is not empty; RESTORE_ARGS=--replace
# deletes what they hold first. See README, "Backing up and restoring".
backup: install
	$(PY) manage.py backup "$${DIR:-var/backups/$$(date -u +%Y%m%dT%H%M%SZ)}"

restore: install
	@[ -n "$(DIR)" ] || { echo "usage: make restore DIR=var/backups/<folder> [RESTORE_ARGS=--replace]" >&2; exit 2; }
	$(PY) manage.py restore "$(DIR)" $(RESTORE_ARGS)

# The embedded database's folder as config/embedded_db.py reads EMBEDDED_PGDATA (unset or
# empty: var/pgdata), asked only when clean-db runs. Passed on by hand: $(shell) does not
# see a variable given on make's command line, which the recipe's commands do.
EMBEDDED_PGDATA_FOLDER = $(shell EMBEDDED_PGDATA='$(EMBEDDED_PGDATA)' $(PY) -c 'from config.embedded_db import PGDATA; print(PGDATA)')

clean-db:
	-$(PY) manage.py stop_embedded_db
	@test -n "$(EMBEDDED_PGDATA_FOLDER)" || { echo "error: $(PY) could not tell the embedded database's folder; nothing was deleted." >&2; exit 1; }
	rm -rf "$(EMBEDDED_PGDATA_FOLDER)"
