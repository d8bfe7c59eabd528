"""olist end to end against a real PostgreSQL: the generator's files loaded with COPY, the pipeline
run through ``jobs.main.main``, the marts compared with SQL run directly on the source tables;
then source changes (new orders, status changes, a re-scored review, a new translation, orphan
rows), an incremental run, and a rerun that must change nothing.

Needs a PostgreSQL server: scripts/test.sh starts one and exports CONSTELLATION_PG_*; without
those variables the tests try localhost:5432 and skip, saying so, when nothing listens there.
The three runs share one source and one lake (module fixtures, each building on the previous).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from jobs.layout import LakeLayout
from jobs.main import main
from jobs.pipelines.olist import EXTRACT_ORDER, state
from jobs.sources.postgres import PgSettings
from samples.olist import generate_olist
from schemas.charts import OLIST
from tests.conftest import warehouse_chart, warehouse_rows

AS_OF = "2018-10-18 00:00:00"  # the initial rows' updated_at: a database that predates the pipeline
SECRET = "not-a-real-password-7f3a"  # must never show up in a log line or a lake file
NEW_ORDERS = ("a0000000000000000000000000000001", "a0000000000000000000000000000002",
              "a0000000000000000000000000000003")
ORPHAN_ORDER = "ffffffffffffffffffffffffffffffff"


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def pg() -> dict:
    """Connection settings of the test server (env from scripts/postgres.sh, else localhost)."""
    env = os.environ
    host, port = env.get("CONSTELLATION_PG_HOST"), int(env.get("CONSTELLATION_PG_PORT", "5432"))
    if not host:
        if not _reachable("localhost", 5432):
            pytest.skip("PostgreSQL not available: CONSTELLATION_PG_HOST is unset and nothing listens on "
                        "localhost:5432 (scripts/test.sh starts a throwaway server; by hand: "
                        'eval "$(scripts/postgres.sh start)")')
        host = "localhost"
    return {"host": host, "port": port, "user": env.get("CONSTELLATION_PG_USER", "postgres"),
            "db": env.get("CONSTELLATION_PG_DB", "postgres"), "schema": f"olist_test_{os.getpid()}"}


def _conninfo(pg: dict) -> str:
    return f"host={pg['host']} port={pg['port']} user={pg['user']} dbname={pg['db']}"


def pg_rows(pg: dict, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(_conninfo(pg)) as conn:
        return conn.execute(sql.replace("{s}", pg["schema"])).fetchall()


def pg_exec(pg: dict, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_conninfo(pg)) as conn:
        for sql in statements:
            conn.execute(sql.replace("{s}", pg["schema"]))


wh_rows = warehouse_rows


@pytest.fixture(scope="module")
def source(pg, tmp_path_factory):
    """The generated olist database (scale 0.01) in a schema of its own, dropped afterwards."""
    from samples.olist_pg import load

    files = tmp_path_factory.mktemp("olist-csv")
    generate_olist(files, scale=0.01, seed=11)
    counts = load(_conninfo(pg), files, schema=pg["schema"], as_of=AS_OF, replace=True)
    yield {**pg, "counts": counts}
    pg_exec(pg, "drop schema if exists {s} cascade")


def run_pipeline(src: dict, root: Path, *extra: str) -> int:
    return main(["olist", "--lake", str(root / "lake"), "--warehouse", f"duckdb:{root / 'wh.duckdb'}",
                 "--pg-host", src["host"], "--pg-port", str(src["port"]), "--pg-user", src["user"],
                 "--pg-db", src["db"], "--pg-schema", src["schema"], "--pg-partitions", "3", *extra])


def extract_record(root: Path, run_id: str) -> dict:
    return json.loads(Path(state(LakeLayout(str(root / "lake"))).extract_record(run_id)).read_text())


def run_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "lake" / "_runs").glob("*.json"))


# ---- marts computed independently, with SQL on the source tables ----

EXPECTED_ORDERS_BY_STATE = """
    select coalesce(c.customer_state, 'unknown'), count(*), count(distinct c.customer_unique_id)
    from {s}.orders as o left join {s}.customers as c on c.customer_id = o.customer_id
    group by 1 order by 1"""
EXPECTED_SALES_BY_CATEGORY = """
    select coalesce(t.product_category_name_english, p.product_category_name, 'uncategorized'),
           count(distinct i.order_id), count(*), sum(i.price), sum(i.freight_value)
    from {s}.order_items as i
    join {s}.orders as o on o.order_id = i.order_id
    left join {s}.products as p on p.product_id = i.product_id
    left join {s}.product_category_name_translation as t on t.product_category_name = p.product_category_name
    where o.order_status not in ('canceled', 'unavailable')
    group by 1 order by 1"""
EXPECTED_DELIVERY = """
    with d as (
        select coalesce(c.customer_state, 'unknown') as st, to_char(o.order_purchase_timestamp, 'YYYYMM') as m,
               extract(epoch from o.order_delivered_customer_date - o.order_purchase_timestamp) as s,
               case when o.order_delivered_customer_date::date > o.order_estimated_delivery_date::date
                    then 1 else 0 end as late
        from {s}.orders as o left join {s}.customers as c on c.customer_id = o.customer_id
        where o.order_status = 'delivered' and o.order_delivered_customer_date is not null)
    select 'overall', 'all', count(*), avg(s) / 86400, percentile_cont(0.5) within group (order by s) / 3600,
           percentile_cont(0.9) within group (order by s) / 60, sum(late) from d
    union all
    select 'state', st, count(*), avg(s) / 86400, percentile_cont(0.5) within group (order by s) / 3600,
           percentile_cont(0.9) within group (order by s) / 60, sum(late) from d group by st
    union all
    select 'purchase_month', m, count(*), avg(s) / 86400, percentile_cont(0.5) within group (order by s) / 3600,
           percentile_cont(0.9) within group (order by s) / 60, sum(late) from d group by m
    order by 1, 2"""

PIPELINE_ORDERS_BY_STATE = "select customer_state, orders, customers from orders_by_state order by 1"
PIPELINE_SALES_BY_CATEGORY = ("select category_name_en, orders, items, revenue, freight from sales_by_category "
                              "order by 1")
PIPELINE_DELIVERY = ("select grouping_level, group_value, delivered_orders, avg_days, median_hours, p90_minutes, "
                     "late_orders from delivery_time order by 1, 2")


def _same(a: object, b: object) -> bool:
    if isinstance(a, float | Decimal) or isinstance(b, float | Decimal):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
    return a == b


def assert_rows_match(got: list[tuple], expected: list[tuple]) -> None:
    assert len(got) == len(expected), f"{len(got)} rows vs {len(expected)} expected"
    for g, e in zip(got, expected, strict=True):
        assert all(_same(x, y) for x, y in zip(g, e, strict=True)), f"{g} != {e}"


def assert_marts_equal_source_sql(src: dict, wh: Path) -> dict:
    figures = {}
    for name, mine, theirs in (("orders_by_state", PIPELINE_ORDERS_BY_STATE, EXPECTED_ORDERS_BY_STATE),
                               ("sales_by_category", PIPELINE_SALES_BY_CATEGORY, EXPECTED_SALES_BY_CATEGORY),
                               ("delivery_time", PIPELINE_DELIVERY, EXPECTED_DELIVERY)):
        got, expected = wh_rows(wh, mine), pg_rows(src, theirs)
        assert_rows_match(got, expected)
        figures[name] = got
    total = pg_rows(src, "select count(distinct order_id) from {s}.orders")[0][0]
    assert wh_rows(wh, "select sum(orders) from orders_by_state")[0][0] == total
    return figures


def dump_warehouse(wh: Path) -> dict[str, list[tuple]]:
    tables = ["dim_olist_customer", "dim_olist_seller", "dim_olist_product", "dim_olist_geolocation", "dim_date",
              "fact_order", "fact_order_item", "fact_order_payment", "fact_order_review"]
    # content only: a re-read row merged again is stamped with the run that wrote it last (run_id)
    return {t: wh_rows(wh, f"select * exclude (run_id) from {t} order by all") for t in tables}


# ---- the three runs ----


@pytest.fixture(scope="module")
def first_run(spark, source, tmp_path_factory):
    root = tmp_path_factory.mktemp("olist-run")
    os.environ["CONSTELLATION_PG_PASSWORD"] = SECRET  # trust auth ignores it; it must still stay secret
    try:
        assert run_pipeline(source, root, "--run-date", "2018-10-18") == 0
    finally:
        del os.environ["CONSTELLATION_PG_PASSWORD"]
    return {"root": root, "run_id": run_ids(root)[-1]}


def apply_source_changes(src: dict) -> dict[str, int]:
    """Changes an OLTP day brings; returns the rows each table must deliver to the next extract."""
    moving = [r[0] for r in pg_rows(src, "select order_id from {s}.orders where order_status in "
                                         "('shipped', 'invoiced', 'processing', 'approved') order by order_id limit 4")]
    canceled = pg_rows(src, "select min(order_id) from {s}.orders where order_status = 'delivered'")[0][0]
    product, seller = pg_rows(src, "select i.product_id, i.seller_id from {s}.order_items as i order by 1 limit 1")[0]
    review = pg_rows(src, "select review_id, order_id from {s}.order_reviews where review_score = 5 "
                          "order by 1 limit 1")[0]
    ids = ", ".join(f"'{o}'" for o in moving)
    o1, o2, o3 = NEW_ORDERS
    pg_exec(
        src,
        f"""update {{s}}.orders set order_status = 'delivered',
                order_delivered_carrier_date = coalesce(order_delivered_carrier_date,
                                                        order_purchase_timestamp + interval '2 days'),
                order_delivered_customer_date = order_purchase_timestamp + interval '9 days 3 hours'
            where order_id in ({ids})""",
        f"update {{s}}.orders set order_status = 'canceled' where order_id = '{canceled}'",
        f"update {{s}}.order_reviews set review_score = 1 where review_id = '{review[0]}' and order_id = '{review[1]}'",
        """insert into {s}.customers (customer_id, customer_unique_id, customer_zip_code_prefix, customer_city,
                                      customer_state) values
            ('c0000000000000000000000000000001', 'u1', '01310', 'São Paulo', 'SP'),
            ('c0000000000000000000000000000002', 'u2', '20031', 'rio de janeiro', 'RJ'),
            ('c0000000000000000000000000000003', 'u3', '69005', 'manaus', 'AM')""",
        f"""insert into {{s}}.orders values
            ('{o1}', 'c0000000000000000000000000000001', 'delivered', '2018-10-01 10:00:00', '2018-10-01 11:00:00',
             '2018-10-02 09:00:00', '2018-10-06 15:30:00', '2018-10-05 00:00:00'),
            ('{o2}', 'c0000000000000000000000000000002', 'processing', '2018-10-16 08:00:00', '2018-10-16 08:30:00',
             null, null, '2018-11-01 00:00:00'),
            ('{o3}', 'c0000000000000000000000000000003', 'unavailable', '2018-10-16 09:00:00', null,
             null, null, '2018-11-02 00:00:00')""",
        """insert into {s}.products (product_id, product_category_name, product_weight_g)
            values ('b0000000000000000000000000000001', 'pc_gamer', 1500)""",
        "insert into {s}.product_category_name_translation values ('pc_gamer', 'pc_gamer_en')",
        f"""insert into {{s}}.order_items values
            ('{o1}', 1, '{product}', '{seller}', '2018-10-03 00:00:00', 100.00, 10.00),
            ('{o1}', 2, 'b0000000000000000000000000000001', '{seller}', '2018-10-03 00:00:00', 50.00, 5.00),
            ('{o2}', 1, '{product}', '{seller}', '2018-10-18 00:00:00', 20.00, 2.00),
            ('{ORPHAN_ORDER}', 1, '{product}', '{seller}', '2018-10-18 00:00:00', 1.00, 1.00)""",
        f"""insert into {{s}}.order_payments values
            ('{o1}', 1, 'credit_card', 3, 165.00), ('{o2}', 1, 'boleto', 1, 22.00),
            ('{o3}', 1, 'voucher', 1, 40.00), ('{ORPHAN_ORDER}', 1, 'boleto', 1, 2.00)""",
        f"""insert into {{s}}.order_reviews values
            ('d0000000000000000000000000000001', '{o1}', 4, null, 'Chegou,
            tudo certo', '2018-10-07 00:00:00', '2018-10-08 10:00:00')""",
    )
    return {"orders": len(moving) + 1 + 3, "order_items": 4, "order_payments": 4, "order_reviews": 2,
            "customers": 3, "products": 1, "product_category_name_translation": 1, "sellers": 0, "geolocation": 0}


