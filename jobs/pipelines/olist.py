"""olist wiring: extract changed rows from Olist's PostgreSQL with Spark JDBC (the land hook),
keep the lake's current-state snapshot, build the star, advance the watermarks after the load.

Lake layout (besides the shared ``_runs``, ``_landings``, ``curated``, ``quarantine``):

    <lake>/raw/olist/ingest_date=D/run_id=R/<table>/part-*.parquet   the extract (+ extracted_at)
    <lake>/_state/olist/extracts/<run_id>.json     what run R extracted: since, rows, high water
    <lake>/_state/olist/snapshot/run_id=R/<table>/  current state of every source table after R
    <lake>/_state/olist/snapshots/<run_id>.json    the snapshot files of run R, per table
    <lake>/_state/olist/watermarks.json            per table: newest updated_at loaded

A run builds on the snapshot of the latest *published* run and extracts the rows changed since
the watermarks of the *loaded* runs, minus a safety window; watermarks advance in ``on_loaded``,
after the warehouse committed. Everything here is plain ``spark.read`` / files in the lake, so it
behaves the same under spark-submit, EMR and Glue (no Glue job bookmarks involved).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.config import ConfigError, RunConfig
from jobs.manifest import InputFile, Landing, RunManifest, published_runs, write_landing
from jobs.pipelines import Pipeline
from jobs.publish import SourceRows, TransformOutput
from jobs.sources import InputError
from schemas.common import DIM_DATE, QUARANTINE_SCHEMA
from schemas.olist import (
    DIM_CUSTOMER,
    DIM_GEOLOCATION,
    DIM_PRODUCT,
    DIM_SELLER,
    EXTRACTED_AT,
    FACT_ORDER,
    FACT_ORDER_ITEM,
    FACT_ORDER_PAYMENT,
    FACT_ORDER_REVIEW,
    SOURCE_TABLES,
    SOURCES,
    TABLES,
    UPDATED_AT,
    VIEWS,
    SourceTable,
)
from transforms.olist import (
    affected_orders,
    build_dim_customer,
    build_dim_date_for,
    build_dim_geolocation,
    build_dim_product,
    build_dim_seller,
    build_fact_order,
    build_fact_order_item,
    build_fact_order_payment,
    build_fact_order_review,
    emit_changed,
    merge_snapshot,
    orphans,
    stage_rows,
)
from transforms.staging import SOURCE_FILE

log = logging.getLogger(__name__)
T = TypeVar("T")

PIPELINE_NAME = "olist"
STATE = ("_state", PIPELINE_NAME)
SNAPSHOT_SOURCE = "snapshot/"
# Children before parents: a child row visible when its table is read has its parent committed,
# so the later parent read sees it too (no false orphans); a parent read after its children may
# show children that came in meanwhile missing: the next run's overlap rebuilds that order.
# The tables of one wave are read concurrently (Spark runs the jobs of several threads at once).
EXTRACT_WAVES = (("order_items", "order_payments", "order_reviews"), ("orders",),
                 ("customers", "products", "sellers", "product_category_name_translation", "geolocation"))
EXTRACT_ORDER = tuple(name for wave in EXTRACT_WAVES for name in wave)
PARALLEL_TABLES = 4
_TS = "%Y-%m-%d %H:%M:%S.%f"


# ---- connection settings ----


@dataclass(frozen=True)
class PgSettings:
    """Where the source database is and how to read it. The password comes from the environment
    (CONSTELLATION_PG_PASSWORD / PGPASSWORD) or a Secrets Manager secret; it is never logged and
    never part of the JDBC URL."""

    host: str
    port: int = 5432
    database: str = "postgres"
    user: str = "postgres"
    schema: str = "olist"
    password: str | None = field(default=None, repr=False)
    max_partitions: int = 8
    rows_per_partition: int = 50_000
    fetch_size: int = 10_000
    overlap: timedelta = timedelta(minutes=60)
    full_refresh: bool = False
    since: datetime | None = None

    @property
    def url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.database}"

    def describe(self, table: str = "", since: datetime | None = None) -> str:
        """Where rows came from, for landing records and messages (no credentials)."""
        text = f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"
        if table:
            text += f"/{self.schema}.{table}"
        return text + (f"?{UPDATED_AT}>{since.isoformat()}" if since else "")

    def jdbc_options(self) -> dict[str, str]:
        options = {"url": self.url, "user": self.user, "driver": "org.postgresql.Driver",
                   "fetchsize": str(self.fetch_size), "preferTimestampNTZ": "true",
                   "sessionInitStatement": "set application_name = 'constellation-olist'"}
        if self.password:
            options["password"] = self.password
        return options

    @classmethod
    def from_options(cls, options: Mapping[str, object], environ: Mapping[str, str] | None = None) -> PgSettings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str | None = None) -> str | None:
            value = options.get(f"pg_{name}")
            return str(value) if value not in (None, "") else env.get(f"CONSTELLATION_PG_{name.upper()}", default)

        secret = _secret(get("secret_arn"), get("region")) if get("secret_arn") else {}
        host = get("host") or secret.get("host")
        if not host:
            raise ConfigError("olist reads PostgreSQL: give --pg-host (or CONSTELLATION_PG_HOST), and "
                              "--pg-port/--pg-database/--pg-user as needed")
        password = secret.get("password") or env.get("CONSTELLATION_PG_PASSWORD") or env.get("PGPASSWORD")
        since = options.get("since")
        try:
            settings = cls(
                host=host, port=int(get("port") or secret.get("port") or 5432),
                database=get("db") or secret.get("dbname") or "postgres",
                user=get("user") or secret.get("username") or "postgres",
                schema=get("schema", "olist"), password=password,
                max_partitions=int(get("partitions", "8")),
                overlap=timedelta(minutes=float(get("overlap_minutes", "60"))),
                full_refresh=str(options.get("full_refresh") or "false").lower() in ("true", "1", "yes"),
                since=datetime.fromisoformat(str(since)) if since else None,
            )
        except ValueError as exc:
            raise ConfigError(f"olist PostgreSQL settings: {exc}") from exc
        if settings.max_partitions < 1 or settings.overlap < timedelta(0):
            raise ConfigError("--pg-partitions must be >= 1 and --pg-overlap-minutes >= 0")
        return settings


def _secret(arn: str, region: str | None) -> dict:
    """An RDS-style Secrets Manager secret: username, password, host, port, dbname."""
    import boto3

    value = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=arn)["SecretString"]
    return json.loads(value)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    """olist's CLI options (each also read from CONSTELLATION_PG_<NAME>; no password option)."""
    def add(*flags: str, **kwargs: object) -> None:
        try:
            group.add_argument(*flags, **kwargs)
        except argparse.ArgumentError:  # another pipeline declared the same generic option
            pass

    add("--pg-host", help="PostgreSQL host of the olist source (env CONSTELLATION_PG_HOST)")
    add("--pg-port", help="port (default 5432; env CONSTELLATION_PG_PORT)")
    add("--pg-db", "--pg-database", dest="pg_db", help="database (env CONSTELLATION_PG_DB)")
    add("--pg-user", help="user (env CONSTELLATION_PG_USER); the password comes from "
                          "CONSTELLATION_PG_PASSWORD / PGPASSWORD or --pg-secret-arn")
    add("--pg-schema", help="schema holding the nine tables (default olist)")
    add("--pg-secret-arn", help="Secrets Manager secret (RDS format: username, password, host, port, dbname)")
    add("--pg-region", help="AWS region of the secret")
    add("--pg-partitions", help="most parallel JDBC reads per table (default 8)")
    add("--pg-overlap-minutes", help="safety window re-read before each watermark (default 60)")
    add("--full-refresh", nargs="?", const="true", default=None, metavar="true|false",
        help="ignore watermarks and snapshot: extract every row and replace the facts (Glue, whose "
             "job arguments all take a value: --full-refresh true)")
    add("--since", help="extract rows changed since this moment (YYYY-MM-DD[ HH:MM]) instead of the watermarks")


