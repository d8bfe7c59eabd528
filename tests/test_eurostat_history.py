"""The shared ``history`` (SCD2) load mode, executed for real on a DuckDB file and parsed as
Redshift SQL. Each load is built the way the loader receives it — a run manifest listing Parquet
files — written here with pyarrow from a few inline cells (no Spark): the behaviour under test is
the warehouse SQL, not the transform."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from jobs.manifest import RunManifest, TableOutput
from jobs.warehouse import (
    DuckDBExecutor,
    HistoryLoadRefused,
    WarehouseLoader,
    history_statements,
    table_load,
)
from schemas.eurostat import FACT_EUROSTAT_INDICATOR as SPEC
from schemas.spec import TableSpec

V1, V2, V3 = date(2024, 3, 1), date(2024, 6, 1), date(2024, 9, 1)
DATASET = "demo_r_pjanind3"
_ARROW = {"bigint": pa.int64(), "int": pa.int32(), "date": pa.date32(), "decimal(18,4)": pa.decimal128(18, 4)}
_run_numbers = itertools.count(1)


def cell(geo: str, year: int, value: str | None, flags: str | None = None, *, indicator: str = "MEDAGEPOP",
         dataset: str = DATASET) -> dict:
    """One published cell of the indicator fact (keys derived the way the transform does: any
    stable function of the natural key will do here)."""
    key = hash((dataset, indicator, geo, year)) & 0x7FFF_FFFF_FFFF
    return {"observation_key": key, "dataset": dataset, "freq": "A", "indicator_code": indicator, "unit": "YR",
            "geo_code": geo, "time_period": year, "region_key": 1, "indicator_key": 2,
            "value": None if value is None else Decimal(value), "flags": flags}


class Warehouse:
    """A DuckDB file plus the loader, fed vintages as manifests of Parquet files."""

    def __init__(self, root: Path, spec: TableSpec = SPEC):
        self.root, self.spec = root, spec
        self.executor = DuckDBExecutor(str(root / "wh.duckdb"))
        self.loader = WarehouseLoader(self.executor, "duckdb")
        self.loader.ensure_tables([spec])

    def manifest(self, vintage_rows: dict[date, list[dict]]) -> RunManifest:
        run_id = f"20240101T000000Z-{next(_run_numbers):06d}"
        rows = [{**r, "valid_from": v, "valid_to": None} for v, cells in vintage_rows.items() for r in cells]
        schema = pa.schema([(c.name, _ARROW.get(c.type, pa.string())) for c in self.spec.columns])
        path = self.root / f"{run_id}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
        out = TableOutput(self.spec.name, "history", len(rows), [{"uri": str(path), "size": path.stat().st_size}])
        return RunManifest(run_id=run_id, pipeline="eurostat", lake=str(self.root), inputs=[],
                           tables={self.spec.name: out}, sources=[], quality=[], quarantine_uri="")

    def load(self, vintage: date, cells: list[dict]):
        return self.loader.load(self.manifest({vintage: cells}), {self.spec.name: self.spec})

    def rows(self, where: str = "true") -> list[tuple]:
        return self.executor.query(
            f"select geo_code, time_period, value, flags, valid_from, valid_to from {self.spec.name} "
            f"where {where} order by geo_code, time_period, valid_from")

    def as_of(self, day: date) -> dict[tuple, tuple]:
        found = self.executor.query(
            f"select geo_code, time_period, value, flags from {self.spec.name} "
            f"where valid_from <= DATE '{day}' and (valid_to is null or valid_to > DATE '{day}')")
        return {(g, y): (v, f) for g, y, v, f in found}


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    warehouse = Warehouse(tmp_path)
    yield warehouse
    warehouse.executor.close()


VINTAGE_1 = [cell("AT", 2021, "43.1"), cell("AT", 2022, "43.3", "p"), cell("BE", 2022, "41.7"),
             cell("BG", 2022, None, ":"), cell("CY", 2022, "38.0")]
VINTAGE_2 = [cell("AT", 2021, "43.1"),           # unchanged
             cell("AT", 2022, "43.4"),           # value revised, provisional flag dropped
             cell("BE", 2022, "41.7", "e"),      # same value, flag added
             cell("BG", 2022, None, ":"),        # still not available: unchanged (null-safe)
             cell("AT", 2023, "43.6", "p")]      # a new year; CY 2022 withdrawn


def test_the_first_vintage_opens_one_current_version_per_cell(wh):
    wh.load(V1, VINTAGE_1)
    assert wh.rows() == [(c["geo_code"], c["time_period"], c["value"], c["flags"], V1, None)
                         for c in sorted(VINTAGE_1, key=lambda c: (c["geo_code"], c["time_period"]))]


def test_a_second_vintage_versions_exactly_the_changed_cells(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)
    opened_by_v2 = wh.rows(f"valid_from = DATE '{V2}'")
    assert opened_by_v2 == [("AT", 2022, Decimal("43.4000"), None, V2, None),
                            ("AT", 2023, Decimal("43.6000"), "p", V2, None),
                            ("BE", 2022, Decimal("41.7000"), "e", V2, None)]
    closed_at_v2 = wh.rows(f"valid_to = DATE '{V2}'")
    assert [(g, y) for g, y, *_ in closed_at_v2] == [("AT", 2022), ("BE", 2022), ("CY", 2022)]
    assert wh.executor.query(f"select count(*) from {SPEC.name}")[0][0] == 5 + 3


def test_the_as_of_query_returns_what_each_vintage_published(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)

    def published(cells):
        return {(c["geo_code"], c["time_period"]): (c["value"], c["flags"]) for c in cells}

    assert wh.as_of(V1) == published(VINTAGE_1)
    assert wh.as_of(date(2024, 5, 31)) == published(VINTAGE_1)  # the day before V2
    assert wh.as_of(V2) == published(VINTAGE_2)
    assert wh.as_of(date(2030, 1, 1)) == published(VINTAGE_2)
    assert wh.as_of(date(2024, 2, 29)) == {}  # before anything was loaded


def test_rerunning_the_same_vintage_changes_nothing(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)
    before = wh.rows()
    report = wh.load(V2, VINTAGE_2)  # a new run carrying the same vintage again
    assert report.loaded == {SPEC.name: len(VINTAGE_2)}  # it did run, and
    assert wh.rows() == before  # added, closed and deleted nothing


def test_a_cell_absent_from_the_next_vintage_is_closed_not_deleted(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)
    assert wh.rows("geo_code = 'CY'") == [("CY", 2022, Decimal("38.0000"), None, V1, V2)]
    assert ("CY", 2022) not in wh.as_of(V2)


def test_a_vintage_older_than_the_newest_loaded_is_refused_and_changes_nothing(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)
    before = wh.rows()
    with pytest.raises(HistoryLoadRefused, match=r"vintage 2024-03-01 is older than 2024-06-01, "
                                                 r"already loaded for dataset=demo_r_pjanind3"):
        wh.load(V1, VINTAGE_1)
    assert wh.rows() == before
    ledger = wh.executor.query("select count(*) from load_ledger")[0][0]
    assert ledger == 2  # the refused run is not recorded as loaded: it can be retried after a fix


def test_a_vintage_that_only_withdrew_cells_still_counts_as_the_newest(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V3, VINTAGE_1[:-1])  # V3 only withdraws CY: it opens nothing, it closes one cell
    with pytest.raises(HistoryLoadRefused, match="vintage 2024-06-01 is older than 2024-09-01"):
        wh.load(V2, VINTAGE_2)


def test_a_run_carrying_two_vintages_is_refused(wh):
    manifest = wh.manifest({V1: VINTAGE_1[:2], V2: VINTAGE_2[2:]})
    with pytest.raises(HistoryLoadRefused, match="2 vintages"):
        wh.loader.load(manifest, {SPEC.name: SPEC})
    assert wh.rows() == []


def test_a_vintage_closes_only_cells_of_the_datasets_it_covers(wh):
    other = [cell("AT", 2022, "7.0", dataset="another_dataset")]
    wh.load(V1, VINTAGE_1 + other)
    wh.load(V2, VINTAGE_2)  # demo_r_pjanind3 only
    assert wh.rows("dataset = 'another_dataset'") == [("AT", 2022, Decimal("7.0000"), None, V1, None)]


def test_a_flag_change_on_a_missing_value_is_a_change(wh):
    wh.load(V1, [cell("BG", 2022, None, ":")])
    wh.load(V2, [cell("BG", 2022, None, ":c")])  # not available -> confidential
    assert wh.rows() == [("BG", 2022, None, ":", V1, V2), ("BG", 2022, None, ":c", V2, None)]


def test_a_value_appearing_where_there_was_none_opens_a_version(wh):
    wh.load(V1, [cell("BG", 2022, None, ":")])
    wh.load(V2, [cell("BG", 2022, "0")])
    assert wh.as_of(V1) == {("BG", 2022): (None, ":")} and wh.as_of(V2) == {("BG", 2022): (Decimal("0.0000"), None)}


def test_a_republished_vintage_replaces_what_its_earlier_load_opened(wh):
    wh.load(V1, VINTAGE_1)
    wh.load(V2, VINTAGE_2)
    corrected = [c if c["geo_code"] != "AT" or c["time_period"] != 2023 else cell("AT", 2023, "43.7", "p")
                 for c in VINTAGE_2]
    wh.load(V2, corrected)  # Eurostat re-published V2 the same day with one more fix
    assert wh.rows("geo_code = 'AT' and time_period = 2023") == [("AT", 2023, Decimal("43.7000"), "p", V2, None)]
    assert wh.as_of(V1)[("AT", 2022)] == (Decimal("43.3000"), "p")  # older versions untouched


def test_the_history_load_renders_as_redshift_sql_without_truncate(tmp_path):
    wh = Warehouse(tmp_path)
    load = table_load(SPEC, wh.manifest({V1: VINTAGE_1}), "redshift", schema="analytics",
                      iam_role="arn:aws:iam::123456789012:role/copy")
    kinds = [s.split()[0] for s in load.statements]
    assert kinds == ["CREATE", "COPY", "SELECT", "SELECT", "DELETE", "UPDATE", "INSERT", "INSERT", "DROP"]
    assert load.statements[2].startswith("SELECT CAST('history load refused: ' || ")
    assert not any("TRUNCATE" in s.upper() or "DISTINCT FROM" in s.upper() for s in load.statements)
    for sql in load.statements:
        if not sql.startswith("COPY"):  # sqlglot has no grammar for COPY's Parquet options
            sqlglot.parse_one(sql, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    wh.executor.close()


def test_every_statement_that_writes_touches_current_versions_only():
    _, _, delete, update, insert = history_statements(SPEC, "analytics")
    current = "analytics.fact_eurostat_indicator.valid_to IS NULL"
    assert current in delete and current in update and current in insert
    assert "valid_to = (SELECT MAX(valid_from) FROM stage_fact_eurostat_indicator)" in update
    # Null-safe on the compared columns only: the natural key parts are NOT NULL.
    assert ("(stage_fact_eurostat_indicator.flags = analytics.fact_eurostat_indicator.flags OR "
            "(stage_fact_eurostat_indicator.flags IS NULL AND analytics.fact_eurostat_indicator.flags IS NULL))"
            in update)
