"""The three real AdventureWorks export files (../shared/data/adventureworks) through the
production reader and staging: counts, exact decimal-comma money, ListPrice 0, weight units.
Skipped, with the reason, where the shared data is absent."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame

from jobs.sources.files import read_csv
from schemas.adventureworks import RAW_CUSTOMER, RAW_PRODUCT, RAW_SPECIAL_OFFER_PRODUCT
from schemas.spec import RawCsv
from tests.conftest import shared_data
from transforms.adventureworks import build_dim_customer, build_dim_product, parse, split


def _stage(spark, layout: RawCsv) -> tuple[int, DataFrame, DataFrame]:
    path = shared_data("adventureworks", layout.file_glob)
    parsed = parse(read_csv(spark, [str(path)], layout), layout).cache()
    good, quarantined = split(parsed, layout)
    return parsed.count(), good.cache(), quarantined


@pytest.fixture(scope="module")
def real(spark) -> dict[str, tuple[int, DataFrame, DataFrame]]:
    return {layout.name: _stage(spark, layout) for layout in (RAW_PRODUCT, RAW_CUSTOMER, RAW_SPECIAL_OFFER_PRODUCT)}


def test_every_row_of_the_real_files_is_read_and_none_is_quarantined(real):
    counts = {name: (rows_in, good.count(), quarantined.count()) for name, (rows_in, good, quarantined) in real.items()}
    assert counts == {"product": (504, 504, 0), "customer": (19_820, 19_820, 0),
                      "special_offer_product": (538, 538, 0)}


def test_decimal_comma_money_parses_exactly_beside_a_decimal_point_weight(real):
    rows = {r.ProductID: r for r in real["product"][1].filter("ProductID in (680, 707, 999)").collect()}
    assert (rows[680].ListPrice, rows[680].StandardCost) == (Decimal("1431.5000"), Decimal("1059.3100"))
    assert (rows[707].ListPrice, rows[707].StandardCost) == (Decimal("34.9900"), Decimal("13.0863"))
    assert (rows[999].ListPrice, rows[999].Weight, rows[999].WeightUnitMeasureCode) == (
        Decimal("539.9900"), Decimal("20.42"), "LB")


def test_two_hundred_real_products_have_list_price_zero(real):
    assert real["product"][1].filter("ListPrice = 0").count() == 200


def test_real_weights_mix_grams_and_pounds_and_all_normalise_to_kilograms(real):
    dim = build_dim_product(real["product"][1]).filter("product_key <> -1")
    units = Counter(r.weight_unit for r in dim.filter("weight IS NOT NULL").select("weight_unit").collect())
    assert units == {"LB": 176, "G": 29}
    assert dim.filter("weight IS NOT NULL AND weight_kg IS NULL").count() == 0
    assert dim.filter("product_id = 999").first().weight_kg == Decimal("9.262356")  # 20.42 lb


def test_padded_codes_and_mixed_sizes_arrive_trimmed(real):
    good = real["product"][1]
    codes = {c: {r[0] for r in good.select(c).distinct().collect()} - {None}
             for c in ("SizeUnitMeasureCode", "ProductLine", "Class", "Style")}
    assert codes == {"SizeUnitMeasureCode": {"CM"}, "ProductLine": {"R", "M", "T", "S"},
                     "Class": {"H", "M", "L"}, "Style": {"W", "M", "U"}}
    sizes = {r.Size for r in good.select("Size").distinct().collect()}
    assert {"S", "M", "L", "XL", "58"} <= sizes


def test_real_customers_split_into_individuals_and_stores(spark, real):
    persons = spark.createDataFrame([], "BusinessEntityID int, PersonType string, Title string, FirstName string, "
                                        "MiddleName string, LastName string, Suffix string, EmailPromotion int")
    dim = build_dim_customer(real["customer"][1], persons)
    types = Counter(r.customer_type for r in dim.select("customer_type").collect())
    assert types == {"individual": 18_484, "store": 701 + 635, "unknown": 1}
    assert real["customer"][1].filter("PersonID IS NULL").count() == 701
