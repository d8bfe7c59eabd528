"""The eurostat marts on a real DuckDB warehouse holding two vintages of generated data, loaded
the way a run is: TSV -> transforms -> the shared publish (quality gates, manifest) -> the
history load. Every expected figure is computed independently from the raw TSV files (read here
with gzip into an in-memory DuckDB table and aggregated with plain SQL), never by the code under
test. (The pipeline wiring comes later; this stands in for its transform step.)"""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlglot
from pyspark.sql import functions as F

from jobs.manifest import Landing
from jobs.publish import TransformOutput, write_and_publish
from jobs.sources.files import read_csv
from jobs.warehouse import DuckDBExecutor, WarehouseLoader, view_statements
from samples.eurostat import VINTAGES, generate_eurostat
from schemas import eurostat as S
from schemas.common import QUARANTINE
from transforms import eurostat as E

POP, IND = S.POPULATION_DATASET, S.INDICATOR_DATASET
BANDS = ("Y_LT5", "Y5-9", "Y10-14", "Y15-19", "Y20-24", "Y25-29", "Y30-34", "Y35-39", "Y40-44", "Y45-49", "Y50-54",
         "Y55-59", "Y60-64", "Y65-69", "Y70-74", "Y75-79", "Y80-84", "Y_GE85")


def publish_vintage(spark, folder: Path, nuts_csv: Path, vintage: date, lake: Path, run_id: str):
    """One run's transform for one vintage folder, as the wiring will do it."""
    def lines(dataset):
        path = folder / f"estat_{dataset}.tsv.gz"
        return spark.read.text(str(path)).select(F.lit(path.name).alias("_source_file"), F.col("value").alias("line"))

    # Cached where several outputs read the same rows (the job stages them as Parquet instead).
    pop_cells, pop_bad = E.parse_tsv(lines(POP), dataset=POP)
    ind_cells, ind_bad = E.parse_tsv(lines(IND), dataset=IND)
    pop, pop_dups = E.stage_observations(pop_cells.cache(), dataset=POP)
    ind, ind_dups = E.stage_observations(ind_cells.cache(), dataset=IND)
    nuts, nuts_bad = E.stage_nuts(read_csv(spark, [str(nuts_csv)], S.RAW_NUTS))
    labels = E.observed_codes(pop_cells.unionByName(ind_cells)).cache()
    region, age, sex = (E.build_dim_region(nuts, labels).cache(), E.build_dim_age_group(labels).cache(),
                        E.build_dim_sex(labels).cache())
    indicator = E.build_dim_indicator(labels, ind).cache()
    tables = {
        "dim_region": (S.DIM_REGION, region), "dim_age_group": (S.DIM_AGE_GROUP, age), "dim_sex": (S.DIM_SEX, sex),
        "dim_indicator": (S.DIM_INDICATOR, indicator),
        S.FACT_EUROSTAT_POPULATION.name: (S.FACT_EUROSTAT_POPULATION,
                                          E.build_fact_population(pop, region, age, sex, vintage=vintage)),
        S.FACT_EUROSTAT_INDICATOR.name: (S.FACT_EUROSTAT_INDICATOR,
                                         E.build_fact_indicator(ind, region, indicator, vintage=vintage)),
    }
    quarantine = pop_bad.unionByName(ind_bad).unionByName(pop_dups).unionByName(ind_dups).unionByName(nuts_bad)
    landing = Landing(run_id=run_id, pipeline="eurostat", ingest_date=vintage.isoformat(), inputs=[], lake=str(lake))
    return write_and_publish(spark, TransformOutput(tables, quarantine, []), landing=landing,
                             views=list(S.VIEWS))


