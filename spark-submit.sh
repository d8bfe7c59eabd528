#!/usr/bin/env bash
# Local launcher: checks the arguments, builds the --py-files zip and runs jobs/main.py on
# local[*] with spark-submit.
#   ./spark-submit.sh <pipeline> [options]      (./spark-submit.sh <pipeline> --help for its options)
# Sets the master and the local memory here; the code never sets them (Glue/EMR decide there).
set -euo pipefail
# Paths the user typed are theirs: resolved from where they ran this, not from the repository.
export CONSTELLATION_CWD="${CONSTELLATION_CWD:-$PWD}" CONSTELLATION_PROG="${CONSTELLATION_PROG:-$0}"
cd "$(dirname "$0")"
# Set up (first run) and install what this pipeline needs; a bad name is answered further down.
pipeline=""; [ $# -gt 0 ] && case "$1" in -*) ;; *) pipeline="$1" ;; esac
scripts/setup.sh ${pipeline:+--for "$pipeline"}
export PYSPARK_PYTHON="$PWD/.venv/bin/python" PYSPARK_DRIVER_PYTHON="$PWD/.venv/bin/python"
# Help and bad arguments are answered before the JVM starts (exit 2 on a bad option or value).
for arg in "$@"; do
  case "$arg" in -h|--help) exec .venv/bin/python jobs/main.py "$@" ;; esac
done
.venv/bin/python -c 'import sys; from jobs.main import check_arguments; sys.exit(check_arguments(sys.argv[1:]))' "$@"
# Steps that start no Spark (load, clean, report) run on the venv's Python: no JVM, no zip.
if [ "$(.venv/bin/python -c 'import sys; from jobs.main import runtime; runtime(sys.argv[1:])' "$@")" = python ]; then
  exec .venv/bin/python jobs/main.py "$@"
fi
.venv/bin/python -m deploy.package --quiet
# Spark's own log lines at WARN (conf/log4j2.properties); all of them with --log-level DEBUG.
java_opts="-Dlog4j2.configurationFile=file:$PWD/conf/log4j2.properties"
for arg in "$@"; do [ "${arg^^}" = "DEBUG" ] && java_opts="-Dlog4j2.level=debug"; done
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# PostgreSQL JDBC driver for database sources (olist): Debian's libpostgresql-jdbc-java (scripts/setup.sh).
jars=(); jdbc="${CONSTELLATION_JDBC_JARS:-/usr/share/java/postgresql.jar}"
[ -f "${jdbc%%,*}" ] && jars=(--jars "$jdbc")
exec .venv/bin/spark-submit \
  "${jars[@]}" \
  --master "${SPARK_MASTER:-local[*]}" \
  --driver-memory "${SPARK_DRIVER_MEMORY:-4g}" \
  --conf spark.ui.showConsoleProgress=false \
  --conf spark.sql.shuffle.partitions="${SPARK_SHUFFLE_PARTITIONS:-8}" \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --py-files build/constellation.zip \
  jobs/main.py "$@"
