"""Shared transform tail for every pipeline: write curated Parquet and quarantine, run the
quality gates, and publish the run manifest only when no blocking rule failed.

Curated output of a run goes to ``<lake>/curated/<table>/run_id=<run_id>/…``: a run never
overwrites files another manifest lists, so a crash mid-write cannot damage what is published,
and a retried run starts clean. The manifest is the commit point.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.faults import crash_point
from jobs.manifest import (
    Landing,
    RunManifest,
    SourceCount,
    TableOutput,
    copy_manifest,
    publish,
)
from schemas.common import QUARANTINE, QUARANTINE_SCHEMA, QUARANTINE_TEXT_CHARS
from schemas.spec import RUN_ID, UNKNOWN_KEY, TableSpec
from transforms.contract import enforce_contract
from transforms.quality import (
    QualityResult,
    duplicated_keys,
    reconciliation,
    row_rules,
)

log = logging.getLogger(__name__)

SAMPLE_SIZE = 5
# Rows per Parquet file of a partitioned table: each partition (e.g. a month of flights) is
# written by one task, so it gets full files of this many rows and one smaller last file. At
# the flights fact's ~36 bytes a row that is ~140 MB a file (Redshift COPY and readers want
# 64 MB-1 GB); a table with rows as wide as ~250 bytes still stays under 1 GB.
MAX_ROWS_PER_FILE = 4_000_000


class QualityGateError(RuntimeError):
    """A blocking quality rule failed: nothing was published."""

    def __init__(self, results: list[QualityResult]):
        self.results = results
        failed = [r.describe(warnings_block=True) for r in results]
        super().__init__("quality gate failed, run not published:\n  " + "\n  ".join(failed))


@dataclass
class SourceRows:
    """Rows read from one source and the table its good rows end up in (for reconciliation)."""

    source: str
    table: str
    rows_in: int


@dataclass
class TransformOutput:
    tables: dict[str, tuple[TableSpec, DataFrame]]
    quarantine: DataFrame  # QUARANTINE_SCHEMA
    sources: list[SourceRows]
    # Table-level rules the spec language cannot state (e.g. eurostat's age bands summing to
    # TOTAL), computed by the pipeline's job; gated and reported with the specs' own results.
    checks: list[QualityResult] = field(default_factory=list)


def work_uri(landing: Landing) -> str:
    """Scratch space of one run's transform, removed when the transform ends (published or not)."""
    return landing.layout.work(landing.pipeline, landing.run_id)


def stage_parquet(spark: SparkSession, df: DataFrame, landing: Landing, name: str) -> DataFrame:
    """Materialise an intermediate result that several outputs read (e.g. the parsed source rows)
    as Parquet in the run's scratch space, and read it back.

    Cheaper than ``persist()`` here: writing Parquet costs about half of building Spark's
    compressed in-memory cache for a 35-column result, the readers then take only the columns
    they need, the row count comes from the file footers, and it scales past memory on any
    runtime (local disk or S3)."""
    uri = landing.layout.work(landing.pipeline, landing.run_id, name)
    df.write.mode("overwrite").parquet(lake.spark_path(uri))
    return spark.read.parquet(lake.spark_path(uri))


def write_table(df: DataFrame, spec: TableSpec, uri: str, *, small: bool = False,
                run_id: str | None = None) -> list[dict]:
    """Write one table as Parquet in the contract's column order and return its files. Every
    table passes the contract gate first (``enforce_contract``: exact columns, order and types).

    Partition folders are named ``p_<column>`` and the column itself stays in every file:
    Redshift COPY maps Parquet columns by position and needs all of them."""
    if run_id is not None and RUN_ID in spec.column_names and RUN_ID not in df.columns:
        df = df.withColumn(RUN_ID, F.lit(run_id))  # the audit column: the run that wrote the row
    df = enforce_contract(df, spec)
    out = df.coalesce(1) if small else df
    partition_columns = [f"p_{c}" for c in spec.partition_by]
    for column in spec.partition_by:
        out = out.withColumn(f"p_{column}", F.col(column))
    if partition_columns and not small:
        # All rows of a partition in one task: a partition gets a few large files instead of a
        # small file from every task whose input touched it (one shuffle of the table's rows).
        out = out.repartition(*partition_columns)
    writer = out.write.mode("overwrite").option("compression", "snappy")
    if partition_columns:
        writer = writer.partitionBy(*partition_columns).option("maxRecordsPerFile", MAX_ROWS_PER_FILE)
    writer.parquet(lake.spark_path(uri))
    return [{"uri": f.uri, "size": f.size} for f in lake.list_files(uri, ".parquet")]


