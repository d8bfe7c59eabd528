"""Surrogate keys and unknown members, shared by every dimension."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.spec import UNKNOWN_KEY, TableSpec


def normalised(col: Column | str) -> Column:
    """The form a natural-key part is hashed in: trimmed, upper-case text, '' for null."""
    return F.coalesce(F.upper(F.trim(F.col(col) if isinstance(col, str) else col)), F.lit(""))


def surrogate_key(*natural_key: Column | str) -> Column:
    """Deterministic BIGINT key from a natural key: the same code gets the same key in every run,
    every runtime and every warehouse (no IDENTITY, no monotonically_increasing_id).
    xxhash64 is never -1 in practice; a collision check is the dimension's unique-key gate."""
    parts = [normalised(c).cast("string") for c in natural_key]
    return F.xxhash64(F.concat_ws("\u241f", *parts))


def with_unknown_member(dim: DataFrame, spec: TableSpec, **values: object) -> DataFrame:
    """Append the dimension's unknown member (key -1) with the given attribute values
    (others null) so facts can point at it when a lookup fails."""
    key = spec.primary_key[0]
    row = {c.name: values.get(c.name) for c in spec.content_columns}
    row[key] = UNKNOWN_KEY
    unknown = dim.sparkSession.createDataFrame([row], schema=spec.spark_schema(audit=False))
    return dim.filter(F.col(key) != UNKNOWN_KEY).unionByName(unknown)


def lookup_key(
    fact: DataFrame, dim: DataFrame, *, code_column: str, dim_code_column: str,
    dim_key_column: str, as_column: str,
) -> DataFrame:
    """Resolve ``code_column`` to the dimension's surrogate key (broadcast join; small dimensions),
    falling back to the unknown member so no fact row is lost."""
    keys = F.broadcast(
        dim.filter(F.col(dim_key_column) != UNKNOWN_KEY).select(
            F.col(dim_code_column).alias(f"__code_{as_column}"),
            F.col(dim_key_column).alias(f"__key_{as_column}"),
        )
    )
    joined = fact.join(keys, F.col(code_column) == F.col(f"__code_{as_column}"), "left")
    return joined.withColumn(
        as_column, F.coalesce(F.col(f"__key_{as_column}"), F.lit(UNKNOWN_KEY).cast("bigint"))
    ).drop(f"__code_{as_column}", f"__key_{as_column}")