@pytest.fixture(scope="module")
def incremental(source, first_run):
    root = first_run["root"]
    changes = apply_source_changes(source)
    # No safety window here so that "only the changes" is exact: every initial row is stamped AS_OF.
    assert run_pipeline(source, root, "--pg-overlap-minutes", "0", "--run-date", "2018-10-19") == 0
    return {"root": root, "changes": changes, "run_id": run_ids(root)[-1]}


@pytest.fixture(scope="module")
def rerun(source, incremental):
    root = incremental["root"]
    before = dump_warehouse(root / "wh.duckdb")
    marks = json.loads(Path(state(LakeLayout(str(root / "lake"))).watermarks_uri).read_text())["tables"]
    # what the default 60-minute safety window must re-read: the rows stamped after the earlier of
    # the watermark and an hour before the previous extraction ran (database clock): only those
    # can have been in a transaction still open when it read
    window = {t: pg_rows(source, f"select count(*) from {{s}}.{t} where updated_at > least("
                                 f"timestamp '{m['high_water']}', "
                                 f"timestamp '{m['extracted_until']}' - interval '60 minutes')")[0][0]
              for t, m in marks.items()}
    assert run_pipeline(source, root, "--run-date", "2018-10-19") == 0
    return {**incremental, "before": before, "after": dump_warehouse(root / "wh.duckdb"), "window": window,
            "run_id": run_ids(root)[-1]}


