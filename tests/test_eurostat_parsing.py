"""eurostat parsing: JSON-stat 2.0 responses and bulk TSV lines -> one row per published cell,
bad input -> quarantine records with a reason. Inline documents of 2-6 cells; rows are compared
as collected sets of (dataset, dimensions, year, value, flags) because the dimension map is not
comparable inside Spark (no set operations on map columns).

Every inline document (or TSV file) of a test is one file among all of them, parsed by one call
in a module fixture: each test reads the rows and records of its own files (one Spark job per
format instead of one per test; parsing files side by side is what the job does anyway)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pyspark.sql import types as T

from transforms.eurostat import jsonstat_labels, jsonstat_vintages, parse_jsonstat, parse_tsv

DOCS = T.StructType([T.StructField("_source_file", T.StringType()), T.StructField("json", T.StringType())])
LINES = T.StructType([T.StructField("_source_file", T.StringType()), T.StructField("line", T.StringType())])


def cube(**overrides) -> dict:
    """A 1 x 2 x 3 cube (unit x geo x time) as the API sends it: index objects, sparse value."""
    doc = {
        "version": "2.0", "class": "dataset", "label": "Test", "updated": "2024-03-14T23:00:00+0100",
        "id": ["unit", "geo", "time"], "size": [1, 2, 3],
        "dimension": {
            "unit": {"label": "unit", "category": {"index": {"NR": 0}, "label": {"NR": "Number"}}},
            "geo": {"label": "geo", "category": {"index": {"AT": 0, "BE": 1},
                                                 "label": {"AT": "Austria", "BE": "Belgium"}}},
            "time": {"label": "time", "category": {"index": {"2020": 0, "2021": 1, "2022": 2}}},
        },
        "value": {"0": 10, "2": 12.5, "3": 20, "5": 22},
        "status": {"1": ":", "2": "e", "4": "c", "5": "p"},
        "extension": {"id": "DEMO_TEST", "lang": "EN"},
    }
    doc.update(overrides)
    return doc


def rows(found: list) -> set[tuple]:
    return {(r.dataset, frozenset(r.dimensions.items()), r.time_period, r.value, r.flags) for r in found}


def cells(*found: tuple) -> set[tuple]:
    """Expected cells of the test cube: (geo, year, value, flags)."""
    return {("demo_test", frozenset({"unit": "NR", "geo": g, "freq": "A"}.items()), y,
             None if v is None else Decimal(v), f) for g, y, v, f in found}


CUBE_CELLS = cells(("AT", 2020, "10", None), ("AT", 2021, None, ":"), ("AT", 2022, "12.5", "e"),
                   ("BE", 2020, "20", None), ("BE", 2021, None, ":c"), ("BE", 2022, "22", "p"))


def _dense() -> dict:
    doc = cube(value=[10, None, 12.5, 20, None, 22], status=[None, ":", "e", None, "c", "p"])
    doc["dimension"]["geo"]["category"]["index"] = ["AT", "BE"]
    doc["dimension"]["time"]["category"]["index"] = ["2020", "2021", "2022"]
    return doc


def _without_unit_index() -> dict:
    doc = cube()
    del doc["dimension"]["unit"]["category"]["index"]
    return doc


def _without_status() -> dict:
    doc = cube(value={"0": 10, "5": 22})
    del doc["status"]
    return doc


def _quarterly() -> dict:
    doc = cube(value={"0": 10}, status={})
    doc["dimension"]["time"]["category"]["index"] = {"2020-Q1": 0, "2020-Q2": 1, "2020-Q3": 2}
    return doc


UNREADABLE = {
    "html": ("<html>503 Service Unavailable</html>", "not a JSON document"),
    # a response cut short: Spark's JSON reader would give the fields it read before the cut
    "cut_short": (json.dumps(cube())[:300], "not a JSON document"),
    "error_response": ({"error": {"status": 413, "label": "too big"}, "class": "error", "label": "EXTRACTION_TOO_BIG"},
                       "an error response, not a dataset"),
    "size_shorter_than_id": (cube(size=[1, 2]), "id and size missing or of different lengths"),
    "size_disagrees_with_index": (cube(size=[1, 3, 3]), "category index does not have as many codes as size says"),
    "unknown_dimension": (cube(id=["unit", "geo", "year"]), "a dimension named in id is missing from dimension"),
}
DOCUMENTS = {
    "sparse": cube(),
    "dense": _dense(),
    "no_unit_index": _without_unit_index(),
    "status_only": cube(value={"0": 10}, status={"1": ":", "4": ":c", "5": "c"}),
    "json_null": cube(value={"0": 10, "1": None}, status={}),
    "no_status": _without_status(),
    "old_service": cube(extension={"datasetId": "NRG_113A"}),
    "bad_cells": cube(value={"0": 10, "6": 1, "3": "n/a"}, status={}),
    "quarterly": _quarterly(),
    **{name: doc for name, (doc, _) in UNREADABLE.items()},
}


@pytest.fixture(scope="module")
def docs(spark):
    texts = [(name, d if isinstance(d, str) else json.dumps(d)) for name, d in DOCUMENTS.items()]
    return spark.createDataFrame(texts, DOCS)


@pytest.fixture(scope="module")
def parsed(docs) -> tuple[dict, dict]:
    good, bad = parse_jsonstat(docs)
    return by_file(good, bad)


def by_file(good, bad) -> tuple[dict, dict]:
    """(cells by file, quarantine records by file)."""
    found: tuple[dict, dict] = ({}, {})
    for r in good.collect():
        found[0].setdefault(r["_source_file"], []).append(r)
    for r in bad.collect():
        found[1].setdefault(r.source_file, []).append(r)
    return found


def cells_of(parsed, name: str) -> set[tuple]:
    return rows(parsed[0].get(name, []))


def quarantined(parsed, name: str) -> list:
    return parsed[1].get(name, [])


def test_a_sparse_cube_decodes_every_value_and_status_position_to_its_codes(parsed):
    assert cells_of(parsed, "sparse") == CUBE_CELLS and quarantined(parsed, "sparse") == []


def test_index_value_and_status_as_arrays_give_the_same_cells_as_objects(parsed):
    assert cells_of(parsed, "dense") == CUBE_CELLS


def test_a_dimension_with_one_category_may_omit_its_index(parsed):
    assert cells_of(parsed, "no_unit_index") == CUBE_CELLS


def test_a_status_without_a_value_is_a_cell_with_a_null_value_and_a_colon_flag(parsed):
    assert cells_of(parsed, "status_only") == cells(("AT", 2020, "10", None), ("AT", 2021, None, ":"),
                                                    ("BE", 2021, None, ":c"), ("BE", 2022, None, ":c"))


def test_a_json_null_value_without_a_status_is_no_cell(parsed):
    assert cells_of(parsed, "json_null") == cells(("AT", 2020, "10", None))


def test_a_response_without_any_status_gives_its_values(parsed):
    assert cells_of(parsed, "no_status") == cells(("AT", 2020, "10", None), ("BE", 2022, "22", None))


def test_the_dataset_comes_from_the_response_lower_cased(parsed):
    assert {r.dataset for r in parsed[0]["old_service"]} == {"nrg_113a"}
    assert {r.dataset for r in parsed[0]["sparse"]} == {"demo_test"}


def test_the_caller_names_the_dataset_when_the_response_does_not(spark):
    nameless = spark.createDataFrame([("d.json", json.dumps(cube(extension={})))], DOCS)
    named, _ = parse_jsonstat(nameless, dataset="demo_r_pjangrp3")
    assert {r.dataset for r in named.collect()} == {"demo_r_pjangrp3"}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_an_unreadable_response_is_quarantined_whole_with_the_reason(parsed, name):
    doc, reason = UNREADABLE[name]
    (record,) = quarantined(parsed, name)
    assert name not in parsed[0] and reason in record.reason
    assert record.raw_record.startswith(doc if isinstance(doc, str) else "{")


def test_a_position_outside_the_cube_and_a_non_numeric_value_are_quarantined_cell_by_cell(parsed):
    assert cells_of(parsed, "bad_cells") == cells(("AT", 2020, "10", None))
    assert sorted(r.reason for r in quarantined(parsed, "bad_cells")) == [
        "flat position '6' is not a cell of the cube", "value not a number with at most 10 decimals: 'n/a'"]


def test_a_period_that_is_not_a_year_is_quarantined(parsed):
    assert "quarterly" not in parsed[0]
    assert [r.reason for r in quarantined(parsed, "quarterly")] == ["time period not an annual year: '2020-Q1'"]


def test_labels_and_the_vintage_come_with_the_response(spark):
    docs = spark.createDataFrame([("d.json", json.dumps(cube()))], DOCS)
    labels = {(r.dimension, r.code): r.label for r in jsonstat_labels(docs).collect()}
    assert labels == {("unit", "NR"): "Number", ("geo", "AT"): "Austria", ("geo", "BE"): "Belgium"}
    (vintage,) = jsonstat_vintages(docs).collect()
    assert (vintage.dataset, str(vintage.vintage)) == ("demo_test", "2024-03-14")


# ---- bulk TSV ----

CURRENT = [
    "freq,unit,geo\\TIME_PERIOD\t2020 \t2021 \t2022 \r",
    "A,NR,AT\t10 \t: \t12.5 e\r",
    "A,NR,BE\t20 \t: c\t22 p\r",
]
PRE_2023 = [
    "unit,geo\\time\t2022 \t2021 \t2020 ",
    "NR,AT\t12.5 e\t: \t10 ",
    "NR,BE\t22 p\t: c\t20 ",
]
TSV_FILES = {
    "current.tsv": CURRENT,
    "pre2023.tsv": PRE_2023,
    "short_lines.tsv": [CURRENT[0], "A,NR,AT\t10 \t: ", "A,AT\t1 \t2 \t3 ", CURRENT[2]],
    "bad_cells.tsv": [CURRENT[0], "A,NR,AT\t10 \tn.a. \t12,5 "],
    "unknown_header.tsv": ["freq,sex,geo\\TIME_PERIOD\t2020 ", "A,T,AT\t1 "],
    "no_header.tsv": ["A,NR,AT\t1 "],
}


@pytest.fixture(scope="module")
def demo_test_layout():
    """A three-dimension test dataset beside the real ones (the TSV parser checks headers against
    the dataset's layouts)."""
    from schemas import eurostat

    eurostat.DATASET_DIMENSIONS["demo_test"] = ("freq", "unit", "geo")
    yield
    del eurostat.DATASET_DIMENSIONS["demo_test"]


@pytest.fixture(scope="module")
def parsed_tsv(spark, demo_test_layout) -> tuple[dict, dict]:
    lines = [(name, line) for name, file in TSV_FILES.items() for line in file]
    return by_file(*parse_tsv(spark.createDataFrame(lines, LINES), dataset="demo_test"))


def test_a_current_layout_file_gives_one_row_per_cell_with_flags_in_normal_form(parsed_tsv):
    assert cells_of(parsed_tsv, "current.tsv") == CUBE_CELLS and quarantined(parsed_tsv, "current.tsv") == []


def test_the_pre_2023_layout_gives_the_same_rows_as_the_current_one(parsed_tsv):
    assert cells_of(parsed_tsv, "pre2023.tsv") == CUBE_CELLS


def test_the_same_cells_through_json_stat_and_tsv_give_identical_rows(parsed, parsed_tsv):
    assert cells_of(parsed, "sparse") == cells_of(parsed_tsv, "current.tsv")


def test_a_line_with_too_few_cells_or_key_codes_is_quarantined_whole(parsed_tsv):
    kept = parsed_tsv[0]["short_lines.tsv"]
    assert sorted(r.time_period for r in kept) == [2020, 2021, 2022] and {r.dimensions["geo"] for r in kept} == {"BE"}
    assert sorted((r.raw_record, r.reason) for r in quarantined(parsed_tsv, "short_lines.tsv")) == [
        ("A,AT\t1 \t2 \t3 ", "malformed line: 2 key codes, the header names 3"),
        ("A,NR,AT\t10 \t: ", "malformed line: 2 cells, the header has 3 periods"),
    ]


def test_an_unparsable_cell_is_quarantined_and_the_rest_of_its_line_kept(parsed_tsv):
    assert cells_of(parsed_tsv, "bad_cells.tsv") == cells(("AT", 2020, "10", None))
    assert sorted((r.raw_record, r.reason) for r in quarantined(parsed_tsv, "bad_cells.tsv")) == [
        ("A,NR,AT\t2021\tn.a. ", "cell not '<number> <flags>' or ': <flags>': 'n.a. '"),
        ("A,NR,AT\t2022\t12,5 ", "cell not '<number> <flags>' or ': <flags>': '12,5 '"),
    ]


def test_every_line_of_a_file_without_a_known_header_is_quarantined_with_the_reason(parsed_tsv):
    assert "unknown_header.tsv" not in parsed_tsv[0] and "no_header.tsv" not in parsed_tsv[0]
    assert [r.reason for r in quarantined(parsed_tsv, "no_header.tsv")] == ["no header line in the file"]
    (unknown,) = quarantined(parsed_tsv, "unknown_header.tsv")
    assert unknown.reason.startswith("header 'freq,sex,geo\\TIME_PERIOD' is not a demo_test layout")
