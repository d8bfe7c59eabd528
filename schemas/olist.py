"""olist: the nine tables of Olist's PostgreSQL order database (the columns of the Kaggle
"olistbr/brazilian-ecommerce" files) and the star they load into.

The source tables are declared once here; the dev/test database DDL (samples.olist_pg), the
explicit schema the raw Parquet extracts are read with (jobs.pipelines.olist) and the generator's CSV
headers (samples.olist) all come from these declarations.
"""

from __future__ import annotations

from schemas.common import DIM_DATE
from schemas.spec import (
    EXTRACTED_AT,  # noqa: F401  (re-exported with olist's source declarations)
    UPDATED_AT,  # noqa: F401
    AcceptedValues,
    Column,
    Expression,
    ForeignKey,
    InRange,
    SourceTable,
    TableSpec,
    dimension_spec,
)

# ---- the source database (UPDATED_AT: set by a trigger on insert/update in the dev/test
# database; real Olist exports have no such column, see docs/olist.md) ----


_ID = "varchar(32)"
_TEXT = "varchar(65535)"

SRC_CUSTOMERS = SourceTable(
    "customers", "olist_customers_dataset.csv",
    (Column("customer_id", _ID, False), Column("customer_unique_id", _ID),
     Column("customer_zip_code_prefix", _TEXT), Column("customer_city", _TEXT),
     Column("customer_state", _TEXT)),
    key=("customer_id",),
)
SRC_GEOLOCATION = SourceTable(
    "geolocation", "olist_geolocation_dataset.csv",
    (Column("geolocation_zip_code_prefix", _TEXT), Column("geolocation_lat", "double"),
     Column("geolocation_lng", "double"), Column("geolocation_city", _TEXT),
     Column("geolocation_state", _TEXT)),
    key=("geolocation_id",), identity="geolocation_id",
)
SRC_ORDER_ITEMS = SourceTable(
    "order_items", "olist_order_items_dataset.csv",
    (Column("order_id", _ID, False), Column("order_item_id", "int", False), Column("product_id", _ID),
     Column("seller_id", _ID), Column("shipping_limit_date", "timestamp"),
     Column("price", "decimal(10,2)"), Column("freight_value", "decimal(10,2)")),
    key=("order_id", "order_item_id"),
)
SRC_ORDER_PAYMENTS = SourceTable(
    "order_payments", "olist_order_payments_dataset.csv",
    (Column("order_id", _ID, False), Column("payment_sequential", "int", False),
     Column("payment_type", _TEXT), Column("payment_installments", "int"),
     Column("payment_value", "decimal(10,2)")),
    key=("order_id", "payment_sequential"),
)
SRC_ORDER_REVIEWS = SourceTable(
    "order_reviews", "olist_order_reviews_dataset.csv",
    (Column("review_id", _ID, False), Column("order_id", _ID, False), Column("review_score", "int"),
     Column("review_comment_title", _TEXT), Column("review_comment_message", _TEXT),
     Column("review_creation_date", "timestamp"), Column("review_answer_timestamp", "timestamp")),
    # review_id alone is not unique in Olist's data: the same review can cover several orders.
    key=("review_id", "order_id"),
)
SRC_ORDERS = SourceTable(
    "orders", "olist_orders_dataset.csv",
    (Column("order_id", _ID, False), Column("customer_id", _ID), Column("order_status", _TEXT),
     Column("order_purchase_timestamp", "timestamp"), Column("order_approved_at", "timestamp"),
     Column("order_delivered_carrier_date", "timestamp"),
     Column("order_delivered_customer_date", "timestamp"),
     Column("order_estimated_delivery_date", "timestamp")),
    key=("order_id",),
)
SRC_PRODUCTS = SourceTable(
    "products", "olist_products_dataset.csv",
    (Column("product_id", _ID, False), Column("product_category_name", _TEXT),
     Column("product_name_lenght", "int"), Column("product_description_lenght", "int"),
     Column("product_photos_qty", "int"), Column("product_weight_g", "int"),
     Column("product_length_cm", "int"), Column("product_height_cm", "int"),
     Column("product_width_cm", "int")),
    key=("product_id",),
)
SRC_SELLERS = SourceTable(
    "sellers", "olist_sellers_dataset.csv",
    (Column("seller_id", _ID, False), Column("seller_zip_code_prefix", _TEXT),
     Column("seller_city", _TEXT), Column("seller_state", _TEXT)),
    key=("seller_id",),
)
SRC_CATEGORY_TRANSLATION = SourceTable(
    "product_category_name_translation", "product_category_name_translation.csv",
    (Column("product_category_name", _TEXT, False), Column("product_category_name_english", _TEXT)),
    key=("product_category_name",),
)

