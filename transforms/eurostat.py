"""eurostat: JSON-stat 2.0 and bulk TSV -> published cells -> dimensions and history facts, as
pure DataFrame functions (no IO, no actions).

Both formats end in the same rows (``schemas.eurostat.OBSERVATION_SCHEMA``): one per published
cell with its dataset, a map dimension -> code, the year, the value (exact decimal) and the flags
in one normal form, so the same publication read either way gives identical rows. Cells that
cannot be read go to quarantine (``schemas.common.QUARANTINE_SCHEMA``) with the reason.

Inputs the job hands over:

* JSON-stat: one row per landed response, ``_source_file`` and ``json`` (the whole text, e.g.
  ``spark.read.text(paths, wholetext=True)`` with the file path).
* TSV: one row per text line, ``_source_file`` and ``line`` (e.g. ``spark.read.text(paths)``;
  ``.gz`` is decompressed by Spark), optionally ``_row_id`` (file order). Each file's header line
  is among its lines: it is recognised by the backslash in its first cell, so the job needs to
  know nothing about the layout.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas.eurostat import (
    AGE_BANDS_SUM_RULE,
    ANNUAL,
    DATASET_DIMENSIONS,
    DIM_AGE_GROUP,
    DIM_INDICATOR,
    DIM_REGION,
    DIM_SEX,
    FACT_EUROSTAT_INDICATOR,
    FACT_EUROSTAT_POPULATION,
    JSONSTAT_SCHEMA,
    PARSED_VALUE,
    RAW_NUTS,
    TIME_DIMENSIONS,
    VALUE_TYPE,
    tsv_layouts,
)
from schemas.spec import TableSpec
from transforms.contract import conform
from transforms.keys import lookup_key, surrogate_key, with_unknown_member
from transforms.quality import QualityResult
from transforms.staging import (
    ROW_ID,
    SOURCE_FILE,
    accepted,
    parse_rows,
    quarantine_records,
    rejected,
    split_duplicates,
)

REASON = "_reject_reason"
RECORD = "_raw_record"
_CORRUPT = "_corrupt_record"
_JSONSTAT_OR_CORRUPT = T.StructType([*JSONSTAT_SCHEMA.fields, T.StructField(_CORRUPT, T.StringType())])
DOCUMENT_EXCERPT = 4000  # quarantined documents keep their start; the whole response stays in the raw zone
_STRING_MAP = T.MapType(T.StringType(), T.StringType())
_STRING_ARRAY = T.ArrayType(T.StringType())
_FIVE_YEAR_BANDS = ("Y_LT5", *(f"Y{a}-{a + 4}" for a in range(5, 85, 5)), "Y_GE85")
"""The disjoint bands that, with UNK, make up TOTAL in demo_r_pjangrp3 (18 of them)."""


# ---- column logic shared by both formats ----


def keep_where(rows: DataFrame, condition: Column) -> DataFrame:
    """``rows.filter(condition)`` that the optimizer cannot push below the projection computing
    ``condition``: a pushed-down filter inlines every alias it references, so a condition on a
    parsed document re-ran ``from_json`` over the whole response once per field it reads (10 s
    instead of 1 s for one 1 MB response). Exploding a one-element array is no Filter, so it
    stays where it is."""
    return rows.select("*", F.explode(F.when(condition, F.array(F.lit(True)))).alias("_kept")).drop("_kept")


def exact_value(text: Column) -> Column:
    """The published value as DECIMAL(38,10), or null when the text is no number or has more than
    10 decimals: never silently rounded. Accepts what Spark's JSON reader gives back for a JSON
    number too (``1.0E7``)."""
    exact = F.trim(text).rlike(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
    widest = F.trim(text).cast(T.DecimalType(38, 18))
    return F.when(exact & (widest == F.round(widest, PARSED_VALUE.scale)), widest.cast(PARSED_VALUE))


def fits(value: Column, logical_type: str) -> Column:
    """True when a parsed value converts to a ``decimal(p,s)`` column without rounding or overflow
    (null stays allowed)."""
    target = value.cast(logical_type)
    return value.isNull() | (target.isNotNull() & (target == value))


def normalised_flags(value: Column, flags: Column) -> Column:
    """One normal form for both formats: the flag letters, or null when there are none; a cell
    without a value always starts with ':' (TSV ``: c``, JSON-stat status ``c`` or ``:c`` -> ``:c``;
    TSV ``:`` and status ``:`` -> ``:``)."""
    letters = F.regexp_replace(F.coalesce(flags, F.lit("")), r"[\s:]", "")
    return F.when(value.isNull(), F.concat(F.lit(":"), letters)).when(letters != "", letters)


def year_of(period: Column) -> Column:
    """The year of an annual period code (``2014``); null for any other period (2014-Q1, 2014-05)."""
    return F.when(F.trim(period).rlike(r"^[0-9]{4}$"), F.trim(period).cast("int"))


def _with_annual_freq(dimensions: Column) -> Column:
    # The pre-2023 TSV and the old JSON web service carry no freq: their periods are years.
    return F.when(F.map_contains_key(dimensions, "freq"), dimensions).otherwise(
        F.map_concat(dimensions, F.create_map(F.lit("freq"), F.lit(ANNUAL))))


def _cells(rows: DataFrame, *, source: str, value_text: Column, flag_text: Column, period: Column,
           malformed: Column) -> tuple[DataFrame, DataFrame]:
    """Typed cells and quarantine records from rows that carry ``dataset``, ``dimensions``, the
    cell's texts and ``_raw_record``; ``malformed`` is a reason found earlier (or null)."""
    value = exact_value(value_text)
    missing = F.trim(value_text) == ":"
    reason = F.coalesce(
        malformed,
        F.when(year_of(period).isNull(),
               F.concat(F.lit("time period not an annual year: '"), F.coalesce(period, F.lit("")), F.lit("'"))),
        F.when(value_text.isNotNull() & ~missing & value.isNull(),
               F.concat(F.lit(f"value not a number with at most {PARSED_VALUE.scale} decimals: '"), value_text,
                        F.lit("'"))),
    )
    typed = rows.select(
        SOURCE_FILE, ROW_ID, "dataset",
        _with_annual_freq(F.col("dimensions")).alias("dimensions"),
        year_of(period).alias("time_period"),
        value.alias("value"),
        normalised_flags(value, flag_text).alias("flags"),
        reason.alias(REASON), RECORD,
    )
    good = keep_where(typed, F.col(REASON).isNull()).drop(REASON, RECORD)
    bad = quarantine_records(keep_where(typed, F.col(REASON).isNotNull()), source=source,
                             record=F.col(RECORD), reason=F.col(REASON))
    return good, bad


