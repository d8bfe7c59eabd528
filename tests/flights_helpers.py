"""Helpers shared by the flights end-to-end tests (imported, not collected)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from jobs.main import main
from tests.conftest import warehouse_rows

TABLES = ("dim_date", "dim_airline", "dim_airport", "fact_flight")
ExecutorFactory = Callable  # RunConfig -> Executor, given to main(..., executor_factory=...)


def run(*args: str, executor_factory: ExecutorFactory | None = None) -> int:
    return main(["flights", *args], executor_factory=executor_factory)


def run_into(input_dir: Path, lake: Path, warehouse: Path, *extra: str,
             executor_factory: ExecutorFactory | None = None) -> int:
    return run("--input", str(input_dir), "--lake", str(lake), "--warehouse", f"duckdb:{warehouse}", *extra,
               executor_factory=executor_factory)


def load(lake: Path, warehouse: Path, *, executor_factory: ExecutorFactory | None = None) -> int:
    """Only the load step: every published run of the lake the warehouse does not hold yet."""
    return run("--lake", str(lake), "--warehouse", f"duckdb:{warehouse}", "--steps", "load",
               executor_factory=executor_factory)


def copy_state(src: Path, dst: Path) -> Path:
    """A private copy of a folder holding a lake and/or a warehouse file, for a test that changes it.

    The copy's manifests still name the Parquet files of ``src`` (they record absolute URIs), so a
    copied run loads from the original's files: the folders that module fixtures build are only
    ever copied by the tests, never changed."""
    shutil.copytree(src, dst)
    return dst


query = warehouse_rows  # the rows a SQL query answers on a warehouse file, opened read-only


def table_digest(warehouse: Path, *, content_only: bool = False) -> dict[str, str]:
    """Order-independent hash of every data table (the ledger is excluded)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return digest_of(con, content_only=content_only)
    finally:
        con.close()


def digest_of(con: duckdb.DuckDBPyConnection, *, content_only: bool = False) -> dict[str, str]:
    """``table_digest`` through an open connection (what that connection sees); ``content_only``
    leaves out the run_id audit column (two runs of the same input write the same content)."""
    out = {}
    for t in TABLES:
        columns = "* exclude (run_id)" if content_only else "*"
        rows = sorted(repr(r) for r in con.execute(f"select {columns} from {t}").fetchall())
        out[t] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def copy_inputs(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("airlines.csv", "airports.csv", "flights.csv"):
        shutil.copyfile(src / name, dst / name)
    return dst
