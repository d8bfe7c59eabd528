"""Make a DataFrame match its warehouse contract exactly before it is written."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from schemas.spec import TableSpec


def conform(df: DataFrame, spec: TableSpec) -> DataFrame:
    """Select the spec's columns in the spec's order (= Parquet order = COPY order), cast to the
    exact contract types (decimal precision and scale included). A missing column is a bug in
    the transform and fails loudly here, not in the warehouse."""
    if missing := [c for c in spec.column_names if c not in df.columns]:
        raise ValueError(f"{spec.name}: transform output lacks columns {missing}")
    schema = spec.spark_schema()
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields])