# ---- JSON-stat 2.0 ----


def _category_codes(category: Column) -> Column:
    """A dimension's codes in position order, from ``category.index`` as an array or as an object
    code -> position; a dimension with one category may omit the index (its label names it)."""
    raw = category["index"]
    as_array = F.from_json(raw, _STRING_ARRAY)
    as_object = F.from_json(raw, T.MapType(T.StringType(), T.LongType()))
    position_code = F.transform(F.map_entries(as_object),
                                lambda e: F.struct(e["value"].alias("p"), e["key"].alias("c")))
    by_position = F.transform(F.array_sort(position_code), lambda e: e["c"])
    shape = F.substring(F.ltrim(raw), 1, 1)
    return (F.when(shape == "[", as_array).when(shape == "{", by_position)
            .otherwise(F.array_sort(F.map_keys(category["label"]))))


def _positional(raw: Column) -> Column:
    """``value`` / ``status`` as a map flat position -> text, whether sent as an object keyed by
    position (sparse) or as an array (dense); JSON nulls dropped."""
    shape = F.substring(F.ltrim(raw), 1, 1)
    as_array = F.from_json(raw, _STRING_ARRAY)
    indexed = F.map_from_arrays(F.transform(as_array, lambda _, i: i.cast("string")), as_array)
    positional = F.when(shape == "{", F.from_json(raw, _STRING_MAP)).when(shape == "[", indexed)
    nothing = F.from_json(F.lit("{}"), _STRING_MAP)  # e.g. no status at all
    return F.map_filter(F.coalesce(positional, nothing), lambda _, v: v.isNotNull())


