"""olist transforms on a handful of inline rows each (typed, as the JDBC extract delivers them).

chispa ignores used: ``ignore_row_order`` where the transform gives no order (joins, unions),
``ignore_nullable`` where a literal's nullability differs from the inline schema's."""

from datetime import date, datetime
from decimal import Decimal

from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from schemas.olist import (
    SRC_CUSTOMERS,
    SRC_GEOLOCATION,
    SRC_ORDER_ITEMS,
    SRC_ORDER_PAYMENTS,
    SRC_ORDER_REVIEWS,
    SRC_ORDERS,
    SRC_PRODUCTS,
    SRC_SELLERS,
    SourceTable,
)
from schemas.spec import UNKNOWN_KEY
from transforms.olist import (
    affected_orders,
    build_dim_customer,
    build_dim_geolocation,
    build_dim_product,
    build_dim_seller,
    build_fact_order,
    build_fact_order_item,
    emit_changed,
    merge_snapshot,
    normalise_city,
    normalise_state,
    orphans,
    stage_rows,
    zip_prefix,
)
from transforms.staging import SOURCE_FILE

T0 = datetime(2018, 1, 1, 10, 0, 0)
T1 = datetime(2018, 1, 2, 10, 0, 0)


def rows_of(spark, table: SourceTable, records: list[dict], *, source_file: bool = False):
    """A DataFrame in the raw extract schema; unspecified columns are null."""
    schema = table.raw_schema()
    if source_file:
        schema = schema.add(SOURCE_FILE, T.StringType())
    data = [tuple(r.get(f.name) for f in schema.fields) for r in records]
    return spark.createDataFrame(data, schema)


def single_column(spark, values, name="v"):
    return spark.createDataFrame([(v,) for v in values], T.StructType([T.StructField(name, T.StringType())]))


CITY_SPELLINGS = [
    ("sao paulo", "sao paulo"),
    ("São Paulo", "sao paulo"),
    ("  SAO  PAULO ", "sao paulo"),
    ("sao paulo - sp", "sao paulo"),
    ("sbc/sp", "sbc"),
    ("andira-pr", "andira"),
    ("rio de janeiro \\rio de janeiro", "rio de janeiro"),
    ("rio de janeiro, rio de janeiro, brasil", "rio de janeiro"),
    ("arraial d'ajuda (porto seguro)", "arraial d'ajuda"),
    ("santa barbara d´oeste", "santa barbara d'oeste"),
    ("sa\u0303o paulo", "sao paulo"),  # decomposed: a + combining tilde, as in the real sellers file
    ("sao paulo sp", "sao paulo"),
    ("mogi das cruzes / sp", "mogi das cruzes"),
    ("sao jose dos campos", "sao jose dos campos"),
    ("vendas@creditparts.com.br", None),
    ("04482255", None),
    (None, None),
]


def test_city_spellings_normalise_to_one_name(spark):
    df = spark.createDataFrame(CITY_SPELLINGS, "raw string, expected string")
    got = df.withColumn("expected", normalise_city(F.col("raw")))
    assert_df_equality(got, df)


def test_state_is_upper_case_uf_or_null(spark):
    got = [r["s"] for r in single_column(spark, [" sp", "RJ", "rio grande do sul", None])
           .select(normalise_state(F.col("v")).alias("s")).collect()]
    assert got == ["SP", "RJ", None, None]


def test_zip_prefix_keeps_leading_zeros_as_text(spark):
    got = [r["z"] for r in single_column(spark, ["01310", "1310", "13023", "abc", None])
           .select(zip_prefix(F.col("v")).alias("z")).collect()]
    assert got == ["01310", "01310", "13023", None, None]


def test_review_scores_outside_1_to_5_are_quarantined_with_the_row(spark):
    reviews = rows_of(spark, SRC_ORDER_REVIEWS, [
        {"review_id": "r1", "order_id": "o1", "review_score": 5, SOURCE_FILE: "f"},
        {"review_id": "r2", "order_id": "o1", "review_score": 7, SOURCE_FILE: "f"},
        {"review_id": "r3", "order_id": "o2", "review_score": None, SOURCE_FILE: "f"},
    ], source_file=True)
    good, bad = stage_rows(reviews, SRC_ORDER_REVIEWS)
    assert [r["review_id"] for r in good.collect()] == ["r1"]
    rejected = {r["raw_record"].split('"review_id":"')[1][:2]: r["reason"] for r in bad.collect()}
    assert rejected == {"r2": "review_score: not 1-5", "r3": "review_score: not 1-5"}


