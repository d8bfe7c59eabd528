-- Per round and region: the weighted mean of each trust variable and how many respondents
-- answered it (unweighted n). The weight is the analysis weight anweight where the round has it,
-- else pspwght * pweight (post-stratification times population size weight: the ESS's own
-- recipe for rounds before anweight). Missing codes are null in the fact, so they count neither
-- in the mean nor in n; a respondent without a weight does not count in the mean.
create or replace view ess_region_trust as
with weighted_answers as (
    select
        essround,
        cntry,
        region_code,
        coalesce(anweight, pspwght * pweight) as weight,
        ppltrst,
        trstprl,
        trstlgl,
        trstplc,
        trstplt,
        trstprt,
        trstep,
        trstun
    from fact_ess_response
)
select
    essround,
    cntry,
    region_code,
    count(*) as respondents,
    sum(weight * ppltrst) / nullif(sum(case when ppltrst is not null then weight end), 0) as ppltrst_weighted_mean,
    count(ppltrst) as ppltrst_n,
    sum(weight * trstprl) / nullif(sum(case when trstprl is not null then weight end), 0) as trstprl_weighted_mean,
    count(trstprl) as trstprl_n,
    sum(weight * trstlgl) / nullif(sum(case when trstlgl is not null then weight end), 0) as trstlgl_weighted_mean,
    count(trstlgl) as trstlgl_n,
    sum(weight * trstplc) / nullif(sum(case when trstplc is not null then weight end), 0) as trstplc_weighted_mean,
    count(trstplc) as trstplc_n,
    sum(weight * trstplt) / nullif(sum(case when trstplt is not null then weight end), 0) as trstplt_weighted_mean,
    count(trstplt) as trstplt_n,
    sum(weight * trstprt) / nullif(sum(case when trstprt is not null then weight end), 0) as trstprt_weighted_mean,
    count(trstprt) as trstprt_n,
    sum(weight * trstep) / nullif(sum(case when trstep is not null then weight end), 0) as trstep_weighted_mean,
    count(trstep) as trstep_n,
    sum(weight * trstun) / nullif(sum(case when trstun is not null then weight end), 0) as trstun_weighted_mean,
    count(trstun) as trstun_n
from weighted_answers
group by essround, cntry, region_code
