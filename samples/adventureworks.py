"""Synthetic AdventureWorks ("Rox" bike maker) ERP export: six hostile CSV files.

Writes ``Person.Person.csv``, ``Production.Product.csv``, ``Sales.Customer.csv``,
``Sales.SalesOrderHeader.csv``, ``Sales.SalesOrderDetail.csv`` and
``Sales.SpecialOfferProduct.csv`` with the AdventureWorks columns, in the format of the real
export (see ../shared/data/README.md):

* ``;`` delimiter, UTF-8 **with BOM**, CRLF after every line (the last one included);
* nulls as the literal ``NULL``; datetimes as ``2011-05-31 00:00:00.000``;
* money with a decimal **comma**: product prices like the real file (``1431,50``,
  ``13,0863``: 2 to 4 decimals), order money with 4 decimals (``3953,9884``), ``LineTotal``
  with the 6 decimals of its numeric(38,6) source type (``2024,994000``); ``Weight`` keeps a
  decimal **point** (``20.42``) and mixes units (``"G  "`` / ``"LB "``);
* CHAR columns space-padded and therefore quoted (``"CM "``, ``"R "``), values holding a quote
  quoted with doubled quotes (the XML ``Demographics``), as the exporting tool does.

Keys are consistent: every detail line's order exists, its (SpecialOfferID, ProductID) is in
the special-offer products, every order's customer exists and every customer's PersonID is a
person. ``LineTotal = OrderQty × UnitPrice × (1 − UnitPriceDiscount)`` rounded to 6 decimals
(as SQL Server computes the column), ``SubTotal`` = the lines' sum rounded to 4 decimals,
``TaxAmt`` 8 % and ``Freight`` 2.5 % of it, ``TotalDue = SubTotal + TaxAmt + Freight``
exactly. Like the real data, about 0.5 % of the orders have a ``SubTotal`` 2 to 99 cents off
the sum of their lines (:data:`SUBTOTAL_DEVIATION_RATE`).

The product catalogue (504 products) and the special-offer products (~540 pairs) are fixed;
persons, customers and orders scale with ``scale`` (1 ≈ 31 k orders, 121 k lines) and depend
on ``seed``. All money is integer arithmetic (1/10,000 and 1/1,000,000 units): no float ever
touches a written amount. Same ``(scale, seed)``, same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FILES = {
    "person": "Person.Person.csv",
    "product": "Production.Product.csv",
    "customer": "Sales.Customer.csv",
    "sales_order_header": "Sales.SalesOrderHeader.csv",
    "sales_order_detail": "Sales.SalesOrderDetail.csv",
    "special_offer_product": "Sales.SpecialOfferProduct.csv",
}
HEADERS: dict[str, tuple[str, ...]] = {
    "person": ("BusinessEntityID", "PersonType", "NameStyle", "Title", "FirstName", "MiddleName",
               "LastName", "Suffix", "EmailPromotion", "AdditionalContactInfo", "Demographics",
               "rowguid", "ModifiedDate"),
    "product": ("ProductID", "Name", "ProductNumber", "MakeFlag", "FinishedGoodsFlag", "Color",
                "SafetyStockLevel", "ReorderPoint", "StandardCost", "ListPrice", "Size",
                "SizeUnitMeasureCode", "WeightUnitMeasureCode", "Weight", "DaysToManufacture",
                "ProductLine", "Class", "Style", "ProductSubcategoryID", "ProductModelID",
                "SellStartDate", "SellEndDate", "DiscontinuedDate", "rowguid", "ModifiedDate"),
    "customer": ("CustomerID", "PersonID", "StoreID", "TerritoryID", "AccountNumber", "rowguid",
                 "ModifiedDate"),
    "sales_order_header": (
        "SalesOrderID", "RevisionNumber", "OrderDate", "DueDate", "ShipDate", "Status",
        "OnlineOrderFlag", "SalesOrderNumber", "PurchaseOrderNumber", "AccountNumber", "CustomerID",
        "SalesPersonID", "TerritoryID", "BillToAddressID", "ShipToAddressID", "ShipMethodID",
        "CreditCardID", "CreditCardApprovalCode", "CurrencyRateID", "SubTotal", "TaxAmt", "Freight",
        "TotalDue", "Comment", "rowguid", "ModifiedDate"),
    "sales_order_detail": ("SalesOrderID", "SalesOrderDetailID", "CarrierTrackingNumber", "OrderQty",
                           "ProductID", "SpecialOfferID", "UnitPrice", "UnitPriceDiscount", "LineTotal",
                           "rowguid", "ModifiedDate"),
    "special_offer_product": ("SpecialOfferID", "ProductID", "rowguid", "ModifiedDate"),
}

#: Volumes of the real export; ``scale=1`` targets these.
FULL_ORDERS = 31_465
FULL_ONLINE_ORDERS = 27_659
FULL_INDIVIDUALS = 18_484
FULL_STORE_CONTACTS = 635
FULL_STORES_WITHOUT_PERSON = 701
SUBTOTAL_DEVIATION_RATE = 0.005

FIRST_ORDER_ID = 43_659
FIRST_DAY = dt.date(2011, 5, 31)
LAST_DAY = dt.date(2014, 6, 30)
ONLINE_BOOM = dt.date(2013, 7, 1)  # the web shop starts selling accessories and clothing
TAX_PERCENT, FREIGHT_PERMILLE = 8, 25
RESELLER_PRICE_PERCENT = 60  # resellers pay 60 % of list (3374,99 -> 2024,994)
_REFERENCE_SEED = 20140630  # catalogue and offers never change with the user's seed

NULL = "NULL"
BOM = "\ufeff"
CRLF = "\r\n"
MONEY = 10_000  # money is carried in 1/10,000 units (SQL Server money has 4 decimals)


# ---------------------------------------------------------------- formatting


def _text(value: str | None) -> str:
    """A string field as the exporter writes it: NULL, or quoted (quotes doubled) when it holds
    the delimiter, a quote, a line break or leading/trailing blanks."""
    if value is None:
        return NULL
    if any(c in value for c in ';"\r\n') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def _char(value: str | None, width: int) -> str:
    """A CHAR(n) column: space-padded to its width (and so quoted)."""
    return _text(None if value is None else value.ljust(width))


def _int(value: int | None) -> str:
    return NULL if value is None else str(int(value))


def _decimal(units: int, scale: int, *, min_decimals: int | None = None) -> str:
    """An exact decimal from integer units of 10^-scale, with a decimal comma. With
    ``min_decimals`` trailing zeros are trimmed down to that many (the product file's style)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(int(units)), 10**scale)
    digits = f"{frac:0{scale}d}"
    if min_decimals is not None:
        digits = digits.rstrip("0").ljust(min_decimals, "0")
    return f"{sign}{whole},{digits}" if digits else f"{sign}{whole}"


def _money(units: int | None) -> str:
    return NULL if units is None else _decimal(units, 4)


def _price(units: int) -> str:
    return _decimal(units, 4, min_decimals=2)


def _stamp(day: dt.date | None, time: str = "00:00:00.000") -> str:
    return NULL if day is None else f"{day.isoformat()} {time}"


def _guids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random upper-case rowguids (version-4 layout), drawn in one call."""
    blob = rng.bytes(16 * n).hex().upper()
    out = []
    for i in range(0, 32 * n, 32):
        h = blob[i:i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89AB'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}")
    return out


def _with_guids(rng: np.random.Generator, rows: list[list[str]], column: int) -> list[list[str]]:
    """Fill the rowguid column of every row."""
    for row, guid in zip(rows, _guids(rng, len(rows)), strict=True):
        row[column] = guid
    return rows


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write one export file: BOM, ';', CRLF after every line. Returns the data-row count."""
    lines = [";".join(header)]
    lines += [";".join(row) for row in rows]
    path.write_bytes((BOM + CRLF.join(lines) + CRLF).encode("utf-8"))
    return len(lines) - 1


# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Product:
    product_id: int
    name: str
    number: str
    make: int
    finished: int
    color: str | None
    safety_stock: int
    list_price: int  # 1/10,000
    standard_cost: int  # 1/10,000
    size: str | None
    size_unit: str | None
    weight_unit: str | None
    weight_hundredths: int | None
    days_to_manufacture: int
    line: str | None
    klass: str | None
    style: str | None
    subcategory: int | None
    model: int | None
    sell_start: dt.date
    sell_end: dt.date | None
    family: str  # bike, frame, component, clothing, accessory, part, assembly

    def on_sale(self, day: dt.date) -> bool:
        return self.sell_start <= day and (self.sell_end is None or day <= self.sell_end)


_D2008, _D2011, _D2012, _D2013 = (dt.date(2008, 4, 30), dt.date(2011, 5, 31), dt.date(2012, 5, 30),
                                  dt.date(2013, 5, 30))
_END2012, _END2013 = dt.date(2012, 5, 29), dt.date(2013, 5, 29)

# model, code, colours, sizes, list price(s) per colour, lb at the smallest size, line, class, style,
# subcategory, sell start, sell end
_BIKES = (
    ("Road-150", "BK-R93", ("Red",), (44, 48, 52, 56, 62), (3578_2700,), 1377, "R", "H", "U", 2, _D2011, _END2012),
    ("Road-250", "BK-R89", ("Red", "Black"), (44, 48, 52, 58), (2443_3500, 2443_3500), 1542, "R", "H", "U", 2,
     _D2012, _END2013),
    ("Road-350-W", "BK-R79", ("Yellow",), (40, 42, 44, 48), (1700_9900,), 1590, "R", "M", "W", 2, _D2013, None),
    ("Road-450", "BK-R68", ("Red",), (44, 48, 52, 58, 60), (1457_9900,), 1713, "R", "M", "U", 2, _D2011, _END2012),
    ("Road-550-W", "BK-R64", ("Yellow",), (38, 40, 42, 44, 48), (1120_4900,), 1790, "R", "M", "W", 2,
     _D2012, _END2013),
    ("Road-650", "BK-R50", ("Red", "Black"), (44, 48, 52, 58, 60, 62), (782_9900, 782_9900), 1913, "R", "L",
     "U", 2, _D2011, _END2013),
    ("Road-750", "BK-R19", ("Black",), (44, 48, 52, 58), (539_9900,), 1977, "R", "L", "U", 2, _D2013, None),
    ("Mountain-100", "BK-M82", ("Silver", "Black"), (38, 42, 44, 48), (3399_9900, 3374_9900), 2035, "M", "H",
     "U", 1, _D2011, _END2012),
    ("Mountain-200", "BK-M68", ("Silver", "Black"), (38, 42, 46), (2319_9900, 2294_9900), 2313, "M", "H", "U", 1,
     _D2012, None),
    ("Mountain-300", "BK-M47", ("Black",), (38, 40, 44, 48), (1079_9900,), 2513, "M", "M", "U", 1,
     _D2012, _END2013),
    ("Mountain-400-W", "BK-M38", ("Silver",), (38, 40, 42, 46), (769_4900,), 2613, "M", "M", "W", 1, _D2013, None),
    ("Mountain-500", "BK-M18", ("Silver", "Black"), (40, 42, 44, 48, 52), (564_9900, 539_9900), 2642, "M", "L",
     "U", 1, _D2013, None),
    ("Touring-1000", "BK-T79", ("Yellow", "Blue"), (46, 50, 54, 60), (2384_0700, 2384_0700), 2513, "T", "H", "U",
     3, _D2013, None),
    ("Touring-2000", "BK-T44", ("Blue",), (46, 50, 54, 60), (1214_8500,), 2690, "T", "M", "U", 3, _D2013, None),
    ("Touring-3000", "BK-T18", ("Yellow", "Blue"), (44, 50, 54, 58, 62), (742_3500, 742_3500), 2913, "T", "L", "U",
     3, _D2013, None),
)
_FRAMES = (
    ("HL Road Frame", "FR-R92", ("Red", "Black"), (44, 48, 52, 56, 58, 62), (1431_5000, 1431_5000), 212, "R", "H",
     "U", 14, _D2011, None),
    ("ML Road Frame", "FR-R72", ("Red",), (44, 48, 52, 58, 60), (594_8300,), 216, "R", "M", "U", 14,
     _D2011, _END2012),
    ("ML Road Frame-W", "FR-R72Y", ("Yellow",), (38, 40, 42, 44, 48), (594_8300,), 216, "R", "M", "W", 14,
     _D2012, None),
    ("LL Road Frame", "FR-R38", ("Red", "Black"), (44, 48, 52, 58, 60, 62), (337_2200, 337_2200), 268, "R", "L",
     "U", 14, _D2011, None),
    ("HL Mountain Frame", "FR-M94", ("Silver", "Black"), (38, 42, 44, 46, 48), (1364_5000, 1349_6000), 236, "M",
     "H", "U", 12, _D2011, None),
    ("ML Mountain Frame", "FR-M63", ("Black",), (38, 40, 42, 44, 48), (348_7600,), 264, "M", "M", "U", 12,
     _D2011, _END2012),
    ("ML Mountain Frame-W", "FR-M63S", ("Silver",), (38, 40, 42, 46), (364_0900,), 264, "M", "M", "W", 12,
     _D2012, None),
    ("LL Mountain Frame", "FR-M21", ("Silver", "Black"), (40, 42, 44, 48, 52), (264_0500, 249_7900), 288, "M",
     "L", "U", 12, _D2012, None),
    ("HL Touring Frame", "FR-T98", ("Yellow", "Blue"), (46, 50, 54, 60), (1003_9100, 1003_9100), 300, "T", "H",
     "U", 16, _D2013, None),
    ("LL Touring Frame", "FR-T67", ("Yellow", "Blue"), (44, 50, 54, 58, 62), (333_4200, 333_4200), 316, "T", "L",
     "U", 16, _D2013, None),
)
# name, code, list price, grams (None: no weight), days, line, class, subcategory
_COMPONENTS = (
    *[(f"{q} {k} Handlebars", f"HB-{k[0]}{q[0]}", p, None, 2 if q == "HL" else 1, k[0], q[0], 4)
      for k, base in (("Mountain", 44_5400), ("Road", 44_5400), ("Touring", 46_0900))
      for q, p in (("LL", base), ("ML", base + 17_0000), ("HL", base + 76_0000))],
    *[(f"{q} Bottom Bracket", f"BB-{n}", p, g, 2 if q == "HL" else 1, None, q[0], 5)
      for q, n, p, g in (("LL", 7601, 53_9900, 22300), ("ML", 8107, 101_2400, 16800), ("HL", 9108, 121_4900, 17000))],
    ("Front Brakes", "FB-9873", 106_5000, 31700, 1, None, "H", 6),
    ("Rear Brakes", "RB-9231", 106_5000, 31700, 1, None, "H", 6),
    ("Chain", "CH-0234", 20_2400, None, 1, None, "M", 7),
    *[(f"{q} Crankset", f"CS-{n}", p, g, 2 if q == "HL" else 1, None, q[0], 8)
      for q, n, p, g in (("LL", 4759, 175_4900, 60000), ("ML", 6583, 256_4900, 63500), ("HL", 9183, 404_9900, 57500))],
    ("Front Derailleur", "FD-2342", 91_4900, 8800, 1, None, "M", 9),
    ("Rear Derailleur", "RD-2308", 121_4600, 21500, 1, None, "M", 9),
    *[(f"{q} Fork", f"FK-{n}", p, None, 2 if q == "HL" else 1, None, q[0], 10)
      for q, n, p in (("LL", 1639, 148_2200), ("ML", 5136, 175_4900), ("HL", 9160, 229_4900))],
    *[(f"{q} Headset", f"HS-{n}", p, None, 1, None, q[0], 11)
      for q, n, p in (("LL", "0296", 34_2000), ("ML", "2451", 102_2900), ("HL", "3410", 124_7300))],
    *[(f"{q} {k} Pedal", f"PD-{k[0]}{n}", p, g, 1, k[0], q[0], 13)
      for k, rows in (("Mountain", (("LL", 265, 40_4900, 21800), ("ML", 340, 62_0900, 21500),
                                    ("HL", 562, 80_9900, 18500))),
                      ("Road", (("LL", 268, 40_4900, 18900), ("ML", 380, 62_0900, 16800), ("HL", 563, 80_9900, 14900))))
      for q, n, p, g in rows],
    ("Touring Pedal", "PD-T852", 80_9900, None, 1, "T", "H", 13),
    *[(f"{q} {k} Seat/Saddle", f"SE-{k[0]}{n}", p, None, 1, k[0], q[0], 15)
      for k in ("Mountain", "Road", "Touring")
      for q, n, p in (("LL", 300, 27_1200), ("ML", 600, 39_1400), ("HL", 900, 52_6400))],
    *[(f"{q} {k} {e} Wheel", f"{e[0]}W-{k[0]}{n}", p, g, 1, k[0], q[0], 17)
      for k in ("Mountain", "Road")
      for e in ("Front", "Rear")
      for q, n, p, g in (("LL", 1000, 60_7450, 90000 if e == "Front" else 105000),
                         ("ML", 2000, 209_0250, 85000 if e == "Front" else 100000),
                         ("HL", 3000, 300_2150, 65000 if e == "Front" else 89000))],
)
# name, code, sizes, price, line, style, subcategory
_CLOTHING = (
    ("Long-Sleeve Logo Jersey", "LJ-0192", ("S", "M", "L", "XL"), 49_9900, "S", "U", 21),
    ("Short-Sleeve Classic Jersey", "SJ-0194", ("S", "M", "L", "XL"), 53_9900, "S", "U", 21),
    ("Women's Mountain Shorts", "SH-W890", ("S", "M", "L"), 69_9900, "M", "W", 22),
    ("Men's Sports Shorts", "SH-M897", ("S", "M", "L", "XL"), 59_9900, "S", "M", 22),
    ("Men's Bib-Shorts", "SB-M891", ("S", "M", "L"), 89_9900, "S", "M", 18),
    ("Classic Vest", "VE-C304", ("S", "M", "L"), 63_5000, "S", "U", 25),
    ("Women's Tights", "TG-W091", ("S", "M", "L"), 74_9900, "S", "W", 24),
    ("Half-Finger Gloves", "GL-H102", ("S", "M", "L"), 24_4900, "S", "U", 20),
    ("Full-Finger Gloves", "GL-F110", ("S", "M", "L"), 37_9900, "M", "U", 20),
    ("Mountain Bike Socks", "SO-B909", ("M", "L"), 9_5000, "M", "U", 23),
    ("Racing Socks", "SO-R809", ("M", "L"), 8_9900, "R", "U", 23),
    ("AWC Logo Cap", "CA-1098", (None,), 8_9900, "S", "U", 19),
)
# name, code, price, line, subcategory
_ACCESSORIES = (
    *[(f"Sport-100 Helmet, {c}", f"HL-U509{s}", 34_9900, "S", 31) for c, s in (("Red", "-R"), ("Black", ""),
                                                                              ("Blue", "-B"))],
    ("Water Bottle - 30 oz.", "WB-H098", 4_9900, "S", 28),
    ("Mountain Bottle Cage", "BC-M005", 9_9900, "M", 28),
    ("Road Bottle Cage", "BC-R205", 8_9900, "R", 28),
    ("Patch Kit/8 Patches", "PK-7098", 2_2900, "S", 37),
    ("Mountain Tire Tube", "TT-M928", 4_9900, "M", 37),
    ("Road Tire Tube", "TT-R982", 3_9900, "R", 37),
    ("Touring Tire Tube", "TT-T092", 4_9900, "T", 37),
    ("LL Mountain Tire", "TI-M267", 24_9900, "M", 37),
    ("ML Mountain Tire", "TI-M602", 29_9900, "M", 37),
    ("HL Mountain Tire", "TI-M823", 35_0000, "M", 37),
    ("LL Road Tire", "TI-R092", 21_4900, "R", 37),
    ("ML Road Tire", "TI-R628", 24_9900, "R", 37),
    ("HL Road Tire", "TI-R982", 32_6000, "R", 37),
    ("Touring Tire", "TI-T723", 28_9900, "T", 37),
    ("Bike Wash - Dissolver", "CL-9009", 7_9500, "S", 29),
    ("Fender Set - Mountain", "FE-6654", 21_9800, "M", 30),
    ("Hitch Rack - 4-Bike", "RA-H123", 120_0000, "S", 26),
    ("All-Purpose Bike Stand", "ST-1401", 159_0000, "M", 27),
    ("Hydration Pack - 70 oz.", "HY-1023-70", 54_9900, "S", 32),
    ("Headlights - Dual-Beam", "LT-H902", 34_9900, "S", 33),
    ("Headlights - Weatherproof", "LT-H903", 44_9900, "S", 33),
    ("Taillights - Battery-Powered", "LT-T990", 13_9900, "S", 33),
    ("Cable Lock", "LO-C100", 25_0000, "S", 34),
    ("Minipump", "PU-0452", 19_9900, "S", 36),
    ("Touring-Panniers, Large", "PA-T100", 125_0000, "T", 35),
)
_PART_NAMES = (
    "Adjustable Race", "Bearing Ball", "BB Ball Bearing", "Headset Ball Bearings", "Blade", "LL Crankarm",
    "ML Crankarm", "HL Crankarm", "Chainring Bolts", "Chainring Nut", "Chainring", "Crown Race", "Chain Stays",
    "Decal 1", "Decal 2", "Down Tube", "Mountain End Caps", "Road End Caps", "Touring End Caps", "Fork End",
    "Freewheel", "Guide Pulley", "Tension Pulley", "HL Grip Tape", "ML Grip Tape", "LL Grip Tape", "Keyed Washer",
    "Lower Head Race", "Upper Head Race", "Headset Nut", "Pinch Bolt", "Stem", "Steerer", "Seat Lug", "Seat Post",
    "Seat Stays", "Seat Tube", "Top Tube", "Spokes", "Handlebar Tube", "Head Tube", "Reflector", "LL Shell",
    "HL Shell", "Front Derailleur Cage", "Rear Derailleur Cage", "Front Derailleur Linkage", "Cone-Shaped Race",
    "Cup-Shaped Race", "Hub Cup", "Touring Rim", "LL Mountain Rim", "ML Mountain Rim", "HL Mountain Rim",
    "LL Road Rim", "ML Road Rim", "HL Road Rim", "LL Hub", "HL Hub", "Paint - Black", "Paint - Red",
    "Paint - Silver", "Paint - Blue", "Paint - Yellow", "Mountain Seat/Saddle 1", "Road Seat/Saddle 1",
    "Touring Seat/Saddle 1", "Front Derailleur Pulley", "Rear Derailleur Pulley", "Bearing Cage",
    "Bottom Bracket Shell", "Crank Arm Bolt", "Derailleur Hanger", "Dropout", "Fork Crown", "Fork Blade",
    "Headset Cup", "Hub Shell", "Nipple", "Rim Tape", "Seat Clamp", "Stem Cap",
    *[f"{kind} {i}" for kind, n in (("Flat Washer", 9), ("Lock Washer", 13), ("Hex Nut", 23),
                                     ("Thin-Jam Hex Nut", 16), ("Thin-Jam Lock Nut", 16),
                                     ("Internal Lock Washer", 10), ("External Lock Washer", 9),
                                     ("Metal Sheet", 7), ("Metal Plate", 3), ("Metal Bar", 2),
                                     ("Cable Guide", 3), ("Chain Link", 2), ("Lag Bolt", 4),
                                     ("Cotter Pin", 3))
      for i in range(1, n + 1)],
)
_RIM_GRAMS = {"Touring Rim": 46000, "LL Mountain Rim": 43500, "ML Mountain Rim": 45000, "HL Mountain Rim": 40000,
              "LL Road Rim": 44500, "ML Road Rim": 45000, "HL Road Rim": 40000}
N_PARTS = 200


def _cost(rng: np.random.Generator, price: int, low: float = 0.35, high: float = 0.62) -> int:
    """A standard cost below the list price, in 1/10,000 (4 decimals, like the real file)."""
    return int(price * rng.uniform(low, high))


def build_catalogue() -> tuple[Product, ...]:
    """The fixed 504-product catalogue: 200 parts with ListPrice 0, 9 seat assemblies (priced,
    not finished goods, never sold) and 295 finished goods (bikes and frames in numeric CM sizes
    and LB weights, components with G weights, clothing in S/M/L/XL, accessories)."""
    rng = np.random.default_rng(_REFERENCE_SEED)
    out: list[Product] = []
    used_numbers: set[str] = set()

    def number(prefix: str) -> str:
        while True:
            candidate = f"{prefix}-{rng.integers(0, 10_000):04d}"
            if candidate not in used_numbers:
                used_numbers.add(candidate)
                return candidate

    ids = iter([*range(1, 5), *range(316, 536), *range(679, 1100)])
    for name in _PART_NAMES[:N_PARTS]:
        make = int(rng.random() < 0.45)
        grams = _RIM_GRAMS.get(name)
        out.append(Product(
            next(ids), name, number("".join(w[0] for w in name.split()[:2]).upper().ljust(2, "X")), make, 0,
            "Black" if "Crankarm" in name else ("Silver" if "Derailleur" in name else None),
            int(rng.choice((1000, 800, 500))), 0, 0, None, None, "G" if grams else None, grams,
            make if grams is None else 0, None, name[0] if name[:2] in ("LL", "ML", "HL") else None, None,
            None, None, _D2008, None, "part"))
    for quality in ("LL", "ML", "HL"):
        for kind in ("Mountain", "Road", "Touring"):
            price = {"LL": 133_3400, "ML": 147_1400, "HL": 196_9200}[quality]
            out.append(Product(next(ids), f"{quality} {kind} Seat Assembly", number("SA"), 1, 0, None, 500, price,
                               _cost(rng, price, 0.6, 0.75), None, None, None, None, 1, kind[0], quality[0], None,
                               None, None, _D2008, None, "assembly"))
    for family, rows, days, safety in (("bike", _BIKES, 4, 100), ("frame", _FRAMES, 1, 500)):
        for model_no, (model, code, colours, sizes, prices, lb, line, klass, style, sub, start, end) in enumerate(
                rows, start=1 if family == "bike" else 40):
            for colour, price in zip(colours, prices, strict=True):
                cost = _cost(rng, price, 0.55, 0.7)
                for k, size in enumerate(sizes):
                    out.append(Product(
                        next(ids), f"{model} - {colour}, {size}" if family == "frame" else f"{model} {colour}, {size}",
                        f"{code}{colour[0]}-{size}", 1, 1, colour, safety, price, cost, str(size), "CM", "LB",
                        lb + 8 * k + int(rng.integers(0, 4)), days, line, klass,
                        style, sub, model_no, start, end, family))
    for name, code, price, grams, days, line, klass, sub in _COMPONENTS:
        out.append(Product(next(ids), name, code, 1, 1, "Black" if rng.random() < 0.4 else None, 500, price,
                           _cost(rng, price), None, None, "G" if grams else None, grams, days, line, klass, None, sub,
                           60 + sub, _D2011 if rng.random() < 0.5 else _D2012, None, "component"))
    for name, code, sizes, price, line, style, sub in _CLOTHING:
        for size in sizes:
            out.append(Product(next(ids), name if size is None else f"{name}, {size}",
                               code if size is None else f"{code}-{size}", 0, 1, "Multi" if "Jersey" in name else
                               ("White" if "Socks" in name else "Black"), 4, price, _cost(rng, price), size, None,
                               None, None, 0, line, None, style, sub, 80 + sub, _D2011 if price > 30_0000 else _D2013,
                               _END2012 if "Socks" in name and size == "M" else None, "clothing"))
    for name, code, price, line, sub in _ACCESSORIES:
        out.append(Product(next(ids), name, code, 0, 1, ("Red" if "Red" in name else "Black" if "Black" in name
                                                         else "Blue" if "Blue" in name else None),
                           4, price, _cost(rng, price), None, None, None, None, 0, line, None, None, sub, 100 + sub,
                           _D2011 if "Helmet" in name else _D2013, None, "accessory"))
    return tuple(out)


@dataclass(frozen=True)
class Offer:
    offer_id: int
    discount: int  # 1/10,000 (UnitPriceDiscount is money)
    min_qty: int
    start: dt.date
    end: dt.date
    product_ids: tuple[int, ...]


def build_offers(catalogue: Sequence[Product]) -> tuple[Offer, ...]:
    """The special offers and the products each applies to (Sales.SpecialOfferProduct): offer 1
    (no discount) covers every finished good; 2-5 are reseller volume discounts; 7-16 promotions."""
    rng = np.random.default_rng(_REFERENCE_SEED + 1)
    finished = [p for p in catalogue if p.finished]

    def pick(pool: Sequence[Product], n: int) -> tuple[int, ...]:
        chosen = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
        return tuple(sorted(pool[i].product_id for i in chosen))

    def named(prefix: str, colour: str = "") -> tuple[int, ...]:
        return tuple(p.product_id for p in finished if p.name.startswith(prefix) and colour in p.name)

    volume_pool = [p for p in finished if p.family in ("bike", "clothing", "accessory", "frame")]
    far = dt.date(2014, 12, 31)
    return (
        Offer(1, 0, 0, dt.date(2011, 5, 1), far, tuple(p.product_id for p in finished)),
        Offer(2, 200, 11, dt.date(2011, 5, 31), far, pick(volume_pool, 111)),
        Offer(3, 500, 15, dt.date(2011, 5, 31), far, pick(volume_pool, 55)),
        Offer(4, 1000, 25, dt.date(2011, 5, 31), far, pick(volume_pool, 17)),
        Offer(5, 1500, 41, dt.date(2011, 5, 31), far, pick(volume_pool, 2)),
        Offer(7, 3500, 0, dt.date(2012, 4, 13), dt.date(2012, 5, 29), named("Mountain-100")),
        Offer(8, 1000, 0, dt.date(2012, 5, 30), dt.date(2012, 6, 29), named("Sport-100")),
        Offer(9, 3000, 0, dt.date(2012, 5, 30), dt.date(2012, 7, 30), named("Road-650 Black, 44")),
        Offer(10, 5000, 0, dt.date(2013, 5, 14), dt.date(2013, 7, 29),
              tuple(p.product_id for p in finished if p.name.endswith("Mountain Tire"))),
        Offer(11, 1500, 0, dt.date(2013, 5, 30), dt.date(2013, 6, 29), named("Sport-100")),
        Offer(12, 3500, 0, dt.date(2013, 5, 30), dt.date(2013, 7, 14), named("LL Road Frame")),
        Offer(13, 1500, 0, dt.date(2013, 5, 30), dt.date(2013, 8, 29), named("Touring-3000")),
        Offer(14, 2000, 0, dt.date(2013, 5, 30), dt.date(2013, 8, 29), named("Touring-1000", "Yellow")),
        Offer(15, 5000, 0, dt.date(2013, 7, 14), dt.date(2013, 8, 14), named("", "Pedal")),
        Offer(16, 4000, 0, dt.date(2014, 3, 31), dt.date(2014, 5, 30), named("Mountain-500 Silver")),
    )


# ---------------------------------------------------------------- people and customers

_FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy",
    "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Donald", "Sandra", "Steven", "Ashley", "Paul",
    "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol", "Brian", "Amanda",
    "George", "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy", "Rebecca", "Jason", "Laura",
    "Jeffrey", "Sharon", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Shirley", "Eric",
    "Angela", "Jonathan", "Helen", "Stephen", "Anna", "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole",
    "Brandon", "Emma", "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander", "Debra",
    "Frank", "Rachel", "Raymond", "Catherine", "Jack", "Carolyn", "Dennis", "Janet", "Jerry", "Ruth", "Tyler",
    "Maria", "Aaron", "Heather", "José", "Zoë", "François", "Björn", "Chloé", "Ana", "Jesús", "Mónica",
)
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz",
    "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers",
    "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox",
    "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz",
    "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu",
    "Guo", "He", "Lin", "Luo", "Gao", "Peña", "Müller", "O'Brien", "Núñez", "Dubois", "Schäfer", "Kowalski",
)
_TITLES = ("Mr.", "Ms.", "Mrs.", "Sr.", "Sra.")
_SUFFIXES = ("Jr.", "Sr.", "II", "III", "IV", "PhD")
_SURVEY = "http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/IndividualSurvey"
_CONTACT = "http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/ContactInfo"
_TERRITORY_WEIGHTS = np.array([3520, 113, 132, 4696, 176, 1791, 1884, 1852, 3665, 1991], dtype=float)


