"""adventureworks: staging of the six export files, the product / customer / special-offer
dimensions and the order and order-line facts, as pure DataFrame functions.

Money stays ``decimal`` from parse to output: every amount below is Spark decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.adventureworks import (
    CENT,
    DIM_CUSTOMER,
    DIM_PRODUCT,
    DIM_SPECIAL_OFFER,
    FACT_SALES_ORDER,
    FACT_SALES_ORDER_LINE,
    KG_PER_WEIGHT_UNIT,
    LETTER_SIZES,
    NATURAL_KEYS,
    ORDER_STATUSES,
    PRODUCT_CLASSES,
    PRODUCT_LINES,
    PRODUCT_STYLES,
    RAW_SALES_ORDER_DETAIL,
    RAW_SALES_ORDER_HEADER,
)
from schemas.spec import UNKNOWN_KEY, RawCsv
from transforms.contract import conform
from transforms.dates import date_key
from transforms.keys import lookup_key, surrogate_key, with_unknown_member
from transforms.staging import (
    RejectRule,
    accepted,
    parse_rows,
    rejected,
    split_duplicates,
    split_orphans,
)


def _a_cent() -> Column:
    """The tolerance of every money reconciliation, as an exact decimal literal."""
    return F.lit(Decimal(CENT))


# ---- staging ----


def _flag(name: str) -> RejectRule:
    return RejectRule(f"{name}: not 0 or 1", ~F.col(name).isin(0, 1))


def expected_line_total() -> Column:
    """OrderQty × UnitPrice × (1 − UnitPriceDiscount), in decimal arithmetic."""
    return F.col("OrderQty") * F.col("UnitPrice") * (F.lit(Decimal(1)) - F.col("UnitPriceDiscount"))


def reject_rules(layout: RawCsv) -> list[RejectRule]:
    """Row rules beyond types, per source: 0/1 flags, non-negative money, a discount that is a
    fraction, and the two arithmetic identities of the export (a line's total, an order's total
    due). A row breaking one is quarantined with the rule as its reason."""
    if layout.name == "product":
        return [_flag("MakeFlag"), _flag("FinishedGoodsFlag"),
                RejectRule("ListPrice: negative", F.col("ListPrice") < 0),
                RejectRule("StandardCost: negative", F.col("StandardCost") < 0)]
    if layout.name == RAW_SALES_ORDER_HEADER.name:
        return [
            _flag("OnlineOrderFlag"),
            RejectRule("SubTotal, TaxAmt or Freight: negative",
                       (F.col("SubTotal") < 0) | (F.col("TaxAmt") < 0) | (F.col("Freight") < 0)),
            RejectRule("TotalDue differs from SubTotal + TaxAmt + Freight",
                       F.col("TotalDue") != F.col("SubTotal") + F.col("TaxAmt") + F.col("Freight")),
        ]
    if layout.name == RAW_SALES_ORDER_DETAIL.name:
        return [
            RejectRule("OrderQty: not positive", F.col("OrderQty") <= 0),
            RejectRule("UnitPrice: negative", F.col("UnitPrice") < 0),
            RejectRule("UnitPriceDiscount: not between 0 and 1",
                       (F.col("UnitPriceDiscount") < 0) | (F.col("UnitPriceDiscount") > 1)),
            RejectRule("LineTotal differs from OrderQty x UnitPrice x (1 - UnitPriceDiscount) by a cent or more",
                       F.abs(F.col("LineTotal") - expected_line_total()) >= _a_cent()),
        ]
    return []


def parse(raw: DataFrame, layout: RawCsv) -> DataFrame:
    """One row per record of a source file: typed fields plus ``_reject_reason`` (null when good)."""
    return parse_rows(raw, layout, rules=reject_rules(layout))


def split(parsed: DataFrame, layout: RawCsv) -> tuple[DataFrame, DataFrame]:
    """Parsed records -> (typed rows, unique by the source's natural key; quarantine records for
    malformed rows, bad values, broken rules and later duplicates of a key).

    Persist ``parsed`` before calling this on more than a few rows: the parse expressions are
    wide and Spark's constraint propagation through the duplicate check's joins grows with them."""
    good, duplicates = split_duplicates(accepted(parsed), list(NATURAL_KEYS[layout.name]), source=layout.name)
    return good, rejected(parsed, source=layout.name).unionByName(duplicates)


def stage(raw: DataFrame, layout: RawCsv) -> tuple[DataFrame, DataFrame]:
    """``split(parse(raw))`` in one call, for a handful of rows (unit tests, small files)."""
    return split(parse(raw, layout), layout)


def lines_with_an_order(lines: DataFrame, headers: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Detail lines whose order is among the good headers, and quarantine records for the others:
    a line without its order has no date or customer and would distort every order total."""
    return split_orphans(lines, headers, ["SalesOrderID"], source=RAW_SALES_ORDER_DETAIL.name,
                         parent=RAW_SALES_ORDER_HEADER.name)


