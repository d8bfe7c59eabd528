"""Where a Spark run's time went, from its event log (``spark.eventLog.enabled``): every SQL
execution (one action: a write, a count, a quality check …) grouped into a phase, with its count
and its wall time, plus the time before the first one (JVM and session start, landing) and the
time between them (the driver building plans, Python and DuckDB work outside Spark).

A write is named by where it writes: ``stage <name>`` (the run's scratch Parquet, which computes
the parse it materialises), ``write <table>`` (a curated table), ``write quarantine``. Any other
action is named by the Python function that called it (``publish.check_table``), or by its
Spark call site when it has none.

    .venv/bin/python bench/eventlog.py EVENT_LOG_FILE
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

_INSERT = re.compile(r"\) Execute InsertIntoHadoopFsRelationCommand\nInput: [^\n]*\nArguments: ([^,\s]+)")
_CALL_SITE = re.compile(r"^(\w+) at (/\S+\.py):(\d+)$")


@cache
def _functions(path: str) -> list[tuple[int, int, str]]:
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError):
        return []
    return [(n.lineno, n.end_lineno or n.lineno, n.name) for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _caller(path: str, line: int) -> str:
    enclosing = [(start, name) for start, end, name in _functions(path) if start <= line <= end]
    name = max(enclosing)[1] if enclosing else f"line {line}"
    return f"{Path(path).stem}.{name}"


def phase(description: str, plan: str) -> str:
    if m := _INSERT.search(plan):
        target = m[1].rstrip("/")
        if "/_work/" in target:
            return f"stage {target.rsplit('/', 1)[-1]}"
        if "/curated/" in target:
            return f"write {target.split('/curated/', 1)[1].split('/', 1)[0]}"
        if "/quarantine/" in target:
            return "write quarantine"
        return f"write {target.rsplit('/', 1)[-1]}"
    if m := _CALL_SITE.match(description):
        return f"{m[1]} in {_caller(m[2], int(m[3]))}"
    return description.split(" at ", 1)[0]


def spark_conf_env(folder: Path) -> dict:
    """Environment for a ``spark-submit`` whose event log goes into ``folder``: a Spark conf
    folder of its own (``SPARK_CONF_DIR``) with the event log on in its spark-defaults.conf."""
    conf = folder / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "spark-defaults.conf").write_text(f"spark.eventLog.enabled true\nspark.eventLog.dir file:{folder}\n")
    return {**os.environ, "SPARK_CONF_DIR": str(conf)}


def latest(folder: Path) -> Path | None:
    """The newest event log in ``folder`` (None when there is none)."""
    logs = [f for f in folder.iterdir() if f.is_file()] if folder.is_dir() else []
    return max(logs, key=lambda f: f.stat().st_mtime) if logs else None


def phases(event_log: Path) -> dict:
    """{"start": s before the first action, "actions": s inside actions, "between": s between
    them, "phases": {phase: (count, s)}} of one application's event log."""
    app_start = None
    executions: dict[int, dict] = {}
    for line in event_log.open():
        event = json.loads(line)
        kind = event["Event"]
        if kind == "SparkListenerApplicationStart":
            app_start = event["Timestamp"]
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            executions[event["executionId"]] = {
                "start": event["time"], "phase": phase(event["description"], event.get("physicalPlanDescription", ""))}
        elif kind.endswith("SparkListenerSQLExecutionEnd") and event["executionId"] in executions:
            executions[event["executionId"]]["end"] = event["time"]
    done = [e for e in executions.values() if "end" in e]
    if not done:
        return {"start": 0.0, "actions": 0.0, "between": 0.0, "phases": {}}
    grouped: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    # Nested executions (an action run inside another's planning) are counted once, by their outer one.
    spans = sorted((e["start"], e["end"], e["phase"]) for e in done)
    covered_until, inside = 0, 0.0
    for start, end, name in spans:
        grouped[name][0] += 1
        if end <= covered_until:
            continue
        begin = max(start, covered_until)
        grouped[name][1] += (end - begin) / 1000
        inside += (end - begin) / 1000
        covered_until = end
    first, last = spans[0][0], max(e for _, e, _ in spans)
    return {"start": (first - app_start) / 1000 if app_start else 0.0, "actions": inside,
            "between": (last - first) / 1000 - inside,
            "phases": {k: (int(v[0]), v[1]) for k, v in sorted(grouped.items(), key=lambda kv: -kv[1][1])}}


def render(result: dict, *, top: int = 12) -> str:
    lines = [f"  before the first action {result['start']:7.1f} s (JVM, session, landing)",
             f"  inside actions          {result['actions']:7.1f} s",
             f"  between actions         {result['between']:7.1f} s (planning, Python, DuckDB)"]
    items = list(result["phases"].items())
    for name, (count, seconds) in items[:top]:
        lines.append(f"    {seconds:7.1f} s  {count:4d}x  {name}")
    if len(items) > top:
        rest = items[top:]
        lines.append(f"    {sum(s for _, (_, s) in rest):7.1f} s  {sum(c for _, (c, _) in rest):4d}x  "
                     f"({len(rest)} other phases)")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(phases(Path(sys.argv[1])), top=40))
