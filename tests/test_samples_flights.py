"""Tests of the synthetic flights sample generator (plain Python, no Spark).

The produced files are read back with the ``csv`` module and checked against
the real files' layout and quirks and against the generator's arithmetic.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter
from pathlib import Path

import pytest

from samples.__main__ import main
from samples.flights import (
    AIRLINES,
    FLIGHTS_HEADER,
    FULL_FLIGHT_ROWS,
    UNKNOWN_AIRPORT_CODES,
    Airport,
    build_airports,
    generate_flights,
)

SCALE = 0.01
ACTUAL_TIMES = ("DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON", "ARRIVAL_TIME")
SCHEDULED_TIMES = ("SCHEDULED_DEPARTURE", "SCHEDULED_ARRIVAL")
CAUSES = ("AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY")
ACTUALS_EMPTY_WHEN_CANCELLED = (
    "DEPARTURE_TIME", "DEPARTURE_DELAY", "TAXI_OUT", "WHEELS_OFF", "ELAPSED_TIME", "AIR_TIME",
    "WHEELS_ON", "TAXI_IN", "ARRIVAL_TIME", "ARRIVAL_DELAY", *CAUSES,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One generated sample at scale 0.01 shared by the read-only tests."""
    return generate_flights(tmp_path_factory.mktemp("flights"), scale=SCALE, seed=42)


