"""What the benches share: one process measured whole (wall, CPU of its process tree by
os.wait4) with the step times its run summary prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path


def measure(cmd: list[str], log: Path, *, cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run ``cmd`` with its output in ``log``; wall, CPU (process tree) and the step times of its summary."""
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    text = log.read_text(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{text[-3000:]}")
    steps = dict(re.findall(r"(land|transform|load) ([0-9.]+) s", next(
        (line for line in text.splitlines() if line.strip().startswith("steps:")), "")))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, **{k: float(v) for k, v in steps.items()}}


DUCKDB_RUN = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(open(sys.argv[2]).read())"


def measure_duckdb(sql: str, run: Path) -> dict:
    """Run ``sql`` in a DuckDB file of ``run`` in a process of its own, measured like ``measure``."""
    (run / "duck.sql").write_text(sql)
    return measure([sys.executable, "-c", DUCKDB_RUN, str(run / "duck.duckdb"), str(run / "duck.sql")],
                   run / "duck.log")


def report_versus_duckdb(what: str, pipeline: dict, duck: dict, events: Path) -> None:
    """One line of both runs' wall and CPU with their ratio, the pipeline's step times and its
    phases from the Spark event log in ``events``."""
    from bench import eventlog

    print(f"{what}: pipeline wall {pipeline['wall']:.1f} s, cpu {pipeline['cpu']:.1f} s | duckdb wall "
          f"{duck['wall']:.1f} s, cpu {duck['cpu']:.1f} s | pipeline/duckdb {pipeline['wall'] / duck['wall']:.1f}x")
    print("  pipeline steps: " + ", ".join(f"{k} {pipeline[k]:.1f} s" for k in ("land", "transform", "load")
                                          if k in pipeline))
    if (found := eventlog.latest(events)) is not None:
        print("  pipeline, from its Spark event log:\n" + eventlog.render(eventlog.phases(found)))