def raw_cells(path: Path) -> dict[tuple, tuple[Decimal | None, str | None]]:
    """{(series codes..., year): (value, normal flags)} read from a current-layout TSV by hand."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\r\n").split("\t") for line in f]
    years = [int(h) for h in rows[0][1:]]
    cells = {}
    for key, *texts in rows[1:]:
        for year, text in zip(years, texts, strict=True):
            number, _, flags = text.partition(" ")
            value = None if number == ":" else Decimal(number)
            cells[(*key.split(","), year)] = (value, (":" + flags) if value is None else (flags or None))
    return cells


@pytest.fixture(scope="module")
def warehouse(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("eurostat_marts")
    generate_eurostat(root / "in", scale=0.01, seed=11)
    executor = DuckDBExecutor(str(root / "wh.duckdb"))
    loader = WarehouseLoader(executor, "duckdb")
    loader.ensure_tables((*S.TABLES, QUARANTINE))
    manifests = []
    for i, vintage in enumerate(VINTAGES):
        manifest = publish_vintage(spark, root / "in" / vintage.isoformat(), root / "in" / "nuts-2016.csv", vintage,
                                   root / "lake", f"2024010{i + 1}T000000Z-eurostat")
        loader.load(manifest, {s.name: s for s in (*S.TABLES, QUARANTINE)})
        manifests.append(manifest)
    raw = {(v, ds): raw_cells(root / "in" / v.isoformat() / f"estat_{ds}.tsv.gz")
           for v in VINTAGES for ds in (POP, IND)}
    yield executor, raw, manifests
    executor.close()


def query(executor, sql: str) -> list[dict]:
    cursor = executor.con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def raw_table(cells: dict, columns: list[str]) -> duckdb.DuckDBPyConnection:
    """The raw cells as a table ``raw`` in a fresh in-memory DuckDB, for the independent SQL."""
    con = duckdb.connect()
    con.execute(f"create table raw ({', '.join(f'{c} varchar' for c in columns)}, year integer, "
                "value decimal(18,4), flags varchar)")
    con.executemany(f"insert into raw values ({', '.join('?' * (len(columns) + 3))})",
                    [(*key, value, flags) for key, (value, flags) in cells.items()])
    return con


def test_the_runs_publish_without_quarantine_or_blocking_failures(warehouse):
    _, _, manifests = warehouse
    for manifest in manifests:
        failed = [q for q in manifest.quality if q["failed_rows"] and q["severity"] == "blocking"]
        assert failed == [] and manifest.tables[S.FACT_EUROSTAT_POPULATION.name].rows > 0


def test_the_as_of_query_returns_each_vintages_cells_exactly(warehouse):
    executor, raw, _ = warehouse
    for vintage in VINTAGES:
        for dataset, spec, key in ((POP, S.FACT_EUROSTAT_POPULATION, "freq, unit, sex_code, age_code, geo_code"),
                                   (IND, S.FACT_EUROSTAT_INDICATOR, "freq, indicator_code, unit, geo_code")):
            found = executor.query(
                f"select {key}, time_period, value, flags from {spec.name} "
                f"where valid_from <= DATE '{vintage}' and (valid_to is null or valid_to > DATE '{vintage}')")
            assert {tuple(r[:-2]): tuple(r[-2:]) for r in found} == raw[(vintage, dataset)], (vintage, dataset)


def test_the_current_views_hold_the_newest_vintage(warehouse):
    executor, raw, _ = warehouse
    (count,) = executor.query("select count(*) from fact_eurostat_population_current")[0]
    assert count == len(raw[(VINTAGES[1], POP)])
    (count,) = executor.query("select count(*) from fact_eurostat_indicator_current")[0]
    assert count == len(raw[(VINTAGES[1], IND)])


def test_population_by_region_and_year_matches_the_raw_file(warehouse):
    executor, raw, _ = warehouse
    con = raw_table(raw[(VINTAGES[1], POP)], ["freq", "unit", "sex", "age", "geo"])

    def band_sum(codes: tuple[str, ...]) -> str:
        listed = ", ".join(f"'{c}'" for c in codes)
        return (f"case when count(case when age in ({', '.join(repr(b) for b in BANDS)}) and value is not null "
                f"then 1 end) = 18 then sum(case when age in ({listed}) then value end) end")

    expected = con.execute(f"""
        select geo, year, max(case when age = 'TOTAL' then value end) as total,
               {band_sum(BANDS[:3])} as p0_14, {band_sum(BANDS[3:13])} as p15_64, {band_sum(BANDS[13:])} as p65
        from raw where sex = 'T' group by geo, year""").fetchall()
    view = query(executor, "select * from eurostat_population_by_region_year")
    found = {(r["region_code"], r["year"]): r for r in view}
    assert len(found) == len(expected)
    for geo, year, total, p0_14, p15_64, p65 in expected:
        row = found[(geo, year)]
        assert (row["population_total"], row["population_0_14"], row["population_15_64"], row["population_65_plus"]) \
            == (total, p0_14, p15_64, p65), (geo, year)
        share = None if p65 is None else float(p65) / float(total)
        assert row["share_65_plus"] == pytest.approx(share), (geo, year)


def test_the_share_of_65_plus_agrees_with_eurostats_own_indicator(warehouse):
    executor, raw, _ = warehouse
    published = {(geo, year): value for (_, ind, _, geo, year), (value, _) in raw[(VINTAGES[1], IND)].items()
                 if ind == "PC_Y65_MAX" and value is not None}
    shares = query(executor, "select region_code, year, share_65_plus from eurostat_population_by_region_year "
                             "where share_65_plus is not null")
    assert shares and len(shares) == len(published)
    for row in shares:
        assert round(100 * row["share_65_plus"], 1) == float(published[(row["region_code"], row["year"])])


def test_the_indicators_view_pivots_every_published_indicator_per_region_and_year(warehouse):
    executor, raw, _ = warehouse
    view = query(executor, "select * from eurostat_indicators_by_region_year")
    found = {(r["region_code"], r["year"]): r for r in view}
    cells = raw[(VINTAGES[1], IND)]
    assert len(found) == len({(geo, year) for (_, _, _, geo, year) in cells})
    for (_, indicator, _, geo, year), (value, _) in cells.items():
        assert found[(geo, year)][indicator.lower()] == value, (indicator, geo, year)
    assert all(row["pc_fm"] is None for row in found.values())  # an indicator the sample does not publish


def expected_revisions(old: dict, new: dict) -> tuple[int, int, int, float | None]:
    """(added, changed, closed, largest relative value change) from one vintage to the next."""
    changed = [k for k in old.keys() & new.keys() if old[k] != new[k]]
    relative = [abs(new[k][0] - old[k][0]) / abs(old[k][0]) for k in changed
                if old[k][0] is not None and new[k][0] is not None and old[k][0] != 0 and new[k][0] != old[k][0]]
    return len(new.keys() - old.keys()), len(changed), len(old.keys() - new.keys()), max(relative, default=None)


def test_the_revision_log_counts_what_each_vintage_added_changed_and_closed(warehouse):
    executor, raw, _ = warehouse
    log = {(r["dataset"], r["vintage"]): r for r in query(executor, "select * from eurostat_revision_log")}
    assert len(log) == 4
    for dataset in (POP, IND):
        first, second = raw[(VINTAGES[0], dataset)], raw[(VINTAGES[1], dataset)]
        assert [log[(dataset, VINTAGES[0])][c] for c in ("cells_added", "cells_changed", "cells_closed")] == [
            len(first), 0, 0]
        added, changed, closed, largest = expected_revisions(first, second)
        row = log[(dataset, VINTAGES[1])]
        assert (row["cells_added"], row["cells_changed"], row["cells_closed"]) == (added, changed, closed), dataset
        assert added > 0 and changed > 0 and closed > 0
        assert row["largest_relative_change"] == pytest.approx(float(largest)), dataset


def test_the_largest_revisions_view_ranks_the_biggest_value_changes_first(warehouse):
    executor, raw, _ = warehouse
    top = query(executor, f"select * from eurostat_largest_revisions where dataset = '{POP}' "
                          f"and vintage = DATE '{VINTAGES[1]}' order by revision_rank")
    assert [r["revision_rank"] for r in top] == list(range(1, 11))
    _, _, _, largest = expected_revisions(raw[(VINTAGES[0], POP)], raw[(VINTAGES[1], POP)])
    assert top[0]["relative_change"] == pytest.approx(float(largest))
    freq, unit, sex, age = top[0]["series"].split(",")
    key = (freq, unit, sex, age, top[0]["region_code"], top[0]["year"])
    assert (top[0]["value_before"], top[0]["value_after"]) == (raw[(VINTAGES[0], POP)][key][0],
                                                               raw[(VINTAGES[1], POP)][key][0])


def test_every_eurostat_view_parses_as_redshift_sql():
    for sql in view_statements("eurostat", S.VIEWS):
        assert isinstance(sqlglot.parse_one(sql, read="redshift", error_level=sqlglot.ErrorLevel.RAISE),
                          sqlglot.exp.Create)
