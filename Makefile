# Two commands from a clean clone: `make run` (demo on http://127.0.0.1:8000) and `make test`.
# Every target bootstraps first (idempotent: system packages checked, pip only when pyproject.toml changed).

VENV   ?= .venv
PY     := $(VENV)/bin/python
NPROC  := $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# Parallel tests (pytest-xdist) only where there is more than one CPU.
XDIST  := $(if $(filter-out 0 1,$(NPROC)),-n auto,)
PYTEST_ARGS ?=
ADDR   ?= 127.0.0.1:8000

.PHONY: help bootstrap run test worker beat bench lint migrate demo

help:
	@echo "make run      bootstrap, migrate, seed demo data, serve on http://$(ADDR)"
	@echo "make test     bootstrap (incl. Chromium), run the test suite"
	@echo "make worker   Celery worker       make beat   Celery beat (DatabaseScheduler)"
	@echo "make migrate  apply migrations    make demo   seed demo data"
	@echo "make bench    run benchmarks/bench_*.py (DATABASE_URL required)"
	@echo "make lint     ruff"

bootstrap:
	scripts/bootstrap.sh run

run: bootstrap
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(ADDR)

test:
	scripts/bootstrap.sh test
	scripts/pytest.sh $(XDIST) $(PYTEST_ARGS)

worker: bootstrap
	$(VENV)/bin/celery -A portal worker -l info

beat: bootstrap
	$(VENV)/bin/celery -A portal beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

migrate: bootstrap
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

bench:
	@test -n "$$DATABASE_URL" || { echo "make bench: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/bench)" >&2; exit 1; }
	scripts/bootstrap.sh bench
	@set -e; found=0; for f in benchmarks/bench_*.py; do \
	  [ -e "$$f" ] || continue; found=1; \
	  echo "== $$f"; PYTHONPATH=. $(PY) "$$f"; \
	done; \
	[ $$found = 1 ] || { echo "make bench: no benchmarks/bench_*.py found" >&2; exit 1; }

lint: bootstrap
	$(VENV)/bin/ruff check .
