"""Synthetic Bolsa Família data in the layouts of the three public sources.

Writes into ``out_dir``:

* ``estados.csv`` and ``municipios.csv``: the IBGE state and municipality lists in their real
  layout (UTF-8 with a byte-order mark; ``codigo_ibge`` 7-digit with the IBGE check digit, so the
  6-digit codes of MI Social map back through the list; one capital per state; a few blank
  coordinates).
* ``misocial_beneficios.csv``: MI Social's benefit-counts layout (``ibge`` 6-digit, ``siglauf``,
  ``anomes``, ``qtd_ben_*``) for every month; blanks are "not reported"; a few unknown codes, a bad
  month, a negative count, a non-integer count and a duplicated row; one municipality is absent.
* ``misocial_familias.csv``: MI Social's other layout (``ibge``, ``anomes``,
  ``qtd_familias_beneficiarias_bolsa_familia``, ``valor_repassado_bolsa_familia``) for the first
  year, BRL with two decimals.
* ``transparencia_bolsa_familia_por_municipio_<YYYYMM>.json``: Portal da Transparência API
  records (the real JSON list layout) for the second half of the first year and the second year;
  one municipality is absent from this feed, and one municipality-month carries an injected
  jump of its BRL per family (``ANOMALY``).

``scale=1`` is 120 municipalities over 24 months (a couple of minutes end to end); the
municipality count grows with the scale (at most 5,570) and ``months`` is a parameter (the
benchmark asks for 240). Deterministic for a given (scale, seed).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

FIRST_MONTH = 202201
MONTHS = 24
BASE_MUNICIPALITIES = 120
MAX_MUNICIPALITIES = 5570
PROGRAMME = "Bolsa Família"
BOM = "\ufeff"

# The 27 federative units: IBGE code, abbreviation, name, approximate centre.
STATES = (
    (11, "RO", "Rondônia", -10.83, -63.34), (12, "AC", "Acre", -8.77, -70.55), (13, "AM", "Amazonas", -3.47, -65.10),
    (14, "RR", "Roraima", 1.99, -61.33), (15, "PA", "Pará", -3.79, -52.48), (16, "AP", "Amapá", 1.41, -51.77),
    (17, "TO", "Tocantins", -9.46, -48.26), (21, "MA", "Maranhão", -5.42, -45.44), (22, "PI", "Piauí", -6.60, -42.28),
    (23, "CE", "Ceará", -5.20, -39.53), (24, "RN", "Rio Grande do Norte", -5.81, -36.59),
    (25, "PB", "Paraíba", -7.28, -36.72), (26, "PE", "Pernambuco", -8.38, -37.86), (27, "AL", "Alagoas", -9.62, -36.82),
    (28, "SE", "Sergipe", -10.57, -37.45), (29, "BA", "Bahia", -13.29, -41.71),
    (31, "MG", "Minas Gerais", -18.10, -44.38),
    (32, "ES", "Espírito Santo", -19.19, -40.34), (33, "RJ", "Rio de Janeiro", -22.25, -42.66),
    (35, "SP", "São Paulo", -22.19, -48.79), (41, "PR", "Paraná", -24.89, -51.55),
    (42, "SC", "Santa Catarina", -27.45, -50.95), (43, "RS", "Rio Grande do Sul", -30.17, -53.50),
    (50, "MS", "Mato Grosso do Sul", -20.51, -54.54), (51, "MT", "Mato Grosso", -12.64, -55.42),
    (52, "GO", "Goiás", -15.98, -49.86), (53, "DF", "Distrito Federal", -15.83, -47.86),
)
_FIRST = ("São", "Santa", "Nova", "Porto", "Campo", "Alto", "Vila", "Lagoa", "Rio", "Serra", "Barra", "Monte")
_SECOND = ("Alegre", "Verde", "Bonito", "Grande", "do Norte", "da Serra", "dos Campos", "Formosa", "Real",
           "do Sul", "das Flores", "Velho", "Branco", "Azul", "da Mata")
BENEFIT_HEADER = ("ibge", "siglauf", "anomes", "qtd_ben_bas", "qtd_ben_var", "qtd_ben_bvj", "qtd_ben_bvn",
                  "qtd_ben_bvg", "qtd_ben_bsp")
FAMILY_HEADER = ("ibge", "anomes", "qtd_familias_beneficiarias_bolsa_familia", "valor_repassado_bolsa_familia")
UNKNOWN_CODES = (119999, 289999)  # 6-digit codes of no municipality of the list


def anomaly_month_index(months: int) -> int:
    """The month (0-based) of the injected jump: the fourth from the end (the 21st of 24), in the
    API feed and with the trailing history the rule needs."""
    return months - 4


def check_digit(code6: int) -> int:
    """The IBGE check digit of a 6-digit municipality code (weights 1,2,1,2,1,2; digits of each
    product summed; 10 minus the last digit of the sum)."""
    total = 0
    for i, d in enumerate(f"{code6:06d}"):
        p = int(d) * (1 if i % 2 == 0 else 2)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def code7(code6: int) -> int:
    return code6 * 10 + check_digit(code6)


def month_at(index: int, first: int = FIRST_MONTH) -> int:
    year, month = divmod(first // 100 * 12 + first % 100 - 1 + index, 12)
    return year * 100 + month + 1


def build_municipalities(scale: float) -> list[dict]:
    """Municipalities spread over the states round-robin; the first of each state is its capital."""
    n = max(len(STATES), min(MAX_MUNICIPALITIES, round(BASE_MUNICIPALITIES * scale)))
    rng = random.Random(1234)
    per_state: dict[int, int] = {}
    out = []
    for i in range(n):
        uf, sigla, _, lat, lon = STATES[i % len(STATES)]
        seq = per_state.get(uf, 0) + 1
        per_state[uf] = seq
        c6 = uf * 10000 + seq * 10 if seq < 1000 else uf * 10000 + seq
        name = f"{_FIRST[i % len(_FIRST)]} {_SECOND[(i // len(_FIRST)) % len(_SECOND)]}"
        if i >= len(_FIRST) * len(_SECOND) or any(m["nome"] == name and m["uf"] == uf for m in out):
            name = f"{name} {seq}"
        out.append({"code6": c6, "code7": code7(c6), "nome": name, "uf": uf, "sigla": sigla,
                    "latitude": round(lat + rng.uniform(-2, 2), 4), "longitude": round(lon + rng.uniform(-2, 2), 4),
                    "capital": int(seq == 1), "size": rng.randint(80, 9000)})
    return out


def _write_csv(path: Path, header: tuple[str, ...] | list[str], rows: list[list], *, bom: bool = False) -> int:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text((BOM if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def _brl(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def generate_bolsa_familia_with_counts(out_dir: str | Path, *, scale: float = 1.0, seed: int = 42,
                                       months: int = MONTHS, api_months: int | None = None,
                                       ) -> dict[str, tuple[Path, int]]:
    """Write every file; returns {name: (path, data rows)} (API records for the JSON pages).
    ``api_months``: how many monthly transparency pages (default: from the 7th month to the last)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    munis = build_municipalities(scale)
    result: dict[str, tuple[Path, int]] = {}
    states = [[uf, sigla, name, lat, lon] for uf, sigla, name, lat, lon in STATES]
    result["estados"] = (out / "estados.csv", _write_csv(out / "estados.csv", ["codigo_uf", "uf", "nome", "latitude",
                                                                                  "longitude"], states, bom=True))
    rows = [[m["code7"], m["nome"], None if i == 5 else m["latitude"], None if i == 5 else m["longitude"],
             m["capital"], m["uf"]] for i, m in enumerate(munis)]
    header = ["codigo_ibge", "nome", "latitude", "longitude", "capital", "codigo_uf"]
    result["municipios"] = (out / "municipios.csv", _write_csv(out / "municipios.csv", header, rows, bom=True))

    missing_from_misocial = munis[-1]["code6"]  # in the list and the API feed, not in MI Social
    missing_from_api = munis[-2]["code6"]  # in the list and MI Social, not in the API feed
    anomaly_code = munis[3]["code6"]
    # per municipality-month: families and BRL paid (in cents); benefits derived from them
    families, paid = {}, {}
    for m in munis:
        level = m["size"]
        per_family = rng.randint(15_000, 25_000)  # cents
        for t in range(months):
            f = level + rng.randint(-level // 50, level // 50)  # steady: only the injected jump is an anomaly
            cents = f * (per_family + rng.randint(-200, 200))
            if m["code6"] == anomaly_code and t == anomaly_month_index(months):
                cents = f * per_family * 3
            families[m["code6"], t] = f
            paid[m["code6"], t] = cents

    benefit_rows = []
    for t in range(months):
        month = month_at(t)
        for i, m in enumerate(munis):
            if m["code6"] == missing_from_misocial:
                continue
            f = families[m["code6"], t]
            counts = [f + rng.randint(0, f // 20 + 1), f * 11 // 10, f // 9, f // 30, f // 25, f // 3]
            if (i + t) % 17 == 0:
                counts[3] = None  # not reported
            if (i * 7 + t) % 23 == 0:
                counts[4] = None
            benefit_rows.append([m["code6"], m["sigla"], month, *counts])
        benefit_rows.append([UNKNOWN_CODES[t % 2], "SE", month, 10, 11, 1, 0, 0, 3])
    benefit_rows.append([munis[0]["code6"], munis[0]["sigla"], 202213, 10, 10, 1, 1, 1, 1])  # bad month
    benefit_rows.append([munis[1]["code6"], munis[1]["sigla"], 202305, 10, -4, 1, 1, 1, 1])  # negative
    benefit_rows.append([munis[2]["code6"], munis[2]["sigla"], 202306, "12.5", 10, 1, 1, 1, 1])  # non-integer
    benefit_rows.append(list(benefit_rows[7]))  # a duplicate
    result["misocial_beneficios"] = (out / "misocial_beneficios.csv",
                                     _write_csv(out / "misocial_beneficios.csv", BENEFIT_HEADER, benefit_rows))

    family_rows = []
    for t in range(min(12, months)):
        for m in munis:
            if m["code6"] == missing_from_misocial:
                continue
            family_rows.append([m["code6"], month_at(t), families[m["code6"], t], _brl(paid[m["code6"], t])])
        family_rows.append([UNKNOWN_CODES[0], month_at(t), 5, "900.00"])
    family_rows.append([munis[4]["code6"], month_at(0), 10, "1234.567"])  # more decimals than centavos
    result["misocial_familias"] = (out / "misocial_familias.csv",
                                   _write_csv(out / "misocial_familias.csv", FAMILY_HEADER, family_rows))

    record_id = 90_000_000
    first_api = min(6, months)
    for t in range(first_api, months if api_months is None else min(months, first_api + api_months)):
        month = month_at(t)
        records = []
        for m in munis:
            if m["code6"] == missing_from_api:
                continue
            record_id += 1
            state = STATES[[s[0] for s in STATES].index(m["uf"])]
            records.append({
                "id": record_id,
                "dataReferencia": f"01/{month % 100:02d}/{month // 100}",
                "municipio": {"codigoIBGE": str(m["code7"]), "nomeIBGE": m["nome"].upper(),
                              "nomeIBGEsemAcento": m["nome"].upper(), "pais": "BRASIL",
                              "uf": {"sigla": m["sigla"], "nome": state[2].upper()}},
                "tipo": {"id": 1, "descricao": PROGRAMME, "descricaoDetalhada": PROGRAMME},
                "valor": float(_brl(paid[m["code6"], t])),
                "quantidadeBeneficiados": families[m["code6"], t],
            })
        name = f"transparencia_bolsa_familia_por_municipio_{month}.json"
        (out / name).write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
        result[name] = (out / name, len(records))
    return result


def generate_bolsa_familia(out_dir: str | Path, *, scale: float = 1.0, seed: int = 42) -> list[Path]:
    return [p for p, _ in generate_bolsa_familia_with_counts(out_dir, scale=scale, seed=seed).values()]
