-- The seed's fact_ibge at its correct grain (one row per city and month, the month kept):
-- city_code is the 7-digit IBGE code, year_month YYYYMM.
create or replace view fact_ibge as
select
    c.municipality_code as city_code,
    c.month_key as year_month,
    d.municipality_name as city_name,
    d.uf as state_iso,
    c.families_paid as family_count,
    t.amount_brl as city_expenses,
    c.basic_benefits
from bolsa_coverage_month as c
inner join dim_municipality as d on d.municipality_code = c.municipality_code
left join bolsa_transfer_month as t on t.municipality_code = c.municipality_code and t.month_key = c.month_key
