-- What Eurostat publishes now for demo_r_pjanind3: the open version of every cell.
create or replace view fact_eurostat_indicator_current as
select
    i.observation_key,
    i.dataset,
    i.freq,
    i.indicator_code,
    i.unit,
    i.geo_code,
    i.time_period,
    i.region_key,
    i.indicator_key,
    i.value,
    i.flags,
    i.valid_from
from fact_eurostat_indicator as i
where i.valid_to is null
