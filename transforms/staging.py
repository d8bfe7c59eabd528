"""Shared staging for delimited sources: raw text rows -> typed rows or quarantined rows with a
reason. Every row read ends up in exactly one of the two outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, FloatType

from schemas.spec import RawCsv, RawField, spark_type

CORRUPT_COLUMN = "_corrupt_record"
SOURCE_FILE = "_source_file"
ROW_ID = "_row_id"
REASON = "_reject_reason"
RAW_RECORD = "_raw_record"
SUSPECT = "__suspect_characters"
RECORD_TEXT = "_record_text"
"""Optional reader column: the record's own text when the reader has it (a JSON object, as the
JSON parser re-writes it: compact, numbers as parsed); without it a rejected record's text is
rebuilt from its fields with the layout's delimiter."""
_DECIMAL_TYPE = re.compile(r"decimal\(\d+,\s*(\d+)\)")
NUL, REPLACEMENT_CHARACTER, BOM = "\u0000", "\ufffd", "\ufeff"
_DIGIT_LETTERS = set("yMdHhmsS")  # datetime pattern letters that are plain digits


@dataclass(frozen=True)
class RejectRule:
    """A pipeline-specific reason to reject a parsed row: ``reason`` when ``failed`` is true."""

    reason: str
    failed: Column


def _clean_text(raw: Column, layout: RawCsv) -> Column:
    value = F.trim(raw) if layout.trim else raw
    return F.when(~value.isin(*layout.null_tokens), value)


def _cast_input(text: Column, field: RawField) -> Column:
    """The text a typed field's cast sees: null for a form refused before casting. Decimals are
    exact or nothing: only the declared separator, no digits beyond the scale (trailing zeros
    aside), so '1.431' in a decimal-comma column or '0,12345' in a 4-decimal one is rejected
    instead of silently re-read or rounded by the cast."""
    logical = field.type.lower()
    if m := _DECIMAL_TYPE.fullmatch(logical):
        sep, scale = re.escape(field.decimal_separator), int(m[1])
        exact = text.rlike(rf"^[+-]?(\d+({sep}\d{{0,{scale}}}0*)?|{sep}\d{{1,{scale}}}0*)$")
        return F.when(exact, F.translate(text, field.decimal_separator, "."))
    if field.decimal_separator != ".":
        return F.translate(text, field.decimal_separator, ".")
    return text


def timestamp_shape(pattern: str) -> str | None:
    """A regex of the exact text a digits-only datetime pattern accepts ('yyyy-MM-dd' ->
    ``^\\d{4}\\-\\d{2}\\-\\d{2}$``), None for a pattern with other fields (month names,
    zones …), which is then parsed unguarded.

    Checked before parsing because Spark's parser does not return null for every bad text: when
    its new parser refuses a text the lenient pre-3.0 parser would have read ('2015-1-01',
    trailing characters) it fails the whole job (``SparkUpgradeException``) instead."""
    parts, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":  # quoted literal; '' is a quote
            end = i + 1
            literal = ""
            while end < len(pattern):
                if pattern[end] == "'" and pattern[end + 1:end + 2] == "'":
                    literal, end = literal + "'", end + 2
                elif pattern[end] == "'":
                    break
                else:
                    literal, end = literal + pattern[end], end + 1
            parts.append(re.escape(literal or "'"))
            i = end + 1
            continue
        run = len(pattern[i:]) - len(pattern[i:].lstrip(ch))
        if ch.isascii() and ch.isalpha():
            if ch not in _DIGIT_LETTERS or (ch == "M" and run > 2):
                return None
            if run == 1 and ch != "S":  # unpadded: 'd' is 1-2 digits, 'y' any year
                parts.append(r"\d+" if ch == "y" else r"\d{1,2}")
            else:
                parts.append(rf"\d{{{run}}}")
        else:
            parts.append(re.escape(ch * run))
        i += run
    return "^" + "".join(parts) + "$"


