#!/usr/bin/env bash
# Run the test suite from the project venv. pytest's exit code 5 ("no tests collected") is an error
# here: a green run must have run tests.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
.venv/bin/pytest "$@"
rc=$?
if [[ $rc == 5 ]]; then
  echo "pytest collected no tests: treating as a failure" >&2
fi
exit $rc
