"""The olist generator reproduces the Kaggle files' layout and quirks, Spark parses them (quoted
fields, line breaks inside quotes), and the transforms cope with the three real tables in
../shared/data/olist (skipped, saying why, when that folder is absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from samples.olist import UNTRANSLATED, fingerprint, generate_olist_with_counts
from schemas.olist import (
    ORDER_STATUSES,
    SRC_CATEGORY_TRANSLATION,
    SRC_ORDER_REVIEWS,
    SRC_PRODUCTS,
    SRC_SELLERS,
    SourceTable,
)
from tests.conftest import shared_data
from transforms.olist import build_dim_product, normalise_city, zip_prefix


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("olist-files")
    generate_olist_with_counts(out, scale=0.005, seed=7)
    return out


def read_csv(spark, path: Path, table: SourceTable):
    """The file as text columns, parsed the way a CSV reader must: quotes, quotes doubled inside
    quotes, line breaks inside quoted fields."""
    schema = T.StructType([T.StructField(h, T.StringType()) for h in table.csv_header])
    return (spark.read.schema(schema).option("header", True).option("multiLine", True)
            .option("quote", '"').option("escape", '"').option("encoding", "UTF-8").csv(str(path)))


def records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_text_is_quoted_only_when_it_starts_with_a_digit_or_holds_a_delimiter(files):
    lines = (files / "olist_order_items_dataset.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(f'"{h}"' for h in records(files / "olist_order_items_dataset.csv")[0])
    for line in lines[1:50]:
        fields = line.split(",")
        for text in fields[:1] + fields[2:4]:  # order_id, product_id, seller_id
            assert text.startswith('"') == text.strip('"')[0].isdigit(), line
        assert not any(f.startswith('"') for f in fields[1:2] + fields[4:]), line  # numbers, timestamps


def test_zip_prefixes_are_five_digit_text_with_leading_zeros(files):
    zips = [r[2] for r in records(files / "olist_customers_dataset.csv")[1:]]
    assert all(len(z) == 5 and z.isdigit() for z in zips)
    assert any(z.startswith("0") for z in zips)
    assert '"0' in (files / "olist_customers_dataset.csv").read_text()


def test_products_have_the_misspelled_headers_missing_categories_and_untranslated_ones(files):
    rows = records(files / "olist_products_dataset.csv")
    assert rows[0][2:4] == ["product_name_lenght", "product_description_lenght"]
    categories = {r[1] for r in rows[1:]}
    assert "" in categories and set(UNTRANSLATED) <= categories
    translated = {r[0] for r in records(files / "product_category_name_translation.csv")[1:]}
    assert not set(UNTRANSLATED) & translated


def test_translation_file_has_a_bom_crlf_and_no_final_newline(files):
    raw = (files / "product_category_name_translation.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfproduct_category_name,") and b"\r\n" in raw
    assert not raw.endswith(b"\n")


def test_every_order_status_occurs_with_the_nulls_it_implies(files):
    orders = records(files / "olist_orders_dataset.csv")[1:]
    assert {o[2] for o in orders} == set(ORDER_STATUSES)
    for o in orders:
        if o[2] == "created":
            assert o[4] == o[5] == o[6] == ""
        if o[2] in ("shipped", "invoiced", "processing", "approved"):
            assert o[6] == ""  # not delivered yet


def test_the_same_seed_writes_the_same_bytes(files, tmp_path):
    generate_olist_with_counts(tmp_path / "again", scale=0.005, seed=7)
    generate_olist_with_counts(tmp_path / "other", scale=0.005, seed=8)
    assert fingerprint(tmp_path / "again") == fingerprint(files) != fingerprint(tmp_path / "other")


def test_spark_parses_review_comments_with_line_breaks_inside_quotes(spark, files):
    expected = records(files / SRC_ORDER_REVIEWS.csv_file)[1:]
    reviews = read_csv(spark, files / SRC_ORDER_REVIEWS.csv_file, SRC_ORDER_REVIEWS)
    got = reviews.agg(F.count(F.lit(1)).alias("n"),
                      F.sum(F.col("review_comment_message").contains("\n").cast("int")).alias("multiline"),
                      F.sum(F.col("review_comment_message").contains('"').cast("int")).alias("quoted")).first()
    assert got["n"] == len(expected)
    assert got["multiline"] == sum("\n" in r[4] for r in expected) > 0
    assert got["quoted"] == sum('"' in r[4] for r in expected) > 0


def test_generated_seller_cities_normalise_to_city_names(spark, files):
    sellers = read_csv(spark, files / SRC_SELLERS.csv_file, SRC_SELLERS)
    cities = {r["city"] for r in sellers.select(normalise_city(F.col("seller_city")).alias("city")).collect()}
    assert not any(c and ("/" in c or " - " in c or "," in c or c != c.strip()) for c in cities)
    assert "sao paulo" in cities and "são paulo" not in cities


# ---- the real tables ----


def test_real_products_parse_and_missing_translations_fall_back_to_portuguese(spark):
    products_csv = shared_data("olist", SRC_PRODUCTS.csv_file)
    translation_csv = shared_data("olist", SRC_CATEGORY_TRANSLATION.csv_file)
    header = records(products_csv)[0]
    assert header == SRC_PRODUCTS.csv_header  # the misspelled _lenght headers included
    products = read_csv(spark, products_csv, SRC_PRODUCTS).select(
        *[F.col(c.name).cast(c.type if c.type == "int" else "string").alias(c.name) for c in SRC_PRODUCTS.columns])
    translation = read_csv(spark, translation_csv, SRC_CATEGORY_TRANSLATION)
    assert translation.count() == 71
    dim = build_dim_product(products, translation).filter(F.col("product_id") != "?")
    counts = {r["is_category_translated"]: r["count"] for r in dim.groupBy("is_category_translated").count().collect()}
    untranslated = {r["category_name_en"] for r in dim.filter(~F.col("is_category_translated")).select(
        "category_name_en").distinct().collect()}
    assert counts[True] + counts[False] == 32_951
    assert untranslated == {"uncategorized", *UNTRANSLATED}
    assert dim.filter(F.col("category_name_pt") == "uncategorized").count() == 610


def test_real_seller_cities_and_zips_are_cleaned(spark):
    sellers = read_csv(spark, shared_data("olist", SRC_SELLERS.csv_file), SRC_SELLERS)
    clean = sellers.select(zip_prefix(F.col("seller_zip_code_prefix")).alias("zip"),
                           F.col("seller_city").alias("raw"), normalise_city(F.col("seller_city")).alias("city"))
    rows = clean.collect()
    assert len(rows) == 3_095 and all(r["zip"] and len(r["zip"]) == 5 for r in rows)
    assert sum(r["zip"].startswith("0") for r in rows) == 1_027
    by_raw = {r["raw"]: r["city"] for r in rows}
    assert by_raw["sao paulo - sp"] == by_raw["sa\u0303o paulo"] == by_raw["sao paulo sp"] == "sao paulo"
    assert by_raw["rio de janeiro, rio de janeiro, brasil"] == "rio de janeiro"
    assert by_raw["vendas@creditparts.com.br"] is None and by_raw["04482255"] is None
    assert len({r["city"] for r in rows}) < len({r["raw"] for r in rows})
