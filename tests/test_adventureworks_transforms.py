"""adventureworks transforms on a handful of inline typed rows: weight normalisation, sizes,
customers and their names, the key joins of the facts and the order/line reconciliation.

chispa ``assert_df_equality`` is used with ``ignore_row_order=True`` (Spark gives no order)
and ``ignore_nullable=True`` (nullability of derived columns is Spark's guess)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas.spec import UNKNOWN_KEY
from transforms.adventureworks import (
    build_dim_customer,
    build_dim_product,
    build_dim_special_offer,
    build_fact_sales_order,
    build_fact_sales_order_line,
    size_type,
    weight_in_kg,
)

IGNORE = {"ignore_row_order": True, "ignore_nullable": True}
D = Decimal

PRODUCT_SCHEMA = T.StructType([
    T.StructField(name, dtype) for name, dtype in (
        ("ProductID", T.IntegerType()), ("Name", T.StringType()), ("ProductNumber", T.StringType()),
        ("MakeFlag", T.IntegerType()), ("FinishedGoodsFlag", T.IntegerType()), ("Color", T.StringType()),
        ("SafetyStockLevel", T.IntegerType()), ("ReorderPoint", T.IntegerType()),
        ("StandardCost", T.DecimalType(19, 4)), ("ListPrice", T.DecimalType(19, 4)), ("Size", T.StringType()),
        ("SizeUnitMeasureCode", T.StringType()), ("WeightUnitMeasureCode", T.StringType()),
        ("Weight", T.DecimalType(8, 2)), ("DaysToManufacture", T.IntegerType()), ("ProductLine", T.StringType()),
        ("Class", T.StringType()), ("Style", T.StringType()), ("ProductSubcategoryID", T.IntegerType()),
        ("ProductModelID", T.IntegerType()), ("SellStartDate", T.DateType()), ("SellEndDate", T.DateType()),
        ("DiscontinuedDate", T.DateType()))
])


def product(product_id: int, **changes) -> tuple:
    base = dict(ProductID=product_id, Name=f"Product {product_id}", ProductNumber=f"PN-{product_id}", MakeFlag=1,
                FinishedGoodsFlag=1, Color=None, SafetyStockLevel=100, ReorderPoint=75, StandardCost=D("1.0000"),
                ListPrice=D("2.0000"), Size=None, SizeUnitMeasureCode=None, WeightUnitMeasureCode=None, Weight=None,
                DaysToManufacture=0, ProductLine=None, Class=None, Style=None, ProductSubcategoryID=None,
                ProductModelID=None, SellStartDate=date(2011, 5, 31), SellEndDate=None, DiscontinuedDate=None)
    return tuple((base | changes)[f.name] for f in PRODUCT_SCHEMA.fields)


def test_weights_in_grams_and_pounds_become_kilograms_and_unknown_units_give_null(spark):
    df = spark.createDataFrame(
        [(D("435.00"), "G"), (D("2.24"), "LB"), (D("20.42"), "lb"), (D("1.00"), "ST"), (None, "LB")],
        T.StructType([T.StructField("weight", T.DecimalType(8, 2)), T.StructField("unit", T.StringType())]))
    actual = df.select("weight", "unit", weight_in_kg(F.col("weight"), F.col("unit")).alias("kg"))
    expected = spark.createDataFrame(
        [(D("435.00"), "G", D("0.435000")), (D("2.24"), "LB", D("1.016047")),
         (D("20.42"), "lb", D("9.262356")), (D("1.00"), "ST", None), (None, "LB", None)],
        T.StructType([T.StructField("weight", T.DecimalType(8, 2)), T.StructField("unit", T.StringType()),
                      T.StructField("kg", T.DecimalType(12, 6))]))
    assert_df_equality(actual, expected, **IGNORE)


def test_sizes_are_typed_numeric_letter_or_other_and_no_size_stays_null(spark):
    df = spark.createDataFrame([("58",), ("XL",), ("m",), ("70-80",), (None,)], "size string")
    expected = spark.createDataFrame(
        [("58", "numeric"), ("XL", "letter"), ("m", "letter"), ("70-80", "other"), (None, None)],
        "size string, size_type string")
    assert_df_equality(df.select("size", size_type(F.col("size")).alias("size_type")), expected, **IGNORE)


def test_the_product_dimension_keeps_the_weight_as_sent_beside_its_kilograms_and_adds_the_unknown_member(spark):
    products = spark.createDataFrame([
        product(680, Weight=D("2.24"), WeightUnitMeasureCode="LB", Size="58", SizeUnitMeasureCode="CM",
                ProductLine="R", Class="H", Style="U"),
        product(1, ListPrice=D("0.0000")),
    ], PRODUCT_SCHEMA)
    dim = build_dim_product(products).select(
        "product_id", "weight", "weight_unit", "weight_kg", "size_numeric", "has_list_price", "product_line_name",
        "class_name", "style_name")
    expected = spark.createDataFrame([
        (680, D("2.24"), "LB", D("1.016047"), 58, True, "Road", "High", "Universal"),
        (1, None, None, None, None, False, None, None, None),
        (UNKNOWN_KEY, None, None, None, None, None, None, None, None),
    ], dim.schema)
    assert_df_equality(dim, expected, **IGNORE)


CUSTOMERS = "CustomerID int, PersonID int, StoreID int, TerritoryID int, AccountNumber string"
PERSONS = ("BusinessEntityID int, PersonType string, Title string, FirstName string, MiddleName string, "
           "LastName string, Suffix string, EmailPromotion int")


def test_customers_get_their_persons_name_and_a_store_without_a_person_is_named_after_its_store(spark):
    customers = spark.createDataFrame([
        (11000, 13531, None, 9, "AW00011000"), (11001, 13532, None, 9, "AW00011001"),
        (29484, 291, 292, 5, "AW00029484"), (1, None, 934, 1, "AW00000001"), (11002, 99999, None, 9, "AW00011002"),
    ], CUSTOMERS)
    persons = spark.createDataFrame([
        (13531, "IN", None, "Jon", "V", "Yang", None, 1), (13532, "IN", "Mr.", "Jon", None, "Yang", "Jr.", 0),
        (291, "SC", None, "Gustavo", None, "Achong", None, 2),
    ], PERSONS)
    dim = build_dim_customer(customers, persons).select("customer_id", "customer_type", "customer_name", "last_name")
    expected = spark.createDataFrame([
        (11000, "individual", "Jon V Yang", "Yang"), (11001, "individual", "Jon Yang Jr.", "Yang"),
        (29484, "store", "Gustavo Achong", "Achong"), (1, "store", "Store 934", None),
        (11002, "individual", "Customer 11002", None), (UNKNOWN_KEY, "unknown", "Unknown", None),
    ], "customer_id int, customer_type string, customer_name string, last_name string")
    assert_df_equality(dim, expected, **IGNORE)


def test_two_customers_with_the_same_name_keep_two_keys(spark):
    customers = spark.createDataFrame([(11000, 1, None, 9, "A"), (11001, 2, None, 9, "B")], CUSTOMERS)
    persons = spark.createDataFrame([(1, "IN", None, "Ana", None, "Li", None, 0),
                                     (2, "IN", None, "Ana", None, "Li", None, 0)], PERSONS)
    dim = build_dim_customer(customers, persons).filter("customer_key <> -1")
    assert dim.select("customer_name").distinct().count() == 1
    assert dim.select("customer_key").distinct().count() == 2


# ---- facts: lookups and reconciliation ----

HEADERS = T.StructType([T.StructField(name, dtype) for name, dtype in (
    ("SalesOrderID", T.IntegerType()), ("RevisionNumber", T.IntegerType()), ("OrderDate", T.DateType()),
    ("DueDate", T.DateType()), ("ShipDate", T.DateType()), ("Status", T.IntegerType()),
    ("OnlineOrderFlag", T.IntegerType()), ("SalesOrderNumber", T.StringType()),
    ("PurchaseOrderNumber", T.StringType()), ("AccountNumber", T.StringType()), ("CustomerID", T.IntegerType()),
    ("SalesPersonID", T.IntegerType()), ("TerritoryID", T.IntegerType()), ("BillToAddressID", T.IntegerType()),
    ("ShipToAddressID", T.IntegerType()), ("ShipMethodID", T.IntegerType()), ("CurrencyRateID", T.IntegerType()),
    ("SubTotal", T.DecimalType(19, 4)), ("TaxAmt", T.DecimalType(19, 4)), ("Freight", T.DecimalType(19, 4)),
    ("TotalDue", T.DecimalType(19, 4)))])
LINES = T.StructType([T.StructField(name, dtype) for name, dtype in (
    ("SalesOrderID", T.IntegerType()), ("SalesOrderDetailID", T.IntegerType()),
    ("CarrierTrackingNumber", T.StringType()), ("OrderQty", T.IntegerType()), ("ProductID", T.IntegerType()),
    ("SpecialOfferID", T.IntegerType()), ("UnitPrice", T.DecimalType(19, 4)),
    ("UnitPriceDiscount", T.DecimalType(19, 4)), ("LineTotal", T.DecimalType(38, 6)))])


def header(order_id: int, customer_id: int, sub_total: str) -> tuple:
    sub = D(sub_total)
    tax, freight = (sub * D("0.08")).quantize(D("0.0001")), (sub * D("0.025")).quantize(D("0.0001"))
    return (order_id, 8, date(2011, 9, 1), date(2011, 9, 13), date(2011, 9, 8), 5, 1, f"SO{order_id}", None, None,
            customer_id, None, 9, 1, 1, 1, None, sub, tax, freight, sub + tax + freight)


def line(order_id: int, detail_id: int, product_id: int, offer_id: int, qty: int, price: str, discount: str = "0"):
    total = (qty * D(price) * (1 - D(discount))).quantize(D("0.000001"))
    return (order_id, detail_id, None, qty, product_id, offer_id, D(price), D(discount), total)


@pytest.fixture(scope="module")
def star(spark):
    products = spark.createDataFrame([product(707, ListPrice=D("34.9900")), product(776)], PRODUCT_SCHEMA)
    dim_product = build_dim_product(products)
    customers = spark.createDataFrame([(11000, None, None, 9, "AW00011000")], CUSTOMERS)
    dim_customer = build_dim_customer(customers, spark.createDataFrame([], PERSONS))
    headers = spark.createDataFrame([
        header(43659, 11000, "104.9700"),  # 3 x 34.99: matches its lines
        header(43660, 55555, "40.0000"),   # unknown customer; 34.99 of lines: deviates
        header(43661, 11000, "0.0000"),    # no lines at all
    ], HEADERS)
    lines = spark.createDataFrame([
        line(43659, 1, 707, 1, 2, "34.99"), line(43659, 2, 707, 2, 1, "34.99"),
        line(43660, 3, 999, 1, 1, "34.99"), line(43660, 4, 776, 16, 1, "0.00"),
    ], LINES)
    offer_products = spark.createDataFrame([(1, 707, None), (2, 707, None), (1, 776, None)],
                                           "SpecialOfferID int, ProductID int, ModifiedDate timestamp_ntz")
    dim_product, dim_customer = dim_product.cache(), dim_customer.cache()
    dim_offer = build_dim_special_offer(offer_products, dim_product, lines).cache()
    fact_order = build_fact_sales_order(headers, lines, dim_customer).cache()
    fact_line = build_fact_sales_order_line(lines, fact_order, dim_product, dim_offer).cache()
    return {"dim_product": dim_product, "dim_customer": dim_customer, "dim_offer": dim_offer,
            "fact_order": fact_order, "fact_line": fact_line}


def test_order_lines_resolve_product_and_offer_pair_or_point_at_the_unknown_member(spark, star):
    known = {r.product_id: r.product_key for r in star["dim_product"].collect()}
    offers = {(r.special_offer_id, r.product_id): r.special_offer_key for r in star["dim_offer"].collect()}
    actual = star["fact_line"].select("sales_order_detail_id", "product_key", "special_offer_key")
    expected = spark.createDataFrame([
        (1, known[707], offers[(1, 707)]),
        (2, known[707], offers[(2, 707)]),
        (3, UNKNOWN_KEY, UNKNOWN_KEY),      # product 999 is not in the catalogue
        (4, known[776], UNKNOWN_KEY),       # (16, 776) is not in SpecialOfferProduct
    ], "sales_order_detail_id int, product_key bigint, special_offer_key bigint")
    assert_df_equality(actual, expected, **IGNORE)


def test_order_lines_take_the_date_and_customer_of_their_order(spark, star):
    customer = star["dim_customer"].filter("customer_id = 11000").first().customer_key
    actual = star["fact_line"].select("sales_order_detail_id", "order_date_key", "customer_key")
    expected = spark.createDataFrame([(1, 20110901, customer), (2, 20110901, customer),
                                      (3, 20110901, UNKNOWN_KEY), (4, 20110901, UNKNOWN_KEY)],
                                     "sales_order_detail_id int, order_date_key int, customer_key bigint")
    assert_df_equality(actual, expected, **IGNORE)


def test_orders_reconcile_their_subtotal_with_their_lines_within_a_cent(spark, star):
    actual = star["fact_order"].select("sales_order_id", "line_count", "lines_total", "subtotal_deviation",
                                       "subtotal_matches_lines")
    expected = spark.createDataFrame([
        (43659, 2, D("104.970000"), D("0.000000"), True),
        (43660, 2, D("34.990000"), D("5.010000"), False),
        (43661, 0, None, D("0.000000"), True),
    ], T.StructType([T.StructField("sales_order_id", T.IntegerType()), T.StructField("line_count", T.IntegerType()),
                     T.StructField("lines_total", T.DecimalType(38, 6)),
                     T.StructField("subtotal_deviation", T.DecimalType(38, 6)),
                     T.StructField("subtotal_matches_lines", T.BooleanType())]))
    assert_df_equality(actual, expected, **IGNORE)


def test_special_offers_carry_their_product_count_and_the_discounts_granted_under_them(spark, star):
    actual = star["dim_offer"].select("special_offer_id", "product_id", "offer_product_count", "offer_discount_max",
                                      "offer_line_count")
    expected = spark.createDataFrame([
        (1, 707, 2, D("0.0000"), 2), (1, 776, 2, D("0.0000"), 2), (2, 707, 1, D("0.0000"), 1),
        (UNKNOWN_KEY, UNKNOWN_KEY, None, None, None),
    ], T.StructType([T.StructField("special_offer_id", T.IntegerType()),
                     T.StructField("product_id", T.IntegerType()),
                     T.StructField("offer_product_count", T.IntegerType()),
                     T.StructField("offer_discount_max", T.DecimalType(19, 4)),
                     T.StructField("offer_line_count", T.LongType())]))
    assert_df_equality(actual, expected, **IGNORE)
