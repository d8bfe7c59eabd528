"""The ESS reader (jobs.sources.ess) and the ESS rules (transforms.ess) on generated, hand-written
and real files. Expected values come from pyreadstat/pandas whole-file reads or are written out
by hand, never from the code under test."""

from __future__ import annotations

import math

import pandas as pd
import pyreadstat
import pytest
from pyspark.sql import functions as F

from jobs.manifest import Landing
from jobs.sources import InputError
from jobs.sources.ess import read_metadata, read_survey, stage_survey
from samples.ess import generate_ess_with_counts
from schemas import ess as S
from tests.conftest import shared_data
from transforms import ess as E
from transforms.staging import ROW_ID, SOURCE_FILE


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("ess_sample")
    generate_ess_with_counts(out, scale=0.01, seed=3)
    return out


def _rows(df, variables):
    return [tuple(r) for r in df.orderBy(ROW_ID).select(*variables).collect()]


def _pandas_rows(frame: pd.DataFrame, variables):
    return [tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in frame[list(variables)].itertuples(index=False)]


def test_chunks_read_in_tasks_equal_a_whole_file_read(spark, sample):
    path = str(sample / "ESS8sample.dta")
    survey = read_metadata(path, encoding=None)
    whole, meta = pyreadstat.read_dta(path)
    assert survey.rows == meta.number_rows == len(whole)
    df = read_survey(spark, survey, encoding=None, chunk_rows=37)  # 11 chunks, the last one short
    assert df.rdd.getNumPartitions() == math.ceil(len(whole) / 37)
    assert _rows(df, survey.variables) == _pandas_rows(whole, survey.variables)
    assert df.select(SOURCE_FILE).distinct().collect()[0][0] == path


def test_only_the_needed_variables_are_read(sample):
    survey = read_metadata(str(sample / "ESS7sample.dta"), encoding=None)
    assert "anweight" not in survey.variables and "netustm" not in survey.variables  # absent from round 7
    assert set(survey.variables) <= {*S.REQUIRED_VARIABLES, "regunit", *S.OPTIONAL_VARIABLES}


def test_a_sav_file_keeps_its_declared_user_missing_codes(spark, tmp_path):
    frame = pd.DataFrame({"essround": [9.0] * 4, "cntry": ["EE"] * 4, "idno": [1.0, 2.0, 3.0, 4.0],
                          "trstprl": [5.0, 77.0, 88.0, 9.0], "gndr": [1.0, 2.0, 9.0, 1.0]})
    path = tmp_path / "round9.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "trstprl": {0.0: "No trust at all", 9.0: "9", 10.0: "Complete trust", 77.0: "Refusal", 88.0: "Don't know"},
        "gndr": {1.0: "Male", 2.0: "Female", 9.0: "No answer"}},
        missing_ranges={"trstprl": [77.0, 88.0], "gndr": [9.0]})
    survey = read_metadata(str(path), encoding=None)
    assert survey.user_missing == {"trstprl": {77.0, 88.0}, "gndr": {9.0}}
    assert E.missing_codes(survey.value_labels, survey.user_missing) == {
        "trstprl": {77: "Refusal", 88: "Don't know"}, "gndr": {9: "No answer"}}
    df = read_survey(spark, survey, encoding=None, chunk_rows=3)
    assert [r.trstprl for r in df.orderBy(ROW_ID).collect()] == [5.0, 77.0, 88.0, 9.0]  # codes kept as numbers


def _latin1_dta(path):
    frame = pd.DataFrame({"essround": [7.0, 7.0], "cntry": ["EE", "EE"], "idno": [1.0, 2.0],
                          "region": ["Mxnchen", "Tallinn"]})
    pyreadstat.write_dta(frame, str(path), version=12)  # Stata 12: text in the writer's code page
    data = path.read_bytes()
    at = data.find(b"Mxnchen") + 1
    path.write_bytes(data[:at] + "ü".encode("cp1252") + data[at + 1:])


def test_cp1252_text_is_read_with_the_encoding_setting(spark, tmp_path):
    path = tmp_path / "old.dta"
    _latin1_dta(path)
    survey = read_metadata(str(path), encoding="cp1252")
    df = read_survey(spark, survey, encoding="cp1252", chunk_rows=10)
    assert [r.region for r in df.orderBy(ROW_ID).collect()] == ["München", "Tallinn"]


