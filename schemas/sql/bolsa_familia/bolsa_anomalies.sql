-- The municipality-months flagged by bolsa_municipality_month's robust rule, with what jumped.
create or replace view bolsa_anomalies as
select
    municipality_code,
    municipality_name,
    uf,
    month_key,
    source_feed,
    families_paid,
    amount_brl,
    brl_per_family,
    median_families,
    median_brl_per_family,
    families_anomaly,
    brl_per_family_anomaly
from bolsa_municipality_month
where is_anomaly
