"""--steps clean: what unpublished runs left behind goes, what a manifest lists stays."""

from __future__ import annotations

import json
from pathlib import Path

from jobs.main import main
from jobs.manifest import publish
from tests.test_warehouse_load import publish_run

OLD, OLDER, YOUNG = "20200101T000000Z-aaaaaa", "20190101T000000Z-bbbbbb", "29990101T000000Z-cccccc"


def leftovers(lake: Path, run_id: str) -> list[Path]:
    files = [lake / "curated" / "fact_flight" / f"run_id={run_id}" / "part-0.parquet",
             lake / "curated" / "fact_flight" / f"run_id={run_id}" / "_SUCCESS",
             lake / "quarantine" / "flights" / f"run_id={run_id}" / "part-0.json",
             lake / "_work" / "flights" / f"run_id={run_id}" / "flights_parsed" / "part-0.parquet",
             lake / "raw" / "flights" / "ingest_date=2020-01-01" / f"run_id={run_id}" / "flights.csv"]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x" * 10)
    landing = lake / "_landings" / f"{run_id}.json"
    landing.parent.mkdir(parents=True, exist_ok=True)
    landing.write_text(json.dumps({"run_id": run_id, "pipeline": "flights", "ingest_date": "2020-01-01",
                                   "inputs": []}))
    return [*files, landing]


def test_clean_lists_then_removes_only_old_unpublished_runs_and_never_a_published_one(tmp_path, capsys):
    lake = tmp_path / "lake"
    kept_published = leftovers(lake, OLDER)  # the same folders, but this run has a manifest
    published = publish_run(lake, OLDER, [(1, "a")], [(1, 1, "1.00")])
    published.pipeline = "flights"
    publish(published)
    old = leftovers(lake, OLD)
    young = leftovers(lake, YOUNG)
    argv = ["flights", "--steps", "clean", "--lake", str(lake)]

    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would remove 1 unpublished run(s)" in out and OLD in out and YOUNG not in out
    assert all(f.exists() for f in old)

    assert main(argv) == 0
    assert not any(f.exists() for f in old)
    assert not (lake / "curated" / "fact_flight" / f"run_id={OLD}").exists()  # with its _SUCCESS
    assert all(f.exists() for f in young)  # may still be running: inside the grace period
    assert all(f.exists() for f in kept_published)
    assert (lake / "_runs" / f"{OLDER}.json").exists()