@dataclass(frozen=True)
class Customer:
    customer_id: int
    person_id: int | None
    store_id: int | None
    territory_id: int


def _scaled(full: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(full * scale))


def _people(rng: np.random.Generator, scale: float) -> tuple[list[tuple], list[Customer], list[int]]:
    """Persons, customers and the sales people's ids. BusinessEntityIDs are shared by persons
    and stores as in AdventureWorks: employees first, then each store beside its contact,
    then vendor / general contacts, then individual customers."""
    n_employees = _scaled(290, scale, 2)
    n_sales_people = max(1, min(n_employees - 1, round(17 * scale)))
    n_store_contacts = _scaled(FULL_STORE_CONTACTS, scale)
    n_bare_stores = _scaled(FULL_STORES_WITHOUT_PERSON, scale)
    n_other_contacts = _scaled(118 + 156 + 289, scale)
    n_individuals = _scaled(FULL_INDIVIDUALS, scale)
    persons: list[tuple] = []  # (id, type, demographics kind)
    next_id = 1
    for i in range(n_employees):
        persons.append((next_id, "SP" if i >= n_employees - n_sales_people else "EM"))
        next_id += 1
    sales_people = [p[0] for p in persons if p[1] == "SP"]
    store_pairs: list[tuple[int, int | None]] = []  # (store id, contact person id)
    for i in range(n_store_contacts + n_bare_stores):
        if i < n_store_contacts:
            persons.append((next_id, "SC"))
            store_pairs.append((next_id + 1, next_id))
            next_id += 2
        else:
            store_pairs.append((next_id, None))
            next_id += 1
    for _ in range(n_other_contacts):
        persons.append((next_id, str(rng.choice(("VC", "GC", "SC")))))
        next_id += 1
    individual_ids = list(range(next_id, next_id + n_individuals))
    persons += [(pid, "IN") for pid in individual_ids]

    territories = rng.choice(10, size=n_individuals + len(store_pairs),
                             p=_TERRITORY_WEIGHTS / _TERRITORY_WEIGHTS.sum()) + 1
    store_territories = territories[n_individuals:]
    customers = [Customer(i + 1, None, store, int(store_territories[n_store_contacts + i]))
                 for i, (store, _) in enumerate(store_pairs[n_store_contacts:])]
    customers += [Customer(11_000 + i, pid, None, int(territories[i])) for i, pid in enumerate(individual_ids)]
    customers += [Customer(29_484 + i, person, store, int(store_territories[i]))
                  for i, (store, person) in enumerate(store_pairs[:n_store_contacts])]
    return persons, sorted(customers, key=lambda c: c.customer_id), sales_people


