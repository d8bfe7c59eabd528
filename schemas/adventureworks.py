"""adventureworks: the bike maker's six ERP export files and the sales star they load into.

The export is hostile and every quirk is declared here, not worked around in code: ``;``
delimiter, UTF-8 with BOM, CRLF, the literal ``NULL`` for nulls, money with a decimal comma
(``decimal(19,4)`` from the first byte to the warehouse: never a float), ``Weight`` with a
decimal point, CHAR codes padded with spaces (trimmed by staging) and datetimes with
milliseconds.
"""

from schemas.common import DIM_DATE
from schemas.spec import (
    AcceptedValues,
    Column,
    Expression,
    ForeignKey,
    InRange,
    RawCsv,
    RawField,
    TableSpec,
    dimension_spec,
)

# ---- raw layouts: the header each file must have and what each field must parse to ----

MONEY = "decimal(19,4)"  # SQL Server money: 4 decimals, exact
LINE_TOTAL = "decimal(38,6)"  # SalesOrderDetail.LineTotal is numeric(38,6) in the source
ERP_TIMESTAMP = "yyyy-MM-dd HH:mm:ss.SSS"


def _money(name: str, *, required: bool = False) -> RawField:
    return RawField(name, MONEY, required=required, decimal_separator=",")


def _stamp(name: str, logical: str = "timestamp", *, required: bool = False) -> RawField:
    return RawField(name, logical, required=required, timestamp_format=ERP_TIMESTAMP)


def _export(name: str, file_name: str, *fields: RawField) -> RawCsv:
    """One file of the ERP export: every file shares the same dialect."""
    return RawCsv(name=name, file_glob=file_name, fields=fields, delimiter=";", null_tokens=("", "NULL"),
                  encoding="UTF-8", trim=True)


_ROWGUID = RawField("rowguid", "varchar(36)")