def _documents(docs: DataFrame, dataset: str | None) -> DataFrame:
    """One row per response: the decoded cube metadata, the value and status maps, and the reason
    the whole response cannot be read (null when it can)."""
    # A malformed document (e.g. cut short) would otherwise yield the fields read before the
    # error: the corrupt-record column says it did not parse whole.
    d = F.from_json(F.col("json"), _JSONSTAT_OR_CORRUPT, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT})
    parsed = docs.select(SOURCE_FILE, "json", d.alias("d"))
    ids, sizes = F.col("d.id"), F.col("d.size")
    n = F.size(ids)
    dims = F.sequence(F.lit(0), F.greatest(n - 1, F.lit(0)))
    codes = F.transform(ids, lambda name: _category_codes(F.col("d.dimension")[name]["category"]))
    strides = F.transform(sizes, lambda _, i: F.aggregate(F.slice(sizes, i + 2, n), F.lit(1).cast("long"),
                                                          lambda acc, x: acc * x))
    time_names = F.filter(ids, lambda name: name.isin(*TIME_DIMENSIONS))
    status_shape = F.substring(F.ltrim(F.col("d.status")), 1, 1)
    ds = F.lower(F.coalesce(F.lit(dataset), F.col("d.extension.datasetId"), F.col("d.extension.id")))
    reason = F.coalesce(
        F.when(F.col("d").isNull() | F.col(f"d.{_CORRUPT}").isNotNull() | ~F.ltrim(F.col("json")).startswith("{"),
               F.lit("not a JSON document")),
        F.when((F.col("d.class") == "error") | F.col("d.error").isNotNull(),
               F.concat(F.lit("an error response, not a dataset: "),
                        F.coalesce(F.col("d.error"), F.col("d.label"), F.lit("")))),
        F.when(ids.isNull() | sizes.isNull() | (n != F.size(sizes)) | (n == 0),
               F.lit("not a JSON-stat 2.0 dataset: id and size missing or of different lengths")),
        F.when(F.col("d.value").isNull(), F.lit("not a JSON-stat 2.0 dataset: no value")),
        F.when(F.exists(ids, lambda name: F.col("d.dimension")[name].isNull()),
               F.lit("a dimension named in id is missing from dimension")),
        F.when(F.exists(dims, lambda i: F.coalesce(F.size(codes[i]) != sizes[i], F.lit(True))),
               F.lit("a dimension's category index does not have as many codes as size says")),
        F.when(F.size(time_names) != 1, F.lit("no time dimension (time or TIME_PERIOD)")),
        F.when(ds.isNull(), F.lit("no dataset id (extension.id / extension.datasetId) and none given")),
    )
    return parsed.select(
        SOURCE_FILE,
        ds.alias("dataset"),
        ids.alias("ids"), sizes.alias("sizes"), strides.alias("strides"), codes.alias("codes"),
        F.element_at(time_names, 1).alias("time_name"),
        F.aggregate(sizes, F.lit(1).cast("long"), lambda acc, x: acc * x).alias("cells"),
        _positional(F.col("d.value")).alias("values"),
        _positional(F.col("d.status")).alias("statuses"),
        F.when(F.col("d.status").isNotNull() & ~status_shape.isin("{", "["), F.col("d.status")).alias("status_all"),
        F.substring(F.col("json"), 1, DOCUMENT_EXCERPT).alias("excerpt"),
        reason.alias(REASON),
    )


def _entries(values: Column, statuses: Column) -> Column:
    """Every position of ``value`` or ``status`` once, as struct(key, p, v, s), merged inside the
    row: both maps' entries are sorted together by (position, value-before-status), so a status
    belonging to a value is the next element and a status without a value has no value element
    just before it. Element access by index is O(1), so the merge costs one sort per response
    and no shuffle (looking positions up in a map would scan it once per cell)."""
    def entry(e: Column, kind: int) -> Column:
        none = F.lit(None).cast("string")
        return F.struct(e["key"].cast("long").alias("p"), F.lit(kind).alias("k"), e["key"].alias("key"),
                        (e["value"] if kind == 0 else none).alias("v"), (none if kind == 0 else e["value"]).alias("s"))

    return F.sort_array(F.concat(F.transform(F.map_entries(values), lambda e: entry(e, 0)),
                                 F.transform(F.map_entries(statuses), lambda e: entry(e, 1))))


def _merged(sorted_entries: Column) -> Column:
    def merge(e: Column, i: Column) -> Column:
        following, preceding = sorted_entries[i + 1], sorted_entries[i - 1]  # null beyond the ends
        status = F.when(e["k"] == 1, e["s"]).when(following["p"] == e["p"], following["s"])
        keep = (e["k"] == 0) | ~F.coalesce((preceding["p"] == e["p"]) & (preceding["k"] == 0), F.lit(False))
        return F.struct(e["key"].alias("key"), e["p"].alias("p"), e["v"].alias("v"), status.alias("s"),
                        keep.alias("keep"))

    return F.filter(F.transform(sorted_entries, merge), lambda e: e["keep"])


def _decoded(cells: DataFrame) -> DataFrame:
    """One row per cell with its coordinates decoded by index arithmetic: flat position p lies at
    ``(p / stride_i) % size_i`` along dimension i, whose code is the i-th dimension's code at
    that position. Done in the projection of the explode, so the cube's code arrays are read in
    place, never copied per cell."""
    p = F.col("_cell.p")
    inside = p.isNotNull() & (p >= 0) & (p < F.col("cells"))
    coordinates = F.transform(F.col("ids"), lambda _, i: F.element_at(
        F.col("codes")[i], (F.floor(p / F.col("strides")[i]) % F.col("sizes")[i]).cast("int") + 1))
    named = F.map_from_arrays(F.col("ids"), coordinates)
    return cells.select(
        SOURCE_FILE, "dataset",
        F.coalesce(p, F.lit(-1)).alias(ROW_ID),
        F.when(inside, F.map_filter(named, lambda k, _: ~k.isin(*TIME_DIMENSIONS))).alias("dimensions"),
        F.when(inside, named[F.col("time_name")]).alias("period"),
        F.when(~inside, F.concat(F.lit("flat position '"), F.col("_cell.key"),
                                 F.lit("' is not a cell of the cube"))).alias("_bad_position"),
        F.col("_cell.v").alias("value_text"),
        F.coalesce(F.col("_cell.s"), F.col("status_all")).alias("status_text"),
    )


