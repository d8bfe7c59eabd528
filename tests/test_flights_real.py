"""The production reader and pipeline on the real files of ../shared/data/flights
(46 real flights, 322 real airports); skipped with a reason where that folder is absent."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import shared_data
from tests.flights_helpers import query, run_into


@pytest.fixture(scope="module")
def real_run(spark, tmp_path_factory):
    folder = shared_data("flights")
    root = tmp_path_factory.mktemp("real")
    # the folder also holds airlines.json: only airlines.csv, airports.csv and flights*.csv are read
    assert run_into(folder, root / "lake", root / "wh.duckdb") == 0
    return root / "wh.duckdb"


def test_all_46_real_flights_load_and_none_is_quarantined(real_run):
    assert query(real_run, "select count(*) from fact_flight") == [(46,)]
    assert query(real_run, "select count(*) from flights_details") == [(46,)]


def test_the_322_real_airports_keep_missing_coordinates_as_null(real_run):
    assert query(real_run, "select count(*) from dim_airport where airport_key <> -1") == [(322,)]
    rows = query(real_run, "select airport_code from dim_airport where latitude is null and airport_key <> -1 "
                           "order by 1")
    assert rows == [("ECP",), ("PBG",), ("UST",)]


def test_no_break_spaces_are_normalised_and_accents_kept(real_run):
    assert query(real_run, "select count(*) from dim_airport where airport_name like '%' || chr(160) || '%'") == [(0,)]
    names = dict(query(real_run, "select airport_code, airport_name from dim_airport "
                                 "where airport_code in ('SJU', 'SJC')"))
    assert names["SJU"] == "Luis Muñoz Marín International Airport"
    assert "José" in names["SJC"]


def test_the_real_early_departure_across_midnight_is_dated_the_day_before(real_run):
    # AS 98 ANC->SEA: scheduled 00:05 on 2015-01-01, left at 23:54, 11 minutes early
    rows = query(real_run, "select departure_at, departure_delay_min from fact_flight "
                           "where airline_code = 'AS' and flight_number = 98")
    assert rows == [(datetime(2014, 12, 31, 23, 54), -11)]


def test_real_cancellations_are_decoded(real_run):
    rows = query(real_run, "select cancellation_reason_code, cancellation_reason, count(*) from fact_flight "
                           "where is_cancelled group by 1, 2 order by 1")
    assert rows and all(name in ("Airline/Carrier", "Weather", "National Air System", "Security")
                        for _, name, _ in rows)
