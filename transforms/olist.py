"""olist: staging of the extracted source rows, the current-state snapshot, dimensions and the
order facts, as pure DataFrame functions.

Incremental model (docs/olist.md): every run extracts only the rows changed since the stored
watermark (the *delta*). The lake keeps a *snapshot* of every source table (the newest accepted
version of every row); ``merge_snapshot`` folds a delta into it. Facts and dimensions are then
built from the snapshot for the *affected* keys only — so a fact built for a changed order still
sees all of that order's items, payments and reviews, and the full dimensions for its lookups —
and are merged by key in the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from schemas.common import DIM_DATE
from schemas.olist import (
    BRAZIL_LAT,
    BRAZIL_LNG,
    BRAZIL_STATES,
    DIM_CUSTOMER,
    DIM_GEOLOCATION,
    DIM_PRODUCT,
    DIM_SELLER,
    FACT_ORDER,
    FACT_ORDER_ITEM,
    FACT_ORDER_PAYMENT,
    FACT_ORDER_REVIEW,
    NO_CATEGORY,
    NOT_SALE_STATUSES,
    ORDER_STATUSES,
    SOURCES,
    UPDATED_AT,
    SourceTable,
)
from schemas.spec import UNKNOWN_KEY, TableSpec
from transforms.contract import conform
from transforms.dates import build_dim_date, date_key
from transforms.keys import lookup_key, surrogate_key, with_unknown_member
from transforms.staging import SOURCE_FILE, RejectRule, quarantine_records, split_orphans, values_as_json

REASON = "_reject_reason"
_ACCENTED = "áàâãäéèêëíìîïóòôõöúùûüçñ´`’"
_PLAIN = "aaaaaeeeeiiiiooooouuuucn'''"


# ---- column logic ----


def normalise_city(city: Column) -> Column:
    """City names as typed into Olist's forms -> one spelling: lower case, accents removed (both
    precomposed 'ã' and 'a' + combining tilde occur), anything after '/', '\\', ',' or '('
    dropped (``sbc/sp``, ``rio de janeiro, rio de janeiro, brasil``, ``arraial d'ajuda (porto
    seguro)``), a trailing state code dropped (``sao paulo - sp``, ``andira-pr``, ``sao paulo
    sp``), spaces collapsed. Null when the value is no city name (digits, e-mail)."""
    text = F.regexp_replace(F.lower(F.trim(city)), r"\p{M}", "")
    text = F.translate(text, _ACCENTED, _PLAIN)
    text = F.regexp_extract(text, r"^([^/\\,(]*)", 1)
    states = "|".join(s.lower() for s in BRAZIL_STATES)
    text = F.regexp_replace(text, rf"(\s*-\s*|\s+)({states})\s*$", "")
    text = F.trim(F.regexp_replace(text, r"\s+", " "))
    return F.when((text != "") & ~text.rlike(r"[0-9@]"), text)


def normalise_state(state: Column) -> Column:
    """Two-letter upper-case UF; null when not one of the 27 Brazilian states."""
    text = F.upper(F.trim(state))
    return F.when(text.isin(*BRAZIL_STATES), text)


def zip_prefix(value: Column) -> Column:
    """5-digit zip prefix as text with its leading zeros ('1310' -> '01310'); null otherwise."""
    text = F.trim(value)
    return F.when(text.rlike(r"^[0-9]{1,5}$"), F.lpad(text, 5, "0"))


def seconds_between(start: str, end: str) -> Column:
    """Whole seconds from ``start`` to ``end`` (wall-clock timestamps; null if either is null)."""
    return F.expr(f"timestampdiff(SECOND, {start}, {end})")


def category_en(category_pt: Column, translated: Column) -> Column:
    """English category; the Portuguese name when the translation lacks it; NO_CATEGORY when
    the product has no category."""
    return F.coalesce(translated, category_pt, F.lit(NO_CATEGORY))


# ---- staging ----


def _rules(table: str) -> list[RejectRule]:
    c = F.col
    if table == "orders":
        return [RejectRule("customer_id: missing", c("customer_id").isNull()),
                RejectRule("order_status: not a known status", ~F.coalesce(
                    F.lower(F.trim(c("order_status"))).isin(*ORDER_STATUSES), F.lit(False))),
                RejectRule("order_purchase_timestamp: missing", c("order_purchase_timestamp").isNull())]
    if table == "order_items":
        return [RejectRule("product_id: missing", c("product_id").isNull()),
                RejectRule("seller_id: missing", c("seller_id").isNull()),
                RejectRule("price: missing or negative", ~F.coalesce(c("price") >= 0, F.lit(False))),
                RejectRule("freight_value: missing or negative",
                           ~F.coalesce(c("freight_value") >= 0, F.lit(False)))]
    if table == "order_payments":
        return [RejectRule("payment_value: missing or negative",
                           ~F.coalesce(c("payment_value") >= 0, F.lit(False)))]
    if table == "order_reviews":
        return [RejectRule("review_score: not 1-5", ~F.coalesce(c("review_score").between(1, 5), F.lit(False)))]
    if table == "geolocation":
        return [RejectRule("geolocation: point outside Brazil", ~F.coalesce(
            c("geolocation_lat").between(*BRAZIL_LAT) & c("geolocation_lng").between(*BRAZIL_LNG), F.lit(False))),
                RejectRule("geolocation_zip_code_prefix: not a zip prefix",
                           zip_prefix(c("geolocation_zip_code_prefix")).isNull())]
    return []


def stage_rows(delta: DataFrame, table: SourceTable) -> tuple[DataFrame, DataFrame]:
    """One row per extracted source row -> (accepted rows with text trimmed and empty text as
    null, keeping ``_source_file``; quarantine records with the row as JSON and the reason).
    Rejected: a missing key part, then the table's own rules (status, score, price …)."""
    cleaned = delta.select(*[
        F.when(F.trim(F.col(f.name)) != "", F.trim(F.col(f.name))).alias(f.name)
        if f.dataType.typeName() == "string" and f.name != SOURCE_FILE else F.col(f.name)
        for f in delta.schema.fields
    ])
    if "order_status" in cleaned.columns:
        cleaned = cleaned.withColumn("order_status", F.lower(F.col("order_status")))
    reasons = [F.when(F.col(k).isNull(), F.lit(f"{k}: missing key")) for k in table.key]
    reasons += [F.when(r.failed, F.lit(r.reason)) for r in _rules(table.name)]
    staged = cleaned.withColumn(REASON, F.coalesce(*reasons))
    good = staged.filter(F.col(REASON).isNull()).drop(REASON)
    bad = staged.filter(F.col(REASON).isNotNull())
    bad = quarantine_records(bad, source=table.name, record=values_as_json(cleaned), reason=F.col(REASON))
    return good, bad