SOURCE_TABLES = (SRC_CUSTOMERS, SRC_GEOLOCATION, SRC_ORDER_ITEMS, SRC_ORDER_PAYMENTS, SRC_ORDER_REVIEWS,
                 SRC_ORDERS, SRC_PRODUCTS, SRC_SELLERS, SRC_CATEGORY_TRANSLATION)
SOURCES = {s.name: s for s in SOURCE_TABLES}

ORDER_STATUSES = ("created", "approved", "invoiced", "processing", "shipped", "delivered",
                  "canceled", "unavailable")
NOT_SALE_STATUSES = ("canceled", "unavailable")
"""Orders in these statuses are not sales (the sales mart leaves them out and says so)."""
PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")
BRAZIL_STATES = ("AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
                 "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO")
BRAZIL_LAT = (-34.0, 5.5)
BRAZIL_LNG = (-74.0, -34.5)
NO_CATEGORY = "uncategorized"

# ---- warehouse tables ----

_zip = "Zip code prefix, 5 digits as text (leading zeros kept)"
_city = "City, normalised: lower case, no accents, no state suffix; null when not a city name"
_state = "State (UF), two upper-case letters; null when not a Brazilian state"

DIM_CUSTOMER = dimension_spec(
    name="dim_olist_customer",
    grain="One row per Olist customer_id (one per order); key customer_key (-1 = unknown customer).",
    description="customer_unique_id identifies the person across orders. Merged by key.",
    columns=(
        Column("customer_key", "bigint", False, "xxhash64 of customer_id"),
        Column("customer_id", "varchar(32)", False, "Olist customer id (one per order)"),
        Column("customer_unique_id", "varchar(32)", True, "The person behind the customer id"),
        Column("zip_code_prefix", "varchar(5)", True, _zip),
        Column("city", "varchar(100)", True, _city),
        Column("state", "varchar(2)", True, _state),
    ),
    key="customer_key",
    natural_key=("customer_id",),
    checks=(AcceptedValues("state", BRAZIL_STATES, "warning"),),
)

DIM_SELLER = dimension_spec(
    name="dim_olist_seller",
    grain="One row per seller_id; key seller_key (-1 = unknown seller).",
    columns=(
        Column("seller_key", "bigint", False, "xxhash64 of seller_id"),
        Column("seller_id", "varchar(32)", False, "Olist seller id"),
        Column("zip_code_prefix", "varchar(5)", True, _zip),
        Column("city", "varchar(100)", True, _city),
        Column("state", "varchar(2)", True, _state),
    ),
    key="seller_key",
    natural_key=("seller_id",),
    checks=(AcceptedValues("state", BRAZIL_STATES, "warning"),),
)

DIM_PRODUCT = dimension_spec(
    name="dim_olist_product",
    grain="One row per product_id; key product_key (-1 = unknown product).",
    columns=(
        Column("product_key", "bigint", False, "xxhash64 of product_id"),
        Column("product_id", "varchar(32)", False, "Olist product id"),
        Column("category_name_pt", "varchar(100)", False,
               f"Category as Olist names it (Portuguese); '{NO_CATEGORY}' when the product has none"),
        Column("category_name_en", "varchar(100)", False,
               "English category from the translation table; the Portuguese name when the "
               f"translation lacks it; '{NO_CATEGORY}' when the product has none"),
        Column("is_category_translated", "boolean", False, "The translation table has the category"),
        Column("name_length", "int", True, "Characters in the product name (source: product_name_lenght)"),
        Column("description_length", "int", True,
               "Characters in the description (source: product_description_lenght)"),
        Column("photos_qty", "int", True, "Photos published"),
        Column("weight_g", "int", True, "Weight, grams"),
        Column("length_cm", "int", True, "Length, cm"),
        Column("height_cm", "int", True, "Height, cm"),
        Column("width_cm", "int", True, "Width, cm"),
    ),
    key="product_key",
    natural_key=("product_id",),
    checks=(InRange("weight_g", 0, 100_000, "warning"),),
)

