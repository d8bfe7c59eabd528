"""flights end to end through main(): generated vendor files -> lake -> DuckDB warehouse.

Expected values are computed by DuckDB directly on the raw CSV files, never by the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from samples.flights import generate_flights
from tests.flights_helpers import copy_state, query, run_into, table_digest

SCALE = 0.002  # ~11.6 k flights


@pytest.fixture(scope="module")
def vendor_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vendor")
    generate_flights(out, scale=SCALE, seed=7)
    return out


@pytest.fixture(scope="module")
def loaded(spark, vendor_files, tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    lake, warehouse = root / "lake", root / "wh.duckdb"
    assert run_into(vendor_files, lake, warehouse) == 0
    return lake, warehouse


def raw(vendor_files: Path, sql: str) -> list[tuple]:
    """Run SQL over the raw vendor CSVs with DuckDB: the independent computation."""
    con = duckdb.connect()
    con.execute(f"""create view flights as select * from read_csv('{vendor_files}/flights.csv', header=true,
                    all_varchar=true)""")
    con.execute(f"""create view airports as select * from read_csv('{vendor_files}/airports.csv', header=true,
                    all_varchar=true)""")
    return con.execute(sql).fetchall()


def test_every_vendor_flight_is_in_the_fact_once(loaded, vendor_files):
    _, wh = loaded
    assert query(wh, "select count(*), count(distinct flight_key) from fact_flight")[0] == (
        raw(vendor_files, "select count(*) from flights")[0][0],) * 2


def test_flight_counts_and_delays_per_airline_match_the_raw_file(loaded, vendor_files):
    _, wh = loaded
    expected = raw(vendor_files, """
        select AIRLINE, count(*),
               count(*) filter (where cast(ARRIVAL_DELAY as int) >= 15),
               count(*) filter (where cast(ARRIVAL_DELAY as int) > 0),
               sum(cast(ARRIVAL_DELAY as int)), sum(cast(DISTANCE as int)),
               count(*) filter (where CANCELLED = '1'), count(*) filter (where DIVERTED = '1')
        from flights group by 1 order by 1""")
    got = query(wh, """
        select a.airline_code, sum(a.flights), sum(a.delayed_flights), sum(a.delayed_flights_any),
               sum(a.sum_arrival_delay_min), sum(a.sum_distance_miles),
               (select count(*) from fact_flight f where f.airline_code = a.airline_code and f.is_cancelled),
               (select count(*) from fact_flight f where f.airline_code = a.airline_code and f.is_diverted)
        from delayed_flights_agg a group by 1 order by 1""")
    assert got == expected


def test_average_arrival_delay_per_route_day_matches_the_raw_file(loaded, vendor_files):
    _, wh = loaded
    expected = raw(vendor_files, """
        select make_date(cast(YEAR as int), cast(MONTH as int), cast(DAY as int)), AIRLINE, ORIGIN_AIRPORT,
               DESTINATION_AIRPORT, round(avg(cast(ARRIVAL_DELAY as double)), 6)
        from flights group by all order by all""")
    got = query(wh, """
        select flight_date, airline_code, origin_airport_code, destination_airport_code,
               round(avg_arrival_delay_min, 6)
        from delayed_flights_agg order by all""")
    assert got == expected


def test_departures_before_midnight_of_the_scheduled_day_are_dated_the_day_before(loaded, vendor_files):
    _, wh = loaded
    # scheduled minute of day + departure delay < 0  <=>  left the previous evening
    expected = raw(vendor_files, """
        select count(*) from flights where DEPARTURE_DELAY is not null
          and (cast(SCHEDULED_DEPARTURE as int) // 100) * 60 + cast(SCHEDULED_DEPARTURE as int) % 100
              + cast(DEPARTURE_DELAY as int) < 0""")[0][0]
    got = query(wh, "select count(*) from fact_flight where cast(departure_at as date) < flight_date")[0][0]
    assert expected > 0 and got == expected


def test_codes_missing_from_the_airport_file_are_counted_as_unknown(loaded, vendor_files):
    lake, wh = loaded
    expected = raw(vendor_files, """select count(*) from flights
        where ORIGIN_AIRPORT not in (select IATA_CODE from airports)""")[0][0]
    got = query(wh, "select count(*) from fact_flight where origin_airport_key = -1")[0][0]
    assert expected > 0 and got == expected
    manifest = json.loads(next((lake / "_runs").glob("*.json")).read_text())
    rule = next(q for q in manifest["quality"] if q["rule"] == "resolved(origin_airport_key -> dim_airport)")
    assert (rule["failed_rows"], rule["severity"]) == (expected, "warning")


def test_the_views_lose_no_flight(loaded):
    _, wh = loaded
    facts = query(wh, "select count(*) from fact_flight")[0][0]
    assert query(wh, "select count(*) from flights_details")[0][0] == facts
    first_day = "select weekday_name from flights_details where flight_date = date '2015-01-01' limit 1"
    assert query(wh, first_day) == [("Thursday",)]


def test_the_manifest_lists_exactly_the_files_loaded_with_sizes_and_counts(loaded):
    lake, wh = loaded
    manifest = json.loads(next((lake / "_runs").glob("*.json")).read_text())
    fact = manifest["tables"]["fact_flight"]
    for f in fact["files"]:
        assert Path(f["uri"]).stat().st_size == f["size"]
    copy = json.loads(Path(fact["copy_manifest"]).read_text())
    assert [(e["url"], e["meta"]["content_length"]) for e in copy["entries"]] == [
        (f["uri"], f["size"]) for f in fact["files"]]
    assert query(wh, "select rows_loaded from load_ledger where table_name = 'fact_flight'") == [(fact["rows"],)]
    flights = next(s for s in manifest["sources"] if s["source"] == "flights")
    assert flights["rows_in"] == flights["rows_out"] + flights["rows_quarantined"]
    assert not [p for p in (lake / "_work").rglob("*") if p.is_file()], "the scratch space is removed after the run"


def test_running_the_same_input_twice_leaves_identical_content(spark, loaded, vendor_files, tmp_path):
    root = copy_state(loaded[0].parent, tmp_path / "run")  # the shared run stays as the other tests see it
    lake, wh = root / "lake", root / "wh.duckdb"
    before = table_digest(wh, content_only=True)
    assert run_into(vendor_files, lake, wh) == 0
    assert table_digest(wh, content_only=True) == before
    assert query(wh, "select count(distinct run_id) from load_ledger") == [(2,)]
    # every row now carries the second run's id (the fact was replaced, the dimensions merged)
    newest = query(wh, "select max(run_id) from load_ledger")[0][0]
    assert query(wh, "select distinct run_id from fact_flight") == [(newest,)]
