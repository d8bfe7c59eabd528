"""Tiny vendor inputs written by hand (a few rows each), the independent physical-record count,
and helpers to run a pipeline and read what it published."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jobs.main import main

CRLF = b"\r\n"

AIRLINES = [b"IATA_CODE,AIRLINE", b"AA,American Airlines Inc.", b"UA,United Air Lines Inc.",
            b"WN,Southwest Airlines Co."]
AIRPORTS = [
    b"IATA_CODE,AIRPORT,CITY,STATE,COUNTRY,LATITUDE,LONGITUDE",
    b"LAX,Los Angeles International Airport,Los Angeles,CA,USA,33.94254,-118.40807",
    b"PHL,Philadelphia International Airport,Philadelphia,PA,USA,39.87195,-75.24114",
    b"ORD,Chicago O'Hare International Airport,Chicago,IL,USA,41.9796,-87.90446",
    "SJU,Luis Muñoz Marín International Airport,San Juan,PR,USA,18.43942,-66.00183".encode(),
]
FLIGHTS_HEADER = (b"YEAR,MONTH,DAY,DAY_OF_WEEK,AIRLINE,FLIGHT_NUMBER,TAIL_NUMBER,ORIGIN_AIRPORT,"
                  b"DESTINATION_AIRPORT,SCHEDULED_DEPARTURE,DEPARTURE_TIME,DEPARTURE_DELAY,TAXI_OUT,WHEELS_OFF,"
                  b"SCHEDULED_TIME,ELAPSED_TIME,AIR_TIME,DISTANCE,WHEELS_ON,TAXI_IN,SCHEDULED_ARRIVAL,ARRIVAL_TIME,"
                  b"ARRIVAL_DELAY,DIVERTED,CANCELLED,CANCELLATION_REASON,AIR_SYSTEM_DELAY,SECURITY_DELAY,"
                  b"AIRLINE_DELAY,LATE_AIRCRAFT_DELAY,WEATHER_DELAY")
# One consistent 2015-01-01 (a Thursday) leg LAX -> PHL; flight_row varies what a case needs.
_LEG = dict(YEAR="2015", MONTH="1", DAY="1", DAY_OF_WEEK="4", AIRLINE="UA", FLIGHT_NUMBER="907",
            TAIL_NUMBER="N862UA", ORIGIN_AIRPORT="LAX", DESTINATION_AIRPORT="PHL", SCHEDULED_DEPARTURE="0005",
            DEPARTURE_TIME="0006", DEPARTURE_DELAY="1", TAXI_OUT="12", WHEELS_OFF="0018", SCHEDULED_TIME="332",
            ELAPSED_TIME="303", AIR_TIME="286", DISTANCE="2396", WHEELS_ON="0804", TAXI_IN="5",
            SCHEDULED_ARRIVAL="0837", ARRIVAL_TIME="0809", ARRIVAL_DELAY="-28", DIVERTED="0", CANCELLED="0",
            CANCELLATION_REASON="", AIR_SYSTEM_DELAY="", SECURITY_DELAY="", AIRLINE_DELAY="",
            LATE_AIRCRAFT_DELAY="", WEATHER_DELAY="")


def flight_row(number: int, **values: str) -> bytes:
    """One flights.csv record: the reference leg with flight number ``number`` and ``values``."""
    row = {**_LEG, "FLIGHT_NUMBER": str(number), **values}
    return ",".join(row.values()).encode()


def good_flights(n: int = 5) -> list[bytes]:
    return [FLIGHTS_HEADER, *[flight_row(900 + i) for i in range(n)]]


def write_flights(folder: Path, *, flights: list[bytes] | bytes | None = None,
                  airlines: list[bytes] | bytes | None = None, airports: list[bytes] | bytes | None = None) -> Path:
    """The three flights files, each a list of lines (joined with CRLF, no newline after the last,
    as the vendor sends them) or exact bytes; defaults are the small good files above."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content, default in (("flights.csv", flights, good_flights()), ("airlines.csv", airlines, AIRLINES),
                                   ("airports.csv", airports, AIRPORTS)):
        content = default if content is None else content
        (folder / name).write_bytes(content if isinstance(content, bytes) else CRLF.join(content))
    return folder


def physical_records(data: bytes) -> int:
    """Records a line-by-line CSV file holds, counted without any CSV parser: its non-empty lines
    (LF, CRLF or CR terminated) minus the header."""
    return max(len([line for line in re.split(rb"\r\n|\r|\n", data) if line]) - 1, 0)


def run(pipeline: str, input_dir: Path, lake: Path, warehouse: Path | None = None,
        steps: str = "land,transform", args: tuple[str, ...] = ()) -> int:
    args = [pipeline, "--input", str(input_dir), "--lake", str(lake), "--steps", steps, *args]
    if warehouse is not None:
        args += ["--warehouse", f"duckdb:{warehouse}"]
    return main(args)


def manifest(lake: Path) -> dict:
    """The one run manifest published in ``lake``."""
    (path,) = sorted((lake / "_runs").glob("*.json"))
    return json.loads(path.read_text())


def published(lake: Path) -> list[Path]:
    return sorted((lake / "_runs").glob("*.json")) if (lake / "_runs").exists() else []


def quarantine(lake: Path) -> list[dict]:
    """Every quarantine record of the published run, read from its JSON files."""
    folder = Path(manifest(lake)["quarantine_uri"])
    return [json.loads(line) for f in sorted(folder.glob("*.json")) for line in f.read_text().splitlines()]


def source_counts(lake: Path, source: str) -> dict:
    return next(s for s in manifest(lake)["sources"] if s["source"] == source)
