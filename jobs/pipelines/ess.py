"""ess wiring: land the survey files (a folder or the generated sample; see jobs.sources.ess),
read each file's metadata on the driver and its rows in Spark tasks, recode the ESS missing codes
to NULL (reasons kept in fact_ess_missing), keep the value labels, and hand the tables to the
shared publish step. The Eurostat context is joined in the warehouse (schemas/sql/ess/), where
eurostat's tables live."""

from __future__ import annotations

import logging
from datetime import date
from functools import reduce

from pyspark.sql import DataFrame, SparkSession

from jobs.manifest import Landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput
from jobs.sources import InputError
from jobs.sources.ess import (
    RELEASES_SOURCE,
    EssSettings,
    land,
    read_metadata,
    read_releases,
    stage_survey,
)
from schemas import ess as S
from transforms import ess as E

log = logging.getLogger(__name__)
PIPELINE_NAME = "ess"


def _releases(landing: Landing) -> dict[int, date]:
    releases = dict(S.RELEASE_DATES)
    for f in landing.inputs:
        if f.source == RELEASES_SOURCE:
            try:
                releases.update({r: date.fromisoformat(d) for r, d in read_releases(f.uri).items()})
            except ValueError:
                raise InputError(f"{S.RELEASES_FILE}: a release date is not YYYY-MM-DD") from None
    return releases


def transform(spark: SparkSession, landing: Landing, *, encoding: str | None = None,
              chunk_rows: int = 10_000) -> TransformOutput:
    files = [f.uri for f in landing.inputs if f.source == S.SOURCE]
    surveys = [read_metadata(uri, encoding=encoding) for uri in files]  # every file checked before Spark reads
    responses, missing_rows, quarantine, labels = [], [], [], []
    rows_in = 0
    for i, survey in enumerate(surveys):
        log.info("[%s] reading %s: %d rows, %d of the needed variables", landing.run_id, survey.uri,
                 survey.rows, len(survey.variables))
        raw = stage_survey(spark, survey, landing, f"ess_raw_{i}", encoding=encoding, chunk_rows=chunk_rows)
        rows_in += survey.rows
        codes = E.missing_codes(survey.value_labels, survey.user_missing)
        respondents, rejected = E.stage_respondents(raw)
        responses.append(E.build_fact_response(respondents, missing=codes))
        missing_rows.append(E.build_fact_missing(respondents, missing=codes))
        quarantine.append(rejected)
        for (essround,) in respondents.select("essround").distinct().collect():
            labels += E.value_label_rows(int(essround), survey.value_labels, codes, S.RECODED_VARIABLES)
    # a few files' rows: as many partitions as chunks read, not one per shuffle partition
    parts = sum(max(1, -(-s.rows // chunk_rows)) for s in surveys)
    fact = reduce(DataFrame.unionByName, responses).coalesce(parts).cache()
    value_labels = spark.createDataFrame(labels, E.VALUE_LABEL_SCHEMA).dropDuplicates(
        list(S.DIM_ESS_VALUE_LABEL.primary_key))
    mismatches = [tuple(r) for r in E.region_mismatches(fact).orderBy("essround", "cntry").collect()]
    if mismatches:
        log.warning("[%s] respondents whose region is not a NUTS code: %s", landing.run_id,
                    "; ".join(f"round {r} {c}: {n}" for r, c, n, _ in mismatches))
    tables = {
        S.FACT_ESS_RESPONSE.name: (S.FACT_ESS_RESPONSE, fact),
        S.FACT_ESS_MISSING.name: (S.FACT_ESS_MISSING, reduce(DataFrame.unionByName, missing_rows).coalesce(parts)),
        S.DIM_ESS_VALUE_LABEL.name: (S.DIM_ESS_VALUE_LABEL, value_labels),
        S.DIM_ESS_ROUND.name: (S.DIM_ESS_ROUND, E.build_dim_round(fact, _releases(landing))),
    }
    return TransformOutput(tables=tables, quarantine=reduce(DataFrame.unionByName, quarantine),
                           sources=[SourceRows(S.SOURCE, S.FACT_ESS_RESPONSE.name, rows_in)],
                           checks=[E.region_match_result(mismatches)])


def _transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    options = landing.read_options
    return transform(spark, landing, encoding=options.get("encoding"),
                     chunk_rows=int(options.get("chunk_rows", 10_000)))


PIPELINE = Pipeline(
    name=PIPELINE_NAME,
    description="European Social Survey answers (Stata .dta / SPSS .sav) with missing codes kept as reasons, "
                "joined in the warehouse to their region's Eurostat context",
    tables=S.TABLES,
    views=S.VIEWS,
    view_requires=S.VIEW_REQUIRES,
    transform=_transform,
    sample=SampleGenerator(
        "samples.ess:generate_ess_with_counts",
        "ESS-like Stata files of two rounds (value labels, missing codes, NUTS 1/2/3 and non-NUTS regions "
        "matching the eurostat sample's regions); scale 1 = about 40,000 respondents a round"),
    options=EssSettings,
    land=lambda cfg: land(cfg, PIPELINE),
)
