"""bolsa_familia transforms: stage the IBGE lists, MI Social (both layouts) and the transparency
API records; map every municipality code through the list (6-digit MI Social codes and 7-digit
codes alike, never by formula alone); build the municipality dimension and the monthly facts.
Every record read is in a fact or in the quarantine with its reason."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas import bolsa_familia as S
from schemas.spec import UNKNOWN_KEY, RawCsv
from transforms.quality import QualityResult
from transforms.staging import (
    CORRUPT_COLUMN,
    RECORD_TEXT,
    ROW_ID,
    SOURCE_FILE,
    RejectRule,
    accepted,
    parse_rows,
    quarantine_records,
    rejected,
    split_duplicates,
)

MONTH_KEY = ["municipality_code", "month_key"]
TRANSFER_KEY = [*MONTH_KEY, "programme", "source_feed"]
_LOOKUP = "__lookup_code"


def valid_month(month_key: Column) -> Column:
    """YYYYMM with a month 1-12 (years 1900-2999)."""
    return month_key.between(190001, 299912) & (month_key % 100).between(1, 12)


def month_start(month_key: Column) -> Column:
    return F.make_date((month_key / 100).cast("int"), (month_key % 100).cast("int"), F.lit(1))


# ---- the IBGE lists ----


def stage_states(raw: DataFrame) -> tuple[DataFrame, DataFrame]:
    """One row per state code (codigo_uf, uf, nome); rejected and duplicate rows quarantined."""
    parsed = parse_rows(raw, S.RAW_ESTADOS, rules=[
        RejectRule("codigo_uf: not a state code 11-53", ~F.col("codigo_uf").between(11, 53))])
    states, dups = split_duplicates(accepted(parsed), ["codigo_uf"], source=S.ESTADOS_SOURCE)
    return states.select("codigo_uf", "uf", "nome"), rejected(parsed, source=S.ESTADOS_SOURCE).unionByName(dups)


def build_dim_municipality(raw_municipios: DataFrame, states: DataFrame) -> tuple[DataFrame, DataFrame]:
    """One row per IBGE municipality (key municipality_code, the 7-digit code) plus the unknown
    member; the state's abbreviation and name from the state list, the macro-region from the
    state code's first digit. Returns (dimension, quarantine)."""
    parsed = parse_rows(raw_municipios, S.RAW_MUNICIPIOS, rules=[
        RejectRule("codigo_ibge: not a 7-digit IBGE code", ~F.col("codigo_ibge").between(1_000_000, 9_999_999)),
        RejectRule("codigo_uf: not the first two digits of codigo_ibge",
                   (F.col("codigo_ibge") / 100_000).cast("int") != F.col("codigo_uf")),
        RejectRule("capital: not 0 or 1", ~F.col("capital").isin(0, 1)),
    ])
    rows, dups = split_duplicates(accepted(parsed), ["codigo_ibge"], source=S.MUNICIPIOS_SOURCE)
    region = F.create_map(*[F.lit(x) for kv in S.REGIONS.items() for x in kv])[(F.col("codigo_uf") / 10).cast("int")]
    dim = (rows.join(F.broadcast(states.withColumnRenamed("nome", "state_name")), "codigo_uf", "left")
           .select(F.col("codigo_ibge").alias("municipality_code"),
                   (F.col("codigo_ibge") / 10).cast("int").alias("municipality_code6"),
                   F.col("nome").alias("municipality_name"),
                   F.col("codigo_uf").cast("smallint").alias("state_code"),
                   F.col("uf"), F.col("state_name"), region.alias("region"),
                   "latitude", "longitude", (F.col("capital") == 1).alias("is_capital")))
    unknown = dim.sparkSession.createDataFrame(
        [(UNKNOWN_KEY, UNKNOWN_KEY, "Unknown", None, None, None, None, None, None, None)], dim.schema)
    return dim.unionByName(unknown), rejected(parsed, source=S.MUNICIPIOS_SOURCE).unionByName(dups)


def _code_lookup(dim: DataFrame) -> DataFrame:
    """Both codes of every municipality -> its 7-digit code (6-digit codes are < 1,000,000, so
    the two never collide)."""
    known = dim.filter(F.col("municipality_code") != UNKNOWN_KEY)
    return F.broadcast(
        known.select(F.col("municipality_code6").alias(_LOOKUP), "municipality_code")
        .unionByName(known.select(F.col("municipality_code").alias(_LOOKUP), "municipality_code")))