def parse_jsonstat(docs: DataFrame, *, dataset: str | None = None) -> tuple[DataFrame, DataFrame]:
    """One row per published cell of JSON-stat 2.0 responses (``OBSERVATION_SCHEMA``): every
    position in ``value`` or ``status`` (object keyed by flat position, or array), so a cell with
    a status and no value is kept (value null, flags ':…'). ``dataset`` names the dataset when the
    responses do not (``extension.id`` / ``extension.datasetId``, lower-cased). Returns the cells
    and quarantine records (unreadable responses with an excerpt; cells whose position lies
    outside the cube, whose value is no exact number or whose period is not a year). Each
    response is parsed once per output: a job reading both should stage the cells first."""
    documents = _documents(docs, dataset)
    readable = keep_where(documents, F.col(REASON).isNull())
    sorted_entries = readable.select("*", _entries(F.col("values"), F.col("statuses")).alias("_sorted"))
    cells = _decoded(sorted_entries.select("*", F.explode(_merged(F.col("_sorted"))).alias("_cell")))
    record = F.to_json(F.struct(F.col(ROW_ID).alias("position"), "dimensions", "period",
                                F.col("value_text").alias("value"), F.col("status_text").alias("status")))
    good, bad_cells = _cells(
        cells.select("*", record.alias(RECORD)),
        source="eurostat_jsonstat", value_text=F.col("value_text"), flag_text=F.col("status_text"),
        period=F.col("period"), malformed=F.col("_bad_position"))
    bad_documents = quarantine_records(keep_where(documents, F.col(REASON).isNotNull()), source="eurostat_jsonstat",
                                       record=F.col("excerpt"), reason=F.col(REASON))
    return good, bad_documents.unionByName(bad_cells)


def jsonstat_labels(docs: DataFrame, *, dataset: str | None = None) -> DataFrame:
    """One row per (dataset, dimension, code) with the category label a response publishes
    (``LABEL_SCHEMA``), for the dimensions; unreadable responses give none."""
    d = F.from_json(F.col("json"), JSONSTAT_SCHEMA)
    ds = F.lower(F.coalesce(F.lit(dataset), d["extension"]["datasetId"], d["extension"]["id"]))
    per_dimension = docs.select(ds.alias("dataset"), F.explode(d["dimension"]).alias("dimension", "spec"))
    labels = per_dimension.select("dataset", "dimension",
                                  F.explode(F.col("spec.category.label")).alias("code", "label"))
    return labels.filter(~F.col("dimension").isin(*TIME_DIMENSIONS)).distinct()


def jsonstat_vintages(docs: DataFrame, *, dataset: str | None = None) -> DataFrame:
    """One row per response: its dataset and ``updated`` (when Eurostat last changed it) as text
    and as a date — the vintage a job may load the response as."""
    d = F.from_json(F.col("json"), JSONSTAT_SCHEMA)
    return docs.select(
        SOURCE_FILE,
        F.lower(F.coalesce(F.lit(dataset), d["extension"]["datasetId"], d["extension"]["id"])).alias("dataset"),
        d["updated"].alias("updated"),
        F.to_date(F.substring(d["updated"], 1, 10)).alias("vintage"),
    )


# ---- bulk TSV (current and pre-2023 layouts) ----


def _trim(text: Column) -> Column:
    """``F.trim`` of one element, for ``F.transform``: transform passes (element, index) to a
    function taking two parameters, and Spark 4's ``trim(col, trim=None)`` does, so ``F.trim``
    itself would strip the index's digits from each element there (``'2022 '`` -> ``'022 '``)."""
    return F.trim(text)


def _tsv_headers(lines: DataFrame, dataset: str) -> DataFrame:
    """One row per file: its dimensions and periods from the header line, or why it has none."""
    first = F.split(F.col("line"), "\t")
    key_cell = F.trim(first[0])
    dims = F.split(F.lower(F.substring_index(key_cell, "\\", 1)), ",")
    time_name = F.substring_index(key_cell, "\\", -1)
    known = F.lit(False)
    for layout in tsv_layouts(dataset):
        known = known | ((dims == F.array(*[F.lit(d) for d in layout.dimensions]))
                         & (F.lower(time_name) == layout.time_dimension.lower()))
    headers = lines.filter(key_cell.contains("\\")).groupBy(SOURCE_FILE).agg(
        F.count(F.lit(1)).alias("_headers"), F.first(dims).alias("_dims"),
        F.first(F.transform(F.slice(first, 2, F.size(first)), _trim)).alias("_periods"),
        F.first(known).alias("_known"), F.first(key_cell).alias("_key_header"))
    expected = " or ".join(f"'{layout.key_header}'" for layout in tsv_layouts(dataset))
    reason = (F.when(F.col("_headers") > 1, F.lit("more than one header line in the file"))
              .when(~F.col("_known"), F.concat(F.lit("header '"), F.col("_key_header"),
                                               F.lit(f"' is not a {dataset} layout (expected {expected})"))))
    return headers.select(SOURCE_FILE, "_dims", "_periods", reason.alias("_header_reason"))


