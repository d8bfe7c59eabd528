-- The seed's dim_value_description: families paid and BRL per city and month (BRL exact).
create or replace view dim_value_description as
select
    municipality_code as city_code,
    month_key as year_month,
    families_paid as family_count,
    amount_brl as city_expenses
from bolsa_transfer_month