@pytest.fixture(scope="module")
def rows(files: dict[str, Path]) -> list[dict[str, str]]:
    """flights.csv parsed with the csv module."""
    with files["flights"].open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def flown(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows that were neither cancelled nor diverted."""
    return [r for r in rows if r["CANCELLED"] == "0" and r["DIVERTED"] == "0"]


@pytest.fixture(scope="module")
def lookup() -> dict[str, Airport]:
    """Airports by IATA code and by numeric id (October rows use the id)."""
    airports = build_airports()
    return {a.code: a for a in airports} | {str(a.bts_id): a for a in airports}


def minutes(hhmm: str) -> int:
    """hhmm text to minutes of day (2400 is midnight)."""
    return (int(hhmm[:2]) * 60 + int(hhmm[2:])) % 1440


def tz_shift(row: dict[str, str], lookup: dict[str, Airport]) -> int | None:
    """Minutes between destination and origin local time, None for unknown codes."""
    o, d = lookup.get(row["ORIGIN_AIRPORT"]), lookup.get(row["DESTINATION_AIRPORT"])
    return None if o is None or d is None else (d.utc_offset - o.utc_offset) * 60


def read_lines(path: Path) -> list[str]:
    """Raw lines of a CSV file, line terminators kept."""
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


# --------------------------------------------------------------------------- determinism, volume

def test_the_generator_returns_the_airlines_airports_and_flights_files(files: dict[str, Path]) -> None:
    assert set(files) == {"airlines", "airports", "flights"}
    assert {p.name for p in files.values()} == {"airlines.csv", "airports.csv", "flights.csv"}
    assert all(p.is_file() for p in files.values())


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_flights(tmp_path / "a", scale=0.002, seed=7)
    b = generate_flights(tmp_path / "b", scale=0.002, seed=7)
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name


def test_a_different_seed_changes_the_flights_but_not_the_reference_files(tmp_path: Path) -> None:
    a = generate_flights(tmp_path / "a", scale=0.002, seed=1)
    b = generate_flights(tmp_path / "b", scale=0.002, seed=2)
    assert a["flights"].read_bytes() != b["flights"].read_bytes()
    assert a["airports"].read_bytes() == b["airports"].read_bytes()
    assert a["airlines"].read_bytes() == b["airlines"].read_bytes()


def test_the_number_of_flights_follows_the_scale(rows: list[dict[str, str]]) -> None:
    assert len(rows) == pytest.approx(SCALE * FULL_FLIGHT_ROWS, rel=0.02)


def test_a_scale_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_flights(tmp_path, scale=0)


def test_the_cli_writes_the_files_and_reports_their_row_counts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flights", "--scale", "0.001", "--out", str(tmp_path / "cli"), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "airlines: 14 rows" in out and "airports: 322 rows" in out and "flights: " in out
    assert (tmp_path / "cli" / "flights.csv").is_file()


# --------------------------------------------------------------------------- reference files

def test_the_airlines_file_has_lf_lines_a_header_and_the_14_carriers_by_name(files: dict[str, Path]) -> None:
    lines = read_lines(files["airlines"])
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in lines)
    records = list(csv.reader(lines))
    assert records[0] == ["IATA_CODE", "AIRLINE"]
    body = dict(records[1:])
    assert len(body) == 14
    assert body["WN"] == "Southwest Airlines Co." and body["VX"] == "Virgin America"
    assert body["EV"] == "Atlantic Southeast Airlines"


def test_the_airports_file_has_lf_lines_and_322_sorted_unique_us_iata_codes(files: dict[str, Path]) -> None:
    lines = read_lines(files["airports"])
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in lines)
    records = list(csv.reader(lines))
    assert records[0] == ["IATA_CODE", "AIRPORT", "CITY", "STATE", "COUNTRY", "LATITUDE", "LONGITUDE"]
    body = records[1:]
    assert len(body) == 322
    codes = [r[0] for r in body]
    assert len(set(codes)) == 322 and codes == sorted(codes)
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in codes)
    assert not set(codes) & set(UNKNOWN_AIRPORT_CODES)
    assert {"ATL", "ORD", "DFW", "LAX", "DEN", "SFO", "JFK", "SEA", "ANC", "HNL", "SJU", "SJC"} <= set(codes)
    assert all(len(r) == 7 and r[4] == "USA" for r in body)


def test_the_airports_file_keeps_the_real_quirks_no_coordinates_nbsp_accents_quoted_commas(
        files: dict[str, Path]) -> None:
    lines = read_lines(files["airports"])
    body = list(csv.reader(lines))[1:]
    empty = [r for r in body if r[5] == "" and r[6] == ""]
    assert len(empty) == 3
    assert sum(line.endswith("USA,,\n") for line in lines) == 3
    for r in body:
        if r[5]:
            assert len(r[5].split(".")[1]) == 5 and len(r[6].split(".")[1]) == 5, r
    names = {r[0]: r[1] for r in body}
    nbsp = [n for n in names.values() if "\u00a0" in n]
    assert 0.07 * 322 <= len(nbsp) <= 0.13 * 322
    assert names["SJU"] == "Luis Muñoz Marín International Airport"
    assert names["SJC"] == "Norman Y. Mineta San José International Airport"
    comma = [n for n in names.values() if "," in n]
    assert comma
    assert all(any(f'"{n}"' in line for line in lines) for n in comma)


def test_every_airport_has_a_unique_bts_id_and_its_utc_offset(lookup: dict[str, Airport]) -> None:
    airports = build_airports()
    ids = [a.bts_id for a in airports]
    assert len(set(ids)) == len(ids) and all(10000 <= i <= 16999 for i in ids)
    assert lookup["ATL"].utc_offset == -5 and lookup["HNL"].utc_offset == -10
    assert lookup["SJU"].utc_offset == -4 and lookup["LAX"].utc_offset == -8


# --------------------------------------------------------------------------- flights file layout

def test_the_flights_file_has_31_unquoted_columns_crlf_lines_and_no_final_line_break(files: dict[str, Path]) -> None:
    data = files["flights"].read_bytes()
    assert not data.endswith(b"\n") and b'"' not in data
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # every line break is CRLF
    assert lines[0].decode() == ",".join(FLIGHTS_HEADER)
    assert len(FLIGHTS_HEADER) == 31
    assert all(line.count(b",") == 30 for line in lines)


def test_flights_cover_every_day_of_2015_with_its_weekday_sorted_by_date_and_departure(
        rows: list[dict[str, str]]) -> None:
    assert {r["YEAR"] for r in rows} == {"2015"}
    dates = [dt.date(2015, int(r["MONTH"]), int(r["DAY"])) for r in rows]
    assert len(set(dates)) == 365
    assert all(int(r["DAY_OF_WEEK"]) == d.isoweekday() for r, d in zip(rows, dates, strict=True))
    assert rows[0]["DAY_OF_WEEK"] == "4"  # 2015-01-01 was a Thursday
    keys = [(d, r["SCHEDULED_DEPARTURE"]) for r, d in zip(rows, dates, strict=True)]
    assert keys == sorted(keys)
    per_day = Counter(dates)
    assert max(per_day.values()) < 2.5 * min(per_day.values())


def test_no_two_flights_share_a_natural_key(rows: list[dict[str, str]]) -> None:
    cols = ("YEAR", "MONTH", "DAY", "AIRLINE", "FLIGHT_NUMBER", "ORIGIN_AIRPORT", "SCHEDULED_DEPARTURE")
    keys = [tuple(r[c] for c in cols) for r in rows]
    assert len(set(keys)) == len(keys)


def test_airline_volumes_and_flight_and_tail_numbers_look_real_and_only_cancelled_flights_lack_a_tail(
        rows: list[dict[str, str]]) -> None:
    counts = Counter(r["AIRLINE"] for r in rows)
    assert set(counts) <= {a.code for a in AIRLINES}
    assert counts["WN"] > counts["DL"] > counts["VX"] and counts["AA"] > 5 * counts["HA"]
    assert all(1 <= int(r["FLIGHT_NUMBER"]) <= 7000 for r in rows)
    tails = [r["TAIL_NUMBER"] for r in rows if r["TAIL_NUMBER"]]
    assert all(t.startswith("N") and 4 <= len(t) <= 6 and t.isalnum() for t in tails)
    assert all(r["CANCELLED"] == "1" for r in rows if not r["TAIL_NUMBER"])


def test_airports_are_iata_codes_but_bts_ids_in_october_a_few_unknown_and_the_hubs_busiest(
        rows: list[dict[str, str]], lookup: dict[str, Airport]) -> None:
    ids = {str(a.bts_id) for a in build_airports()}
    codes = {a.code for a in build_airports()}
    october = [r for r in rows if r["MONTH"] == "10"]
    assert october and all(
        r["ORIGIN_AIRPORT"] in ids and r["DESTINATION_AIRPORT"] in ids for r in october)
    others = [r for r in rows if r["MONTH"] != "10"]
    ends = [r["ORIGIN_AIRPORT"] for r in others] + [r["DESTINATION_AIRPORT"] for r in others]
    assert all(len(c) == 3 and c.isalpha() for c in ends)
    unknown = [c for c in ends if c not in codes]
    assert set(unknown) <= set(UNKNOWN_AIRPORT_CODES)
    assert 0 < len(unknown) < 0.002 * len(others)
    assert all(r["ORIGIN_AIRPORT"] != r["DESTINATION_AIRPORT"] for r in rows)
    busiest = Counter(lookup[r["ORIGIN_AIRPORT"]].code for r in rows if r["ORIGIN_AIRPORT"] in lookup)
    assert {c for c, _ in busiest.most_common(5)} <= {"ATL", "ORD", "DFW", "DEN", "LAX", "SFO", "PHX"}


def test_clock_times_are_hhmm_text_with_2400_as_midnight_and_never_0000(rows: list[dict[str, str]]) -> None:
    for r in rows:
        for col in ACTUAL_TIMES + SCHEDULED_TIMES:
            v = r[col]
            if v:
                assert len(v) == 4 and v.isdigit() and v != "0000", (col, v)
                assert int(v[:2]) <= 24 and int(v[2:]) <= 59 and (v[:2] != "24" or v == "2400")
        assert r["SCHEDULED_DEPARTURE"] != "2400"
    for col in ACTUAL_TIMES:
        assert sum(r[col] == "2400" for r in rows) >= 3, col
    sched_2400 = sum(r["SCHEDULED_ARRIVAL"] == "2400" for r in rows)
    assert 1 <= sched_2400 <= 0.0005 * len(rows)


# --------------------------------------------------------------------------- arithmetic

def test_the_clocks_delays_and_durations_of_every_flown_flight_add_up(
        flown: list[dict[str, str]], lookup: dict[str, Airport]) -> None:
    checked = 0
    for r in flown:
        shift = tz_shift(r, lookup)
        if shift is None:
            continue
        checked += 1
        i = {c: int(r[c]) for c in ("DEPARTURE_DELAY", "TAXI_OUT", "AIR_TIME", "TAXI_IN",
                                    "ELAPSED_TIME", "SCHEDULED_TIME", "ARRIVAL_DELAY")}
        sd, dep = minutes(r["SCHEDULED_DEPARTURE"]), minutes(r["DEPARTURE_TIME"])
        assert dep == (sd + i["DEPARTURE_DELAY"]) % 1440, r
        assert minutes(r["WHEELS_OFF"]) == (dep + i["TAXI_OUT"]) % 1440, r
        assert minutes(r["WHEELS_ON"]) == (minutes(r["WHEELS_OFF"]) + i["AIR_TIME"] + shift) % 1440, r
        assert minutes(r["ARRIVAL_TIME"]) == (minutes(r["WHEELS_ON"]) + i["TAXI_IN"]) % 1440, r
        assert i["ELAPSED_TIME"] == i["TAXI_OUT"] + i["AIR_TIME"] + i["TAXI_IN"], r
        assert minutes(r["SCHEDULED_ARRIVAL"]) == (sd + i["SCHEDULED_TIME"] + shift) % 1440, r
        assert i["ARRIVAL_DELAY"] == i["DEPARTURE_DELAY"] + i["ELAPSED_TIME"] - i["SCHEDULED_TIME"], r
        assert (minutes(r["ARRIVAL_TIME"]) - minutes(r["SCHEDULED_ARRIVAL"]) - i["ARRIVAL_DELAY"]) % 1440 == 0
    assert checked > 0.99 * len(flown)


def test_delays_are_mostly_small_with_a_long_tail_and_some_departures_cross_midnight(
        flown: list[dict[str, str]]) -> None:
    delays = [int(r["DEPARTURE_DELAY"]) for r in flown]
    assert sum(-15 <= d <= 15 for d in delays) > 0.7 * len(delays)
    assert any(d >= 600 for d in delays) and sum(100 <= d for d in delays) > 0.01 * len(delays)
    early_before_midnight = [r for r in flown if int(r["DEPARTURE_DELAY"]) < 0
                             and r["DEPARTURE_TIME"] > r["SCHEDULED_DEPARTURE"]]
    late_after_midnight = [r for r in flown if int(r["DEPARTURE_DELAY"]) > 0
                           and r["DEPARTURE_TIME"] < r["SCHEDULED_DEPARTURE"]]
    assert early_before_midnight and late_after_midnight


def test_distances_are_great_circle_miles_and_scheduled_times_follow_the_distance(
        rows: list[dict[str, str]], flown: list[dict[str, str]], lookup: dict[str, Airport]) -> None:
    for r in rows:
        o, d = lookup.get(r["ORIGIN_AIRPORT"]), lookup.get(r["DESTINATION_AIRPORT"])
        if o is None or d is None:
            continue
        la1, lo1, la2, lo2 = map(math.radians, (o.latitude, o.longitude, d.latitude, d.longitude))
        h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
        assert abs(int(r["DISTANCE"]) - 2 * 3958.8 * math.asin(math.sqrt(h))) <= 1, r
        assert abs(int(r["SCHEDULED_TIME"]) - (int(r["DISTANCE"]) / 8 + 30)) <= 10, r
    ratios = [int(r["AIR_TIME"]) / int(r["SCHEDULED_TIME"]) for r in flown]
    assert all(0.3 < x < 1.1 for x in ratios)
    assert 0.7 < sum(ratios) / len(ratios) < 0.9  # block time = air time + taxiing + padding


# --------------------------------------------------------------------------- cancelled, diverted, causes

def test_cancelled_flights_have_a_reason_and_no_actual_times(rows: list[dict[str, str]]) -> None:
    cancelled = [r for r in rows if r["CANCELLED"] == "1"]
    assert 0.01 < len(cancelled) / len(rows) < 0.02
    for r in cancelled:
        assert r["DIVERTED"] == "0" and r["CANCELLATION_REASON"] in {"A", "B", "C", "D"}
        assert all(r[c] == "" for c in ACTUALS_EMPTY_WHEN_CANCELLED), r
        assert all(r[c] for c in ("SCHEDULED_DEPARTURE", "SCHEDULED_TIME", "SCHEDULED_ARRIVAL", "DISTANCE"))
    reasons = Counter(r["CANCELLATION_REASON"] for r in cancelled)
    assert reasons["B"] > reasons["A"] > reasons["D"] and reasons["C"] > reasons["D"]
    assert all(r["CANCELLATION_REASON"] == "" for r in rows if r["CANCELLED"] == "0")


def test_diverted_flights_have_departure_times_no_air_time_and_only_some_an_arrival(rows: list[dict[str, str]]) -> None:
    diverted = [r for r in rows if r["DIVERTED"] == "1"]
    assert 0.001 < len(diverted) / len(rows) < 0.005
    for r in diverted:
        assert r["CANCELLED"] == "0"
        assert all(r[c] for c in ("DEPARTURE_TIME", "DEPARTURE_DELAY", "TAXI_OUT", "WHEELS_OFF"))
        assert all(r[c] == "" for c in ("ELAPSED_TIME", "AIR_TIME", "ARRIVAL_DELAY", *CAUSES))
        arrival = [r[c] for c in ("WHEELS_ON", "TAXI_IN", "ARRIVAL_TIME")]
        assert all(arrival) or not any(arrival)
    with_arrival = sum(bool(r["ARRIVAL_TIME"]) for r in diverted)
    assert 0 < with_arrival < len(diverted)


def test_delay_causes_are_given_only_for_flights_15_minutes_late_and_sum_to_the_delay(
        flown: list[dict[str, str]]) -> None:
    delayed = 0
    for r in flown:
        causes = [r[c] for c in CAUSES]
        if int(r["ARRIVAL_DELAY"]) >= 15:
            delayed += 1
            values = [int(c) for c in causes]
            assert min(values) >= 0 and sum(values) == int(r["ARRIVAL_DELAY"]), r
        else:
            assert causes == [""] * 5, r
    assert 0.1 < delayed / len(flown) < 0.3
