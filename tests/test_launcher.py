"""./spark-submit.sh as a new user runs it: olist on its embedded default (no --pg-* and no
CONSTELLATION_PG_* set) starts a local PostgreSQL, loads the generated source database, runs,
and leaves the server stopped."""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
from pathlib import Path

import duckdb

from tests.conftest import REPO


def test_olist_runs_on_the_embedded_default_and_stops_its_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSTELLATION_PG_", "PG"))}
    env |= {"SPARK_DRIVER_MEMORY": "1g", "SPARK_SHUFFLE_PARTITIONS": "2"}
    done = subprocess.run([str(REPO / "spark-submit.sh"), "olist", "--lake", str(tmp_path / "lake"),
                           "--warehouse", f"duckdb:{tmp_path / 'wh.duckdb'}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout + done.stderr
    assert "starting the embedded one" in output and "embedded PostgreSQL stopped" in output
    # The embedded server keeps its database between runs, so the CSVs it was loaded from may not
    # be in this checkout: the generator is deterministic, so make them again to count.
    folder = REPO / "sample-data" / "olist" / "scale=0.01-seed=42"
    if not (folder / ".complete").exists():
        from samples.olist import generate_olist

        folder = tmp_path / "sample"
        generate_olist(folder, scale=0.01, seed=42)
    orders_file = folder / "olist_orders_dataset.csv"
    with open(orders_file, newline="", encoding="utf-8") as fh:
        orders = sum(1 for _ in csv.DictReader(fh))
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from fact_order").fetchone()[0] == orders
    finally:
        con.close()
    state = Path(tempfile.gettempdir()) / "constellation-pg-embedded.olist.state"
    assert not state.exists()  # stopped: the script removes its state file on stop
    # the summary on stdout (spark-submit's PythonRunner merges the driver's stderr into its stdout,
    # so the log lines are there too)
    assert "\nConstellation olist: run " in done.stdout
