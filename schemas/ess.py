"""ess: European Social Survey answers (Stata .dta or SPSS .sav files, one or more rounds),
joined in the warehouse to their region's Eurostat context.

Design choices, and why:

* **Grain one respondent of one round** (``essround``, ``cntry``, ``idno``): ``idno`` is unique
  only within a country's sample of a round. The fact is loaded ``replace_partitions`` by
  ``essround``: loading a round again replaces that round, loading another round adds it.
* **Missing codes become NULL in the fact, the reason goes to a long table**
  (``fact_ess_missing``: respondent, variable, code, reason). A long table keeps one column per
  attitude in the fact (a plain ``avg(trstprl)`` is right), holds only the answers that were
  missing (a few percent of cells) and needs no schema change when the variable list grows;
  one "reason" column per variable would double the fact's width with mostly-null columns.
  A code is a missing code only when the file says so: in a ``.sav`` its declared user-missing
  values, in a ``.dta`` a value label on an ESS missing pattern (6/7/8/9, 66 … 99, 666 …, 6666 …)
  whose text is not the number itself (``trstprl`` labels 6 "6": a real answer, 77
  "Refusal": missing). A variable without value labels is never recoded.
* **region_key** is ``transforms.keys.surrogate_key`` of the region code, the function eurostat's
  ``dim_region`` uses, so the fact joins ``dim_region`` without a lookup in this pipeline (which
  cannot read eurostat's tables); a code absent from ``dim_region`` simply finds no row, and the
  ``ess_region_match`` view counts those per country.
* **The variable list is configuration** (``ATTITUDE_VARIABLES``); a variable absent from a
  round's file is null for that round.

Pure data only: no Spark session, no IO.
"""

from __future__ import annotations

from datetime import date

from schemas.spec import Column, InRange, TableSpec

SOURCE = "ess"
RESPONDENT_KEY = ("essround", "cntry", "idno")
REQUIRED_VARIABLES = ("essround", "cntry", "idno")
"""A file without one of these cannot be read as ESS answers (exit 3)."""
REGION_VARIABLE = "region"
INTERVIEW_YEAR_VARIABLES = ("inwyys", "inwyye", "inwyr")
"""The interview (fieldwork) year, first present of: start of interview (rounds 3+), end of
interview, the older rounds' single year."""
DEMOGRAPHIC_VARIABLES = ("agea", "gndr")
WEIGHT_VARIABLES = ("dweight", "pspwght", "pweight", "anweight")
ATTITUDE_VARIABLES = (
    "nwspol", "netusoft", "netustm", "ppltrst", "pplfair", "pplhlp", "polintr", "psppsgva", "actrolga",
    "psppipla", "cptppola", "trstprl", "trstlgl", "trstplc", "trstplt", "trstprt", "trstep", "trstun",
)
TRUST_VARIABLES = ("ppltrst", "trstprl", "trstlgl", "trstplc", "trstplt", "trstprt", "trstep", "trstun")
"""The variables the per-region weighted means cover (ess_region_trust)."""
RECODED_VARIABLES = (*DEMOGRAPHIC_VARIABLES, *ATTITUDE_VARIABLES)
"""Variables whose missing codes become NULL (and a fact_ess_missing row)."""
OPTIONAL_VARIABLES = (REGION_VARIABLE, *INTERVIEW_YEAR_VARIABLES, *WEIGHT_VARIABLES, *RECODED_VARIABLES)

NUTS_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
    "UK NO CH IS LI ME MK AL RS TR".split())
"""Countries with NUTS codes (EU, EFTA, candidates; UK as NUTS 2016 has it). The ESS codes Greece
GR and the United Kingdom GB: see transforms.ess.NUTS_COUNTRY."""

RELEASE_DATES: dict[int, date] = {
    # First publication (edition 1.0) of each integrated round on the ESS data portal: the date
    # the "as published" mart takes the Eurostat context at. Approximate to the month; check
    # against the portal's edition history before relying on a revision inside that month.
    6: date(2013, 10, 1),
    7: date(2015, 10, 1),
    8: date(2017, 10, 1),
    9: date(2020, 5, 1),
    10: date(2022, 9, 1),
    11: date(2024, 6, 1),
}
RELEASES_FILE = "ess_releases.csv"
"""An optional ``essround,release_date`` file beside the survey files that overrides
RELEASE_DATES (the generated sample uses one: its rounds are fictional)."""

_RESPONDENT = (
    Column("essround", "smallint", False, "ESS round"),
    Column("cntry", "varchar(2)", False, "Country (ISO 3166-1 alpha-2, as the ESS codes it)"),
    Column("idno", "bigint", False, "Respondent number (unique within a country and round)"),
)

