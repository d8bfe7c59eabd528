-- Sales by product category. A sale is an order line of an order that is neither canceled nor
-- unavailable (fact_order.is_sale): those orders are left out. Freight is reported apart from
-- the item price (revenue).
create or replace view sales_by_category as
with sale_lines as (
    select i.order_id, i.product_key, i.price, i.freight_value
    from fact_order_item as i
    inner join fact_order as o on o.order_key = i.order_key
    where o.is_sale
),
sales_per_category as (
    select
        p.category_name_en,
        p.category_name_pt,
        p.is_category_translated,
        count(distinct s.order_id) as orders,
        count(*) as items,
        sum(s.price) as revenue,
        sum(s.freight_value) as freight
    from sale_lines as s
    inner join dim_olist_product as p on p.product_key = s.product_key
    group by p.category_name_en, p.category_name_pt, p.is_category_translated
)
select
    category_name_en,
    category_name_pt,
    is_category_translated,
    orders,
    items,
    revenue,
    freight,
    revenue / items as avg_item_price
from sales_per_category
