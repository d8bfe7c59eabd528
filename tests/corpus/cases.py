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
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
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
    # Records read per source, counted by hand, for formats that are not one record per line
    # (JSON-stat cells, Stata rows); line formats are counted from the bytes by the test.
    rows_in: dict[str, int] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # extra command-line options of the run

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
PRODUCT_FILE, CUSTOMER_FILE = "Production.Product.csv", "Sales.Customer.csv"
OFFER_FILE = "Sales.SpecialOfferProduct.csv"
ORPHAN = "no sales_order_header row for (SalesOrderID) (missing or quarantined)"


def _tiny_export(folder: Path) -> None:
    generate_adventureworks(folder, scale=0.0005, seed=1)


def _aw_files(**edits: Callable[[list[bytes]], list[bytes]]) -> Callable[[Path], None]:
    """The tiny export with several files edited: ``header=``, ``detail=``, ``product=``,
    ``customer=``, ``offer=``, ``person=``."""
    names = {"header": HEADER_FILE, "detail": DETAIL_FILE, "product": PRODUCT_FILE, "customer": CUSTOMER_FILE,
             "offer": OFFER_FILE, "person": PERSON_FILE}

    def write(folder: Path) -> None:
        _tiny_export(folder)
        for name, edit in edits.items():
            _edit(folder / names[name], edit)
    return write


