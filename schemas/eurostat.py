"""eurostat: regional population from Eurostat, with every silent revision kept as history.

Two datasets: ``demo_r_pjangrp3`` (population on 1 January by age group, sex and NUTS 3 region)
and ``demo_r_pjanind3`` (population structure indicators by NUTS 3 region), read either as
JSON-stat 2.0 API responses or as bulk TSV (the current layout and the pre-2023 one).

Design choices, and why:

* **One fact per dataset** (``fact_eurostat_population``, ``fact_eurostat_indicator``) rather
  than one generic observation table: the datasets have different dimensions (age and sex vs an
  indicator code), so each fact gets typed, NOT NULL natural-key columns and real foreign keys to
  its own dimensions, marts join without filtering on a dataset, and Redshift sorts and
  distributes each by what it is queried by. Both keep a ``dataset`` column so the natural key
  reads "dataset + every dimension code + time period" and the revision log can union them.
* **value is DECIMAL(18,4)**: Eurostat publishes at most a few decimals (here: integers and one
  decimal), so a decimal keeps every published value exactly, makes the history's "changed"
  comparison exact (no float noise can open a version) and sums population counts exactly. The
  parsers read any value up to 10 decimals exactly (other datasets have more than 4); a cell
  that would not fit decimal(18,4) exactly is quarantined for the fact, never rounded.
* **Years as an integer ``time_period``**, not a key to ``dim_date``: the data is annual (freq A),
  the shared calendar is a day grain, and a plain year joins directly to survey data (with the
  region code ``geo_code`` -> ``dim_region.region_code``) and to ``dim_date.year`` if ever needed.
  A non-annual period is quarantined.
* **History (SCD2)**: each load is one *vintage* V (a date: what Eurostat published then).
  ``valid_from`` = the vintage that opened the version, ``valid_to`` = the one that closed it
  (null while current). "Changed" compares ``value`` and ``flags`` (null-safe: a null value
  flagged ':' is a real cell); the scope a vintage covers is its ``dataset``, so a cell current
  in the warehouse and absent from a complete vintage of the same dataset is closed. A vintage
  older than one already loaded for the dataset is refused (jobs.warehouse.HistoryLoadRefused).
* **flags** is the published status in one normal form for both formats: the flag letters
  (``e``, ``p``, ``bp`` …) or null when there are none; a cell without a value always starts
  with ':' (``:`` not available, ``:c`` confidential), whichever way it was sent (TSV ``: c``,
  JSON-stat status ``c`` or ``:c`` without a value).

Pure data only: no Spark session, no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import types as T

from schemas.spec import (
    Column,
    Expression,
    ForeignKey,
    InRange,
    RawCsv,
    RawField,
    TableSpec,
)

POPULATION_DATASET = "demo_r_pjangrp3"
INDICATOR_DATASET = "demo_r_pjanind3"

# The dimensions of each dataset, in Eurostat's order (= JSON-stat ``id`` without time = the
# current TSV key column). The time dimension is "time" in JSON-stat, "TIME_PERIOD" in the current
# TSV header and "time" in the pre-2023 one.
DATASET_DIMENSIONS: dict[str, tuple[str, ...]] = {
    POPULATION_DATASET: ("freq", "unit", "sex", "age", "geo"),
    INDICATOR_DATASET: ("freq", "indic_de", "unit", "geo"),
}
TIME_DIMENSIONS = ("time", "TIME_PERIOD")
ANNUAL = "A"

VALUE_TYPE = "decimal(18,4)"
"""The facts' value type: exact for every value these datasets publish (integers, one decimal)."""
PARSED_VALUE = T.DecimalType(38, 10)
"""The parsers' value type, wide enough for any Eurostat dataset (the real JSON-stat samples carry
5 decimals); a cell that does not fit the fact's decimal(18,4) exactly is quarantined when the
cells are staged for a fact, never rounded."""


# ---- raw layouts ----


@dataclass(frozen=True)
class EurostatTsvLayout:
    """One bulk TSV layout: the first header cell is ``<dimensions comma-joined>\\<time name>``,
    the other header cells are periods; data cells are ``<value> <flags>`` (value ``:`` when
    missing) with a trailing space."""

    name: str
    dimensions: tuple[str, ...]
    time_dimension: str
    periods_descending: bool

    @property
    def key_header(self) -> str:
        return ",".join(self.dimensions) + "\\" + self.time_dimension


