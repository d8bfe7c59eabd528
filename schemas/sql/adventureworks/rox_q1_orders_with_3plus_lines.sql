create or replace view rox_q1_orders_with_3plus_lines as
with lines_per_order as (
    select
        l.sales_order_id,
        count(*) as line_count
    from fact_sales_order_line as l
    group by l.sales_order_id
)
select
    count(*) as orders_with_3plus_lines
from lines_per_order as lpo
where lpo.line_count >= 3