def parse_tsv(lines: DataFrame, *, dataset: str) -> tuple[DataFrame, DataFrame]:
    """One row per cell of bulk TSV files (``OBSERVATION_SCHEMA``), current layout
    (``freq,…,geo\\TIME_PERIOD``, periods ascending) or pre-2023 (``…,geo\\time``, periods
    descending, no freq: annual implied). A cell is ``<value> <flags>`` with a trailing space
    (``12.3 e``, ``46.1 ``), ``: `` when missing, ``: c`` missing with a flag. Returns the cells and
    quarantine records: lines of a file without a known header, lines whose key or number of
    cells does not match the header (one record per line), cells that are not ``<number> <flags>``
    or ``: <flags>`` (one record per cell)."""
    if ROW_ID not in lines.columns:
        lines = lines.withColumn(ROW_ID, F.monotonically_increasing_id())  # file order only; never a key
    text = lines.select(SOURCE_FILE, ROW_ID, F.regexp_replace("line", r"\r$", "").alias("line"))
    text = text.filter(F.trim(F.col("line")) != "")  # a blank line is no record
    is_header = F.split(F.col("line"), "\t")[0].contains("\\")
    headers = F.broadcast(_tsv_headers(text, dataset))
    data = text.filter(~is_header).join(headers, SOURCE_FILE, "left")
    fields = F.split(F.col("line"), "\t")
    key = F.split(F.trim(fields[0]), ",")
    values = F.slice(fields, 2, F.size(fields))
    line_reason = (
        F.when(F.col("_dims").isNull(), F.lit("no header line in the file"))
        .when(F.col("_header_reason").isNotNull(), F.col("_header_reason"))
        .when(F.size(key) != F.size("_dims"),
              F.concat(F.lit("malformed line: "), F.size(key).cast("string"), F.lit(" key codes, the header names "),
                       F.size("_dims").cast("string")))
        .when(F.size(values) != F.size("_periods"),
              F.concat(F.lit("malformed line: "), F.size(values).cast("string"), F.lit(" cells, the header has "),
                       F.size("_periods").cast("string"), F.lit(" periods")))
        .when(F.exists(key, lambda c: F.trim(c) == ""), F.lit("malformed line: an empty key code"))
    )
    checked = data.select("*", line_reason.alias(REASON))
    bad_lines = quarantine_records(keep_where(checked, F.col(REASON).isNotNull()), source="eurostat_tsv",
                                   record=F.col("line"), reason=F.col(REASON))
    series = keep_where(checked, F.col(REASON).isNull()).select(
        SOURCE_FILE, ROW_ID, F.trim(fields[0]).alias("_series"),
        F.map_from_arrays(F.col("_dims"), F.transform(key, _trim)).alias("dimensions"),
        F.explode(F.arrays_zip(F.col("_periods").alias("period"), values.alias("cell"))).alias("_c"))
    cell = F.trim(F.col("_c.cell"))
    shape = r"^(:|[-+]?[0-9]+(?:\.[0-9]+)?)(?:\s+([A-Za-z:]*))?$"
    well_formed = cell.rlike(shape)
    rows = series.select(
        SOURCE_FILE, ROW_ID, F.lit(dataset).alias("dataset"), "dimensions",
        F.col("_c.period").alias("period"),
        F.when(well_formed, F.regexp_extract(cell, shape, 1)).alias("value_text"),
        F.when(well_formed, F.regexp_extract(cell, shape, 2)).alias("flag_text"),
        F.when(~well_formed, F.concat(F.lit("cell not '<number> <flags>' or ': <flags>': '"),
                                      F.col("_c.cell"), F.lit("'"))).alias("_bad_cell"),
        F.concat_ws("\t", "_series", "_c.period", "_c.cell").alias(RECORD),
    )
    good, bad_cells = _cells(rows, source="eurostat_tsv", value_text=F.col("value_text"),
                             flag_text=F.col("flag_text"), period=F.col("period"), malformed=F.col("_bad_cell"))
    return good, bad_lines.unionByName(bad_cells)


def observed_codes(observations: DataFrame) -> DataFrame:
    """Every (dataset, dimension, code) the cells use, without a label (``LABEL_SCHEMA``): what
    the dimensions are built from when a format carries no labels (TSV)."""
    pairs = observations.select("dataset", F.explode("dimensions").alias("dimension", "code"))
    return pairs.distinct().select("dataset", "dimension", "code", F.lit(None).cast("string").alias("label"))


# ---- facts ----


