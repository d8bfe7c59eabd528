"""The report's mart charts, per pipeline: data, not code (jobs.report draws them).

Each chart is a query on the pipeline's views (schemas/sql/<pipeline>/, portable to DuckDB and
Redshift), a kind (``bar`` vertical bars, ``hbar`` horizontal bars, ``line`` over time,
``table`` rows only) and the columns on each axis with their titles and units. Every chart's
table is shown under it. A pipeline without an entry gets only the run section.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("bar", "hbar", "line", "table")


@dataclass(frozen=True)
class Chart:
    title: str
    sql: str
    kind: str
    x: str = ""  # column on the x axis (hbar: the category on the y axis is ``x`` too)
    y: str = ""  # the measure
    x_title: str = ""  # axis title, with the unit
    y_title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"chart {self.title!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.kind != "table" and not (self.x and self.y and self.x_title and self.y_title):
            raise ValueError(f"chart {self.title!r}: a {self.kind} chart needs x, y and both axis titles")


FLIGHTS = (
    Chart("On-time arrival rate by airline",
          "select airline_name, 100.0 * sum(flights - delayed_flights) / sum(flights) as on_time_pct, "
          "sum(flights) as flights from delayed_flights_agg group by airline_name "
          "order by on_time_pct desc, airline_name",
          "hbar", "airline_name", "on_time_pct", "airline", "flights arriving on time (%)"),
    Chart("Average arrival delay by airline",
          "select airline_name, avg(arrival_delay_min * 1.0) as avg_arrival_delay_min, "
          "count(arrival_delay_min) as flights_with_delay from flights_details group by airline_name "
          "order by avg_arrival_delay_min desc, airline_name",
          "hbar", "airline_name", "avg_arrival_delay_min", "airline", "average arrival delay (minutes)"),
    Chart("Delayed flights by month",
          "select cast(date_trunc('month', flight_date) as date) as month, sum(delayed_flights) as delayed_flights, "
          "sum(flights) as flights from delayed_flights_agg group by 1 order by 1",
          "line", "month", "delayed_flights", "month", "delayed flights (count)"),
    Chart("Worst routes: highest average arrival delay (at least 3 flights)",
          "select origin_airport_code || '-' || destination_airport_code as route, "
          "avg(arrival_delay_min * 1.0) as avg_arrival_delay_min, count(*) as flights from flights_details "
          "group by origin_airport_code, destination_airport_code having count(arrival_delay_min) >= 3 "
          "order by avg_arrival_delay_min desc, route limit 10",
          "hbar", "route", "avg_arrival_delay_min", "route (origin-destination)", "average arrival delay (minutes)"),
)

OLIST = (
    Chart("Sales by product category (top 15 by revenue)",
          "select coalesce(category_name_en, category_name_pt, 'unknown') as category, revenue, orders, items "
          "from sales_by_category order by revenue desc, category limit 15",
          "hbar", "category", "revenue", "product category", "revenue (BRL, item prices without freight)"),
    Chart("Delivery time by customer state",
          "select group_value as customer_state, avg_days, median_days, delivered_orders from delivery_time "
          "where grouping_level = 'state' order by avg_days desc, customer_state",
          "bar", "customer_state", "avg_days", "customer state", "average delivery time (days)"),
    Chart("Orders by customer state",
          "select customer_state, orders, customers from orders_by_state order by orders desc, customer_state",
          "bar", "customer_state", "orders", "customer state", "orders (count)"),
)

ADVENTUREWORKS = (
    Chart("Daily sales", "select order_date, revenue, orders from daily_sales order by order_date",
          "line", "order_date", "revenue", "order date", "revenue (USD, line totals)"),
    Chart("Top products by quantity sold",
          "select product_name, total_quantity from rox_q2_top_products_by_quantity order by quantity_rank",
          "hbar", "product_name", "total_quantity", "product", "quantity sold (units)"),
    Chart("Q1: orders with three or more lines", "select * from rox_q1_orders_with_3plus_lines", "table"),
    Chart("Q2: top products by quantity",
          "select * from rox_q2_top_products_by_quantity order by quantity_rank", "table"),
    Chart("Q2b: top products per days to manufacture",
          "select * from rox_q2b_top_products_per_days_to_manufacture order by days_to_manufacture, quantity_rank",
          "table"),
    Chart("Q3: orders per customer (top 20)",
          "select * from rox_q3_orders_per_customer order by order_count desc, customer_id limit 20", "table"),
    Chart("Q4: quantity per product per day (first 20)",
          "select * from rox_q4_quantity_per_product_per_day order by order_date, product_id limit 20", "table"),
    Chart("Q5: September 2011 orders over 1,000",
          "select * from rox_q5_sept_2011_orders_over_1000 order by total_due_rank", "table"),
)

# One region: the most populous NUTS region of the latest year (not an aggregate such as EA20
# or EU27_2020), its 5-year age bands.
_EUROSTAT_REGION = (
    "with latest as (select max(year) as year from eurostat_population_by_region_year), "
    "region as (select p.region_code, p.year from eurostat_population_by_region_year as p "
    "inner join latest as l on l.year = p.year where p.population_total is not null and p.is_nuts "
    "order by p.population_total desc, p.region_code limit 1) "
)

EUROSTAT = (
    Chart("Population by age band, most populous region, latest year",
          _EUROSTAT_REGION
          + "select r.region_code, r.year, a.age_label, a.age_lower, f.value as population "
            "from fact_eurostat_population_current as f "
            "inner join dim_age_group as a on a.age_group_key = f.age_group_key "
            "inner join region as r on r.region_code = f.geo_code and r.year = f.time_period "
            "where a.is_band and f.sex_code = 'T' and f.unit = 'NR' order by a.age_lower",
          "bar", "age_label", "population", "age band (years)", "population on 1 January (persons)"),
    Chart("Revision log: what each vintage changed",
          "select * from eurostat_revision_log order by dataset, vintage", "table"),
)

_ESS_LATEST = "(select max(essround) from ess_region_trust)"
ESS = (
    Chart("Trust in parliament by region, latest round (weighted mean; the 20 regions with most respondents)",
          "select cntry || ' ' || region_code as region, trstprl_weighted_mean as trust_in_parliament, "
          "trstprl_n as answered from ess_region_trust "
          f"where essround = {_ESS_LATEST} and region_code is not null and trstprl_n > 0 "
          "order by respondents desc, region limit 20",
          "hbar", "region", "trust_in_parliament", "region (country, NUTS code)",
          "trust in parliament, weighted mean (0 = none, 10 = complete)"),
    Chart("Weighted trust by region beside its Eurostat context (current figures, latest round)",
          "with context as (select essround, cntry, region_code, context_year, max(population_total) as population, "
          "max(share_65_plus_pct) as share_65_plus_pct, max(median_age) as median_age "
          "from ess_respondent_context_current where region_code is not null "
          "group by essround, cntry, region_code, context_year) "
          "select t.cntry, t.region_code, t.respondents, t.ppltrst_weighted_mean as social_trust, "
          "t.trstprl_weighted_mean as trust_in_parliament, c.context_year, c.population, c.share_65_plus_pct, "
          "c.median_age from ess_region_trust as t left join context as c on c.essround = t.essround "
          "and c.cntry = t.cntry and c.region_code = t.region_code "
          f"where t.essround = {_ESS_LATEST} and t.region_code is not null "
          "order by t.cntry, t.region_code, c.context_year",
          "table"),
)

BOLSA_FAMILIA = (
    Chart("BRL paid per family by state, latest month",
          "select uf, cast(amount_brl as double) / families_paid as brl_per_family, families_paid, amount_brl, "
          "month_key from bolsa_state_month where month_key = (select max(month_key) from bolsa_state_month) "
          "and families_paid > 0 and amount_brl is not null order by brl_per_family desc, uf",
          "hbar", "uf", "brl_per_family", "state (UF)", "BRL paid per family (reais)"),
    Chart("Anomalies: municipality-months far from their own trailing 12 months (median and MAD rule)",
          "select * from bolsa_anomalies order by month_key, uf, municipality_code, source_feed", "table"),
)

CHARTS: dict[str, tuple[Chart, ...]] = {
    "flights": FLIGHTS,
    "olist": OLIST,
    "adventureworks": ADVENTUREWORKS,
    "eurostat": EUROSTAT,
    "ess": ESS,
    "bolsa_familia": BOLSA_FAMILIA,
}


def charts_of(pipeline: str) -> tuple[Chart, ...]:
    return CHARTS.get(pipeline, ())
