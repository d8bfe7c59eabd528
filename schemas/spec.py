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

LoadMode = Literal["replace_all", "merge", "replace_partitions", "history"]
Severity = Literal["blocking", "warning"]

RUN_ID = "run_id"
"""Audit column every warehouse table carries: the run that wrote the row (added by the write
path, not by transforms)."""

UNKNOWN_KEY = -1
"""Surrogate key of every dimension's "unknown" member: facts never lose rows on a failed lookup."""

VALID_FROM = "valid_from"
VALID_TO = "valid_to"
"""The version interval of a ``history`` (SCD2) table: a row holds from ``valid_from`` (the vintage
that opened it, inclusive) until ``valid_to`` (the vintage that closed it, exclusive; null while
it is current). The as-of query is ``valid_from <= D AND (valid_to IS NULL OR valid_to > D)``."""

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
    # A run whose output of this table is empty: refused before publish when loading it would
    # empty the table (replace_all; a vendor re-send with no rows must not wipe the warehouse),
    # unless the spec says an empty replacement is a legitimate state.
    allow_empty: bool = False
    audit: bool = True  # append the run_id audit column (unless the spec declares run_id itself)
    # history (SCD2) only: which current rows a load may close (those whose scope values occur
    # in the loaded vintage; empty = the whole table) and which columns decide "changed"
    # (empty = every column outside the natural key, the primary key and valid_from/valid_to).
    history_scope: tuple[str, ...] = ()
    history_compare: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.audit and RUN_ID not in [c.name for c in self.columns]:
            object.__setattr__(self, "columns", (*self.columns, Column(
                RUN_ID, "varchar(64)", True, "Run that wrote this row (its manifest: _runs/<run_id>.json)")))
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
        if self.load_mode == "history":
            _check_history(self)
        elif self.history_scope or self.history_compare:
            raise ValueError(f"{self.name}: history_scope/history_compare need load_mode history")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def history_compared_columns(self) -> tuple[str, ...]:
        """The columns compared (null-safe) to decide whether a cell changed between vintages."""
        if self.history_compare:
            return self.history_compare
        fixed = {*self.natural_key, *self.primary_key, VALID_FROM, VALID_TO, RUN_ID}  # run_id: who wrote it
        return tuple(c for c in self.column_names if c not in fixed)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def content_columns(self) -> tuple[Column, ...]:
        """The columns a transform produces: all but the audit column the write path adds."""
        return tuple(c for c in self.columns if not (self.audit and c.name == RUN_ID))

    def spark_schema(self, *, audit: bool = True) -> T.StructType:
        """The exact schema of the table as written (``audit=False``: as a transform returns it)."""
        columns = self.columns if audit else self.content_columns
        return T.StructType([T.StructField(c.name, spark_type(c.type), c.nullable) for c in columns])


def dimension_spec(name: str, *, grain: str, columns: tuple[Column, ...], key: str,
                   natural_key: tuple[str, ...] = (), checks: tuple[Check, ...] = (),
                   description: str = "", foreign_keys: tuple[ForeignKey, ...] = ()) -> TableSpec:
    """A conformed dimension: one surrogate (or natural) key, merged by key on every load,
    replicated to every Redshift node (DISTSTYLE ALL) and sorted by its key."""
    return TableSpec(name=name, grain=grain, columns=columns, primary_key=(key,), natural_key=natural_key,
                     foreign_keys=foreign_keys, load_mode="merge", diststyle="ALL", sortkey=(key,),
                     checks=checks, description=description)


def _check_history(spec: TableSpec) -> None:
    """A history table identifies a cell by its natural key (non-null parts), versions it with
    ``valid_from`` (non-null date) and ``valid_to`` (nullable date), has something to compare,
    and its primary key tells versions apart (it includes ``valid_from``)."""
    names = set(spec.column_names)
    if not spec.natural_key:
        raise ValueError(f"{spec.name}: history needs a natural key (the cell a version belongs to)")
    for name, nullable in ((VALID_FROM, False), (VALID_TO, True)):
        if name not in names:
            raise ValueError(f"{spec.name}: history needs a {name} column")
        col = spec.column(name)
        if col.type != "date" or col.nullable != nullable:
            raise ValueError(f"{spec.name}: {name} must be a {'nullable' if nullable else 'NOT NULL'} date")
    if VALID_FROM in spec.natural_key or VALID_TO in spec.natural_key:
        raise ValueError(f"{spec.name}: the natural key names the cell, not its version (no valid_from/valid_to)")
    if VALID_FROM not in spec.primary_key:
        raise ValueError(f"{spec.name}: a history primary key must include {VALID_FROM} (one row per version)")
    if nullable := [k for k in spec.natural_key if spec.column(k).nullable]:
        raise ValueError(f"{spec.name}: natural key columns must be NOT NULL for history matching: {nullable}")
    if missing := sorted(set(spec.history_scope + spec.history_compare) - names):
        raise ValueError(f"{spec.name}: history_scope/history_compare name unknown columns {missing}")
    if stray := sorted(set(spec.history_scope) - set(spec.natural_key)):
        raise ValueError(f"{spec.name}: history_scope must be natural key columns, not {stray}")
    if keyed := sorted(set(spec.history_compare) & {*spec.natural_key, VALID_FROM, VALID_TO}):
        raise ValueError(f"{spec.name}: history_compare cannot compare key or validity columns {keyed}")
    if not spec.history_compared_columns:
        raise ValueError(f"{spec.name}: history has no column to compare")


# ---- raw source layouts ----

UPDATED_AT = "updated_at"
"""Change-tracking column of a source database table: the incremental extraction's watermark."""
EXTRACTED_AT = "extracted_at"
"""When the raw extract was taken (UTC), added to every raw Parquet extract."""


@dataclass(frozen=True)
class SourceTable:
    """One table of a source database (read by jobs.sources.postgres). ``columns`` are in the
    table's (or its CSV export's) column order; ``identity`` is a surrogate id the source database
    adds to a table that has no key of its own; rows changed since a watermark are found by the
    change-tracking column UPDATED_AT."""

    name: str
    csv_file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    identity: str | None = None

    @property
    def csv_header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def extract_columns(self) -> list[str]:
        """Columns read from the database, in raw Parquet order."""
        return [*([self.identity] if self.identity else []), *self.csv_header, UPDATED_AT]

    def raw_schema(self) -> T.StructType:
        """Explicit schema of the raw Parquet extract (database columns + extracted_at)."""
        fields = [T.StructField(self.identity, T.LongType(), False)] if self.identity else []
        fields += [T.StructField(c.name, spark_type(c.type), True) for c in self.columns]
        fields += [T.StructField(UPDATED_AT, T.TimestampNTZType(), True),
                   T.StructField(EXTRACTED_AT, T.TimestampNTZType(), True)]
        return T.StructType(fields)





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
