-- Per month: municipalities in both feeds, with benefit counts but no transfer, and with a
-- transfer but no benefit counts.
create or replace view bolsa_feed_gaps_month as
select
    month_key,
    sum(case when in_benefit_feed and in_transfer_feed then 1 else 0 end) as in_both_feeds,
    sum(case when in_benefit_feed and not in_transfer_feed then 1 else 0 end) as only_benefit_feed,
    sum(case when in_transfer_feed and not in_benefit_feed then 1 else 0 end) as only_transfer_feed
from bolsa_coverage_month
group by month_key