def resolve_codes(rows: DataFrame, dim: DataFrame, code: str, *, source: str) -> tuple[DataFrame, DataFrame]:
    """Rows with ``municipality_code`` resolved through the municipality list from ``code`` (6 or
    7 digits), and quarantine records for codes of no municipality."""
    joined = rows.join(_code_lookup(dim), F.col(code) == F.col(_LOOKUP), "left").drop(_LOOKUP)
    unmapped = joined.filter(F.col("municipality_code").isNull()).drop("municipality_code")
    bad = quarantine_records(
        unmapped, source=source, record=F.to_json(F.struct(*[c for c in unmapped.columns if not c.startswith("_")])),
        reason=F.concat(F.lit(f"{code} "), F.col(code).cast("string"),
                        F.lit(": maps to no municipality of the list (municipios.csv)")))
    return joined.filter(F.col("municipality_code").isNotNull()), bad


# ---- MI Social ----


def _month_rules(month: str) -> list[RejectRule]:
    return [RejectRule(f"{month}: not a month YYYYMM", ~valid_month(F.col(month)))]


def stage_benefits(raw: DataFrame, dim: DataFrame) -> tuple[DataFrame, DataFrame]:
    """MI Social benefit counts: one row per municipality and month. Returns (rows, quarantine):
    malformed, non-integer, negative, bad-month, unmapped and duplicate rows refused."""
    counts = list(S.BENEFIT_COLUMNS)
    parsed = parse_rows(raw, S.RAW_BENEFITS, rules=[
        *_month_rules("anomes"),
        RejectRule("negative benefit count", F.least(*[F.col(c) for c in counts]) < 0)])
    resolved, unmapped = resolve_codes(accepted(parsed), dim, "ibge", source=S.BENEFITS_SOURCE)
    resolved = resolved.withColumn("month_key", F.col("anomes"))
    rows, dups = split_duplicates(resolved, MONTH_KEY, source=S.BENEFITS_SOURCE)
    return rows, reduce(DataFrame.unionByName, [rejected(parsed, source=S.BENEFITS_SOURCE), unmapped, dups])


def build_fact_social_benefit(rows: DataFrame) -> DataFrame:
    """One row per municipality and month; benefit counts by type, null where not reported."""
    return rows.select("municipality_code", "month_key", month_start(F.col("month_key")).alias("month_start"),
                       *[F.col(raw).alias(name) for raw, name in S.BENEFIT_COLUMNS.items()])


def stage_families(raw: DataFrame, dim: DataFrame) -> tuple[DataFrame, DataFrame]:
    """MI Social's transfers layout as transfer rows (programme Bolsa Família, feed misocial);
    BRL parsed exactly as DECIMAL(18,2) from the text."""
    families, amount = "qtd_familias_beneficiarias_bolsa_familia", "valor_repassado_bolsa_familia"
    parsed = parse_rows(raw, S.RAW_FAMILIES, rules=[
        *_month_rules("anomes"),
        RejectRule("negative families or amount", (F.col(families) < 0) | (F.col(amount) < 0))])
    resolved, unmapped = resolve_codes(accepted(parsed), dim, "ibge", source=S.FAMILIES_SOURCE)
    rows = resolved.select(
        "municipality_code", F.col("anomes").alias("month_key"), F.lit("Bolsa Família").alias("programme"),
        F.lit(S.FEED_MISOCIAL).alias("source_feed"), F.col(families).alias("families_paid"),
        F.col(amount).alias("amount_brl"), SOURCE_FILE, ROW_ID)
    rows, dups = split_duplicates(rows, TRANSFER_KEY, source=S.FAMILIES_SOURCE)
    return rows, reduce(DataFrame.unionByName, [rejected(parsed, source=S.FAMILIES_SOURCE), unmapped, dups])


# ---- transparency API ----


_CORRUPT = "_corrupt_record"


def _solr(element: T.DataType, *, corrupt: bool = True) -> T.StructType:
    """A Solr-style response, as the ministry's MI Social API serves records:
    ``{"responseHeader": …, "response": {"numFound": n, "start": 0, "docs": [record, …]}}``;
    the corrupt-record column marks a document that does not parse whole (one cut short would
    otherwise yield the records read before the cut)."""
    response = T.StructType([T.StructField("numFound", T.LongType()), T.StructField("start", T.LongType()),
                             T.StructField("docs", T.ArrayType(element))])
    return T.StructType([T.StructField("response", response),
                         *([T.StructField(_CORRUPT, T.StringType())] if corrupt else [])])


