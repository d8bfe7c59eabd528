"""The corpus: one case per kind of hostile input, each a function that writes the case's files
into a folder (from the tiny good inputs of ``build``) and what the pipeline must do with it.

A case either loads (exit 0: every physical record loaded or quarantined, the quarantine holding
exactly the listed reasons, the listed values published as sent) or is refused (non-zero exit,
the first ``error:`` line on stderr starting as listed and the message naming what is wrong,
nothing published, the warehouse unchanged).

Expected reasons and counts are worked out by hand from the bytes written, never taken from the
code under test. The tiny adventureworks export (scale 0.0005, seed 1: the same bytes every
time) has 16 orders 43659-43674, one per line of Sales.SalesOrderHeader.csv in that order; their
lines in Sales.SalesOrderDetail.csv number 1, 11, 26, 1, 6, 1, 1, 2 … (43659 has one line:
1457,9900 x 1; 43660's second line is 3 x 202,3320 = 606,996000); Sales.Customer.csv holds 11
customers; products 1 and 2 (Adjustable Race, Bearing Ball) are on no order line."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from samples.adventureworks import generate_adventureworks

from .build import (
    AIRLINES,
    AIRPORTS,
    CRLF,
    FLIGHTS_HEADER,
    flight_row,
    good_flights,
    write_flights,
)


@dataclass(frozen=True)
class Value:
    """The one row of a published ``table`` matching ``where`` (SQL) holds ``expected`` in ``column``."""

    table: str
    where: str
    column: str
    expected: object


@dataclass(frozen=True)
class Case:
    id: str  # what the case shows, as a sentence: the test id
    pipeline: str
    write: Callable[[Path], None]  # writes the case's input files into the folder
    exit_code: int = 0
    error: str = ""  # how the first "error:" line on stderr starts when the run is refused
    detail: tuple[str, ...] = ()  # what the error message (first line and the indented ones) says
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source -> expected reason prefixes
    values: tuple[Value, ...] = ()  # values a loaded case publishes exactly as sent

    @property
    def refused(self) -> bool:
        return self.exit_code != 0


# ---- flights ----

def _flights(*lines: bytes, flights: list[bytes] | bytes | None = None) -> Callable[[Path], None]:
    """The good flights file with ``lines`` appended, or ``flights`` instead, beside good
    reference files."""
    return lambda folder: write_flights(folder, flights=[*good_flights(), *lines] if flights is None else flights)


def _latin1_airports(folder: Path) -> None:
    write_flights(folder, airports="\n".join(line.decode() for line in AIRPORTS).encode("latin-1"))


def _mixed_line_endings(folder: Path) -> None:
    """CRLF, LF and CR in one flights file ending with a newline; airlines without one."""
    rows = good_flights(4)
    write_flights(folder, flights=rows[0] + b"\r\n" + rows[1] + b"\n" + rows[2] + b"\r" + rows[3] + b"\r\n" + rows[4]
                  + b"\n", airlines=b"\n".join(AIRLINES))


def _gzip_named_csv(folder: Path) -> None:
    write_flights(folder)
    data = (folder / "flights.csv").read_bytes()
    (folder / "flights.csv").write_bytes(gzip.compress(data))


def _tabs_instead_of_commas(folder: Path) -> None:
    write_flights(folder, flights=[line.replace(b",", b"\t") for line in good_flights()])


def _no_airports(folder: Path) -> None:
    write_flights(folder)
    (folder / "airports.csv").unlink()


def _monthly_files_with_a_resent_flight(folder: Path) -> None:
    """flights*.csv as two monthly files; the second re-sends the first file's flight 902."""
    write_flights(folder)
    (folder / "flights.csv").unlink()
    (folder / "flights_2015_01.csv").write_bytes(CRLF.join(good_flights(3)))  # flights 900-902
    (folder / "flights_2015_02.csv").write_bytes(CRLF.join([FLIGHTS_HEADER, flight_row(902),
                                                            flight_row(950, DAY="2", DAY_OF_WEEK="5")]))


def _trailing_comma(folder: Path) -> None:
    write_flights(folder, flights=[line + b"," for line in good_flights()])


