-- One row per state and month: the sum of its municipalities (families paid, BRL, basic benefits).
create or replace view bolsa_state_month as
select
    d.state_code,
    d.uf,
    d.state_name,
    c.month_key,
    count(*) as municipalities,
    sum(c.families_paid) as families_paid,
    sum(t.amount_brl) as amount_brl,
    sum(c.basic_benefits) as basic_benefits
from bolsa_coverage_month as c
inner join dim_municipality as d on d.municipality_code = c.municipality_code
left join bolsa_transfer_month as t on t.municipality_code = c.municipality_code and t.month_key = c.month_key
group by d.state_code, d.uf, d.state_name, c.month_key
