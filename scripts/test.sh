#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs (Java 17, the
# pinned Python packages), starts the services the tests use, runs pytest, stops what it started.
#   scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# What runs on Spark 4 as well in CI: SPARK4_TESTS less SPARK4_SELECT (scripts/spark4-tests.sh).
. scripts/spark4-tests.sh
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
# Two test processes (pytest-xdist), each taking one whole module at a time so that a module's
# fixtures (its pipeline runs) are built once; the longest modules go first (tests/conftest.py).
# CONSTELLATION_TEST_WORKERS=1 runs everything in one process.
workers="${CONSTELLATION_TEST_WORKERS:-2}"
parallel=(); [ "$workers" -gt 1 ] && parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=25 "${parallel[@]}" "$@"
rc=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
[ "$rc" -eq 5 ] && echo "no tests were collected" >&2 && rc=1
# The Spark 4 runtime (Glue 6.0): in CI (or with CONSTELLATION_SPARK4=1) the transform unit tests
# and every pipeline's end-to-end tests run again on PySpark 4.1 (.venv-spark4). Not when pytest
# was given arguments (a chosen subset) unless asked for. A failure on either runtime fails.
spark4="${CONSTELLATION_SPARK4:-}"
[ -z "$spark4" ] && [ "${CI:-}" = true ] && [ $# -eq 0 ] && spark4=1
if [ "$spark4" = 1 ]; then
  scripts/setup.sh --spark 4
  echo "test.sh: the Spark 4 runtime: $(.venv-spark4/bin/python -c 'import pyspark; print(pyspark.__version__)')" >&2
  set +e
  .venv-spark4/bin/python -m pytest -q -p no:cacheprovider --durations=10 "${parallel[@]}" \
    ${SPARK4_SELECT:+-k "$SPARK4_SELECT"} $SPARK4_TESTS
  rc4=$?
  set -e
  [ "$rc4" -ne 0 ] && echo "test.sh: the suite failed on Spark 4 (exit $rc4)" >&2 && [ "$rc" -eq 0 ] && rc=$rc4
fi
exit "$rc"
