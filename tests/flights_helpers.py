"""Helpers shared by the flights end-to-end tests (imported, not collected)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from jobs.main import main

TABLES = ("dim_date", "dim_airline", "dim_airport", "fact_flight")


def run(*args: str) -> int:
    return main(["flights", *args])


def run_into(input_dir: Path, lake: Path, warehouse: Path, *extra: str) -> int:
    return run("--input", str(input_dir), "--lake", str(lake), "--warehouse", f"duckdb:{warehouse}", *extra)


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def table_digest(warehouse: Path, *, content_only: bool = False) -> dict[str, str]:
    """Order-independent hash of every data table (the ledger is excluded); ``content_only``
    leaves out the run_id audit column (two runs of the same input write the same content)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for t in TABLES:
            columns = "* exclude (run_id)" if content_only else "*"
            rows = sorted(repr(r) for r in con.execute(f"select {columns} from {t}").fetchall())
            out[t] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def copy_inputs(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("airlines.csv", "airports.csv", "flights.csv"):
        shutil.copyfile(src / name, dst / name)
    return dst
