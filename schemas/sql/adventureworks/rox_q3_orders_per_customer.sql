create or replace view rox_q3_orders_per_customer as
with orders_per_customer as (
    select
        o.customer_key,
        count(*) as order_count
    from fact_sales_order as o
    group by o.customer_key
)
select
    c.customer_id,
    c.customer_type,
    c.customer_name,
    c.first_name,
    c.last_name,
    coalesce(opc.order_count, 0) as order_count
from dim_customer as c
left join orders_per_customer as opc on opc.customer_key = c.customer_key
where c.customer_key <> -1 or opc.order_count is not null
