"""bench/eventlog.py: where a Spark run's time went, from a hand-written event log (no Spark here;
the expected figures are worked out by hand from the timestamps below)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench import eventlog

INSERT = ("(1) Execute InsertIntoHadoopFsRelationCommand\nInput: [a, b]\n"
          "Arguments: {target}, false, Parquet, [path={target}]\n")


def _write_log(path: Path, events: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def _execution(exec_id: int, start: int, end: int, description: str, plan: str = "") -> list[dict]:
    return [{"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", "executionId": exec_id,
             "description": description, "physicalPlanDescription": plan, "time": start},
            {"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd", "executionId": exec_id,
             "time": end}]


def test_phases_name_writes_and_callers_and_count_nested_executions_once(tmp_path):
    caller = tmp_path / "publish.py"
    caller.write_text("import x\n\n\ndef check_table(df):\n    return df.first()\n")  # line 5 is inside check_table
    lake = "file:/lake"
    log = _write_log(tmp_path / "app-1", [
        {"Event": "SparkListenerApplicationStart", "Timestamp": 1_000},
        # the scratch Parquet of the parse: 2.0 s -> 5.0 s
        *_execution(0, 2_000, 5_000, "parquet at NativeMethodAccessorImpl.java:0",
                    INSERT.format(target=f"{lake}/_work/flights/r1/flights_parsed")),
        # an action run inside the first one's planning: counted, its time already covered
        *_execution(1, 2_500, 3_000, "count at NativeMethodAccessorImpl.java:0"),
        # a curated table write: 6.0 s -> 8.0 s
        *_execution(2, 6_000, 8_000, "parquet at NativeMethodAccessorImpl.java:0",
                    INSERT.format(target=f"{lake}/curated/fact_flight/run_id=r1")),
        # a quality check called from Python: 8.5 s -> 9.0 s
        *_execution(3, 8_500, 9_000, f"first at {caller}:5"),
        # the quarantine JSON: 9.0 s -> 9.25 s
        *_execution(4, 9_000, 9_250, "json at NativeMethodAccessorImpl.java:0",
                    INSERT.format(target=f"{lake}/quarantine/flights/run_id=r1")),
        # started, never ended (the run crashed): ignored
        {"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", "executionId": 5,
         "description": "count at x", "physicalPlanDescription": "", "time": 9_500},
    ])
    result = eventlog.phases(log)
    assert result["start"] == 1.0  # 2.0 s first action - 1.0 s application start
    assert result["actions"] == 3.0 + 2.0 + 0.5 + 0.25
    assert abs(result["between"] - ((9.25 - 2.0) - 5.75)) < 1e-9  # the gaps 5->6 and 8->8.5
    assert result["phases"] == {
        "stage flights_parsed": (1, 3.0),
        "write fact_flight": (1, 2.0),
        "first in publish.check_table": (1, 0.5),
        "write quarantine": (1, 0.25),
        "count": (1, 0.0),
    }
    assert list(result["phases"])[0] == "stage flights_parsed"  # longest first
    rendered = eventlog.render(result, top=2)
    assert "stage flights_parsed" in rendered and "write fact_flight" in rendered
    assert "(3 other phases)" in rendered


def test_no_finished_action_is_all_zero(tmp_path):
    log = _write_log(tmp_path / "app-2", [{"Event": "SparkListenerApplicationStart", "Timestamp": 1}])
    assert eventlog.phases(log) == {"start": 0.0, "actions": 0.0, "between": 0.0, "phases": {}}


def test_latest_is_the_newest_file_or_none(tmp_path):
    assert eventlog.latest(tmp_path / "missing") is None
    assert eventlog.latest(tmp_path) is None
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("")
    new.write_text("")
    os.utime(old, (1, 1))
    assert eventlog.latest(tmp_path) == new
