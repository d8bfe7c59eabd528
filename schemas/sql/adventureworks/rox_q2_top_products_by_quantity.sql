create or replace view rox_q2_top_products_by_quantity as
with quantity_per_product as (
    select
        l.product_key,
        sum(l.order_qty) as total_quantity
    from fact_sales_order_line as l
    group by l.product_key
),
products_ranked_by_quantity as (
    select
        q.product_key,
        q.total_quantity,
        row_number() over (order by q.total_quantity desc, p.product_id) as quantity_rank
    from quantity_per_product as q
    inner join dim_product as p on p.product_key = q.product_key
)
select
    r.quantity_rank,
    p.product_id,
    p.product_name,
    p.days_to_manufacture,
    r.total_quantity
from products_ranked_by_quantity as r
inner join dim_product as p on p.product_key = r.product_key
where r.quantity_rank <= 3
