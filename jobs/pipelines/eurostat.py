"""eurostat wiring: land the datasets (API, bulk TSV, a folder or the generated sample; see
jobs.sources.eurostat), parse each dataset's files once into Parquet, build the dimensions and
the history facts for the run's vintage, and hand them to the shared publish step. The facts
load with the shared ``history`` mode: every published value is kept, with its vintage."""

from __future__ import annotations

import logging
from datetime import date
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.manifest import Landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput, stage_parquet
from jobs.sources.eurostat import NUTS_SOURCE, EurostatSettings, datasets_in, files_of, land
from jobs.sources.files import read_csv
from schemas import eurostat as S
from schemas.common import QUARANTINE_SCHEMA
from transforms import eurostat as E
from transforms.staging import SOURCE_FILE

log = logging.getLogger(__name__)
PIPELINE_NAME = "eurostat"
SAMPLE_BAD = 5  # mismatching age-band groups named in the warning


def _documents(spark: SparkSession, files: list[str]) -> DataFrame:
    return (spark.read.option("wholetext", True).text([lake.spark_path(f) for f in files])
            .select(F.col("_metadata.file_path").alias(SOURCE_FILE), F.col("value").alias("json")))


def _lines(spark: SparkSession, files: list[str]) -> DataFrame:
    return (spark.read.text([lake.spark_path(f) for f in files])
            .select(F.col("_metadata.file_path").alias(SOURCE_FILE), F.col("value").alias("line")))


def _parse(spark: SparkSession, landing: Landing, dataset: str) -> tuple[DataFrame, DataFrame, DataFrame]:
    """The dataset's cells (staged as Parquet: read by the fact, the labels, the counts), its
    parse quarantine (staged too) and its labels."""
    cells, bad, labels = [], [], []
    if docs_files := files_of(landing, dataset, "json"):
        docs = _documents(spark, docs_files)
        good, rejected = E.parse_jsonstat(docs, dataset=dataset)
        cells.append(good)
        bad.append(rejected)
        labels.append(E.jsonstat_labels(docs, dataset=dataset))
    if tsv_files := files_of(landing, dataset, "tsv"):
        good, rejected = E.parse_tsv(_lines(spark, tsv_files), dataset=dataset)
        cells.append(good)
        bad.append(rejected)
    log.info("[%s] parsing %s (%d JSON-stat, %d TSV files)", landing.run_id, dataset, len(docs_files),
             len(tsv_files))
    staged = stage_parquet(spark, reduce(DataFrame.unionByName, cells), landing, f"{dataset}_cells")
    # a parse record belongs to the dataset whose files it came from
    rejected = stage_parquet(spark, reduce(DataFrame.unionByName, bad).withColumn("source", F.lit(dataset)),
                             landing, f"{dataset}_rejected")
    label_rows = reduce(DataFrame.unionByName, [*labels, E.observed_codes(staged)])
    return staged, rejected, label_rows


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    vintage = date.fromisoformat(landing.as_of) if landing.as_of else date.fromisoformat(landing.ingest_date)
    log.info("[%s] vintage %s", landing.run_id, vintage)
    empty_cells = spark.createDataFrame([], S.OBSERVATION_SCHEMA)
    parsed = {d: _parse(spark, landing, d) for d in datasets_in(landing)}
    labels = reduce(DataFrame.unionByName, [p[2] for p in parsed.values()]).cache()
    staged, quarantine, sources = {}, [], []
    for dataset in S.DATASET_DIMENSIONS:
        cells, rejected, _ = parsed.get(dataset, (empty_cells, None, None))
        staged[dataset], duplicates = E.stage_observations(cells, dataset=dataset)
        if rejected is not None:
            quarantine += [rejected, duplicates]
            sources.append(SourceRows(dataset, S.FACTS_BY_DATASET[dataset].name, cells.count() + rejected.count()))

    nuts_files = [f.uri for f in landing.inputs if f.source == NUTS_SOURCE]
    if nuts_files:
        nuts, nuts_bad = E.stage_nuts(read_csv(spark, nuts_files, S.RAW_NUTS))
        quarantine.append(nuts_bad)
    else:
        log.warning("[%s] no NUTS list landed: region levels and parents come from the codes alone", landing.run_id)
        nuts = spark.createDataFrame([], "nuts_code string, nuts_name string")
    region = E.build_dim_region(nuts, labels).cache()
    age, sex = E.build_dim_age_group(labels).cache(), E.build_dim_sex(labels).cache()
    indicator = E.build_dim_indicator(labels, staged[S.INDICATOR_DATASET]).cache()
    tables = {S.DIM_REGION.name: (S.DIM_REGION, region), S.DIM_AGE_GROUP.name: (S.DIM_AGE_GROUP, age),
              S.DIM_SEX.name: (S.DIM_SEX, sex), S.DIM_INDICATOR.name: (S.DIM_INDICATOR, indicator)}
    checks = []
    if S.POPULATION_DATASET in parsed:
        pop = staged[S.POPULATION_DATASET]
        tables[S.FACT_EUROSTAT_POPULATION.name] = (
            S.FACT_EUROSTAT_POPULATION, E.build_fact_population(pop, region, age, sex, vintage=vintage))
        mismatches = E.age_band_sum_mismatches(pop)
        sample = [f"{r['geo']}/{r['sex']}/{r['time_period']}"
                  for r in mismatches.orderBy("geo", "sex", "time_period").limit(SAMPLE_BAD).collect()]
        checks.append(E.age_band_sum_result(mismatches.count() if sample else 0, sample))
    if S.INDICATOR_DATASET in parsed:
        tables[S.FACT_EUROSTAT_INDICATOR.name] = (
            S.FACT_EUROSTAT_INDICATOR,
            E.build_fact_indicator(staged[S.INDICATOR_DATASET], region, indicator, vintage=vintage))
    empty_quarantine = spark.createDataFrame([], QUARANTINE_SCHEMA)
    return TransformOutput(tables=tables, quarantine=reduce(DataFrame.unionByName, quarantine, empty_quarantine),
                           sources=sources, checks=checks)


PIPELINE = Pipeline(
    name=PIPELINE_NAME,
    description="Eurostat regional population (demo_r_pjangrp3, demo_r_pjanind3) from its API, with every "
                "revision kept as history",
    tables=S.TABLES,
    views=S.VIEWS,
    transform=transform,
    sample=SampleGenerator(
        "samples.eurostat:generate_eurostat_with_counts",
        "Eurostat demo_r_pjangrp3 and demo_r_pjanind3 as JSON-stat responses and bulk TSV (both layouts), "
        "two publications with revisions, and a NUTS list; scale 1 = about 137,000 pjangrp3 series"),
    options=EurostatSettings,
    land=lambda cfg: land(cfg, PIPELINE),
)
