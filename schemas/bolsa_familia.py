"""bolsa_familia contracts: the raw layouts of MI Social (two layouts), the IBGE municipality and
state lists and the Portal da Transparência API records; the municipality dimension and the two
monthly facts.

Months are a month key ``month_key`` = YYYYMM (integer) with ``month_start``, the first day of the
month, beside it; the facts are partitioned by the month key, so reloading a month replaces it.
"""

from __future__ import annotations

from pyspark.sql import types as T

from schemas.spec import Column, Expression, InRange, RawCsv, RawField, TableSpec, dimension_spec

BENEFITS_SOURCE = "misocial_beneficios"
FAMILIES_SOURCE = "misocial_familias"
MUNICIPIOS_SOURCE = "municipios"
ESTADOS_SOURCE = "estados"
API_SOURCE = "transparencia"
FEED_MISOCIAL = "misocial"
FEED_TRANSPARENCIA = "transparencia"

# MI Social column -> benefit column of fact_social_benefit_month
BENEFIT_COLUMNS = {
    "qtd_ben_bas": "basic_benefits",
    "qtd_ben_var": "variable_benefits",
    "qtd_ben_bvj": "youth_benefits",
    "qtd_ben_bvn": "nursing_mother_benefits",
    "qtd_ben_bvg": "pregnancy_benefits",
    "qtd_ben_bsp": "extreme_poverty_benefits",
}

RAW_BENEFITS = RawCsv(
    name=BENEFITS_SOURCE,
    file_glob="*.csv",
    fields=(
        RawField("ibge", "int", required=True),
        RawField("siglauf", "varchar(2)"),
        RawField("anomes", "int", required=True),
        *[RawField(c, "int") for c in BENEFIT_COLUMNS],
    ),
)
RAW_FAMILIES = RawCsv(
    name=FAMILIES_SOURCE,
    file_glob="*.csv",
    fields=(
        RawField("ibge", "int", required=True),
        RawField("anomes", "int", required=True),
        RawField("qtd_familias_beneficiarias_bolsa_familia", "int"),
        RawField("valor_repassado_bolsa_familia", "decimal(18,2)"),
    ),
)
RAW_MUNICIPIOS = RawCsv(
    name=MUNICIPIOS_SOURCE,
    file_glob="municipios*.csv",
    fields=(
        RawField("codigo_ibge", "int", required=True),
        RawField("nome", "varchar(100)", required=True),
        RawField("latitude", "double"),
        RawField("longitude", "double"),
        RawField("capital", "int"),
        RawField("codigo_uf", "int", required=True),
    ),
)
RAW_ESTADOS = RawCsv(
    name=ESTADOS_SOURCE,
    file_glob="estados*.csv",
    fields=(
        RawField("codigo_uf", "int", required=True),
        RawField("uf", "varchar(2)", required=True),
        RawField("nome", "varchar(50)", required=True),
        RawField("latitude", "double"),
        RawField("longitude", "double"),
    ),
)
CSV_LAYOUTS = (RAW_BENEFITS, RAW_FAMILIES, RAW_MUNICIPIOS, RAW_ESTADOS)
# MI Social as JSON (a list of records, or a Solr response {"response": {"docs": [...]}}) has the
# CSV layouts' field names as keys (a null may be left out, as Solr does). A JSON file is of the
# layout when its first 64 KiB name "ibge", "anomes" and one of the layout's measures.
MISOCIAL_JSON_KEYS = {
    BENEFITS_SOURCE: tuple(BENEFIT_COLUMNS),
    FAMILIES_SOURCE: ("qtd_familias_beneficiarias_bolsa_familia", "valor_repassado_bolsa_familia"),
}

# One API record; numbers that must stay exact are read as the JSON text (quantities) or as a
# wide decimal parsed from the literal (valor), never through a float.
API_RECORD = T.StructType([
    T.StructField("id", T.StringType()),
    T.StructField("dataReferencia", T.StringType()),
    T.StructField("municipio", T.StructType([
        T.StructField("codigoIBGE", T.StringType()),
        T.StructField("nomeIBGE", T.StringType()),
        T.StructField("uf", T.StructType([T.StructField("sigla", T.StringType()),
                                          T.StructField("nome", T.StringType())])),
    ])),
    T.StructField("tipo", T.StructType([T.StructField("id", T.StringType()),
                                        T.StructField("descricao", T.StringType()),
                                        T.StructField("descricaoDetalhada", T.StringType())])),
    T.StructField("valor", T.DecimalType(38, 10)),
    T.StructField("quantidadeBeneficiados", T.StringType()),
])

