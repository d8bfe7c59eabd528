"""bolsa_familia wiring: land the files (a folder, the generated sample, or the transparency API
for the listed municipalities; see jobs.sources.bolsa_familia), build the municipality
dimension from the IBGE lists, stage MI Social (both layouts, CSV or JSON) and the API records against it, and
hand the monthly facts to the shared publish step. Facts load by month (partition replace); the
audit marts and the seed's compatibility views are SQL in schemas/sql/bolsa_familia/."""

from __future__ import annotations

import logging
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.manifest import Landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput, stage_parquet
from jobs.sources.bolsa_familia import BolsaFamiliaSettings, land
from jobs.sources.files import read_csv
from schemas import bolsa_familia as S
from schemas.common import QUARANTINE_SCHEMA
from transforms import bolsa_familia as B
from transforms.quality import reconciliation
from transforms.staging import RECORD_TEXT, SOURCE_FILE

log = logging.getLogger(__name__)
PIPELINE_NAME = "bolsa_familia"


def _files(landing: Landing, source: str, suffix: str = "") -> list[str]:
    return [f.uri for f in landing.inputs if f.source == source and f.uri.lower().endswith(suffix)]


def _csv(spark: SparkSession, landing: Landing, layout) -> DataFrame | None:
    files = _files(landing, layout.name, ".csv")
    return read_csv(spark, files, layout) if files else None


def _documents(spark: SparkSession, files: list[str]) -> DataFrame:
    """Each JSON file whole, one row per file (``_source_file``, ``json``)."""
    return (spark.read.text([lake.spark_path(f) for f in files], wholetext=True)
            .select(F.col("_metadata.file_path").alias(SOURCE_FILE), F.col("value").alias("json")))


def _misocial(spark: SparkSession, landing: Landing, layout) -> tuple[DataFrame | None, DataFrame | None]:
    """An MI Social layout's records from its CSV and JSON files as one raw frame (the CSV
    reader's shape), and the quarantine of JSON documents or elements that are no records."""
    parts, bad = [], None
    if (csv_rows := _csv(spark, landing, layout)) is not None:
        parts.append(csv_rows.withColumn(RECORD_TEXT, F.lit(None).cast("string")))
    if docs := _files(landing, layout.name, ".json"):
        json_rows, bad = B.misocial_json(_documents(spark, docs), layout)
        parts.append(json_rows)
    return (reduce(DataFrame.unionByName, parts) if parts else None), bad


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    empty_q = spark.createDataFrame([], QUARANTINE_SCHEMA)
    estados = _csv(spark, landing, S.RAW_ESTADOS)
    states, states_bad = B.stage_states(estados) if estados is not None else (
        spark.createDataFrame([], "codigo_uf int, uf string, nome string"), empty_q)
    dim, dim_bad = B.build_dim_municipality(_csv(spark, landing, S.RAW_MUNICIPIOS), states)
    dim = dim.cache()
    quarantine = [states_bad, dim_bad]
    sources = [SourceRows(S.MUNICIPIOS_SOURCE, S.DIM_MUNICIPALITY.name,
                          _csv(spark, landing, S.RAW_MUNICIPIOS).count())]
    checks = []

    benefit_rows = spark.createDataFrame([], S.FACT_SOCIAL_BENEFIT_MONTH.spark_schema(audit=False))
    def staged_misocial(layout, name: str) -> tuple[DataFrame | None, int]:
        """The layout's raw rows staged, and the records read (JSON non-records included)."""
        raw, bad_json = _misocial(spark, landing, layout)
        if raw is None:
            return None, 0
        staged = stage_parquet(spark, raw, landing, name)
        read = staged.count()
        if bad_json is not None:
            bad_json = stage_parquet(spark, bad_json, landing, f"{name}_bad_json")
            quarantine.append(bad_json)
            read += bad_json.count()
        return staged, read

    staged, read = staged_misocial(S.RAW_BENEFITS, "benefits_raw")
    if staged is not None:
        rows, bad = B.stage_benefits(staged, dim)
        benefit_rows = B.build_fact_social_benefit(rows)
        quarantine.append(bad)
        sources.append(SourceRows(S.BENEFITS_SOURCE, S.FACT_SOCIAL_BENEFIT_MONTH.name, read))

    transfers, feeds = [], []  # feeds: (source, feed, rows read)
    staged, read = staged_misocial(S.RAW_FAMILIES, "families_raw")
    if staged is not None:
        rows, bad = B.stage_families(staged, dim)
        transfers.append(rows)
        quarantine.append(bad)
        feeds.append((S.FAMILIES_SOURCE, S.FEED_MISOCIAL, read))
    if pages := _files(landing, S.API_SOURCE):
        records, bad_pages = B.api_records(_documents(spark, pages))
        records = stage_parquet(spark, records, landing, "api_records")
        bad_pages = stage_parquet(spark, bad_pages, landing, "api_bad_pages")
        rows, bad = B.stage_api(records, dim)
        transfers.append(rows)
        quarantine += [bad_pages, bad]
        feeds.append((S.API_SOURCE, S.FEED_TRANSPARENCIA, records.count() + bad_pages.count()))
    log.info("[%s] %d municipality list, %d MI Social benefit, %d transfer feed(s)", landing.run_id,
             len(_files(landing, S.MUNICIPIOS_SOURCE)), len(_files(landing, S.BENEFITS_SOURCE)), len(feeds))

    quarantine_df = stage_parquet(spark, reduce(DataFrame.unionByName, quarantine, empty_q), landing, "quarantine")
    transfer_fact = (stage_parquet(spark, B.build_fact_transfer(*transfers), landing, "fact_transfer")
                     if transfers else spark.createDataFrame([], S.FACT_TRANSFER_MONTH.spark_schema(audit=False)))
    benefit_fact = stage_parquet(spark, benefit_rows, landing, "fact_benefit")
    # Two feeds share fact_transfer_month: each one reconciled on its own rows.
    for source, feed, rows_in in feeds:
        out = transfer_fact.filter(F.col("source_feed") == feed).count()
        checks.append(reconciliation(source, rows_in, out, quarantine_df.filter(F.col("source") == source).count()))
    if transfers and _files(landing, S.BENEFITS_SOURCE):
        gaps = [tuple(r) for r in B.feed_gaps(benefit_fact, transfer_fact).orderBy("month_key").collect()]
        checks.append(B.coverage_result(gaps))
    tables = {
        S.DIM_MUNICIPALITY.name: (S.DIM_MUNICIPALITY, dim),
        S.FACT_SOCIAL_BENEFIT_MONTH.name: (S.FACT_SOCIAL_BENEFIT_MONTH, benefit_fact),
        S.FACT_TRANSFER_MONTH.name: (S.FACT_TRANSFER_MONTH, transfer_fact),
    }
    return TransformOutput(tables=tables, quarantine=quarantine_df, sources=sources, checks=checks)


PIPELINE = Pipeline(
    name=PIPELINE_NAME,
    description="Bolsa Família per municipality and month (MI Social, Portal da Transparência API, IBGE lists), "
                "with audit marts of BRL per family, anomalies and feed coverage",
    tables=S.TABLES,
    views=S.VIEWS,
    transform=transform,
    sample=SampleGenerator(
        "samples.bolsa_familia:generate_bolsa_familia_with_counts",
        "MI Social CSV in both layouts, the IBGE municipality and state lists and transparency API pages, "
        "with blanks, unknown codes, a municipality missing from each feed and one anomaly; scale 1 = "
        "120 municipalities over 24 months"),
    options=BolsaFamiliaSettings,
    land=lambda cfg: land(cfg, PIPELINE),
)
