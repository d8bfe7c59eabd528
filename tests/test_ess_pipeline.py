"""The ess pipeline end to end through ``jobs.main.main`` on a real DuckDB warehouse: a round
loaded before eurostat (the survey loads, the marts wait), eurostat's two sample publications,
then a run that replaces round 7 and adds round 8; a truncated file. Expected figures come from
pandas on the raw .dta files and from eurostat's raw TSV files read by hand, never from the code
under test."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from jobs.main import main
from samples.ess import RELEASES, generate_ess_with_counts
from samples.eurostat import VINTAGES, generate_eurostat
from schemas.eurostat import INDICATOR_DATASET, POPULATION_DATASET
from tests.conftest import warehouse_rows
from tests.test_eurostat_marts import raw_cells

ROUND7_KEPT = 300
TRUST_CODES = (77.0, 88.0, 99.0)


rows = warehouse_rows


def relations(wh: Path) -> set[str]:
    return {r[0] for r in rows(wh, "select table_name from information_schema.tables")}


def run(root: Path, pipeline: str, *args: str) -> int:
    return main([pipeline, "--lake", str(root / "lake"), "--warehouse", f"duckdb:{root / 'wh.duckdb'}",
                 "--sample-scale", "0.01", "--seed", "7", *args])


def raw(path: Path) -> pd.DataFrame:
    frame, _ = pyreadstat.read_dta(str(path))
    frame["region"] = frame["region"].replace("", None)
    return frame


@pytest.fixture(scope="module")
def loaded(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("ess_pipeline")
    sample = root / "sample"
    generate_ess_with_counts(sample, scale=0.01, seed=7)
    first, second = root / "first", root / "second"
    for folder in (first, second):
        folder.mkdir()
        shutil.copy(sample / "ess_releases.csv", folder)
    shutil.copy(sample / "ESS7sample.dta", first)
    assert run(root, "ess", "--input", str(first)) == 0  # before eurostat: the survey loads, the marts wait
    before = {"relations": relations(root / "wh.duckdb"),
              "rounds": rows(root / "wh.duckdb", "select essround, count(*) from fact_ess_response group by 1")}

    eurostat = root / "eurostat"
    generate_eurostat(eurostat, scale=0.01, seed=7)  # what the eurostat sample default generates
    assert run(root, "eurostat") == 0
    assert run(root, "eurostat", "--sample-vintage", "2") == 0

    frame, meta = pyreadstat.read_dta(str(sample / "ESS7sample.dta"))
    pyreadstat.write_dta(frame.iloc[:ROUND7_KEPT], str(second / "ESS7sample.dta"),
                         variable_value_labels=meta.variable_value_labels)
    shutil.copy(sample / "ESS8sample.dta", second)
    assert run(root, "ess", "--input", str(second)) == 0  # replaces round 7, adds round 8
    return {"root": root, "wh": root / "wh.duckdb", "before": before,
            "raw": {7: raw(second / "ESS7sample.dta"), 8: raw(second / "ESS8sample.dta")},
            "eurostat": {v: (raw_cells(eurostat / v.isoformat() / f"estat_{POPULATION_DATASET}.tsv.gz"),
                             raw_cells(eurostat / v.isoformat() / f"estat_{INDICATOR_DATASET}.tsv.gz"))
                         for v in VINTAGES}}


def test_without_eurostat_the_survey_loads_and_the_marts_wait(loaded):
    assert loaded["before"]["rounds"] == [(7, 399)]
    assert "ess_region_trust" in loaded["before"]["relations"]
    assert not {"ess_region_match", "ess_respondent_context_current",
                "ess_respondent_context_published"} & loaded["before"]["relations"]


def test_a_round_loaded_again_is_replaced_and_another_round_is_added(loaded):
    got = dict(rows(loaded["wh"], "select essround, count(*) from fact_ess_response group by 1"))
    assert got == {7: ROUND7_KEPT, 8: len(loaded["raw"][8])}
    missing = dict(rows(loaded["wh"], "select essround, count(distinct idno || cntry) from fact_ess_missing "
                                      "group by 1"))
    assert missing[7] <= ROUND7_KEPT


@pytest.mark.parametrize("essround", [7, 8])
def test_trust_missing_codes_are_null_with_their_reasons(loaded, essround):
    frame = loaded["raw"][essround]
    expected = {code: int((frame.trstprl == code).sum()) for code in TRUST_CODES}
    got = dict(rows(loaded["wh"], f"select code, count(*) from fact_ess_missing where essround = {essround} "
                                  "and variable = 'trstprl' group by code"))
    assert got == {int(c): n for c, n in expected.items()}
    nulls = rows(loaded["wh"], f"select count(*) from fact_ess_response where essround = {essround} "
                               "and trstprl is null")[0][0]
    assert nulls == sum(expected.values())
    reasons = dict(rows(loaded["wh"], f"select code, min(reason) from fact_ess_missing where essround = {essround} "
                                      "and variable = 'trstprl' group by code"))
    assert reasons == {77: "refusal", 88: "dont_know", 99: "no_answer"}


@pytest.mark.parametrize("essround", [7, 8])
def test_weighted_trust_means_per_region_match_pandas_on_the_raw_file(loaded, essround):
    frame = loaded["raw"][essround]
    weight = frame["anweight"] if "anweight" in frame else frame["pspwght"] * frame["pweight"]
    answered = ~frame.trstprl.isin(TRUST_CODES) & frame.trstprl.notna()
    expected = {}
    for (cntry, region), group in frame[answered].assign(w=weight[answered]).groupby(
            ["cntry", frame.region.fillna("<none>")[answered]]):
        expected[(cntry, None if region == "<none>" else region)] = (
            float(np.sum(group.w * group.trstprl) / np.sum(group.w)), len(group))
    got = {(c, r): (m, n) for c, r, m, n in rows(
        loaded["wh"], f"select cntry, region_code, trstprl_weighted_mean, trstprl_n from ess_region_trust "
                      f"where essround = {essround}")}
    assert set(got) == set(expected)
    for key, (mean, n) in expected.items():
        assert got[key][1] == n
        assert got[key][0] == pytest.approx(mean, rel=1e-9)


def test_the_report_charts_trust_in_parliament_per_region_as_pandas_computes_it(loaded):
    from schemas.charts import charts_of

    essround = max(loaded["raw"])
    frame = loaded["raw"][essround]
    weight = frame["anweight"] if "anweight" in frame else frame["pspwght"] * frame["pweight"]
    frame = frame.assign(w=weight)[frame.region.notna()]
    answered = frame[~frame.trstprl.isin(TRUST_CODES) & frame.trstprl.notna()]
    means = {f"{c} {r}": float(np.sum(g.w * g.trstprl) / np.sum(g.w))
             for (c, r), g in answered.groupby(["cntry", "region"])}
    size = frame.groupby(["cntry", "region"]).size()
    top = sorted(((-n, f"{c} {r}") for (c, r), n in size.items() if f"{c} {r}" in means))[:20]
    chart, table = charts_of("ess")
    got = rows(loaded["wh"], chart.sql)
    assert [r[0] for r in got] == [region for _, region in top]
    for region, mean, _ in got:
        assert mean == pytest.approx(means[region], rel=1e-9)
    context = rows(loaded["wh"], table.sql)
    assert {f"{r[0]} {r[1]}" for r in context} == {f"{c} {r}" for c, r in size.index}


def test_region_match_counts_per_country(loaded):
    got = {(r, c): (n, m) for r, c, n, m in rows(
        loaded["wh"], "select essround, cntry, respondents, matched from ess_region_match")}
    for essround, frame in loaded["raw"].items():
        for cntry, group in frame.groupby("cntry"):
            with_region = int(group.region.notna().sum())
            assert got[(essround, cntry)] == (len(group), 0 if cntry == "IL" else with_region)


@pytest.mark.parametrize("view, vintage", [("ess_respondent_context_published", VINTAGES[0]),
                                           ("ess_respondent_context_current", VINTAGES[1])])
def test_context_is_the_region_s_eurostat_figures_as_of_the_release_or_now(loaded, view, vintage):
    population, indicators = loaded["eurostat"][vintage]
    assert VINTAGES[0] < RELEASES[7] < VINTAGES[1]  # round 7 published between the two vintages
    got = rows(loaded["wh"], f"select r.region_code, r.interview_year, r.context_year, r.population_total, "
                             f"r.median_age, r.old_age_dependency_ratio from {view} as r "
                             "where r.essround = 7 and r.cntry <> 'IL'")
    assert got

    def total(region, year):
        return population.get(("A", "NR", "T", "TOTAL", region, year), (None, None))[0]

    with_context = 0
    for region, year, context_year, figure, median, olddep in got:
        # the nearest year at or before the interview with a published total, by hand from the raw TSV
        years = [y for y in range(2000, (year or 0) + 1) if region and total(region, y) is not None]
        expected_year = max(years) if years else None
        assert context_year == expected_year, (region, year)
        if expected_year is None:
            assert (figure, median, olddep) == (None, None, None)
            continue
        with_context += 1
        assert figure == total(region, expected_year)
        assert median == indicators[("A", "MEDAGEPOP", "YR", region, expected_year)][0]
        assert olddep == indicators[("A", "OLDDEP1", "PC", region, expected_year)][0]
    assert with_context > len(got) / 2
    non_nuts = rows(loaded["wh"], f"select count(*), count(population_total) from {view} where cntry = 'IL'")
    assert non_nuts[0][0] > 0 and non_nuts[0][1] == 0


def test_a_truncated_file_exits_3_and_publishes_nothing(loaded, tmp_path, capsys):
    root = loaded["root"]
    data = (root / "sample" / "ESS8sample.dta").read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ESS8sample.dta").write_bytes(data[: len(data) // 2])
    runs_before = sorted((root / "lake" / "_runs").glob("*.json"))
    counts_before = rows(loaded["wh"], "select essround, count(*) from fact_ess_response group by 1 order by 1")
    assert run(root, "ess", "--input", str(bad)) == 3
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: bad input: ESS8sample.dta")
    assert sorted((root / "lake" / "_runs").glob("*.json")) == runs_before
    assert rows(loaded["wh"], "select essround, count(*) from fact_ess_response group by 1 order by 1") \
        == counts_before