# ---- lake state ----


def state_uri(lake_uri: str, *parts: str) -> str:
    return lake.join(lake_uri, *STATE, *parts)


def extract_record_uri(lake_uri: str, run_id: str) -> str:
    return state_uri(lake_uri, "extracts", f"{run_id}.json")


def snapshot_index_uri(lake_uri: str, run_id: str) -> str:
    return state_uri(lake_uri, "snapshots", f"{run_id}.json")


def watermarks_uri(lake_uri: str) -> str:
    return state_uri(lake_uri, "watermarks.json")


def read_watermarks(lake_uri: str) -> dict[str, dict]:
    uri = watermarks_uri(lake_uri)
    return json.loads(lake.read_text(uri))["tables"] if lake.exists(uri) else {}


def base_snapshot(lake_uri: str) -> tuple[str, dict[str, list[dict]]] | None:
    """The snapshot of the latest published run: (run id, table -> files), or None (full run)."""
    runs = published_runs(lake_uri, PIPELINE_NAME)
    if not runs:
        return None
    index = snapshot_index_uri(lake_uri, runs[-1].run_id)
    if not lake.exists(index):
        log.warning("published run %s has no snapshot index: extracting everything", runs[-1].run_id)
        return None
    return runs[-1].run_id, json.loads(lake.read_text(index))["tables"]