def _parse(name: str, field: RawField) -> Column:
    """Typed value of the cleaned text column ``name``; null when it does not parse exactly.

    Numbers go through ``try_cast``: unlike the plain cast it refuses a fraction in an integer
    column ('883.7' -> null, where the non-ANSI cast truncates to 883) and a value outside the
    type's range, and it returns null instead of failing the job when ANSI mode is on (Spark 4's
    default). Leading zeros and a '+' sign are accepted ('0425' -> 425: the hhmm clocks rely on
    it). Infinity and NaN are not numbers a vendor measures: refused too."""
    logical = field.type.lower()
    text = F.col(f"`{name}`")
    if logical.startswith("varchar"):
        return text
    if logical in ("date", "timestamp") and field.timestamp_format:
        # to_timestamp_ntz is still the non-ANSI one here (Spark 3.5 has no NTZ try_ variant).
        # Year 0 parses but is no calendar year (and no Python or Redshift date).
        parsed = F.to_timestamp_ntz(text, F.lit(field.timestamp_format))
        if shape := timestamp_shape(field.timestamp_format):
            parsed = F.when(text.rlike(shape), parsed)
        parsed = F.when(F.year(parsed) >= 1, parsed)
        return parsed.cast("date") if logical == "date" else parsed
    value = F.expr(f"try_cast(`{name}` AS {spark_type(logical).simpleString()})")
    if logical == "double":
        return F.when(~F.isnan(value) & (F.abs(value) != F.lit(float("inf"))), value)
    return value


def _malformed(corrupt: Column, layout: RawCsv) -> Column:
    """Why a record the reader could not split into the layout's fields is malformed."""
    return (F.when(corrupt.contains(NUL), F.lit("malformed record: NUL bytes in record"))
            .when(F.octet_length(corrupt) > layout.max_record_bytes,
                  F.lit(f"malformed record: longer than {layout.max_record_bytes} bytes"))
            .otherwise(F.lit(f"malformed record: expected {len(layout.fields)} fields")))


def _character_reasons(raw: Column, field: RawField, layout: RawCsv, suspect: Column) -> list[Column]:
    """Characters a value must not hold, each a reason naming the field. NUL is checked in every
    field (the numeric cast would strip a trailing one and accept '12\\0'); in text, U+FFFD is
    what an undecodable byte became when the file was decoded with the declared encoding (a
    literal U+FFFD in a vendor file is the scar of an earlier failed decode, refused as well) and
    U+FEFF is a byte-order mark that does not belong inside a value (typed fields refuse both by
    not parsing).

    ``suspect`` is true when the record holds any of the three anywhere (``_suspect_characters``):
    a record without them, nearly every one, skips the per-field searches (``&`` stops at a false
    left side), and one with them gets exactly the same reasons as without the test."""
    reasons = [F.when(suspect & raw.contains(NUL), F.lit(f"{field.name}: NUL byte in value"))]
    if field.type.lower().startswith("varchar"):
        reasons += [
            F.when(suspect & raw.contains(REPLACEMENT_CHARACTER),
                   F.lit(f"{field.name}: text is not valid {layout.encoding}")),
            F.when(suspect & raw.contains(BOM), F.lit(f"{field.name}: byte-order mark inside the value")),
        ]
    return reasons


def _suspect_characters(raws: list[Column]) -> Column:
    """True when any of the values holds NUL, U+FFFD or U+FEFF: three searches of the record's
    values joined, instead of one to three per field. Joining can only add matches (a false
    "suspect" costs the per-field searches, never a reason), never hide one."""
    joined = F.concat_ws("", *raws)
    return joined.contains(NUL) | joined.contains(REPLACEMENT_CHARACTER) | joined.contains(BOM)


