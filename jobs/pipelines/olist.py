"""olist wiring: extract changed rows from Olist's PostgreSQL (the shared PostgreSQL source),
fold them into the lake's current-state snapshot, build the star (transforms.olist.build_star),
advance the watermarks after the load. Raw extracts land in the raw zone; the state lives under
the lake layout's ``_state/olist/`` (see jobs.sources.postgres)."""

from __future__ import annotations

import json
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.config import RunConfig
from jobs.manifest import Landing, RunManifest, write_landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput
from jobs.sources.files import sample_folder
from jobs.sources.postgres import (
    SNAPSHOT_SOURCE,
    IncrementalState,
    PgSettings,
    embedded_server,
    extract_changed,
    in_parallel,
    read_table,
)
from schemas.olist import (
    DIM_CUSTOMER,
    DIM_PRODUCT,
    DIM_SELLER,
    FACT_ORDER,
    FACT_ORDER_ITEM,
    FACT_ORDER_PAYMENT,
    FACT_ORDER_REVIEW,
    SOURCE_TABLES,
    SOURCES,
    TABLES,
    VIEWS,
)
from transforms.olist import build_star, merge_snapshot, stage_rows
from transforms.staging import SOURCE_FILE

log = logging.getLogger(__name__)
PIPELINE_NAME = "olist"
# Children before parents (see jobs.sources.postgres.extract_changed); one wave's tables at once.
EXTRACT_WAVES = (("order_items", "order_payments", "order_reviews"), ("orders",),
                 ("customers", "products", "sellers", "product_category_name_translation", "geolocation"))
EXTRACT_ORDER = tuple(name for wave in EXTRACT_WAVES for name in wave)
# Where each source's rows end up (reconciliation); geolocation and the category translation
# only enrich dimensions.
SOURCE_TABLE = {"customers": DIM_CUSTOMER, "sellers": DIM_SELLER, "products": DIM_PRODUCT, "orders": FACT_ORDER,
                "order_items": FACT_ORDER_ITEM, "order_payments": FACT_ORDER_PAYMENT,
                "order_reviews": FACT_ORDER_REVIEW}


class OlistSource(PgSettings):
    """The olist database: tables in schema ``olist`` by default."""

    default_schema = "olist"
    application_name = "constellation-olist"


def state(layout) -> IncrementalState:
    return IncrementalState(layout, PIPELINE_NAME)


SAMPLE_AS_OF = "2018-10-18 00:00"  # the sample database's rows predate the pipeline's first run


def land(cfg: RunConfig) -> Landing:
    """Extract every table's changed rows to the raw zone and list them, plus the snapshot files
    the run builds on, in the landing record (written last: a failed extract lands nothing).
    With no server named, the embedded local one holds the generated sample database."""
    if cfg.settings.host is None:
        with embedded_server(cfg.settings, name=PIPELINE_NAME) as pg:
            load_sample_database(cfg, pg)
            return _land(cfg, pg, sample=True)
    return _land(cfg, cfg.settings)


def load_sample_database(cfg: RunConfig, pg: PgSettings) -> None:
    """Create and fill the sample source database once (the embedded server keeps it)."""
    from samples.olist_pg import is_loaded, load

    dsn = f"host={pg.host} port={pg.port} user={pg.user} dbname={pg.database}"
    if not is_loaded(dsn, pg.schema):
        folder = sample_folder(PIPELINE, scale=cfg.sample_scale, seed=cfg.seed)
        log.info("loading the sample source database (scale %g) from %s", cfg.sample_scale, folder)
        load(dsn, folder, schema=pg.schema, as_of=SAMPLE_AS_OF)


def _land(cfg: RunConfig, pg: PgSettings, *, sample: bool = False) -> Landing:
    from jobs.spark import get_spark

    inputs = extract_changed(get_spark(f"constellation-{PIPELINE_NAME}"), pg, state(cfg.layout),
                             run_id=cfg.run_id, raw_dir=cfg.layout.raw(PIPELINE_NAME, cfg.run_date, cfg.run_id),
                             tables=SOURCES, waves=EXTRACT_WAVES)
    extracted = json.loads(lake.read_text(state(cfg.layout).extract_record(cfg.run_id)))["tables"]
    landing = Landing(run_id=cfg.run_id, pipeline=PIPELINE_NAME, ingest_date=cfg.run_date.isoformat(),
                      inputs=inputs, lake=cfg.lake, sample=sample,
                      rows={name: info["rows"] for name, info in extracted.items()})
    write_landing(landing)
    return landing