def _person_rows(rng: np.random.Generator, persons: list[tuple]) -> list[list[str]]:
    """Person.Person rows. About 3 % of the individuals share another person's first and last
    name (different customers, same name); a few names are accented (UTF-8 multi-byte)."""
    n = len(persons)
    first = rng.integers(0, len(_FIRST_NAMES), n)
    last = rng.integers(0, len(_LAST_NAMES), n)
    twins = np.flatnonzero(rng.random(n) < 0.03)
    first[twins], last[twins] = first[twins // 2], last[twins // 2]
    middle = rng.integers(0, 26, n)
    has_middle = rng.random(n) < 0.58
    title = rng.random(n) < 0.05
    suffix = rng.random(n) < 0.003
    promo = rng.choice(3, size=n, p=(0.56, 0.22, 0.22))
    rows = []
    for i, (pid, ptype) in enumerate(persons):
        if ptype == "IN":
            survey = (f'<IndividualSurvey xmlns="{_SURVEY}"><TotalPurchaseYTD>{rng.integers(-9000, 9000)}'
                      f"</TotalPurchaseYTD><YearlyIncome>{rng.choice(('0-25000', '25001-50000', '50001-75000'))}"
                      f"</YearlyIncome><TotalChildren>{rng.integers(0, 5)}</TotalChildren></IndividualSurvey>")
        else:
            survey = f'<IndividualSurvey xmlns="{_SURVEY}"><TotalPurchaseYTD>0</TotalPurchaseYTD></IndividualSurvey>'
        contact = (f'<AdditionalContactInfo xmlns="{_CONTACT}">Note; call after 5pm</AdditionalContactInfo>'
                   if ptype == "EM" and i % 50 == 0 else None)
        rows.append([
            str(pid), ptype, "0", _text(str(rng.choice(_TITLES)) if title[i] else None),
            _text(_FIRST_NAMES[first[i]]),
            _text(chr(65 + middle[i]) + ("." if middle[i] % 3 == 0 else "") if has_middle[i] else None),
            _text(_LAST_NAMES[last[i]]), _text(str(rng.choice(_SUFFIXES)) if suffix[i] else None),
            str(promo[i]), _text(contact), _text(survey), "",
            _stamp(dt.date(2011, 5, 1) + dt.timedelta(days=int(rng.integers(0, 1000)))),
        ])
    return _with_guids(rng, rows, 11)


# ---------------------------------------------------------------- orders


@dataclass
class Line:
    product: Product
    offer_id: int
    qty: int
    unit_price: int  # 1/10,000
    discount: int  # 1/10,000

    @property
    def line_total(self) -> int:
        """OrderQty × UnitPrice × (1 − UnitPriceDiscount) in 1/1,000,000, rounded half up from the
        exact 1/100,000,000 product like SQL Server's numeric(38,6)."""
        exact = self.qty * self.unit_price * (MONEY - self.discount)
        return (exact + 50) // 100


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d for d in _days(start, end) if (d + dt.timedelta(days=1)).day == 1]


