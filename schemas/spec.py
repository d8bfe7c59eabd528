"""The contract language: raw source layouts and warehouse table specs.

A warehouse table is declared once, as a :class:`TableSpec`. Everything else is derived
from it: the Spark schema the transform output is checked against, the DuckDB and
Redshift DDL (``schemas.ddl``), the COPY column list and the data dictionary.

Pure data and string rendering only: no Spark session, no IO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pyspark.sql import types as T

LoadMode = Literal["replace_all", "merge", "replace_partitions"]
Severity = Literal["blocking", "warning"]

UNKNOWN_KEY = -1
"""Surrogate key of every dimension's "unknown" member: facts never lose rows on a failed lookup."""

_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")
_VARCHAR = re.compile(r"varchar\((\d+)\)")
_SIMPLE_TYPES = {
    # logical type: (Spark type, DuckDB type, Redshift type)
    "bigint": (T.LongType(), "BIGINT", "BIGINT"),
    "int": (T.IntegerType(), "INTEGER", "INTEGER"),
    "smallint": (T.ShortType(), "SMALLINT", "SMALLINT"),
    "boolean": (T.BooleanType(), "BOOLEAN", "BOOLEAN"),
    "date": (T.DateType(), "DATE", "DATE"),
    # Wall-clock time without a zone (airport local time, ERP timestamps): Spark TIMESTAMP_NTZ,
    # written as Parquet INT64 micros with isAdjustedToUTC=false.
    "timestamp": (T.TimestampNTZType(), "TIMESTAMP", "TIMESTAMP"),
    "double": (T.DoubleType(), "DOUBLE", "DOUBLE PRECISION"),
}


def spark_type(logical: str) -> T.DataType:
    """Spark type of a logical column type (``int``, ``varchar(64)``, ``decimal(19,4)`` …)."""
    logical = logical.lower()
    if logical in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[logical][0]
    if m := _DECIMAL.fullmatch(logical):
        return T.DecimalType(int(m[1]), int(m[2]))
    if _VARCHAR.fullmatch(logical):
        return T.StringType()
    raise ValueError(f"unknown logical type {logical!r}")


def warehouse_type(logical: str, dialect: Literal["duckdb", "redshift"]) -> str:
    """SQL type of a logical column type in one warehouse dialect."""
    logical = logical.lower()
    if logical in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[logical][1 if dialect == "duckdb" else 2]
    if m := _DECIMAL.fullmatch(logical):
        return f"DECIMAL({m[1]},{m[2]})"
    if m := _VARCHAR.fullmatch(logical):
        return f"VARCHAR({m[1]})"
    raise ValueError(f"unknown logical type {logical!r}")


def varchar_bytes(logical: str) -> int | None:
    """Byte limit of a ``varchar(n)`` column (Redshift counts bytes, not characters)."""
    m = _VARCHAR.fullmatch(logical.lower())
    return int(m[1]) if m else None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    """``column`` references ``table.column``; unresolved lookups carry ``UNKNOWN_KEY``."""

    column: str
    table: str
    ref_column: str


# ---- declarative quality checks (compiled to Spark columns in transforms.quality) ----


@dataclass(frozen=True)
class AcceptedValues:
    column: str
    values: tuple
    severity: Severity = "blocking"

    @property
    def name(self) -> str:
        return f"accepted_values({self.column})"


@dataclass(frozen=True)
class InRange:
    column: str
    min: float | int | None = None
    max: float | int | None = None
    severity: Severity = "blocking"

    @property
    def name(self) -> str:
        return f"range({self.column}, {self.min}..{self.max})"


@dataclass(frozen=True)
class Expression:
    """A row-level rule as a Spark SQL boolean expression that must hold (null counts as holding)."""

    rule: str
    sql: str
    severity: Severity = "blocking"

    @property
    def name(self) -> str:
        return self.rule


Check = AcceptedValues | InRange | Expression


@dataclass(frozen=True)
class TableSpec:
    name: str
    grain: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    natural_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    partition_by: tuple[str, ...] = ()
    load_mode: LoadMode = "merge"
    diststyle: Literal["ALL", "EVEN", "KEY", "AUTO"] = "AUTO"
    distkey: str | None = None
    sortkey: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        referenced = [*self.primary_key, *self.natural_key, *self.partition_by, *self.sortkey]
        referenced += [fk.column for fk in self.foreign_keys]
        if self.distkey:
            referenced.append(self.distkey)
        if missing := sorted(set(referenced) - set(names)):
            raise ValueError(f"{self.name}: keys name unknown columns {missing}")
        if self.diststyle == "KEY" and not self.distkey:
            raise ValueError(f"{self.name}: DISTSTYLE KEY needs a distkey")
        if self.load_mode == "replace_partitions" and not self.partition_by:
            raise ValueError(f"{self.name}: replace_partitions needs partition_by")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def spark_schema(self) -> T.StructType:
        """The exact schema the transform output must have before it is written."""
        return T.StructType(
            [T.StructField(c.name, spark_type(c.type), c.nullable) for c in self.columns]
        )


# ---- raw source layouts ----


@dataclass(frozen=True)
class RawField:
    """One column of a raw file as it arrives. ``type`` is the logical type it must parse to."""

    name: str
    type: str = "varchar(65535)"
    required: bool = False
    decimal_separator: str = "."
    timestamp_format: str | None = None


@dataclass(frozen=True)
class RawCsv:
    """The layout of one delimited source file: the header it must have and how to parse it.

    ``max_record_bytes``: a record (line) longer than this is quarantined unparsed as malformed;
    it is also the CSV parser's field-size limit, so that no single line can make the parser
    fail the run. 1 MiB is far beyond any real row (a Redshift VARCHAR holds at most 65,535
    bytes) and small enough for the buffer the parser allocates at that size."""

    name: str
    fields: tuple[RawField, ...]
    delimiter: str = ","
    quote: str = '"'
    null_tokens: tuple[str, ...] = ("",)
    encoding: str = "UTF-8"
    multiline: bool = False
    trim: bool = True
    file_glob: str = field(default="")
    max_record_bytes: int = 1 << 20

    @property
    def header(self) -> list[str]:
        return [f.name for f in self.fields]

    def string_schema(self, corrupt_column: str) -> T.StructType:
        """Every field as text plus the corrupt-record column: parsing happens after reading,
        so a bad value becomes a quarantined row with a reason instead of a silent null."""
        return T.StructType(
            [T.StructField(f.name, T.StringType(), True) for f in self.fields]
            + [T.StructField(corrupt_column, T.StringType(), True)]
        )
