#!/usr/bin/env bash
# Prepare this checkout to run, test or benchmark the portal. Idempotent: a second run does nothing
# but checks (system packages via dpkg-query, Python deps only when pyproject.toml changed).
#
#   scripts/bootstrap.sh run     runtime system libraries + .venv with the project's dependencies
#   scripts/bootstrap.sh test    also Chromium, CJK fonts, poppler (pdftoppm) for the test suite
#   scripts/bootstrap.sh bench   same as run, plus wrk for the load test (benchmarks use the DATABASE_URL you give them)
#
# Never downloads browsers: Playwright drives Debian's /usr/bin/chromium.
set -euo pipefail

mode="${1:-run}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

# WeasyPrint needs pango; harfbuzz-subset makes its font subsetting fast; python-magic needs libmagic;
# CJK fonts so that Chinese PDFs do not render as boxes; libpq-dev + gcc build psycopg2 (no wheel on PyPI).
RUN_PKGS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmagic1 fonts-noto-cjk libpq-dev gcc)
TEST_PKGS=(chromium fonts-noto-cjk poppler-utils libpq-dev)
# benchmarks/bench_load.py drives gunicorn with wrk (HTTP load generator in C, scripted in Lua).
BENCH_PKGS=(wrk)
# Shared-object names used to check the runtime libraries on a system without dpkg.
RUN_LIBS=(libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0 libmagic.so.1)

case "$mode" in
  run) pkgs=("${RUN_PKGS[@]}") ;;
  bench) pkgs=("${RUN_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
  test) pkgs=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  *) die "usage: $0 [run|test|bench]" ;;
esac

# --- (a) system packages -------------------------------------------------------------------------
python_is_system() {
  local p
  p="$(command -v "$PYTHON" 2>/dev/null || true)"
  [[ -n "$p" && "$(readlink -f "$p")" == /usr/bin/* ]]
}

system_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "not a Debian/Ubuntu system; the portal needs: pango (libpango-1.0, libpangoft2-1.0), harfbuzz-subset,"
    log "libmagic, a CJK font (Noto CJK), PostgreSQL client headers (libpq) and a C compiler; tests also need"
    log "Chromium at /usr/bin/chromium and poppler (pdftoppm)."
    local lib missing=()
    for lib in "${RUN_LIBS[@]}"; do
      if ! { ldconfig -p 2>/dev/null | grep -q "$lib"; } && ! ls /usr/lib*/"$lib"* /usr/local/lib*/"$lib"* \
        /opt/homebrew/lib/"${lib%%.so*}"* >/dev/null 2>&1; then
        missing+=("$lib")
      fi
    done
    ((${#missing[@]} == 0)) || die "missing libraries: ${missing[*]}; install them with your package manager"
    log "runtime libraries found; continuing"
    return 0
  fi

  local want=("${pkgs[@]}")
  if python_is_system; then
    want+=(python3-venv python3-dev)  # Debian splits venv/ensurepip and the headers out of python3
  fi
  local p missing=() seen=" "
  for p in "${want[@]}"; do
    [[ "$seen" == *" $p "* ]] && continue
    seen+="$p "
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      printf 'bootstrap: ERROR: missing system packages: %s\n' "${missing[*]}" >&2
      printf 'bootstrap: install them, then run this again:\n\n  sudo apt-get update && sudo apt-get install -y %s\n\n' \
        "${missing[*]}" >&2
      exit 1
    fi
  fi
  log "installing system packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# --- (b) Python virtualenv ------------------------------------------------------------------------
python_env() {
  local version_ok='import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'
  if [[ -x "$VENV/bin/python" ]] && ! "$VENV/bin/python" -c "$version_ok" 2>/dev/null; then
    die "$VENV uses $("$VENV/bin/python" --version 2>&1); Python >= 3.11 is required: remove $VENV and run again"
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python >= 3.11 (or set PYTHON=/path/to/python3.11)"
    "$PYTHON" -c "$version_ok" ||
      die "Python >= 3.11 is required, $PYTHON is $("$PYTHON" --version 2>&1); set PYTHON=/path/to/python3.11 or newer"
    log "creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
  fi

  local hash stamp
  hash="$(sha256sum pyproject.toml | cut -c1-16)"
  stamp="$VENV/.installed-$hash"
  if [[ -f "$stamp" ]]; then
    return 0
  fi
  log "installing Python dependencies (pyproject.toml changed or first run)"
  # The project is used from the checkout (packages = []), so an editable install only brings the
  # dependencies in; fall back to a plain install of the same requirement set if editable fails.
  if ! "$VENV/bin/python" -m pip install -q -e ".[test]"; then
    log "editable install failed; installing the dependencies with a regular install"
    "$VENV/bin/python" -m pip install -q ".[test]"
  fi
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

# --- (c) Playwright --------------------------------------------------------------------------------
# Only the Python package (installed above). No `playwright install`: tests launch /usr/bin/chromium.
check_browser() {
  [[ "$mode" == test ]] || return 0
  [[ -x /usr/bin/chromium ]] || log "warning: /usr/bin/chromium not found; browser (e2e) tests will fail"
}

system_packages
python_env
check_browser
mkdir -p "$ROOT/var"  # embedded SQLite (var/portal.sqlite3) and media live here; git does not keep empty dirs
log "ready ($mode)"
