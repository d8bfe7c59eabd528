-- The audit mart, one row per municipality and month: families paid, BRL, BRL per family, the
-- change from the previous month, and a robust anomaly flag against the municipality's own
-- trailing 12 months (the months before, not the month itself): flagged when, with at least 6
-- months of history, the value is more than 10% away from the trailing median AND its robust
-- z = |x - median| / (1.4826 * MAD) is above 3.5 (a MAD of 0 counts as above). Checked for
-- families paid and for BRL per family. Each
-- percentile is its own CTE: Redshift needs one ORDER BY for all sort-based aggregates of a query.
create or replace view bolsa_municipality_month as
with monthly as (
    select
        t.municipality_code,
        d.municipality_name,
        d.uf,
        t.month_key,
        t.month_start,
        t.source_feed,
        t.families_paid,
        t.amount_brl,
        cast(t.amount_brl as double precision) / nullif(t.families_paid, 0) as brl_per_family,
        (t.month_key - mod(t.month_key, 100)) / 100 * 12 + mod(t.month_key, 100) as month_index
    from bolsa_transfer_month as t
    inner join dim_municipality as d on d.municipality_code = t.municipality_code
),
trailing_months as (
    select
        c.municipality_code,
        c.month_key,
        h.families_paid as history_families,
        h.brl_per_family as history_brl_per_family
    from monthly as c
    inner join monthly as h
        on h.municipality_code = c.municipality_code
        and h.month_index between c.month_index - 12 and c.month_index - 1
),
median_families as (
    select
        municipality_code,
        month_key,
        count(history_families) as history_months,
        percentile_cont(0.5) within group (order by history_families) as median_families
    from trailing_months
    group by municipality_code, month_key
),
median_brl as (
    select
        municipality_code,
        month_key,
        percentile_cont(0.5) within group (order by history_brl_per_family) as median_brl_per_family
    from trailing_months
    group by municipality_code, month_key
),
mad_families as (
    select
        h.municipality_code,
        h.month_key,
        percentile_cont(0.5) within group (order by abs(h.history_families - m.median_families)) as mad_families
    from trailing_months as h
    inner join median_families as m on m.municipality_code = h.municipality_code and m.month_key = h.month_key
    group by h.municipality_code, h.month_key
),
mad_brl as (
    select
        h.municipality_code,
        h.month_key,
        percentile_cont(0.5) within group (
            order by abs(h.history_brl_per_family - m.median_brl_per_family)
        ) as mad_brl_per_family
    from trailing_months as h
    inner join median_brl as m on m.municipality_code = h.municipality_code and m.month_key = h.month_key
    group by h.municipality_code, h.month_key
),
with_history as (
    select
        c.*,
        case when lag(c.month_index) over (partition by c.municipality_code order by c.month_key) = c.month_index - 1
            then lag(c.families_paid) over (partition by c.municipality_code order by c.month_key) end
            as previous_families,
        case when lag(c.month_index) over (partition by c.municipality_code order by c.month_key) = c.month_index - 1
            then lag(c.brl_per_family) over (partition by c.municipality_code order by c.month_key) end
            as previous_brl_per_family,
        coalesce(mf.history_months, 0) as history_months,
        mf.median_families,
        xf.mad_families,
        mb.median_brl_per_family,
        xb.mad_brl_per_family
    from monthly as c
    left join median_families as mf on mf.municipality_code = c.municipality_code and mf.month_key = c.month_key
    left join mad_families as xf on xf.municipality_code = c.municipality_code and xf.month_key = c.month_key
    left join median_brl as mb on mb.municipality_code = c.municipality_code and mb.month_key = c.month_key
    left join mad_brl as xb on xb.municipality_code = c.municipality_code and xb.month_key = c.month_key
),
flagged as (
    select
        w.*,
        case when w.history_months >= 6
                and abs(w.families_paid - w.median_families) > 0.1 * w.median_families
                and (w.mad_families = 0
                    or abs(w.families_paid - w.median_families) / (1.4826 * w.mad_families) > 3.5)
            then true else false end as families_anomaly,
        case when w.history_months >= 6
                and abs(w.brl_per_family - w.median_brl_per_family) > 0.1 * w.median_brl_per_family
                and (w.mad_brl_per_family = 0
                    or abs(w.brl_per_family - w.median_brl_per_family) / (1.4826 * w.mad_brl_per_family) > 3.5)
            then true else false end as brl_per_family_anomaly
    from with_history as w
)
select
    municipality_code,
    municipality_name,
    uf,
    month_key,
    month_start,
    source_feed,
    families_paid,
    amount_brl,
    brl_per_family,
    families_paid - previous_families as families_change,
    cast(families_paid - previous_families as double precision) / nullif(previous_families, 0) as families_change_ratio,
    brl_per_family - previous_brl_per_family as brl_per_family_change,
    (brl_per_family - previous_brl_per_family) / nullif(previous_brl_per_family, 0) as brl_per_family_change_ratio,
    history_months,
    median_families,
    mad_families,
    median_brl_per_family,
    mad_brl_per_family,
    families_anomaly,
    brl_per_family_anomaly,
    families_anomaly or brl_per_family_anomaly as is_anomaly
from flagged
