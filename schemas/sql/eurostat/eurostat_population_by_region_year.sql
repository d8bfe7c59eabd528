-- Population on 1 January per region and year, both sexes, as currently published. The total
-- is Eurostat's own TOTAL (it includes persons of unknown age); the broad age groups are sums
-- of the disjoint 5-year bands (Y_LT5 ... Y_GE85, dim_age_group.is_band), not the published
-- aggregates (demo_r_pjangrp3 has none), and are null unless all 18 bands have a value. The
-- share of 65+ is over the published total, as Eurostat's PC_Y65_MAX indicator is.
create or replace view eurostat_population_by_region_year as
with current_both_sexes as (
    select
        p.geo_code,
        p.region_key,
        p.time_period,
        p.value,
        a.is_total,
        a.is_band,
        a.age_lower,
        a.age_upper
    from fact_eurostat_population_current as p
    inner join dim_age_group as a on a.age_group_key = p.age_group_key
    where p.sex_code = 'T' and p.unit = 'NR'
),
sums_per_region_year as (
    select
        geo_code,
        region_key,
        time_period,
        max(case when is_total then value end) as population_total,
        sum(case when is_band and age_upper <= 14 then value end) as population_0_14,
        sum(case when is_band and age_lower >= 15 and age_upper <= 64 then value end) as population_15_64,
        sum(case when is_band and age_lower >= 65 then value end) as population_65_plus,
        count(case when is_band and value is not null then 1 end) as bands_with_value
    from current_both_sexes
    group by geo_code, region_key, time_period
)
select
    s.geo_code as region_code,
    r.region_name,
    r.nuts_level,
    r.country_code,
    r.is_nuts,
    s.time_period as year,
    s.population_total,
    case when s.bands_with_value = 18 then s.population_0_14 end as population_0_14,
    case when s.bands_with_value = 18 then s.population_15_64 end as population_15_64,
    case when s.bands_with_value = 18 then s.population_65_plus end as population_65_plus,
    case
        when s.bands_with_value = 18 and s.population_total > 0
            then cast(s.population_65_plus as double precision) / cast(s.population_total as double precision)
    end as share_65_plus
from sums_per_region_year as s
inner join dim_region as r on r.region_key = s.region_key
