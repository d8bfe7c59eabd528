-- The demo_r_pjanind3 structure indicators as currently published, one row per region and
-- year and one column per indic_de code (lower-cased; the 48 codes of the dataset), null where
-- the indicator is not published or not available. Units: the median ages (*MEDAGEPOP) are
-- years, every other indicator is a percentage.
create or replace view eurostat_indicators_by_region_year as
with current_indicators as (
    select
        i.geo_code,
        i.region_key,
        i.time_period,
        i.indicator_code,
        i.value
    from fact_eurostat_indicator_current as i
)
select
    c.geo_code as region_code,
    r.region_name,
    r.nuts_level,
    r.country_code,
    c.time_period as year,
    max(case when c.indicator_code = 'DEPRATIO1' then c.value end) as depratio1,
    max(case when c.indicator_code = 'DEPRATIO2' then c.value end) as depratio2,
    max(case when c.indicator_code = 'DEPRATIO3' then c.value end) as depratio3,
    max(case when c.indicator_code = 'DEPRATIO4' then c.value end) as depratio4,
    max(case when c.indicator_code = 'FMEDAGEPOP' then c.value end) as fmedagepop,
    max(case when c.indicator_code = 'MEDAGEPOP' then c.value end) as medagepop,
    max(case when c.indicator_code = 'MMEDAGEPOP' then c.value end) as mmedagepop,
    max(case when c.indicator_code = 'OLDDEP1' then c.value end) as olddep1,
    max(case when c.indicator_code = 'OLDDEP2' then c.value end) as olddep2,
    max(case when c.indicator_code = 'OLDDEP3' then c.value end) as olddep3,
    max(case when c.indicator_code = 'OLDDEP4' then c.value end) as olddep4,
    max(case when c.indicator_code = 'PC_FM' then c.value end) as pc_fm,
    max(case when c.indicator_code = 'PC_Y0_14' then c.value end) as pc_y0_14,
    max(case when c.indicator_code = 'PC_Y0_19' then c.value end) as pc_y0_19,
    max(case when c.indicator_code = 'PC_Y0_4' then c.value end) as pc_y0_4,
    max(case when c.indicator_code = 'PC_Y10_14' then c.value end) as pc_y10_14,
    max(case when c.indicator_code = 'PC_Y15_19' then c.value end) as pc_y15_19,
    max(case when c.indicator_code = 'PC_Y15_24' then c.value end) as pc_y15_24,
    max(case when c.indicator_code = 'PC_Y20_24' then c.value end) as pc_y20_24,
    max(case when c.indicator_code = 'PC_Y20_39' then c.value end) as pc_y20_39,
    max(case when c.indicator_code = 'PC_Y25_29' then c.value end) as pc_y25_29,
    max(case when c.indicator_code = 'PC_Y25_44' then c.value end) as pc_y25_44,
    max(case when c.indicator_code = 'PC_Y25_49' then c.value end) as pc_y25_49,
    max(case when c.indicator_code = 'PC_Y30_34' then c.value end) as pc_y30_34,
    max(case when c.indicator_code = 'PC_Y35_39' then c.value end) as pc_y35_39,
    max(case when c.indicator_code = 'PC_Y40_44' then c.value end) as pc_y40_44,
    max(case when c.indicator_code = 'PC_Y40_59' then c.value end) as pc_y40_59,
    max(case when c.indicator_code = 'PC_Y45_49' then c.value end) as pc_y45_49,
    max(case when c.indicator_code = 'PC_Y45_64' then c.value end) as pc_y45_64,
    max(case when c.indicator_code = 'PC_Y50_54' then c.value end) as pc_y50_54,
    max(case when c.indicator_code = 'PC_Y50_64' then c.value end) as pc_y50_64,
    max(case when c.indicator_code = 'PC_Y55_59' then c.value end) as pc_y55_59,
    max(case when c.indicator_code = 'PC_Y5_9' then c.value end) as pc_y5_9,
    max(case when c.indicator_code = 'PC_Y60_64' then c.value end) as pc_y60_64,
    max(case when c.indicator_code = 'PC_Y60_79' then c.value end) as pc_y60_79,
    max(case when c.indicator_code = 'PC_Y60_MAX' then c.value end) as pc_y60_max,
    max(case when c.indicator_code = 'PC_Y65_69' then c.value end) as pc_y65_69,
    max(case when c.indicator_code = 'PC_Y65_79' then c.value end) as pc_y65_79,
    max(case when c.indicator_code = 'PC_Y65_MAX' then c.value end) as pc_y65_max,
    max(case when c.indicator_code = 'PC_Y70_74' then c.value end) as pc_y70_74,
    max(case when c.indicator_code = 'PC_Y75_79' then c.value end) as pc_y75_79,
    max(case when c.indicator_code = 'PC_Y80_84' then c.value end) as pc_y80_84,
    max(case when c.indicator_code = 'PC_Y80_MAX' then c.value end) as pc_y80_max,
    max(case when c.indicator_code = 'PC_Y85_MAX' then c.value end) as pc_y85_max,
    max(case when c.indicator_code = 'YOUNGDEP1' then c.value end) as youngdep1,
    max(case when c.indicator_code = 'YOUNGDEP2' then c.value end) as youngdep2,
    max(case when c.indicator_code = 'YOUNGDEP3' then c.value end) as youngdep3,
    max(case when c.indicator_code = 'YOUNGDEP4' then c.value end) as youngdep4
from current_indicators as c
inner join dim_region as r on r.region_key = c.region_key
group by c.geo_code, r.region_name, r.nuts_level, r.country_code, c.time_period
