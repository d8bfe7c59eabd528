"""The AdventureWorks sample generator (plain Python, no Spark): the hostile format byte for
byte, consistent keys, the export's arithmetic and determinism. Files are read back with the
csv module and the amounts with ``Decimal``."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from samples.__main__ import main as samples_main
from samples.adventureworks import FILES, FULL_ORDERS, HEADERS, generate_adventureworks

SCALE = 0.02


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return generate_adventureworks(tmp_path_factory.mktemp("aw"), scale=SCALE, seed=42)


@pytest.fixture(scope="module")
def rows(files) -> dict[str, list[dict[str, str]]]:
    out = {}
    for name, path in files.items():
        text = path.read_bytes().decode("utf-8-sig")
        out[name] = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    return out


def money(text: str) -> Decimal:
    assert "." not in text, f"money must use a decimal comma: {text!r}"
    return Decimal(text.replace(",", "."))


def test_every_file_has_a_bom_crlf_line_ends_and_the_adventureworks_header(files):
    for name, path in files.items():
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n"), name
        assert data[3:].split(b"\r\n", 1)[0].decode() == ";".join(HEADERS[name])
    assert {p.name for p in files.values()} == set(FILES.values())


def test_nulls_are_the_literal_null_and_padded_codes_are_quoted(files, rows):
    product = files["product"].read_text(encoding="utf-8-sig")
    assert ';"CM ";"LB ";' in product and ';"G  ";' in product and ';"R ";' in product
    assert ";;" not in product
    customers = rows["customer"]
    assert sum(c["PersonID"] == "NULL" for c in customers) > 0  # stores without a person
    assert sum(c["StoreID"] == "NULL" for c in customers) > 0  # individuals


def test_products_mix_weight_units_size_kinds_and_include_unpriced_parts(rows):
    products = rows["product"]
    assert len(products) == 504
    assert sum(money(p["ListPrice"]) == 0 for p in products) == 200
    assert {p["WeightUnitMeasureCode"].strip() for p in products} == {"NULL", "G", "LB"}
    assert all("," not in p["Weight"] for p in products)
    sizes = {p["Size"] for p in products}
    assert {"S", "M", "L", "XL"} <= sizes and any(s.isdigit() for s in sizes)


def test_keys_are_consistent_across_the_six_files(rows):
    persons = {p["BusinessEntityID"] for p in rows["person"]}
    customers = {c["CustomerID"] for c in rows["customer"]}
    orders = {h["SalesOrderID"] for h in rows["sales_order_header"]}
    offer_products = {(o["SpecialOfferID"], o["ProductID"]) for o in rows["special_offer_product"]}
    products = {p["ProductID"] for p in rows["product"]}
    assert {c["PersonID"] for c in rows["customer"]} - {"NULL"} <= persons
    assert {h["CustomerID"] for h in rows["sales_order_header"]} <= customers
    assert {d["SalesOrderID"] for d in rows["sales_order_detail"]} == orders
    assert {(d["SpecialOfferID"], d["ProductID"]) for d in rows["sales_order_detail"]} <= offer_products
    assert {p for _, p in offer_products} <= products


def test_line_totals_and_total_due_follow_the_export_arithmetic(rows):
    lines_total: Counter[str] = Counter()
    for d in rows["sales_order_detail"]:
        exact = int(d["OrderQty"]) * money(d["UnitPrice"]) * (1 - money(d["UnitPriceDiscount"]))
        assert money(d["LineTotal"]) == exact.quantize(Decimal("0.000001")), d
        assert len(d["UnitPrice"].split(",")[1]) == 4 and len(d["LineTotal"].split(",")[1]) == 6
        lines_total[d["SalesOrderID"]] += money(d["LineTotal"])
    deviating = 0
    for h in rows["sales_order_header"]:
        sub, tax, freight, due = (money(h[c]) for c in ("SubTotal", "TaxAmt", "Freight", "TotalDue"))
        assert due == sub + tax + freight
        deviating += abs(sub - lines_total[h["SalesOrderID"]]) >= Decimal("0.01")
    assert 0 < deviating < len(rows["sales_order_header"]) * 0.02


def test_volume_follows_the_scale(rows):
    assert len(rows["sales_order_header"]) == round(FULL_ORDERS * SCALE)
    assert 3.0 < len(rows["sales_order_detail"]) / len(rows["sales_order_header"]) < 5.0


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_orders(files, tmp_path):
    again = generate_adventureworks(tmp_path / "again", scale=SCALE, seed=42)
    other = generate_adventureworks(tmp_path / "other", scale=SCALE, seed=43)
    assert all(again[n].read_bytes() == files[n].read_bytes() for n in files)
    assert other["sales_order_detail"].read_bytes() != files["sales_order_detail"].read_bytes()
    catalogue = [line.split(";")[:23] for line in files["product"].read_text(encoding="utf-8-sig").splitlines()]
    assert catalogue == [line.split(";")[:23] for line in other["product"].read_text(encoding="utf-8-sig").splitlines()]


def test_the_cli_subcommand_writes_the_six_files_and_prints_their_row_counts(tmp_path, capsys):
    assert samples_main(["adventureworks", "--scale", "0.005", "--out", str(tmp_path), "--seed", "1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed] == list(FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
