# The community marketplace: one command per way of running it.
#
#   make demo      embedded default: SQLite, no services; migrate, load_demo, collectstatic,
#                  runserver on 127.0.0.1:$(PORT) with the demo couriers moving in the background
#   make lint      ruff, the import contracts (lint-imports), the import-circle check and the
#                  module-size check (no module over 450 lines)
#   make test      lint, install (with Debian's Chromium for the browser test), start PostgreSQL/Redis/
#                  Elasticsearch, run the whole pytest suite against them (a real Celery worker
#                  and the courier simulator are started by the test fixtures)
#   make services  start PostgreSQL (15432), Redis (16379), Elasticsearch (19200) on 127.0.0.1
#   make up        services + migrate + load_demo + gunicorn on 127.0.0.1:$(PORT) + worker + beat
#                  + simulated couriers (orders placed in the browser are delivered on their own)
#   make down      stop everything `make up` / `make test` started
#   make status    what is running
#
# Ports, users and data locations: scripts/env.sh and the header of each scripts/*.sh.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8000
PYTEST_ARGS ?=
# A fresh test database every run: a transactional test flushes the reference rows the data
# migrations load (business formats...), and --reuse-db (pyproject) would keep them flushed
# for the next run. `make test PYTEST_DB=` reuses the database for a faster local loop.
PYTEST_DB ?= --create-db
export PORT
# pip install --user puts uv here
export PATH := $(HOME)/.local/bin:$(PATH)

RUN := uv run --frozen --no-sync
DEV := scripts/with-env.sh dev
TEST := scripts/with-env.sh test
# The embedded default: none of the service variables, whatever the calling shell exports.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL -u ELASTICSEARCH_URL -u CELERY_BROKER_URL \
	-u CELERY_RESULT_BACKEND -u CELERY_TASK_ALWAYS_EAGER -u SEARCH_BACKEND -u DJANGO_SETTINGS_MODULE

.PHONY: help install browser demo services up down status lint test

help:
	@sed -n '3,14p' Makefile | sed 's/^# \{0,1\}//'

install:
	scripts/install.sh

# Debian's Chromium for the browser test (tests/test_browser_order_flow.py, tests/browser.py).
browser:
	scripts/chromium.sh install

demo: install
	@mkdir -p var  # the SQLite file lives in var/ (git-ignored, absent from a fresh clone)
	$(EMBEDDED) $(RUN) python manage.py migrate --noinput
	$(EMBEDDED) $(RUN) python manage.py load_demo
	$(EMBEDDED) $(RUN) python manage.py collectstatic --noinput -v 0
	@echo "Serving the demo on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it); couriers move on their own (log: var/couriers.log)"
	$(EMBEDDED) $(RUN) python manage.py simulate_couriers --speed-up 3 >var/couriers.log 2>&1 & couriers=$$!; \
	trap 'kill $$couriers 2>/dev/null' EXIT INT TERM; \
	$(EMBEDDED) $(RUN) python manage.py runserver 127.0.0.1:$(PORT)

services:
	scripts/services.sh start

up: install services
	$(DEV) $(RUN) python manage.py migrate --noinput
	$(DEV) $(RUN) python manage.py load_demo
	$(DEV) $(RUN) python manage.py search_index --rebuild  # bulk loads bypass the outbox
	$(DEV) $(RUN) python manage.py collectstatic --noinput -v 0
	$(DEV) scripts/celery.sh start worker
	$(DEV) scripts/celery.sh start beat
	$(DEV) scripts/web.sh start
	$(DEV) scripts/couriers.sh start
	@echo "Up: http://127.0.0.1:$(PORT)/ (make down stops everything)"

down:
	-scripts/couriers.sh stop
	-scripts/web.sh stop
	-scripts/celery.sh stop all
	scripts/services.sh stop

status:
	-scripts/services.sh status
	-scripts/celery.sh status
	-scripts/web.sh status
	-scripts/couriers.sh status

# The guards first (seconds, no service needed): lint and import order (ruff, config in
# pyproject.toml), the layer contracts (import-linter, [tool.importlinter]) and no import circle.
lint:
	$(RUN) ruff check .
	$(RUN) lint-imports
	$(RUN) python scripts/import_cycles.py
	$(RUN) python scripts/module_sizes.py

# CI-style: the guards, then the real services, tasks on a real worker (CELERY_TASK_ALWAYS_EAGER=false).
test: install lint browser services
	$(TEST) $(RUN) pytest $(PYTEST_DB) $(PYTEST_ARGS)