def test_staging_trims_text_lowercases_status_and_rejects_unknown_status(spark):
    orders = rows_of(spark, SRC_ORDERS, [
        {"order_id": " o1 ", "customer_id": "c1", "order_status": "Delivered ",
         "order_purchase_timestamp": T0, SOURCE_FILE: "f"},
        {"order_id": "o2", "customer_id": "c2", "order_status": "lost", "order_purchase_timestamp": T0,
         SOURCE_FILE: "f"},
        {"order_id": "", "customer_id": "c3", "order_status": "created", "order_purchase_timestamp": T0,
         SOURCE_FILE: "f"},
    ], source_file=True)
    good, bad = stage_rows(orders, SRC_ORDERS)
    assert [(r["order_id"], r["order_status"]) for r in good.collect()] == [("o1", "delivered")]
    assert sorted(r["reason"] for r in bad.collect()) == ["order_id: missing key",
                                                          "order_status: not a known status"]


def test_snapshot_keeps_the_newest_version_and_a_reextracted_row_wins_a_tie(spark):
    base = rows_of(spark, SRC_ORDERS, [
        {"order_id": "o1", "order_status": "shipped", "updated_at": T0},
        {"order_id": "o2", "order_status": "shipped", "updated_at": T1},
        {"order_id": "o3", "order_status": "created", "updated_at": T0},
    ])
    delta = rows_of(spark, SRC_ORDERS, [
        {"order_id": "o1", "order_status": "delivered", "updated_at": T1},   # newer: wins
        {"order_id": "o2", "order_status": "invoiced", "updated_at": T0},    # older: loses
        {"order_id": "o3", "order_status": "approved", "updated_at": T0},    # tie: delta wins
        {"order_id": "o4", "order_status": "created", "updated_at": T1},     # new
    ])
    merged = merge_snapshot(base, delta, ("order_id",)).select("order_id", "order_status")
    expected = spark.createDataFrame(
        [("o1", "delivered"), ("o2", "shipped"), ("o3", "approved"), ("o4", "created")],
        merged.schema)
    assert_df_equality(merged, expected, ignore_row_order=True)


def test_a_missing_translation_falls_back_to_the_portuguese_name(spark):
    products = rows_of(spark, SRC_PRODUCTS, [
        {"product_id": "p1", "product_category_name": "bebes", "product_name_lenght": 40},
        {"product_id": "p2", "product_category_name": "pc_gamer"},
        {"product_id": "p3", "product_category_name": None},
    ])
    translation = spark.createDataFrame([("bebes", "baby")], "product_category_name string, "
                                        "product_category_name_english string")
    dim = build_dim_product(products, translation).select(
        "product_id", "category_name_pt", "category_name_en", "is_category_translated", "name_length")
    expected = spark.createDataFrame([
        ("p1", "bebes", "baby", True, 40),
        ("p2", "pc_gamer", "pc_gamer", False, None),
        ("p3", "uncategorized", "uncategorized", False, None),
        ("?", "uncategorized", "uncategorized", False, None),
    ], dim.schema)
    assert_df_equality(dim, expected, ignore_row_order=True)


def test_customer_dimension_normalises_and_has_an_unknown_member(spark):
    customers = rows_of(spark, SRC_CUSTOMERS, [
        {"customer_id": "c1", "customer_unique_id": "u1", "customer_zip_code_prefix": "1310",
         "customer_city": "São Paulo - SP", "customer_state": "sp"},
    ])
    dim = build_dim_customer(customers)
    rows = {r["customer_id"]: r for r in dim.collect()}
    assert rows["c1"]["zip_code_prefix"] == "01310" and rows["c1"]["city"] == "sao paulo"
    assert rows["c1"]["state"] == "SP"
    assert rows["?"]["customer_key"] == UNKNOWN_KEY
    # Pinned: Spark's xxhash64 (seed 42) of 'C1', the id trimmed and upper-cased, obtained once with
    # plain Spark as spark.range(1).select(F.xxhash64(F.lit("C1"))) (of 'c1' it would be
    # -5378146843324628670); a change of the normalisation or of the hashing must fail here.
    assert rows["c1"]["customer_key"] == -3220996657417140566


