-- The ten largest value revisions of each vintage of each dataset: the cell (region, year and
-- the rest of its series key), its value before and after, and the relative change. Flag-only
-- changes and cells without a value on either side are not value revisions.
create or replace view eurostat_largest_revisions as
with all_versions as (
    select
        p.dataset, p.observation_key, p.geo_code, p.time_period,
        p.freq || ',' || p.unit || ',' || p.sex_code || ',' || p.age_code as series,
        p.value, p.valid_from, p.valid_to
    from fact_eurostat_population as p
    union all
    select
        i.dataset, i.observation_key, i.geo_code, i.time_period,
        i.freq || ',' || i.indicator_code || ',' || i.unit as series,
        i.value, i.valid_from, i.valid_to
    from fact_eurostat_indicator as i
),
value_revisions as (
    select
        n.dataset,
        n.valid_from as vintage,
        n.geo_code,
        n.time_period,
        n.series,
        o.value as value_before,
        n.value as value_after,
        abs(cast(n.value - o.value as double precision)) / abs(cast(o.value as double precision)) as relative_change
    from all_versions as n
    inner join all_versions as o
        on o.dataset = n.dataset and o.observation_key = n.observation_key and o.valid_to = n.valid_from
    where o.value is not null and n.value is not null and o.value <> 0 and n.value <> o.value
),
ranked_revisions as (
    select
        r.*,
        row_number() over (
            partition by r.dataset, r.vintage order by r.relative_change desc, r.geo_code, r.time_period, r.series
        ) as revision_rank
    from value_revisions as r
)
select
    dataset,
    vintage,
    revision_rank,
    geo_code as region_code,
    time_period as year,
    series,
    value_before,
    value_after,
    relative_change
from ranked_revisions
where revision_rank <= 10
