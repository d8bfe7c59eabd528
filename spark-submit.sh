#!/usr/bin/env bash
# Local launcher: builds the --py-files zip and runs jobs/main.py on local[*] with spark-submit.
#   ./spark-submit.sh <pipeline> [options]      (./spark-submit.sh --help for every option)
# Sets the master and the local memory here; the code never sets them (Glue/EMR decide there).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/spark-submit ] || scripts/setup.sh
export PYSPARK_PYTHON="$PWD/.venv/bin/python" PYSPARK_DRIVER_PYTHON="$PWD/.venv/bin/python"
.venv/bin/python -m deploy.package --quiet
# PostgreSQL JDBC driver for database sources (olist): Debian's libpostgresql-jdbc-java (scripts/setup.sh).
jars=(); jdbc="${CONSTELLATION_JDBC_JARS:-/usr/share/java/postgresql.jar}"
[ -f "${jdbc%%,*}" ] && jars=(--jars "$jdbc")
exec .venv/bin/spark-submit \
  "${jars[@]}" \
  --master "${SPARK_MASTER:-local[*]}" \
  --driver-memory "${SPARK_DRIVER_MEMORY:-4g}" \
  --conf spark.ui.showConsoleProgress=false \
  --conf spark.sql.shuffle.partitions="${SPARK_SHUFFLE_PARTITIONS:-8}" \
  --conf "spark.driver.extraJavaOptions=-Dlog4j2.level=warn" \
  --py-files build/constellation.zip \
  jobs/main.py "$@"
