-- One row per municipality and month present in either feed: basic benefits counted (MI Social)
-- against families paid (transfers), the coverage ratio between them, and which feed has it.
create or replace view bolsa_coverage_month as
select
    coalesce(b.municipality_code, t.municipality_code) as municipality_code,
    coalesce(b.month_key, t.month_key) as month_key,
    b.basic_benefits,
    t.families_paid,
    cast(t.families_paid as double precision) / nullif(b.basic_benefits, 0) as coverage_ratio,
    b.municipality_code is not null as in_benefit_feed,
    t.municipality_code is not null as in_transfer_feed
from fact_social_benefit_month as b
full outer join bolsa_transfer_month as t
    on t.municipality_code = b.municipality_code and t.month_key = b.month_key
