"""Calendar and clock logic shared by every pipeline: the conformed date dimension, date keys,
and wall-clock arithmetic on zero-padded hhmm times."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.common import DIM_DATE
from schemas.spec import UNKNOWN_KEY
from transforms.keys import with_unknown_member

MINUTES_PER_DAY = 1440


def _epoch() -> Column:
    # Built on demand: a Column cannot exist before a SparkSession does (no work at import time).
    return F.lit("1970-01-01").cast("date")


def date_key(date: Column) -> Column:
    """yyyymmdd integer key of a date; the unknown member (-1) when the date is null."""
    return F.coalesce(
        F.date_format(date, "yyyyMMdd").cast("int"), F.lit(UNKNOWN_KEY)
    ).cast("int")


def build_dim_date(dates: DataFrame, *, date_column: str = "date") -> DataFrame:
    """One row per calendar day from the earliest to the latest date in ``dates`` (every day,
    not only the ones present), plus the unknown member; key date_key = yyyymmdd."""
    bounds = dates.agg(F.min(date_column).alias("lo"), F.max(date_column).alias("hi"))
    days = bounds.filter(F.col("lo").isNotNull()).select(
        F.explode(F.sequence("lo", "hi", F.expr("interval 1 day"))).alias("full_date")
    )
    d = F.col("full_date")
    dim = days.select(
        date_key(d).alias("date_key"),
        d.alias("full_date"),
        F.year(d).cast("smallint").alias("year"),
        F.quarter(d).cast("smallint").alias("quarter"),
        F.month(d).cast("smallint").alias("month"),
        F.date_format(d, "MMMM").alias("month_name"),
        F.dayofmonth(d).cast("smallint").alias("day_of_month"),
        # Spark's dayofweek is 1 = Sunday; ISO is 1 = Monday.
        (((F.dayofweek(d) + 5) % 7) + 1).cast("smallint").alias("day_of_week"),
        F.date_format(d, "EEEE").alias("day_name"),
        F.weekofyear(d).cast("smallint").alias("iso_week"),
        F.dayofweek(d).isin(1, 7).alias("is_weekend"),
    )
    return with_unknown_member(dim, DIM_DATE, month_name="Unknown", day_name="Unknown")


def hhmm_to_minutes(hhmm: Column) -> Column:
    """Minutes after midnight of a zero-padded hhmm clock time read as an integer (0005 -> 5,
    2400 -> 1440, i.e. midnight at the end of the day)."""
    return (F.floor(hhmm / 100) * 60 + hhmm % 100).cast("int")


def valid_hhmm(hhmm: Column) -> Column:
    """True for 0000-2359 and 2400; null stays null (a missing time is not an invalid one)."""
    return (hhmm >= 0) & (hhmm <= 2400) & (hhmm % 100 < 60)


def epoch_minutes(date: Column, minute_of_day: Column | int = 0) -> Column:
    """Minutes since 1970-01-01 00:00 of a wall-clock moment: plain integer arithmetic, so no
    session time zone or daylight-saving rule can shift it."""
    return F.datediff(date, _epoch()).cast("long") * MINUTES_PER_DAY + minute_of_day


def nearest_clock(anchor_epoch_min: Column, hhmm: Column) -> Column:
    """The moment (epoch minutes) showing clock time ``hhmm`` that lies closest to the anchor.

    Resolves the day of a bare clock time: a flight scheduled 00:05 that left 11 minutes early
    left at 23:54 the day before; 2400 is midnight closing the anchor's day; an arrival shown as
    06:30 after a 23:00 departure is the next morning. Valid while the true moment is within
    12 hours of the anchor (time-zone differences and delays are far smaller)."""
    # Integer arithmetic only: the clock's minute on the anchor's day, minus the anchor's minute
    # of day, lies in (-1440, 1440]; moving it by a day when it is 12 hours or more away gives
    # the nearest moment (a tie at exactly 12 hours goes to the other day, as before).
    anchor = anchor_epoch_min.cast("long")
    offset = hhmm_to_minutes(hhmm) - F.pmod(anchor, F.lit(MINUTES_PER_DAY))
    day = (F.when(offset >= MINUTES_PER_DAY // 2, -MINUTES_PER_DAY)
           .when(offset <= -(MINUTES_PER_DAY // 2), MINUTES_PER_DAY).otherwise(0))
    return anchor + offset + day


def epoch_minutes_to_timestamp(epoch_min: Column) -> Column:
    """TIMESTAMP_NTZ (wall clock, no zone) of an epoch-minute value."""
    days = F.floor(epoch_min / MINUTES_PER_DAY).cast("int")
    minutes = (epoch_min - days.cast("long") * MINUTES_PER_DAY).cast("int")
    return F.date_add(_epoch(), days).cast("timestamp_ntz") + F.make_dt_interval(
        F.lit(0), F.lit(0), minutes
    )
