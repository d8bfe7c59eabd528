"""The eurostat pipeline end to end through ``jobs.main.main`` on a real DuckDB warehouse: two
generated publications loaded as two vintages, a rerun, an older vintage, the real pjanind3 file
through ``--input``. Every expected figure is computed here from the raw TSV files, read by hand
(``raw_cells``), never by the code under test."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from jobs.main import main
from samples.eurostat import VINTAGES, generate_eurostat
from schemas.charts import EUROSTAT
from schemas.eurostat import INDICATOR_DATASET, POPULATION_DATASET
from tests.conftest import REPO, warehouse_chart, warehouse_rows
from tests.test_eurostat_marts import raw_cells

POP_KEY = "freq, unit, sex_code, age_code, geo_code, time_period"
IND_KEY = "freq, indicator_code, unit, geo_code, time_period"
REAL_PJANIND3 = REPO.parent / "shared" / "data" / "eurostat" / "estat_demo_r_pjanind3.tsv.gz"


rows = warehouse_rows


def dump(wh: Path) -> dict[str, list[tuple]]:
    tables = ["dim_region", "dim_age_group", "dim_sex", "dim_indicator", "fact_eurostat_population",
              "fact_eurostat_indicator"]
    # content: a merged dimension row is stamped with the run that wrote it last (run_id)
    return {t: rows(wh, f"select * exclude (run_id) from {t} order by all") for t in tables}


def as_of(wh: Path, table: str, key: str, day: date) -> dict[tuple, tuple]:
    found = rows(wh, f"select {key}, value, flags from {table} where valid_from <= DATE '{day}' "
                     f"and (valid_to is null or valid_to > DATE '{day}')")
    return {tuple(r[:-2]): tuple(r[-2:]) for r in found}


def run(root: Path, *args: str) -> int:
    return main(["eurostat", "--lake", str(root / "lake"), "--warehouse", f"duckdb:{root / 'wh.duckdb'}",
                 "--sample-scale", "0.01", "--seed", "7", *args])


@pytest.fixture(scope="module")
def two_vintages(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("eurostat_pipeline")
    data = root / "in"
    generate_eurostat(data, scale=0.01, seed=7)  # what the sample default generates: same scale and seed
    raw = {(v, ds): raw_cells(data / v.isoformat() / f"estat_{ds}.tsv.gz")
           for v in VINTAGES for ds in (POPULATION_DATASET, INDICATOR_DATASET)}
    assert run(root) == 0  # sample default: the first publication, as JSON-stat responses
    first = dump(root / "wh.duckdb")
    assert run(root, "--sample-vintage", "2") == 0
    second = dump(root / "wh.duckdb")
    return {"root": root, "raw": raw, "first": first, "second": second}


def test_each_vintage_is_answered_exactly_by_the_as_of_query(two_vintages):
    wh = two_vintages["root"] / "wh.duckdb"
    for vintage in VINTAGES:
        raw = two_vintages["raw"]
        assert as_of(wh, "fact_eurostat_population", POP_KEY, vintage) == raw[(vintage, POPULATION_DATASET)]
        assert as_of(wh, "fact_eurostat_indicator", IND_KEY, vintage) == raw[(vintage, INDICATOR_DATASET)]


def test_the_second_vintage_adds_only_the_changed_cells_and_closes_the_withdrawn(two_vintages):
    wh = two_vintages["root"] / "wh.duckdb"
    for dataset, table in ((POPULATION_DATASET, "fact_eurostat_population"),
                           (INDICATOR_DATASET, "fact_eurostat_indicator")):
        old, new = two_vintages["raw"][(VINTAGES[0], dataset)], two_vintages["raw"][(VINTAGES[1], dataset)]
        opened = {k for k, v in new.items() if old.get(k, ("absent",)) != v}  # changed or added
        closed = {k for k, v in old.items() if new.get(k, ("absent",)) != v}  # changed or withdrawn
        assert opened and closed and len(opened) < len(new)  # the sample really revises a part
        (n_opened,) = rows(wh, f"select count(*) from {table} where valid_from = DATE '{VINTAGES[1]}'")[0]
        (n_closed,) = rows(wh, f"select count(*) from {table} where valid_to = DATE '{VINTAGES[1]}'")[0]
        (n_all,) = rows(wh, f"select count(*) from {table}")[0]
        assert (n_opened, n_closed, n_all) == (len(opened), len(closed), len(old) + len(opened)), dataset


# ---- the report's charts: the rows each one gets, against SQL on the fact and dimension tables ----

# The 5-year bands by their Eurostat codes, youngest first (not dim_age_group's flags).
BANDS = ["Y_LT5", *(f"Y{a}-{a + 4}" for a in range(5, 85, 5)), "Y_GE85"]
_CURRENT_T_NR = ("select * from fact_eurostat_population where valid_to is null and sex_code = 'T' "
                 "and unit = 'NR'")
_VERSIONS = ("select dataset, observation_key, value, valid_from, valid_to from fact_eurostat_population "
             "union all select dataset, observation_key, value, valid_from, valid_to from fact_eurostat_indicator")
CHARTS_ON_THE_TABLES = {
    # the NUTS region (no aggregate) with the largest published TOTAL in the latest year, its
    # bands' current values
    "Population by age band, most populous region, latest year": f"""
        with cur as ({_CURRENT_T_NR}),
        latest as (select max(time_period) as y from cur),
        top as (select c.geo_code, c.time_period from cur as c, latest as l
                where c.time_period = l.y and c.age_code = 'TOTAL' and c.value is not null
                and c.geo_code in (select region_code from dim_region where is_nuts)
                order by c.value desc, c.geo_code limit 1)
        select c.geo_code, c.time_period, a.age_label, a.age_lower, c.value
        from cur as c join top as t on t.geo_code = c.geo_code and t.time_period = c.time_period
        join dim_age_group as a on a.age_group_key = c.age_group_key
        where c.age_code in ({", ".join(f"'{b}'" for b in BANDS)}) order by a.age_lower""",
    # per dataset and vintage: cells opened with no predecessor (added), opened as a successor
    # (changed), closed without a successor (withdrawn), the largest relative change of a value
    "Revision log: what each vintage changed": f"""
        with v as ({_VERSIONS}),
        vintages as (select dataset, valid_from as vintage from v
                     union select dataset, valid_to from v where valid_to is not null)
        select g.dataset, g.vintage,
            (select count(*) from v as n where n.dataset = g.dataset and n.valid_from = g.vintage
             and not exists (select 1 from v as o where o.dataset = n.dataset
                             and o.observation_key = n.observation_key and o.valid_to = g.vintage)),
            (select count(*) from v as n where n.dataset = g.dataset and n.valid_from = g.vintage
             and exists (select 1 from v as o where o.dataset = n.dataset
                         and o.observation_key = n.observation_key and o.valid_to = g.vintage)),
            (select count(*) from v as o where o.dataset = g.dataset and o.valid_to = g.vintage
             and not exists (select 1 from v as n where n.dataset = o.dataset
                             and n.observation_key = o.observation_key and n.valid_from = g.vintage)),
            (select max(abs(n.value - o.value) / abs(o.value)) from v as n join v as o
             on o.dataset = n.dataset and o.observation_key = n.observation_key and o.valid_to = n.valid_from
             where n.dataset = g.dataset and n.valid_from = g.vintage and o.value <> 0)
        from vintages as g order by 1, 2""",
}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float | Decimal) or isinstance(b, float | Decimal):
        return a is not None and b is not None and float(a) == pytest.approx(float(b), rel=1e-9, abs=1e-12)
    return a == b


@pytest.mark.parametrize("chart", EUROSTAT, ids=[c.title for c in EUROSTAT])
def test_each_report_chart_gets_the_rows_sql_on_the_facts_and_dimensions_computes(two_vintages, chart):
    wh = two_vintages["root"] / "wh.duckdb"
    data = warehouse_chart(wh, chart)
    expected = rows(wh, CHARTS_ON_THE_TABLES[chart.title])
    assert expected and len(data.rows) == len(expected), (data.rows, expected)
    for got, want in zip(data.rows, expected, strict=True):  # the order the page shows, values to 1e-9
        assert len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want, strict=True)), (got, want)
    if chart.kind == "bar":
        assert data.columns == ["region_code", "year", "age_label", "age_lower", "population"]
        assert len(data.rows) == len(BANDS)  # all 18 bands of one region
    else:  # both datasets, both vintages: the second one revises, adds and withdraws cells
        assert data.columns == ["dataset", "vintage", "cells_added", "cells_changed", "cells_closed",
                                "largest_relative_change"]
        assert [(r[0], r[1]) for r in data.rows] == [(ds, v) for ds in sorted((INDICATOR_DATASET, POPULATION_DATASET))
                                                     for v in VINTAGES]
        assert all(r[3] and r[4] and r[2] for r in data.rows if r[1] == VINTAGES[1])


def test_rerunning_a_vintage_leaves_the_warehouse_identical(two_vintages):
    root = two_vintages["root"]
    assert run(root, "--sample-vintage", "2") == 0
    assert dump(root / "wh.duckdb") == two_vintages["second"]


def test_an_older_vintage_is_refused_and_changes_nothing(two_vintages, capsys):
    root = two_vintages["root"]
    before = dump(root / "wh.duckdb")
    capsys.readouterr()
    assert run(root, "--sample-vintage", "1") == 3
    err = capsys.readouterr().err
    first = next(line for line in err.splitlines() if line.startswith("error:"))
    assert first.startswith("error: bad input: run ") and f"is older than {VINTAGES[1]}" in first
    assert dump(root / "wh.duckdb") == before
    # and it does not block the next run
    assert run(root, "--sample-vintage", "2") == 0
    assert dump(root / "wh.duckdb") == before


def test_bulk_tsv_and_json_stat_give_the_same_warehouse(two_vintages, tmp_path):
    data = two_vintages["root"] / "in" / VINTAGES[0].isoformat()
    folder = tmp_path / "tsv"
    folder.mkdir()
    for dataset in (POPULATION_DATASET, INDICATOR_DATASET):
        shutil.copy(data / f"estat_{dataset}.tsv.gz", folder)
    shutil.copy(two_vintages["root"] / "in" / "nuts-2016.csv", folder)
    assert run(tmp_path, "--input", str(folder), "--as-of", VINTAGES[0].isoformat()) == 0
    got = dump(tmp_path / "wh.duckdb")
    for table in ("fact_eurostat_population", "fact_eurostat_indicator", "dim_age_group", "dim_sex"):
        key = {"fact_eurostat_population": POP_KEY, "fact_eurostat_indicator": IND_KEY}.get(table)
        if key:  # the facts: same cells, values and flags (run_id and labels aside)
            assert (as_of(tmp_path / "wh.duckdb", table, key, VINTAGES[0])
                    == as_of(two_vintages["root"] / "wh.duckdb", table, key, VINTAGES[0]))
        else:
            assert len(got[table]) == len(two_vintages["first"][table]), table


def test_a_folder_with_the_real_pjanind3_file_loads_every_series(spark, tmp_path):
    if not REAL_PJANIND3.exists():
        pytest.skip(f"the real Eurostat file is not here ({REAL_PJANIND3}): ../shared/data is absent")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REAL_PJANIND3, folder)
    with gzip.open(REAL_PJANIND3, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\r\n").split("\t") for line in f if line.strip()]
    cells = sum(len(line) - 1 for line in lines[1:])
    missing_without_flag = sum(1 for line in lines[1:] for c in line[1:] if c.strip() == ":")
    assert run(tmp_path, "--input", str(folder), "--as-of", "2024-06-01") == 0
    wh = tmp_path / "wh.duckdb"
    (n, nulls) = rows(wh, "select count(*), count(*) filter (where value is null and flags = ':') "
                          "from fact_eurostat_indicator")[0]
    (quarantined,) = rows(wh, "select count(*) from quarantine")[0]
    assert n + quarantined == cells and nulls == missing_without_flag
    (series,) = rows(wh, "select count(distinct (freq, indicator_code, unit, geo_code)) "
                         "from fact_eurostat_indicator")[0]
    assert series == len(lines) - 1 or quarantined