class _Shop:
    """What can be sold on a day, with popularity weights (fixed per product)."""

    def __init__(self, catalogue: Sequence[Product], offers: Sequence[Offer]):
        rng = np.random.default_rng(_REFERENCE_SEED + 2)
        self.sellable = [p for p in catalogue if p.finished]
        self.popularity = {p.product_id: float(rng.lognormal(0, 1.0)) for p in self.sellable}
        for p in self.sellable:  # the web shop's best sellers are cheap accessories
            if p.name.startswith(("Water Bottle", "AWC Logo Cap", "Patch Kit", "Mountain Tire Tube")):
                self.popularity[p.product_id] *= 6
        self.offers = offers
        self.in_offer = {o.offer_id: set(o.product_ids) for o in offers}
        self._cache: dict[tuple[dt.date, str], tuple[list[Product], np.ndarray]] = {}

    def pool(self, day: dt.date, kind: str) -> tuple[list[Product], np.ndarray]:
        """Products on sale on ``day`` for ``kind`` (online-bike, online-extra, store), weighted."""
        key = (day, kind)
        if key not in self._cache:
            if kind == "online-bike":
                products = [p for p in self.sellable if p.family == "bike" and p.on_sale(day)]
            elif kind == "online-extra":
                products = [p for p in self.sellable if p.family in ("clothing", "accessory") and p.on_sale(day)]
            else:
                products = [p for p in self.sellable if p.on_sale(day)]
            weights = np.array([self.popularity[p.product_id] for p in products])
            self._cache[key] = (products, weights / weights.sum())
        return self._cache[key]

    def offer_for(self, rng: np.random.Generator, product: Product, qty: int, day: dt.date) -> Offer:
        """A running promotion half of the time, else the best volume discount, else no discount."""
        promos = [o for o in self.offers if o.offer_id >= 7 and o.start <= day <= o.end
                  and product.product_id in self.in_offer[o.offer_id]]
        if promos and rng.random() < 0.5:
            return promos[0]
        volume = [o for o in self.offers if 2 <= o.offer_id <= 6 and qty >= o.min_qty
                  and product.product_id in self.in_offer[o.offer_id]]
        return max(volume, key=lambda o: o.min_qty) if volume else self.offers[0]


