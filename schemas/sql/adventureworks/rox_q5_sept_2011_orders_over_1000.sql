create or replace view rox_q5_sept_2011_orders_over_1000 as
with september_2011_orders_over_1000 as (
    select
        o.sales_order_id,
        o.order_date,
        o.total_due
    from fact_sales_order as o
    where o.order_date_key between 20110901 and 20110930
        and o.total_due > 1000
)
select
    row_number() over (order by s.total_due desc, s.sales_order_id) as total_due_rank,
    s.sales_order_id,
    s.order_date,
    s.total_due
from september_2011_orders_over_1000 as s