# Macro-region by the first digit of the state code (IBGE).
REGIONS = {1: "Norte", 2: "Nordeste", 3: "Sudeste", 4: "Sul", 5: "Centro-Oeste"}

DIM_MUNICIPALITY = dimension_spec(
    name="dim_municipality",
    grain="One row per IBGE municipality; key municipality_code (7-digit IBGE code; -1 = unknown).",
    description="The IBGE municipality list with its state and macro-region.",
    columns=(
        Column("municipality_code", "int", False, "7-digit IBGE code (with check digit); -1 unknown"),
        Column("municipality_code6", "int", False, "6-digit code (without the check digit), as MI Social has it"),
        Column("municipality_name", "varchar(100)", False, "Municipality name"),
        Column("state_code", "smallint", True, "2-digit IBGE state code"),
        Column("uf", "varchar(2)", True, "State abbreviation (SE, SP …)"),
        Column("state_name", "varchar(50)", True, "State name"),
        Column("region", "varchar(12)", True, "Macro-region: Norte, Nordeste, Sudeste, Sul, Centro-Oeste"),
        Column("latitude", "double", True, "Latitude of the seat (null when not given)"),
        Column("longitude", "double", True, "Longitude of the seat (null when not given)"),
        Column("is_capital", "boolean", True, "The state capital"),
    ),
    key="municipality_code",
    natural_key=("municipality_code6",),
    checks=(Expression("region known",
                       "region is null or region in ('Norte', 'Nordeste', 'Sudeste', 'Sul', 'Centro-Oeste')"),),
)

_MONTH = (
    Column("municipality_code", "int", False, "7-digit IBGE code (dim_municipality)"),
    Column("month_key", "int", False, "Month as YYYYMM"),
    Column("month_start", "date", False, "First day of the month"),
)
_MONTH_CHECKS = (InRange("month_key", 190001, 299912), Expression("month valid", "month_key % 100 between 1 and 12"))

FACT_SOCIAL_BENEFIT_MONTH = TableSpec(
    name="fact_social_benefit_month",
    grain="One row per municipality and month (MI Social benefit counts); key (municipality_code, month_key).",
    description="Benefits of each type counted by MI Social; NULL where the month was not reported.",
    columns=(
        *_MONTH,
        *[Column(c, "int", True, f"Benefits counted ({raw}); null: not reported")
          for raw, c in BENEFIT_COLUMNS.items()],
    ),
    primary_key=("municipality_code", "month_key"),
    partition_by=("month_key",),
    load_mode="replace_partitions",
    diststyle="KEY",
    distkey="municipality_code",
    sortkey=("month_key", "municipality_code"),
    checks=(*_MONTH_CHECKS, *[InRange(c, 0, None) for c in BENEFIT_COLUMNS.values()]),
)

FACT_TRANSFER_MONTH = TableSpec(
    name="fact_transfer_month",
    grain="One row per municipality, month, programme and source feed; key (municipality_code, month_key, "
          "programme, source_feed).",
    description="Families paid and BRL transferred, from MI Social's transfers layout or the transparency API.",
    columns=(
        *_MONTH,
        Column("programme", "varchar(60)", False, "Programme (Bolsa Família, Auxílio Brasil, Novo Bolsa Família)"),
        Column("source_feed", "varchar(20)", False, "misocial or transparencia"),
        Column("families_paid", "int", True, "Families (beneficiaries) paid"),
        Column("amount_brl", "decimal(18,2)", True, "BRL transferred, exact to the centavo"),
    ),
    primary_key=("municipality_code", "month_key", "programme", "source_feed"),
    partition_by=("source_feed", "month_key"),
    load_mode="replace_partitions",
    diststyle="KEY",
    distkey="municipality_code",
    sortkey=("month_key", "municipality_code"),
    checks=(*_MONTH_CHECKS, InRange("families_paid", 0, None), InRange("amount_brl", 0, None)),
)

TABLES = (DIM_MUNICIPALITY, FACT_SOCIAL_BENEFIT_MONTH, FACT_TRANSFER_MONTH)

# Robust anomaly rule of bolsa_municipality_month (documented in docs/bolsa_familia.md).
ANOMALY_Z = 3.5  # robust z above this
ANOMALY_MIN_CHANGE = 0.10  # and more than this share of the trailing median
ANOMALY_MIN_HISTORY = 6

VIEWS = (
    "bolsa_transfer_month",
    "bolsa_municipality_month",
    "bolsa_anomalies",
    "bolsa_coverage_month",
    "bolsa_feed_gaps_month",
    "bolsa_state_month",
    "bolsa_national_month",
    "fact_ibge",
    "dim_value_description",
    "dim_benefit_amount",
)