def parse_rows(raw: DataFrame, layout: RawCsv, *, rules: list[RejectRule] = ()) -> DataFrame:
    """One row per record read. Adds the typed value of every field, ``_raw_record`` (the record
    as received, for rejected rows) and ``_reject_reason`` (null for a good row), the first of: a
    malformed record (wrong number of fields, NUL bytes, over the layout's size limit), a missing
    required value, a character no value may hold (NUL, an undecodable byte, a BOM), a value
    that does not parse as its declared type, or the first failing pipeline rule (rules see the
    typed columns).

    Two projections: the first names every field's cleaned text (and, for typed fields, the text
    its cast sees), the second types and checks by name, so each cleaning expression is
    evaluated once however many checks read it (and ``try_cast`` needs a named input)."""
    def raw_name(f: RawField) -> str:
        return f"__raw_{f.name}"

    def clean_name(f: RawField) -> str:
        return f"__clean_{f.name}"

    def cast_name(f: RawField) -> str:
        return f"__cast_{f.name}"

    typed_fields = [f for f in layout.fields if not f.type.lower().startswith("varchar")]
    as_received = [F.col(RECORD_TEXT)] if RECORD_TEXT in raw.columns else []
    cleaned = raw.select(
        F.col(SOURCE_FILE), F.col(ROW_ID), F.col(CORRUPT_COLUMN), *as_received,
        *[F.col(f"`{f.name}`").alias(raw_name(f)) for f in layout.fields],
        *[_clean_text(F.col(f"`{f.name}`"), layout).alias(clean_name(f)) for f in layout.fields],
        *[_cast_input(_clean_text(F.col(f"`{f.name}`"), layout), f).alias(cast_name(f)) for f in typed_fields],
        _suspect_characters([F.col(f"`{f.name}`") for f in layout.fields]).alias(SUSPECT),
    )
    text = {f.name: F.col(f"`{clean_name(f)}`") for f in layout.fields}
    typed = {f.name: _parse(cast_name(f), f) if f in typed_fields else text[f.name] for f in layout.fields}
    reasons: list[Column] = [F.when(F.col(CORRUPT_COLUMN).isNotNull(), _malformed(F.col(CORRUPT_COLUMN), layout))]
    for f in layout.fields:
        if f.required:
            reasons.append(F.when(text[f.name].isNull(), F.lit(f"{f.name}: missing required value")))
        reasons += _character_reasons(F.col(f"`{raw_name(f)}`"), f, layout, F.col(SUSPECT))
        if f in typed_fields:  # text always "parses"
            reasons.append(
                F.when(text[f.name].isNotNull() & typed[f.name].isNull(),
                       F.concat(F.lit(f"{f.name}: not a valid {f.type}: '"), text[f.name], F.lit("'")))
            )
    staged = cleaned.select(
        F.col(SOURCE_FILE), F.col(ROW_ID), F.col(CORRUPT_COLUMN), *as_received,
        *[F.col(f"`{raw_name(f)}`") for f in layout.fields],
        *[typed[f.name].alias(f.name) for f in layout.fields],
        F.coalesce(*reasons).alias(REASON),
    )
    reason = F.col(REASON)
    if rules:
        reason = F.coalesce(reason, *[F.when(r.failed, F.lit(r.reason)) for r in rules])
    # The record text is rebuilt for rejected rows only: good rows don't pay for it.
    record = F.coalesce(
        F.col(CORRUPT_COLUMN), *as_received,
        F.concat_ws(layout.delimiter, *[F.coalesce(F.col(raw_name(f)), F.lit("")) for f in layout.fields]),
    )
    return staged.select(
        F.col(SOURCE_FILE), F.col(ROW_ID),
        *[F.col(f"`{f.name}`") for f in layout.fields],
        F.when(reason.isNotNull(), record).alias(RAW_RECORD),
        reason.alias(REASON),
    )


def quarantine_records(rows: DataFrame, *, source: str, record: Column, reason: Column | str) -> DataFrame:
    """Quarantine records (``schemas.common.QUARANTINE_SCHEMA``) for ``rows``: the source's name,
    the file each row came from, the record (``record``) and why it was refused (``reason``, a
    column or a fixed text). The one builder every pipeline uses."""
    source_file = F.col(SOURCE_FILE) if SOURCE_FILE in rows.columns else F.lit(None)
    return rows.select(
        F.lit(source).alias("source"),
        source_file.cast("string").alias("source_file"),
        record.cast("string").alias("raw_record"),
        (F.lit(reason) if isinstance(reason, str) else reason).cast("string").alias("reason"),
    )


