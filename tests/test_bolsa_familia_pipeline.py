"""The bolsa_familia pipeline end to end through ``jobs.main.main`` on a real DuckDB warehouse:
generated sample files through ``--input``, a rerun, and the real files of
../shared/data/bolsa_familia (skipped when absent). Every expected figure is computed here by
DuckDB directly on the raw files, never by the code under test."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jobs.main import main
from samples.bolsa_familia import (
    anomaly_month_index,
    build_municipalities,
    generate_bolsa_familia_with_counts,
    month_at,
)
from tests.conftest import shared_data, warehouse_rows

SCALE = 0.01
MONTHS = 14  # fewer than the sample's 24: fewer month partitions to write, the same cases
TABLES = ("dim_municipality", "fact_social_benefit_month", "fact_transfer_month")
MUNICIPIOS = """(select cast(codigo_ibge as int) as code7, cast(codigo_ibge as int) // 10 as code6, codigo_uf
                 from read_csv('{d}/municipios.csv', all_varchar = true, header = true))"""


LAST_QUARANTINE = "(select * from quarantine where run_id = (select max(run_id) from quarantine)) as q"


def rows(wh: Path, sql: str) -> list[tuple]:
    """The answer of the warehouse; ``from quarantine`` reads the last run's quarantine."""
    return warehouse_rows(wh, sql.replace("from quarantine", f"from {LAST_QUARANTINE}"))


def raw(sql: str, folder: Path) -> list[tuple]:
    return duckdb.sql(sql.replace("{muni}", MUNICIPIOS).replace("{d}", str(folder))).fetchall()


def dump(wh: Path) -> dict[str, list[tuple]]:
    found = {t: rows(wh, f"select * exclude (run_id) from {t} order by all") for t in TABLES}
    found["bolsa_anomalies"] = rows(wh, "select * from bolsa_anomalies order by all")
    return found


def run(root: Path, folder: Path, wh: str = "wh.duckdb") -> int:
    return main(["bolsa_familia", "--lake", str(root / "lake"), "--warehouse", f"duckdb:{root / wh}",
                 "--input", str(folder)])