# ---- tests ----


def test_first_run_extracts_every_row_and_the_marts_equal_sql_on_the_source(source, first_run, capsys):
    root = first_run["root"]
    record = extract_record(root, first_run["run_id"])
    assert record["full"] and record["base_snapshot_run"] is None
    assert {t: i["rows"] for t, i in record["tables"].items()} == source["counts"]
    assert [t for t in record["tables"]] == list(EXTRACT_ORDER)
    raw = root / "lake" / "raw" / "olist" / "ingest_date=2018-10-18" / f"run_id={first_run['run_id']}"
    assert sorted(p.name for p in raw.iterdir()) == sorted(EXTRACT_ORDER)
    figures = assert_marts_equal_source_sql(source, root / "wh.duckdb")
    overall = figures["delivery_time"][[r[0] for r in figures["delivery_time"]].index("overall")]
    expected = pg_rows(source, EXPECTED_DELIVERY)[0]
    print(f"\n[olist e2e] first run: orders_by_state={figures['orders_by_state'][:3]}… overall delivery "
          f"(orders, avg days, median hours, p90 minutes, late)={overall[2:]} vs SQL on the source {expected[2:]}")


def test_partitioned_reads_split_a_table_on_its_key_hash(source, first_run):
    record = extract_record(first_run["root"], first_run["run_id"])
    assert record["tables"]["geolocation"]["partitions"] == 1  # < 50,000 rows: one read is enough
    settings = PgSettings(host="h", rows_per_partition=100, max_partitions=3)
    from jobs.sources.postgres import extract_query
    from schemas.olist import SOURCES
    assert "md5(concat_ws('|', order_id::text, order_item_id::text))" in extract_query(
        settings, SOURCES["order_items"], None)
    assert "geolocation_id as _part" in extract_query(settings, SOURCES["geolocation"], None)