# ---- column logic ----


def _decode(code: Column, names: dict) -> Column:
    return F.create_map(*[F.lit(x) for kv in names.items() for x in kv])[code]


def weight_in_kg(weight: Column, unit: Column) -> Column:
    """Kilograms from a weight and its unit code (G, KG, LB, OZ; exact factors, decimal
    arithmetic); null for an unknown unit or no weight."""
    upper = F.upper(unit)
    result = F.lit(None).cast("decimal(38,12)")
    for code, factor in KG_PER_WEIGHT_UNIT.items():
        result = F.when(upper == code, weight * F.lit(Decimal(factor))).otherwise(result)
    return result.cast("decimal(12,6)")


def size_type(size: Column) -> Column:
    """numeric (frame sizes in CM), letter (S, M, L, XL ...), other; null without a size."""
    return (F.when(size.isNull(), F.lit(None).cast("string"))
            .when(size.rlike(r"^[0-9]+$"), F.lit("numeric"))
            .when(F.upper(size).isin(*LETTER_SIZES), F.lit("letter"))
            .otherwise(F.lit("other")))


def _upper_code(name: str) -> Column:
    return F.upper(F.col(name))


# ---- dimensions ----


def build_dim_product(products: DataFrame) -> DataFrame:
    """One row per product plus the unknown member; key product_key. Weight normalised to kg
    with the original value and unit kept; size typed; line, class and style decoded."""
    size = F.col("Size")
    dim = products.select(
        surrogate_key(F.col("ProductID").cast("string")).alias("product_key"),
        F.col("ProductID").alias("product_id"),
        F.col("Name").alias("product_name"),
        F.col("ProductNumber").alias("product_number"),
        (F.col("MakeFlag") == 1).alias("is_manufactured"),
        (F.col("FinishedGoodsFlag") == 1).alias("is_finished_good"),
        F.col("Color").alias("color"),
        F.col("SafetyStockLevel").alias("safety_stock_level"),
        F.col("ReorderPoint").alias("reorder_point"),
        F.col("StandardCost").alias("standard_cost"),
        F.col("ListPrice").alias("list_price"),
        (F.col("ListPrice") > 0).alias("has_list_price"),
        size.alias("size"),
        size_type(size).alias("size_type"),
        F.when(size_type(size) == "numeric", size.cast("int")).alias("size_numeric"),
        _upper_code("SizeUnitMeasureCode").alias("size_unit"),
        F.col("Weight").alias("weight"),
        _upper_code("WeightUnitMeasureCode").alias("weight_unit"),
        weight_in_kg(F.col("Weight"), F.col("WeightUnitMeasureCode")).alias("weight_kg"),
        F.col("DaysToManufacture").alias("days_to_manufacture"),
        _upper_code("ProductLine").alias("product_line"),
        _decode(_upper_code("ProductLine"), PRODUCT_LINES).alias("product_line_name"),
        _upper_code("Class").alias("class"),
        _decode(_upper_code("Class"), PRODUCT_CLASSES).alias("class_name"),
        _upper_code("Style").alias("style"),
        _decode(_upper_code("Style"), PRODUCT_STYLES).alias("style_name"),
        F.col("ProductSubcategoryID").alias("product_subcategory_id"),
        F.col("ProductModelID").alias("product_model_id"),
        F.col("SellStartDate").alias("sell_start_date"),
        F.col("SellEndDate").alias("sell_end_date"),
        F.col("DiscontinuedDate").alias("discontinued_date"),
    )
    return conform(with_unknown_member(conform(dim, DIM_PRODUCT), DIM_PRODUCT, product_id=UNKNOWN_KEY,
                                       product_name="Unknown", product_number="?"), DIM_PRODUCT)


