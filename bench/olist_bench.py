"""Benchmark: the olist pipeline end to end (./spark-submit.sh olist: a full extraction from
PostgreSQL over JDBC, the transform with its quarantine and gates, the load into DuckDB) versus a
DuckDB-only computation of the same marts, side by side in one invocation.

    .venv/bin/python bench/olist_bench.py [--scale 1] [--workdir /tmp/constellation-bench-olist]

Scale 1 is the size of the real dataset (about 99 k orders, 1 M geolocation rows; generated).
The source database is a throwaway PostgreSQL (scripts/postgres.sh) loaded with the generated
CSV files before anything is timed. The DuckDB side reads those same CSV files (DuckDB's
PostgreSQL extension is downloaded at run time, which this machine cannot do), builds the four
facts, writes them as Parquet and computes the three marts (orders by state, sales by category,
delivery time overall / per state / per purchase month) into a DuckDB file. Prints wall time,
CPU time (process tree), the ratio, and the pipeline's phases from its Spark event log.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import eventlog  # noqa: E402
from bench._common import measure, measure_duckdb, report_versus_duckdb  # noqa: E402
from samples.olist import generate_olist  # noqa: E402

DUCKDB_SQL = """
create table orders as select * from read_csv('{d}/olist_orders_dataset.csv', header=true);
create table customers as select * from read_csv('{d}/olist_customers_dataset.csv', header=true);
create table items as select * from read_csv('{d}/olist_order_items_dataset.csv', header=true);
create table payments as select * from read_csv('{d}/olist_order_payments_dataset.csv', header=true);
create table reviews as select * from read_csv('{d}/olist_order_reviews_dataset.csv', header=true);
create table products as select * from read_csv('{d}/olist_products_dataset.csv', header=true);
create table sellers as select * from read_csv('{d}/olist_sellers_dataset.csv', header=true);
create table geolocation as select * from read_csv('{d}/olist_geolocation_dataset.csv', header=true);
create table translation as select * from read_csv('{d}/product_category_name_translation.csv', header=true);
create table fact_order as select o.*, c.customer_unique_id, c.customer_state from orders as o
    left join customers as c using (customer_id);
create table fact_order_item as select i.*, o.order_status from items as i join orders as o using (order_id);
create table fact_order_payment as select * from payments;
create table fact_order_review as select * from reviews;
create table orders_by_state as select coalesce(customer_state, 'unknown') as customer_state, count(*) as orders,
    count(distinct customer_unique_id) as customers from fact_order group by 1;
create table sales_by_category as
    select coalesce(t.product_category_name_english, p.product_category_name, 'uncategorized') as category_name_en,
           count(distinct i.order_id) as orders, count(*) as items, sum(i.price) as revenue,
           sum(i.freight_value) as freight
    from fact_order_item as i left join products as p using (product_id)
    left join translation as t on t.product_category_name = p.product_category_name
    where i.order_status not in ('canceled', 'unavailable') group by 1;
create table delivery_time as
    with d as (select coalesce(customer_state, 'unknown') as st, strftime(order_purchase_timestamp, '%Y%m') as m,
                      epoch(order_delivered_customer_date - order_purchase_timestamp) as s,
                      case when order_delivered_customer_date::date > order_estimated_delivery_date::date
                           then 1 else 0 end as late
               from fact_order where order_status = 'delivered' and order_delivered_customer_date is not null)
    select 'overall' as grouping_level, 'all' as group_value, count(*) as delivered_orders, avg(s) / 86400 as avg_days,
           quantile_cont(s, 0.5) / 3600 as median_hours, quantile_cont(s, 0.9) / 60 as p90_minutes,
           sum(late) as late_orders from d
    union all select 'state', st, count(*), avg(s) / 86400, quantile_cont(s, 0.5) / 3600,
           quantile_cont(s, 0.9) / 60, sum(late) from d group by st
    union all select 'purchase_month', m, count(*), avg(s) / 86400, quantile_cont(s, 0.5) / 3600,
           quantile_cont(s, 0.9) / 60, sum(late) from d group by m;
copy fact_order to '{out}/fact_order.parquet' (format parquet);
copy fact_order_item to '{out}/fact_order_item.parquet' (format parquet);
copy fact_order_payment to '{out}/fact_order_payment.parquet' (format parquet);
copy fact_order_review to '{out}/fact_order_review.parquet' (format parquet);
"""


def _postgres(state: Path, action: str) -> dict[str, str]:
    done = subprocess.run([str(REPO / "scripts" / "postgres.sh"), action], capture_output=True, text=True,
                          env={**os.environ, "CONSTELLATION_PG_STATE": str(state)}, check=True)
    return dict(line[len("export "):].split("=", 1) for line in done.stdout.splitlines()
                if line.startswith("export "))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/constellation-bench-olist"))
    args = p.parse_args(argv)
    data = args.workdir / f"csv-{args.scale:g}"
    if not (data / "olist_orders_dataset.csv").exists():
        generate_olist(data, scale=args.scale, seed=42)
    run = args.workdir / "run"
    shutil.rmtree(run, ignore_errors=True)
    (run / "duck").mkdir(parents=True)
    state = run / "pg.state"
    pg = _postgres(state, "start")
    try:
        from samples.olist_pg import load

        dsn = (f"host={pg['CONSTELLATION_PG_HOST']} port={pg['CONSTELLATION_PG_PORT']} "
               f"user={pg['CONSTELLATION_PG_USER']} dbname={pg['CONSTELLATION_PG_DB']}")
        counts = load(dsn, data, schema="olist", replace=True)
        events = run / "events"
        pipeline = measure(["./spark-submit.sh", "olist", "--lake", str(run / "lake"),
                            "--warehouse", f"duckdb:{run / 'wh.duckdb'}", "--steps", "land,transform,load",
                            "--pg-host", pg["CONSTELLATION_PG_HOST"], "--pg-port", pg["CONSTELLATION_PG_PORT"],
                            "--pg-user", pg["CONSTELLATION_PG_USER"], "--pg-db", pg["CONSTELLATION_PG_DB"],
                            "--pg-schema", "olist"], run / "pipeline.log", cwd=REPO,
                           env=eventlog.spark_conf_env(events))
    finally:
        _postgres(state, "stop")
    duck = measure_duckdb(DUCKDB_SQL.format(d=data, out=run / "duck"), run)
    report_versus_duckdb(f"olist scale {args.scale:g} ({counts['orders']:,} orders, "
                         f"{sum(counts.values()):,} source rows)", pipeline, duck, events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