def merge_snapshot(base: DataFrame, delta: DataFrame, key: tuple[str, ...]) -> DataFrame:
    """One row per source key: the newest version among the previous snapshot and the delta
    (latest ``updated_at``; on a tie the re-extracted row wins). Overlapping extracts and
    re-runs therefore never duplicate a row."""
    newest = Window.partitionBy(*key).orderBy(F.col(UPDATED_AT).desc_nulls_last(), F.col("__from_delta").desc())
    both = base.withColumn("__from_delta", F.lit(0)).unionByName(
        delta.select(*base.columns).withColumn("__from_delta", F.lit(1)))
    return both.withColumn("__rank", F.row_number().over(newest)).filter(F.col("__rank") == 1).drop(
        "__rank", "__from_delta")


def affected_orders(orders: DataFrame, items: DataFrame, changed: dict[str, DataFrame]) -> DataFrame:
    """One row per order_id whose facts must be rebuilt: the order changed, or one of its items,
    payments or reviews, or its customer, or a product or seller of its items (a late-arriving
    dimension row turns an unknown-member key into the real one). ``orders`` / ``items`` are
    snapshots; ``changed`` maps source name -> accepted delta rows. Only orders present in the
    snapshot are returned (children of unknown orders are quarantined instead)."""
    ids = changed["orders"].select("order_id")
    for child in ("order_items", "order_payments", "order_reviews"):
        ids = ids.unionByName(changed[child].select("order_id"))
    ids = ids.unionByName(orders.join(changed["customers"].select("customer_id"), "customer_id", "left_semi")
                          .select("order_id"))
    for dim, column in (("products", "product_id"), ("sellers", "seller_id")):
        ids = ids.unionByName(items.join(changed[dim].select(column), column, "left_semi").select("order_id"))
    return orders.select("order_id").join(ids.distinct(), "order_id", "left_semi")


