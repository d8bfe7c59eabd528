-- Each respondent with their region's Eurostat context as currently published (the open
-- version of every cell).
-- The reference year is the interview year, or the nearest earlier year the region has a published
-- population total for; context is null when there is none (no region, a non-NUTS code, a year
-- before the data). share_65_plus_pct is PC_Y65_MAX, median_age MEDAGEPOP and
-- old_age_dependency_ratio OLDDEP1 (65+ per 100 aged 15-64) of demo_r_pjanind3.
create or replace view ess_respondent_context_current as
with respondents as (
    select
        f.essround,
        f.cntry,
        f.idno,
        f.region_code,
        f.region_key,
        f.interview_year,
        f.agea,
        f.gndr,
        f.anweight,
        f.pspwght,
        f.pweight
    from fact_ess_response as f
),
population_totals as (
    select
        p.region_key,
        p.time_period,
        p.value as population_total
    from fact_eurostat_population as p
    where p.valid_to is null and p.sex_code = 'T' and p.age_code = 'TOTAL' and p.unit = 'NR' and p.value is not null
),
indicators as (
    select
        i.region_key,
        i.time_period,
        max(case when i.indicator_code = 'PC_Y65_MAX' then i.value end) as share_65_plus_pct,
        max(case when i.indicator_code = 'MEDAGEPOP' then i.value end) as median_age,
        max(case when i.indicator_code = 'OLDDEP1' then i.value end) as old_age_dependency_ratio
    from fact_eurostat_indicator as i
    where i.valid_to is null and i.indicator_code in ('PC_Y65_MAX', 'MEDAGEPOP', 'OLDDEP1')
    group by i.region_key, i.time_period
),
reference_years as (
    select
        r.essround,
        r.cntry,
        r.idno,
        max(c.time_period) as context_year
    from respondents as r
    inner join population_totals as c
        on c.region_key = r.region_key and c.time_period <= r.interview_year
    group by r.essround, r.cntry, r.idno
)
select
    r.essround,
    r.cntry,
    r.idno,
    r.region_code,
    r.interview_year,
    r.agea,
    r.gndr,
    coalesce(r.anweight, r.pspwght * r.pweight) as weight,
    y.context_year,
    p.population_total,
    i.share_65_plus_pct,
    i.median_age,
    i.old_age_dependency_ratio
from respondents as r
left join reference_years as y
    on y.essround = r.essround and y.cntry = r.cntry and y.idno = r.idno
left join population_totals as p
    on p.region_key = r.region_key and p.time_period = y.context_year
left join indicators as i
    on i.region_key = r.region_key and i.time_period = y.context_year
