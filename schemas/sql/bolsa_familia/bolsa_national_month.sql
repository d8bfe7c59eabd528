-- One row per month: the national totals, summed over municipalities (not over states, so the
-- state totals reconcile against an independent sum).
create or replace view bolsa_national_month as
select
    c.month_key,
    count(*) as municipalities,
    sum(c.families_paid) as families_paid,
    sum(t.amount_brl) as amount_brl,
    sum(c.basic_benefits) as basic_benefits
from bolsa_coverage_month as c
left join bolsa_transfer_month as t on t.municipality_code = c.municipality_code and t.month_key = c.month_key
group by c.month_key