def json_records(docs: DataFrame, element: T.StructType, *, source: str, reason: str,
                 solr: bool = False) -> tuple[DataFrame, DataFrame]:
    """Every record of every JSON document (``_source_file``, ``json``: a JSON list of records,
    or with ``solr`` also a Solr-style response, see ``_solr``) with its position
    (``_row_id``), its JSON text (``record``), its fields (``r``; an element that is not an
    object has no object text) and ``exact`` (below), and quarantine records (with ``reason``)
    for documents that are neither. A byte-order mark or white space before the document is
    not part of it. A Solr response that is one page of more (``start`` > 0, or fewer ``docs``
    than ``numFound``) is quarantined whole: loading it would replace months with a part of them.

    A document is parsed whole with the record schema first, so decimal fields are read from
    the JSON literal (``exact`` true). A document the schema cannot read at all (an element that
    is no object) is split into its records' texts and each is parsed alone (``exact`` false);
    Spark re-writes such a record's numbers through a double, exact up to 15 significant digits
    (centavos of any amount below 10 trillion BRL). The ``record`` text is the record as the
    parser re-writes it (compact; numbers as parsed): what the quarantine shows and what the
    checks read fields from."""
    body = F.regexp_replace("json", r"^[\uFEFF\s]+", "")
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT}
    is_list, is_object = body.startswith("["), body.startswith("{")
    response = F.from_json(body, _solr(T.StringType()), options)  # the texts: parses any well-formed response
    whole_response = is_object & response[_CORRUPT].isNull() & response["response"]["docs"].isNotNull()
    numbers = response["response"]
    partial = whole_response & ((F.coalesce(numbers["start"], F.lit(0)) > 0)
                                | (F.coalesce(numbers["numFound"], F.size(numbers["docs"])) > F.size(numbers["docs"])))

    def parse(of: T.DataType) -> Column:
        listed = F.when(is_list, F.from_json(body, T.ArrayType(of)))
        if not solr:
            return listed
        docs_of = (response["response"]["docs"] if of == T.StringType()
                   else F.from_json(body, _solr(of, corrupt=False))["response"]["docs"])
        return F.coalesce(listed, F.when(whole_response & ~partial, docs_of))

    lists = docs.select(SOURCE_FILE, "json", parse(element).alias("typed"), parse(T.StringType()).alias("texts"),
                        *([partial.alias("partial"), numbers["start"].alias("start"),
                           numbers["numFound"].alias("found"), F.size(numbers["docs"]).alias("sent")] if solr else
                          [F.lit(False).alias("partial"), *[F.lit(None).cast("long").alias(c)
                                                            for c in ("start", "found", "sent")]]))
    typed_ok = F.col("typed").isNotNull() & (F.size("typed") == F.size("texts"))
    # A typed element keeps its JSON text beside it: a field Spark could not read as its type
    # (a "valor" that is text) is null in the element but still in the text, so it is refused.
    typed = (lists.filter(typed_ok)
             .select(SOURCE_FILE, F.posexplode(F.arrays_zip("typed", "texts")).alias(ROW_ID, "z"))
             .select(SOURCE_FILE, ROW_ID, F.col("z.texts").alias("record"), F.col("z.typed").alias("r"),
                     F.lit(True).alias("exact")))
    split = (lists.filter(~typed_ok & F.col("texts").isNotNull())
             .select(SOURCE_FILE, F.posexplode("texts").alias(ROW_ID, "record"))
             .select(SOURCE_FILE, ROW_ID, "record", F.from_json("record", element).alias("r"),
                     F.lit(False).alias("exact")))
    why = F.when(F.col("partial"), F.concat(
        F.lit("partial Solr response: "), F.col("sent").cast("string"), F.lit(" of "), F.col("found").cast("string"),
        F.lit(" records from start "), F.coalesce(F.col("start"), F.lit(0)).cast("string"),
        F.lit(": download every row in one response (rows=numFound)"))).otherwise(F.lit(reason))
    bad = quarantine_records(lists.filter(~typed_ok & F.col("texts").isNull()),
                             source=source, record=F.substring("json", 1, 2000), reason=why)
    return typed.unionByName(split), bad