def stage_observations(observations: DataFrame, *, dataset: str) -> tuple[DataFrame, DataFrame]:
    """The cells of one dataset with one column per dimension, unique by natural key, and
    quarantine records: cells whose dimensions are not exactly the dataset's, whose value would
    not fit the fact's decimal(18,4) exactly, later copies of a cell already read (an overlap
    between two responses)."""
    names = DATASET_DIMENSIONS[dataset]
    rows = observations.filter(F.col("dataset") == dataset)
    complete = F.size(F.map_keys("dimensions")) == len(names)
    for name in names:
        complete = complete & F.map_contains_key("dimensions", name)
    record = F.to_json(F.struct("dimensions", "time_period", "value", "flags"))
    reason = (F.when(~complete, F.lit(f"dimensions are not {', '.join(names)} (the {dataset} layout)"))
              .when(~fits(F.col("value"), VALUE_TYPE),
                    F.lit(f"value does not fit the fact's {VALUE_TYPE} exactly (more decimals or digits)")))
    odd = quarantine_records(rows.filter(reason.isNotNull()), source=dataset, record=record, reason=reason)
    typed = rows.filter(reason.isNull()).select(
        SOURCE_FILE, ROW_ID, "dataset", *[F.col("dimensions")[n].alias(n) for n in names],
        "time_period", "value", "flags")
    unique, duplicates = split_duplicates(typed, ["dataset", *names, "time_period"], source=dataset)
    return unique, odd.unionByName(duplicates)


def _history_columns(vintage: date) -> list[Column]:
    return [F.lit(vintage).cast("date").alias("valid_from"), F.lit(None).cast("date").alias("valid_to")]


def _fact(staged: DataFrame, spec: TableSpec, key_parts: list[str], lookups: list[tuple], vintage: date) -> DataFrame:
    fact = staged.withColumn("observation_key", surrogate_key(*key_parts))
    for dim, code_column, dim_code, dim_key in lookups:
        fact = lookup_key(fact, dim, code_column=code_column, dim_code_column=dim_code, dim_key_column=dim_key,
                          as_column=dim_key)
    return conform(fact.select("*", *_history_columns(vintage)), spec)


def build_fact_population(staged: DataFrame, dim_region: DataFrame, dim_age_group: DataFrame,
                          dim_sex: DataFrame, *, vintage: date) -> DataFrame:
    """One row per published cell of demo_r_pjangrp3 as vintage ``vintage`` (valid_from, open);
    key (observation_key, valid_from). Codes no dimension knows point at the unknown member."""
    rows = staged.select("*", F.col("sex").alias("sex_code"), F.col("age").alias("age_code"),
                         F.col("geo").alias("geo_code"))
    return _fact(rows, FACT_EUROSTAT_POPULATION,
                 ["dataset", "freq", "unit", "sex", "age", "geo", F.col("time_period").cast("string")],
                 [(dim_region, "geo_code", "region_code", "region_key"),
                  (dim_age_group, "age_code", "age_code", "age_group_key"),
                  (dim_sex, "sex_code", "sex_code", "sex_key")], vintage)


def build_fact_indicator(staged: DataFrame, dim_region: DataFrame, dim_indicator: DataFrame, *,
                         vintage: date) -> DataFrame:
    """One row per published cell of demo_r_pjanind3 as vintage ``vintage`` (valid_from, open);
    key (observation_key, valid_from)."""
    rows = staged.select("*", F.col("indic_de").alias("indicator_code"), F.col("geo").alias("geo_code"))
    return _fact(rows, FACT_EUROSTAT_INDICATOR,
                 ["dataset", "freq", "indic_de", "unit", "geo", F.col("time_period").cast("string")],
                 [(dim_region, "geo_code", "region_code", "region_key"),
                  (dim_indicator, "indicator_code", "indicator_code", "indicator_key")], vintage)


# ---- dimensions ----


def _labels_of(labels: DataFrame, dimension: str) -> DataFrame:
    """One row per code of a dimension with its label: the first dataset's (in name order) that
    publishes one, so the choice is deterministic; null when none does."""
    rows = labels.filter(F.col("dimension") == dimension)
    labelled = F.when(F.col("label").isNotNull(), F.struct("dataset", "label"))
    return rows.groupBy(F.upper(F.trim("code")).alias("code")).agg(F.min(labelled)["label"].alias("label"))