DIM_GEOLOCATION = dimension_spec(
    name="dim_olist_geolocation",
    grain="One row per zip code prefix; key zip_code_prefix.",
    description="The source has many points and spellings per prefix: one centroid, and the most "
                "frequent normalised city and state. Points outside Brazil are quarantined.",
    columns=(
        Column("zip_code_prefix", "varchar(5)", False, _zip),
        Column("latitude", "double", False, "Mean latitude of the prefix's points"),
        Column("longitude", "double", False, "Mean longitude of the prefix's points"),
        Column("city", "varchar(100)", True, "Most frequent normalised city of the prefix"),
        Column("state", "varchar(2)", True, "Most frequent state of the prefix"),
        Column("points", "int", False, "Source rows behind the centroid"),
    ),
    key="zip_code_prefix",
    checks=(InRange("latitude", *BRAZIL_LAT), InRange("longitude", *BRAZIL_LNG)),
)

_money = "decimal(12,2)"
FACT_ORDER = TableSpec(
    name="fact_order",
    grain="One row per order; key order_key.",
    description="Status and milestones of an order with its item, freight, payment and review "
                "totals. Orders change status after purchase: merged by key.",
    columns=(
        Column("order_key", "bigint", False, "xxhash64 of order_id"),
        Column("order_id", "varchar(32)", False, "Olist order id"),
        Column("customer_key", "bigint", False, "-> dim_olist_customer (-1 unknown)"),
        Column("purchase_date_key", "int", False, "Purchase day yyyymmdd -> dim_date"),
        Column("order_status", "varchar(20)", False, "created … delivered, canceled, unavailable"),
        Column("is_sale", "boolean", False, "Not canceled and not unavailable (counts as a sale)"),
        Column("purchased_at", "timestamp", False, "Purchase moment (Brazil local time)"),
        Column("approved_at", "timestamp", True, "Payment approved"),
        Column("delivered_carrier_at", "timestamp", True, "Handed to the carrier"),
        Column("delivered_customer_at", "timestamp", True, "Delivered to the customer"),
        Column("estimated_delivery_date", "date", True, "Delivery date promised at purchase"),
        Column("purchase_year_month", "int", False, "yyyymm of the purchase"),
        Column("approval_seconds", "bigint", True, "Purchase to approval, seconds"),
        Column("delivery_seconds", "bigint", True, "Purchase to delivery to the customer, seconds"),
        Column("delivery_vs_estimate_days", "int", True,
               "Delivery day minus estimated day (positive = late)"),
        Column("is_delivered", "boolean", False, "Delivered to the customer (has a delivery moment)"),
        Column("is_late", "boolean", True, "Delivered after the estimated day (null if not delivered)"),
        Column("item_count", "int", False, "Order lines"),
        Column("items_total", _money, False, "Sum of item prices (0 without items)"),
        Column("freight_total", _money, False, "Sum of item freight (0 without items)"),
        Column("payment_count", "int", False, "Payments recorded"),
        Column("payment_total", _money, True, "Sum of payments (null without payments)"),
        Column("review_score", "smallint", True, "Score 1-5 of the latest review"),
        Column("review_count", "int", False, "Reviews received"),
    ),
    primary_key=("order_key",),
    natural_key=("order_id",),
    foreign_keys=(
        ForeignKey("customer_key", DIM_CUSTOMER.name, "customer_key"),
        ForeignKey("purchase_date_key", DIM_DATE.name, "date_key"),
    ),
    load_mode="merge",
    diststyle="KEY",
    distkey="order_key",
    sortkey=("purchase_date_key",),
    checks=(
        AcceptedValues("order_status", ORDER_STATUSES),
        InRange("review_score", 1, 5),
        InRange("delivery_seconds", 0, None, "warning"),
        Expression("payments match items + freight",
                   "payment_total IS NULL OR item_count = 0 OR "
                   "abs(payment_total - items_total - freight_total) <= 0.01", "warning"),
        Expression("delivered orders have a delivery moment",
                   "order_status <> 'delivered' OR delivered_customer_at IS NOT NULL", "warning"),
    ),
)

