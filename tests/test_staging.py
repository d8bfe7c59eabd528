"""Shared staging: every record read is either a typed row or a quarantine record with a reason."""

from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas.spec import RawCsv, RawField
from transforms.staging import (
    CORRUPT_COLUMN,
    REASON,
    ROW_ID,
    SOURCE_FILE,
    RejectRule,
    accepted,
    parse_rows,
    rejected,
    split_duplicates,
)

LAYOUT = RawCsv(
    name="things",
    fields=(
        RawField("ID", "int", required=True),
        RawField("PRICE", "decimal(19,4)", decimal_separator=","),
        RawField("WEIGHT", "double"),
        RawField("CODE", "varchar(3)"),
    ),
    null_tokens=("", "NULL"),
    delimiter=";",
)


def _raw(spark, rows):
    schema = LAYOUT.string_schema(CORRUPT_COLUMN).add(SOURCE_FILE, T.StringType()).add(ROW_ID, T.LongType())
    return spark.createDataFrame(rows, schema)


def test_a_good_row_is_typed_with_exact_decimals_and_trimmed_codes(spark):
    parsed = parse_rows(_raw(spark, [("1", "3953,9884", "20.42", " R ", None, "f", 0)]), LAYOUT)
    row = accepted(parsed).first()
    assert (row.ID, str(row.PRICE), row.WEIGHT, row.CODE) == (1, "3953.9884", 20.42, "R")
    assert rejected(parsed, source="things").count() == 0


def test_null_tokens_become_nulls_not_errors(spark):
    parsed = parse_rows(_raw(spark, [("2", "NULL", None, "NULL", None, "f", 0)]), LAYOUT)
    row = accepted(parsed).first()
    assert (row.PRICE, row.WEIGHT, row.CODE) == (None, None, None)


def test_a_value_that_does_not_parse_is_rejected_naming_field_and_value(spark):
    parsed = parse_rows(_raw(spark, [("3", "12,5", "heavy", "A", None, "f", 0)]), LAYOUT)
    out = rejected(parsed, source="things").first()
    assert out.reason == "WEIGHT: not a valid double: 'heavy'"
    assert out.raw_record == "3;12,5;heavy;A"
    assert accepted(parsed).count() == 0


def test_a_record_with_the_wrong_field_count_keeps_its_text(spark):
    parsed = parse_rows(_raw(spark, [("4", "1,0", None, None, "4;1,0", "f", 0)]), LAYOUT)
    out = rejected(parsed, source="things").first()
    assert out.reason == "malformed record: expected 4 fields"
    assert out.raw_record == "4;1,0"


def test_a_missing_required_value_is_rejected(spark):
    parsed = parse_rows(_raw(spark, [(None, "1,0", "1.0", "A", None, "f", 0)]), LAYOUT)
    assert rejected(parsed, source="things").first().reason == "ID: missing required value"


def test_pipeline_rules_see_typed_values_and_run_after_type_checks(spark):
    rule = RejectRule("PRICE: negative", F.col("PRICE") < 0)
    parsed = parse_rows(_raw(spark, [("5", "-1,5", "1.0", "A", None, "f", 0),
                                     ("6", "x", "1.0", "A", None, "f", 1)]), LAYOUT, rules=[rule])
    reasons = sorted(r[REASON] for r in parsed.select(REASON).collect())
    assert reasons == ["PRICE: negative", "PRICE: not a valid decimal(19,4): 'x'"]


def test_later_duplicates_of_a_key_are_quarantined_and_the_first_is_kept(spark):
    rows = spark.createDataFrame(
        [("f", 0, 1, "first"), ("f", 1, 2, "only"), ("f", 2, 1, "second"), ("f", 3, 1, "third")],
        f"{SOURCE_FILE} string, {ROW_ID} long, ID int, V string")
    kept, dups = split_duplicates(rows, ["ID"], source="things")
    assert sorted((r.ID, r.V) for r in kept.collect()) == [(1, "first"), (2, "only")]
    assert dups.count() == 2
    assert dups.first().reason.startswith("duplicate natural key (ID)")