FACT_ESS_RESPONSE = TableSpec(
    name="fact_ess_response",
    grain="One row per respondent of one ESS round; key (essround, cntry, idno).",
    description="Survey answers with missing codes as NULL (the reasons are in fact_ess_missing).",
    columns=(
        *_RESPONDENT,
        Column("region_code", "varchar(16)", True, "Region as coded by the country (NUTS 1-3 or a national code)"),
        Column("region_key", "bigint", False,
               "surrogate_key(region_code), the dim_region key of a NUTS code (-1 when no region)"),
        Column("regunit", "smallint", True, "NUTS level the country coded region at (ESS regunit)"),
        Column("interview_year", "smallint", True, "Year of the interview (inwyys, else inwyye, else inwyr)"),
        Column("agea", "smallint", True, "Age of respondent (missing codes null)"),
        Column("gndr", "smallint", True, "Gender 1 male, 2 female (missing codes null)"),
        *(Column(w, "double", True, f"ESS weight {w} (null when the round has none)") for w in WEIGHT_VARIABLES),
        *(Column(v, "int", True, f"ESS variable {v} (missing codes null; null when absent from the round)")
          for v in ATTITUDE_VARIABLES),
        Column("source_file", "varchar(1024)", False, "The landed file the row was read from"),
    ),
    primary_key=RESPONDENT_KEY,
    partition_by=("essround",),
    load_mode="replace_partitions",
    diststyle="KEY",
    distkey="region_code",
    sortkey=("essround", "cntry"),
    checks=(InRange("agea", 13, 120, severity="warning"), InRange("gndr", 1, 2, severity="warning")),
)

FACT_ESS_MISSING = TableSpec(
    name="fact_ess_missing",
    grain="One row per missing answer: (essround, cntry, idno, variable); the code the file held and why.",
    description="Why an answer is NULL in fact_ess_response: the ESS missing code and its label.",
    columns=(
        *_RESPONDENT,
        Column("variable", "varchar(32)", False, "Variable name (a column of fact_ess_response)"),
        Column("code", "int", False, "The code in the file (e.g. 77, 88, 99, 8888)"),
        Column("reason", "varchar(20)", False, "not_applicable, refusal, dont_know or no_answer"),
        Column("label", "varchar(255)", True, "The file's value label of the code"),
    ),
    primary_key=(*RESPONDENT_KEY, "variable"),
    partition_by=("essround",),
    load_mode="replace_partitions",
    diststyle="EVEN",
    sortkey=("essround", "variable"),
)

DIM_ESS_VALUE_LABEL = TableSpec(
    name="dim_ess_value_label",
    grain="One row per value label of a variable in a round's file: (essround, variable, code).",
    description="The files' value labels of the loaded variables (answers and missing codes).",
    columns=(
        Column("essround", "smallint", False, "ESS round"),
        Column("variable", "varchar(32)", False, "Variable name"),
        Column("code", "int", False, "Coded value"),
        Column("label", "varchar(255)", False, "Its label"),
        Column("is_missing_code", "boolean", False, "The code is a missing code (null in the fact)"),
    ),
    primary_key=("essround", "variable", "code"),
    partition_by=("essround",),
    load_mode="replace_partitions",
    diststyle="ALL",
    sortkey=("essround", "variable"),
)

DIM_ESS_ROUND = TableSpec(
    name="dim_ess_round",
    grain="One row per loaded ESS round; key essround.",
    description="When each round was published: the date the 'as published' mart reads Eurostat's history at.",
    columns=(
        Column("essround", "smallint", False, "ESS round"),
        Column("release_date", "date", True, "First publication of the round (null when not configured)"),
        Column("respondents", "bigint", False, "Respondents loaded for the round"),
    ),
    primary_key=("essround",),
    load_mode="merge",
    diststyle="ALL",
    sortkey=("essround",),
)

TABLES = (FACT_ESS_RESPONSE, FACT_ESS_MISSING, DIM_ESS_VALUE_LABEL, DIM_ESS_ROUND)

REGION_MATCH_RULE = "region is a NUTS code of the respondent's country (respondents without one, per country)"

VIEWS = (
    "ess_region_trust",
    "ess_region_match",
    "ess_respondent_context_current",
    "ess_respondent_context_published",
)
EUROSTAT_RELATIONS = ("dim_region", "fact_eurostat_population", "fact_eurostat_indicator")
VIEW_REQUIRES: dict[str, tuple[str, ...]] = {
    "ess_region_match": ("dim_region",),
    "ess_respondent_context_current": EUROSTAT_RELATIONS,
    "ess_respondent_context_published": EUROSTAT_RELATIONS,
}
"""Views over another pipeline's tables (eurostat): created only once those tables exist."""
