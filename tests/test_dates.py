"""Clock arithmetic and the conformed calendar."""

from datetime import date, datetime

from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from transforms.dates import (
    build_dim_date,
    epoch_minutes,
    epoch_minutes_to_timestamp,
    hhmm_to_minutes,
    nearest_clock,
)

SCHEMA = T.StructType([
    T.StructField("anchor_date", T.DateType()),
    T.StructField("anchor_min", T.IntegerType()),  # minute of day of the anchor (may be <0 or >1440)
    T.StructField("hhmm", T.IntegerType()),
])


def _resolve(spark, rows):
    df = spark.createDataFrame(rows, SCHEMA)
    anchor = epoch_minutes(F.col("anchor_date")) + F.col("anchor_min")
    return [r[0] for r in df.select(epoch_minutes_to_timestamp(nearest_clock(anchor, F.col("hhmm")))).collect()]


def test_hhmm_becomes_minutes_after_midnight_with_2400_as_end_of_day(spark):
    df = spark.createDataFrame([(5,), (930,), (2400,), (None,)], "hhmm int")
    got = [r[0] for r in df.select(hhmm_to_minutes(F.col("hhmm"))).collect()]
    assert got == [5, 570, 1440, None]


def test_an_early_departure_just_after_midnight_falls_on_the_previous_day(spark):
    # scheduled 00:05 on Jan 1st, 11 minutes early: anchor 23:54 Dec 31st, clock shows 2354
    got = _resolve(spark, [(date(2015, 1, 1), 5 - 11, 2354)])
    assert got == [datetime(2014, 12, 31, 23, 54)]


def test_2400_is_midnight_at_the_end_of_the_anchor_day(spark):
    got = _resolve(spark, [(date(2015, 3, 1), 23 * 60 + 58, 2400)])
    assert got == [datetime(2015, 3, 2, 0, 0)]


def test_an_overnight_arrival_lands_on_the_next_morning(spark):
    # departure 23:00 + 6 h block + 3 h time-zone shift -> expected around 08:00 next day
    got = _resolve(spark, [(date(2015, 6, 30), 23 * 60 + 9 * 60, 630)])
    assert got == [datetime(2015, 7, 1, 6, 30)]


def test_a_clock_resolves_to_whichever_side_of_the_anchor_is_nearer_and_a_12_hour_tie_goes_back(spark):
    anchor_midnight = date(2015, 1, 1)
    got = _resolve(spark, [(anchor_midnight, 0, 1159), (anchor_midnight, 0, 1201), (anchor_midnight, 0, 1200),
                           (anchor_midnight, 12 * 60, 0)])
    assert got == [datetime(2015, 1, 1, 11, 59), datetime(2014, 12, 31, 12, 1),
                   datetime(2014, 12, 31, 12, 0), datetime(2015, 1, 2, 0, 0)]


def test_a_missing_clock_time_stays_missing(spark):
    assert _resolve(spark, [(date(2015, 1, 1), 600, None)]) == [None]


def test_dim_date_has_every_day_between_the_extremes_plus_the_unknown_member(spark):
    dates = spark.createDataFrame([(date(2015, 12, 31),), (date(2016, 1, 2),)], "date date")
    got = build_dim_date(dates).select("date_key", "full_date", "day_of_week", "day_name", "is_weekend", "iso_week")
    expected = spark.createDataFrame([
        (-1, None, None, "Unknown", None, None),
        (20151231, date(2015, 12, 31), 4, "Thursday", False, 53),
        (20160101, date(2016, 1, 1), 5, "Friday", False, 53),
        (20160102, date(2016, 1, 2), 6, "Saturday", True, 53),
    ], got.schema)
    # ignore_nullable: literals vs computed columns differ only in nullability flags
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
