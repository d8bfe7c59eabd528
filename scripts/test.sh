#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs (Java 17, the
# pinned Python packages), starts the services the tests use, runs pytest, stops what it started.
#   scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# asl-validator (npm) checks the generated state machines; idempotent, skipped without npm.
if command -v npm >/dev/null 2>&1 && [ ! -x build/tools/node_modules/.bin/asl-validator ]; then
  npm install --silent --no-audit --no-fund --prefix build/tools asl-validator@4.0.0 >/dev/null 2>&1 \
    || echo "test.sh: could not install asl-validator; its test will be skipped" >&2
fi
# PostgreSQL for the database-sourced pipelines (olist): use a reachable one or start a throwaway
# server; the trap stops what this run started, also when pytest fails or is interrupted.
export CONSTELLATION_PG_STATE="${TMPDIR:-/tmp}/constellation-pg.test.$$.state"
trap 'scripts/postgres.sh stop' EXIT
pg_env=$(scripts/postgres.sh start)
eval "$pg_env"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
[ "$rc" -eq 5 ] && echo "no tests were collected" >&2 && rc=1
exit "$rc"
