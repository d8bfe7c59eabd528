"""samples.eurostat: deterministic output, the formats' quirks, the population's arithmetic, the
second vintage's revisions (all checked by reading the files with gzip/json here), and the same
cells through every format (parsed with the pipeline's transforms)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from samples.eurostat import BANDS, VINTAGES, generate_eurostat, generate_eurostat_with_counts
from transforms.eurostat import parse_jsonstat, parse_tsv

V1, V2 = (v.isoformat() for v in VINTAGES)
POP, IND = "demo_r_pjangrp3", "demo_r_pjanind3"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("eurostat")
    return out, generate_eurostat_with_counts(out, scale=0.01, seed=7)


def read_tsv(path: Path) -> dict[tuple[str, int], tuple[str, str]]:
    """{(series key, year): (value text, flags)} of a bulk TSV, read by hand (either layout)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        lines = f.read().replace("\r\n", "\n").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    years = [int(h) for h in header[1:]]
    cells = {}
    for line in lines[1:]:
        key, *texts = line.split("\t")
        for year, text in zip(years, texts, strict=True):
            value, _, flags = text.partition(" ")
            cells[(key, year)] = (value, flags)
    return cells


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_same_scale_and_seed_write_the_same_bytes_and_another_seed_other_values(tmp_path):
    generate_eurostat(tmp_path / "a", scale=0.01, seed=3)
    generate_eurostat(tmp_path / "b", scale=0.01, seed=3)
    generate_eurostat(tmp_path / "c", scale=0.01, seed=4)
    assert fingerprint(tmp_path / "a") == fingerprint(tmp_path / "b") != fingerprint(tmp_path / "c")
    assert (tmp_path / "a" / "nuts-2016.csv").read_bytes() == (tmp_path / "c" / "nuts-2016.csv").read_bytes()


def test_the_returned_counts_are_the_series_lines_and_json_stat_cells_written(generated):
    out, counts = generated
    for name, (path, rows) in counts.items():
        if "/tsv" in name:
            assert rows == len({key for key, _ in read_tsv(path)}), name
        elif "/jsonstat/" in name:
            docs = [json.loads(p.read_text(encoding="utf-8")) for p in path.glob("*.json")]
            cells = sum(len({i for i, v in enumerate(d["value"]) if v is not None}
                            | {i for i, s in enumerate(d["status"]) if s is not None})
                        if isinstance(d["value"], list) else len(set(d["value"]) | set(d["status"])) for d in docs)
            assert rows == cells, name
    assert counts["nuts"][1] == len((out / "nuts-2016.csv").read_bytes().split(b"\r\n")) - 2


def test_the_api_is_asked_per_country_and_responses_use_both_json_stat_forms(generated):
    out, _ = generated
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / V1 / "jsonstat" / POP).glob("*.json")}
    assert set(docs) == {"AT", "BE", "aggregates"}
    assert {type(d["value"]).__name__ for d in docs.values()} == {"dict", "list"}
    assert {type(d["dimension"]["geo"]["category"]["index"]).__name__ for d in docs.values()} == {"dict", "list"}
    assert all(d["updated"].startswith(V1) and d["extension"]["id"] == POP.upper() for d in docs.values())


def test_the_nuts_list_holds_every_region_but_one_and_the_real_files_quirks(generated):
    out, _ = generated
    raw = (out / "nuts-2016.csv").read_bytes()
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[0] == "2016 NUTS;2016 NUTS name" and lines[1] == "00;Other NUTS code" and raw.endswith(b"\r\n")
    listed = {line.split(";")[0] for line in lines[1:] if line}
    geos = {key.rsplit(",", 1)[1] for key, _ in read_tsv(out / V1 / f"estat_{POP}.tsv.gz")}
    assert geos - listed == {"EU27_2020", "EA20", "AT221"}  # the aggregates and one code of a later version
    assert {"ATZ", "ATZZ", "ATZZZ"} <= listed and "AT;ÖSTERREICH" in lines


