create or replace view daily_sales as
with orders_per_day as (
    select
        o.order_date,
        count(*) as orders,
        sum(o.sub_total) as sub_total,
        sum(o.total_due) as total_due
    from fact_sales_order as o
    group by o.order_date
),
lines_per_day as (
    select
        l.order_date,
        count(*) as order_lines,
        sum(l.order_qty) as units,
        sum(l.line_total) as revenue
    from fact_sales_order_line as l
    group by l.order_date
)
select
    d.date_key,
    o.order_date,
    d.day_name,
    o.orders,
    coalesce(l.order_lines, 0) as order_lines,
    coalesce(l.units, 0) as units,
    coalesce(l.revenue, 0) as revenue,
    o.sub_total,
    o.total_due
from orders_per_day as o
inner join dim_date as d on d.full_date = o.order_date
left join lines_per_day as l on l.order_date = o.order_date
