"""Row rules compiled from table specs (transforms/quality.py)."""

from pyspark.sql import functions as F

from jobs.publish import check_table
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
    natural_key=("store_name", "region_key"),
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


def test_key_uniqueness_counts_every_extra_row_of_a_key_and_ignores_incomplete_keys(spark):
    df = spark.createDataFrame([
        (1, "A", 7), (2, "A", 7), (3, "A", 7),   # natural key (A, 7) three times: 2 extra rows
        (4, "B", 7),
        (5, "C", None), (6, "C", None),           # incomplete natural key: the not-null rule's business
        (6, "D", 8),                              # store_key 6 twice: 1 extra row
    ], "store_key bigint, store_name string, region_key bigint")
    rows, _, results = check_table(df, DIM_STORE)
    unique = {r.rule: (r.failed_rows, r.sample) for r in results if r.rule.startswith("unique")}
    assert rows == 7
    assert unique == {"unique(store_key)": (1, ["6"]), "unique(store_name, region_key)": (2, ["A/7"])}