def build_dim_customer(customers: DataFrame, persons: DataFrame) -> DataFrame:
    """One row per customer plus the unknown member; key customer_key. Individuals and store
    contacts carry their person's name; a store without a person is named after its StoreID."""
    people = persons.select(
        F.col("BusinessEntityID").alias("__person_id"),
        F.col("PersonType").alias("person_type"),
        F.col("Title").alias("title"),
        F.col("FirstName").alias("first_name"),
        F.col("MiddleName").alias("middle_name"),
        F.col("LastName").alias("last_name"),
        F.col("Suffix").alias("suffix"),
        F.col("EmailPromotion").alias("email_promotion"),
    )
    joined = customers.join(people, F.col("PersonID") == F.col("__person_id"), "left")
    full_name = F.concat_ws(" ", "first_name", "middle_name", "last_name", "suffix")
    full_name = F.when(F.col("last_name").isNotNull() | F.col("first_name").isNotNull(), full_name)
    dim = joined.select(
        surrogate_key(F.col("CustomerID").cast("string")).alias("customer_key"),
        F.col("CustomerID").alias("customer_id"),
        F.when(F.col("StoreID").isNotNull(), F.lit("store")).otherwise(F.lit("individual")).alias("customer_type"),
        F.coalesce(full_name, F.concat(F.lit("Store "), F.col("StoreID").cast("string")),
                   F.concat(F.lit("Customer "), F.col("CustomerID").cast("string"))).alias("customer_name"),
        F.col("PersonID").alias("person_id"),
        F.col("StoreID").alias("store_id"),
        F.col("TerritoryID").alias("territory_id"),
        F.col("AccountNumber").alias("account_number"),
        "person_type", "title", "first_name", "middle_name", "last_name", "suffix",
        full_name.alias("full_name"),
        "email_promotion",
    )
    return conform(with_unknown_member(conform(dim, DIM_CUSTOMER), DIM_CUSTOMER, customer_id=UNKNOWN_KEY,
                                       customer_type="unknown", customer_name="Unknown"), DIM_CUSTOMER)


def _offer_product_key(offer: Column | str, product: Column | str) -> Column:
    def as_text(c: Column | str) -> Column:
        return (F.col(c) if isinstance(c, str) else c).cast("string")

    return surrogate_key(as_text(offer), as_text(product))


def build_dim_special_offer(offer_products: DataFrame, dim_product: DataFrame, lines: DataFrame) -> DataFrame:
    """One row per (special offer, product) pair of SpecialOfferProduct plus the unknown member;
    key special_offer_key. Offer attributes are what the export lets us derive: the number of
    products it covers and the discounts order lines actually got under it."""
    per_offer = offer_products.groupBy("SpecialOfferID").agg(F.count("*").cast("int").alias("offer_product_count"))
    granted = lines.groupBy("SpecialOfferID").agg(
        F.min("UnitPriceDiscount").alias("offer_discount_min"),
        F.max("UnitPriceDiscount").alias("offer_discount_max"),
        F.count("*").alias("offer_line_count"),
    )
    pairs = (offer_products.join(per_offer, "SpecialOfferID", "left").join(granted, "SpecialOfferID", "left")
             .withColumn("product_id", F.col("ProductID")))
    pairs = lookup_key(pairs, dim_product, code_column="product_id", dim_code_column="product_id",
                       dim_key_column="product_key", as_column="product_key")
    dim = pairs.select(
        _offer_product_key("SpecialOfferID", "ProductID").alias("special_offer_key"),
        F.col("SpecialOfferID").alias("special_offer_id"),
        "product_id", "product_key", "offer_product_count", "offer_discount_min", "offer_discount_max",
        "offer_line_count",
        F.col("ModifiedDate").alias("modified_at"),
    )
    return conform(with_unknown_member(conform(dim, DIM_SPECIAL_OFFER), DIM_SPECIAL_OFFER,
                                       special_offer_id=UNKNOWN_KEY, product_id=UNKNOWN_KEY,
                                       product_key=UNKNOWN_KEY), DIM_SPECIAL_OFFER)


# ---- facts ----


def _order_key(order_id: Column | str) -> Column:
    return surrogate_key((F.col(order_id) if isinstance(order_id, str) else order_id).cast("string"))