def test_the_password_is_never_logged_nor_written_to_the_lake(first_run, caplog):
    root = first_run["root"]
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".manifest", ".log", ""):
            assert SECRET not in path.read_text(errors="ignore"), path
    assert SECRET not in repr(PgSettings(host="h", password=SECRET))
    assert SECRET not in caplog.text


def test_incremental_run_extracts_only_the_changed_rows(incremental):
    record = extract_record(incremental["root"], incremental["run_id"])
    assert not record["full"] and record["base_snapshot_run"] is not None
    assert {t: i["rows"] for t, i in record["tables"].items()} == incremental["changes"]
    assert all(i["since"] for i in record["tables"].values())


MARTS = {  # mart -> (the pipeline's view, the same figures computed on the source tables)
    "orders_by_state": (PIPELINE_ORDERS_BY_STATE, EXPECTED_ORDERS_BY_STATE),
    "sales_by_category": (PIPELINE_SALES_BY_CATEGORY, EXPECTED_SALES_BY_CATEGORY),
    "delivery_time": (PIPELINE_DELIVERY, EXPECTED_DELIVERY),
}


@pytest.mark.parametrize("mart", list(MARTS))
def test_after_the_incremental_run_the_mart_equals_a_full_recompute_on_the_source(source, incremental, mart):
    mine, theirs = MARTS[mart]
    got, expected = wh_rows(incremental["root"] / "wh.duckdb", mine), pg_rows(source, theirs)
    print(f"\n[olist e2e] after the incremental run: {mart} {got[:2]}… vs SQL on the source {expected[:2]}…")
    assert_rows_match(got, expected)