@pytest.fixture(scope="module")
def loaded(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("bolsa_pipeline")
    folder = root / "in"
    generate_bolsa_familia_with_counts(folder, scale=SCALE, seed=42, months=MONTHS)
    assert run(root, folder) == 0
    first = dump(root / "wh.duckdb")
    assert run(root, folder) == 0  # the same files again: months replaced, nothing duplicated
    return {"root": root, "in": folder, "wh": root / "wh.duckdb", "first": first, "second": dump(root / "wh.duckdb")}


# The benefit rows a reader of the file must keep: a month YYYYMM, integer non-negative counts,
# a code of the list; exact duplicates once.
BENEFITS = r"""
with f as (select * from read_csv('{d}/misocial_beneficios.csv', all_varchar = true, header = true)),
ok as (
    select * from f
    where regexp_full_match(anomes, '\d{6}') and cast(anomes as int) % 100 between 1 and 12
      and coalesce(regexp_full_match(qtd_ben_bas, '\d+'), true)
      and coalesce(regexp_full_match(qtd_ben_var, '\d+'), true)
      and coalesce(regexp_full_match(qtd_ben_bvj, '\d+'), true)
      and coalesce(regexp_full_match(qtd_ben_bvn, '\d+'), true)
      and coalesce(regexp_full_match(qtd_ben_bvg, '\d+'), true)
      and coalesce(regexp_full_match(qtd_ben_bsp, '\d+'), true)
)
select distinct m.code7, cast(anomes as int), cast(qtd_ben_bas as int), cast(qtd_ben_bvn as int)
from ok join {muni} as m on m.code6 = cast(ok.ibge as int)
"""
API = r"""
select m.code7, cast(right(dataReferencia, 4) || substr(dataReferencia, 4, 2) as int) as month_key,
       cast(quantidadeBeneficiados as int) as families, cast(valor as decimal(18,2)) as amount
from read_json('{d}/transparencia*.json', format = 'array',
               columns = {dataReferencia: 'varchar', municipio: 'struct(codigoIBGE varchar)', valor: 'decimal(18,2)',
                          quantidadeBeneficiados: 'varchar'}) as j
join {muni} as m on m.code7 = cast(j.municipio.codigoIBGE as int)
"""
FAMILIES = r"""
select m.code7, cast(anomes as int) as month_key, cast(qtd_familias_beneficiarias_bolsa_familia as int) as families,
       cast(valor_repassado_bolsa_familia as decimal(18,2)) as amount
from read_csv('{d}/misocial_familias.csv', all_varchar = true, header = true) as f
join {muni} as m on m.code6 = cast(f.ibge as int)
where regexp_full_match(valor_repassado_bolsa_familia, '\d+(\.\d{1,2})?')
"""


def test_benefit_counts_are_the_valid_rows_of_the_file_with_blanks_as_null(loaded):
    expected = sorted(raw(BENEFITS, loaded["in"]), key=str)
    found = rows(loaded["wh"], "select municipality_code, month_key, basic_benefits, nursing_mother_benefits "
                               "from fact_social_benefit_month")
    assert sorted(found, key=str) == expected
    assert any(r[3] is None for r in found)  # a blank is not reported, not zero


def test_every_benefit_record_is_loaded_or_quarantined_with_its_reason(loaded):
    lines = len((loaded["in"] / "misocial_beneficios.csv").read_text().splitlines()) - 1
    loaded_rows = rows(loaded["wh"], "select count(*) from fact_social_benefit_month")[0][0]
    reasons = dict(rows(loaded["wh"], "select reason, count(*) from quarantine where source = 'misocial_beneficios' "
                                      "group by reason"))
    assert loaded_rows + sum(reasons.values()) == lines
    assert {"anomes: not a month YYYYMM", "negative benefit count", "qtd_ben_bas: not a valid int: '12.5'",
            "ibge 119999: maps to no municipality of the list (municipios.csv)"} <= set(reasons)
    assert any(r.startswith("duplicate natural key") for r in reasons)


def test_transfers_of_both_feeds_match_the_raw_files_exactly(loaded):
    for sql, feed in ((API, "transparencia"), (FAMILIES, "misocial")):
        expected = sorted(raw(sql, loaded["in"]))
        found = sorted(rows(loaded["wh"], "select municipality_code, month_key, families_paid, amount_brl "
                                          f"from fact_transfer_month where source_feed = '{feed}'"))
        assert found == expected
        assert all(isinstance(r[3], Decimal) for r in found)
    assert rows(loaded["wh"], "select reason from quarantine where source = 'misocial_familias' "
                              "and reason like 'valor%'") == [
        ("valor_repassado_bolsa_familia: not a valid decimal(18,2): '1234.567'",)]


def test_national_and_state_totals_reconcile_to_the_municipalities_of_the_raw_files(loaded):
    expected = raw(f"""
        with api as ({API}), fam as ({FAMILIES}),
        chosen as (select * from api union all select * from fam
                   where (code7, month_key) not in (select code7, month_key from api))
        select month_key, sum(families), sum(amount) from chosen group by month_key order by month_key""",
                   loaded["in"])
    national = rows(loaded["wh"], "select month_key, families_paid, amount_brl from bolsa_national_month "
                                  "where families_paid is not null order by month_key")
    assert national == expected
    states = rows(loaded["wh"], "select month_key, sum(families_paid), sum(amount_brl) from bolsa_state_month "
                                "group by month_key having sum(families_paid) is not null order by month_key")
    assert states == national


def test_the_anomaly_list_is_the_injected_jump_and_identical_on_a_rerun(loaded):
    injected = build_municipalities(SCALE)[3]["code7"]
    found = rows(loaded["wh"], "select municipality_code, month_key, brl_per_family_anomaly from bolsa_anomalies")
    assert found == [(injected, month_at(anomaly_month_index(MONTHS)), True)]
    assert loaded["first"]["bolsa_anomalies"] == loaded["second"]["bolsa_anomalies"]


def test_a_rerun_of_the_same_months_leaves_the_warehouse_identical(loaded):
    assert loaded["first"] == loaded["second"]
    dups = rows(loaded["wh"], "select count(*) from (select municipality_code, month_key, programme, source_feed "
                              "from fact_transfer_month group by all having count(*) > 1)")
    assert dups == [(0,)]


def test_feed_gaps_name_the_municipality_missing_from_each_feed(loaded):
    gaps = dict((m, (b, t)) for m, b, t in rows(
        loaded["wh"], "select month_key, only_benefit_feed, only_transfer_feed from bolsa_feed_gaps_month"))
    # months 7-12: MI Social's transfers and the API; the municipality absent from MI Social has API transfers
    assert gaps[month_at(6)] == (0, 1)
    # from month 13 the API alone: the municipality absent from it has MI Social counts only
    assert gaps[month_at(12)] == (1, 1)
    coverage = rows(loaded["wh"], "select count(*) from bolsa_coverage_month where coverage_ratio is not null")
    assert coverage[0][0] > 0


def test_the_municipality_dimension_maps_codes_and_regions(loaded):
    found = rows(loaded["wh"], "select municipality_code, municipality_code6, region, uf from dim_municipality "
                               "where municipality_code <> -1")
    expected = raw("select code7, code6, codigo_uf from {muni}", loaded["in"])
    assert sorted((c7, c6) for c7, c6, _, _ in found) == sorted((c7, c6) for c7, c6, _ in expected)
    regions = {"1": "Norte", "2": "Nordeste", "3": "Sudeste", "4": "Sul", "5": "Centro-Oeste"}
    assert all(region == regions[str(c7)[0]] for c7, _, region, _ in found)


@pytest.mark.parametrize("view, columns", [
    ("fact_ibge", ["city_code", "year_month", "city_name", "state_iso", "family_count", "city_expenses",
                   "basic_benefits"]),
    ("dim_value_description", ["city_code", "year_month", "family_count", "city_expenses"]),
    ("dim_benefit_amount", ["city_code", "year_month", "basic_benefits", "variable_benefits", "youngling_benefits",
                            "nutriz_benefits", "pregnancy_benefits", "poverty_benefits", "state_iso"]),
])
def test_the_compatibility_views_answer_with_the_seeds_columns_at_the_month_grain(loaded, view, columns):
    assert [r[0] for r in rows(loaded["wh"], f"describe {view}")] == columns
    assert rows(loaded["wh"], f"select count(*) - count(distinct (city_code, year_month)) from {view}") == [(0,)]
    assert rows(loaded["wh"], f"select count(*) from {view}")[0][0] > 0


@pytest.fixture(scope="module")
def real(spark, tmp_path_factory):
    folder = shared_data("bolsa_familia")
    root = tmp_path_factory.mktemp("bolsa_real")
    assert run(root, folder) == 0
    return {"in": folder, "wh": root / "wh.duckdb"}


def test_real_files_load_with_exact_counts_and_every_sergipe_code_mapped(real):
    wh = real["wh"]
    assert rows(wh, "select count(*) from dim_municipality where municipality_code <> -1") == [(5570,)]
    assert rows(wh, "select count(*) from fact_social_benefit_month") == [(900,)]
    assert rows(wh, "select count(distinct municipality_code) from fact_social_benefit_month") == [(75,)]
    assert rows(wh, "select count(*) from dim_municipality where uf = 'SE'") == [(75,)]
    mapped = rows(wh, "select distinct d.municipality_code6, d.municipality_code from fact_social_benefit_month f "
                      "join dim_municipality d using (municipality_code) order by 1")
    expected = raw("""select distinct cast(s.ibge as int), m.code7 from read_csv('{d}/misocial_SE_2020.csv',
                      all_varchar = true, header = true) s join {muni} m on m.code6 = cast(s.ibge as int) order by 1""",
                   real["in"])
    assert mapped == expected and len(mapped) == 75
    api = raw("select count(*) from read_json('{d}/transparencia_bolsa_familia_por_municipio.json', "
              "format = 'array')", real["in"])[0][0]
    loaded_api = rows(wh, "select count(*) from fact_transfer_month where source_feed = 'transparencia'")[0][0]
    quarantined = rows(wh, "select count(*) from quarantine where source = 'transparencia'")[0][0]
    assert loaded_api + quarantined == api == 1090
    assert rows(wh, "select count(*) from quarantine where source = 'misocial_beneficios'") == [(0,)]


def test_the_report_charts_brl_per_family_by_state_and_the_anomaly_list(loaded):
    from schemas.charts import charts_of

    by_state, anomalies = charts_of("bolsa_familia")
    last = rows(loaded["wh"], "select max(month_key) from bolsa_state_month")[0][0]
    expected = rows(loaded["wh"], "select d.uf, sum(t.amount_brl), sum(t.families_paid) "
                                  "from bolsa_transfer_month as t join dim_municipality as d "
                                  "on d.municipality_code = t.municipality_code join bolsa_coverage_month as c "
                                  "on c.municipality_code = t.municipality_code and c.month_key = t.month_key "
                                  f"where t.month_key = {last} group by d.uf")
    got = {r[0]: r[1] for r in rows(loaded["wh"], by_state.sql)}
    assert got == pytest.approx({uf: float(brl) / families for uf, brl, families in expected if families})
    assert rows(loaded["wh"], anomalies.sql) == rows(loaded["wh"], "select * from bolsa_anomalies order by all")



def _json_value(text: str):
    """A CSV value as MI Social's JSON would carry it: a number where it reads as one, null for a
    blank, else the text."""
    try:
        return None if text == "" else json.loads(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    except ValueError:
        return text


def _as_json_records(csv_file: Path) -> list:
    """Each record of a CSV file as a JSON object (a record of the wrong width as its text)."""
    with csv_file.open(newline="", encoding="utf-8") as f:
        header, *records = list(csv.reader(f))
    return [dict(zip(header, map(_json_value, r), strict=True)) if len(r) == len(header) else ",".join(r)
            for r in records]


def test_mi_social_as_json_a_list_and_a_solr_response_loads_what_the_csv_loads(loaded, tmp_path):
    """The same MI Social records as JSON (benefits: a list; transfers: a Solr response with the
    nulls left out, as Solr serves them) give the same warehouse and the same quarantine; a
    record the CSV reader finds of the wrong width is a JSON element that is no object."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in loaded["in"].iterdir():
        if not f.name.startswith("misocial_"):
            (folder / f.name).write_bytes(f.read_bytes())
    (folder / "misocial_beneficios.json").write_text(
        json.dumps(_as_json_records(loaded["in"] / "misocial_beneficios.csv"), ensure_ascii=False), encoding="utf-8")
    docs = [{k: v for k, v in r.items() if v is not None} if isinstance(r, dict) else r
            for r in _as_json_records(loaded["in"] / "misocial_familias.csv")]
    (folder / "misocial_familias.json").write_text(json.dumps(
        {"responseHeader": {"status": 0}, "response": {"numFound": len(docs), "start": 0, "docs": docs}}),
        encoding="utf-8")
    assert run(tmp_path, folder) == 0
    assert dump(tmp_path / "wh.duckdb") == loaded["first"]

    def reasons(wh: Path) -> Counter:
        found = rows(wh, "select source, reason from quarantine where source like 'misocial%'")
        return Counter((s, "record is not a JSON object" if r.startswith("malformed record") else r) for s, r in found)
    assert reasons(tmp_path / "wh.duckdb") == reasons(loaded["wh"])
    assert sum(reasons(loaded["wh"]).values()) > 0


def test_a_late_correction_of_a_month_replaces_that_month_only(loaded, tmp_path):
    """A re-sent benefits file whose one municipality-month changed: that row has the new
    count, every other row is as before (runs last in this module: it changes the warehouse)."""
    before = rows(loaded["wh"], "select municipality_code, month_key, basic_benefits from fact_social_benefit_month "
                                "order by all")
    lines = (loaded["in"] / "misocial_beneficios.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    counts = {}
    for line in lines[1:]:
        f = line.split(",")
        counts[(f[0], f[2])] = counts.get((f[0], f[2]), 0) + 1
    loaded_keys = {(c // 10, m): b for c, m, b in before}
    target = next(i for i, line in enumerate(lines[1:], 1)
                  if (f := line.split(","))[3].isdigit() and counts[(f[0], f[2])] == 1
                  and loaded_keys.get((int(f[0]), int(f[2]))) == int(f[3]))
    fields = lines[target].split(",")
    fields[header.index("qtd_ben_bas")] = str(int(fields[3]) + 1000)
    lines[target] = ",".join(fields)
    corrected = tmp_path / "corrected"
    corrected.mkdir()
    for f in loaded["in"].iterdir():
        (corrected / f.name).write_bytes(f.read_bytes())
    (corrected / "misocial_beneficios.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(loaded["root"], corrected) == 0
    after = rows(loaded["wh"], "select municipality_code, month_key, basic_benefits from fact_social_benefit_month "
                               "order by all")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    (old, new), = changed
    assert old[:2] == new[:2] == (old[0], int(fields[2])) and old[0] // 10 == int(fields[0])
    assert new[2] == old[2] + 1000


def test_a_json_file_is_classified_by_its_mi_social_keys_and_one_with_both_layouts_is_refused(tmp_path):
    from jobs.sources import InputError
    from jobs.sources.bolsa_familia import classify

    files = {
        "benefits.json": '\ufeff[{"ibge": 280030, "anomes": 202101, "qtd_ben_bvg": 3}]',  # qtd_ben_bas left out
        "transfers.json": '{"response": {"docs": [{"ibge": 280030, "anomes": 202101, '
                          '"valor_repassado_bolsa_familia": 1.5}]}}',
        "other.json": '[{"codigo": 1}]',
        "both.json": '[{"ibge": 1, "anomes": 202101, "qtd_ben_bas": 1, "qtd_familias_beneficiarias_bolsa_familia": 1}]',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert [classify(str(tmp_path / n)) for n in ("benefits.json", "transfers.json", "other.json")] == [
        "misocial_beneficios", "misocial_familias", None]
    with pytest.raises(InputError, match="both MI Social layouts"):
        classify(str(tmp_path / "both.json"))