def build_fact_sales_order(headers: DataFrame, lines: DataFrame, dim_customer: DataFrame) -> DataFrame:
    """One row per sales order; key sales_order_key. Amounts as sent, plus the reconciliation
    with the order's lines (count, total, deviation, match within a cent). An unknown customer
    points at the unknown member (-1) and keeps its CustomerID."""
    per_order = lines.groupBy("SalesOrderID").agg(
        F.count("*").cast("int").alias("line_count"),
        F.sum("LineTotal").cast("decimal(38,6)").alias("lines_total"),
    )
    orders = headers.join(per_order, "SalesOrderID", "left").withColumn("customer_id", F.col("CustomerID"))
    orders = lookup_key(orders, dim_customer, code_column="customer_id", dim_code_column="customer_id",
                        dim_key_column="customer_key", as_column="customer_key")
    deviation = (F.col("SubTotal") - F.coalesce(F.col("lines_total"), F.lit(Decimal(0)))).cast("decimal(38,6)")
    fact = orders.select(
        _order_key("SalesOrderID").alias("sales_order_key"),
        F.col("SalesOrderID").alias("sales_order_id"),
        F.col("SalesOrderNumber").alias("sales_order_number"),
        F.col("RevisionNumber").alias("revision_number"),
        date_key(F.col("OrderDate")).alias("order_date_key"),
        date_key(F.col("DueDate")).alias("due_date_key"),
        date_key(F.col("ShipDate")).alias("ship_date_key"),
        F.col("OrderDate").alias("order_date"),
        F.col("DueDate").alias("due_date"),
        F.col("ShipDate").alias("ship_date"),
        F.col("Status").alias("status"),
        _decode(F.col("Status"), ORDER_STATUSES).alias("status_name"),
        (F.col("OnlineOrderFlag") == 1).alias("is_online_order"),
        "customer_key", "customer_id",
        F.col("SalesPersonID").alias("sales_person_id"),
        F.col("TerritoryID").alias("territory_id"),
        F.col("ShipMethodID").alias("ship_method_id"),
        F.col("BillToAddressID").alias("bill_to_address_id"),
        F.col("ShipToAddressID").alias("ship_to_address_id"),
        F.col("CurrencyRateID").alias("currency_rate_id"),
        F.col("PurchaseOrderNumber").alias("purchase_order_number"),
        F.col("AccountNumber").alias("account_number"),
        F.col("SubTotal").alias("sub_total"),
        F.col("TaxAmt").alias("tax_amt"),
        F.col("Freight").alias("freight"),
        F.col("TotalDue").alias("total_due"),
        F.coalesce(F.col("line_count"), F.lit(0)).alias("line_count"),
        "lines_total",
        deviation.alias("subtotal_deviation"),
        (F.abs(deviation) < _a_cent()).alias("subtotal_matches_lines"),
    )
    return conform(fact, FACT_SALES_ORDER)


def build_fact_sales_order_line(lines: DataFrame, fact_order: DataFrame, dim_product: DataFrame,
                                dim_special_offer: DataFrame) -> DataFrame:
    """One row per order detail line; key sales_order_line_key. The order's date and customer
    come from the order fact (lines must have been matched to their orders); a product or an
    (offer, product) pair that matches no dimension row points at the unknown member (-1)."""
    orders = fact_order.select(
        F.col("sales_order_id").alias("SalesOrderID"), "sales_order_key", "order_date_key", "order_date",
        "customer_key",
    )
    offers = dim_special_offer.withColumn(
        "__offer_product", F.concat_ws("/", F.col("special_offer_id").cast("string"),
                                       F.col("product_id").cast("string")))
    fact = (lines.join(orders, "SalesOrderID", "inner")
            .withColumn("product_id", F.col("ProductID"))
            .withColumn("__offer_product", F.concat_ws("/", F.col("SpecialOfferID").cast("string"),
                                                       F.col("ProductID").cast("string"))))
    fact = lookup_key(fact, dim_product, code_column="product_id", dim_code_column="product_id",
                      dim_key_column="product_key", as_column="product_key")
    fact = lookup_key(fact, offers, code_column="__offer_product", dim_code_column="__offer_product",
                      dim_key_column="special_offer_key", as_column="special_offer_key")
    out = fact.select(
        surrogate_key(F.col("SalesOrderID").cast("string"), F.col("SalesOrderDetailID").cast("string"))
        .alias("sales_order_line_key"),
        "sales_order_key",
        F.col("SalesOrderID").alias("sales_order_id"),
        F.col("SalesOrderDetailID").alias("sales_order_detail_id"),
        "order_date_key", "order_date", "customer_key", "product_key", "product_id", "special_offer_key",
        F.col("SpecialOfferID").alias("special_offer_id"),
        F.col("CarrierTrackingNumber").alias("carrier_tracking_number"),
        F.col("OrderQty").alias("order_qty"),
        F.col("UnitPrice").alias("unit_price"),
        F.col("UnitPriceDiscount").alias("unit_price_discount"),
        F.col("LineTotal").alias("line_total"),
    )
    return conform(out, FACT_SALES_ORDER_LINE)


def order_dates(fact_order: DataFrame) -> DataFrame:
    """Every day an order was placed, due or shipped: the span of the conformed calendar."""
    return fact_order.select(F.explode(F.array("order_date", "due_date", "ship_date")).alias("date"))
