"""Make a DataFrame match its warehouse contract exactly before it is written: ``conform`` (a
transform's own final select) and ``enforce_contract`` (the write path's gate)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas.spec import TableSpec


def conform(df: DataFrame, spec: TableSpec) -> DataFrame:
    """Select the spec's columns in the spec's order (= Parquet order = COPY order), cast to the
    exact contract types (decimal precision and scale included). A missing column is a bug in
    the transform and fails loudly here, not in the warehouse."""
    schema = spec.spark_schema(audit=False)
    if missing := [f.name for f in schema.fields if f.name not in df.columns]:
        raise ValueError(f"{spec.name}: transform output lacks columns {missing}")
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields])


class ContractError(ValueError):
    """A table's output does not match its spec; the message lists every differing column."""


_INTEGRAL_WIDTH = {T.ByteType: 1, T.ShortType: 2, T.IntegerType: 4, T.LongType: 8}
_INTEGRAL_DIGITS = {T.ByteType: 3, T.ShortType: 5, T.IntegerType: 10, T.LongType: 19}


def _lossless(got: T.DataType, want: T.DataType) -> bool:
    """Can ``got`` be cast to ``want`` without changing any value? (A null-typed column, integral
    widening, a decimal or integer into a decimal that holds all its digits.)"""
    if got == want or isinstance(got, T.NullType):
        return True
    if type(got) in _INTEGRAL_WIDTH and type(want) in _INTEGRAL_WIDTH:
        return _INTEGRAL_WIDTH[type(got)] <= _INTEGRAL_WIDTH[type(want)]
    if isinstance(want, T.DecimalType):
        if isinstance(got, T.DecimalType):
            return got.scale <= want.scale and got.precision - got.scale <= want.precision - want.scale
        if type(got) in _INTEGRAL_DIGITS:
            return _INTEGRAL_DIGITS[type(got)] <= want.precision - want.scale
    return False


def enforce_contract(df: DataFrame, spec: TableSpec) -> DataFrame:
    """The one gate every table passes before it is written: the output must have exactly the
    spec's columns, each of the spec's type or one that casts to it losslessly; it comes out in
    the spec's order (= Parquet order = Redshift COPY order, which maps by position) with the
    spec's types. Anything else raises ContractError naming each differing column. Nullability
    is checked on the data, by the not_null rules of the quality gate (Spark's schema flags say
    "may be null", not "is null")."""
    got = {f.name: f.dataType for f in df.schema.fields}
    wanted = spec.spark_schema()
    missing = [f.name for f in wanted.fields if f.name not in got]
    extra = [name for name in got if name not in spec.column_names]
    wrong = [f"{f.name} is {got[f.name].simpleString()}, expected {f.dataType.simpleString()}"
             for f in wanted.fields if f.name in got and not _lossless(got[f.name], f.dataType)]
    if missing or extra or wrong:
        parts = ([f"missing columns {missing}"] if missing else []) + \
                ([f"unexpected columns {extra}"] if extra else []) + wrong
        raise ContractError(f"{spec.name}: the transform's output does not match the table's contract: "
                            + "; ".join(parts))
    return df.select(*[(F.col(f"`{f.name}`") if got[f.name] == f.dataType
                        else F.col(f"`{f.name}`").cast(f.dataType)).alias(f.name) for f in wanted.fields])