def test_a_composite_key_keeps_the_first_copy_in_file_order_and_rows_with_a_null_key_part(spark):
    # by hand: (1, 'a') occurs in b.csv row 0, a.csv rows 5 and 2: a.csv row 2 comes first;
    # (1, 'b') once; rows whose key has a null part are all kept (null matches nothing)
    rows = spark.createDataFrame(
        [("b.csv", 0, 1, "a", "b0"), ("a.csv", 5, 1, "a", "a5"), ("a.csv", 2, 1, "a", "a2"),
         ("a.csv", 3, 1, "b", "a3"), ("a.csv", 4, None, "a", "n1"), ("a.csv", 6, None, "a", "n2"),
         ("a.csv", 7, 2, None, "n3"), ("a.csv", 8, 2, None, "n4")],
        f"{SOURCE_FILE} string, {ROW_ID} long, ID int, CODE string, V string")
    kept, dups = split_duplicates(rows, ["ID", "CODE"], source="things")
    assert kept.columns == rows.columns
    assert sorted(r.V for r in kept.collect()) == ["a2", "a3", "n1", "n2", "n3", "n4"]
    assert sorted((r.source_file, r.raw_record) for r in dups.collect()) == [
        ("a.csv", '{"ID":1,"CODE":"a"}'), ("b.csv", '{"ID":1,"CODE":"a"}')]


def test_a_floating_point_key_treats_zero_and_negative_zero_as_one_key(spark):
    rows = spark.createDataFrame([("f", 0, 0.0, "first"), ("f", 1, -0.0, "second"), ("f", 2, 1.5, "other")],
                                 f"{SOURCE_FILE} string, {ROW_ID} long, X double, V string")
    kept, dups = split_duplicates(rows, ["X"], source="things")
    assert sorted(r.V for r in kept.collect()) == ["first", "other"]
    assert dups.count() == 1


# ---- integers: exact or quarantined (never truncated, wrapped or nulled) ----

INTEGERS = RawCsv(
    name="counts",
    fields=(RawField("I", "int"), RawField("B", "bigint"), RawField("S", "smallint")),
)


def _integers(spark, rows: list[tuple]):
    schema = INTEGERS.string_schema(CORRUPT_COLUMN).add(SOURCE_FILE, T.StringType()).add(ROW_ID, T.LongType())
    return spark.createDataFrame([(*r, None, "f", i) for i, r in enumerate(rows)], schema)


def _reasons(parsed) -> list[str]:
    return [r[REASON] for r in parsed.orderBy(ROW_ID).select(REASON).collect()]


def test_a_fraction_in_an_integer_column_is_rejected_instead_of_truncated(spark):
    parsed = parse_rows(_integers(spark, [("883.7", None, None), ("-9.5", None, None),
                                          (None, "0.9", None), (None, None, "0425.9")]), INTEGERS)
    assert _reasons(parsed) == ["I: not a valid int: '883.7'", "I: not a valid int: '-9.5'",
                                "B: not a valid bigint: '0.9'", "S: not a valid smallint: '0425.9'"]


def test_an_integer_out_of_its_type_range_is_rejected_instead_of_wrapped_or_nulled(spark):
    parsed = parse_rows(_integers(spark, [("99999999999", None, None), (None, "9223372036854775808", None),
                                          (None, None, "32768"), ("2147483648", None, None)]), INTEGERS)
    assert _reasons(parsed) == ["I: not a valid int: '99999999999'",
                                "B: not a valid bigint: '9223372036854775808'",
                                "S: not a valid smallint: '32768'", "I: not a valid int: '2147483648'"]


def test_leading_zeros_a_plus_sign_and_the_type_bounds_still_parse(spark):
    parsed = parse_rows(_integers(spark, [("0425", "+12", "-32768"),
                                          ("-2147483648", "9223372036854775807", "32767")]), INTEGERS)
    rows = accepted(parsed).orderBy(ROW_ID).collect()
    assert [(r.I, r.B, r.S) for r in rows] == [(425, 12, -32768), (-2147483648, 9223372036854775807, 32767)]


def test_integer_checks_give_the_same_reasons_when_ansi_mode_is_on(spark):
    spark.conf.set("spark.sql.ansi.enabled", "true")
    try:
        parsed = parse_rows(_integers(spark, [("883.7", None, None), ("99999999999", None, None),
                                              ("abc", None, None), ("7", "8", "9")]), INTEGERS)
        assert _reasons(parsed) == ["I: not a valid int: '883.7'", "I: not a valid int: '99999999999'",
                                    "I: not a valid int: 'abc'", None]
    finally:
        spark.conf.set("spark.sql.ansi.enabled", "false")
