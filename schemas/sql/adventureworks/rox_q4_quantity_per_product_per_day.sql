create or replace view rox_q4_quantity_per_product_per_day as
with quantity_per_product_day as (
    select
        l.order_date,
        l.product_key,
        sum(l.order_qty) as total_quantity
    from fact_sales_order_line as l
    group by l.order_date, l.product_key
)
select
    q.order_date,
    p.product_id,
    p.product_name,
    q.total_quantity
from quantity_per_product_day as q
inner join dim_product as p on p.product_key = q.product_key
