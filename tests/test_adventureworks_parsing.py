"""adventureworks: reading and parsing the hostile export (BOM, CRLF, ';', NULL, decimal comma
beside a decimal point, space-padded CHAR codes, millisecond timestamps) through the shared
reader and staging, plus the export's reject rules.

DataFrame comparisons use chispa ``assert_df_equality`` with ``ignore_row_order=True`` (Spark
gives no order) and ``ignore_nullable=True`` (nullability of derived columns is Spark's guess,
not part of the behaviour under test)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.sources.files import read_csv
from schemas.adventureworks import RAW_PRODUCT, RAW_SALES_ORDER_DETAIL, RAW_SALES_ORDER_HEADER
from schemas.spec import RawCsv, RawField
from transforms.adventureworks import lines_with_an_order, parse
from transforms.staging import CORRUPT_COLUMN, ROW_ID, SOURCE_FILE, accepted, parse_rows, rejected

IGNORE = {"ignore_row_order": True, "ignore_nullable": True}

# A miniature of Production.Product.csv: the money cell has a decimal comma, the weight beside
# it a decimal point, codes are CHAR(3) / CHAR(2) padded and quoted, nulls are NULL.
MINI_LAYOUT = RawCsv(
    name="mini_product",
    file_glob="mini.csv",
    fields=(
        RawField("ProductID", "int", required=True),
        RawField("ListPrice", "decimal(19,4)", decimal_separator=","),
        RawField("Weight", "decimal(8,2)"),
        RawField("WeightUnitMeasureCode", "varchar(3)"),
        RawField("Class", "varchar(2)"),
        RawField("ModifiedDate", "timestamp", timestamp_format="yyyy-MM-dd HH:mm:ss.SSS"),
    ),
    delimiter=";",
    null_tokens=("", "NULL"),
)
MINI_FILE = (
    "\ufeffProductID;ListPrice;Weight;WeightUnitMeasureCode;Class;ModifiedDate\r\n"
    '680;1431,50;2.24;"LB ";"H ";2014-02-08 10:01:36.827\r\n'
    "707;34,99;NULL;NULL;NULL;2014-02-08 10:03:55.510\r\n"
)


def raw_rows(spark, layout: RawCsv, records: list[dict[str, str | None]]):
    """Text records as the reader hands them over (every field a string)."""
    schema = layout.string_schema(CORRUPT_COLUMN).add(SOURCE_FILE, T.StringType()).add(ROW_ID, T.LongType())
    rows = [tuple(r.get(h) for h in layout.header) + (None, f"{layout.name}.csv", i) for i, r in enumerate(records)]
    return spark.createDataFrame(rows, schema)


@pytest.fixture(scope="module")
def mini_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("hostile") / "mini.csv"
    path.write_bytes(MINI_FILE.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("multiline", [False, True], ids=["line-by-line", "multiline"])
def test_the_reader_drops_a_bom_prefixed_crlf_header_and_leaves_no_bom_or_cr_in_any_value(spark, mini_file,
                                                                                            multiline):
    raw = read_csv(spark, [mini_file], replace(MINI_LAYOUT, multiline=multiline))
    expected = spark.createDataFrame(
        [("680", "LB ", "2014-02-08 10:01:36.827"), ("707", "NULL", "2014-02-08 10:03:55.510")],
        "ProductID string, WeightUnitMeasureCode string, ModifiedDate string")
    assert_df_equality(raw.select("ProductID", "WeightUnitMeasureCode", "ModifiedDate"), expected, **IGNORE)


@pytest.fixture(scope="module")
def mini_typed(spark, mini_file):
    """The miniature file read by the production reader and parsed by the shared staging."""
    return accepted(parse_rows(read_csv(spark, [mini_file], MINI_LAYOUT), MINI_LAYOUT)).cache()


def test_a_decimal_comma_money_cell_parses_exactly_beside_a_decimal_point_weight(spark, mini_typed):
    expected = spark.createDataFrame(
        [(680, Decimal("1431.5000"), Decimal("2.24")), (707, Decimal("34.9900"), None)],
        T.StructType([T.StructField("ProductID", T.IntegerType()),
                      T.StructField("ListPrice", T.DecimalType(19, 4)),
                      T.StructField("Weight", T.DecimalType(8, 2))]))
    assert_df_equality(mini_typed.select("ProductID", "ListPrice", "Weight"), expected, **IGNORE)


def test_space_padded_codes_are_trimmed_and_null_becomes_null(spark, mini_typed):
    expected = spark.createDataFrame([(680, "LB", "H"), (707, None, None)],
                                     "ProductID int, WeightUnitMeasureCode string, Class string")
    assert_df_equality(mini_typed.select("ProductID", "WeightUnitMeasureCode", "Class"), expected, **IGNORE)


def test_timestamps_with_milliseconds_parse_to_the_millisecond(spark, mini_typed):
    expected = spark.createDataFrame(
        [(680, datetime(2014, 2, 8, 10, 1, 36, 827000)), (707, datetime(2014, 2, 8, 10, 3, 55, 510000))],
        T.StructType([T.StructField("ProductID", T.IntegerType()),
                      T.StructField("ModifiedDate", T.TimestampNTZType())]))
    assert_df_equality(mini_typed.select("ProductID", "ModifiedDate"), expected, **IGNORE)


def test_a_money_cell_that_is_not_exact_decimal_comma_text_is_rejected_not_reread_or_rounded(spark):
    texts = ["1.431,50", "1431.50", "1,23456", "12 345,00", "1,2e3"]
    records = [{"ProductID": str(i), "ListPrice": text} for i, text in enumerate(texts)]
    parsed = parse_rows(raw_rows(spark, MINI_LAYOUT, records), MINI_LAYOUT)
    assert sorted(r.reason for r in rejected(parsed, source="mini").collect()) == sorted(
        f"ListPrice: not a valid decimal(19,4): '{text}'" for text in texts)


def test_exact_decimal_comma_text_parses_including_trailing_zeros_beyond_the_scale(spark):
    cases = {"0,00": "0.0000", "13,0863": "13.0863", "2024,994000": "2024.9940", "-0,5": "-0.5000",
             ",75": "0.7500", "7": "7.0000"}
    records = [{"ProductID": str(i), "ListPrice": text} for i, text in enumerate(cases)]
    parsed = accepted(parse_rows(raw_rows(spark, MINI_LAYOUT, records), MINI_LAYOUT))
    assert sorted((r.ProductID, str(r.ListPrice)) for r in parsed.collect()) == list(enumerate(cases.values()))


def test_the_product_layout_reads_the_export_dates_as_calendar_days(spark):
    record = {h: "NULL" for h in RAW_PRODUCT.header} | {
        "ProductID": "999", "Name": "Road-750 Black, 52", "ProductNumber": "BK-R19B-52", "MakeFlag": "1",
        "FinishedGoodsFlag": "1", "StandardCost": "343,6496", "ListPrice": "539,99", "Weight": "20.42",
        "WeightUnitMeasureCode": "LB ", "DaysToManufacture": "4", "SellStartDate": "2013-05-30 00:00:00.000"}
    rows = parse(raw_rows(spark, RAW_PRODUCT, [record]), RAW_PRODUCT).collect()
    assert [(r.SellStartDate, r.SellEndDate, r.ListPrice, r.Weight, r._reject_reason) for r in rows] == [
        (date(2013, 5, 30), None, Decimal("539.9900"), Decimal("20.42"), None)]


def _line(**changes: str) -> dict[str, str]:
    base = {"SalesOrderID": "43659", "SalesOrderDetailID": "1", "CarrierTrackingNumber": "4911-403C-98",
            "OrderQty": "3", "ProductID": "776", "SpecialOfferID": "2", "UnitPrice": "2024,9940",
            "UnitPriceDiscount": "0,0200", "LineTotal": "5953,482360", "rowguid": "B207C96D",
            "ModifiedDate": "2011-05-31 00:00:00.000"}
    return base | changes


def test_a_line_total_a_cent_or_more_off_its_quantity_price_and_discount_is_quarantined(spark):
    parsed = parse(raw_rows(spark, RAW_SALES_ORDER_DETAIL, [
        _line(), _line(SalesOrderDetailID="2", LineTotal="5953,472360")]), RAW_SALES_ORDER_DETAIL)
    assert [r.SalesOrderDetailID for r in accepted(parsed).collect()] == [1]
    assert [r.reason for r in rejected(parsed, source="d").collect()] == [
        "LineTotal differs from OrderQty x UnitPrice x (1 - UnitPriceDiscount) by a cent or more"]


def test_a_header_whose_total_due_is_not_subtotal_plus_tax_plus_freight_is_quarantined(spark):
    header = {h: "NULL" for h in RAW_SALES_ORDER_HEADER.header} | {
        "SalesOrderID": "43659", "OrderDate": "2011-05-31 00:00:00.000", "DueDate": "2011-06-12 00:00:00.000",
        "Status": "5", "OnlineOrderFlag": "0", "CustomerID": "29825", "SubTotal": "20565,6206",
        "TaxAmt": "1971,5149", "Freight": "616,0984", "TotalDue": "23153,2339"}
    parsed = parse(raw_rows(spark, RAW_SALES_ORDER_HEADER, [
        header, header | {"SalesOrderID": "43660", "TotalDue": "23153,2340"}]), RAW_SALES_ORDER_HEADER)
    assert [r.SalesOrderID for r in accepted(parsed).collect()] == [43659]
    assert [r.reason for r in rejected(parsed, source="h").collect()] == [
        "TotalDue differs from SubTotal + TaxAmt + Freight"]


def test_lines_whose_order_is_missing_are_quarantined_with_a_reason_and_the_rest_kept(spark):
    lines = spark.createDataFrame([("d.csv", 0, 43659, 1), ("d.csv", 1, 99999, 2)],
                                  f"{SOURCE_FILE} string, {ROW_ID} long, SalesOrderID int, SalesOrderDetailID int")
    headers = spark.createDataFrame([(43659,)], "SalesOrderID int")
    kept, orphans = lines_with_an_order(lines, headers)
    assert_df_equality(kept.select("SalesOrderID", "SalesOrderDetailID"),
                       spark.createDataFrame([(43659, 1)], "SalesOrderID int, SalesOrderDetailID int"), **IGNORE)
    assert [(r.raw_record, r.reason) for r in orphans.collect()] == [(
        '{"SalesOrderID":99999,"SalesOrderDetailID":2}',
        "no sales_order_header row for (SalesOrderID) (missing or quarantined)")]