def _read_back(spark: SparkSession, spec: TableSpec, files: list[dict]) -> DataFrame:
    if not files:
        return spark.createDataFrame([], spec.spark_schema())
    return spark.read.schema(spec.spark_schema()).parquet(*[lake.spark_path(f["uri"]) for f in files])


def check_table(df: DataFrame, spec: TableSpec) -> tuple[int, int, list[QualityResult]]:
    """Evaluate every row rule of one table in a single aggregation (row count, unknown members,
    each rule), then the uniqueness of the primary and natural keys, each by a shuffle of one
    64-bit value per row. Samples are fetched only for failed rules.
    Returns (rows, unknown-member rows, results)."""
    rules = row_rules(spec)
    keys = [(f"unique({', '.join(k)})", k) for k in (spec.primary_key, spec.natural_key) if k]
    aggregates = [F.count(F.lit(1)).alias("rows"),
                  F.sum(F.when(F.col(spec.primary_key[0]) == UNKNOWN_KEY, 1).otherwise(0)).alias("unknown")]
    aggregates += [F.sum(F.when(r.violated, 1).otherwise(0)).alias(f"r{i}") for i, r in enumerate(rules)]
    totals = df.agg(*aggregates).first()
    rows = int(totals["rows"])
    sample_cols = list(spec.natural_key or spec.primary_key)
    results = []
    for i, rule in enumerate(rules):
        failed = int(totals[f"r{i}"] or 0)
        sample = []
        if failed:
            found = df.filter(rule.violated).select(*sample_cols).limit(SAMPLE_SIZE).collect()
            sample = ["/".join(str(v) for v in row) for row in found]
        results.append(QualityResult(spec.name, rule.rule, rule.severity, failed, sample))
    for name, key in keys:
        # Rows beyond the first of each key value; null keys are the not-null rules' business.
        # A composite key is grouped by one 64-bit hash of its columns: distinct hashes imply
        # distinct keys, so no repeated hash proves uniqueness; a repeated hash is re-counted
        # exactly on the key columns below (a collision is not a duplicate).
        complete = reduce(lambda a, b: a & b, [F.col(c).isNotNull() for c in key])
        value = F.col(key[0]) if len(key) == 1 else F.xxhash64(*key)
        surplus = int(df.where(complete).groupBy(value.alias("v")).count().where(F.col("count") > 1)
                      .agg(F.sum(F.col("count") - 1)).first()[0] or 0)
        sample = []
        if surplus:
            dups = duplicated_keys(df.dropna(subset=list(key)), key).cache()
            surplus = int(dups.agg(F.sum(F.col("count") - 1)).first()[0] or 0)
            sample = ["/".join(str(v) for v in r[:-1]) for r in dups.limit(SAMPLE_SIZE).collect()]
            dups.unpersist()
        results.append(QualityResult(spec.name, name, "blocking", surplus, sample))
    return rows, int(totals["unknown"] or 0), results


def quarantine_table(spark: SparkSession, uri: str, run_id: str, pipeline: str) -> DataFrame:
    """The run's quarantine JSON as rows of the warehouse's ``quarantine`` table."""
    df = spark.read.schema(QUARANTINE_SCHEMA).json(lake.spark_path(uri))
    return df.select(
        F.lit(run_id).alias("run_id"), F.monotonically_increasing_id().alias("record_number"),
        F.lit(pipeline).alias("pipeline"), F.col("source"), F.col("source_file"),
        F.substring("raw_record", 1, QUARANTINE_TEXT_CHARS).alias("raw_record"),
        F.coalesce(F.length("raw_record") > QUARANTINE_TEXT_CHARS, F.lit(False)).alias("raw_record_truncated"),
        F.substring("reason", 1, 2000).alias("reason"))