def api_records(pages: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The records of the transparency API's pages (JSON lists), see ``json_records``."""
    return json_records(pages, S.API_RECORD, source=S.API_SOURCE, reason="page is not a JSON list of records")


# ---- MI Social as JSON ----

MISOCIAL_JSON_REASON = 'not a JSON list of records nor a Solr response {"response": {"docs": [...]}}'


def _misocial_element(layout: RawCsv) -> T.StructType:
    """Decimal fields read from the JSON literal (exact to 18 decimals, 20 integer digits);
    every other field as its JSON text (numbers as written), typed later by staging."""
    return T.StructType([T.StructField(f.name, T.DecimalType(38, 18) if f.type.lower().startswith("decimal")
                                       else T.StringType()) for f in layout.fields])


def misocial_json(docs: DataFrame, layout: RawCsv) -> tuple[DataFrame, DataFrame]:
    """MI Social records from JSON documents (``_source_file``, ``json``) as the layout's raw
    text fields, the shape ``jobs.sources.files.read_csv`` gives a CSV file, with the record's
    JSON text (``_record_text``) for the quarantine. A missing key or a JSON null is a blank
    (not reported). Returns (raw, quarantine): documents that are not a list of records nor a
    whole Solr response, and elements that are not objects, are quarantined with the reason.

    A decimal field is staged from the exact decimal Spark read from the literal when the value
    is a JSON number (or a text written as one); any other text (``"1234,56"``) is staged as
    sent, so staging refuses it as it would in a CSV. In a document split for a bad element
    (``json_records``), an amount of 10 trillion or more cannot be known to the centavo: its
    record is quarantined."""
    records, bad_docs = json_records(docs, _misocial_element(layout), source=layout.name,
                                     reason=MISOCIAL_JSON_REASON, solr=True)
    decimals = [f for f in layout.fields if f.type.lower().startswith("decimal")]

    def text(f) -> Column:
        value = F.col(f"r.`{f.name}`")
        if f not in decimals:
            return value
        sent = F.get_json_object("record", f"$.{f.name}")
        as_number = sent.rlike(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")
        # the exact decimal without the zeros its scale added (zero prints as 0E-18)
        exact = F.when(value == 0, F.lit("0")).otherwise(F.regexp_replace(value.cast("string"), r"\.?0+$", ""))
        return F.when(as_number & value.isNotNull(), exact).otherwise(sent)

    # an element that is no object (42, "x", [..]) is an all-null struct in a typed list
    is_object = F.col("r").isNotNull() & F.coalesce(F.ltrim(F.col("record")).startswith("{"), F.lit(False))
    inexact = reduce(lambda a, b: a | b, [F.coalesce(F.abs(F.col(f"r.`{f.name}`")) >= 10**13, F.lit(False))
                                          for f in decimals], F.lit(False)) & ~F.col("exact")
    objects = records.filter(is_object & ~inexact)
    raw = objects.select(*[text(f).alias(f.name) for f in layout.fields],
                         F.lit(None).cast("string").alias(CORRUPT_COLUMN), SOURCE_FILE, ROW_ID,
                         F.col("record").alias(RECORD_TEXT))
    refused = quarantine_records(
        records.filter(~is_object | inexact), source=layout.name, record=F.col("record"),
        reason=F.when(~is_object, F.lit("record is not a JSON object")).otherwise(F.lit(
            "amount of 10 trillion or more in a document with an element that is no record: it cannot be "
            "read to the centavo; fix or remove the bad element")))
    return raw, bad_docs.unionByName(refused)


def stage_api(records: DataFrame, dim: DataFrame) -> tuple[DataFrame, DataFrame]:
    """API records as transfer rows (feed transparencia; programme from ``tipo.descricao``).
    ``valor`` is read from the JSON literal as a wide decimal (never a float) and must have at
    most two decimals; ``quantidadeBeneficiados`` from its text. Returns (rows, quarantine)."""
    date_text = F.trim(F.col("r.dataReferencia"))
    date_ok = date_text.rlike(r"^\d{2}/\d{2}/\d{4}$")
    month_key = F.when(date_ok, F.substring(date_text, 7, 4).cast("int") * 100
                       + F.substring(date_text, 4, 2).cast("int"))
    qty = F.trim(F.col("r.quantidadeBeneficiados"))
    code = F.trim(F.col("r.municipio.codigoIBGE"))
    valor = F.col("r.valor")
    reason = F.coalesce(
        F.when(F.col("r").isNull() | F.col("r.municipio").isNull(), F.lit("not a transparency API record")),
        F.when(~date_ok | ~valid_month(month_key), F.lit("dataReferencia: not a date DD/MM/YYYY")),
        F.when(~F.coalesce(code.rlike(r"^\d{7}$"), F.lit(False)), F.lit("municipio.codigoIBGE: not a 7-digit code")),
        F.when(F.trim(F.col("r.tipo.descricao")).isNull() | (F.trim(F.col("r.tipo.descricao")) == ""),
               F.lit("tipo.descricao: no programme")),
        F.when(qty.rlike(r"^-\d+$"), F.lit("quantidadeBeneficiados: negative")),
        F.when(qty.isNotNull() & ~qty.rlike(r"^\d{1,9}$"), F.lit("quantidadeBeneficiados: not an integer")),
        F.when(valor.isNull() & F.get_json_object("record", "$.valor").isNotNull(), F.lit("valor: not a number")),
        F.when(valor < 0, F.lit("valor: negative")),
        F.when(valor != F.round(valor, 2), F.lit("valor: more decimals than centavos")),
        F.when(F.abs(valor) >= F.lit(10**16), F.lit("valor: beyond DECIMAL(18,2)")),
    )
    checked = records.select(SOURCE_FILE, ROW_ID, "record", reason.alias("reason"), code.cast("int").alias("codigo"),
                month_key.alias("month_key"), F.trim(F.col("r.tipo.descricao")).alias("programme"),
                qty.cast("int").alias("families_paid"), valor.cast("decimal(18,2)").alias("amount_brl"))
    bad = quarantine_records(checked.filter(F.col("reason").isNotNull()), source=S.API_SOURCE,
                             record=F.col("record"), reason=F.col("reason"))
    good = checked.filter(F.col("reason").isNull()).drop("reason", "record")
    resolved, unmapped = resolve_codes(good, dim, "codigo", source=S.API_SOURCE)
    rows = resolved.select("municipality_code", "month_key", "programme",
                           F.lit(S.FEED_TRANSPARENCIA).alias("source_feed"), "families_paid", "amount_brl",
                           SOURCE_FILE, ROW_ID)
    rows, dups = split_duplicates(rows, TRANSFER_KEY, source=S.API_SOURCE)
    return rows, reduce(DataFrame.unionByName, [bad, unmapped, dups])


def build_fact_transfer(*rows: DataFrame) -> DataFrame:
    """One row per municipality, month, programme and source feed."""
    return reduce(DataFrame.unionByName, rows).select(
        "municipality_code", "month_key", month_start(F.col("month_key")).alias("month_start"), "programme",
        "source_feed", "families_paid", "amount_brl")


# ---- coverage between the feeds ----

COVERAGE_RULE = "feed coverage: municipality-months in one feed only (benefit counts vs transfers)"


def feed_gaps(benefits: DataFrame, transfers: DataFrame) -> DataFrame:
    """One row per month with a gap: municipalities with benefit counts but no transfer
    (``only_benefits``) and with a transfer but no benefit counts (``only_transfers``)."""
    b = benefits.select(*MONTH_KEY).distinct().withColumn("in_b", F.lit(True))
    t = transfers.select(*MONTH_KEY).distinct().withColumn("in_t", F.lit(True))
    both = b.join(t, MONTH_KEY, "full")
    return (both.groupBy("month_key")
            .agg(F.sum(F.when(F.col("in_t").isNull(), 1).otherwise(0)).alias("only_benefits"),
                 F.sum(F.when(F.col("in_b").isNull(), 1).otherwise(0)).alias("only_transfers"))
            .filter((F.col("only_benefits") > 0) | (F.col("only_transfers") > 0)))


def coverage_result(gaps: list[tuple[int, int, int]]) -> QualityResult:
    """A warning with the number of municipality-months in one feed only, months as samples."""
    total = sum(b + t for _, b, t in gaps)
    return QualityResult("fact_transfer_month", COVERAGE_RULE, "warning", total,
                         sample=[f"{m}: {b} benefits only, {t} transfers only" for m, b, t in gaps[:5]])
