"""Contracts shared by every pipeline: the conformed date dimension, the load ledger and the
quarantine record."""

from pyspark.sql import types as T

from schemas.spec import Column, InRange, TableSpec, dimension_spec

QUARANTINE_SCHEMA = T.StructType([
    T.StructField("source", T.StringType()),        # the source the record was read from
    T.StructField("source_file", T.StringType()),   # the landed file (or extract) it came from
    T.StructField("raw_record", T.StringType()),    # the record as received (text or JSON of its values)
    T.StructField("reason", T.StringType()),        # why it was refused
])
"""One quarantined record, for every pipeline; built only by transforms.staging.quarantine_records."""

DIM_DATE = dimension_spec(
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
    key="date_key",
    natural_key=("full_date",),
    checks=(InRange("day_of_week", 1, 7), InRange("month", 1, 12)),
)

LOAD_LEDGER = TableSpec(
    name="load_ledger",
    grain="One row per (run, table) loaded into the warehouse, and one per run that failed to load.",
    description="Written in the same transaction as the data: a run is loaded exactly when it is here "
                "with status loaded. A run that failed has a row with table_name '*' and the reason; it "
                "is skipped by later loads until retried with --steps load --run-id R.",
    columns=(
        Column("run_id", "varchar(64)", False, "Run that produced the data"),
        Column("pipeline", "varchar(32)", False, "Pipeline name"),
        Column("table_name", "varchar(64)", False, "Warehouse table loaded"),
        Column("load_mode", "varchar(20)", False, "replace_all, merge, replace_partitions or history"),
        Column("rows_loaded", "bigint", False, "Rows inserted by this load"),
        Column("manifest_uri", "varchar(1024)", False, "Run manifest the files were taken from"),
        Column("loaded_at", "timestamp", False, "Loader clock (UTC) when the load transaction ran"),
        Column("status", "varchar(10)", True, "loaded, or failed (table_name '*': the run could not be loaded; "
                                              "null in ledgers written before this column = loaded)"),
        Column("error", "varchar(1024)", True, "Why a failed run could not be loaded (first line)"),
    ),
    primary_key=("run_id", "table_name"),
    audit=False,
    load_mode="merge",
    diststyle="ALL",
    sortkey=("loaded_at",),
)

QUARANTINE_TEXT_CHARS = 16_000
"""Characters of a quarantined record kept in the warehouse table (16,000 UTF-8 characters are at
most 64,000 bytes, inside Redshift's VARCHAR(65535)); the lake's quarantine JSON keeps it whole."""

QUARANTINE = TableSpec(
    name="quarantine",
    grain="One row per record a run refused, with the reason; key (run_id, record_number).",
    description="Every record a run read and did not load, queryable beside the data. Loaded with the run "
                "(its rows replace the run's earlier rows). The full record is in the lake's "
                "quarantine/<pipeline>/run_id=R/ JSON.",
    columns=(
        Column("run_id", "varchar(64)", False, "Run that read and refused the record"),
        Column("record_number", "bigint", False, "Number of the record within the run's quarantine"),
        Column("pipeline", "varchar(32)", False, "Pipeline name"),
        Column("source", "varchar(64)", False, "Source the record was read from"),
        Column("source_file", "varchar(1024)", True, "Landed file (or extract) it came from"),
        Column("raw_record", "varchar(65535)", True,
               f"The record as received (its first {QUARANTINE_TEXT_CHARS:,} characters)"),
        Column("raw_record_truncated", "boolean", False, "The record was longer than what is kept here"),
        Column("reason", "varchar(2048)", False, "Why it was refused"),
    ),
    primary_key=("run_id", "record_number"),
    partition_by=("run_id",),
    load_mode="replace_partitions",
    diststyle="EVEN",
    sortkey=("run_id",),
    allow_empty=True,
)