def test_after_the_incremental_run_orders_by_state_counts_every_source_order(source, incremental):
    total = pg_rows(source, "select count(distinct order_id) from {s}.orders")[0][0]
    assert wh_rows(incremental["root"] / "wh.duckdb", "select sum(orders) from orders_by_state")[0][0] == total


def test_a_new_translation_reaches_every_product_of_its_category_old_and_new(incremental):
    categories = [r[0] for r in wh_rows(incremental["root"] / "wh.duckdb", PIPELINE_SALES_BY_CATEGORY)]
    assert "pc_gamer_en" in categories
    assert "pc_gamer" not in categories


@pytest.mark.parametrize(("table", "sql"), [pytest.param(table, sql, id=table) for table, sql in (
    ("fact_order", "select count(*) from {s}.orders"),
    ("fact_order_payment", "select count(*) from {s}.order_payments p join {s}.orders o using (order_id)"),
    ("fact_order_item", "select count(*) from {s}.order_items i join {s}.orders o using (order_id)"),
    ("fact_order_review", "select count(*) from {s}.order_reviews"),
    ("dim_olist_customer", "select count(*) + 1 from {s}.customers"),  # + the unknown member
    ("dim_olist_product", "select count(*) + 1 from {s}.products"),
)])
def test_after_the_incremental_run_a_table_has_one_row_per_source_row(source, incremental, table, sql):
    got = wh_rows(incremental["root"] / "wh.duckdb", f"select count(*) from {table}")[0][0]
    assert got == pg_rows(source, sql)[0][0]


def test_after_the_incremental_run_every_order_has_its_current_source_status(source, incremental):
    statuses = dict(wh_rows(incremental["root"] / "wh.duckdb", "select order_id, order_status from fact_order"))
    assert dict(pg_rows(source, "select order_id, order_status from {s}.orders")) == statuses