def _aw_bytes(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """The tiny export, then ``change`` on its folder (remove, truncate, re-encode a file)."""
    def write(folder: Path) -> None:
        _tiny_export(folder)
        change(folder)
    return write


def _lf_person_with_latin1_name(folder: Path) -> None:
    _aw(PERSON_FILE, _set_field(1, 4, "José".encode("latin-1")))(folder)
    (folder / PERSON_FILE).write_bytes((folder / PERSON_FILE).read_bytes().replace(CRLF, b"\n"))


def _each_line(change: Callable[[bytes], bytes], *, header: bool = True) -> Callable[[list[bytes]], list[bytes]]:
    """``change`` applied to every non-empty line (the header, with its BOM, too unless ``header=False``)."""
    def edit(lines: list[bytes]) -> list[bytes]:
        return [change(line) if line and (header or i) else line for i, line in enumerate(lines)]
    return edit


def _header_line(change: Callable[[bytes], bytes]) -> Callable[[list[bytes]], list[bytes]]:
    return lambda lines: [change(lines[0]), *lines[1:]]


def _header_only(lines: list[bytes]) -> list[bytes]:
    return [lines[0], b""]


def _copy_of_row(row: int, *changes: tuple[int, bytes]) -> Callable[[list[bytes]], list[bytes]]:
    """Append a copy of data row ``row`` with fields (column, value) changed."""
    def edit(lines: list[bytes]) -> list[bytes]:
        fields = lines[row].split(b";")
        for column, value in changes:
            fields[column] = value
        return _append(b";".join(fields))(lines)
    return edit


def _remove(*names: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        for name in names:
            (folder / name).unlink()
    return change


def _utf16_person(folder: Path) -> None:
    path = folder / PERSON_FILE
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16"))  # with its FF FE mark


def _utf16_customers_without_bom(folder: Path) -> None:
    path = folder / CUSTOMER_FILE
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16-le"))


def _empty_customers(folder: Path) -> None:
    (folder / CUSTOMER_FILE).write_bytes(b"")


def _cut_off_and_dos_eof(folder: Path) -> None:
    """The order lines cut off 60 bytes before the end (the last line loses its CRLF, its
    ModifiedDate and most of its rowguid); the headers end with a DOS Ctrl-Z after the last CRLF."""
    detail, header = folder / DETAIL_FILE, folder / HEADER_FILE
    detail.write_bytes(detail.read_bytes()[:-60])
    header.write_bytes(header.read_bytes() + b"\x1a")


def _line(order: int, detail: int) -> str:
    return f"sales_order_id = {order} and sales_order_detail_id = {detail}"


AW = "adventureworks"
QUALITY_GATE = "error: quality gate failed, run not published:"
ADVENTUREWORKS = [
    Case("bad dates and timestamps in the order headers are quarantined instead of aborting the run", AW,
         _aw(HEADER_FILE, _edits(_set_field(1, 25, b"2011-11-22 00:00:00.000x"),
                                 _set_field(2, 2, b"2011-1-15 00:00:00.000"),
                                 _set_field(3, 2, b"2011-02-30 00:00:00.000"),
                                 _set_field(4, 2, b"-011-11-15 00:00:00.000"))),
         reasons={"sales_order_header": ("ModifiedDate: not a valid timestamp: '2011-11-22 00:00:00.000x'",
                                         "OrderDate: not a valid date: '2011-1-15 00:00:00.000'",
                                         "OrderDate: not a valid date: '2011-02-30 00:00:00.000'",
                                         "OrderDate: not a valid date: '-011-11-15 00:00:00.000'"),
                  # orders 43659-43662 have 1 + 11 + 26 + 1 lines
                  "sales_order_detail": (ORPHAN,) * 39}),
    Case("inexact numbers and a NUL line in the order lines are quarantined", AW,
         _aw(DETAIL_FILE, _edits(_set_field(1, 3, b"1.5"), _set_field(2, 6, b"1457.9900"), _append(b"\x00" * 32))),
         reasons={"sales_order_detail": ("OrderQty: not a valid int: '1.5'",
                                         "UnitPrice: not a valid decimal(19,4): '1457.9900'",
                                         "malformed record: NUL bytes in record")}),
    Case("a person file with lf line endings reads the same and its latin-1 name is quarantined", AW,
         _lf_person_with_latin1_name,
         reasons={"person": ("FirstName: text is not valid UTF-8",)}),
    # ---- numbers ----
    Case("money with digits beyond its scale, an exponent or digit grouping is quarantined; trailing zeros load "
         "exactly", AW,
         _aw_files(detail=_edits(_set_field(1, 6, b"1457,990000"), _set_field(2, 6, b"202,33201"),
                                 _set_field(3, 6, b"4,1994e1"), _set_field(4, 6, b"1.457,99"),
                                 _set_field(5, 6, b"1 469,79"))),
         reasons={"sales_order_detail": ("UnitPrice: not a valid decimal(19,4): '202,33201'",
                                         "UnitPrice: not a valid decimal(19,4): '4,1994e1'",
                                         "UnitPrice: not a valid decimal(19,4): '1.457,99'",
                                         "UnitPrice: not a valid decimal(19,4): '1 469,79'")},
         values=(Value("fact_sales_order_line", _line(43659, 1), "unit_price", Decimal("1457.9900")),)),
    Case("a decimal comma or a third decimal in Weight, money beyond decimal(19,4) and an id beyond int are "
         "quarantined", AW,
         _aw_files(product=_edits(_set_field(1, 13, b"20,42"), _set_field(2, 13, b"20.425"),
                                  _set_field(3, 9, b"1234567890123456,00"), _set_field(4, 0, b"2147483648"))),
         reasons={"product": ("Weight: not a valid decimal(8,2): '20,42'",
                              "Weight: not a valid decimal(8,2): '20.425'",
                              "ListPrice: not a valid decimal(19,4): '1234567890123456,00'",
                              "ProductID: not a valid int: '2147483648'")}),
    Case("a non-breaking space beside a quantity and non-ASCII digits are quarantined instead of read as numbers",
         AW,
         _aw_files(detail=_edits(_set_field(1, 3, "1\u00a0".encode()), _set_field(2, 3, "\u0663".encode()),
                                 _set_field(3, 3, "\uff12".encode()),
                                 _set_field(4, 6, "\u0667\u0662,\u0668\u0669\u0664\u0660".encode()))),
         reasons={"sales_order_detail": ("OrderQty: not a valid int: '1\u00a0'",
                                         "OrderQty: not a valid int: '\u0663'",
                                         "OrderQty: not a valid int: '\uff12'",
                                         "UnitPrice: not a valid decimal(19,4): "
                                         "'\u0667\u0662,\u0668\u0669\u0664\u0660'")}),
    Case("values outside their domain are quarantined: a quantity of 0 or -1, negative prices, a discount above 1, "
         "an online flag of 2", AW,
         _aw_files(detail=_edits(_set_field(1, 7, b"1,5000"), _set_field(2, 3, b"-1"), _set_field(3, 3, b"0"),
                                 _set_field(4, 6, b"-72,8940")),
                   product=_edits(_set_field(1, 9, b"-1,00"), _set_field(2, 8, b"-0,01")),
                   header=_set_field(4, 6, b"2")),  # order 43662: its one line is orphaned
         reasons={"sales_order_detail": ("UnitPriceDiscount: not between 0 and 1", "OrderQty: not positive",
                                         "OrderQty: not positive", "UnitPrice: negative", ORPHAN),
                  "product": ("ListPrice: negative", "StandardCost: negative"),
                  "sales_order_header": ("OnlineOrderFlag: not 0 or 1",)}),
    Case("a TotalDue a cent off its parts quarantines the order and its line; a LineTotal a cent off is "
         "quarantined, less than a cent off loads as sent", AW,
         _aw_files(header=_set_field(1, 22, b"1611,0791"),  # 1457,9900 + 116,6392 + 36,4498 = 1611,0790
                   detail=_edits(_set_field(5, 8, b"2818,774000"),  # 6 x 469,7940 = 2818,764000
                                 _set_field(2, 8, b"607,005000"))),  # 3 x 202,3320 = 606,996000
         reasons={"sales_order_header": ("TotalDue differs from SubTotal + TaxAmt + Freight",),
                  "sales_order_detail": (ORPHAN, "LineTotal differs from OrderQty x UnitPrice x "
                                                 "(1 - UnitPriceDiscount) by a cent or more")},
         values=(Value("fact_sales_order_line", _line(43660, 2), "line_total", Decimal("607.005000")),)),
    # ---- dates ----
    Case("timestamps with hour 24, a leap second, a T separator or a zone suffix are quarantined", AW,
         _aw_files(detail=_edits(_set_field(1, 10, b"2011-11-22 24:00:00.000"),
                                 _set_field(2, 10, b"2012-03-07 23:59:60.000"),
                                 _set_field(3, 10, b"2012-03-07T00:00:00.000"),
                                 _set_field(4, 10, b"2012-03-07 00:00:00.000Z"),
                                 _set_field(5, 10, b"2012-03-07 00:00:00.000+01:00"))),
         reasons={"sales_order_detail": tuple(f"ModifiedDate: not a valid timestamp: '{t}'" for t in (
             "2011-11-22 24:00:00.000", "2012-03-07 23:59:60.000", "2012-03-07T00:00:00.000",
             "2012-03-07 00:00:00.000Z", "2012-03-07 00:00:00.000+01:00"))}),
    # ---- keys ----
    Case("an empty or NULL required value quarantines the order and its lines; a lower-case null is no null",
         AW,
         _aw_files(header=_edits(_set_field(1, 0, b""), _set_field(4, 10, b"NULL"), _set_field(6, 1, b"null"))),
         reasons={"sales_order_header": ("SalesOrderID: missing required value", "CustomerID: missing required value",
                                         "RevisionNumber: not a valid int: 'null'"),
                  "sales_order_detail": (ORPHAN,) * 3}),  # orders 43659, 43662, 43664: one line each
    Case("later copies of an order, an order line and an offer pair are quarantined; the first copy loads", AW,
         _aw_files(header=_copy_of_row(1, (8, b"PO-RESENT")), detail=_copy_of_row(2), offer=_copy_of_row(1)),
         reasons={"sales_order_header": ("duplicate natural key (SalesOrderID): a later copy",),
                  "sales_order_detail": ("duplicate natural key (SalesOrderID, SalesOrderDetailID): a later copy",),
                  "special_offer_product": ("duplicate natural key (SpecialOfferID, ProductID): a later copy",)},
         values=(Value("fact_sales_order", "sales_order_id = 43659", "purchase_order_number", None),
                 Value("fact_sales_order", "sales_order_id = 43659", "line_count", 1))),
    Case("an order line without its order is quarantined; one with an unknown product loads against the unknown "
         "member", AW,
         _aw_files(detail=_edits(_set_field(2, 4, b"999"), _copy_of_row(1, (0, b"99999"), (1, b"99999")))),
         reasons={"sales_order_detail": (ORPHAN,)},
         values=(Value("fact_sales_order_line", _line(43660, 2), "product_key", -1),
                 Value("fact_sales_order_line", _line(43660, 2), "product_id", 999),
                 Value("fact_sales_order_line", _line(43660, 2), "special_offer_key", -1))),
    # ---- files and headers ----
    Case("two missing export files are refused before anything is read, both named in one line", AW,
         _aw_bytes(_remove(CUSTOMER_FILE, OFFER_FILE)), exit_code=3, error="error: bad input: ",
         detail=("customer: no file matching 'Sales.Customer.csv'",
                 "; special_offer_product: no file matching 'Sales.SpecialOfferProduct.csv' in ")),
    Case("a zero-byte customer file is refused as empty", AW,
         _aw_bytes(_empty_customers), exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: the file is empty",)),
    Case("a UTF-16 person file is refused naming its encoding", AW,
         _aw_bytes(_utf16_person), exit_code=3, error="error: bad input: ",
         detail=("Person.Person.csv: the file is UTF-16-encoded",)),
    Case("a UTF-16 customer file without a byte-order mark is refused: its header holds NUL bytes", AW,
         _aw_bytes(_utf16_customers_without_bom), exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: the header line holds NUL bytes",)),
    Case("an unexpected extra column is refused as a wrong header", AW,
         _aw_files(customer=_each_line(lambda line: line + (b";Extra" if b"CustomerID" in line else b";x"))),
         exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: header does not match the customer layout (missing [], unexpected ['Extra'])",)),
    Case("a missing column is refused as a wrong header", AW,
         _aw_files(customer=_each_line(lambda line: line.rsplit(b";", 1)[0])),
         exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: header does not match the customer layout (missing ['ModifiedDate'], "
                 "unexpected [])",)),
    Case("a header in lower case is refused as a wrong header", AW,
         _aw_files(customer=_header_line(bytes.lower)), exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: header does not match the customer layout",
                 "(missing ['CustomerID', 'PersonID', ", "unexpected ['customerid', 'personid', ")),
    Case("a trailing separator on every line, header included, is refused as a wrong header", AW,
         _aw_files(customer=_each_line(lambda line: line + b";")), exit_code=3, error="error: bad input: ",
         detail=("Sales.Customer.csv: header does not match the customer layout (missing [], unexpected [''])",)),
    Case("spaces around the header's names are not part of them: the file loads", AW,
         _aw_files(customer=_header_line(lambda line: line.replace(b";", b" ; "))),
         values=(Value("dim_customer", "customer_id = 11000", "account_number", "AW00011000"),)),
    Case("a trailing separator on the data lines only makes every customer a malformed record", AW,
         _aw_files(customer=_each_line(lambda line: line + b";", header=False)),
         reasons={"customer": ("malformed record: expected 7 fields",) * 11}),
    Case("a quoted separator and quotes inside a product name load exactly as sent", AW,
         _aw_files(product=_edits(_set_field(1, 1, b'"Adjustable; Race"'), _set_field(2, 1, b'Bearing "Ball"'))),
         values=(Value("dim_product", "product_id = 1", "product_name", "Adjustable; Race"),
                 Value("dim_product", "product_id = 2", "product_name", 'Bearing "Ball"'))),
    Case("an export cut off mid-line and a DOS end-of-file mark are malformed records", AW,
         _aw_bytes(_cut_off_and_dos_eof),
         reasons={"sales_order_detail": ("malformed record: expected 11 fields",),
                  "sales_order_header": ("malformed record: expected 26 fields",)}),
    Case("a product name longer than its VARCHAR(50) blocks the publish", AW,
         _aw_files(product=_set_field(1, 1, b"A" * 51)), exit_code=4, error=QUALITY_GATE,
         detail=("dim_product: max_bytes(product_name, 50) [blocking] FAILED", "(1 rows; e.g. 1)")),
    Case("a header-only special-offer file loads: the order lines point at the unknown offer", AW,
         _aw_files(offer=_header_only),
         values=(Value("fact_sales_order_line", _line(43659, 1), "special_offer_key", -1),)),
    Case("a header-only order header file is refused instead of emptying both facts", AW,
         _aw_files(header=_header_only), exit_code=4, error=QUALITY_GATE,
         detail=("fact_sales_order: not_empty (replace_all) [blocking] FAILED",
                 "fact_sales_order_line: not_empty (replace_all) [blocking] FAILED")),
]


# ---- eurostat (JSON-stat 2.0 responses, as the API sends them) ----

EU = "eurostat"
POP = "demo_r_pjangrp3"


def pop_cube(value: dict | None = None, **overrides) -> dict:
    """A demo_r_pjangrp3 response of 1 x 1 x 1 x 2 x 2 x 2 cells (freq, unit, sex, age TOTAL and
    Y_LT5, geo AT and AT1, time 2022 and 2023): flat position p = 4 * age + 2 * geo + time, so
    position 0 is TOTAL/AT/2022 and 7 is Y_LT5/AT1/2023; by default cell p holds 1000 + p."""
    def dim(codes: dict[str, str]) -> dict:
        return {"label": "", "category": {"index": {c: i for i, c in enumerate(codes)}, "label": codes}}
    doc = {"version": "2.0", "class": "dataset", "label": "Population on 1 January by age group, sex and NUTS 3 region",
           "updated": "2024-03-14T23:00:00+0100", "id": ["freq", "unit", "sex", "age", "geo", "time"],
           "size": [1, 1, 1, 2, 2, 2],
           "dimension": {"freq": dim({"A": "Annual"}), "unit": dim({"NR": "Number"}), "sex": dim({"T": "Total"}),
                         "age": dim({"TOTAL": "Total", "Y_LT5": "Less than 5 years"}),
                         "geo": dim({"AT": "Austria", "AT1": "Ostösterreich"}),
                         "time": dim({"2022": "2022", "2023": "2023"})},
           "value": {str(p): 1000 + p for p in range(8)} if value is None else value, "status": {},
           "extension": {"id": "DEMO_R_PJANGRP3", "lang": "EN"}}
    doc.update(overrides)
    return doc


def _eurostat(**files: dict | str | bytes) -> Callable[[Path], None]:
    """The good response as estat_demo_r_pjangrp3.json, plus ``files`` (name -> a document, text
    or bytes) named after the dataset so the run reads them."""
    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in {"estat_demo_r_pjangrp3.json": pop_cube(), **files}.items():
            data = doc if isinstance(doc, bytes) else (doc if isinstance(doc, str) else json.dumps(doc)).encode()
            (folder / name).write_bytes(data)
    return write


def _only(name: str, data: bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return write


_GOOD_CUBE = json.dumps(pop_cube()).encode()
_POP_CELL = f"dataset = '{POP}' and age_code = 'TOTAL' and geo_code = 'AT' and time_period = 2022"
EUROSTAT = [
    Case("a response cut short, one that is HTML and one that is an error object are each quarantined whole", EU,
         _eurostat(**{"estat_demo_r_pjangrp3_cut.json": _GOOD_CUBE[: len(_GOOD_CUBE) // 2],
                      "estat_demo_r_pjangrp3_html.json": "<html><body>503 Service Unavailable</body></html>",
                      "estat_demo_r_pjangrp3_error.json": {"error": {"status": 413, "label": "EXTRACTION_TOO_BIG"},
                                                           "class": "error", "label": "too big"}}),
         rows_in={POP: 8 + 3}, reasons={POP: ("not a JSON document", "not a JSON document",
                                              "an error response, not a dataset")}),
    Case("a cell outside the cube, a value that is no number and a cell sent twice are quarantined cell by cell", EU,
         _eurostat(**{"estat_demo_r_pjangrp3_more.json": pop_cube({"0": 5, "8": 1, "3": "n/a"})}),
         rows_in={POP: 8 + 3},
         reasons={POP: ("flat position '8' is not a cell of the cube", "value not a number",
                        "duplicate natural key")},
         values=(Value("fact_eurostat_population", _POP_CELL, "value", Decimal("1000.0000")),)),
    Case("a cube whose size disagrees with its category index is quarantined whole, naming why", EU,
         _eurostat(**{"estat_demo_r_pjangrp3_size.json": pop_cube(size=[1, 1, 1, 3, 2, 2])}),
         rows_in={POP: 8 + 1},
         reasons={POP: ("a dimension's category index does not have as many codes as size says",)}),
    Case("a folder whose only response is not JSON is read and quarantined; nothing else is lost", EU,
         _only("estat_demo_r_pjangrp3.json", b"\x1f\x8b\x08\x00 not json"),
         rows_in={POP: 1}, reasons={POP: ("not a JSON document",)}),
    Case("a folder with no file naming a dataset is refused before anything is read", EU,
         _only("population.json", _GOOD_CUBE), exit_code=3, error="error: bad input: ",
         detail=("no .json / .tsv / .tsv.gz file naming",)),
]


# ---- ess (Stata .dta files of the European Social Survey) ----

ESS = "ess"
ESS_ROWS = 60  # the tiny round 7 sample: 60 respondents in AT and others, idno 10, 20, …


def _ess(edit: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    """The tiny round 7 file (scale 0.0005, seed 7: 60 respondents) and the release list, then
    ``edit`` applied to the folder."""
    def write(folder: Path) -> None:
        from samples.ess import generate_ess_with_counts

        generate_ess_with_counts(folder, scale=0.0005, seed=7)
        (folder / "ESS8sample.dta").unlink()
        if edit:
            edit(folder)
    return write


def _rewrite_dta(change: Callable) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        import pyreadstat

        frame, meta = pyreadstat.read_dta(str(folder / "ESS7sample.dta"))
        frame = change(frame)
        pyreadstat.write_dta(frame, str(folder / "ESS7sample.dta"),
                             variable_value_labels={k: v for k, v in meta.variable_value_labels.items()
                                                    if k in frame.columns})
    return edit


def _truncate_dta(folder: Path) -> None:
    path = folder / "ESS7sample.dta"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _dupe_and_keyless(frame):
    import pandas as pd

    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)  # respondent AT/10 twice
    frame.loc[1, "idno"] = float("nan")  # the second respondent has no idno
    return frame


ESS_CASES = [
    Case("a respondent sent twice and one without an idno are quarantined; the others load", ESS,
         _ess(_rewrite_dta(_dupe_and_keyless)), rows_in={"ess": ESS_ROWS + 1},
         reasons={"ess": ("duplicate natural key (essround, cntry, idno)",
                          "no respondent key (essround, cntry and idno are required)")}),
    Case("a truncated Stata file is refused in one line and nothing is published", ESS, _ess(_truncate_dta),
         exit_code=3, error="error: bad input: ", detail=("ESS7sample.dta: not a readable dta file",)),
    Case("a text file named .dta is refused as not a Stata file", ESS,
         _ess(lambda folder: (folder / "ESS7sample.dta").write_bytes(b"essround,cntry,idno\n7,AT,1\n")),
         exit_code=3, error="error: bad input: ",
         detail=("ESS7sample.dta: not a readable dta file: This version of the file format is not supported",)),
    Case("a file without the idno variable is refused naming it", ESS,
         _ess(_rewrite_dta(lambda frame: frame.drop(columns=["idno"]))),
         exit_code=3, error="error: bad input: ",
         detail=("ESS7sample.dta: required variable(s) idno not in the file",)),
]

CASES = FLIGHTS + ADVENTUREWORKS + EUROSTAT + ESS_CASES