def _order(order_id, status, *, customer="c1", bought=T0, delivered=None, estimated=None, approved=None):
    return {"order_id": order_id, "customer_id": customer, "order_status": status,
            "order_purchase_timestamp": bought, "order_approved_at": approved,
            "order_delivered_customer_date": delivered, "order_estimated_delivery_date": estimated}


def test_fact_order_totals_durations_latest_review_and_lateness(spark):
    orders = rows_of(spark, SRC_ORDERS, [
        _order("o1", "delivered", approved=datetime(2018, 1, 1, 10, 30), delivered=datetime(2018, 1, 11, 12, 0),
               estimated=datetime(2018, 1, 10)),
        _order("o2", "unavailable", customer="c-missing"),
    ])
    items = rows_of(spark, SRC_ORDER_ITEMS, [
        {"order_id": "o1", "order_item_id": 1, "price": Decimal("10.00"), "freight_value": Decimal("2.50")},
        {"order_id": "o1", "order_item_id": 2, "price": Decimal("5.00"), "freight_value": Decimal("1.00")},
    ])
    payments = rows_of(spark, SRC_ORDER_PAYMENTS, [
        {"order_id": "o1", "payment_sequential": 1, "payment_value": Decimal("18.50")},
        {"order_id": "o2", "payment_sequential": 1, "payment_value": Decimal("30.00")},
    ])
    reviews = rows_of(spark, SRC_ORDER_REVIEWS, [
        {"review_id": "r1", "order_id": "o1", "review_score": 5, "review_creation_date": datetime(2018, 1, 12)},
        {"review_id": "r2", "order_id": "o1", "review_score": 2, "review_creation_date": datetime(2018, 1, 15)},
    ])
    dim_customer = build_dim_customer(rows_of(spark, SRC_CUSTOMERS, [{"customer_id": "c1"}]))
    fact = {r["order_id"]: r for r in build_fact_order(orders, items, payments, reviews, dim_customer).collect()}
    o1, o2 = fact["o1"], fact["o2"]
    assert (o1["item_count"], o1["items_total"], o1["freight_total"], o1["payment_total"]) == (
        2, Decimal("15.00"), Decimal("3.50"), Decimal("18.50"))
    assert o1["approval_seconds"] == 1800 and o1["delivery_seconds"] == 10 * 86400 + 2 * 3600
    assert o1["is_delivered"] and o1["is_late"] and o1["delivery_vs_estimate_days"] == 1
    assert (o1["review_score"], o1["review_count"], o1["purchase_date_key"]) == (2, 2, 20180101)
    assert o1["is_sale"] and not o2["is_sale"]
    assert (o2["item_count"], o2["items_total"], o2["payment_total"], o2["review_score"]) == (
        0, Decimal("0.00"), Decimal("30.00"), None)
    assert o2["customer_key"] == UNKNOWN_KEY and o2["is_late"] is None and not o2["is_delivered"]


def test_items_of_unknown_orders_are_orphans_and_left_out_of_the_fact(spark):
    orders = rows_of(spark, SRC_ORDERS, [_order("o1", "delivered")])
    items = rows_of(spark, SRC_ORDER_ITEMS, [
        {"order_id": "o1", "order_item_id": 1, "product_id": "p1", "seller_id": "s-missing",
         "price": Decimal("1.00"), "freight_value": Decimal("0.00"), SOURCE_FILE: "f"},
        {"order_id": "o9", "order_item_id": 1, "product_id": "p1", "seller_id": "s1",
         "price": Decimal("1.00"), "freight_value": Decimal("0.00"), SOURCE_FILE: "f"},
    ], source_file=True)
    dim_customer = build_dim_customer(rows_of(spark, SRC_CUSTOMERS, [{"customer_id": "c1"}]))
    dim_product = build_dim_product(rows_of(spark, SRC_PRODUCTS, [{"product_id": "p1"}]),
                                    spark.createDataFrame([], "product_category_name string, "
                                                          "product_category_name_english string"))
    dim_seller = build_dim_seller(rows_of(spark, SRC_SELLERS, [{"seller_id": "s1"}]))
    fact = build_fact_order_item(items.drop(SOURCE_FILE), orders, dim_product, dim_seller, dim_customer).collect()
    assert [(r["order_id"], r["seller_key"] == UNKNOWN_KEY, r["product_key"] != UNKNOWN_KEY) for r in fact] == [
        ("o1", True, True)]
    lost = orphans(items, orders, source="order_items").collect()
    assert [(r["source"], r["reason"]) for r in lost] == [("order_items", "order_id: no such order in orders")]
    assert '"order_id":"o9"' in lost[0]["raw_record"]


