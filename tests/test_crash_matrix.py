"""The crash matrix: the flights pipeline killed with SIGKILL at every step boundary and inside
the load transaction (jobs.faults crash points), then rerun, ends with a warehouse equal (per
table: row count and content checksum) to a clean run's; right after the crash, the warehouse is
what it was before. Each run is its own process, as a killed job would be."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.checksum import checksums as _checksums
from samples.flights import generate_flights
from tests.conftest import REPO, submit_args

SPARK_ARGS = submit_args()


def checksums(path: str) -> dict:
    """Per-table rows and content checksum; run ids differ between builds, so they are left out."""
    return _checksums(path, {"run_id"})


def job(*args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": SPARK_ARGS, "PYTHONPATH": str(REPO)}
    env.pop("CONSTELLATION_CRASH_AT", None)
    if crash:
        env["CONSTELLATION_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "jobs.main", "flights", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def into(lake: Path, wh: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    return job("--lake", str(lake), "--warehouse", f"duckdb:{wh}", *args, crash=crash)


@pytest.fixture(scope="module")
def vendor(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("vendor")
    generate_flights(root / "a", scale=0.0005, seed=3)
    generate_flights(root / "b", scale=0.0003, seed=4)
    return {"a": root / "a", "b": root / "b"}


@pytest.fixture(scope="module")
def clean_a(vendor, tmp_path_factory) -> dict:
    """The warehouse of an uninterrupted load of b then a: what every crash-and-rerun must equal."""
    root = tmp_path_factory.mktemp("clean")
    assert into(root / "lake", root / "wh.duckdb", "--input", str(vendor["b"])).returncode == 0
    before = checksums(str(root / "wh.duckdb"))
    assert into(root / "lake", root / "wh.duckdb", "--input", str(vendor["a"])).returncode == 0
    return {"root": root, "b": before, "a": checksums(str(root / "wh.duckdb"))}


@pytest.fixture(scope="module")
def loaded_b(vendor, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("b")
    assert into(root / "lake", root / "wh.duckdb", "--input", str(vendor["b"])).returncode == 0
    return root


# (crash point, the rerun that completes the interrupted work)
MATRIX = [
    ("after-land", ("--input", "A")),              # landed, not transformed: run again
    ("transform-written", ("--input", "A")),       # tables written, not published: run again
    ("after-publish", ("--steps", "load")),        # published, not loaded: load
    ("load-before-commit", ("--steps", "load")),   # inside the load transaction: load
    ("after-load-commit", ("--steps", "load")),    # loaded, the process died after the commit
]


@pytest.mark.parametrize(("point", "rerun"), MATRIX, ids=[p for p, _ in MATRIX])
def test_a_run_killed_at_each_point_leaves_the_warehouse_as_it_was_and_a_rerun_completes_it(
        vendor, clean_a, loaded_b, tmp_path, point, rerun):
    shutil.copytree(loaded_b, tmp_path / "w")
    lake, wh = tmp_path / "w" / "lake", tmp_path / "w" / "wh.duckdb"
    killed = into(lake, wh, "--input", str(vendor["a"]), crash=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if point != "after-load-commit":
        assert checksums(str(wh)) == clean_a["b"]  # nothing of the killed run is visible
    again = into(lake, wh, *[str(vendor["a"]) if a == "A" else a for a in rerun])
    assert again.returncode == 0, again.stderr[-2000:]
    assert checksums(str(wh)) == clean_a["a"]
    # a second rerun changes nothing, and cleaning up the killed run's leftovers touches nothing loaded
    assert into(lake, wh, "--steps", "load").returncode == 0
    assert into(lake, wh, "--steps", "clean", "--grace-hours", "0").returncode == 0
    assert checksums(str(wh)) == clean_a["a"]
    assert into(lake, wh, "--steps", "load").returncode == 0
