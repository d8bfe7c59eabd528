"""Row rules compiled from table specs (transforms/quality.py)."""

from pyspark.sql import functions as F

from schemas.spec import Column, ForeignKey, TableSpec
from transforms.quality import row_rules

DIM_STORE = TableSpec(
    name="dim_store",
    grain="one row per store",
    columns=(
        Column("store_key", "bigint", False, ""),
        Column("store_name", "varchar(4)", False, ""),
        Column("region_key", "bigint", False, "-> dim_region"),
    ),
    primary_key=("store_key",),
    foreign_keys=(ForeignKey("region_key", "dim_region", "region_key"),),
)


def _failures(spark, rows):
    df = spark.createDataFrame(rows, "store_key bigint, store_name string, region_key bigint")
    rules = row_rules(DIM_STORE)
    counts = df.agg(*[F.sum(F.when(r.violated, 1).otherwise(0)).alias(r.rule) for r in rules]).first()
    return {r.rule: counts[r.rule] for r in rules}


def test_unresolved_foreign_keys_are_counted_but_not_the_dimensions_own_unknown_member(spark):
    failures = _failures(spark, [
        (-1, "?", -1),       # the unknown member itself: points at the unknown region by design
        (10, "A", 7),        # resolved
        (11, "B", -1),       # unresolved: counted
        (12, "C", None),     # null: counted by not_null, not by resolved
    ])
    assert failures["resolved(region_key -> dim_region)"] == 1
    assert failures["not_null(region_key)"] == 1


def test_varchar_limits_count_bytes_not_characters(spark):
    failures = _failures(spark, [(1, "abcd", 1), (2, "ãbc", 1), (3, "ãbcd", 1)])
    assert failures["max_bytes(store_name, 4)"] == 1