def test_affected_orders_follow_changed_children_customers_and_products(spark):
    orders = rows_of(spark, SRC_ORDERS, [_order(f"o{i}", "shipped", customer=f"c{i}") for i in range(1, 6)])
    items = rows_of(spark, SRC_ORDER_ITEMS, [
        {"order_id": "o3", "order_item_id": 1, "product_id": "p3", "seller_id": "s3"},
        {"order_id": "o4", "order_item_id": 1, "product_id": "p4", "seller_id": "s4"},
    ])
    empty = {name: rows_of(spark, table, []) for name, table in (
        ("orders", SRC_ORDERS), ("order_items", SRC_ORDER_ITEMS), ("order_payments", SRC_ORDER_PAYMENTS),
        ("order_reviews", SRC_ORDER_REVIEWS), ("customers", SRC_CUSTOMERS), ("products", SRC_PRODUCTS))}
    changed = {**empty, "sellers": rows_of(spark, SRC_SELLERS, [{"seller_id": "s4"}]),
               "orders": rows_of(spark, SRC_ORDERS, [_order("o1", "delivered")]),
               "order_payments": rows_of(spark, SRC_ORDER_PAYMENTS, [{"order_id": "o9", "payment_sequential": 1}]),
               "customers": rows_of(spark, SRC_CUSTOMERS, [{"customer_id": "c2"}]),
               "products": rows_of(spark, SRC_PRODUCTS, [{"product_id": "p3"}])}
    got = sorted(r["order_id"] for r in affected_orders(orders, items, changed).collect())
    assert got == ["o1", "o2", "o3", "o4"]  # o5 unchanged, o9 is not an order


def test_emit_changed_keeps_changed_rows_and_the_unknown_member(spark):
    dim = build_dim_customer(rows_of(spark, SRC_CUSTOMERS, [{"customer_id": "c1"}, {"customer_id": "c2"}]))
    out = emit_changed(dim, single_column(spark, ["c2"], "customer_id"), id_column="customer_id")
    assert sorted(r["customer_id"] for r in out.collect()) == ["?", "c2"]


def test_geolocation_dimension_is_one_row_per_zip_with_the_most_frequent_spelling(spark):
    geo = rows_of(spark, SRC_GEOLOCATION, [
        {"geolocation_id": 1, "geolocation_zip_code_prefix": "1037", "geolocation_lat": -23.0,
         "geolocation_lng": -46.0, "geolocation_city": "são paulo", "geolocation_state": "SP"},
        {"geolocation_id": 2, "geolocation_zip_code_prefix": "01037", "geolocation_lat": -24.0,
         "geolocation_lng": -47.0, "geolocation_city": "sao paulo", "geolocation_state": "SP"},
        {"geolocation_id": 3, "geolocation_zip_code_prefix": "01037", "geolocation_lat": -23.0,
         "geolocation_lng": -46.0, "geolocation_city": "osasco", "geolocation_state": "SP"},
    ])
    dim = build_dim_geolocation(geo)
    expected = spark.createDataFrame([("01037", -23 - 1 / 3, -46 - 1 / 3, "sao paulo", "SP", 3)], dim.schema)
    assert_df_equality(dim, expected, ignore_nullable=True)


def test_fact_order_estimated_delivery_is_a_date(spark):
    orders = rows_of(spark, SRC_ORDERS, [_order("o1", "created", estimated=datetime(2018, 2, 1))])
    empty = {t.name: rows_of(spark, t, []) for t in (SRC_ORDER_ITEMS, SRC_ORDER_PAYMENTS, SRC_ORDER_REVIEWS)}
    dim_customer = build_dim_customer(rows_of(spark, SRC_CUSTOMERS, [{"customer_id": "c1"}]))
    row = build_fact_order(orders, empty["order_items"], empty["order_payments"], empty["order_reviews"],
                           dim_customer).first()
    assert row["estimated_delivery_date"] == date(2018, 2, 1) and row["payment_total"] is None
    assert row["delivery_seconds"] is None and row["purchase_year_month"] == 201801