def tsv_layouts(dataset: str) -> tuple[EurostatTsvLayout, ...]:
    """The bulk layouts a dataset's TSV may come in: the current API one (freq first,
    ``\\TIME_PERIOD``, periods ascending) and the pre-2023 bulk download one (no freq column,
    ``\\time``, periods descending; the frequency is implied annual)."""
    dims = DATASET_DIMENSIONS[dataset]
    return (
        EurostatTsvLayout("current", dims, "TIME_PERIOD", periods_descending=False),
        EurostatTsvLayout("pre2023", tuple(d for d in dims if d != "freq"), "time", periods_descending=True),
    )


RAW_NUTS = RawCsv(
    name="nuts",
    file_glob="nuts-*.csv",
    delimiter=";",
    fields=(
        RawField("2016 NUTS", "varchar(16)", required=True),
        RawField("2016 NUTS name", "varchar(200)"),
    ),
)
"""The NUTS code list as published (``nuts-2016.csv``: ``;``-separated, CRLF, UTF-8)."""

# JSON-stat 2.0 as Eurostat sends it. ``value``, ``status`` and each ``category.index`` may be an
# object or an array, so they are read as raw JSON text here and decoded by shape afterwards.
_CATEGORY = T.StructType([
    T.StructField("index", T.StringType()),
    T.StructField("label", T.MapType(T.StringType(), T.StringType())),
])
JSONSTAT_SCHEMA = T.StructType([
    T.StructField("version", T.StringType()),
    T.StructField("class", T.StringType()),
    T.StructField("label", T.StringType()),
    T.StructField("updated", T.StringType()),
    T.StructField("id", T.ArrayType(T.StringType())),
    T.StructField("size", T.ArrayType(T.LongType())),
    T.StructField("value", T.StringType()),
    T.StructField("status", T.StringType()),
    T.StructField("dimension", T.MapType(T.StringType(), T.StructType([
        T.StructField("label", T.StringType()),
        T.StructField("category", _CATEGORY),
    ]))),
    T.StructField("extension", T.StructType([
        T.StructField("datasetId", T.StringType()),  # the JSON web service (pre-2023)
        T.StructField("id", T.StringType()),  # API Statistics 1.0
    ])),
    T.StructField("error", T.StringType()),  # an error response instead of a dataset
])
"""Explicit schema of one JSON-stat 2.0 response (``from_json``; nothing inferred)."""

# ---- intermediate rows (between parsing and the facts; not warehouse tables) ----

OBSERVATION_SCHEMA = T.StructType([
    T.StructField("_source_file", T.StringType()),
    T.StructField("_row_id", T.LongType()),  # order within the file (duplicates keep the first)
    T.StructField("dataset", T.StringType(), False),
    T.StructField("dimensions", T.MapType(T.StringType(), T.StringType()), False),  # dimension -> code
    T.StructField("time_period", T.IntegerType(), False),
    T.StructField("value", PARSED_VALUE),
    T.StructField("flags", T.StringType()),
])
"""One published cell, whatever format it came in: what the JSON-stat and TSV parsers return."""

LABEL_SCHEMA = T.StructType([
    T.StructField("dataset", T.StringType()),
    T.StructField("dimension", T.StringType(), False),
    T.StructField("code", T.StringType(), False),
    T.StructField("label", T.StringType()),
])
"""One dimension category's label as a dataset publishes it (null when only the code is known)."""

# ---- warehouse tables ----

