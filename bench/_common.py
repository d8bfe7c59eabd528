"""What the benches share: one process measured whole (wall, CPU of its process tree by
os.wait4) with the step times its run summary prints."""

from __future__ import annotations

import os
import re
import subprocess
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
