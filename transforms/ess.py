"""ess transforms: ESS missing codes, the response fact, the missing-answer fact, value labels and
the region-code check. Pure: the reader (jobs.sources.ess) hands over the file's rows as a
DataFrame (numeric variables as double, text as string, plus source_file) and its metadata as
plain dictionaries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas import ess as S
from schemas.spec import UNKNOWN_KEY
from transforms.keys import surrogate_key
from transforms.quality import QualityResult
from transforms.staging import SOURCE_FILE, quarantine_records, split_duplicates, values_as_json

REASONS = {"6": "not_applicable", "7": "refusal", "8": "dont_know", "9": "no_answer"}
# ESS country codes that differ from the NUTS country prefix
NUTS_COUNTRY = {"GR": "EL", "GB": "UK"}

MissingCodes = Mapping[str, Mapping[int, str | None]]
"""variable -> {missing code: its label (None when the file declares it without a label)}."""


def missing_reason(code: float) -> str | None:
    """The ESS reason a code stands for (6/66/666/6666 not applicable, 7… refusal, 8… don't
    know, 9… no answer), or None when the code is not on the pattern."""
    if code != int(code) or code <= 0:
        return None
    text = str(int(code))
    return REASONS.get(text[0]) if len(set(text)) == 1 else None


def missing_codes(value_labels: Mapping[str, Mapping[float, str]],
                  user_missing: Mapping[str, set[float]] | None = None) -> dict[str, dict[int, str | None]]:
    """The missing codes of each variable, from the file, never guessed. With ``user_missing``
    (a .sav's declared user-missing values) those are the codes; otherwise (a .dta) a code is
    missing when it has a value label, is on the ESS pattern and its label is not the number
    itself (trstprl: 8 labelled "8" is an answer, 88 "Don't know" is missing)."""
    found: dict[str, dict[int, str | None]] = {}
    if user_missing is not None:
        for variable, codes in user_missing.items():
            labels = value_labels.get(variable, {})
            chosen = {int(c): labels.get(c) for c in codes if missing_reason(c)}
            if chosen:
                found[variable] = chosen
        return found
    for variable, labels in value_labels.items():
        chosen = {int(c): label for c, label in labels.items()
                  if missing_reason(c) and str(label).strip() != str(int(c))}
        if chosen:
            found[variable] = chosen
    return found


def _clean_text(name: str) -> Column:
    text = F.trim(F.col(name))
    return F.when(text != "", text)


def _recoded(name: str, codes: Mapping[int, str | None], present: set[str], type_: str) -> Column:
    if name not in present:
        return F.lit(None).cast(type_).alias(name)
    value = F.col(name)
    if codes:
        value = F.when(~value.isin([float(c) for c in codes]), value)
    return value.cast(type_).alias(name)


def _optional(name: str, present: set[str], type_: str) -> Column:
    return (F.col(name) if name in present else F.lit(None)).cast(type_).alias(name)


def stage_respondents(raw: DataFrame) -> tuple[DataFrame, DataFrame]:
    """One row per respondent (essround, cntry, idno) as read: rows without a complete key and
    later copies of a key are quarantined with the reason."""
    key = list(S.RESPONDENT_KEY)
    no_key = F.col("essround").isNull() | (F.coalesce(F.trim(F.col("cntry")), F.lit("")) == "") \
        | F.col("idno").isNull()
    keyless = quarantine_records(raw.filter(no_key), source=S.SOURCE, record=values_as_json(raw, key),
                                 reason="no respondent key (essround, cntry and idno are required)")
    kept, duplicates = split_duplicates(raw.filter(~no_key), key, source=S.SOURCE)
    return kept, keyless.unionByName(duplicates)


def build_fact_response(raw: DataFrame, *, missing: MissingCodes) -> DataFrame:
    """One row per respondent of one round; key (essround, cntry, idno). Missing codes of the
    recoded variables become NULL; a variable absent from the file is NULL; region_key is the
    eurostat dim_region key of the code (surrogate_key), -1 without a region."""
    present = set(raw.columns)
    region = _clean_text(S.REGION_VARIABLE) if S.REGION_VARIABLE in present else F.lit(None).cast("string")
    years = [_recoded(v, missing.get(v, {}), present, "double") for v in S.INTERVIEW_YEAR_VARIABLES if v in present]
    year = F.coalesce(*years) if years else F.lit(None)
    return raw.select(
        F.col("essround").cast("smallint").alias("essround"),
        _clean_text("cntry").alias("cntry"),
        F.col("idno").cast("bigint").alias("idno"),
        region.alias("region_code"),
        F.when(region.isNotNull(), surrogate_key(region)).otherwise(F.lit(UNKNOWN_KEY)).cast("bigint")
        .alias("region_key"),
        _recoded("regunit", missing.get("regunit", {}), present, "smallint"),
        year.cast("smallint").alias("interview_year"),
        *[_recoded(v, missing.get(v, {}), present, "smallint") for v in S.DEMOGRAPHIC_VARIABLES],
        *[_optional(w, present, "double") for w in S.WEIGHT_VARIABLES],
        *[_recoded(v, missing.get(v, {}), present, "int") for v in S.ATTITUDE_VARIABLES],
        F.col(SOURCE_FILE).cast("string").alias("source_file"),
    )


def build_fact_missing(raw: DataFrame, *, missing: MissingCodes) -> DataFrame:
    """One row per missing answer (essround, cntry, idno, variable): the code the file held, its
    ESS reason and the file's label of it."""
    entries = []
    for variable in S.RECODED_VARIABLES:
        codes = missing.get(variable, {})
        if variable not in raw.columns or not codes:
            continue
        value = F.col(variable)
        label = F.create_map(*[x for c, lab in codes.items() for x in (F.lit(c), F.lit(lab))])
        entries.append(F.when(value.isin([float(c) for c in codes]), F.struct(
            F.lit(variable).alias("variable"), value.cast("int").alias("code"),
            label[value.cast("int")].alias("label"))))
    schema = "essround smallint, cntry string, idno bigint, variable string, code int, reason string, label string"
    if not entries:
        return raw.sparkSession.createDataFrame([], schema)
    exploded = raw.select(
        F.col("essround").cast("smallint").alias("essround"), _clean_text("cntry").alias("cntry"),
        F.col("idno").cast("bigint").alias("idno"),
        F.explode(F.filter(F.array(*entries), lambda e: e.isNotNull())).alias("m"))
    first_digit = F.substring(F.col("m.code").cast("string"), 1, 1)
    reason = F.element_at(F.create_map(*[F.lit(x) for kv in REASONS.items() for x in kv]), first_digit)
    return exploded.select("essround", "cntry", "idno", F.col("m.variable").alias("variable"),
                           F.col("m.code").alias("code"), reason.alias("reason"), F.col("m.label").alias("label"))


def value_label_rows(essround: int, value_labels: Mapping[str, Mapping[float, str]],
                     missing: MissingCodes, variables: tuple[str, ...]) -> list[tuple]:
    """Rows of dim_ess_value_label (essround, variable, code, label, is_missing_code) for the
    loaded variables' integer-coded labels."""
    rows = []
    for variable in variables:
        for code, label in sorted(value_labels.get(variable, {}).items()):
            if code == int(code):
                rows.append((essround, variable, int(code), str(label), int(code) in missing.get(variable, {})))
    return rows


VALUE_LABEL_SCHEMA = T.StructType([
    T.StructField("essround", T.ShortType(), False), T.StructField("variable", T.StringType(), False),
    T.StructField("code", T.IntegerType(), False), T.StructField("label", T.StringType(), False),
    T.StructField("is_missing_code", T.BooleanType(), False),
])


def build_dim_round(fact: DataFrame, releases: Mapping[int, date]) -> DataFrame:
    """One row per loaded round; key essround: its release date (configuration) and respondents."""
    release = F.create_map(*[x for r, d in releases.items() for x in (F.lit(r).cast("smallint"), F.lit(d))])
    return (fact.groupBy("essround").agg(F.count(F.lit(1)).alias("respondents"))
            .select("essround", release[F.col("essround")].alias("release_date"), "respondents"))


def nuts_shaped(region: Column, cntry: Column) -> Column:
    """The code looks like a NUTS 1-3 code of the respondent's country (EL for GR, UK for GB), and
    the country has NUTS codes."""
    prefix = F.coalesce(F.element_at(F.create_map(*[F.lit(x) for kv in NUTS_COUNTRY.items() for x in kv]), cntry),
                        cntry)
    return (region.rlike("^[A-Z]{2}[0-9A-Z]{1,3}$") & (F.substring(region, 1, 2) == prefix)
            & prefix.isin(sorted(S.NUTS_COUNTRIES)))


def region_mismatches(fact: DataFrame) -> DataFrame:
    """One row per (essround, cntry) with respondents whose region is missing or not a NUTS code
    of their country: how many, and an example code."""
    bad = fact.filter(F.col("region_code").isNull() | ~nuts_shaped(F.col("region_code"), F.col("cntry")))
    return bad.groupBy("essround", "cntry").agg(F.count(F.lit(1)).alias("respondents"),
                                               F.min("region_code").alias("example"))


def region_match_result(counts: list[tuple[int, str, int, str | None]]) -> QualityResult:
    """The warning: respondents whose region code is not a NUTS code, counted per country."""
    sample = [f"round {r} {c}: {n} (e.g. {e or 'no region'})" for r, c, n, e in counts]
    return QualityResult(table=S.FACT_ESS_RESPONSE.name, rule=S.REGION_MATCH_RULE, severity="warning",
                         failed_rows=sum(n for _, _, n, _ in counts), sample=sample,
                         note="these respondents get no Eurostat context" if counts else "")