def lake_root(landing: Landing) -> str:
    """The lake a landing belongs to (its extracts live under <lake>/raw/olist/)."""
    marker = f"/raw/{PIPELINE_NAME}/"
    for f in landing.inputs:
        if marker in f.uri:
            return f.uri.split(marker, 1)[0]
    raise InputError(f"landing {landing.run_id} lists no extract under */raw/{PIPELINE_NAME}/")


# ---- land: Spark JDBC extraction ----


def check_reachable(pg: PgSettings, timeout: float = 5.0) -> None:
    """Fail fast, with a clear message, when nothing listens at the configured address."""
    try:
        socket.create_connection((pg.host, pg.port), timeout=timeout).close()
    except OSError as exc:
        raise InputError(f"PostgreSQL is unreachable at {pg.host}:{pg.port} ({exc}); check --pg-host/"
                         "--pg-port or CONSTELLATION_PG_HOST/PORT. Nothing was extracted or published.") from exc


def _jdbc(spark: SparkSession, pg: PgSettings):
    reader = spark.read.format("jdbc")
    for key, value in pg.jdbc_options().items():
        reader = reader.option(key, value)
    return reader


def _partition_expr(table: SourceTable) -> str:
    """A numeric column to split the read on: the table's identity, else 28 bits of the md5 of
    its key (uniform, so equal-width ranges hold equal row counts)."""
    if table.identity:
        return table.identity
    key = ", ".join(f"{k}::text" for k in table.key)
    return f"('x' || substr(md5(concat_ws('|', {key})), 1, 7))::bit(28)::int"


def extract_query(pg: PgSettings, table: SourceTable, since: datetime | None) -> str:
    where = f" where {UPDATED_AT} > timestamp '{since.strftime(_TS)}'" if since else ""
    return (f"select {', '.join(table.extract_columns)}, {_partition_expr(table)} as _part "
            f"from {pg.schema}.{table.name}{where}")


def extract_table(spark: SparkSession, pg: PgSettings, table: SourceTable, *, since: datetime | None,
                  out_uri: str, extracted_at: datetime) -> dict:
    """Read one table's changed rows with parallel JDBC range reads and write them as Parquet.
    Bounds, the partition count and the high water come from one cheap min/max/count query run
    just before the read: a row changed in between is read but stays above the recorded high
    water, so the next run reads it again (harmless: snapshots merge by key)."""
    query = extract_query(pg, table, since)
    stats = _jdbc(spark, pg).option(
        "query", f"select count(*) as n, min(_part) as lo, max(_part) as hi, max({UPDATED_AT}) as hw "
                 f"from ({query}) s").load().first()
    rows = int(stats["n"])
    parts = max(1, min(pg.max_partitions, -(-rows // pg.rows_per_partition)))
    reader = _jdbc(spark, pg).option("dbtable", f"({query}) as src")
    if parts > 1:
        reader = (reader.option("partitionColumn", "_part").option("lowerBound", str(stats["lo"]))
                  .option("upperBound", str(int(stats["hi"]) + 1)).option("numPartitions", str(parts)))
    schema = table.raw_schema()
    df = reader.load().select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields if f.name != EXTRACTED_AT],
        F.lit(extracted_at).cast("timestamp_ntz").alias(EXTRACTED_AT))
    df.write.mode("overwrite").option("compression", "snappy").parquet(lake.spark_path(out_uri))
    log.info("extracted %s: %d rows in %d partition(s) since %s", table.name, rows, parts,
             since.isoformat() if since else "the beginning")
    return {"since": since.isoformat() if since else None, "rows": rows, "partitions": parts,
            "high_water": stats["hw"].isoformat(timespec="microseconds") if stats["hw"] else None}


def extraction_start(pg: PgSettings, mark: dict | None, *, has_base: bool) -> datetime | None:
    """Where a table's extract starts (rows with updated_at after it are read): everything on a
    full refresh or when no snapshot exists to build on (first run; --since is then ignored, a
    partial extract cannot stand for the whole table); else --since; else the watermark minus
    the safety window, which must exceed the longest write transaction of
    the source (a row stamped at its transaction's start becomes visible only at its commit);
    everything when no watermark was stored yet."""
    if pg.full_refresh or not has_base:
        return None
    if pg.since:
        return pg.since
    if not mark or not mark.get("high_water"):
        return None
    return datetime.fromisoformat(mark["high_water"]) - pg.overlap


def in_parallel(fn: Callable[[str], T], names: Sequence[str]) -> list[T]:
    """``fn`` over ``names`` in a few threads (small Spark jobs are latency-bound: running them side
    by side uses the cores); results in the order of ``names``, the first error re-raised."""
    if len(names) == 1:
        return [fn(names[0])]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_TABLES, len(names))) as pool:
        return list(pool.map(fn, names))