def _order_lines(rng: np.random.Generator, shop: _Shop, day: dt.date, online: bool) -> list[Line]:
    """The lines of one order: one product per line, never twice in an order."""
    if online:
        chosen: list[Product] = []
        bikes, bike_w = shop.pool(day, "online-bike")
        extras, extra_w = shop.pool(day, "online-extra")
        if day < ONLINE_BOOM or not extras:
            chosen.append(bikes[rng.choice(len(bikes), p=bike_w)])
        else:
            if rng.random() < 0.3:
                chosen.append(bikes[rng.choice(len(bikes), p=bike_w)])
            n_extra = min(len(extras), 1 + int(rng.negative_binomial(1, 0.47)))
            chosen += [extras[i] for i in rng.choice(len(extras), size=n_extra, replace=False, p=extra_w)]
        quantities = [1] * len(chosen)
        price_of = {p.product_id: p.list_price for p in chosen}
    else:
        products, weights = shop.pool(day, "store")
        n = min(72, len(products), 1 + int(rng.negative_binomial(1.3, 1.3 / (1.3 + 15.0))))
        chosen = [products[i] for i in rng.choice(len(products), size=n, replace=False, p=weights)]
        quantities = [int(q) for q in np.minimum(rng.geometric(0.22, size=n), 80)]
        price_of = {p.product_id: p.list_price * RESELLER_PRICE_PERCENT // 100 for p in chosen}
    lines = []
    for product, qty in zip(chosen, quantities, strict=True):
        offer = shop.offer_for(rng, product, qty, day)
        lines.append(Line(product, offer.offer_id, qty, price_of[product.product_id], offer.discount))
    return lines


def _order_days(rng: np.random.Generator, n_online: int, n_store: int) -> list[tuple[dt.date, bool]]:
    """(order date, online?) of every order, oldest first: the web shop sells every day (ten
    times as much after mid-2013), resellers order in month-end batches."""
    days = _days(FIRST_DAY, LAST_DAY)
    weight = np.array([10.0 if d >= ONLINE_BOOM else 1.0 for d in days])
    online_counts = rng.multinomial(n_online, weight / weight.sum())
    month_ends = _month_ends(FIRST_DAY, dt.date(2014, 5, 31))
    growth = np.linspace(1.0, 2.0, len(month_ends))
    store_counts = rng.multinomial(n_store, growth / growth.sum())
    orders = [(d, False) for d, k in zip(month_ends, store_counts, strict=True) for _ in range(k)]
    orders += [(d, True) for d, k in zip(days, online_counts, strict=True) for _ in range(k)]
    return sorted(orders, key=lambda o: (o[0], o[1]))


def _money_rows(rng: np.random.Generator, lines: list[Line], deviate: bool) -> tuple[int, int, int, int]:
    """SubTotal, TaxAmt, Freight, TotalDue in 1/10,000. SubTotal is the lines' sum rounded to
    4 decimals, unless this order carries the export's known deviation (a few cents off)."""
    sub_total = (sum(ln.line_total for ln in lines) + 50) // 100
    if deviate:
        sub_total += int(rng.choice((-1, 1))) * int(rng.integers(2, 100)) * 100  # 0.02-0.99
    tax = (sub_total * TAX_PERCENT + 50) // 100
    freight = (sub_total * FREIGHT_PERMILLE + 500) // 1000
    return sub_total, tax, freight, sub_total + tax + freight


def _sales(rng: np.random.Generator, scale: float, customers: list[Customer], sales_people: list[int],
           shop: _Shop) -> tuple[list[list[str]], list[list[str]]]:
    """(SalesOrderHeader rows, SalesOrderDetail rows)."""
    n_online = _scaled(FULL_ONLINE_ORDERS, scale)
    n_store = _scaled(FULL_ORDERS - FULL_ONLINE_ORDERS, scale)
    individuals = [c for c in customers if c.store_id is None]
    stores = [c for c in customers if c.store_id is not None and c.person_id is not None]
    # Every individual orders once before anyone orders twice (as in AdventureWorks).
    online_buyers = list(rng.permutation(len(individuals)))[:n_online]
    online_buyers += list(rng.integers(0, len(individuals), max(0, n_online - len(online_buyers))))
    order_days = _order_days(rng, n_online, n_store)
    n_orders = len(order_days)
    deviating = set(rng.choice(n_orders, size=max(1, round(n_orders * SUBTOTAL_DEVIATION_RATE)), replace=False)
                    if n_orders >= 20 else ())
    headers: list[list[str]] = []
    details: list[list[str]] = []
    detail_id = 1
    online_seen = 0
    for i, (day, online) in enumerate(order_days):
        order_id = FIRST_ORDER_ID + i
        if online:
            customer = individuals[online_buyers[online_seen]]
            online_seen += 1
        else:
            customer = stores[int(rng.integers(0, len(stores)))]
        lines = _order_lines(rng, shop, day, online)
        sub_total, tax, freight, total_due = _money_rows(rng, lines, i in deviating)
        ship = day + dt.timedelta(days=7)
        card = int(rng.integers(1, 19_238)) if online or rng.random() < 0.97 else None
        tracking = None if online else f"{rng.integers(1000, 9999)}-{rng.integers(100, 999)}C-{rng.integers(10, 99)}"
        headers.append([
            str(order_id), "8", _stamp(day), _stamp(day + dt.timedelta(days=12)), _stamp(ship), "5",
            "1" if online else "0", f"SO{order_id}", NULL if online else f"PO{rng.integers(10**9, 10**10)}{i % 10}",
            f"10-403{0 if online else 2}-{customer.customer_id:06d}", str(customer.customer_id),
            NULL if online else str(sales_people[int(rng.integers(0, len(sales_people)))]),
            str(customer.territory_id), str(int(rng.integers(1, 29_000))), str(int(rng.integers(1, 29_000))),
            "1" if online else "5", _int(card),
            NULL if card is None else f"{rng.integers(100000, 999999)}Vi{rng.integers(10000, 99999)}",
            NULL if rng.random() < 0.55 else str(int(rng.integers(1, 13_500))),
            _money(sub_total), _money(tax), _money(freight), _money(total_due), NULL, "", _stamp(ship),
        ])
        for line in lines:
            details.append([
                str(order_id), str(detail_id), _text(tracking), str(line.qty), str(line.product.product_id),
                str(line.offer_id), _money(line.unit_price), _money(line.discount), _decimal(line.line_total, 6),
                "", _stamp(ship),
            ])
            detail_id += 1
    return _with_guids(rng, headers, 24), _with_guids(rng, details, 9)


# ---------------------------------------------------------------- files


def _product_rows(rng: np.random.Generator, catalogue: Sequence[Product]) -> list[list[str]]:
    rows = []
    for p in catalogue:
        grams_or_lb = p.weight_hundredths
        weight = NULL if grams_or_lb is None else f"{grams_or_lb // 100}.{grams_or_lb % 100:02d}"  # decimal point
        rows.append([
            str(p.product_id), _text(p.name), p.number, str(p.make), str(p.finished), _text(p.color),
            str(p.safety_stock), str(p.safety_stock * 3 // 4), _price(p.standard_cost), _price(p.list_price),
            _text(p.size), _char(p.size_unit, 3), _char(p.weight_unit, 3), weight,
            str(p.days_to_manufacture), _char(p.line, 2), _char(p.klass, 2), _char(p.style, 2), _int(p.subcategory),
            _int(p.model), _stamp(p.sell_start), _stamp(p.sell_end), NULL, "", "2014-02-08 10:01:36.827",
        ])
    return _with_guids(rng, rows, 23)


def _offer_rows(rng: np.random.Generator, offers: Sequence[Offer]) -> list[list[str]]:
    modified = {1: dt.date(2011, 4, 1)}
    rows = [[str(o.offer_id), str(pid), "",
             _stamp(modified.get(o.offer_id, dt.date(o.start.year, o.start.month, 1) - dt.timedelta(days=30)))]
            for o in offers for pid in o.product_ids]
    return _with_guids(rng, rows, 2)


def _customer_rows(rng: np.random.Generator, customers: list[Customer]) -> list[list[str]]:
    rows = [[str(c.customer_id), _int(c.person_id), _int(c.store_id), str(c.territory_id),
             f"AW{c.customer_id:08d}", "", "2014-09-12 11:15:07.263"] for c in customers]
    return _with_guids(rng, rows, 5)


def generate_adventureworks_with_counts(
    out_dir: str | Path, *, scale: float = 0.01, seed: int = 42
) -> dict[str, tuple[Path, int]]:
    """Like :func:`generate_adventureworks` but also return each file's data-row count."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    catalogue = build_catalogue()
    offers = build_offers(catalogue)
    rng = np.random.default_rng(seed)
    persons, customers, sales_people = _people(rng, scale)
    headers, details = _sales(rng, scale, customers, sales_people, _Shop(catalogue, offers))
    guid_rng = np.random.default_rng([seed, 1])
    rows = {
        "person": _person_rows(rng, persons),
        "product": _product_rows(guid_rng, catalogue),
        "customer": _customer_rows(guid_rng, customers),
        "sales_order_header": headers,
        "sales_order_detail": details,
        "special_offer_product": _offer_rows(guid_rng, offers),
    }
    result = {}
    for name, file_name in FILES.items():
        path = out / file_name
        result[name] = (path, _write(path, HEADERS[name], rows[name]))
        log.info("wrote %s: %d rows to %s", name, result[name][1], path)
    return result


def generate_adventureworks(out_dir: str | Path, *, scale: float = 0.01, seed: int = 42) -> dict[str, Path]:
    """Write the six AdventureWorks export files into ``out_dir`` (created).

    ``scale`` 1 gives ~31,465 orders and ~121 k detail lines (0.01: ~315 orders); the 504
    products and the special-offer products do not scale. Returns ``{source name: path}`` with
    the source names person, product, customer, sales_order_header, sales_order_detail and
    special_offer_product.
    """
    counted = generate_adventureworks_with_counts(out_dir, scale=scale, seed=seed)
    return {name: path for name, (path, _) in counted.items()}
