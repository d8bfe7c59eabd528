"""Progress of long Spark work, on stderr at a steady interval: the running jobs' stages and
tasks done, the elapsed time, and where the Spark UI is when it is enabled."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("constellation.progress")
INTERVAL_SECONDS = 15.0


def describe(tracker) -> str | None:
    """'stage 12 (writing fact_flight): 7/13 tasks, stage 13: 0/2 tasks' for the active stages."""
    parts = []
    for stage_id in sorted(tracker.getActiveStageIds()):
        info = tracker.getStageInfo(stage_id)
        if info is not None:
            parts.append(f"stage {stage_id}: {info.numCompletedTasks}/{info.numTasks} tasks"
                         + (f" ({info.numActiveTasks} running)" if info.numActiveTasks else ""))
    return ", ".join(parts) or None


@contextmanager
def reporting(spark, what: str, *, interval: float = INTERVAL_SECONDS) -> Iterator[None]:
    """Log the progress of ``what`` every ``interval`` seconds while the block runs."""
    sc = spark.sparkContext
    if sc.uiWebUrl:
        log.info("Spark UI: %s", sc.uiWebUrl)
    tracker, started, done = sc.statusTracker(), time.monotonic(), threading.Event()

    def report() -> None:
        while not done.wait(interval):
            try:
                state = describe(tracker)
            except Exception:  # the context may be stopping: progress is best effort
                return
            log.info("%s: %s elapsed%s", what, f"{time.monotonic() - started:.0f} s",
                     f"; {state}" if state else "")

    thread = threading.Thread(target=report, name="constellation-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=1)
