"""Shared fixtures: one real local SparkSession for the whole test session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import pytest

# Runs with the default steps end with the report: write it to a scratch folder, not ./reports.
os.environ.setdefault("CONSTELLATION_REPORT_DIR", tempfile.mkdtemp(prefix="constellation-reports-"))

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
POSTGRES_JDBC_JAR = Path("/usr/share/java/postgresql.jar")  # Debian libpostgresql-jdbc-java


# Test data is tiny, so a test's time is the driver's: py4j calls, analysis and planning (an
# adventureworks corpus case makes ~23,000 py4j calls). Measured on one case: 86 s with adaptive
# execution and the JIT's first tier only, 56 s with the full JIT, 42 s without adaptive
# re-planning, 39 s with the parallel collector. The pipelines keep Spark's and the JVM's defaults;
# so do the tests that go through spark-submit.sh (launcher, cluster).
SMALL_DATA_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC",
}


def submit_args(*extra: str) -> str:
    """``PYSPARK_SUBMIT_ARGS`` for the tests that start a job process: local[2], a 1 GB driver and
    ``SMALL_DATA_CONF``, then ``extra`` (e.g. ``--jars …``)."""
    conf = " ".join(f"--conf {key}={value}" for key, value in SMALL_DATA_CONF.items())
    return " ".join(("--master local[2] --driver-memory 1g", conf, *extra, "pyspark-shell"))


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    from jobs.spark import SESSION_CONF, python_for_workers

    python_for_workers()
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("constellation-tests")
        .config("spark.driver.memory", "2g")
    )
    for key, value in SMALL_DATA_CONF.items():
        builder = builder.config(key, value)
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    if POSTGRES_JDBC_JAR.exists():  # Spark JDBC extraction (olist); set before the JVM starts
        builder = builder.config("spark.jars", str(POSTGRES_JDBC_JAR))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# The modules that take minutes (measured in CI with --durations), run first: scripts/test.sh runs
# the suite in two processes, one module at a time each (pytest-xdist --dist loadfile), and a long
# module taken last would leave the other process idle at the end. Only the order changes.
LONGEST_FIRST = (
    "tests/test_crash_matrix.py", "tests/corpus/test_corpus.py", "tests/test_standalone_cluster.py",
    "tests/test_bolsa_familia_pipeline.py", "tests/test_ess_pipeline.py", "tests/test_eurostat_pipeline.py",
    "tests/test_launcher.py", "tests/test_olist_pipeline.py", "tests/test_adventureworks_e2e.py",
    "tests/test_eurostat_marts.py", "tests/test_flights_failures.py", "tests/test_report.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test saying why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real sample data not available: {path} is absent (../shared/data is "
                    "provided beside the repository on the project's machines)")
    return path


def warehouse_rows(path: Path, sql: str) -> list[tuple]:
    """The rows ``sql`` answers on the DuckDB warehouse file at ``path``, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def warehouse_chart(path: Path, chart):
    """What the report gets for ``chart`` (``jobs.report.chart_data``) from the DuckDB warehouse
    file at ``path``, opened read-only; the query must not have failed."""
    from jobs.report import chart_data
    from jobs.warehouse import DuckDBExecutor

    executor = DuckDBExecutor(str(path), read_only=True)
    try:
        data = chart_data(executor, chart)
    finally:
        executor.close()
    assert data.error is None, data.error
    return data