DIM_REGION = TableSpec(
    name="dim_region",
    grain="One row per geo code (NUTS region at level 0-3 or a statistical aggregate such as "
          "EU27_2020); key region_key (-1 = unknown region).",
    description="Conformed regions: the NUTS list plus every code the datasets use; ready for "
                "joins from other sources by region_code.",
    columns=(
        Column("region_key", "bigint", False, "xxhash64 of the normalised region code"),
        Column("region_code", "varchar(16)", False, "Eurostat geo code (NUTS code or aggregate code)"),
        Column("region_name", "varchar(200)", False,
               "Label as the dataset publishes it, else the NUTS list name, else the code"),
        Column("nuts_name", "varchar(200)", True, "Name in the NUTS list (null when the code is not in it)"),
        Column("is_nuts", "boolean", False,
               "A NUTS region (country prefix of the list); false for aggregates like EU27_2020, EA20"),
        Column("in_nuts_list", "boolean", False,
               "The code is in the loaded NUTS list (false e.g. for codes of a later NUTS version)"),
        Column("nuts_level", "smallint", True, "0 country … 3; from the code length (null for aggregates)"),
        Column("country_code", "varchar(2)", True, "Country (NUTS 0) code; null for aggregates"),
        Column("nuts1_code", "varchar(3)", True, "NUTS 1 parent (itself at level 1)"),
        Column("nuts2_code", "varchar(4)", True, "NUTS 2 parent (itself at level 2)"),
        Column("parent_code", "varchar(16)", True, "Immediate parent: the code minus its last character"),
        Column("is_extra_regio", "boolean", False, "Extra-Regio code (…Z, …ZZ, …ZZZ)"),
    ),
    primary_key=("region_key",),
    natural_key=("region_code",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("region_key",),
    checks=(
        InRange("nuts_level", 0, 3),
        Expression("NUTS regions have a country", "NOT is_nuts OR country_code IS NOT NULL"),
    ),
)

DIM_AGE_GROUP = TableSpec(
    name="dim_age_group",
    grain="One row per Eurostat age code (TOTAL, Y_LT5, Y5-9 … Y_GE85, UNK …); key age_group_key "
          "(-1 = unknown age group).",
    columns=(
        Column("age_group_key", "bigint", False, "xxhash64 of the normalised age code"),
        Column("age_code", "varchar(16)", False, "Eurostat age code"),
        Column("age_label", "varchar(100)", False, "Label as published, else derived from the code"),
        Column("age_lower", "smallint", True, "First year of age included (null for UNK)"),
        Column("age_upper", "smallint", True, "Last year of age included; null = open-ended (Y_GE85, TOTAL)"),
        Column("is_total", "boolean", False, "All ages (TOTAL)"),
        Column("is_aggregate", "boolean", False,
               "Spans several 5-year bands (TOTAL, Y_LT15, Y15-64, Y_GE65 …)"),
        Column("is_band", "boolean", False,
               "One of the disjoint bands Y_LT5, Y5-9 … Y80-84, Y_GE85 that, with UNK, make up TOTAL"),
        Column("is_unknown_age", "boolean", False, "Age not stated (UNK)"),
    ),
    primary_key=("age_group_key",),
    natural_key=("age_code",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("age_group_key",),
    checks=(
        InRange("age_lower", 0, 130),
        Expression("age bounds are ordered", "age_upper IS NULL OR age_lower <= age_upper"),
    ),
)

DIM_SEX = TableSpec(
    name="dim_sex",
    grain="One row per Eurostat sex code (T, F, M …); key sex_key (-1 = unknown).",
    columns=(
        Column("sex_key", "bigint", False, "xxhash64 of the normalised sex code"),
        Column("sex_code", "varchar(8)", False, "Eurostat sex code"),
        Column("sex_label", "varchar(50)", False, "Label as published, else derived from the code"),
        Column("is_total", "boolean", False, "Both sexes (T)"),
    ),
    primary_key=("sex_key",),
    natural_key=("sex_code",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("sex_key",),
)

DIM_INDICATOR = TableSpec(
    name="dim_indicator",
    grain="One row per population structure indicator (indic_de code); key indicator_key "
          "(-1 = unknown indicator).",
    columns=(
        Column("indicator_key", "bigint", False, "xxhash64 of the normalised indic_de code"),
        Column("indicator_code", "varchar(32)", False, "Eurostat indic_de code, e.g. MEDAGEPOP"),
        Column("indicator_label", "varchar(300)", False, "Label as published, else the code"),
        Column("unit_code", "varchar(16)", True, "Unit the indicator is published in (PC, YR)"),
        Column("unit_label", "varchar(100)", True, "Unit label as published"),
    ),
    primary_key=("indicator_key",),
    natural_key=("indicator_code",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("indicator_key",),
)

_KEY = "xxhash64 of the natural key (dataset + dimension codes + time period): the cell, stable across versions"
_VALUE = "Published value (null when not available: see flags)"
_FLAGS = "Published flags: letters (e estimated, p provisional, b break …) or null; ':' + letters when no value"
_VALID_FROM = "Vintage (publication date) that opened this version"
_VALID_TO = "Vintage that closed it (changed or withdrawn); null while current"

FACT_EUROSTAT_POPULATION = TableSpec(
    name="fact_eurostat_population",
    grain="One row per version of a published cell of demo_r_pjangrp3: (dataset, freq, unit, sex, "
          "age, geo, year) from valid_from until valid_to; key (observation_key, valid_from).",
    description="Population on 1 January by age group, sex and NUTS 3 region, every vintage kept (SCD2).",
    columns=(
        Column("observation_key", "bigint", False, _KEY),
        Column("dataset", "varchar(32)", False, "Eurostat dataset code (demo_r_pjangrp3)"),
        Column("freq", "varchar(2)", False, "Frequency (A = annual)"),
        Column("unit", "varchar(16)", False, "Unit (NR = number of persons)"),
        Column("sex_code", "varchar(8)", False, "Eurostat sex code"),
        Column("age_code", "varchar(16)", False, "Eurostat age code"),
        Column("geo_code", "varchar(16)", False, "Eurostat geo code -> dim_region.region_code"),
        Column("time_period", "int", False, "Year (population on 1 January of it)"),
        Column("region_key", "bigint", False, "-> dim_region (-1 unknown)"),
        Column("age_group_key", "bigint", False, "-> dim_age_group (-1 unknown)"),
        Column("sex_key", "bigint", False, "-> dim_sex (-1 unknown)"),
        Column("value", VALUE_TYPE, True, _VALUE),
        Column("flags", "varchar(8)", True, _FLAGS),
        Column("valid_from", "date", False, _VALID_FROM),
        Column("valid_to", "date", True, _VALID_TO),
    ),
    primary_key=("observation_key", "valid_from"),
    natural_key=("dataset", "freq", "unit", "sex_code", "age_code", "geo_code", "time_period"),
    foreign_keys=(
        ForeignKey("region_key", DIM_REGION.name, "region_key"),
        ForeignKey("age_group_key", DIM_AGE_GROUP.name, "age_group_key"),
        ForeignKey("sex_key", DIM_SEX.name, "sex_key"),
    ),
    load_mode="history",
    history_scope=("dataset",),
    history_compare=("value", "flags"),
    diststyle="KEY",
    distkey="geo_code",
    sortkey=("geo_code", "time_period"),
    checks=(
        InRange("value", 0, None),
        Expression("a vintage's rows are open", "valid_to IS NULL"),
        Expression("a cell without a value is flagged ':'", "value IS NOT NULL OR flags LIKE ':%'"),
    ),
)

FACT_EUROSTAT_INDICATOR = TableSpec(
    name="fact_eurostat_indicator",
    grain="One row per version of a published cell of demo_r_pjanind3: (dataset, freq, indic_de, "
          "unit, geo, year) from valid_from until valid_to; key (observation_key, valid_from).",
    description="Population structure indicators by NUTS 3 region, every vintage kept (SCD2).",
    columns=(
        Column("observation_key", "bigint", False, _KEY),
        Column("dataset", "varchar(32)", False, "Eurostat dataset code (demo_r_pjanind3)"),
        Column("freq", "varchar(2)", False, "Frequency (A = annual)"),
        Column("indicator_code", "varchar(32)", False, "Eurostat indic_de code -> dim_indicator"),
        Column("unit", "varchar(16)", False, "Unit (PC percent, YR years)"),
        Column("geo_code", "varchar(16)", False, "Eurostat geo code -> dim_region.region_code"),
        Column("time_period", "int", False, "Year"),
        Column("region_key", "bigint", False, "-> dim_region (-1 unknown)"),
        Column("indicator_key", "bigint", False, "-> dim_indicator (-1 unknown)"),
        Column("value", VALUE_TYPE, True, _VALUE),
        Column("flags", "varchar(8)", True, _FLAGS),
        Column("valid_from", "date", False, _VALID_FROM),
        Column("valid_to", "date", True, _VALID_TO),
    ),
    primary_key=("observation_key", "valid_from"),
    natural_key=("dataset", "freq", "indicator_code", "unit", "geo_code", "time_period"),
    foreign_keys=(
        ForeignKey("region_key", DIM_REGION.name, "region_key"),
        ForeignKey("indicator_key", DIM_INDICATOR.name, "indicator_key"),
    ),
    load_mode="history",
    history_scope=("dataset",),
    history_compare=("value", "flags"),
    diststyle="KEY",
    distkey="geo_code",
    sortkey=("geo_code", "time_period"),
    checks=(
        Expression("a vintage's rows are open", "valid_to IS NULL"),
        Expression("a cell without a value is flagged ':'", "value IS NOT NULL OR flags LIKE ':%'"),
    ),
)

FACTS_BY_DATASET = {POPULATION_DATASET: FACT_EUROSTAT_POPULATION, INDICATOR_DATASET: FACT_EUROSTAT_INDICATOR}

AGE_BANDS_SUM_RULE = "age bands sum to TOTAL (Y_LT5 … Y_GE85 + UNK = TOTAL per region, sex, year)"
"""Table-level warning on fact_eurostat_population (transforms.eurostat.age_band_sum_mismatches)."""

TABLES = (DIM_REGION, DIM_AGE_GROUP, DIM_SEX, DIM_INDICATOR, FACT_EUROSTAT_POPULATION, FACT_EUROSTAT_INDICATOR)
VIEWS = (
    "fact_eurostat_population_current",
    "fact_eurostat_indicator_current",
    "eurostat_population_by_region_year",
    "eurostat_indicators_by_region_year",
    "eurostat_revision_log",
    "eurostat_largest_revisions",
)
