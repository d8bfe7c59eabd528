"""Contracts shared by every pipeline: the conformed date dimension, the load ledger and the
quarantine record."""

from pyspark.sql import types as T

from schemas.spec import Column, InRange, TableSpec

QUARANTINE_SCHEMA = T.StructType([
    T.StructField("source", T.StringType()),        # the source the record was read from
    T.StructField("source_file", T.StringType()),   # the landed file (or extract) it came from
    T.StructField("raw_record", T.StringType()),    # the record as received (text or JSON of its values)
    T.StructField("reason", T.StringType()),        # why it was refused
])
"""One quarantined record, for every pipeline; built only by transforms.staging.quarantine_records."""

DIM_DATE = TableSpec(
    name="dim_date",
    grain="One row per calendar day; key date_key = yyyymmdd (-1 = unknown date).",
    description="Conformed calendar shared by every pipeline; each run merges the days it covers.",
    columns=(
        Column("date_key", "int", False, "yyyymmdd as an integer; -1 for the unknown member"),
        Column("full_date", "date", True, "The calendar day (null for the unknown member)"),
        Column("year", "smallint", True, "Calendar year"),
        Column("quarter", "smallint", True, "Calendar quarter 1-4"),
        Column("month", "smallint", True, "Month 1-12"),
        Column("month_name", "varchar(9)", False, "January … December; 'Unknown'"),
        Column("day_of_month", "smallint", True, "Day 1-31"),
        Column("day_of_week", "smallint", True, "ISO day of week, 1 = Monday … 7 = Sunday"),
        Column("day_name", "varchar(9)", False, "Monday … Sunday; 'Unknown'"),
        Column("iso_week", "smallint", True, "ISO 8601 week number"),
        Column("is_weekend", "boolean", True, "Saturday or Sunday"),
    ),
    primary_key=("date_key",),
    natural_key=("full_date",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("date_key",),
    checks=(InRange("day_of_week", 1, 7), InRange("month", 1, 12)),
)

LOAD_LEDGER = TableSpec(
    name="load_ledger",
    grain="One row per (run, table) loaded into the warehouse.",
    description="Written in the same transaction as the data: a run is loaded exactly when it is here.",
    columns=(
        Column("run_id", "varchar(64)", False, "Run that produced the data"),
        Column("pipeline", "varchar(32)", False, "Pipeline name"),
        Column("table_name", "varchar(64)", False, "Warehouse table loaded"),
        Column("load_mode", "varchar(20)", False, "replace_all, merge, replace_partitions or history"),
        Column("rows_loaded", "bigint", False, "Rows inserted by this load"),
        Column("manifest_uri", "varchar(1024)", False, "Run manifest the files were taken from"),
        Column("loaded_at", "timestamp", False, "Loader clock (UTC) when the load transaction ran"),
    ),
    primary_key=("run_id", "table_name"),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("loaded_at",),
)