def orphans(children: DataFrame, orders: DataFrame, *, source: str) -> DataFrame:
    """Quarantine records for child rows (items, payments, reviews) whose order_id is not in the
    orders snapshot: counted and kept aside, never loaded."""
    return split_orphans(children, orders, ["order_id"], source=source, parent="orders",
                         reason="order_id: no such order in orders")[1]


# ---- dimensions ----


def build_dim_customer(customers: DataFrame) -> DataFrame:
    """One row per customer_id plus the unknown member; key customer_key."""
    dim = customers.select(
        surrogate_key("customer_id").alias("customer_key"),
        "customer_id",
        "customer_unique_id",
        zip_prefix(F.col("customer_zip_code_prefix")).alias("zip_code_prefix"),
        normalise_city(F.col("customer_city")).alias("city"),
        normalise_state(F.col("customer_state")).alias("state"),
    )
    return conform(with_unknown_member(dim, DIM_CUSTOMER, customer_id="?"), DIM_CUSTOMER)


def build_dim_seller(sellers: DataFrame) -> DataFrame:
    """One row per seller_id plus the unknown member; key seller_key."""
    dim = sellers.select(
        surrogate_key("seller_id").alias("seller_key"),
        "seller_id",
        zip_prefix(F.col("seller_zip_code_prefix")).alias("zip_code_prefix"),
        normalise_city(F.col("seller_city")).alias("city"),
        normalise_state(F.col("seller_state")).alias("state"),
    )
    return conform(with_unknown_member(dim, DIM_SELLER, seller_id="?"), DIM_SELLER)


def build_dim_product(products: DataFrame, translation: DataFrame) -> DataFrame:
    """One row per product_id plus the unknown member; key product_key. English category from
    the translation table, falling back to the Portuguese name (flagged) when it is missing."""
    names = F.broadcast(translation.select(
        F.lower(F.col("product_category_name")).alias("__pt"),
        F.col("product_category_name_english").alias("__en")))
    joined = products.withColumn("__pt", F.lower(F.col("product_category_name"))).join(names, "__pt", "left")
    dim = joined.select(
        surrogate_key("product_id").alias("product_key"),
        "product_id",
        F.coalesce(F.col("__pt"), F.lit(NO_CATEGORY)).alias("category_name_pt"),
        category_en(F.col("__pt"), F.col("__en")).alias("category_name_en"),
        F.col("__en").isNotNull().alias("is_category_translated"),
        F.col("product_name_lenght").alias("name_length"),
        F.col("product_description_lenght").alias("description_length"),
        F.col("product_photos_qty").alias("photos_qty"),
        F.col("product_weight_g").alias("weight_g"),
        F.col("product_length_cm").alias("length_cm"),
        F.col("product_height_cm").alias("height_cm"),
        F.col("product_width_cm").alias("width_cm"),
    )
    return conform(with_unknown_member(dim, DIM_PRODUCT, product_id="?", category_name_pt=NO_CATEGORY,
                                       category_name_en=NO_CATEGORY, is_category_translated=False),
                   DIM_PRODUCT)


def _most_frequent(df: DataFrame, key: str, value: str) -> DataFrame:
    """Per key, its most frequent non-null value (ties: alphabetically first)."""
    counts = df.filter(F.col(value).isNotNull()).groupBy(key, value).count()
    first = Window.partitionBy(key).orderBy(F.col("count").desc(), F.col(value))
    return counts.withColumn("__r", F.row_number().over(first)).filter(F.col("__r") == 1).select(key, value)