def _snapshot(spark: SparkSession, landing: Landing, name: str, good: DataFrame, delta_rows: int) -> list[dict]:
    """Fold the accepted delta into the table's snapshot and write it (an unchanged table keeps
    its previous files). Returns the snapshot's files."""
    table = SOURCES[name]
    base_inputs = [f for f in landing.inputs if f.source == SNAPSHOT_SOURCE + name]
    if base_inputs and delta_rows == 0:
        return [{"uri": f.uri, "size": f.size} for f in base_inputs]
    merged = merge_snapshot(read_table(spark, [f.uri for f in base_inputs], table), good.drop(SOURCE_FILE), table.key)
    uri = state(landing.layout).snapshot(landing.run_id, name)
    merged.write.mode("overwrite").option("compression", "snappy").parquet(lake.spark_path(uri))
    return [{"uri": f.uri, "size": f.size} for f in lake.list_files(uri, ".parquet")]


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    """Stage each table's extract, fold it into the snapshot (written before the manifest: a run
    that is never published leaves an unreferenced snapshot), then build the star from the
    snapshots. A landing without snapshot inputs is a full extract."""
    full = not any(f.source.startswith(SNAPSHOT_SOURCE) for f in landing.inputs)
    changed, rejected, snaps, read, index = {}, {}, {}, {}, {}

    def stage(name: str) -> None:
        delta = read_table(spark, landing.files(name), SOURCES[name]).withColumn(
            SOURCE_FILE, F.col("_metadata.file_path"))
        good, rejected[name] = stage_rows(delta, SOURCES[name])
        changed[name] = good.cache()
        read[name] = delta.count()
        index[name] = _snapshot(spark, landing, name, changed[name], read[name])
        snaps[name] = read_table(spark, [f["uri"] for f in index[name]], SOURCES[name])
        log.info("[%s] %s: %d rows extracted", landing.run_id, name, read[name])

    in_parallel(stage, [t.name for t in SOURCE_TABLES])
    state(landing.layout).write_snapshot_index(landing.run_id, {t.name: index[t.name] for t in SOURCE_TABLES})
    log.info("[%s] %s run: building the star for the changed orders", landing.run_id,
             "full" if full else "incremental")
    star = build_star(snaps, changed, rejected, full=full)
    reread = {r["source"]: r["count"] for r in star.reread.groupBy("source").count().collect()}
    return TransformOutput(
        tables={spec.name: (spec, df) for spec, df in star.tables.items()},
        quarantine=star.quarantine,
        sources=[SourceRows(name, spec.name, read[name] + reread.get(name, 0)) for name, spec in SOURCE_TABLE.items()],
    )


def on_loaded(cfg: RunConfig, manifest: RunManifest) -> None:
    state(cfg.layout).advance(manifest)


PIPELINE = Pipeline(
    name=PIPELINE_NAME,
    description="Olist Brazilian e-commerce from PostgreSQL, extracted incrementally with Spark JDBC",
    tables=TABLES,
    views=VIEWS,
    transform=transform,
    sample=SampleGenerator(
        "samples.olist:generate_olist_with_counts",
        "Olist Brazilian e-commerce, the nine Kaggle files (orders, customers, items, payments, reviews, "
        "products, sellers, geolocation, category translation); scale 1 = 99,441 orders"),
    options=OlistSource,
    sources=SOURCE_TABLES,
    land=land,
    on_loaded=on_loaded,
    system_packages=(("libpostgresql-jdbc-java", "/usr/share/java/postgresql.jar"),  # Spark JDBC driver
                     ("postgresql", "/usr/lib/postgresql/*/bin/initdb")),  # the embedded source server
)