def test_a_new_order_carries_its_review_score_item_count_and_items_total(incremental):
    assert wh_rows(incremental["root"] / "wh.duckdb", f"select review_score, item_count, items_total from fact_order "
                   f"where order_id = '{NEW_ORDERS[0]}'") == [(4, 2, Decimal("150.00"))]


def test_orphan_items_and_payments_are_counted_and_quarantined(incremental):
    root, run_id = incremental["root"], incremental["run_id"]
    manifest = json.loads((root / "lake" / "_runs" / f"{run_id}.json").read_text())
    by_source = {s["source"]: s for s in manifest["sources"]}
    for source in ("order_items", "order_payments"):
        assert by_source[source]["rows_quarantined"] == 1
        assert by_source[source]["reasons"] == {"order_id: no such order in orders": 1}
    quarantined = "".join(p.read_text() for p in Path(manifest["quarantine_uri"]).glob("*.json"))
    assert quarantined.count(ORPHAN_ORDER) == 2
    assert all(q["failed_rows"] == 0 for q in manifest["quality"] if "reconciliation" in q["rule"])


def test_watermarks_advance_to_the_newest_loaded_change(source, incremental):
    marks = json.loads(Path(state(LakeLayout(str(incremental["root"] / "lake"))).watermarks_uri).read_text())["tables"]
    newest = pg_rows(source, "select max(updated_at) from {s}.orders")[0][0]
    assert datetime.fromisoformat(marks["orders"]["high_water"]) == newest
    assert marks["sellers"]["high_water"] == datetime.fromisoformat(AS_OF).isoformat(timespec="microseconds")


def test_a_rerun_without_source_changes_rereads_the_window_and_changes_nothing(source, rerun):
    record = extract_record(rerun["root"], rerun["run_id"])
    # the safety window re-reads the previous run's changes (made within the hour before it ran);
    # tables whose rows all predate that hour (still at their initial stamp) are not re-read;
    # merging by key absorbs what is re-read
    extracted = {t: i["rows"] for t, i in record["tables"].items()}
    assert extracted == rerun["window"]
    assert all(extracted[t] >= n for t, n in rerun["changes"].items())
    assert rerun["after"] == rerun["before"]
    wh = rerun["root"] / "wh.duckdb"
    for table, key in (("fact_order", "order_id"), ("fact_order_item", "order_item_key"),
                       ("dim_olist_customer", "customer_id")):
        assert wh_rows(wh, f"select count(*) - count(distinct {key}) from {table}")[0][0] == 0
    assert_marts_equal_source_sql(source, wh)


# ---- the report's charts: the rows each one gets, against SQL on the facts and dimensions ----

# Each olist chart computed from fact_order, fact_order_item and the dimensions (never the
# sales_by_category / delivery_time / orders_by_state views), in the order the page shows them.
_DELIVERED = """
    select coalesce(c.state, 'unknown') as st, date_diff('second', o.purchased_at, o.delivered_customer_at) as s
    from fact_order as o left join dim_olist_customer as c on c.customer_key = o.customer_key
    where o.order_status = 'delivered' and o.delivered_customer_at is not null"""
CHARTS_ON_THE_TABLES = {  # title -> (the columns the chart gets, the SQL)
    "Sales by product category (top 15 by revenue)": (["category", "revenue", "orders", "items"], """
        select p.category_name_en, sum(i.price), count(distinct o.order_id), count(*)
        from fact_order_item as i join fact_order as o on o.order_id = i.order_id
        join dim_olist_product as p on p.product_key = i.product_key
        where o.order_status not in ('canceled', 'unavailable')
        group by 1 order by 2 desc, 1 limit 15"""),
    "Delivery time by customer state": (["customer_state", "avg_days", "median_days", "delivered_orders"], f"""
        select st, avg(s) / 86400, quantile_cont(s, 0.5) / 86400, count(*) from ({_DELIVERED})
        group by st order by 2 desc, 1"""),
    "Orders by customer state": (["customer_state", "orders", "customers"], """
        select coalesce(c.state, 'unknown'), count(*), count(distinct c.customer_unique_id)
        from fact_order as o left join dim_olist_customer as c on c.customer_key = o.customer_key
        group by 1 order by 2 desc, 1"""),
}