RAW_PERSON = _export(
    "person", "Person.Person.csv",
    RawField("BusinessEntityID", "int", required=True),
    RawField("PersonType", "varchar(2)", required=True),
    RawField("NameStyle", "int"),
    RawField("Title", "varchar(8)"),
    RawField("FirstName", "varchar(50)", required=True),
    RawField("MiddleName", "varchar(50)"),
    RawField("LastName", "varchar(50)", required=True),
    RawField("Suffix", "varchar(10)"),
    RawField("EmailPromotion", "int"),
    RawField("AdditionalContactInfo"),
    RawField("Demographics"),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

RAW_PRODUCT = _export(
    "product", "Production.Product.csv",
    RawField("ProductID", "int", required=True),
    RawField("Name", "varchar(50)", required=True),
    RawField("ProductNumber", "varchar(25)", required=True),
    RawField("MakeFlag", "int", required=True),
    RawField("FinishedGoodsFlag", "int", required=True),
    RawField("Color", "varchar(15)"),
    RawField("SafetyStockLevel", "int"),
    RawField("ReorderPoint", "int"),
    _money("StandardCost", required=True),
    _money("ListPrice", required=True),
    RawField("Size", "varchar(5)"),
    RawField("SizeUnitMeasureCode", "varchar(3)"),
    RawField("WeightUnitMeasureCode", "varchar(3)"),
    RawField("Weight", "decimal(8,2)"),  # decimal POINT, unlike the money columns beside it
    RawField("DaysToManufacture", "int", required=True),
    RawField("ProductLine", "varchar(2)"),
    RawField("Class", "varchar(2)"),
    RawField("Style", "varchar(2)"),
    RawField("ProductSubcategoryID", "int"),
    RawField("ProductModelID", "int"),
    _stamp("SellStartDate", "date", required=True),
    _stamp("SellEndDate", "date"),
    _stamp("DiscontinuedDate", "date"),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

RAW_CUSTOMER = _export(
    "customer", "Sales.Customer.csv",
    RawField("CustomerID", "int", required=True),
    RawField("PersonID", "int"),
    RawField("StoreID", "int"),
    RawField("TerritoryID", "int"),
    RawField("AccountNumber", "varchar(10)"),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

RAW_SALES_ORDER_HEADER = _export(
    "sales_order_header", "Sales.SalesOrderHeader.csv",
    RawField("SalesOrderID", "int", required=True),
    RawField("RevisionNumber", "int"),
    _stamp("OrderDate", "date", required=True),
    _stamp("DueDate", "date", required=True),
    _stamp("ShipDate", "date"),
    RawField("Status", "int", required=True),
    RawField("OnlineOrderFlag", "int", required=True),
    RawField("SalesOrderNumber", "varchar(25)"),
    RawField("PurchaseOrderNumber", "varchar(25)"),
    RawField("AccountNumber", "varchar(15)"),
    RawField("CustomerID", "int", required=True),
    RawField("SalesPersonID", "int"),
    RawField("TerritoryID", "int"),
    RawField("BillToAddressID", "int"),
    RawField("ShipToAddressID", "int"),
    RawField("ShipMethodID", "int"),
    RawField("CreditCardID", "int"),
    RawField("CreditCardApprovalCode", "varchar(15)"),
    RawField("CurrencyRateID", "int"),
    _money("SubTotal", required=True),
    _money("TaxAmt", required=True),
    _money("Freight", required=True),
    _money("TotalDue", required=True),
    RawField("Comment", "varchar(128)"),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

RAW_SALES_ORDER_DETAIL = _export(
    "sales_order_detail", "Sales.SalesOrderDetail.csv",
    RawField("SalesOrderID", "int", required=True),
    RawField("SalesOrderDetailID", "int", required=True),
    RawField("CarrierTrackingNumber", "varchar(25)"),
    RawField("OrderQty", "int", required=True),
    RawField("ProductID", "int", required=True),
    RawField("SpecialOfferID", "int", required=True),
    _money("UnitPrice", required=True),
    _money("UnitPriceDiscount", required=True),
    RawField("LineTotal", LINE_TOTAL, required=True, decimal_separator=","),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

RAW_SPECIAL_OFFER_PRODUCT = _export(
    "special_offer_product", "Sales.SpecialOfferProduct.csv",
    RawField("SpecialOfferID", "int", required=True),
    RawField("ProductID", "int", required=True),
    _ROWGUID,
    _stamp("ModifiedDate"),
)

SOURCES = (RAW_PERSON, RAW_PRODUCT, RAW_CUSTOMER, RAW_SALES_ORDER_HEADER, RAW_SALES_ORDER_DETAIL,
           RAW_SPECIAL_OFFER_PRODUCT)

# Natural key of every source: later copies of a key are quarantined by staging.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    RAW_PERSON.name: ("BusinessEntityID",),
    RAW_PRODUCT.name: ("ProductID",),
    RAW_CUSTOMER.name: ("CustomerID",),
    RAW_SALES_ORDER_HEADER.name: ("SalesOrderID",),
    RAW_SALES_ORDER_DETAIL.name: ("SalesOrderID", "SalesOrderDetailID"),
    RAW_SPECIAL_OFFER_PRODUCT.name: ("SpecialOfferID", "ProductID"),
}

# ---- code lists (AdventureWorks documentation) ----

PRODUCT_LINES = {"R": "Road", "M": "Mountain", "T": "Touring", "S": "Standard"}
PRODUCT_CLASSES = {"H": "High", "M": "Medium", "L": "Low"}
PRODUCT_STYLES = {"W": "Women's", "M": "Men's", "U": "Universal"}
ORDER_STATUSES = {1: "In process", 2: "Approved", 3: "Backordered", 4: "Rejected", 5: "Shipped",
                  6: "Cancelled"}
# Exact conversion factors to kilograms (the pound is defined as 0.45359237 kg).
KG_PER_WEIGHT_UNIT = {"G": "0.001", "KG": "1", "LB": "0.45359237", "OZ": "0.028349523125"}
LETTER_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
CENT = "0.01"  # the tolerance of every money reconciliation: "less than a cent apart"

# ---- warehouse tables ----

DIM_PRODUCT = dimension_spec(
    name="dim_product",
    grain="One row per product (ProductID); key product_key (-1 = unknown product).",
    description="All 504-ish catalogue products, sold or not (parts have ListPrice 0). Category and "
                "subcategory names are not in the export (no ProductSubcategory / ProductCategory file): "
                "only their ids are kept.",
    columns=(
        Column("product_key", "bigint", False, "xxhash64 of ProductID"),
        Column("product_id", "int", False, "ProductID (-1 for the unknown member)"),
        Column("product_name", "varchar(50)", False, "Name"),
        Column("product_number", "varchar(25)", False, "ProductNumber, e.g. BK-R93R-62"),
        Column("is_manufactured", "boolean", True, "MakeFlag: made in-house (true) or purchased"),
        Column("is_finished_good", "boolean", True, "FinishedGoodsFlag: salable (true) or a part"),
        Column("color", "varchar(15)", True, "Colour"),
        Column("safety_stock_level", "int", True, "Minimum inventory quantity"),
        Column("reorder_point", "int", True, "Inventory level that triggers a purchase order"),
        Column("standard_cost", "decimal(19,4)", True, "Standard cost (money, exact)"),
        Column("list_price", "decimal(19,4)", True, "Selling price (money, exact); 0 for parts"),
        Column("has_list_price", "boolean", True, "ListPrice > 0 (200 parts have none)"),
        Column("size", "varchar(5)", True, "Size as sent: a number (CM) or S/M/L/XL"),
        Column("size_type", "varchar(7)", True, "numeric, letter or other; null without a size"),
        Column("size_numeric", "int", True, "The size as a number when size_type is numeric"),
        Column("size_unit", "varchar(3)", True, "SizeUnitMeasureCode, e.g. CM"),
        Column("weight", "decimal(8,2)", True, "Weight as sent, in weight_unit"),
        Column("weight_unit", "varchar(3)", True, "WeightUnitMeasureCode as sent: G or LB"),
        Column("weight_kg", "decimal(12,6)", True,
               "Weight in kilograms (G / 1000, LB x 0.45359237), rounded to the milligram"),
        Column("days_to_manufacture", "int", True, "Days to manufacture the product"),
        Column("product_line", "varchar(1)", True, "R, M, T or S"),
        Column("product_line_name", "varchar(10)", True, "Road, Mountain, Touring, Standard"),
        Column("class", "varchar(1)", True, "H, M or L"),
        Column("class_name", "varchar(10)", True, "High, Medium, Low"),
        Column("style", "varchar(1)", True, "W, M or U"),
        Column("style_name", "varchar(10)", True, "Women's, Men's, Universal"),
        Column("product_subcategory_id", "int", True, "ProductSubcategoryID (names not exported)"),
        Column("product_model_id", "int", True, "ProductModelID"),
        Column("sell_start_date", "date", True, "First day on sale"),
        Column("sell_end_date", "date", True, "Last day on sale (null: still on sale)"),
        Column("discontinued_date", "date", True, "Day discontinued"),
    ),
    key="product_key",
    natural_key=("product_id",),
    checks=(
        AcceptedValues("weight_unit", tuple(KG_PER_WEIGHT_UNIT), "warning"),
        AcceptedValues("size_type", ("numeric", "letter", "other")),
        AcceptedValues("product_line", tuple(PRODUCT_LINES), "warning"),
        AcceptedValues("class", tuple(PRODUCT_CLASSES), "warning"),
        AcceptedValues("style", tuple(PRODUCT_STYLES), "warning"),
        InRange("list_price", 0, None),
        InRange("days_to_manufacture", 0, 365),
        Expression("a weight has a unit it can be converted from", "weight IS NULL OR weight_kg IS NOT NULL",
                   "warning"),
    ),
)

DIM_CUSTOMER = dimension_spec(
    name="dim_customer",
    grain="One row per customer (CustomerID); key customer_key (-1 = unknown customer).",
    description="Individuals carry their person's name; stores have no name in the export (no Store "
                "file): a store with a contact person carries the contact's name, a store without one "
                "is named 'Store <StoreID>'. Different customers may share a name.",
    columns=(
        Column("customer_key", "bigint", False, "xxhash64 of CustomerID"),
        Column("customer_id", "int", False, "CustomerID (-1 for the unknown member)"),
        Column("customer_type", "varchar(10)", False, "individual (no StoreID), store, or unknown"),
        Column("customer_name", "varchar(200)", False,
               "The person's full name, else 'Store <StoreID>'; 'Unknown' for the unknown member"),
        Column("person_id", "int", True, "PersonID (-> Person.BusinessEntityID)"),
        Column("store_id", "int", True, "StoreID"),
        Column("territory_id", "int", True, "TerritoryID"),
        Column("account_number", "varchar(10)", True, "AccountNumber, e.g. AW00011000"),
        Column("person_type", "varchar(2)", True, "IN individual, SC store contact, ..."),
        Column("title", "varchar(8)", True, "Courtesy title"),
        Column("first_name", "varchar(50)", True, "First name"),
        Column("middle_name", "varchar(50)", True, "Middle name or initial"),
        Column("last_name", "varchar(50)", True, "Last name"),
        Column("suffix", "varchar(10)", True, "Suffix, e.g. Jr."),
        Column("full_name", "varchar(200)", True, "First, middle, last name and suffix"),
        Column("email_promotion", "int", True, "0 none, 1 AdventureWorks, 2 partners"),
    ),
    key="customer_key",
    natural_key=("customer_id",),
    checks=(
        AcceptedValues("customer_type", ("individual", "store", "unknown")),
        Expression("a customer's PersonID is a known person", "person_id IS NULL OR last_name IS NOT NULL",
                   "warning"),
    ),
)

DIM_SPECIAL_OFFER = dimension_spec(
    name="dim_special_offer",
    grain="One row per special offer and product it applies to (SpecialOfferID, ProductID); key "
          "special_offer_key (-1 = unknown offer/product pair).",
    description="From Sales.SpecialOfferProduct: there is no SpecialOffer file, so the offer's "
                "description, type, category, dates and quantity limits are unknown. What can be derived: "
                "how many products the offer covers and, from the order lines, the discount(s) actually "
                "granted under it.",
    columns=(
        Column("special_offer_key", "bigint", False, "xxhash64 of (SpecialOfferID, ProductID)"),
        Column("special_offer_id", "int", False, "SpecialOfferID (-1 for the unknown member)"),
        Column("product_id", "int", False, "ProductID (-1 for the unknown member)"),
        Column("product_key", "bigint", False, "-> dim_product (-1 unknown)"),
        Column("offer_product_count", "int", True, "Products the offer applies to"),
        Column("offer_discount_min", "decimal(19,4)", True,
               "Smallest UnitPriceDiscount on order lines under this offer (null: never used)"),
        Column("offer_discount_max", "decimal(19,4)", True, "Largest UnitPriceDiscount under this offer"),
        Column("offer_line_count", "bigint", True, "Order lines sold under this offer (any product)"),
        Column("modified_at", "timestamp", True, "ModifiedDate of the offer/product pair"),
    ),
    key="special_offer_key",
    natural_key=("special_offer_id", "product_id"),
    # product_key -> dim_product is not declared as a ForeignKey: the shared resolved() rule would
    # count this dimension's own unknown member (whose product_key is -1 by definition).
    checks=(
        InRange("offer_discount_min", 0, 1),
        InRange("offer_discount_max", 0, 1),
        Expression("an offer's product is a known product", "special_offer_key = -1 OR product_key <> -1",
                   "warning"),
    ),
)

FACT_SALES_ORDER = TableSpec(
    name="fact_sales_order",
    grain="One row per sales order (SalesOrderID); key sales_order_key.",
    description="Order header amounts as sent, with the lines' reconciliation: line_count, "
                "lines_total and whether SubTotal matches the lines. Replaced as a whole by every "
                "export (it is a full extract).",
    columns=(
        Column("sales_order_key", "bigint", False, "xxhash64 of SalesOrderID"),
        Column("sales_order_id", "int", False, "SalesOrderID"),
        Column("sales_order_number", "varchar(25)", True, "SalesOrderNumber, e.g. SO43659"),
        Column("revision_number", "int", True, "RevisionNumber"),
        Column("order_date_key", "int", False, "-> dim_date"),
        Column("due_date_key", "int", False, "-> dim_date"),
        Column("ship_date_key", "int", False, "-> dim_date (-1: not shipped)"),
        Column("order_date", "date", False, "OrderDate"),
        Column("due_date", "date", False, "DueDate"),
        Column("ship_date", "date", True, "ShipDate"),
        Column("status", "int", False, "1-6"),
        Column("status_name", "varchar(12)", True, "In process, Approved, Backordered, Rejected, Shipped, "
                                                   "Cancelled"),
        Column("is_online_order", "boolean", False, "OnlineOrderFlag: placed by the customer online"),
        Column("customer_key", "bigint", False, "-> dim_customer (-1 unknown)"),
        Column("customer_id", "int", False, "CustomerID as sent"),
        Column("sales_person_id", "int", True, "SalesPersonID"),
        Column("territory_id", "int", True, "TerritoryID"),
        Column("ship_method_id", "int", True, "ShipMethodID"),
        Column("bill_to_address_id", "int", True, "BillToAddressID"),
        Column("ship_to_address_id", "int", True, "ShipToAddressID"),
        Column("currency_rate_id", "int", True, "CurrencyRateID"),
        Column("purchase_order_number", "varchar(25)", True, "Customer's purchase order number"),
        Column("account_number", "varchar(15)", True, "Financial account number"),
        Column("sub_total", "decimal(19,4)", False, "SubTotal (money, exact)"),
        Column("tax_amt", "decimal(19,4)", False, "TaxAmt"),
        Column("freight", "decimal(19,4)", False, "Freight"),
        Column("total_due", "decimal(19,4)", False, "TotalDue = SubTotal + TaxAmt + Freight"),
        Column("line_count", "int", False, "Detail lines loaded for the order"),
        Column("lines_total", "decimal(38,6)", True, "Sum of the lines' LineTotal (null: no lines)"),
        Column("subtotal_deviation", "decimal(38,6)", False, "sub_total - lines_total (0 lines: sub_total)"),
        Column("subtotal_matches_lines", "boolean", False, "sub_total and lines_total less than a cent apart"),
    ),
    primary_key=("sales_order_key",),
    natural_key=("sales_order_id",),
    foreign_keys=(
        ForeignKey("order_date_key", DIM_DATE.name, "date_key"),
        ForeignKey("due_date_key", DIM_DATE.name, "date_key"),
        ForeignKey("customer_key", DIM_CUSTOMER.name, "customer_key"),
    ),
    load_mode="replace_all",
    diststyle="KEY",
    distkey="sales_order_key",
    sortkey=("order_date_key",),
    checks=(
        AcceptedValues("status", tuple(ORDER_STATUSES), "warning"),
        InRange("sub_total", 0, None),
        Expression("total_due = sub_total + tax_amt + freight", "total_due = sub_total + tax_amt + freight"),
        Expression("sub_total equals the sum of the order's line totals (within a cent)",
                   "subtotal_matches_lines", "warning"),
    ),
)

FACT_SALES_ORDER_LINE = TableSpec(
    name="fact_sales_order_line",
    grain="One row per sales order detail line (SalesOrderID, SalesOrderDetailID); key "
          "sales_order_line_key.",
    description="Quantity, unit price, discount and line total of every line, with the order's date and "
                "customer. Lines whose order is missing are quarantined; an offer/product pair missing from "
                "SpecialOfferProduct points at the unknown offer (-1) and is counted. Replaced as a whole "
                "by every export.",
    columns=(
        Column("sales_order_line_key", "bigint", False, "xxhash64 of (SalesOrderID, SalesOrderDetailID)"),
        Column("sales_order_key", "bigint", False, "-> fact_sales_order"),
        Column("sales_order_id", "int", False, "SalesOrderID"),
        Column("sales_order_detail_id", "int", False, "SalesOrderDetailID"),
        Column("order_date_key", "int", False, "The order's date -> dim_date"),
        Column("order_date", "date", False, "The order's OrderDate"),
        Column("customer_key", "bigint", False, "The order's customer -> dim_customer (-1 unknown)"),
        Column("product_key", "bigint", False, "-> dim_product (-1 unknown)"),
        Column("product_id", "int", False, "ProductID as sent"),
        Column("special_offer_key", "bigint", False, "-> dim_special_offer (-1: pair not in SpecialOfferProduct)"),
        Column("special_offer_id", "int", False, "SpecialOfferID as sent"),
        Column("carrier_tracking_number", "varchar(25)", True, "Shipment tracking number"),
        Column("order_qty", "int", False, "Quantity ordered"),
        Column("unit_price", "decimal(19,4)", False, "Selling price of one unit (money, exact)"),
        Column("unit_price_discount", "decimal(19,4)", False, "Discount as a fraction, e.g. 0.1000"),
        Column("line_total", "decimal(38,6)", False, "OrderQty x UnitPrice x (1 - UnitPriceDiscount), as sent"),
    ),
    primary_key=("sales_order_line_key",),
    natural_key=("sales_order_id", "sales_order_detail_id"),
    foreign_keys=(
        ForeignKey("order_date_key", DIM_DATE.name, "date_key"),
        ForeignKey("customer_key", DIM_CUSTOMER.name, "customer_key"),
        ForeignKey("product_key", DIM_PRODUCT.name, "product_key"),
        ForeignKey("special_offer_key", DIM_SPECIAL_OFFER.name, "special_offer_key"),
    ),
    load_mode="replace_all",
    diststyle="KEY",
    distkey="sales_order_key",
    sortkey=("order_date_key", "product_key"),
    checks=(
        InRange("order_qty", 1, None),
        InRange("unit_price_discount", 0, 1),
        Expression("line_total = order_qty x unit_price x (1 - unit_price_discount) within a cent",
                   f"abs(line_total - order_qty * unit_price * (1 - unit_price_discount)) < {CENT}"),
    ),
)

TABLES = (DIM_DATE, DIM_PRODUCT, DIM_CUSTOMER, DIM_SPECIAL_OFFER, FACT_SALES_ORDER, FACT_SALES_ORDER_LINE)
VIEWS = (
    "rox_q1_orders_with_3plus_lines",
    "rox_q2_top_products_by_quantity",
    "rox_q2b_top_products_per_days_to_manufacture",
    "rox_q3_orders_per_customer",
    "rox_q4_quantity_per_product_per_day",
    "rox_q5_sept_2011_orders_over_1000",
    "daily_sales",
)
