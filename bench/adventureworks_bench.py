"""Benchmark: the adventureworks pipeline end to end (./spark-submit.sh: land, transform with its
quarantine and gates, load into DuckDB) versus a DuckDB-only computation of the same marts from
the same export files, side by side in one invocation.

    .venv/bin/python bench/adventureworks_bench.py [--scale 1] [--workdir /tmp/constellation-bench-aw]

Scale 1 is the size of the real export (about 31 k orders, 121 k order lines; generated). The
DuckDB side reads the six files as text (';', BOM, CRLF, NULL, decimal comma), types them
exactly (DECIMAL money), keeps the first copy of each key, builds the order and order-line
facts, the product and customer dimensions, writes the facts as Parquet and answers the five
business questions as tables in a DuckDB file: what the warehouse's marts hold, without the
quarantine, the quality gates or the run bookkeeping. Prints wall time, CPU time (process tree),
the ratio, and where the pipeline's time went by phase, from its Spark event log.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import eventlog  # noqa: E402
from bench._common import measure, measure_duckdb, report_versus_duckdb  # noqa: E402
from samples.adventureworks import FILES, generate_adventureworks  # noqa: E402

DUCKDB_SQL = """
{views}
create table header as select * from (
    select cast(SalesOrderID as integer) as sales_order_id, cast(substr(OrderDate, 1, 10) as date) as order_date,
           cast(CustomerID as integer) as customer_id, cast(OnlineOrderFlag as integer) = 1 as online,
           cast(replace(SubTotal, ',', '.') as decimal(19,4)) as sub_total,
           cast(replace(TaxAmt, ',', '.') as decimal(19,4)) as tax_amount,
           cast(replace(Freight, ',', '.') as decimal(19,4)) as freight,
           cast(replace(TotalDue, ',', '.') as decimal(19,4)) as total_due,
           row_number() over (partition by SalesOrderID order by n) as copy
    from (select *, row_number() over () as n from raw_sales_order_header)) where copy = 1;
create table detail as select * from (
    select cast(SalesOrderID as integer) as sales_order_id, cast(SalesOrderDetailID as integer) as line_id,
           cast(ProductID as integer) as product_id, cast(SpecialOfferID as integer) as special_offer_id,
           cast(OrderQty as integer) as quantity,
           cast(replace(UnitPrice, ',', '.') as decimal(19,4)) as unit_price,
           cast(replace(UnitPriceDiscount, ',', '.') as decimal(19,4)) as discount,
           cast(replace(LineTotal, ',', '.') as decimal(38,6)) as line_total,
           row_number() over (partition by SalesOrderDetailID order by n) as copy
    from (select *, row_number() over () as n from raw_sales_order_detail)) where copy = 1;
create table dim_product as select cast(ProductID as integer) as product_id, Name as product_name,
    ProductNumber as product_number, Color as color, cast(DaysToManufacture as integer) as days_to_manufacture,
    cast(replace(StandardCost, ',', '.') as decimal(19,4)) as standard_cost,
    cast(replace(ListPrice, ',', '.') as decimal(19,4)) as list_price
    from raw_product;
create table dim_customer as select cast(c.CustomerID as integer) as customer_id, p.FirstName as first_name,
    p.LastName as last_name, cast(c.StoreID as integer) as store_id, cast(c.TerritoryID as integer) as territory_id
    from raw_customer as c left join raw_person as p on p.BusinessEntityID = c.PersonID;
create table fact_sales_order_line as select d.*, h.order_date from detail as d join header as h using (sales_order_id);
create table fact_sales_order as select h.*, coalesce(n.line_count, 0) as line_count from header as h
    left join (select sales_order_id, count(*) as line_count from detail group by 1) as n using (sales_order_id);
create table q1 as select count(*) as orders_with_3plus_lines
    from (select sales_order_id from detail group by 1 having count(*) >= 3);
create table q2 as with qty as (select product_id, sum(quantity) as q from detail group by 1)
    select row_number() over (order by q desc, product_id) as quantity_rank, product_id, product_name,
           days_to_manufacture, q as total_quantity
    from qty join dim_product using (product_id) order by 1 limit 3;
create table q2b as select * from (
    select days_to_manufacture, row_number() over (partition by days_to_manufacture
           order by q desc, product_id) as quantity_rank, product_id, product_name, q as total_quantity
    from (select product_id, sum(quantity) as q from detail group by 1) join dim_product using (product_id))
    where quantity_rank <= 3;
create table q3 as select c.customer_id, c.first_name, c.last_name, count(h.sales_order_id) as order_count
    from dim_customer as c left join header as h using (customer_id) group by 1, 2, 3;
create table q4 as select order_date, product_id, sum(quantity) as total_quantity
    from fact_sales_order_line group by 1, 2;
create table q5 as select row_number() over (order by total_due desc, sales_order_id) as total_due_rank,
    sales_order_id, order_date, total_due from header
    where order_date between date '2011-09-01' and date '2011-09-30' and total_due > 1000;
copy fact_sales_order to '{out}/fact_sales_order.parquet' (format parquet);
copy fact_sales_order_line to '{out}/fact_sales_order_line.parquet' (format parquet);
"""



def duckdb_sql(export: Path, out: Path) -> str:
    views = "\n".join(
        f"create view raw_{source} as select * from read_csv('{export / name}', delim=';', header=true, "
        "all_varchar=true, nullstr='NULL', quote='\"', escape='\"');" for source, name in FILES.items())
    return DUCKDB_SQL.format(views=views, out=out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/constellation-bench-aw"))
    args = p.parse_args(argv)
    export = args.workdir / f"export-{args.scale:g}"
    if not (export / FILES["sales_order_detail"]).exists():
        generate_adventureworks(export, scale=args.scale, seed=42)
    run = args.workdir / "run"
    shutil.rmtree(run, ignore_errors=True)
    (run / "duck").mkdir(parents=True)
    events = run / "events"
    pipeline = measure(["./spark-submit.sh", "adventureworks", "--input", str(export), "--lake", str(run / "lake"),
                        "--warehouse", f"duckdb:{run / 'wh.duckdb'}", "--steps", "land,transform,load"],
                       run / "pipeline.log", cwd=REPO, env=eventlog.spark_conf_env(events))
    duck = measure_duckdb(duckdb_sql(export, run / "duck"), run)
    lines = sum(1 for _ in (export / FILES["sales_order_detail"]).open("rb")) - 1
    report_versus_duckdb(f"adventureworks scale {args.scale:g} ({lines:,} order lines)", pipeline, duck, events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