FLIGHTS = [
    Case("NUL bytes are read and quarantined, a line of them as malformed, one in a field naming the field",
         "flights", _flights(b"\x00" * 64, flight_row(990, TAIL_NUMBER="N86\x002UA"),
                             flight_row(991, DISTANCE="2396\x00"), flight_row(992)),
         reasons={"flights": ("malformed record: NUL bytes in record", "TAIL_NUMBER: NUL byte in value",
                              "DISTANCE: NUL byte in value")}),
    Case("over-wide and over-long lines are quarantined and the run completes", "flights",
         _flights(b"," * 30_000, b"," * 70_000, flight_row(990, TAIL_NUMBER="N" * (2 << 20)), flight_row(991)),
         reasons={"flights": ("malformed record: expected 31 fields", "malformed record: expected 31 fields",
                              "malformed record: longer than 1048576 bytes")}),
    Case("a tail number longer than its column blocks the publish", "flights",
         _flights(flight_row(990, TAIL_NUMBER="N1234567890XYZ")), exit_code=4,
         error="error: quality gate failed, run not published:",
         detail=("fact_flight: max_bytes(tail_number, 10) [blocking] FAILED",
                 "(1 rows; e.g. 2015-01-01/UA/990/LAX/0005)")),
    Case("fractions in integer columns are quarantined instead of truncated", "flights",
         _flights(flight_row(990, DISTANCE="883.7"), flight_row(991, DEPARTURE_DELAY="-9.5"),
                  flight_row(992, SCHEDULED_DEPARTURE="0425.9"), flight_row(993, DIVERTED="0.9")),
         reasons={"flights": ("DISTANCE: not a valid int: '883.7'", "DEPARTURE_DELAY: not a valid int: '-9.5'",
                              "SCHEDULED_DEPARTURE: not a valid int: '0425.9'", "DIVERTED: not a valid int: '0.9'")}),
    Case("an integer beyond its range is quarantined while leading zeros and a plus sign load", "flights",
         _flights(flight_row(990, FLIGHT_NUMBER="99999999999"), flight_row(991, FLIGHT_NUMBER="+0991",
                                                                           DISTANCE="02396")),
         reasons={"flights": ("FLIGHT_NUMBER: not a valid int: '99999999999'",)}),
    Case("a latin-1 airports file quarantines the names that do not decode as utf-8", "flights",
         _latin1_airports, reasons={"airports": ("AIRPORT: text is not valid UTF-8",)}),
    Case("copies differing only in the case of a code are quarantined as duplicates", "flights",
         lambda folder: write_flights(
             folder, flights=[*good_flights(), flight_row(901, AIRLINE="ua"), flight_row(902, ORIGIN_AIRPORT="lax")],
             airlines=[*AIRLINES, b"ua,United Air Lines Inc."]),
         reasons={"flights": ("duplicate natural key",) * 2, "airlines": ("duplicate natural key (IATA_CODE)",)}),
    Case("a quoted newline or an unterminated quote spoils only its own lines", "flights",
         _flights(flight_row(990, TAIL_NUMBER='"N86\n2UA"'), flight_row(991, TAIL_NUMBER='"N862UA'),
                  flight_row(992)),
         reasons={"flights": ("malformed record: expected 31 fields",) * 3}),
    Case("a repeated header, with or without a byte-order mark, is quarantined", "flights",
         _flights(FLIGHTS_HEADER, b"\xef\xbb\xbf" + FLIGHTS_HEADER, flight_row(990)),
         reasons={"flights": ("YEAR: not a valid int: 'YEAR'", "YEAR: not a valid int: '\ufeffYEAR'")}),
    Case("a byte-order mark inside an airline code is quarantined", "flights",
         lambda folder: write_flights(folder, airlines=[*AIRLINES, b"\xef\xbb\xbfDL,Delta Air Lines Inc."]),
         reasons={"airlines": ("IATA_CODE: byte-order mark inside the value",)}),
    Case("mixed line endings and a last line with or without a newline are all read", "flights",
         _mixed_line_endings),
    Case("blank lines are not records but a line of spaces and tabs is malformed", "flights",
         _flights(flights=[*good_flights(2)[:2], b"", b"", good_flights(2)[2], b"  \t  ", b""]),
         reasons={"flights": ("malformed record: expected 31 fields",)}),
    Case("a truncated line and a missing airline are quarantined", "flights",
         _flights(flight_row(990)[:40], flight_row(991, AIRLINE=""), flight_row(992)),
         reasons={"flights": ("malformed record: expected 31 fields", "AIRLINE: missing required value")}),
    Case("impossible and negative dates are quarantined", "flights",
         _flights(flight_row(990, MONTH="2", DAY="30"), flight_row(991, DAY="-1"), flight_row(992, MONTH="13")),
         reasons={"flights": ("impossible date (YEAR, MONTH, DAY)",) * 3}),
    Case("a header-only flights file is refused instead of emptying the fact", "flights",
         _flights(flights=FLIGHTS_HEADER), exit_code=4,
         error="error: quality gate failed, run not published:",
         detail=("fact_flight: not_empty (replace_all) [blocking] FAILED",)),
    Case("a file of only blank lines is refused as empty", "flights",
         _flights(flights=b"\r\n\r\n\n\r\n"), exit_code=3, error="error: bad input: ",
         detail=("flights.csv: the file is empty",)),
    Case("a blank line before the header is refused", "flights",
         _flights(flights=b"\r\n" + CRLF.join(good_flights())), exit_code=3, error="error: bad input: ",
         detail=("flights.csv: the first line is blank",)),
    Case("tabs instead of commas are refused as a wrong header", "flights",
         _tabs_instead_of_commas, exit_code=3, error="error: bad input: ",
         detail=("flights.csv: header does not match the flights layout",)),
    Case("a gzip file named csv is refused as compressed", "flights",
         _gzip_named_csv, exit_code=3, error="error: bad input: ",
         detail=("flights.csv: the file is gzip-compressed",)),
    Case("a missing airports file is refused before anything is read, naming it", "flights",
         _no_airports, exit_code=3, error="error: bad input: ",
         detail=("airports: no file matching 'airports.csv'",)),
    Case("a trailing comma on every line is refused as a wrong header", "flights",
         _trailing_comma, exit_code=3, error="error: bad input: ",
         detail=("flights.csv: header does not match the flights layout (missing [], unexpected [''])",)),
    Case("a flight re-sent in a second monthly file is quarantined as a duplicate across files", "flights",
         _monthly_files_with_a_resent_flight,
         reasons={"flights": ("duplicate natural key (YEAR, MONTH, DAY, AIRLINE, FLIGHT_NUMBER, ORIGIN_AIRPORT, "
                              "SCHEDULED_DEPARTURE): a later copy of an earlier row",)},
         values=(Value("fact_flight", "flight_number = 950", "flight_date", dt.date(2015, 1, 2)),)),
    Case("unknown airports load against the unknown member with their codes kept and a quoted comma stays in "
         "a name", "flights",
         lambda folder: write_flights(
             folder, flights=[*good_flights(), flight_row(990, ORIGIN_AIRPORT="XYZ"),
                              flight_row(991, DESTINATION_AIRPORT="13204")],
             airlines=[*AIRLINES, b'VX,"Virgin America, Inc."']),
         values=(Value("fact_flight", "flight_number = 990", "origin_airport_key", -1),
                 Value("fact_flight", "flight_number = 990", "origin_airport_code", "XYZ"),
                 Value("fact_flight", "flight_number = 991", "destination_airport_key", -1),
                 Value("fact_flight", "flight_number = 991", "destination_airport_code", "13204"),
                 Value("dim_airline", "airline_code = 'VX'", "airline_name", "Virgin America, Inc."))),
    Case("impossible clock times, an unknown cancellation reason and a flag of 2 are quarantined", "flights",
         _flights(flight_row(990, DEPARTURE_TIME="2460"), flight_row(991, WHEELS_OFF="2401"),
                  flight_row(992, CANCELLED="1", CANCELLATION_REASON="E"), flight_row(993, CANCELLED="2")),
         reasons={"flights": ("DEPARTURE_TIME: not a valid hhmm time", "WHEELS_OFF: not a valid hhmm time",
                              "CANCELLATION_REASON: not one of A, B, C, D", "CANCELLED: not 0 or 1")}),
    Case("NA, an exponent, NaN and Infinity are quarantined instead of read as numbers", "flights",
         lambda folder: write_flights(
             folder, flights=[*good_flights(), flight_row(990, DEPARTURE_DELAY="NA"),
                              flight_row(991, DISTANCE="2.396e3")],
             airports=[*AIRPORTS, b"XNA,Northwest Arkansas Regional Airport,Bentonville,AR,USA,NaN,-94.30681",
                       b"GUM,Guam International Airport,Agana,GU,USA,13.48345,Infinity"]),
         reasons={"flights": ("DEPARTURE_DELAY: not a valid int: 'NA'", "DISTANCE: not a valid int: '2.396e3'"),
                  "airports": ("LATITUDE: not a valid double: 'NaN'", "LONGITUDE: not a valid double: 'Infinity'")}),
]