def test_text_not_in_the_given_encoding_is_a_clear_input_error(spark, tmp_path):
    path = tmp_path / "old.dta"
    _latin1_dta(path)
    survey = read_metadata(str(path), encoding="utf-8")  # the metadata has no text to decode
    landing = Landing(run_id="r1", pipeline="ess", ingest_date="2026-01-01", inputs=[], lake=str(tmp_path / "lake"))
    with pytest.raises(InputError, match=r"old\.dta: not a readable dta file: .*encoding.*--encoding") as info:
        stage_survey(spark, survey, landing, "raw", encoding="utf-8", chunk_rows=10)  # the task's error
    assert "\n" not in str(info.value)


def test_a_file_without_a_required_variable_is_refused(tmp_path):
    path = tmp_path / "noid.dta"
    pyreadstat.write_dta(pd.DataFrame({"essround": [7.0], "cntry": ["EE"]}), str(path))
    with pytest.raises(InputError, match="noid.dta: required variable.s. idno not in the file"):
        read_metadata(str(path), encoding=None)


def test_a_file_that_is_not_stata_is_a_one_line_input_error(tmp_path):
    path = tmp_path / "broken.dta"
    path.write_bytes(b"this is not a Stata file\n" * 10)
    with pytest.raises(InputError, match="broken.dta: not a readable dta file") as info:
        read_metadata(str(path), encoding=None)
    assert "\n" not in str(info.value)


# ---- missing codes ----


def test_missing_reason_follows_the_ess_digit_pattern():
    assert [E.missing_reason(c) for c in (6, 77, 88, 999, 6666, 8, 10, 78, 0, 5.5)] == [
        "not_applicable", "refusal", "dont_know", "no_answer", "not_applicable", "dont_know", None, None, None, None]


def test_dta_missing_codes_come_from_labels_that_are_not_the_number_itself():
    labels = {"trstprl": {0.0: "No trust at all", 6.0: "6", 8.0: "8", 10.0: "Complete trust", 77.0: "Refusal",
                          88.0: "Don't know"},
              "polintr": {1.0: "Very interested", 7.0: "Refusal", 8.0: "Don't know", 9.0: "No answer"},
              "agea": {999.0: "Not available"}, "pspwght": {}}
    assert E.missing_codes(labels) == {"trstprl": {77: "Refusal", 88: "Don't know"},
                                       "polintr": {7: "Refusal", 8: "Don't know", 9: "No answer"},
                                       "agea": {999: "Not available"}}


def _inline(spark):
    rows = [(7.0, "AT", 1.0, "AT111", 5.0, 1.0, 20.0), (7.0, "AT", 2.0, " AT111 ", 77.0, 2.0, 30.0),
            (7.0, "AT", 3.0, "", 88.0, 9.0, 999.0), (7.0, "AT", 4.0, None, 3.0, 1.0, 40.0),
            (7.0, "IL", 5.0, "IL-JM", 4.0, 2.0, 50.0)]
    schema = "essround double, cntry string, idno double, region string, trstprl double, gndr double, agea double"
    return spark.createDataFrame(rows, schema).withColumn(SOURCE_FILE, F.lit("f.dta"))


CODES = {"trstprl": {77: "Refusal", 88: "Don't know"}, "gndr": {9: "No answer"}, "agea": {999: "Not available"}}


def test_missing_codes_become_null_and_the_mean_changes(spark):
    fact = E.build_fact_response(_inline(spark), missing=CODES)
    got = [(r.idno, r.trstprl, r.gndr, r.agea) for r in fact.orderBy("idno").collect()]
    assert got == [(1, 5, 1, 20), (2, None, 2, 30), (3, None, None, None), (4, 3, 1, 40), (5, 4, 2, 50)]
    # by hand: raw mean (5 + 77 + 88 + 3 + 4) / 5 = 35.4; without the codes (5 + 3 + 4) / 3 = 4.0
    assert fact.agg(F.avg("trstprl")).first()[0] == pytest.approx(4.0)