def stage_nuts(raw: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The NUTS code list read with ``schemas.eurostat.RAW_NUTS`` -> one row per code
    (``nuts_code``, ``nuts_name``) and quarantine records (missing codes, repeated codes)."""
    parsed = parse_rows(raw, RAW_NUTS)
    rows = accepted(parsed).select(SOURCE_FILE, ROW_ID, F.upper(F.trim("`2016 NUTS`")).alias("nuts_code"),
                                   F.trim("`2016 NUTS name`").alias("nuts_name"))
    unique, duplicates = split_duplicates(rows, ["nuts_code"], source="nuts")
    return unique.select("nuts_code", "nuts_name"), rejected(parsed, source="nuts").unionByName(duplicates)


_NUTS_SHAPED = r"^[A-Z]{2}[A-Z0-9]{0,3}$"


def build_dim_region(nuts: DataFrame, labels: DataFrame) -> DataFrame:
    """One row per geo code in the NUTS list or used by a dataset, plus the unknown member; key
    region_key. A code is a NUTS region when it is shaped like one (country + up to 3 characters)
    and its first two letters are a country of the list; its level is its length minus 2 and its
    parents are its prefixes — also for codes of a later NUTS version missing from the list.
    Other codes (EU27_2020, EA20, EFTA …) are aggregates: no level, no country."""
    listed = nuts.select(F.col("nuts_code").alias("code"), "nuts_name")
    geo = _labels_of(labels, "geo")
    codes = listed.select("code").unionByName(geo.select("code")).distinct()
    countries = F.broadcast(listed.filter(F.col("code").rlike(r"^[A-Z]{2}$")).select(
        F.col("code").alias("country")).distinct())
    rows = (codes.join(listed, "code", "left").join(geo, "code", "left")
            .join(countries, F.substring("code", 1, 2) == F.col("country"), "left"))
    code = F.col("code")
    is_nuts = code.rlike(_NUTS_SHAPED) & F.col("country").isNotNull()
    level = F.when(is_nuts, F.length(code) - 2)

    def prefix(n: int) -> Column:
        return F.when(level >= n - 2, F.substring(code, 1, n))

    dim = rows.select(
        surrogate_key(code).alias("region_key"),
        code.alias("region_code"),
        F.coalesce("label", "nuts_name", code).alias("region_name"),
        F.col("nuts_name"),
        is_nuts.alias("is_nuts"),
        F.col("nuts_name").isNotNull().alias("in_nuts_list"),
        level.alias("nuts_level"),
        prefix(2).alias("country_code"),
        prefix(3).alias("nuts1_code"),
        prefix(4).alias("nuts2_code"),
        F.when(level >= 1, F.expr("substring(code, 1, length(code) - 1)")).alias("parent_code"),
        (is_nuts & code.rlike(r"^[A-Z]{2}Z{1,3}$")).alias("is_extra_regio"),
    )
    unknown = with_unknown_member(dim, DIM_REGION, region_code="?", region_name="Unknown", is_nuts=False,
                                  in_nuts_list=False, is_extra_regio=False)
    return conform(unknown, DIM_REGION)


def age_bounds(code: Column) -> tuple[Column, Column]:
    """(first, last) year of age an age code covers: Y_LT5 -> (0, 4), Y5-9 -> (5, 9), Y_GE85 ->
    (85, null), Y15-64 -> (15, 64), Y7 -> (7, 7), TOTAL -> (0, null), UNK or anything else ->
    (null, null)."""
    c = F.upper(F.trim(code))

    def number(pattern: str, group: int = 1) -> Column:
        return F.regexp_extract(c, pattern, group).cast("int")

    lower = (F.when(c == "TOTAL", 0).when(c.rlike(r"^Y_LT[0-9]+$"), 0)
             .when(c.rlike(r"^Y_GE[0-9]+$"), number(r"^Y_GE([0-9]+)$"))
             .when(c.rlike(r"^Y[0-9]+-[0-9]+$"), number(r"^Y([0-9]+)-"))
             .when(c.rlike(r"^Y[0-9]+$"), number(r"^Y([0-9]+)$")))
    upper = (F.when(c.rlike(r"^Y_LT[0-9]+$"), number(r"^Y_LT([0-9]+)$") - 1)
             .when(c.rlike(r"^Y[0-9]+-[0-9]+$"), number(r"-([0-9]+)$"))
             .when(c.rlike(r"^Y[0-9]+$"), number(r"^Y([0-9]+)$")))
    return lower.cast("smallint"), upper.cast("smallint")


def is_band(code: Column) -> Column:
    """One of the disjoint bands Y_LT5, Y5-9 … Y80-84, Y_GE85 (with UNK they make up TOTAL)."""
    return F.upper(F.trim(code)).isin(*_FIVE_YEAR_BANDS)


def age_label(code: Column) -> Column:
    """Eurostat's wording for an age code when no label is published."""
    c = F.upper(F.trim(code))
    lower, upper = age_bounds(code)
    return (F.when(c == "TOTAL", "Total").when(c == "UNK", "Unknown")
            .when(c.rlike(r"^Y_LT[0-9]+$"), F.concat(F.lit("Less than "), (upper + 1).cast("string"), F.lit(" years")))
            .when(c.rlike(r"^Y_GE[0-9]+$"), F.concat(lower.cast("string"), F.lit(" years or over")))
            .when(c.rlike(r"^Y[0-9]+-[0-9]+$"),
                  F.concat(F.lit("From "), lower.cast("string"), F.lit(" to "), upper.cast("string"), F.lit(" years")))
            .when(c.rlike(r"^Y[0-9]+$"), F.concat(lower.cast("string"), F.lit(" years")))
            .otherwise(code))


def build_dim_age_group(labels: DataFrame) -> DataFrame:
    """One row per age code the datasets use, plus the unknown member; key age_group_key.
    Bounds come from the code; is_band marks the disjoint 5-year bands, is_aggregate the codes
    spanning several of them (TOTAL, Y_LT15, Y15-64, Y_GE65 …); finer codes inside a band
    (Y85-89, Y_GE90, single years) are neither."""
    ages = _labels_of(labels, "age")
    code = F.col("code")
    lower, upper = age_bounds(code)
    band = is_band(code)
    total = code == "TOTAL"
    spans_bands = F.when(upper.isNull(), lower < 85).otherwise(upper - lower + 1 > 5)
    dim = ages.select(
        surrogate_key(code).alias("age_group_key"),
        code.alias("age_code"),
        F.coalesce("label", age_label(code)).alias("age_label"),
        lower.alias("age_lower"), upper.alias("age_upper"),
        total.alias("is_total"),
        (total | (~band & lower.isNotNull() & F.coalesce(spans_bands, F.lit(False)))).alias("is_aggregate"),
        band.alias("is_band"),
        (code == "UNK").alias("is_unknown_age"),
    )
    unknown = with_unknown_member(dim, DIM_AGE_GROUP, age_code="?", age_label="Unknown", is_total=False,
                                  is_aggregate=False, is_band=False, is_unknown_age=False)
    return conform(unknown, DIM_AGE_GROUP)


_SEX_LABELS = {"T": "Total", "F": "Females", "M": "Males", "UNK": "Unknown", "DIFF": "Difference"}


def build_dim_sex(labels: DataFrame) -> DataFrame:
    """One row per sex code the datasets use, plus the unknown member; key sex_key."""
    code = F.col("code")
    decode = F.create_map(*[F.lit(x) for kv in _SEX_LABELS.items() for x in kv])
    dim = _labels_of(labels, "sex").select(
        surrogate_key(code).alias("sex_key"), code.alias("sex_code"),
        F.coalesce("label", decode[code], code).alias("sex_label"), (code == "T").alias("is_total"))
    return conform(with_unknown_member(dim, DIM_SEX, sex_code="?", sex_label="Unknown", is_total=False), DIM_SEX)


def build_dim_indicator(labels: DataFrame, staged_indicators: DataFrame) -> DataFrame:
    """One row per indic_de code, plus the unknown member; key indicator_key. The unit is the one
    the dataset publishes the indicator in (the smallest code if it ever used two)."""
    units = staged_indicators.groupBy(F.upper(F.trim("indic_de")).alias("code")).agg(F.min("unit").alias("unit_code"))
    unit_labels = _labels_of(labels, "unit").select(F.col("code").alias("unit_code"),
                                                    F.col("label").alias("unit_label"))
    codes = _labels_of(labels, "indic_de").join(units, "code", "full").join(unit_labels, "unit_code", "left")
    code = F.col("code")
    dim = codes.select(
        surrogate_key(code).alias("indicator_key"), code.alias("indicator_code"),
        F.coalesce("label", code).alias("indicator_label"), "unit_code", "unit_label")
    return conform(with_unknown_member(dim, DIM_INDICATOR, indicator_code="?", indicator_label="Unknown"),
                   DIM_INDICATOR)


# ---- table-level quality rule ----


def age_band_sum_mismatches(population: DataFrame) -> DataFrame:
    """One row per (dataset, freq, unit, sex, geo, year) of demo_r_pjangrp3 cells (staged rows or
    the fact) where TOTAL has a value and all 18 disjoint bands have one, but the bands plus UNK
    (0 when absent) do not add up to TOTAL: the groups, TOTAL, the band sum and the difference.
    Groups with a band missing are not judged. The spec language has row rules only, so the job
    counts this (see ``age_band_sum_result``) beside the spec's checks."""
    age = F.col("age_code") if "age_code" in population.columns else F.col("age")
    sex = F.col("sex_code") if "sex_code" in population.columns else F.col("sex")
    geo = F.col("geo_code") if "geo_code" in population.columns else F.col("geo")
    value = F.col("value")
    sums = population.groupBy("dataset", "freq", "unit", sex.alias("sex"), geo.alias("geo"), "time_period").agg(
        F.max(F.when(age == "TOTAL", value)).alias("total"),
        F.sum(F.when(is_band(age), value)).alias("bands"),
        F.count(F.when(is_band(age), value)).alias("bands_with_value"),
        F.coalesce(F.max(F.when(age == "UNK", value)), F.lit(0)).alias("unknown_age"),
    )
    judged = sums.filter(F.col("total").isNotNull() & (F.col("bands_with_value") == len(_FIVE_YEAR_BANDS)))
    return judged.filter(F.col("bands") + F.col("unknown_age") != F.col("total")).select(
        "dataset", "freq", "unit", "sex", "geo", "time_period", "total", "bands", "unknown_age",
        (F.col("total") - F.col("bands") - F.col("unknown_age")).alias("difference"))


def age_band_sum_result(failed_groups: int, sample: list[str]) -> QualityResult:
    """The warning the job records for ``age_band_sum_mismatches``: its row count and a few
    groups (``geo/sex/year``)."""
    return QualityResult(FACT_EUROSTAT_POPULATION.name, AGE_BANDS_SUM_RULE, "warning", failed_groups, sample)