def values_as_json(rows: DataFrame, columns: list[str] | None = None) -> Column:
    """A row's values as one JSON object (the record of a row that was not read as text),
    without the bookkeeping columns."""
    names = columns or [c for c in rows.columns if c not in (SOURCE_FILE, ROW_ID)]
    return F.to_json(F.struct(*[F.col(f"`{c}`") for c in names]))


def accepted(parsed: DataFrame) -> DataFrame:
    """The rows that passed staging, without the bookkeeping columns."""
    return parsed.filter(F.col(REASON).isNull()).drop(REASON, RAW_RECORD)


def rejected(parsed: DataFrame, *, source: str) -> DataFrame:
    """Quarantine records: where the row came from, the record as received and why it was refused."""
    return quarantine_records(parsed.filter(F.col(REASON).isNotNull()), source=source,
                              record=F.col(RAW_RECORD), reason=F.col(REASON))


def split_duplicates(rows: DataFrame, key: list[str], *, source: str) -> tuple[DataFrame, DataFrame]:
    """Keep the first row (in file order) of every natural key; the later ones become quarantine
    records ("duplicate natural key") instead of silently vanishing. A row with a null key part
    is kept as it is (null matches nothing).

    The rows are grouped by one 64-bit hash of the key: a hash seen once is a key seen once, so
    those rows are kept without looking further, and only the rows of a repeated hash (the
    duplicates, and the rare rows whose different keys share a hash) are ranked, by their exact
    key. The repeated hashes (normally few) are computed once, cached for the kept rows and the
    quarantine alike, and broadcast, so the rows themselves are never shuffled. (Left to adaptive
    execution, the big side would be shuffled before the join is re-planned as a broadcast.)
    Keys with floating-point parts (where 0.0 and -0.0 are one key but not one hash) are
    grouped by their columns instead."""
    if any(isinstance(rows.schema[c].dataType, FloatType | DoubleType) for c in key):
        grouped, on = rows, list(key)
        counted = rows.groupBy(*key)
    else:
        complete = reduce(lambda x, y: x & y, [F.col(c).isNotNull() for c in key])
        grouped, on = rows.withColumn(_KEY_HASH, F.when(complete, F.xxhash64(*key))), [_KEY_HASH]
        counted = grouped.where(F.col(_KEY_HASH).isNotNull()).groupBy(_KEY_HASH)
    repeated = F.broadcast(counted.count().where(F.col("count") > 1).drop("count").cache())
    unique = grouped.join(repeated, on, "left_anti")
    first = Window.partitionBy(*key).orderBy(F.col(SOURCE_FILE), F.col(ROW_ID))
    ranked = grouped.join(repeated, on, "left_semi").withColumn("__rank", F.row_number().over(first))
    kept = unique.unionByName(ranked.filter(F.col("__rank") == 1).drop("__rank")).drop(_KEY_HASH)
    dups = quarantine_records(
        ranked.filter(F.col("__rank") > 1), source=source, record=F.to_json(F.struct(*[F.col(c) for c in key])),
        reason=f"duplicate natural key ({', '.join(key)}): a later copy of an earlier row")
    return kept, dups


_KEY_HASH = "__key_hash"


def split_orphans(rows: DataFrame, parents: DataFrame, key: list[str], *, source: str,
                  parent: str, reason: str | None = None) -> tuple[DataFrame, DataFrame]:
    """Rows whose ``key`` matches a parent row, and quarantine records for the others (an order
    line whose order is missing or was itself quarantined): a child that cannot be placed is
    refused with a reason instead of being loaded against nothing. The record is the row's
    typed values as JSON."""
    parent_keys = parents.select(*key).distinct()
    matched = rows.join(parent_keys, key, "left_semi")
    orphans = rows.join(parent_keys, key, "left_anti")
    records = quarantine_records(
        orphans, source=source, record=values_as_json(orphans),
        reason=reason or f"no {parent} row for ({', '.join(key)}) (missing or quarantined)")
    return matched, records