def test_a_variable_absent_from_the_round_is_null(spark):
    fact = E.build_fact_response(_inline(spark), missing=CODES)
    assert fact.filter(F.col("netustm").isNotNull() | F.col("anweight").isNotNull()).count() == 0


def test_missing_answers_keep_code_reason_and_label(spark):
    missing = E.build_fact_missing(_inline(spark), missing=CODES)
    got = sorted(tuple(r) for r in missing.collect())
    assert got == [(7, "AT", 2, "trstprl", 77, "refusal", "Refusal"),
                   (7, "AT", 3, "agea", 999, "no_answer", "Not available"),
                   (7, "AT", 3, "gndr", 9, "no_answer", "No answer"),
                   (7, "AT", 3, "trstprl", 88, "dont_know", "Don't know")]


def test_region_key_is_the_dim_region_key_of_the_code(spark):
    fact = E.build_fact_response(_inline(spark), missing=CODES)
    keys = {r.idno: (r.region_code, r.region_key) for r in fact.collect()}
    expected = spark.sql("select xxhash64('AT111'), xxhash64('IL-JM')").first()  # eurostat: one-part key
    assert keys[1] == keys[2] == ("AT111", expected[0])
    assert keys[3] == keys[4] == (None, -1)
    assert keys[5] == ("IL-JM", expected[1])


def test_region_mismatches_count_non_nuts_and_missing_codes_per_country(spark):
    fact = E.build_fact_response(_inline(spark), missing=CODES)
    got = sorted(tuple(r) for r in E.region_mismatches(fact).collect())
    assert got == [(7, "AT", 2, None), (7, "IL", 1, "IL-JM")]
    result = E.region_match_result(got)
    assert (result.severity, result.failed_rows, result.passed) == ("warning", 3, False)


def test_duplicate_and_keyless_respondents_are_quarantined(spark):
    raw = _inline(spark).withColumn(ROW_ID, F.monotonically_increasing_id())
    extra = spark.createDataFrame([(7.0, "AT", 1.0, "AT111", 6.0, 1.0, 21.0),
                                   (7.0, "AT", None, "AT111", 6.0, 1.0, 22.0)],
                                  "essround double, cntry string, idno double, region string, trstprl double, "
                                  "gndr double, agea double") \
        .withColumn(SOURCE_FILE, F.lit("g.dta")).withColumn(ROW_ID, F.lit(0).cast("bigint"))
    kept, rejected = E.stage_respondents(raw.unionByName(extra))
    assert kept.count() == 5
    assert sorted(r.reason.split(" (")[0] for r in rejected.collect()) == ["duplicate natural key", "no respondent key"]


# ---- the real ESS7EE files ----


def test_the_real_stata_file_reads_2051_respondents_with_24_dont_know_in_trstprl(spark):
    path = str(shared_data("ess", "ESS7EE.dta"))
    survey = read_metadata(path, encoding=None)
    assert survey.rows == 2051
    raw = read_survey(spark, survey, encoding=None, chunk_rows=500).cache()
    assert raw.count() == 2051
    codes = E.missing_codes(survey.value_labels, survey.user_missing)
    assert codes["trstprl"] == {77: "Refusal", 88: "Don't know", 99: "No answer"}
    fact = E.build_fact_response(raw, missing=codes)
    missing = E.build_fact_missing(raw, missing=codes)
    assert missing.filter("variable = 'trstprl' and code = 88").count() == 24
    raw_nulls = raw.filter(F.col("trstprl").isNull() | F.col("trstprl").isin(77.0, 88.0, 99.0)).count()
    assert fact.filter(F.col("trstprl").isNull()).count() == raw_nulls
    whole, _ = pyreadstat.read_dta(path, usecols=["trstprl"])
    assert int((whole.trstprl == 88).sum()) == 24  # the whole-file read agrees


def test_the_real_spss_file_declares_the_same_missing_codes(spark):
    path = str(shared_data("ess", "ESS7EE.sav"))
    survey = read_metadata(path, encoding=None)
    assert survey.rows == 2051
    codes = E.missing_codes(survey.value_labels, survey.user_missing)
    assert set(codes["trstprl"]) == {77, 88, 99}
    raw = read_survey(spark, survey, encoding=None, chunk_rows=1000)
    assert raw.filter("trstprl = 88").count() == 24
