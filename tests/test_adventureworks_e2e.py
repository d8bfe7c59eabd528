"""adventureworks end to end through ``jobs.main.main``: generated export files -> lake -> DuckDB.

Every expected answer is computed by DuckDB directly on the raw ``;`` / BOM / CRLF / ``NULL`` /
decimal-comma CSV files (the comma replaced in SQL, amounts cast to DECIMAL), never by the
pipeline, and compared exactly: Python ``Decimal`` against ``Decimal``, to the last digit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jobs.main import main
from samples.adventureworks import FILES, generate_adventureworks
from schemas.charts import ADVENTUREWORKS
from tests.conftest import warehouse_chart

SCALE = 0.02  # ~630 orders, ~2.5 k lines, ~400 customers, 504 products


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate_adventureworks(out, scale=SCALE, seed=11)
    return out


@pytest.fixture(scope="module")
def loaded(spark, export, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("run")
    lake, warehouse = root / "lake", root / "wh.duckdb"
    code = main(["adventureworks", "--input", str(export), "--lake", str(lake), "--warehouse", f"duckdb:{warehouse}",
                 "--run-date", "2014-07-01"])
    assert code == 0
    return lake, warehouse


def warehouse(loaded: tuple[Path, Path], sql: str) -> list[tuple]:
    con = duckdb.connect(str(loaded[1]), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def raw(export: Path, sql: str) -> list[tuple]:
    """SQL over the raw export files with DuckDB: the independent computation. Every column is
    read as text; money is converted here, decimal comma replaced, into DECIMAL."""
    con = duckdb.connect()
    for source, file_name in FILES.items():
        con.execute(f"""create view raw_{source} as select * from read_csv('{export / file_name}', delim=';',
                        header=true, all_varchar=true, nullstr='NULL', quote='"', escape='"')""")
    con.execute("""create view header as select
            cast(SalesOrderID as integer) as order_id, cast(substr(OrderDate, 1, 10) as date) as order_date,
            cast(CustomerID as integer) as customer_id,
            cast(replace(SubTotal, ',', '.') as decimal(19,4)) as sub_total,
            cast(replace(TotalDue, ',', '.') as decimal(19,4)) as total_due
        from raw_sales_order_header""")
    con.execute("""create view detail as select
            cast(SalesOrderID as integer) as order_id, cast(ProductID as integer) as product_id,
            cast(OrderQty as integer) as qty, cast(replace(LineTotal, ',', '.') as decimal(38,6)) as line_total
        from raw_sales_order_detail""")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_q1_orders_with_at_least_three_lines(loaded, export):
    expected = raw(export, "select count(*) from (select order_id from detail group by 1 having count(*) >= 3)")
    assert warehouse(loaded, "select orders_with_3plus_lines from rox_q1_orders_with_3plus_lines") == expected
    assert expected[0][0] > 0


TOP_PRODUCTS = """
    with qty as (select product_id, sum(qty) as q from detail group by 1),
    named as (select q.product_id, p.Name as name, cast(p.DaysToManufacture as integer) as days, q.q
              from qty as q join raw_product as p on cast(p.ProductID as integer) = q.product_id)
    select row_number() over (order by q desc, product_id) as r, product_id, name, days, q from named
    order by r limit 3"""


def test_q2_the_three_products_sold_most_with_their_days_to_manufacture(loaded, export):
    actual = warehouse(loaded, """select quantity_rank, product_id, product_name, days_to_manufacture,
                                  total_quantity from rox_q2_top_products_by_quantity order by quantity_rank""")
    assert actual == raw(export, TOP_PRODUCTS)


def test_q2b_the_three_products_sold_most_within_each_days_to_manufacture(loaded, export):
    expected = raw(export, """
        with qty as (select product_id, sum(qty) as q from detail group by 1),
        ranked as (select cast(p.DaysToManufacture as integer) as days, q.product_id, p.Name as name, q.q,
                          row_number() over (partition by p.DaysToManufacture order by q.q desc, q.product_id) as r
                   from qty as q join raw_product as p on cast(p.ProductID as integer) = q.product_id)
        select days, r, product_id, name, q from ranked where r <= 3 order by days, r""")
    actual = warehouse(loaded, """select days_to_manufacture, quantity_rank, product_id, product_name, total_quantity
                                  from rox_q2b_top_products_per_days_to_manufacture order by 1, 2""")
    assert actual == expected
    assert {row[0] for row in actual} == {0, 1, 2, 4}


def test_q3_orders_per_customer_not_per_name(loaded, export):
    expected = raw(export, """
        select cast(c.CustomerID as integer), p.FirstName, p.LastName, count(h.order_id)
        from raw_customer as c
        left join raw_person as p on p.BusinessEntityID = c.PersonID
        left join header as h on h.customer_id = cast(c.CustomerID as integer)
        group by 1, 2, 3 order by 1""")
    actual = warehouse(loaded, """select customer_id, first_name, last_name, order_count
                                  from rox_q3_orders_per_customer order by 1""")
    assert actual == expected
    names = [(first, last) for _, first, last, _ in actual if last is not None]
    assert len(set(names)) < len(names), "the sample must have customers sharing a name"


def test_q4_quantity_per_product_per_order_date(loaded, export):
    expected = raw(export, """select h.order_date, d.product_id, sum(d.qty) from detail as d
                              join header as h using (order_id) group by 1, 2 order by 1, 2""")
    actual = warehouse(loaded, """select order_date, product_id, total_quantity
                                  from rox_q4_quantity_per_product_per_day order by 1, 2""")
    assert actual == expected


def test_q5_september_2011_orders_over_1000_by_total_due_to_the_cent(loaded, export):
    expected = raw(export, """select order_id, order_date, total_due from header
                              where order_date between date '2011-09-01' and date '2011-09-30' and total_due > 1000
                              order by total_due desc, order_id""")
    actual = warehouse(loaded, """select sales_order_id, order_date, total_due
                                  from rox_q5_sept_2011_orders_over_1000 order by total_due_rank""")
    assert actual == expected
    assert expected and all(isinstance(total, Decimal) for _, _, total in actual)


def test_daily_sales_orders_units_revenue_and_total_due_per_day_exactly(loaded, export):
    expected = raw(export, """
        with orders as (select order_date, count(*) as n, sum(total_due) as due from header group by 1),
        lines as (select h.order_date, sum(d.qty) as units, sum(d.line_total) as revenue
                  from detail as d join header as h using (order_id) group by 1)
        select o.order_date, o.n, coalesce(l.units, 0), coalesce(l.revenue, 0), o.due
        from orders as o left join lines as l using (order_date) order by 1""")
    actual = warehouse(loaded, "select order_date, orders, units, revenue, total_due from daily_sales order by 1")
    assert actual == expected
    assert sum(row[3] for row in actual) == raw(export, "select sum(line_total) from detail")[0][0]


def test_money_is_decimal_in_the_warehouse_never_float(loaded):
    types = dict(warehouse(loaded, """select table_name || '.' || column_name, data_type from information_schema.columns
                                     where table_name in ('fact_sales_order', 'fact_sales_order_line', 'dim_product')
                                     and column_name in ('sub_total', 'tax_amt', 'freight', 'total_due',
                                     'unit_price', 'unit_price_discount', 'line_total', 'list_price')"""))
    assert types == {
        "fact_sales_order.sub_total": "DECIMAL(19,4)", "fact_sales_order.tax_amt": "DECIMAL(19,4)",
        "fact_sales_order.freight": "DECIMAL(19,4)", "fact_sales_order.total_due": "DECIMAL(19,4)",
        "fact_sales_order_line.unit_price": "DECIMAL(19,4)",
        "fact_sales_order_line.unit_price_discount": "DECIMAL(19,4)",
        "fact_sales_order_line.line_total": "DECIMAL(38,6)", "dim_product.list_price": "DECIMAL(19,4)"}


def test_every_row_is_loaded_and_subtotal_deviations_are_reported_as_a_warning(loaded, export):
    manifest = json.loads(next((loaded[0] / "_runs").glob("*.json")).read_text())
    counts = {s["source"]: (s["rows_in"], s["rows_out"], s["rows_quarantined"]) for s in manifest["sources"]}
    raw_counts = {source: raw(export, f"select count(*) from raw_{source}")[0][0] for source in FILES}
    assert counts == {source: (raw_counts[source], raw_counts[source], 0) for source in counts}
    deviating = raw(export, """select count(*) from header as h
                               left join (select order_id, sum(line_total) as s from detail group by 1) as d
                               using (order_id) where abs(h.sub_total - coalesce(d.s, 0)) >= 0.01""")[0][0]
    rule = next(q for q in manifest["quality"] if q["rule"].startswith("sub_total equals the sum"))
    assert (rule["severity"], rule["failed_rows"]) == ("warning", deviating)
    assert deviating > 0
    assert [q for q in manifest["quality"] if q["failed_rows"] and q is not rule] == []


# ---- the report's charts: the rows each one gets, against SQL on the star schema's tables ----

def chart_rows(loaded: tuple[Path, Path], chart) -> tuple[list[str], list[tuple]]:
    data = warehouse_chart(loaded[1], chart)
    return data.columns, data.rows


# Each chart computed from the facts and dimensions (never the rox_* / daily_sales views): the
# columns it must show and the rows in the order the page shows them.
_QTY = "select product_key, sum(order_qty) as q from fact_sales_order_line group by 1"
INDEPENDENT = {
    "Daily sales": (["order_date", "revenue", "orders"], """
        select o.order_date, coalesce(sum(l.line_total), 0), count(distinct o.sales_order_id)
        from fact_sales_order as o left join fact_sales_order_line as l on l.sales_order_id = o.sales_order_id
        group by 1 order by 1"""),
    "Top products by quantity sold": (["product_name", "total_quantity"], f"""
        select p.product_name, q.q from ({_QTY}) as q join dim_product as p using (product_key)
        order by q.q desc, p.product_id limit 3"""),
    "Q1: orders with three or more lines": (["orders_with_3plus_lines"], """
        select count(*) from fact_sales_order as o
        where (select count(*) from fact_sales_order_line as l where l.sales_order_id = o.sales_order_id) >= 3"""),
    "Q2: top products by quantity": (
        ["quantity_rank", "product_id", "product_name", "days_to_manufacture", "total_quantity"], f"""
        select row_number() over (order by q.q desc, p.product_id), p.product_id, p.product_name,
               p.days_to_manufacture, q.q
        from ({_QTY}) as q join dim_product as p using (product_key) order by q.q desc, p.product_id limit 3"""),
    "Q2b: top products per days to manufacture": (
        ["days_to_manufacture", "quantity_rank", "product_id", "product_name", "total_quantity"], f"""
        select * from (select p.days_to_manufacture,
                              rank() over (partition by p.days_to_manufacture order by q.q desc, p.product_id) as r,
                              p.product_id, p.product_name, q.q
                       from ({_QTY}) as q join dim_product as p using (product_key))
        where r <= 3 order by 1, 2"""),
    "Q3: orders per customer (top 20)": (
        ["customer_id", "customer_type", "customer_name", "first_name", "last_name", "order_count"], """
        select c.customer_id, c.customer_type, c.customer_name, c.first_name, c.last_name, count(*)
        from fact_sales_order as o join dim_customer as c using (customer_key)
        group by 1, 2, 3, 4, 5 order by 6 desc, 1 limit 20"""),
    "Q4: quantity per product per day (first 20)": (
        ["order_date", "product_id", "product_name", "total_quantity"], """
        select o.order_date, p.product_id, p.product_name, sum(l.order_qty)
        from fact_sales_order_line as l join fact_sales_order as o on o.sales_order_id = l.sales_order_id
        join dim_product as p on p.product_key = l.product_key
        group by 1, 2, 3 order by 1, 2 limit 20"""),
    "Q5: September 2011 orders over 1,000": (["total_due_rank", "sales_order_id", "order_date", "total_due"], """
        select row_number() over (order by total_due desc, sales_order_id), sales_order_id, order_date, total_due
        from fact_sales_order where order_date >= date '2011-09-01' and order_date < date '2011-10-01'
        and total_due > 1000 order by 1"""),
}


@pytest.mark.parametrize("chart", ADVENTUREWORKS, ids=[c.title for c in ADVENTUREWORKS])
def test_each_report_chart_gets_the_rows_sql_on_the_facts_and_dimensions_computes(loaded, chart):
    columns, got = chart_rows(loaded, chart)
    want_columns, sql = INDEPENDENT[chart.title]
    expected = warehouse(loaded, sql)
    assert columns == want_columns
    assert got == expected  # exact: Decimal money to the last digit, the order the page shows
    assert expected and any(v not in (None, 0) for v in expected[0])  # the sample gives each chart something
