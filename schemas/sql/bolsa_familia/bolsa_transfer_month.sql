-- One row per municipality and month: families paid and BRL transferred, summed over the
-- programmes of one feed. Where both feeds have the month, the transparency API (the payment
-- record) is used and MI Social's transfers layout otherwise; source_feed says which.
create or replace view bolsa_transfer_month as
with per_feed as (
    select
        municipality_code,
        month_key,
        month_start,
        source_feed,
        sum(families_paid) as families_paid,
        sum(amount_brl) as amount_brl
    from fact_transfer_month
    group by municipality_code, month_key, month_start, source_feed
),
ranked_feeds as (
    select
        p.*,
        row_number() over (
            partition by p.municipality_code, p.month_key
            order by case when p.source_feed = 'transparencia' then 1 else 2 end
        ) as feed_rank
    from per_feed as p
)
select
    municipality_code,
    month_key,
    month_start,
    source_feed,
    families_paid,
    amount_brl
from ranked_feeds
where feed_rank = 1
