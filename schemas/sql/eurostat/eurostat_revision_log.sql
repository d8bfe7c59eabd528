-- What each vintage of each dataset changed: cells it added (no earlier version), cells it
-- changed (value or flags: it closed a version and opened the next), cells it closed without a
-- successor (withdrawn), and the largest relative change of a value among the changed cells.
-- The first vintage of a dataset adds all its cells.
create or replace view eurostat_revision_log as
with all_versions as (
    select p.dataset, p.observation_key, p.value, p.valid_from, p.valid_to
    from fact_eurostat_population as p
    union all
    select i.dataset, i.observation_key, i.value, i.valid_from, i.valid_to
    from fact_eurostat_indicator as i
),
opened_versions as (
    select
        n.dataset,
        n.valid_from as vintage,
        case when o.observation_key is null then 1 else 0 end as is_added,
        case
            when o.value is not null and n.value is not null and o.value <> 0
                then abs(cast(n.value - o.value as double precision)) / abs(cast(o.value as double precision))
        end as relative_change
    from all_versions as n
    left join all_versions as o
        on o.dataset = n.dataset and o.observation_key = n.observation_key and o.valid_to = n.valid_from
),
closed_without_successor as (
    select o.dataset, o.valid_to as vintage
    from all_versions as o
    left join all_versions as n
        on n.dataset = o.dataset and n.observation_key = o.observation_key and n.valid_from = o.valid_to
    where o.valid_to is not null and n.observation_key is null
),
vintages as (
    select dataset, valid_from as vintage from all_versions
    union
    select dataset, valid_to as vintage from all_versions where valid_to is not null
),
opened_per_vintage as (
    select
        dataset,
        vintage,
        sum(is_added) as cells_added,
        sum(1 - is_added) as cells_changed,
        max(relative_change) as largest_relative_change
    from opened_versions
    group by dataset, vintage
),
closed_per_vintage as (
    select dataset, vintage, count(*) as cells_closed
    from closed_without_successor
    group by dataset, vintage
)
select
    v.dataset,
    v.vintage,
    coalesce(o.cells_added, 0) as cells_added,
    coalesce(o.cells_changed, 0) as cells_changed,
    coalesce(c.cells_closed, 0) as cells_closed,
    o.largest_relative_change
from vintages as v
left join opened_per_vintage as o on o.dataset = v.dataset and o.vintage = v.vintage
left join closed_per_vintage as c on c.dataset = v.dataset and c.vintage = v.vintage
