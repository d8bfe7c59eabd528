-- Delivery time of delivered orders (purchase to delivery to the customer), averaged per order
-- (fact_order grain), overall, per customer state and per purchase month: grouping_level says
-- which. Median and 90th percentile use percentile_cont, ordered by the same expression in
-- every call (a Redshift requirement for several sort-based aggregates in one statement).
create or replace view delivery_time as
with delivered_orders as (
    select
        coalesce(c.state, 'unknown') as customer_state,
        cast(o.purchase_year_month as varchar(6)) as purchase_month,
        cast(o.delivery_seconds as double precision) as delivery_seconds,
        case when o.is_late then 1 else 0 end as late,
        o.delivery_vs_estimate_days
    from fact_order as o
    inner join dim_olist_customer as c on c.customer_key = o.customer_key
    where o.is_delivered
),
stats_per_group as (
    select
        'overall' as grouping_level,
        'all' as group_value,
        count(*) as delivered_orders,
        avg(delivery_seconds) as avg_seconds,
        percentile_cont(0.5) within group (order by delivery_seconds) as median_seconds,
        percentile_cont(0.9) within group (order by delivery_seconds) as p90_seconds,
        sum(late) as late_orders,
        avg(delivery_vs_estimate_days * 1.0) as avg_days_vs_estimate
    from delivered_orders
    union all
    select
        'state' as grouping_level,
        customer_state as group_value,
        count(*) as delivered_orders,
        avg(delivery_seconds) as avg_seconds,
        percentile_cont(0.5) within group (order by delivery_seconds) as median_seconds,
        percentile_cont(0.9) within group (order by delivery_seconds) as p90_seconds,
        sum(late) as late_orders,
        avg(delivery_vs_estimate_days * 1.0) as avg_days_vs_estimate
    from delivered_orders
    group by customer_state
    union all
    select
        'purchase_month' as grouping_level,
        purchase_month as group_value,
        count(*) as delivered_orders,
        avg(delivery_seconds) as avg_seconds,
        percentile_cont(0.5) within group (order by delivery_seconds) as median_seconds,
        percentile_cont(0.9) within group (order by delivery_seconds) as p90_seconds,
        sum(late) as late_orders,
        avg(delivery_vs_estimate_days * 1.0) as avg_days_vs_estimate
    from delivered_orders
    group by purchase_month
)
select
    grouping_level,
    group_value,
    delivered_orders,
    avg_seconds / 86400.0 as avg_days,
    median_seconds / 86400.0 as median_days,
    p90_seconds / 86400.0 as p90_days,
    avg_seconds / 3600.0 as avg_hours,
    median_seconds / 3600.0 as median_hours,
    p90_seconds / 3600.0 as p90_hours,
    avg_seconds / 60.0 as avg_minutes,
    median_seconds / 60.0 as median_minutes,
    p90_seconds / 60.0 as p90_minutes,
    late_orders,
    late_orders * 1.0 / delivered_orders as late_share,
    avg_days_vs_estimate
from stats_per_group
