"""No log level prints a secret: an olist extraction at --log-level DEBUG, with the password in
the environment, run as its own process; its stdout, stderr and the run log kept in the lake are
searched for the password."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from samples.olist import generate_olist
from tests.conftest import POSTGRES_JDBC_JAR, REPO, submit_args

SECRET = "s3cr3t-Passw0rd-never-logged-91d2"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    env = os.environ
    if not env.get("CONSTELLATION_PG_HOST"):
        pytest.skip("PostgreSQL not available: CONSTELLATION_PG_HOST is unset (scripts/test.sh starts a server)")
    if not POSTGRES_JDBC_JAR.exists():
        pytest.skip(f"the PostgreSQL JDBC driver is not installed ({POSTGRES_JDBC_JAR})")
    from samples.olist_pg import load

    pg = {"host": env["CONSTELLATION_PG_HOST"], "port": env.get("CONSTELLATION_PG_PORT", "5432"),
          "user": env.get("CONSTELLATION_PG_USER", "postgres"), "db": env.get("CONSTELLATION_PG_DB", "postgres"),
          "schema": f"olist_secret_{os.getpid()}"}
    dsn = f"host={pg['host']} port={pg['port']} user={pg['user']} dbname={pg['db']}"
    files = tmp_path_factory.mktemp("csv")
    generate_olist(files, scale=0.002, seed=5)
    load(dsn, files, schema=pg["schema"], as_of="2018-10-18 00:00", replace=True)
    yield pg
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"drop schema if exists {pg['schema']} cascade")


def test_a_debug_run_logs_no_password_anywhere(source, tmp_path):
    env = {**os.environ, "PGPASSWORD": SECRET, "CONSTELLATION_PG_PASSWORD": SECRET, "PYTHONPATH": str(REPO),
           "PYSPARK_SUBMIT_ARGS": submit_args(f"--jars {POSTGRES_JDBC_JAR}")}
    lake = tmp_path / "lake"
    done = subprocess.run(
        [sys.executable, "-m", "jobs.main", "olist", "--steps", "land", "--log-level", "DEBUG",
         "--lake", str(lake), "--pg-host", source["host"], "--pg-port", str(source["port"]),
         "--pg-user", source["user"], "--pg-db", source["db"], "--pg-schema", source["schema"]],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert " DEBUG " in done.stderr  # it really logged at DEBUG
    logs = list((lake / "_logs").glob("*.log"))
    assert len(logs) == 1 and " DEBUG " in logs[0].read_text()
    for text in (done.stdout, done.stderr, logs[0].read_text(),
                 *(p.read_text(errors="replace") for p in lake.rglob("*.json"))):
        assert SECRET not in text
