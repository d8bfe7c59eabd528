"""The SparkSession every job uses. The master is never set here: spark-submit.sh, Glue, EMR or
the test fixture decide it."""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession

# Settings the code relies on, identical on every runtime.
SESSION_CONF = {
    # Non-ANSI casts: a value that does not parse becomes null and is quarantined with a reason
    # (Spark 4 turns ANSI on by default; we keep the behaviour explicit).
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    # One declared Parquet timestamp encoding (INT64 micros) that Redshift COPY and DuckDB read.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Lets a partitioned write skip the sort before it (DESIGN.md §7: 0.77x the time, 1/2 the memory).
    "spark.sql.maxConcurrentOutputFileWriters": "24",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # Wide all-text raw layouts with many per-column rules make the optimizer's constraint
    # inference grow combinatorially (minutes of planning, no runtime benefit for these plans).
    "spark.sql.constraintPropagation.enabled": "false",
    # Whole-stage code for a 31-column staging projection (type, clean, reject reason per field)
    # exceeds HotSpot's 8000-byte JIT limit and would run interpreted (2-3x slower); Spark's
    # documented HotSpot value makes it fall back to split, JIT-compiled expression code instead.
    "spark.sql.codegen.hugeMethodLimit": "8000",
}


# File scans are split so that every core gets at least this many tasks: with Spark's default
# (128 MB splits, fewer when that leaves a core without one) the 575 MB flights file on 2 cores
# is 5 tasks, and the last runs alone while the other core idles (the parse 20.2 s -> 18.4 s at
# 1x with 4 a core). Splits never exceed 128 MB, so on a cluster at scale nothing changes.
SCAN_TASKS_PER_CORE = 4
MIN_PARTITION_NUM = "spark.sql.files.minPartitionNum"


def python_for_workers() -> None:
    """Python tasks (the ess reader) run in the driver's interpreter, with its packages, unless the
    runtime names one (spark-submit.sh, Glue and EMR set PYSPARK_PYTHON); Spark's own default is
    whatever ``python3`` is on the PATH. Takes effect when the SparkContext starts."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def get_spark(app_name: str = "constellation") -> SparkSession:
    python_for_workers()
    builder = SparkSession.builder.appName(app_name)
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in SESSION_CONF.items():  # an existing session (tests, Glue) gets them too
        spark.conf.set(key, value)
    if not spark.sparkContext.getConf().contains(MIN_PARTITION_NUM):  # unless the runtime chose one
        spark.conf.set(MIN_PARTITION_NUM, str(SCAN_TASKS_PER_CORE * spark.sparkContext.defaultParallelism))
    return spark
