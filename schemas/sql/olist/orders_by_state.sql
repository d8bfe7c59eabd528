-- Orders per customer state: one row per order (fact_order grain), the state from the order's
-- customer row (customer_id), never through a zip/city table. States sum to the order count.
create or replace view orders_by_state as
with orders_with_state as (
    select
        coalesce(c.state, 'unknown') as customer_state,
        c.customer_unique_id,
        o.is_sale,
        o.is_delivered,
        o.items_total,
        o.freight_total
    from fact_order as o
    inner join dim_olist_customer as c on c.customer_key = o.customer_key
)
select
    customer_state,
    count(*) as orders,
    count(distinct customer_unique_id) as customers,
    sum(case when is_sale then 1 else 0 end) as sale_orders,
    sum(case when is_delivered then 1 else 0 end) as delivered_orders,
    sum(case when is_sale then items_total else 0 end) as sales_revenue,
    sum(case when is_sale then freight_total else 0 end) as sales_freight
from orders_with_state
group by customer_state