def build_dim_geolocation(geolocation: DataFrame) -> DataFrame:
    """One row per zip code prefix: centroid of its points, most frequent city and state."""
    points = geolocation.select(
        zip_prefix(F.col("geolocation_zip_code_prefix")).alias("zip_code_prefix"),
        F.col("geolocation_lat").alias("lat"), F.col("geolocation_lng").alias("lng"),
        normalise_city(F.col("geolocation_city")).alias("city"),
        normalise_state(F.col("geolocation_state")).alias("state"),
    )
    centre = points.groupBy("zip_code_prefix").agg(
        F.avg("lat").alias("latitude"), F.avg("lng").alias("longitude"), F.count(F.lit(1)).alias("points"))
    dim = (centre.join(_most_frequent(points, "zip_code_prefix", "city"), "zip_code_prefix", "left")
           .join(_most_frequent(points, "zip_code_prefix", "state"), "zip_code_prefix", "left"))
    return conform(dim, DIM_GEOLOCATION)


def emit_changed(dim: DataFrame, changed_ids: DataFrame, *, id_column: str) -> DataFrame:
    """The dimension rows whose natural id changed in this run, plus the unknown member."""
    key = dim.columns[0]
    return dim.join(changed_ids.select(id_column).distinct(), id_column, "left_semi").unionByName(
        dim.filter(F.col(key) == UNKNOWN_KEY))


# ---- facts ----


def _order_context(orders: DataFrame, dim_customer: DataFrame) -> DataFrame:
    """order_id -> order_key, customer_key (unknown member when the customer is missing) and the
    purchase day key: what every child fact inherits from its order."""
    keyed = lookup_key(orders.select("order_id", "customer_id", "order_purchase_timestamp"), dim_customer,
                       code_column="customer_id", dim_code_column="customer_id",
                       dim_key_column="customer_key", as_column="customer_key")
    return keyed.select(
        "order_id",
        surrogate_key("order_id").alias("order_key"),
        "customer_key",
        date_key(F.to_date("order_purchase_timestamp")).alias("purchase_date_key"),
    )


def build_fact_order(orders: DataFrame, items: DataFrame, payments: DataFrame, reviews: DataFrame,
                     dim_customer: DataFrame) -> DataFrame:
    """One row per order in ``orders``; key order_key. ``items`` / ``payments`` / ``reviews`` must
    hold every row of those orders (a changed order is rebuilt from the snapshot, whole)."""
    item_totals = items.groupBy("order_id").agg(
        F.count(F.lit(1)).alias("item_count"), F.sum("price").alias("items_total"),
        F.sum("freight_value").alias("freight_total"))
    payment_totals = payments.groupBy("order_id").agg(
        F.count(F.lit(1)).alias("payment_count"), F.sum("payment_value").alias("payment_total"))
    latest_review = F.struct("review_creation_date", "review_answer_timestamp", "review_id")
    review_totals = reviews.groupBy("order_id").agg(
        F.count(F.lit(1)).alias("review_count"),
        F.max_by("review_score", latest_review).alias("review_score"))
    context = _order_context(orders, dim_customer)
    o = (orders.join(context, "order_id").join(item_totals, "order_id", "left")
         .join(payment_totals, "order_id", "left").join(review_totals, "order_id", "left"))
    delivered_day = F.to_date("order_delivered_customer_date")
    estimated_day = F.to_date("order_estimated_delivery_date")
    is_delivered = (F.col("order_status") == "delivered") & F.col("order_delivered_customer_date").isNotNull()
    zero = F.lit(0).cast("decimal(12,2)")
    out = o.select(
        "order_key", "order_id", "customer_key", "purchase_date_key", "order_status",
        (~F.col("order_status").isin(*NOT_SALE_STATUSES)).alias("is_sale"),
        F.col("order_purchase_timestamp").alias("purchased_at"),
        F.col("order_approved_at").alias("approved_at"),
        F.col("order_delivered_carrier_date").alias("delivered_carrier_at"),
        F.col("order_delivered_customer_date").alias("delivered_customer_at"),
        estimated_day.alias("estimated_delivery_date"),
        (F.year("order_purchase_timestamp") * 100 + F.month("order_purchase_timestamp")).alias("purchase_year_month"),
        seconds_between("order_purchase_timestamp", "order_approved_at").alias("approval_seconds"),
        seconds_between("order_purchase_timestamp", "order_delivered_customer_date").alias("delivery_seconds"),
        F.datediff(delivered_day, estimated_day).alias("delivery_vs_estimate_days"),
        is_delivered.alias("is_delivered"),
        F.when(is_delivered, delivered_day > estimated_day).alias("is_late"),
        F.coalesce(F.col("item_count"), F.lit(0)).alias("item_count"),
        F.coalesce(F.col("items_total"), zero).alias("items_total"),
        F.coalesce(F.col("freight_total"), zero).alias("freight_total"),
        F.coalesce(F.col("payment_count"), F.lit(0)).alias("payment_count"),
        "payment_total",
        "review_score",
        F.coalesce(F.col("review_count"), F.lit(0)).alias("review_count"),
    )
    return conform(out, FACT_ORDER)


