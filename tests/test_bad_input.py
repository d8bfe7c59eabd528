"""Bad input that used to be lost or silently changed: each record the files hold is read,
and every one ends up loaded exactly as sent or quarantined with a reason naming what is wrong.
Inputs are built here (a few rows, tests/corpus/build.py); expected counts are counted by hand
or by ``physical_records``, never by the reader under test. The same inputs run end to end
through the pipelines in the corpus (tests/corpus: NUL lines, over-wide lines, latin-1 text,
copies differing in case), so these tests stay at the reader and the staging."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pyspark.sql import types as T

from jobs.sources.files import read_csv
from schemas.flights import RAW_AIRLINES, RAW_AIRPORTS, RAW_FLIGHTS
from schemas.spec import RawCsv, RawField
from tests.corpus.build import (
    AIRLINES,
    AIRPORTS,
    FLIGHTS_HEADER,
    flight_row,
)
from transforms.flights import parse_flights, split_flights, stage_reference
from transforms.staging import CORRUPT_COLUMN, REASON, ROW_ID, SOURCE_FILE, parse_rows

TEXTS = RawCsv(name="texts", fields=(RawField("N", "int"), RawField("T", "varchar(20)"),
                                     RawField("AT", "timestamp", timestamp_format="yyyy-MM-dd HH:mm:ss.SSS")))


def _texts(spark, rows: list[tuple]):
    schema = TEXTS.string_schema(CORRUPT_COLUMN).add(SOURCE_FILE, T.StringType()).add(ROW_ID, T.LongType())
    return spark.createDataFrame([(*r, None, "f", i) for i, r in enumerate(rows)], schema)


def _reasons(parsed) -> list[str | None]:
    return [r[REASON] for r in parsed.orderBy(ROW_ID).select(REASON).collect()]


def _read_reasons(spark, path: Path, layout: RawCsv) -> list[str | None]:
    return _reasons(parse_rows(read_csv(spark, [str(path)], layout), layout))


# ---- a line of NUL bytes, a NUL inside a field ----

def test_a_line_of_nul_bytes_is_a_record_read_and_quarantined_as_malformed(spark, tmp_path):
    path = tmp_path / "flights.csv"
    path.write_bytes(b"\r\n".join([FLIGHTS_HEADER, flight_row(1), b"\x00" * 40, flight_row(2)]))
    assert _read_reasons(spark, path, RAW_FLIGHTS) == [None, "malformed record: NUL bytes in record", None]


def test_a_nul_byte_inside_an_otherwise_valid_field_is_rejected_naming_the_field(spark):
    parsed = parse_rows(_texts(spark, [("12\x00", "x", None), ("1", "N1\x002", None), ("2", "ok", None)]), TEXTS)
    assert _reasons(parsed) == ["N: NUL byte in value", "T: NUL byte in value", None]


# ---- a line with absurdly many separators, a line over the record limit ----

def test_a_line_longer_than_the_layouts_record_limit_is_quarantined_unparsed(spark, tmp_path):
    path = tmp_path / "airports.csv"
    path.write_bytes(b"\n".join([AIRPORTS[0], AIRPORTS[1], b"BIG," + b"x" * 200 + b",,,,,", AIRPORTS[2]]))
    layout = replace(RAW_AIRPORTS, max_record_bytes=100)
    assert _read_reasons(spark, path, layout) == [None, "malformed record: longer than 100 bytes", None]


# ---- text in the wrong encoding ----

def test_a_replacement_character_in_text_is_rejected_as_undecodable(spark):
    parsed = parse_rows(_texts(spark, [("1", "Canc\ufffdn", None), ("2", "Cancún", None)]), TEXTS)
    assert _reasons(parsed) == ["T: text is not valid UTF-8", None]



def test_a_byte_order_mark_inside_text_is_rejected_and_each_record_names_its_own_field(spark):
    # the first of a record's reasons, in field order: row 3's NUL in N comes before T's BOM
    parsed = parse_rows(_texts(spark, [("1", "ab\ufeffc", None), ("2", "plain", None),
                                       ("3\x00", "\ufeffx", None), ("4", "x\ufffd\ufeff", None)]), TEXTS)
    assert _reasons(parsed) == ["T: byte-order mark inside the value", None, "N: NUL byte in value",
                                "T: text is not valid UTF-8"]

# ---- timestamps the parser used to abort the job on ----

def test_a_timestamp_with_trailing_text_or_a_short_month_is_rejected_not_fatal(spark):
    parsed = parse_rows(_texts(spark, [("1", None, "2015-01-01 00:00:00.000x"), ("2", None, "2015-1-01 00:00:00.000"),
                                       ("3", None, "0000-01-01 00:00:00.000"), ("4", None, "2015-01-01 10:01:36.827")]),
                        TEXTS)
    assert _reasons(parsed) == ["AT: not a valid timestamp: '2015-01-01 00:00:00.000x'",
                                "AT: not a valid timestamp: '2015-1-01 00:00:00.000'",
                                "AT: not a valid timestamp: '0000-01-01 00:00:00.000'", None]


# ---- duplicates that differ only in case ----

def test_flight_duplicates_differing_only_in_the_case_of_a_code_are_one_key(spark, tmp_path):
    path = tmp_path / "flights.csv"
    path.write_bytes(b"\r\n".join([FLIGHTS_HEADER, flight_row(1, AIRLINE="WN"), flight_row(1, AIRLINE="wn"),
                                   flight_row(1, AIRLINE="WN", ORIGIN_AIRPORT="lax")]))
    good, rejected = split_flights(parse_flights(read_csv(spark, [str(path)], RAW_FLIGHTS)))
    assert [(r.AIRLINE, r.ORIGIN_AIRPORT) for r in good.collect()] == [("WN", "LAX")]
    assert [r.reason for r in rejected.collect()] == [
        "duplicate natural key (YEAR, MONTH, DAY, AIRLINE, FLIGHT_NUMBER, ORIGIN_AIRPORT, SCHEDULED_DEPARTURE): "
        "a later copy of an earlier row"] * 2


@pytest.mark.parametrize("copy", [b"aa,American Airlines Inc.", b" AA ,American Airlines Inc."],
                         ids=["lower-case", "padded"])
def test_an_airline_code_repeated_in_another_case_or_padding_is_a_duplicate(spark, tmp_path, copy):
    path = tmp_path / "airlines.csv"
    path.write_bytes(b"\n".join([*AIRLINES, copy]))
    good, rejected = stage_reference(read_csv(spark, [str(path)], RAW_AIRLINES), source="airlines")
    assert sorted(r.IATA_CODE for r in good.collect()) == ["AA", "UA", "WN"]
    assert [r.reason.split(":")[0] for r in rejected.collect()] == ["duplicate natural key (IATA_CODE)"]
