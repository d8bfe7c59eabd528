-- What Eurostat publishes now for demo_r_pjangrp3: the open version of every cell.
create or replace view fact_eurostat_population_current as
select
    p.observation_key,
    p.dataset,
    p.freq,
    p.unit,
    p.sex_code,
    p.age_code,
    p.geo_code,
    p.time_period,
    p.region_key,
    p.age_group_key,
    p.sex_key,
    p.value,
    p.flags,
    p.valid_from
from fact_eurostat_population as p
where p.valid_to is null