@pytest.mark.parametrize("chart", OLIST, ids=[c.title for c in OLIST])
def test_each_report_chart_gets_the_rows_sql_on_the_facts_and_dimensions_computes(rerun, chart):
    wh = rerun["root"] / "wh.duckdb"
    data = warehouse_chart(wh, chart)
    columns, sql = CHARTS_ON_THE_TABLES[chart.title]
    expected = wh_rows(wh, sql)
    assert data.columns == columns
    assert expected and len(data.rows) == len(expected)
    assert_rows_match(data.rows, expected)  # floats and decimals to 1e-6, the order the page shows


def test_loading_again_is_a_no_op(source, rerun, capsys):
    before = dump_warehouse(rerun["root"] / "wh.duckdb")
    assert run_pipeline(source, rerun["root"], "--steps", "load") == 0
    assert "already up to date" in capsys.readouterr().out
    assert dump_warehouse(rerun["root"] / "wh.duckdb") == before


def test_unreachable_postgres_is_a_clear_error_and_publishes_nothing(spark, tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    rc = main(["olist", "--lake", str(tmp_path / "lake"), "--warehouse", f"duckdb:{tmp_path / 'wh.duckdb'}",
               "--pg-host", "127.0.0.1", "--pg-port", str(port)])
    assert rc == 3
    assert f"PostgreSQL is unreachable at 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "lake" / "_runs").exists() and not (tmp_path / "lake" / "_landings").exists()


def test_settings_come_from_options_then_environment_and_validate(monkeypatch):
    from jobs.config import ConfigError

    env = {"CONSTELLATION_PG_HOST": "db.internal", "CONSTELLATION_PG_PORT": "6543", "PGPASSWORD": SECRET}
    s = PgSettings.from_options({"pg_user": "etl", "since": "2018-10-01", "full_refresh": False}, env)
    assert (s.host, s.port, s.user, s.password, s.since) == ("db.internal", 6543, "etl", SECRET,
                                                             datetime(2018, 10, 1))
    assert s.url == "jdbc:postgresql://db.internal:6543/postgres" and SECRET not in s.describe("orders")
    assert PgSettings.from_options({}, {}).host is None  # no server named: the embedded default
    with pytest.raises(ConfigError, match="--pg-port 'x': not a valid int"):
        PgSettings.from_options({"pg_host": "h", "pg_port": "x"}, {})


def test_extraction_starts_at_the_watermark_minus_the_window_unless_told_otherwise():
    from datetime import timedelta

    from jobs.sources.postgres import extraction_start

    mark = {"high_water": "2018-10-18T12:00:00.000000"}
    pg = PgSettings(host="h", overlap=timedelta(minutes=30))
    assert extraction_start(pg, mark, has_base=True) == datetime(2018, 10, 18, 11, 30)
    assert extraction_start(pg, None, has_base=True) is None  # never extracted: everything
    assert extraction_start(pg, mark, has_base=False) is None  # nothing to merge into: everything
    since = PgSettings(host="h", since=datetime(2018, 9, 1))
    assert extraction_start(since, mark, has_base=True) == datetime(2018, 9, 1)
    assert extraction_start(since, mark, has_base=False) is None  # a partial extract can't be the table
    full = PgSettings.from_options({"full_refresh": "true"}, {"CONSTELLATION_PG_HOST": "h"})
    assert full.full_refresh and extraction_start(full, mark, has_base=True) is None
    assert not PgSettings.from_options({"full_refresh": "false"}, {"CONSTELLATION_PG_HOST": "h"}).full_refresh
