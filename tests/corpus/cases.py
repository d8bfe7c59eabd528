"""The corpus: one case per kind of hostile input, each a function that writes the case's files
into a folder (from the tiny good inputs of ``build``) and what the pipeline must do with it.

A case either loads (exit 0: every physical record loaded or quarantined, the quarantine holding
at least the listed reasons) or is refused (non-zero exit, the first ``error:`` line on stderr
starting as listed, nothing published, the warehouse unchanged)."""

from __future__ import annotations

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
class Case:
    id: str  # what the case shows, as a sentence: the test id
    pipeline: str
    write: Callable[[Path], None]  # writes the case's input files into the folder
    exit_code: int = 0
    error: str = ""  # how the first "error:" line on stderr starts when the run is refused
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source -> expected reason prefixes

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
         error="error: quality gate failed, run not published:"),
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
         error="error: quality gate failed, run not published:"),
    Case("a file of only blank lines is refused as empty", "flights",
         _flights(flights=b"\r\n\r\n\n\r\n"), exit_code=3, error="error: bad input: "),
    Case("a blank line before the header is refused", "flights",
         _flights(flights=b"\r\n" + CRLF.join(good_flights())), exit_code=3, error="error: bad input: "),
    Case("tabs instead of commas are refused as a wrong header", "flights",
         _tabs_instead_of_commas, exit_code=3, error="error: bad input: "),
    Case("a gzip file named csv is refused as compressed", "flights",
         _gzip_named_csv, exit_code=3, error="error: bad input: "),
]

# How the refused cases' first error line continues after the path of the landed file.
FLIGHTS_ERROR_DETAIL = {
    "a file of only blank lines is refused as empty": "flights.csv: the file is empty",
    "a blank line before the header is refused": "flights.csv: the first line is blank",
    "tabs instead of commas are refused as a wrong header": "flights.csv: header does not match the flights layout",
    "a gzip file named csv is refused as compressed": "flights.csv: the file is gzip-compressed",
}


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
                                         "OrderDate: not a valid date: '-011-11-15 00:00:00.000'")}),
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
