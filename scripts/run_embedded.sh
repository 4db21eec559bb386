#!/usr/bin/env bash
# `make run`: the dev server and, beside it, a real Celery worker, so reports run asynchronously as in production.
# Without REDIS_URL/CELERY_BROKER_URL the broker is kombu's filesystem transport (files under var/celery-broker/):
# no server to install. The worker stops when the dev server does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ADDR="${1:-127.0.0.1:8000}"
PY="${VENV:-.venv}/bin/python"

if [[ -z "${CELERY_BROKER_URL:-}" && -z "${REDIS_URL:-}" ]]; then
  export CELERY_BROKER_URL="filesystem://"
fi
mkdir -p var
"$PY" -m celery -A portal worker -l warning --pool=solo --without-gossip --without-mingle --without-heartbeat \
  -n "embedded-$$@%h" >>var/celery-worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT INT TERM
echo "run: Celery worker (pid $worker, broker ${CELERY_BROKER_URL:-$REDIS_URL}) logs to var/celery-worker.log" >&2
"$PY" manage.py runserver "$ADDR"
