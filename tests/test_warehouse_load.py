"""The load protocol on a real DuckDB file, without Spark: one transaction per run, empty
tables, a broken run recorded as failed without blocking newer runs, schema drift, a locked
warehouse. Manifests and Parquet files are built by hand (pyarrow) for a two-table pipeline."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.config import RunConfig, Warehouse
from jobs.layout import LakeLayout
from jobs.main import load_pending
from jobs.manifest import RunManifest, TableOutput, publish
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.warehouse import DuckDBExecutor, LoadError, SchemaDriftError, WarehouseLoader
from schemas.spec import Column, TableSpec
from tests.conftest import warehouse_rows

DIM = TableSpec("dim_thing", "One row per thing.", (Column("thing_key", "bigint", False),
                                                    Column("name", "varchar(20)", True)), ("thing_key",))
FACT = TableSpec("fact_event", "One row per event.", (Column("event_key", "bigint", False),
                                                      Column("thing_key", "bigint", False),
                                                      Column("amount", "decimal(10,2)", True)),
                 ("event_key",), load_mode="replace_all")
PIPELINE = Pipeline(name="toy", description="two tables", tables=(DIM, FACT), views=(), transform=None,
                    sample=SampleGenerator("x:y", "none"))
ARROW = {"bigint": pa.int64(), "varchar(20)": pa.string(), "decimal(10,2)": pa.decimal128(10, 2),
         "varchar(64)": pa.string()}


def parquet(path: Path, spec: TableSpec, rows: list[tuple], run_id: str = "r") -> dict:
    """The table's file as the write path makes it: its content plus the run_id audit column."""
    rows = [(*r, run_id) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([pa.field(c.name, ARROW[c.type]) for c in spec.columns])
    records = [{c: Decimal(v) if isinstance(v, str) and t == "decimal(10,2)" else v
                for c, t, v in zip(spec.column_names, [c.type for c in spec.columns], r, strict=True)} for r in rows]
    pq.write_table(pa.Table.from_pylist(records, schema), path)
    return {"uri": str(path), "size": path.stat().st_size}


def publish_run(lake: Path, run_id: str, dim_rows: list[tuple], fact_rows: list[tuple] | None, *,
                sample: bool = False) -> RunManifest:
    layout = LakeLayout(str(lake))
    dim_files = [parquet(lake / run_id / "dim.parquet", DIM, dim_rows, run_id)] if dim_rows else []
    tables = {"dim_thing": TableOutput("dim_thing", "merge", len(dim_rows), dim_files)}
    if fact_rows is not None:
        tables["fact_event"] = TableOutput("fact_event", "replace_all", len(fact_rows),
                                           [parquet(lake / run_id / "fact.parquet", FACT, fact_rows, run_id)])
    manifest = RunManifest(run_id=run_id, pipeline="toy", lake=layout.root, inputs=[], tables=tables, sources=[],
                           quality=[], quarantine_uri="", sample=sample)
    publish(manifest)
    return manifest


def config(lake: Path, wh: Path, run_id: str | None = None) -> RunConfig:
    return RunConfig(pipeline="toy", steps=("load",), lake=str(lake), warehouse=Warehouse("duckdb", str(wh)),
                     run_id=run_id or "x", resume=run_id is not None, run_date=date(2024, 1, 1), sample_scale=1,
                     seed=1)


rows = warehouse_rows  # the rows a SQL query answers on the warehouse file, opened read-only


def test_a_run_whose_fact_fails_to_load_leaves_its_dimension_unloaded_too(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    publish_run(lake, "r1", [(1, "a")], [(10, 1, "1.50")])
    assert load_pending(config(lake, wh), PIPELINE)[0].loaded == {"dim_thing": 1, "fact_event": 1}
    second = publish_run(lake, "r2", [(1, "renamed"), (2, "b")], [(11, 2, "2.00")])
    Path(second.tables["fact_event"].files[0]["uri"]).unlink()  # the fact's file is gone: its load fails
    reports = load_pending(config(lake, wh), PIPELINE)
    assert reports[0].run_id == "r2" and "No files found" in reports[0].error
    # readers see run 1 entirely: the dimension of run 2 was not committed beside the old fact
    assert rows(wh, "select thing_key, name from dim_thing order by 1") == [(1, "a")]
    assert rows(wh, "select event_key from fact_event") == [(10,)]


def test_a_broken_run_is_recorded_as_failed_skipped_and_newer_runs_still_load(tmp_path, caplog):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    broken = publish_run(lake, "r1", [(1, "a")], [(10, 1, "1.00")])
    Path(broken.tables["fact_event"].files[0]["uri"]).unlink()
    publish_run(lake, "r2", [(2, "b")], [(20, 2, "2.00")])
    reports = load_pending(config(lake, wh), PIPELINE)
    assert [(r.run_id, bool(r.error)) for r in reports] == [("r1", True), ("r2", False)]
    assert rows(wh, "select event_key from fact_event") == [(20,)]
    assert rows(wh, "select run_id, status from load_ledger where table_name = '*'") == [("r1", "failed")]
    # the next load skips it with a warning instead of failing again
    assert load_pending(config(lake, wh), PIPELINE) == []
    assert "r1] skipped: its load failed before" in caplog.text


def test_a_failed_run_retried_by_its_run_id_loads_what_is_not_newer(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    broken = publish_run(lake, "r1", [(1, "a")], [(10, 1, "1.00")])
    fact_file = Path(broken.tables["fact_event"].files[0]["uri"])
    kept = fact_file.read_bytes()
    fact_file.unlink()
    assert load_pending(config(lake, wh), PIPELINE)[0].error
    fact_file.write_bytes(kept)  # the file is back
    reports = load_pending(config(lake, wh, run_id="r1"), PIPELINE)
    assert reports[0].loaded == {"dim_thing": 1, "fact_event": 1}
    assert rows(wh, "select event_key from fact_event") == [(10,)]
    # and a newer run loaded since is never overwritten by the retry of an older one
    publish_run(lake, "r2", [(2, "b")], [(20, 2, "2.00")])
    load_pending(config(lake, wh), PIPELINE)
    assert load_pending(config(lake, wh, run_id="r1"), PIPELINE) == []
    assert rows(wh, "select event_key from fact_event") == [(20,)]


def test_a_table_with_no_rows_in_an_incremental_run_is_recorded_without_staging_anything(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    publish_run(lake, "r1", [(1, "a")], [(10, 1, "1.00")])
    publish_run(lake, "r2", [], None)  # nothing changed in the dimension; no fact in this run
    reports = load_pending(config(lake, wh), PIPELINE)
    assert [r.loaded for r in reports] == [{"dim_thing": 1, "fact_event": 1}, {"dim_thing": 0}]
    assert rows(wh, "select thing_key from dim_thing") == [(1,)]


def _old_warehouse(wh: Path, ddl: str) -> None:
    con = duckdb.connect(str(wh))
    con.execute(ddl)
    con.execute("insert into dim_thing (thing_key) values (1)" if "name" not in ddl or "varchar not null" in ddl
                else "insert into dim_thing (thing_key, name) values (1, 'a')")
    con.close()


def test_a_new_nullable_column_of_a_spec_is_added_to_an_older_warehouse_in_the_load(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    _old_warehouse(wh, "create table dim_thing (thing_key bigint not null, primary key (thing_key))")
    publish_run(lake, "r1", [(2, "b")], [(20, 2, "2.00")])
    load_pending(config(lake, wh), PIPELINE)
    assert rows(wh, "select thing_key, name from dim_thing order by 1") == [(1, None), (2, "b")]


@pytest.mark.parametrize(("ddl", "message"), [
    ("create table dim_thing (thing_key varchar not null, name varchar)",  # (key stored as text)
     "thing_key: VARCHAR in the warehouse, BIGINT in the spec"),
    ("create table dim_thing (thing_key bigint not null, name varchar, colour varchar)",
     "colour: in the warehouse but not in the spec"),
    ("create table dim_thing (name varchar, thing_key bigint not null)", "columns reordered"),
])
def test_a_warehouse_table_that_differs_from_its_spec_is_refused_naming_the_column(tmp_path, ddl, message):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    _old_warehouse(wh, ddl)
    publish_run(lake, "r1", [(2, "b")], [(20, 2, "2.00")])
    loader = WarehouseLoader(DuckDBExecutor(str(wh)), "duckdb")
    with pytest.raises(SchemaDriftError, match="dim_thing does not match its spec") as refused:
        loader.drift(DIM)
    loader.executor.close()
    assert message in str(refused.value)
    report = load_pending(config(lake, wh), PIPELINE)[0]
    assert message in report.error  # recorded as failed with the column named, nothing loaded
    assert rows(wh, "select count(*) from dim_thing") == [(1,)]


def test_a_ledger_written_before_the_status_column_gets_it(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create table load_ledger (run_id varchar not null, pipeline varchar not null, table_name varchar "
                "not null, load_mode varchar not null, rows_loaded bigint not null, manifest_uri varchar not null, "
                "loaded_at timestamp not null, primary key (run_id, table_name))")
    con.execute("insert into load_ledger values ('r0', 'toy', 'dim_thing', 'merge', 0, 'm', '2024-01-01')")
    con.close()
    publish_run(lake, "r1", [(1, "a")], [(10, 1, "1.00")])
    assert load_pending(config(lake, wh), PIPELINE)[0].loaded
    assert rows(wh, "select run_id, status from load_ledger where table_name = 'dim_thing' order by 1") == [
        ("r0", None), ("r1", "loaded")]


def test_a_warehouse_held_open_by_another_process_is_a_one_line_error_naming_it(tmp_path):
    wh = tmp_path / "wh.duckdb"
    duckdb.connect(str(wh)).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(wh)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(LoadError, match=rf"is open in process {holder.pid} .*read_only=True") as refused:
            DuckDBExecutor(str(wh))
        assert "\n" not in str(refused.value) and time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_the_spec_used_here_matches_the_files_written(tmp_path):
    # guard for the helpers above: a spec column list change must change the Parquet files too
    assert [f.name for f in pq.read_schema(parquet(tmp_path / "x.parquet", FACT, [])["uri"])] == FACT.column_names
    assert dataclasses.replace(FACT, allow_empty=True).allow_empty


def test_generated_sample_data_never_replaces_data_loaded_from_the_users_own_source(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    publish_run(lake, "r1", [(1, "mine")], [(10, 1, "9.99")])  # the user's own files
    publish_run(lake, "r2", [(2, "sample")], [(20, 2, "1.00")], sample=True)  # a run without --input
    reports = load_pending(config(lake, wh), PIPELINE)
    assert reports[0].loaded and reports[1].error.startswith("SampleOverRealError")
    assert "holds fact_event loaded from your own data (run r1)" in reports[1].error
    assert rows(wh, "select event_key from fact_event") == [(10,)]
    # real data over sample data is what a user wants
    publish_run(lake, "r3", [(3, "mine again")], [(30, 3, "3.00")])
    assert load_pending(config(lake, wh), PIPELINE)[0].loaded
    assert rows(wh, "select event_key from fact_event") == [(30,)]


def test_sample_runs_load_over_sample_runs(tmp_path):
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    publish_run(lake, "r1", [(1, "s")], [(10, 1, "1.00")], sample=True)
    publish_run(lake, "r2", [(2, "s")], [(20, 2, "2.00")], sample=True)
    assert [bool(r.loaded) for r in load_pending(config(lake, wh), PIPELINE)] == [True, True]
