# Two commands from a clean clone: `make run` (demo on http://127.0.0.1:8000) and `make test`.
# Every target bootstraps first (idempotent: system packages checked, pip only when pyproject.toml changed).

VENV   ?= .venv
PY     := $(VENV)/bin/python
NPROC  := $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# Parallel tests (pytest-xdist) only where there is more than one CPU. worksteal: a worker that runs out takes
# pending tests from the other, so the long fault drills and browser tests do not leave one worker running alone.
XDIST  := $(if $(filter-out 0 1,$(NPROC)),-n auto --dist worksteal,)
PYTEST_ARGS ?=
ADDR   ?= 127.0.0.1:8000

.PHONY: help bootstrap run test test-migrations worker beat bench lint migrate demo messages

help:
	@echo "make run      bootstrap, migrate, seed demo data, serve on http://$(ADDR) with a Celery worker (ADDR=host:port)"
	@echo "make test     bootstrap (incl. Chromium), run the test suite"
	@echo "make test-migrations  the 作废 data migrations' round trip (4 minutes; not in make test)"
	@echo "make worker   Celery worker       make beat   Celery beat (DatabaseScheduler)"
	@echo "make migrate  apply migrations    make demo   seed demo data"
	@echo "make bench    run benchmarks/bench_*.py (DATABASE_URL required)"
	@echo "make lint     ruff"
	@echo "make messages  update locale/en/LC_MESSAGES/django.po and compile django.mo (needs GNU gettext)"

bootstrap:
	scripts/bootstrap.sh run

# ADDR=0.0.0.0:8080 serves on another address/port (add the host name to DJANGO_ALLOWED_HOSTS).
run: bootstrap
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	scripts/run_embedded.sh $(ADDR)

# --durations: the slowest tests, printed above the closing "N passed" line, show where CI's 30 minutes go.
test:
	scripts/bootstrap.sh test
	scripts/pytest.sh $(XDIST) --durations=25 $(PYTEST_ARGS)

# The 作废 data migrations' round trip (tests/portal/test_void_migration.py): 4 minutes, not in the per-commit run.
test-migrations:
	scripts/bootstrap.sh test
	RUN_MIGRATION_ROUNDTRIP=1 scripts/pytest.sh tests/portal/test_void_migration.py

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

# The English catalog: extract the Chinese msgids into locale/en/LC_MESSAGES/django.po, then compile django.mo
# (committed, so running the portal never needs gettext). Seed/demo data and tests are not extracted.
messages: bootstrap
	@command -v msgfmt >/dev/null 2>&1 || { echo "make messages: needs GNU gettext: sudo apt-get install -y gettext" >&2; exit 1; }
	$(PY) manage.py makemessages -l en --no-location --no-obsolete -i ".venv/*" -i "tests/*" -i "*/migrations/*" \
	  -i "var/*" -i "benchmarks/*" -i "*/demo.py"
	$(PY) manage.py compilemessages -l en -i .venv -i var