FACT_ORDER_ITEM = TableSpec(
    name="fact_order_item",
    grain="One row per order line (order_id, order_item_id); key order_item_key.",
    columns=(
        Column("order_item_key", "bigint", False, "xxhash64 of (order_id, order_item_id)"),
        Column("order_key", "bigint", False, "-> fact_order"),
        Column("order_id", "varchar(32)", False, "Olist order id"),
        Column("order_item_id", "int", False, "Line number within the order, 1.."),
        Column("product_key", "bigint", False, "-> dim_olist_product (-1 unknown)"),
        Column("seller_key", "bigint", False, "-> dim_olist_seller (-1 unknown)"),
        Column("customer_key", "bigint", False, "-> dim_olist_customer, the order's customer"),
        Column("purchase_date_key", "int", False, "The order's purchase day -> dim_date"),
        Column("shipping_limit_at", "timestamp", True, "Seller's deadline to hand over to the carrier"),
        Column("price", "decimal(10,2)", False, "Item price, BRL"),
        Column("freight_value", "decimal(10,2)", False, "Freight charged for the item, BRL"),
    ),
    primary_key=("order_item_key",),
    natural_key=("order_id", "order_item_id"),
    foreign_keys=(
        ForeignKey("product_key", DIM_PRODUCT.name, "product_key"),
        ForeignKey("seller_key", DIM_SELLER.name, "seller_key"),
        ForeignKey("customer_key", DIM_CUSTOMER.name, "customer_key"),
        ForeignKey("purchase_date_key", DIM_DATE.name, "date_key"),
    ),
    load_mode="merge",
    diststyle="KEY",
    distkey="order_key",
    sortkey=("purchase_date_key",),
    checks=(InRange("price", 0, None), InRange("freight_value", 0, None)),
)

FACT_ORDER_PAYMENT = TableSpec(
    name="fact_order_payment",
    grain="One row per payment (order_id, payment_sequential); key order_payment_key.",
    columns=(
        Column("order_payment_key", "bigint", False, "xxhash64 of (order_id, payment_sequential)"),
        Column("order_key", "bigint", False, "-> fact_order"),
        Column("order_id", "varchar(32)", False, "Olist order id"),
        Column("payment_sequential", "int", False, "Payment number within the order"),
        Column("purchase_date_key", "int", False, "The order's purchase day -> dim_date"),
        Column("payment_type", "varchar(20)", False, "credit_card, boleto, voucher, debit_card, not_defined"),
        Column("payment_installments", "int", True, "Installments chosen"),
        Column("payment_value", "decimal(10,2)", False, "Amount, BRL"),
    ),
    primary_key=("order_payment_key",),
    natural_key=("order_id", "payment_sequential"),
    foreign_keys=(ForeignKey("purchase_date_key", DIM_DATE.name, "date_key"),),
    load_mode="merge",
    diststyle="KEY",
    distkey="order_key",
    sortkey=("purchase_date_key",),
    checks=(AcceptedValues("payment_type", PAYMENT_TYPES, "warning"), InRange("payment_value", 0, None)),
)

FACT_ORDER_REVIEW = TableSpec(
    name="fact_order_review",
    grain="One row per review of an order (review_id, order_id); key order_review_key.",
    columns=(
        Column("order_review_key", "bigint", False, "xxhash64 of (review_id, order_id)"),
        Column("order_key", "bigint", False, "-> fact_order"),
        Column("review_id", "varchar(32)", False, "Olist review id (may cover several orders)"),
        Column("order_id", "varchar(32)", False, "Olist order id"),
        Column("review_score", "smallint", False, "1-5"),
        Column("has_comment", "boolean", False, "The customer wrote a title or a message"),
        Column("created_date_key", "int", False, "Day the survey was sent -> dim_date"),
        Column("created_at", "timestamp", True, "Survey sent"),
        Column("answered_at", "timestamp", True, "Survey answered"),
    ),
    primary_key=("order_review_key",),
    natural_key=("review_id", "order_id"),
    foreign_keys=(ForeignKey("created_date_key", DIM_DATE.name, "date_key"),),
    load_mode="merge",
    diststyle="KEY",
    distkey="order_key",
    sortkey=("created_date_key",),
    checks=(InRange("review_score", 1, 5),),
)

TABLES = (DIM_DATE, DIM_CUSTOMER, DIM_SELLER, DIM_PRODUCT, DIM_GEOLOCATION,
          FACT_ORDER, FACT_ORDER_ITEM, FACT_ORDER_PAYMENT, FACT_ORDER_REVIEW)
FACTS = (FACT_ORDER, FACT_ORDER_ITEM, FACT_ORDER_PAYMENT, FACT_ORDER_REVIEW)
VIEWS = ("sales_by_category", "delivery_time", "orders_by_state")