def _input(source: str, uri: str, original: str, size: int) -> InputFile:
    return InputFile(source=source, uri=uri, original_uri=original, size=size, sha256=lake.sha256(uri))


def land(cfg: RunConfig) -> Landing:
    """The land hook: extract every table's changed rows to the raw zone and list them, plus the
    snapshot files the run builds on, in the landing record. Fails before writing the record
    (so nothing becomes visible) when the database is unreachable or a read fails."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    from jobs.spark import get_spark

    pg = PgSettings.from_options(cfg.options)
    check_reachable(pg)
    base = None if pg.full_refresh else base_snapshot(cfg.lake)
    marks = read_watermarks(cfg.lake) if base else {}
    spark = get_spark(f"constellation-{PIPELINE_NAME}")
    extracted_at = datetime.now(UTC).replace(tzinfo=None)
    raw_dir = lake.join(cfg.lake, "raw", PIPELINE_NAME, f"ingest_date={cfg.run_date.isoformat()}",
                        f"run_id={cfg.run_id}")
    record: dict = {"run_id": cfg.run_id, "source": pg.describe(), "base_snapshot_run": base[0] if base else None,
                    "full": base is None, "extracted_at": extracted_at.isoformat(), "tables": {}}
    inputs: list[InputFile] = []
    log.info("[%s] extracting from %s (%s)", cfg.run_id, pg.describe(),
             f"building on run {base[0]}" if base else "full extract")
    def extract(name: str) -> list[InputFile]:
        base_files = (base[1].get(name) if base else None) or []
        since = extraction_start(pg, marks.get(name), has_base=bool(base_files))
        out_uri = lake.join(raw_dir, name)
        try:
            info = extract_table(spark, pg, SOURCES[name], since=since, out_uri=out_uri, extracted_at=extracted_at)
        except (Py4JJavaError, CapturedException) as exc:
            first = str(exc).strip().splitlines()[0][:500]
            raise InputError(f"extracting {pg.schema}.{name} from {pg.describe()} failed: {first}") from exc
        if not info["high_water"] and marks.get(name):  # nothing changed: keep the old watermark
            info["high_water"] = marks[name].get("high_water")
        record["tables"][name] = info
        return ([_input(name, f.uri, pg.describe(name, since), f.size) for f in lake.list_files(out_uri, ".parquet")]
                + [_input(SNAPSHOT_SOURCE + name, f["uri"], f"snapshot of run {base[0]}", f["size"])
                   for f in base_files])

    for wave in EXTRACT_WAVES:
        for files in in_parallel(extract, wave):
            inputs += files
    record["tables"] = {name: record["tables"][name] for name in EXTRACT_ORDER}
    lake.write_text(extract_record_uri(cfg.lake, cfg.run_id), json.dumps(record, indent=2))
    landing = Landing(run_id=cfg.run_id, pipeline=PIPELINE_NAME, ingest_date=cfg.run_date.isoformat(),
                      inputs=inputs, lake=cfg.lake)
    write_landing(cfg.lake, landing)
    return landing


# ---- transform ----


def _read(spark: SparkSession, files: list[str], table: SourceTable) -> DataFrame:
    schema = table.raw_schema()
    if not files:
        return spark.createDataFrame([], schema)
    return spark.read.schema(schema).parquet(*[lake.spark_path(f) for f in files])


def _snapshot(spark: SparkSession, landing: Landing, root: str, table: SourceTable, good: DataFrame,
              delta_rows: int) -> list[dict]:
    """Fold the accepted delta into the table's snapshot and write it (unchanged tables keep
    their previous files). Returns the snapshot's files."""
    base_inputs = [f for f in landing.inputs if f.source == SNAPSHOT_SOURCE + table.name]
    if base_inputs and delta_rows == 0:
        return [{"uri": f.uri, "size": f.size} for f in base_inputs]
    base = _read(spark, [f.uri for f in base_inputs], table)
    merged = merge_snapshot(base, good.drop(SOURCE_FILE), table.key)
    uri = state_uri(root, "snapshot", f"run_id={landing.run_id}", table.name)
    merged.write.mode("overwrite").option("compression", "snappy").parquet(lake.spark_path(uri))
    return [{"uri": f.uri, "size": f.size} for f in lake.list_files(uri, ".parquet")]


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    """The run's star: dims with one row per changed member (plus the unknown member), facts with
    one row per order line / payment / review / order of every affected order, dim_date for
    the days they cover. Stages the extract, folds it into the snapshot (written before the
    manifest: a run that is never published leaves an unreferenced snapshot), then builds from
    the snapshot. A landing without snapshot inputs is a full extract: facts replace_all."""
    root = lake_root(landing)
    full = not any(f.source.startswith(SNAPSHOT_SOURCE) for f in landing.inputs)
    changed: dict[str, DataFrame] = {}
    snaps: dict[str, DataFrame] = {}
    read: dict[str, int] = {}
    rejects: dict[str, DataFrame] = {}
    index: dict[str, list[dict]] = {}

    def stage(name: str) -> None:
        table = SOURCES[name]
        delta = _read(spark, landing.files(name), table).withColumn(SOURCE_FILE, F.col("_metadata.file_path"))
        good, bad = stage_rows(delta, table)
        changed[name], rejects[name] = good.cache(), bad
        read[name] = delta.count()
        index[name] = _snapshot(spark, landing, root, table, changed[name], read[name])
        snaps[name] = _read(spark, [f["uri"] for f in index[name]], table)
        log.info("[%s] %s: %d rows extracted", landing.run_id, name, read[name])

    in_parallel(stage, [t.name for t in SOURCE_TABLES])
    lake.write_text(snapshot_index_uri(root, landing.run_id), json.dumps(
        {"run_id": landing.run_id, "tables": {t.name: index[t.name] for t in SOURCE_TABLES}}, indent=2))

    dim_customer = build_dim_customer(snaps["customers"]).cache()
    dim_seller = build_dim_seller(snaps["sellers"]).cache()
    dim_product = build_dim_product(snaps["products"], snaps["product_category_name_translation"]).cache()
    affected = affected_orders(snaps["orders"], snaps["order_items"], changed).cache()

    def of_affected(name: str) -> DataFrame:
        return snaps[name].join(affected, "order_id", "left_semi")

    orders, items, payments, reviews = (of_affected(n) for n in ("orders", "order_items", "order_payments",
                                                                  "order_reviews"))
    fact_order = build_fact_order(orders, items, payments, reviews, dim_customer)
    fact_item = build_fact_order_item(items, orders, dim_product, dim_seller, dim_customer)
    fact_payment = build_fact_order_payment(payments, orders, dim_customer)
    fact_review = build_fact_order_review(reviews, orders)

    recategorised = snaps["products"].join(
        changed["product_category_name_translation"].select("product_category_name"), "product_category_name",
        "left_semi").select("product_id")
    product_ids = changed["products"].select("product_id").unionByName(recategorised)
    geo_zips = changed["geolocation"].select("geolocation_zip_code_prefix").distinct()
    dims = {
        DIM_CUSTOMER: emit_changed(dim_customer, changed["customers"], id_column="customer_id"),
        DIM_SELLER: emit_changed(dim_seller, changed["sellers"], id_column="seller_id"),
        DIM_PRODUCT: emit_changed(dim_product, product_ids, id_column="product_id"),
        DIM_GEOLOCATION: build_dim_geolocation(
            snaps["geolocation"].join(geo_zips, "geolocation_zip_code_prefix", "left_semi")),
    }
    facts = {FACT_ORDER: fact_order, FACT_ORDER_ITEM: fact_item, FACT_ORDER_PAYMENT: fact_payment,
             FACT_ORDER_REVIEW: fact_review}
    if full:  # a full extract replaces the facts (rows deleted at the source disappear too)
        facts = {replace(spec, load_mode="replace_all"): df for spec, df in facts.items()}

    quarantine = spark.createDataFrame([], QUARANTINE_SCHEMA)
    for table in SOURCE_TABLES:
        quarantine = quarantine.unionByName(rejects[table.name])
    for child in ("order_items", "order_payments", "order_reviews"):
        quarantine = quarantine.unionByName(orphans(changed[child], snaps["orders"], source=child))

    # Rows processed without having changed: rows of affected orders re-read from the snapshot,
    # products re-emitted for a changed category translation (one job for all counts).
    unchanged = recategorised.join(changed["products"].select("product_id"), "product_id", "left_anti") \
        .distinct().select(F.lit("products").alias("source"))
    for name in ("orders", "order_items", "order_payments", "order_reviews"):
        key = list(SOURCES[name].key)
        unchanged = unchanged.unionByName(of_affected(name).join(changed[name].select(*key), key, "left_anti")
                                          .select(F.lit(name).alias("source")))
    reread = {r["source"]: r["count"] for r in unchanged.groupBy("source").count().collect()}
    sources = [SourceRows(name, spec.name, read[name] + reread.get(name, 0)) for name, spec in (
        ("customers", DIM_CUSTOMER), ("sellers", DIM_SELLER), ("products", DIM_PRODUCT), ("orders", FACT_ORDER),
        ("order_items", FACT_ORDER_ITEM), ("order_payments", FACT_ORDER_PAYMENT),
        ("order_reviews", FACT_ORDER_REVIEW))]
    tables = {DIM_DATE.name: (DIM_DATE, build_dim_date_for(fact_order, fact_review))}
    tables |= {spec.name: (spec, df) for spec, df in {**dims, **facts}.items()}
    log.info("[%s] %s run: building the star for the changed orders", landing.run_id,
             "full" if full else "incremental")
    return TransformOutput(tables=tables, quarantine=quarantine, sources=sources)