def test_the_population_adds_up_by_sex_by_age_band_and_up_the_region_tree(generated):
    out, _ = generated
    cells = read_tsv(out / V1 / f"estat_{POP}.tsv.gz")

    def value(sex, age, geo, year):
        text = cells[(f"A,NR,{sex},{age},{geo}", year)][0]
        return None if text == ":" else int(text)

    for geo in ("AT", "AT1", "BE21", "BE211", "EU27_2020"):
        for year in (2014, 2022):
            for age in ("TOTAL", "Y_LT5", "UNK"):
                assert value("T", age, geo, year) == value("M", age, geo, year) + value("F", age, geo, year)
            bands = [value("F", b, geo, year) for b in BANDS]
            assert sum(bands) + value("F", "UNK", geo, year) == value("F", "TOTAL", geo, year)
            assert value("F", "Y85-89", geo, year) + value("F", "Y_GE90", geo, year) == value("F", "Y_GE85", geo, year)
    assert value("T", "TOTAL", "AT", 2020) == value("T", "TOTAL", "AT1", 2020) + value("T", "TOTAL", "AT2", 2020)
    assert value("T", "TOTAL", "EU27_2020", 2020) == value("T", "TOTAL", "AT", 2020) + value("T", "TOTAL", "BE", 2020)


def test_the_cells_carry_every_kind_of_flag_and_missing_value(generated):
    out, _ = generated
    flags = Counter(cell for cell in read_tsv(out / V1 / f"estat_{POP}.tsv.gz").values()
                    if cell[1] or cell[0] == ":")
    kinds = {(value == ":", f) for value, f in flags}
    assert {(True, ""), (True, "c"), (False, "p"), (False, "b"), (False, "ep")} <= kinds


def test_the_second_vintage_revises_values_and_flags_withdraws_a_region_and_adds_a_year(generated):
    out, _ = generated
    first, second = (read_tsv(out / v / f"estat_{POP}.tsv.gz") for v in (V1, V2))
    common = first.keys() & second.keys()
    changed_values = {k for k in common if first[k][0] != second[k][0]}
    changed_flags_only = {k for k in common if first[k][0] == second[k][0] and first[k][1] != second[k][1]}
    withdrawn = {key.rsplit(",", 1)[1] for key, _ in first.keys() - second.keys()}
    assert changed_values and {year for _, year in changed_values} == {2021, 2022}
    assert any(first[k][1] == "p" and second[k][1] == "" for k in changed_flags_only)  # 2022 final
    assert any(first[k][1] == "" and second[k][1] == "e" for k in changed_flags_only)  # an estimate noted
    assert len(withdrawn) == 1 and len(withdrawn.pop()) == 5  # one NUTS 3 region
    assert {year for _, year in second.keys() - first.keys()} == {2023}


# ---- the same cells through every format ----


def cell_rows(df) -> set[tuple]:
    dims = F.to_json(F.map_from_entries(F.array_sort(F.map_entries("dimensions"))))
    return {tuple(r) for r in df.select("dataset", dims, "time_period", "value", "flags").collect()}


@pytest.fixture(scope="module")
def formats(spark, generated):
    """{(vintage, dataset, format): rows} of both datasets of both vintages (every cell, with
    its quarantine count)."""
    out, _ = generated
    found = {}
    for vintage in (V1, V2):
        folder = out / vintage
        for dataset in (POP, IND):
            files = sorted(str(p) for p in (folder / "jsonstat" / dataset).glob("*.json"))
            docs = spark.read.text(files, wholetext=True).select(
                F.col("_metadata.file_path").alias("_source_file"), F.col("value").alias("json"))
            for name, path in (("tsv", folder / f"estat_{dataset}.tsv.gz"),
                               ("tsv_pre2023", folder / "pre2023" / f"{dataset}.tsv.gz")):
                lines = spark.read.text(str(path)).select(F.col("_metadata.file_path").alias("_source_file"),
                                                          F.col("value").alias("line"))
                good, bad = parse_tsv(lines, dataset=dataset)
                found[(vintage, dataset, name)] = (cell_rows(good), bad.count())
            good, bad = parse_jsonstat(docs)
            found[(vintage, dataset, "jsonstat")] = (cell_rows(good), bad.count())
    return found


@pytest.mark.parametrize("vintage", [V1, V2])
@pytest.mark.parametrize("dataset", [POP, IND])
def test_json_stat_and_tsv_give_identical_rows_for_generated_data(formats, vintage, dataset):
    json_rows, json_bad = formats[(vintage, dataset, "jsonstat")]
    tsv_rows, tsv_bad = formats[(vintage, dataset, "tsv")]
    assert json_rows == tsv_rows and json_bad == tsv_bad == 0
    assert any(value is None for _, _, _, value, _ in tsv_rows)  # missing cells are rows too


@pytest.mark.parametrize("vintage", [V1, V2])
@pytest.mark.parametrize("dataset", [POP, IND])
def test_the_pre_2023_tsv_layout_gives_the_same_rows_as_the_current_one(formats, vintage, dataset):
    assert formats[(vintage, dataset, "tsv_pre2023")] == formats[(vintage, dataset, "tsv")]
