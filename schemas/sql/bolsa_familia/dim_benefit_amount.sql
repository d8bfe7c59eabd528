-- The seed's dim_benefit_amount with the month it had dropped: benefit counts per city and month.
create or replace view dim_benefit_amount as
select
    b.municipality_code as city_code,
    b.month_key as year_month,
    b.basic_benefits,
    b.variable_benefits,
    b.youth_benefits as youngling_benefits,
    b.nursing_mother_benefits as nutriz_benefits,
    b.pregnancy_benefits,
    b.extreme_poverty_benefits as poverty_benefits,
    d.uf as state_iso
from fact_social_benefit_month as b
inner join dim_municipality as d on d.municipality_code = b.municipality_code