def build_fact_order_item(items: DataFrame, orders: DataFrame, dim_product: DataFrame, dim_seller: DataFrame,
                          dim_customer: DataFrame) -> DataFrame:
    """One row per order line of an order in ``orders``; key order_item_key. Lines of orders not
    in ``orders`` are left out (see ``orphans``)."""
    lines = items.join(_order_context(orders, dim_customer), "order_id")
    lines = lookup_key(lines, dim_product, code_column="product_id", dim_code_column="product_id",
                       dim_key_column="product_key", as_column="product_key")
    lines = lookup_key(lines, dim_seller, code_column="seller_id", dim_code_column="seller_id",
                       dim_key_column="seller_key", as_column="seller_key")
    out = lines.select(
        surrogate_key("order_id", F.col("order_item_id").cast("string")).alias("order_item_key"),
        "order_key", "order_id", "order_item_id", "product_key", "seller_key", "customer_key",
        "purchase_date_key",
        F.col("shipping_limit_date").alias("shipping_limit_at"),
        "price", "freight_value",
    )
    return conform(out, FACT_ORDER_ITEM)


def build_fact_order_payment(payments: DataFrame, orders: DataFrame, dim_customer: DataFrame) -> DataFrame:
    """One row per payment of an order in ``orders``; key order_payment_key."""
    rows = payments.join(_order_context(orders, dim_customer), "order_id")
    out = rows.select(
        surrogate_key("order_id", F.col("payment_sequential").cast("string")).alias("order_payment_key"),
        "order_key", "order_id", "payment_sequential", "purchase_date_key",
        F.coalesce(F.lower(F.col("payment_type")), F.lit("not_defined")).alias("payment_type"),
        "payment_installments", "payment_value",
    )
    return conform(out, FACT_ORDER_PAYMENT)


def build_fact_order_review(reviews: DataFrame, orders: DataFrame) -> DataFrame:
    """One row per review of an order in ``orders``; key order_review_key."""
    rows = reviews.join(orders.select("order_id"), "order_id", "left_semi")
    out = rows.select(
        surrogate_key("review_id", "order_id").alias("order_review_key"),
        surrogate_key("order_id").alias("order_key"),
        "review_id", "order_id", "review_score",
        (F.col("review_comment_title").isNotNull() | F.col("review_comment_message").isNotNull()).alias("has_comment"),
        date_key(F.to_date("review_creation_date")).alias("created_date_key"),
        F.col("review_creation_date").alias("created_at"),
        F.col("review_answer_timestamp").alias("answered_at"),
    )
    return conform(out, FACT_ORDER_REVIEW)


def order_dates(fact_order: DataFrame, fact_review: DataFrame) -> DataFrame:
    """The days the facts point at, for the conformed calendar (column ``date``)."""
    return (fact_order.select(F.to_date("purchased_at").alias("date"))
            .unionByName(fact_order.select(F.to_date("delivered_customer_at").alias("date")))
            .unionByName(fact_order.select(F.col("estimated_delivery_date").alias("date")))
            .unionByName(fact_review.select(F.to_date("created_at").alias("date"))))