# ---- adventureworks ----

def _edit(path: Path, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(CRLF.join(edit(path.read_bytes().split(CRLF))))


def _aw(file_name: str, edit: Callable[[list[bytes]], list[bytes]]) -> Callable[[Path], None]:
    """The tiny generated export with one file's lines edited by ``edit``."""
    def write(folder: Path) -> None:
        generate_adventureworks(folder, scale=0.0005, seed=1)
        _edit(folder / file_name, edit)
    return write


def _set_field(row: int, column: int, value: bytes) -> Callable[[list[bytes]], list[bytes]]:
    """Replace one ';' field of data row ``row`` (1 = first after the header)."""
    def edit(lines: list[bytes]) -> list[bytes]:
        fields = lines[row].split(b";")
        fields[column] = value
        return [*lines[:row], b";".join(fields), *lines[row + 1:]]
    return edit


def _edits(*edits: Callable[[list[bytes]], list[bytes]]) -> Callable[[list[bytes]], list[bytes]]:
    def edit(lines: list[bytes]) -> list[bytes]:
        for one in edits:
            lines = one(lines)
        return lines
    return edit


def _append(*extra: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def edit(lines: list[bytes]) -> list[bytes]:
        body = lines[:-1] if lines[-1] == b"" else lines  # keep a final CRLF where there was one
        return [*body, *extra, *([b""] if lines[-1] == b"" else [])]
    return edit


HEADER_FILE, DETAIL_FILE, PERSON_FILE = "Sales.SalesOrderHeader.csv", "Sales.SalesOrderDetail.csv", "Person.Person.csv"
def _lf_person_with_latin1_name(folder: Path) -> None:
    _aw(PERSON_FILE, _set_field(1, 4, "José".encode("latin-1")))(folder)
    (folder / PERSON_FILE).write_bytes((folder / PERSON_FILE).read_bytes().replace(CRLF, b"\n"))


ADVENTUREWORKS = [
    Case("bad dates and timestamps in the order headers are quarantined instead of aborting the run",
         "adventureworks",
         _aw(HEADER_FILE, _edits(_set_field(1, 25, b"2011-11-22 00:00:00.000x"),
                                 _set_field(2, 2, b"2011-1-15 00:00:00.000"),
                                 _set_field(3, 2, b"2011-02-30 00:00:00.000"),
                                 _set_field(4, 2, b"-011-11-15 00:00:00.000"))),
         reasons={"sales_order_header": ("ModifiedDate: not a valid timestamp: '2011-11-22 00:00:00.000x'",
                                         "OrderDate: not a valid date: '2011-1-15 00:00:00.000'",
                                         "OrderDate: not a valid date: '2011-02-30 00:00:00.000'",
                                         "OrderDate: not a valid date: '-011-11-15 00:00:00.000'"),
                  # orders 43659-43662 have 1 + 11 + 26 + 1 lines
                  "sales_order_detail": ("no sales_order_header row for (SalesOrderID)",) * 39}),
    Case("inexact numbers and a NUL line in the order lines are quarantined", "adventureworks",
         _aw(DETAIL_FILE, _edits(_set_field(1, 3, b"1.5"), _set_field(2, 6, b"1457.9900"), _append(b"\x00" * 32))),
         reasons={"sales_order_detail": ("OrderQty: not a valid int: '1.5'",
                                         "UnitPrice: not a valid decimal(19,4): '1457.9900'",
                                         "malformed record: NUL bytes in record")}),
    Case("a person file with lf line endings reads the same and its latin-1 name is quarantined",
         "adventureworks", _lf_person_with_latin1_name,
         reasons={"person": ("FirstName: text is not valid UTF-8",)}),
]

CASES = FLIGHTS + ADVENTUREWORKS
