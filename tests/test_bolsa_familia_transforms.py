"""bolsa_familia units: the IBGE check digit of the sample codes, the transparency page parser
(exact BRL from the JSON literal, bad records and pages quarantined with a reason, an empty
page), the code mapping through the list, and the --source api option before the API source
exists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from samples.bolsa_familia import check_digit
from transforms import bolsa_familia as B
from transforms.staging import SOURCE_FILE

DIM_SCHEMA = ("municipality_code int, municipality_code6 int, municipality_name string, state_code smallint, "
              "uf string, state_name string, region string, latitude double, longitude double, is_capital boolean")


def record(code: str = "2800308", date: str = "01/03/2021", valor: str = "1234567890123.45", qty: str = "351") -> str:
    return ('{"id": 1, "dataReferencia": "' + date + '", "municipio": {"codigoIBGE": "' + code
            + '", "uf": {"sigla": "SE"}}, "tipo": {"id": 1, "descricao": "Bolsa Família"}, "valor": ' + valor
            + ', "quantidadeBeneficiados": ' + qty + '}')


@pytest.fixture(scope="module")
def dim(spark):
    return spark.createDataFrame([(2800308, 280030, "Aracaju", 28, "SE", "Sergipe", "Nordeste", None, None, True)],
                                 DIM_SCHEMA)


def test_the_ibge_check_digit_matches_real_codes():
    # 2800308 Aracaju, 3550308 São Paulo, 5300108 Brasília, 1100015 Alta Floresta D'Oeste
    assert [check_digit(c) for c in (280030, 355030, 530010, 110001)] == [8, 8, 8, 5]


def test_api_pages_are_parsed_exactly_and_bad_records_quarantined_with_a_reason(spark, dim):
    not_a_number = record(valor='"abc"')
    pages = spark.createDataFrame([
        ("good.json", f"[{record()}]"),
        ("mixed.json", f'[{record(date="01/02/2021", valor="10.5")}, {not_a_number}, '
                       f'{record(date="31/13/2021")}, {record(valor="1.005")}, {record(qty="-3")}, '
                       f'{record(code="2899999")}]'),
        ("empty.json", "[]"),
        ("broken.json", "<html>rate limited</html>"),
    ], f"{SOURCE_FILE} string, json string")
    records, bad_pages = B.api_records(pages)
    rows, bad = B.stage_api(records, dim)
    found = sorted((r["month_key"], r["families_paid"], r["amount_brl"]) for r in rows.collect())
    assert found == [(202102, 351, Decimal("10.50")), (202103, 351, Decimal("1234567890123.45"))]
    reasons = sorted(r["reason"] for r in bad.unionByName(bad_pages).collect())
    assert reasons == sorted([
        "valor: not a number", "dataReferencia: not a date DD/MM/YYYY", "valor: more decimals than centavos",
        "quantidadeBeneficiados: negative",
        "codigo 2899999: maps to no municipality of the list (municipios.csv)",
        "page is not a JSON list of records"])


def test_six_and_seven_digit_codes_map_through_the_list_and_unknown_ones_are_quarantined(spark, dim):
    rows = spark.createDataFrame([(280030,), (2800308,), (280031,)], "ibge int")
    resolved, bad = B.resolve_codes(rows, dim, "ibge", source="x")
    assert sorted(r["municipality_code"] for r in resolved.collect()) == [2800308, 2800308]
    assert [r["reason"] for r in bad.collect()] == ["ibge 280031: maps to no municipality of the list (municipios.csv)"]


def test_mi_social_json_lists_and_solr_responses_stage_like_the_csv_with_bad_records_quarantined(spark, dim):
    families = ('{"ibge": 280030, "anomes": %s, "qtd_familias_beneficiarias_bolsa_familia": 351, '
                '"valor_repassado_bolsa_familia": %s}')
    docs = spark.createDataFrame([
        # a list after a byte-order mark and a line break: a value beyond a double's 15 digits,
        # a null, a count sent as text, zero as a number and as text, an amount with a comma
        ("list.json", "\ufeff\n  [" + ", ".join([
            families % (202103, "12345678901234.56"), families % (202104, "null"),
            families.replace("351", '"352"') % (202105, "10.50"), families % (202108, "0"),
            families % (202109, '"0.00"'), families % (202110, '"1234,56"')]) + "]"),
        # the Solr response the ministry's API serves; a null left out; an element no record, so
        # the document is read record by record: an amount of 10 trillion cannot be exact there
        ("solr.json", '{"responseHeader": {"status": 0}, "response": {"numFound": 4, "start": 0, "docs": ['
                      '{"ibge": 280030, "anomes": 202106, "qtd_familias_beneficiarias_bolsa_familia": 7}, '
                      f'{families % (202107, "1.005")}, {families % (202111, "12345678901234.56")}, 42]}}}}'),
        ("paged.json", '{"response": {"numFound": 5, "start": 0, "docs": [' + families % (202112, "1.00") + "]}}"),
        ("cut.json", '{"response": {"docs": [{"ibge": 280030, "anomes": 202108, "qtd_familias_beneficiarias'),
        ("html.json", "<html>busy</html>"),
    ], f"{SOURCE_FILE} string, json string")
    raw, bad_json = B.misocial_json(docs, B.S.RAW_FAMILIES)
    rows, bad = B.stage_families(raw, dim)
    found = sorted((r["month_key"], r["families_paid"], r["amount_brl"]) for r in rows.collect())
    assert found == [(202103, 351, Decimal("12345678901234.56")), (202104, 351, None), (202105, 352, Decimal("10.50")),
                     (202106, 7, None), (202108, 351, Decimal("0.00")), (202109, 351, Decimal("0.00"))]
    quarantined = sorted((r["reason"], r["raw_record"][:40]) for r in bad.unionByName(bad_json).collect())
    assert quarantined == sorted([
        ("valor_repassado_bolsa_familia: not a valid decimal(18,2): '1.005'",
         '{"ibge":280030,"anomes":202107,"qtd_fami'),
        ("valor_repassado_bolsa_familia: not a valid decimal(18,2): '1234,56'",
         '{"ibge":280030,"anomes":202110,"qtd_fami'),
        ("amount of 10 trillion or more in a document with an element that is no record: it cannot be read to "
         "the centavo; fix or remove the bad element", '{"ibge":280030,"anomes":202111,"qtd_fami'),
        ("record is not a JSON object", "42"),
        ("partial Solr response: 1 of 5 records from start 0: download every row in one response (rows=numFound)",
         '{"response": {"numFound": 5, "start": 0,'),
        (B.MISOCIAL_JSON_REASON, '{"response": {"docs": [{"ibge": 280030, '),
        (B.MISOCIAL_JSON_REASON, "<html>busy</html>"),
    ])