def build_dim_date_for(fact_order: DataFrame, fact_review: DataFrame) -> DataFrame:
    """One row per calendar day spanned by the facts of this run plus the unknown member."""
    return conform(build_dim_date(order_dates(fact_order, fact_review)), DIM_DATE)


# ---- the star of one run ----


@dataclass
class OlistStar:
    """What one run builds: the tables (spec -> rows), the quarantine (QUARANTINE_SCHEMA) and
    ``reread``: one row (``source``) per source row processed again without having changed (rows
    of affected orders re-read from the snapshot, products re-emitted for a changed category
    translation), which the row reconciliation adds to the rows extracted."""

    tables: dict[TableSpec, DataFrame]
    quarantine: DataFrame
    reread: DataFrame


CHILD_TABLES = ("order_items", "order_payments", "order_reviews")
ORDER_TABLES = ("orders", *CHILD_TABLES)


def build_star(snaps: dict[str, DataFrame], changed: dict[str, DataFrame], rejected: dict[str, DataFrame],
               *, full: bool) -> OlistStar:
    """The run's star from the snapshots (current state of every source table, by name) and the
    accepted changed rows: dims with one row per changed member (plus the unknown member), facts
    with one row per order line / payment / review / order of every affected order, dim_date for
    the days they cover. A full extract replaces the facts (rows deleted at the source go too)."""
    dim_customer = build_dim_customer(snaps["customers"]).cache()
    dim_seller = build_dim_seller(snaps["sellers"]).cache()
    dim_product = build_dim_product(snaps["products"], snaps["product_category_name_translation"]).cache()
    affected = affected_orders(snaps["orders"], snaps["order_items"], changed).cache()

    def of_affected(name: str) -> DataFrame:
        return snaps[name].join(affected, "order_id", "left_semi")

    orders, items, payments, reviews = (of_affected(n) for n in ORDER_TABLES)
    fact_order = build_fact_order(orders, items, payments, reviews, dim_customer)
    fact_review = build_fact_order_review(reviews, orders)
    facts = {FACT_ORDER: fact_order,
             FACT_ORDER_ITEM: build_fact_order_item(items, orders, dim_product, dim_seller, dim_customer),
             FACT_ORDER_PAYMENT: build_fact_order_payment(payments, orders, dim_customer),
             FACT_ORDER_REVIEW: fact_review}
    if full:
        facts = {replace(spec, load_mode="replace_all"): df for spec, df in facts.items()}

    recategorised = snaps["products"].join(
        changed["product_category_name_translation"].select("product_category_name"), "product_category_name",
        "left_semi").select("product_id")
    product_ids = changed["products"].select("product_id").unionByName(recategorised)
    geo_zips = changed["geolocation"].select("geolocation_zip_code_prefix").distinct()
    dims = {
        DIM_CUSTOMER: emit_changed(dim_customer, changed["customers"], id_column="customer_id"),
        DIM_SELLER: emit_changed(dim_seller, changed["sellers"], id_column="seller_id"),
        DIM_PRODUCT: emit_changed(dim_product, product_ids, id_column="product_id"),
        DIM_GEOLOCATION: build_dim_geolocation(
            snaps["geolocation"].join(geo_zips, "geolocation_zip_code_prefix", "left_semi")),
    }

    quarantine = None
    for name in rejected:
        quarantine = rejected[name] if quarantine is None else quarantine.unionByName(rejected[name])
    for child in CHILD_TABLES:
        quarantine = quarantine.unionByName(orphans(changed[child], snaps["orders"], source=child))

    reread = recategorised.join(changed["products"].select("product_id"), "product_id", "left_anti") \
        .distinct().select(F.lit("products").alias("source"))
    for name in ORDER_TABLES:
        key = list(SOURCES[name].key)
        reread = reread.unionByName(of_affected(name).join(changed[name].select(*key), key, "left_anti")
                                    .select(F.lit(name).alias("source")))
    tables = {DIM_DATE: build_dim_date_for(fact_order, fact_review), **dims, **facts}
    return OlistStar(tables=tables, quarantine=quarantine, reread=reread)