def _reason_counts(spark: SparkSession, uri: str) -> dict[tuple[str, str], int]:
    df = spark.read.schema(QUARANTINE_SCHEMA).json(lake.spark_path(uri))
    # Group by the reason without the offending value: "X: not a valid int: 'abc'" -> "X: not a valid int"
    kind = F.regexp_replace(F.col("reason"), r":\s*'.*$", "")
    return {(r["source"], r["kind"]): r["count"]
            for r in df.groupBy("source", kind.alias("kind")).count().collect()}


def write_and_publish(
    spark: SparkSession, output: TransformOutput, *, landing: Landing,
    views: list[str], fail_on_warnings: bool = False, durations: dict[str, float] | None = None,
    started: float | None = None,
) -> RunManifest:
    """Write, check, then publish the manifest. On a blocking failure the run's curated files
    are removed and QualityGateError names table, rule, count and sample keys."""
    run_id, pipeline, layout = landing.run_id, landing.pipeline, landing.layout
    tables: dict[str, TableOutput] = {}
    results: list[QualityResult] = []
    unknown: dict[str, int] = {}
    try:
        for name, (spec, df) in output.tables.items():
            uri = layout.curated(name, run_id)
            log.info("[%s] writing %s", run_id, name)
            files = write_table(df, spec, uri, small=spec.load_mode == "merge", run_id=run_id)
            rows, unknown[name], checked = check_table(_read_back(spark, spec, files), spec)
            results += checked
            partitions = sorted({f["uri"].split(f"run_id={run_id}/", 1)[-1].rsplit("/", 1)[0]
                                 for f in files if spec.partition_by})
            tables[name] = TableOutput(name, spec.load_mode, rows, files, partitions)
            log.info("[%s] %s: %d rows in %d files, quality checked", run_id, name, rows, len(files))

        q_uri = layout.quarantine(pipeline, run_id)
        output.quarantine.write.mode("overwrite").json(lake.spark_path(q_uri))
        reasons = _reason_counts(spark, q_uri)
        # The quarantine as a warehouse table too, queryable beside the data (from the JSON just
        # written: the quarantine is not computed twice).
        q_rows = sum(reasons.values())
        files = (write_table(quarantine_table(spark, q_uri, run_id, pipeline), QUARANTINE,
                             layout.curated(QUARANTINE.name, run_id), small=True) if q_rows else [])
        tables[QUARANTINE.name] = TableOutput(QUARANTINE.name, QUARANTINE.load_mode, q_rows, files,
                                              [f"p_run_id={run_id}"] if files else [])
        sources = []
        for src in output.sources:
            table = tables[src.table]
            synthetic = unknown[src.table]  # a dimension's unknown member was not read from the source
            quarantined = sum(n for (s, _), n in reasons.items() if s == src.source)
            sources.append(SourceCount(
                src.source, src.table, src.rows_in, table.rows - synthetic, quarantined,
                {k: n for (s, k), n in sorted(reasons.items()) if s == src.source}))
            results.append(reconciliation(src.source, src.rows_in, table.rows - synthetic, quarantined))

        for name, (spec, _) in output.tables.items():
            if spec.load_mode == "replace_all" and not spec.allow_empty:
                empty = tables[name].rows - unknown[name] == 0
                results.append(QualityResult(
                    name, "not_empty (replace_all)", "blocking", int(empty),
                    note=("this run has no rows for it, and loading it would replace every row of the table "
                          "with none: refused (check the input; every record read was quarantined or the "
                          "file has none)") if empty else ""))

        results += output.checks
        blocking = [r for r in results if r.blocks or (fail_on_warnings and not r.passed)]
        if blocking:
            raise QualityGateError(blocking)
        crash_point("transform-written")
    except BaseException:
        for name in [*output.tables, QUARANTINE.name]:
            lake.delete_tree(layout.curated(name, run_id))
        raise

    for name, table in tables.items():
        table.copy_manifest = layout.copy_manifest(run_id, name)
        lake.write_text(table.copy_manifest, copy_manifest(table.files))
    manifest = RunManifest(
        run_id=run_id, pipeline=pipeline, lake=layout.root, inputs=landing.inputs, tables=tables,
        sources=sources, quality=[asdict(r) for r in results], quarantine_uri=q_uri, views=views,
        sample=landing.sample,
        durations={**(durations or {}),
                   **({"transform": round(time.monotonic() - started, 1)} if started is not None else {})},
    )
    publish(manifest)
    log.info("[%s] published %s", run_id, manifest.uri)
    return manifest
