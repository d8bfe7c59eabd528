-- Per round and country: how many respondents' region codes are in eurostat's dim_region. The
-- fact's region_key is surrogate_key(region_code), dim_region's own key function, so the match
-- is a key join; an unmatched code is non-NUTS (national codes), of another NUTS version, or a
-- region the loaded Eurostat data does not cover.
create or replace view ess_region_match as
with respondent_regions as (
    select
        f.essround,
        f.cntry,
        f.region_code,
        r.region_key as matched_key
    from fact_ess_response as f
    left join dim_region as r on r.region_key = f.region_key and r.region_key <> -1
)
select
    essround,
    cntry,
    count(*) as respondents,
    count(matched_key) as matched,
    count(*) - count(matched_key) as unmatched,
    cast(count(matched_key) as double precision) / cast(count(*) as double precision) as match_rate
from respondent_regions
group by essround, cntry