# ---- after the load ----


def on_loaded(cfg: RunConfig, manifest: RunManifest) -> None:
    """Advance each table's watermark to the newest ``updated_at`` the loaded run extracted
    (never backwards). Called once the run's load committed, for every published run: idempotent."""
    record_uri = extract_record_uri(cfg.lake, manifest.run_id)
    if not lake.exists(record_uri):
        return
    record = json.loads(lake.read_text(record_uri))
    marks = read_watermarks(cfg.lake)
    moved = False
    for table, info in record["tables"].items():
        high = info.get("high_water")
        if high and (table not in marks or high > marks[table]["high_water"]):
            marks[table] = {"high_water": high, "run_id": manifest.run_id}
            moved = True
    if moved:
        lake.write_text(watermarks_uri(cfg.lake), json.dumps(
            {"pipeline": PIPELINE_NAME, "updated_at": datetime.now(UTC).isoformat(), "tables": marks}, indent=2))
        log.info("[%s] watermarks advanced: %s", manifest.run_id,
                 ", ".join(f"{t} {m['high_water']}" for t, m in sorted(marks.items())))


def _generate(out_dir: str, *, scale: float, seed: int) -> object:
    from samples.olist import generate_olist

    return generate_olist(out_dir, scale=scale, seed=seed)


PIPELINE = Pipeline(
    name=PIPELINE_NAME,
    description="Olist Brazilian e-commerce from PostgreSQL, extracted incrementally with Spark JDBC",
    tables=TABLES,
    views=VIEWS,
    sources=(),
    transform=transform,
    generate_sample=_generate,
    land=land,
    add_arguments=add_arguments,
    on_loaded=on_loaded,
)
