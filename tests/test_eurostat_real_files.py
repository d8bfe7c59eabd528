"""The parsers on the real Eurostat files in ../shared/data/eurostat (skipped when absent): four
JSON-stat 2.0 responses of other datasets and the bulk TSV of demo_r_pjanind3. Every expected
figure is computed here independently from the raw files with json / gzip + csv."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from tests.conftest import shared_data
from transforms.eurostat import parse_jsonstat, parse_tsv

JSONSTAT_FILES = ("co2.json", "electricity.json", "eurostat.json", "waste.json")
TSV_SERIES = 98_112


def normal_flags(value, flags: str | None) -> str | None:
    letters = (flags or "").replace(":", "").strip()
    return ":" + letters if value is None else (letters or None)


def decode(doc: dict, position: int) -> tuple[dict, int]:
    """The (dimension codes, year) of a flat position, by hand: the last dimension varies fastest."""
    codes = {}
    for name, size in zip(reversed(doc["id"]), reversed(doc["size"]), strict=True):
        index = doc["dimension"][name]["category"]["index"]
        by_position = {p: c for c, p in index.items()} if isinstance(index, dict) else dict(enumerate(index))
        codes[name] = by_position[position % size]
        position //= size
    return {k: v for k, v in codes.items() if k != "time"}, int(codes["time"])


@pytest.fixture(scope="module")
def jsonstat(spark):
    paths = [str(shared_data("eurostat", "jsonstat", name)) for name in JSONSTAT_FILES]
    file_name = F.element_at(F.split(F.col("_metadata.file_path"), "/"), -1)
    docs = spark.read.text(paths, wholetext=True).select(file_name.alias("_source_file"), F.col("value").alias("json"))
    good, bad = parse_jsonstat(docs)
    good = good.cache()
    counts = {r["_source_file"]: r["count"] for r in good.groupBy("_source_file").count().collect()}
    raw = {name: json.loads(Path(path).read_text(encoding="utf-8"))
           for name, path in zip(JSONSTAT_FILES, paths, strict=True)}
    spots = {name: spot_positions(doc) for name, doc in raw.items()}
    wanted = F.lit(False)
    for name, positions in spots.items():
        wanted = wanted | ((F.col("_source_file") == name) & F.col("_row_id").isin(*positions))
    found = {(r["_source_file"], r["_row_id"]): r for r in good.filter(wanted).collect()}
    result = {"counts": counts, "quarantined": bad.count(), "raw": raw, "spots": spots, "found": found}
    good.unpersist()
    return result


def spot_positions(doc: dict) -> list[int]:
    """The first and last cells, and the first cell of every distinct status."""
    positions = {int(k) for k in (*doc["value"], *doc.get("status", {}))}
    first_by_status = {}
    for k, s in sorted(doc.get("status", {}).items(), key=lambda kv: int(kv[0])):
        first_by_status.setdefault(s, int(k))
    return sorted({min(positions), max(positions), *first_by_status.values()})


@pytest.mark.parametrize("name", JSONSTAT_FILES)
def test_a_real_response_gives_one_row_per_position_in_value_or_status(jsonstat, name):
    doc = jsonstat["raw"][name]
    expected = len(set(doc["value"]) | set(doc.get("status", {})))
    assert jsonstat["counts"][name] == expected
    assert jsonstat["quarantined"] == 0


@pytest.mark.parametrize("name", JSONSTAT_FILES)
def test_spot_cells_of_a_real_response_carry_the_codes_value_and_flags_published(jsonstat, name):
    doc = jsonstat["raw"][name]
    dataset = doc["extension"]["datasetId"].lower()
    for position in jsonstat["spots"][name]:
        row = jsonstat["found"][(name, position)]
        dims, year = decode(doc, position)
        value = doc["value"].get(str(position))
        expected_value = None if value is None else Decimal(str(value))
        assert (row.dataset, row.dimensions, row.time_period) == (dataset, {**dims, "freq": "A"}, year)
        assert (row.value, row.flags) == (expected_value, normal_flags(value, doc.get("status", {}).get(str(position))))


def test_the_confidential_status_without_a_value_is_kept_as_a_colon_c_cell(jsonstat):
    assert jsonstat["raw"]["waste.json"]["status"]["595"] == ":c"
    row = jsonstat["found"][("waste.json", 595)]
    assert (row.value, row.flags) == (None, ":c")


# ---- the bulk TSV ----


def raw_tsv_cells(path) -> list[tuple[tuple[str, ...], int, Decimal | None, str | None]]:
    """Every cell of the file by hand: (series codes, year, value, normal flags)."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = [h.strip() for h in next(reader)]
        years = [int(h) for h in header[1:]]
        for record in reader:
            series = tuple(record[0].split(","))
            for year, text in zip(years, record[1:], strict=True):
                number, _, flags = text.strip().partition(" ")
                value = None if number == ":" else Decimal(number)
                out.append((series, year, value, normal_flags(value, flags)))
    return out


@pytest.fixture(scope="module")
def tsv(spark):
    path = shared_data("eurostat", "estat_demo_r_pjanind3.tsv.gz")
    lines = spark.read.text(str(path)).select(F.lit("estat_demo_r_pjanind3.tsv.gz").alias("_source_file"),
                                               F.col("value").alias("line"))
    good, bad = parse_tsv(lines, dataset="demo_r_pjanind3")
    series = F.concat_ws(",", *[F.col("dimensions")[d] for d in ("freq", "indic_de", "unit", "geo")])
    good = good.select(series.alias("series"), "time_period", "value", "flags").cache()
    by_hand = raw_tsv_cells(path)
    spots = first_cell_per_flag(by_hand)
    wanted = F.lit(False)
    for codes, year, _, _ in spots:
        wanted = wanted | ((F.col("series") == ",".join(codes)) & (F.col("time_period") == year))
    summary = good.agg(F.countDistinct("series").alias("series"), F.count(F.lit(1)).alias("cells"),
                       F.sum("value").alias("total")).first()
    result = {
        "summary": summary, "quarantined": bad.count(), "by_hand": by_hand, "spots": spots,
        "flags": {r["flags"]: r["count"] for r in good.groupBy("flags").count().collect()},
        "found": {(r.series, r.time_period): (r.value, r.flags) for r in good.filter(wanted).collect()},
    }
    good.unpersist()
    return result


def first_cell_per_flag(cells: list) -> list:
    seen: dict = {}
    for cell in cells:
        seen.setdefault(cell[3], cell)
    return list(seen.values())


def test_the_real_tsv_has_its_exact_series_count_and_one_row_per_cell(tsv):
    assert tsv["summary"]["series"] == TSV_SERIES
    assert tsv["summary"]["cells"] == len(tsv["by_hand"]) == TSV_SERIES * 9
    assert tsv["quarantined"] == 0


def test_the_real_tsv_values_add_up_to_the_sum_of_the_file(tsv):
    assert tsv["summary"]["total"] == sum(v for _, _, v, _ in tsv["by_hand"] if v is not None)


def test_the_real_tsv_flags_are_counted_as_in_the_file(tsv):
    assert tsv["flags"] == dict(Counter(flags for *_, flags in tsv["by_hand"]))
    assert {":", "e", "p", "b", "bp", "ep", None} <= set(tsv["flags"])


def test_one_real_cell_of_each_flag_is_read_with_its_value(tsv):
    for codes, year, value, flags in tsv["spots"]:
        assert tsv["found"][(",".join(codes), year)] == (value, flags), (codes, year)
    assert len(tsv["spots"]) == 7  # no flag, ':', e, p, b, bp, ep
