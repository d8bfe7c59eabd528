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
