"""Warehouse SQL rendered from the specs: DDL for both dialects, the Redshift load protocol
(parsed with sqlglot's Redshift dialect), and the COPY column list against the real Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from jobs import pipelines
from jobs.config import RedshiftSettings
from jobs.manifest import RunManifest
from jobs.warehouse import (
    RedshiftDataApiExecutor,
    WarehouseLoader,
    ddl_statements,
    table_load,
    view_statements,
)
from samples.flights import generate_flights
from schemas.flights import FACT_FLIGHT
from tests.flights_helpers import run_into

ALL_SPECS = [spec for p in pipelines.all_pipelines() for spec in p.tables]
ROLE = "arn:aws:iam::123456789012:role/constellation-redshift-copy"


@pytest.fixture(scope="module")
def manifest(spark, tmp_path_factory) -> RunManifest:
    root = tmp_path_factory.mktemp("sql")
    generate_flights(root / "in", scale=0.0005, seed=3)
    assert run_into(root / "in", root / "lake", root / "wh.duckdb", "--steps", "land,transform") == 0
    return RunManifest.from_json(next((root / "lake" / "_runs").glob("*.json")).read_text())


def redshift(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.name)
def test_redshift_ddl_parses_and_carries_the_physical_design(spec):
    ddl = ddl_statements([spec], "redshift", "analytics")[1]
    redshift(ddl.split("\nDISTSTYLE")[0])  # sqlglot knows CREATE TABLE; the table attributes follow it
    assert f"DISTSTYLE {spec.diststyle}" in ddl
    if spec.sortkey:
        assert f"COMPOUND SORTKEY ({', '.join(spec.sortkey)})" in ddl


def test_every_duckdb_ddl_and_every_view_runs_on_duckdb():
    con = duckdb.connect()
    for sql in ddl_statements(ALL_SPECS, "duckdb"):
        con.execute(sql)
    for p in pipelines.all_pipelines():
        for sql in view_statements(p.name, p.views):
            con.execute(sql)


def test_every_view_parses_as_redshift_sql():
    for p in pipelines.all_pipelines():
        for sql in view_statements(p.name, p.views):
            assert isinstance(redshift(sql), exp.Create)


def test_the_fact_load_is_stage_copy_delete_insert_ledger_without_truncate(manifest):
    load = table_load(FACT_FLIGHT, manifest, "redshift", schema="analytics", iam_role=ROLE)
    kinds = [s.split()[0] + " " + s.split()[1] for s in load.statements]
    assert kinds == ["CREATE TEMP", "COPY stage_fact_flight", "DELETE FROM", "INSERT INTO", "INSERT INTO", "DROP TABLE"]
    assert load.statements[0] == "CREATE TEMP TABLE stage_fact_flight (LIKE analytics.fact_flight)"
    assert load.statements[2] == "DELETE FROM analytics.fact_flight"
    assert not any("TRUNCATE" in s.upper() for s in load.statements)
    for sql in load.statements:
        if not sql.startswith("COPY"):  # sqlglot has no grammar for COPY's Parquet options
            redshift(sql)


def test_the_copy_statement_names_the_manifest_role_and_format(manifest):
    copy = table_load(FACT_FLIGHT, manifest, "redshift", iam_role=ROLE).statements[1]
    out = manifest.tables["fact_flight"]
    assert copy.endswith(f"FROM '{out.copy_manifest}' IAM_ROLE '{ROLE}' FORMAT AS PARQUET MANIFEST")
    entries = json.loads(Path(out.copy_manifest).read_text())["entries"]
    assert all(e["mandatory"] and e["meta"]["content_length"] == Path(e["url"]).stat().st_size for e in entries)


def test_the_copy_column_list_is_exactly_the_parquet_schema_the_fact_is_written_with(manifest):
    copy = table_load(FACT_FLIGHT, manifest, "redshift", iam_role=ROLE).statements[1]
    listed = [c.strip() for c in copy[copy.index("(") + 1: copy.index(")")].split(",")]
    for f in manifest.tables["fact_flight"].files:
        assert pq.read_schema(f["uri"]).names == listed  # position by position, partition column included


def test_parquet_types_are_the_declared_ones(manifest):
    schema = pq.read_schema(manifest.tables["fact_flight"].files[0]["uri"])
    assert str(schema.field("scheduled_departure_at").type) == "timestamp[us]"  # INT64 micros, no zone
    assert str(schema.field("flight_key").type) == "int64"
    assert str(schema.field("is_delayed").type) == "bool"


def test_dimensions_merge_by_key_and_the_ledger_records_the_load(manifest):
    from schemas.flights import DIM_AIRPORT

    load = table_load(DIM_AIRPORT, manifest, "redshift", schema="analytics", iam_role=ROLE)
    assert load.statements[2] == ("DELETE FROM analytics.dim_airport WHERE EXISTS (SELECT 1 FROM stage_dim_airport "
                                  "WHERE stage_dim_airport.airport_key = analytics.dim_airport.airport_key)")
    ledger = load.statements[4]
    assert ledger.startswith("INSERT INTO analytics.load_ledger (run_id, pipeline, table_name, load_mode, rows_loaded")
    assert f"'{manifest.run_id}', 'flights', 'dim_airport', 'merge', {manifest.tables['dim_airport'].rows}" in ledger


class FakeDataApi:
    """Stands in for boto3's redshift-data client: records batches and session statements,
    reports them finished; ``fail_on`` makes a statement containing that text fail."""

    def __init__(self, fail_on: str | None = None):
        self.batches: list[dict] = []
        self.session: list[str] = []
        self.fail_on = fail_on
        self.failed: set[str] = set()

    def batch_execute_statement(self, **kwargs):
        self.batches.append(kwargs)
        return {"Id": str(len(self.batches))}

    def execute_statement(self, **kwargs):
        if "SessionId" in kwargs or "SessionKeepAliveSeconds" in kwargs:
            self.session.append(kwargs["Sql"])
            statement_id = f"s{len(self.session)}"
            if self.fail_on and self.fail_on in kwargs["Sql"]:
                self.failed.add(statement_id)
            return {"Id": statement_id, "SessionId": "session-1"}
        return {"Id": "q"}

    def describe_statement(self, Id):  # noqa: N803 (boto's name)
        return {"Status": "FAILED", "Error": "boom"} if Id in self.failed else {"Status": "FINISHED"}

    def get_statement_result(self, Id):  # noqa: N803
        return {"Records": []}


def test_the_data_api_executor_sends_a_whole_run_as_one_transaction_to_the_workgroup(manifest):
    settings = RedshiftSettings(iam_role=ROLE, schema="analytics", workgroup="wg",
                                secret_arn="arn:aws:secretsmanager:eu-west-1:1:secret:rs")
    client = FakeDataApi()
    loader = WarehouseLoader(RedshiftDataApiExecutor(settings, client=client, poll_seconds=0), "redshift",
                             schema="analytics", iam_role=ROLE)
    report = loader.load(manifest, pipelines.get("flights").specs)
    assert report.loaded["fact_flight"] == manifest.tables["fact_flight"].rows
    data_batches = [b for b in client.batches if any(s.startswith("COPY ") for s in b["Sqls"])]
    assert len(data_batches) == 1  # every table of the run in one batch: one transaction
    batch = data_batches[0]
    assert batch["WorkgroupName"] == "wg" and batch["SecretArn"].endswith(":rs")
    assert batch["Sqls"][0] == "SET search_path TO analytics"
    assert {s.split()[1] for s in batch["Sqls"] if s.startswith("COPY ")} == {
        f"stage_{t.name}" for t in manifest.tables.values() if t.files}  # (an empty quarantine stages nothing)

    def without_ledger(statements):  # the ledger row carries the load time
        return [s for s in statements if "load_ledger" not in s]

    expected = table_load(FACT_FLIGHT, manifest, "redshift", schema="analytics", iam_role=ROLE).statements
    start = batch["Sqls"].index(expected[0])
    assert without_ledger(batch["Sqls"][start:start + len(expected)]) == without_ledger(expected)


def test_a_run_past_the_batch_limit_is_one_data_api_session_with_begin_and_commit():
    settings = RedshiftSettings(iam_role=ROLE, schema="analytics", workgroup="wg")
    client = FakeDataApi()
    statements = [f"INSERT INTO t VALUES ({i})" for i in range(45)]
    RedshiftDataApiExecutor(settings, client=client, poll_seconds=0).run_transaction(statements)
    assert not client.batches
    assert client.session == ["BEGIN", "SET search_path TO analytics", *statements, "COMMIT"]


def test_a_failing_statement_in_a_data_api_session_rolls_the_whole_run_back():
    settings = RedshiftSettings(iam_role=ROLE, schema="analytics", workgroup="wg")
    client = FakeDataApi(fail_on="VALUES (30)")
    statements = [f"INSERT INTO t VALUES ({i})" for i in range(45)]
    with pytest.raises(RuntimeError, match="FAILED: boom"):
        RedshiftDataApiExecutor(settings, client=client, poll_seconds=0).run_transaction(statements)
    assert client.session[-1] == "ROLLBACK" and "COMMIT" not in client.session
