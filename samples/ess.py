"""Sample European Social Survey files: two rounds as Stata .dta files written with pyreadstat,
in the layout of the ESS's own Stata files (missing codes kept as numbers and labelled, value
labels on the integer-coded variables, text variables unlabelled).

Countries, with regions from samples.eurostat.build_regions at the same scale, so the marts join
the eurostat sample: the first country codes NUTS 3, the second NUTS 1 in round 7 and NUTS 2 in
round 8 (countries do change level between rounds), and IL (Israel: not in NUTS) national codes
(regunit 4). A few respondents have no region. Round 7, like the real ESS7, has no anweight and
none of nwspol, netusoft, netustm, psppsgva, actrolga, psppipla, cptppola; round 8 has them all.
Every attitude variable carries each of its missing codes at least once.

The rounds are fictional and so are their release dates (``ess_releases.csv``): round 7 is
"released" between the eurostat sample's two publications and round 8 after both, so the
"as published" and "current" context marts differ.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np

from samples.eurostat import VINTAGES, build_regions
from schemas import ess as S

log = logging.getLogger(__name__)
ROUNDS = {7: 2014, 8: 2016}  # round -> first fieldwork year
RELEASES = {7: date(2024, 4, 1), 8: date(2024, 7, 1)}
NON_NUTS_COUNTRY = "IL"
NON_NUTS_REGIONS = ("IL-JM", "IL-TA", "IL-HA", "IL-Z")
FULL_RESPONDENTS = 40_000  # per round at scale 1
ROUND7_ABSENT = ("anweight", "nwspol", "netusoft", "netustm", "psppsgva", "actrolga", "psppipla", "cptppola")

_NUMBERS = {i: str(i) for i in range(11)}
_MISSING_2 = {77: "Refusal", 88: "Don't know", 99: "No answer"}
_MISSING_1 = {7: "Refusal", 8: "Don't know", 9: "No answer"}
_MISSING_4 = {7777: "Refusal", 8888: "Don't know", 9999: "No answer"}
# variable -> (valid low, valid high, value labels)
SCALES: dict[str, tuple[int, int, dict[int, str]]] = {
    "nwspol": (0, 600, _MISSING_4),
    "netusoft": (1, 5, {1: "Never", 2: "Only occasionally", 3: "A few times a week", 4: "Most days",
                        5: "Every day", **_MISSING_1}),
    "netustm": (0, 900, {6666: "Not applicable", **_MISSING_4}),
    "polintr": (1, 4, {1: "Very interested", 2: "Quite interested", 3: "Hardly interested",
                       4: "Not at all interested", **_MISSING_1}),
    **{v: (1, 5, {1: "Not at all", 2: "Very little", 3: "Some", 4: "A lot", 5: "A great deal", **_MISSING_1})
       for v in ("psppsgva", "actrolga", "psppipla", "cptppola")},
    **{v: (0, 10, {**_NUMBERS, 0: "No trust at all", 10: "Complete trust", **_MISSING_2})
       for v in ("ppltrst", "trstprl", "trstlgl", "trstplc", "trstplt", "trstprt", "trstep", "trstun")},
    **{v: (0, 10, {**_NUMBERS, 0: "Most people can't be trusted" if v == "ppltrst" else "Low",
                   10: "High", **_MISSING_2}) for v in ("pplfair", "pplhlp")},
}


def _countries(scale: float) -> list[tuple[str, dict[int, tuple[int, list[str]]]]]:
    """(country, {round: (regunit, region codes)}) for the sample's countries."""
    regions = build_regions(scale)
    countries = [r.code for r in regions if r.level == 0][:2]
    codes = {(c, level): [r.code for r in regions if r.level == level and r.code.startswith(c)]
             for c in countries for level in (1, 2, 3)}
    first, second = countries
    return [
        (first, {7: (3, codes[first, 3]), 8: (3, codes[first, 3])}),
        (second, {7: (1, codes[second, 1]), 8: (2, codes[second, 2])}),
        (NON_NUTS_COUNTRY, {7: (4, list(NON_NUTS_REGIONS)), 8: (4, list(NON_NUTS_REGIONS))}),
    ]


def _answers(rng: np.random.Generator, n: int, variable: str) -> np.ndarray:
    low, high, labels = SCALES[variable]
    values = rng.integers(low, high + 1, n).astype(float)
    missing = [c for c in labels if c > high]
    share = rng.random(n) < 0.06
    values[share] = rng.choice(missing, share.sum())
    values[: len(missing)] = missing  # every missing code at least once
    return values


def build_round(essround: int, scale: float, seed: int) -> tuple[dict[str, list], dict[str, dict[int, str]]]:
    """The columns of one round's file and its value labels."""
    import pandas as pd

    rng = np.random.default_rng([seed, essround])
    total = max(60, round(FULL_RESPONDENTS * scale))
    frames = []
    for c, (country, rounds) in enumerate(_countries(scale)):
        n = total // 3
        regunit, regions = rounds[essround]
        region = rng.choice(regions, n).astype(object)
        region[rng.random(n) < 0.02] = ""  # a few respondents without a region
        df = {
            "essround": np.full(n, essround, float), "cntry": [country] * n,
            "idno": np.arange(1, n + 1, dtype=float) * 10 + c, "region": list(region),
            "regunit": np.full(n, regunit, float),
            "inwyys": rng.choice([ROUNDS[essround], ROUNDS[essround] + 1], n, p=[0.8, 0.2]).astype(float),
            "agea": rng.integers(15, 91, n).astype(float), "gndr": rng.integers(1, 3, n).astype(float),
        }
        df["agea"][1] = 999
        df["gndr"][2] = 9
        df["inwyys"][3] = 9999
        pspwght = np.round(rng.uniform(0.3, 3.0, n), 6)
        df.update(dweight=np.round(rng.uniform(0.5, 2.0, n), 6), pspwght=pspwght,
                  pweight=np.full(n, round(0.5 + c * 0.7, 6)))
        if essround != 7:
            df["anweight"] = np.round(pspwght * df["pweight"], 6)
        for variable in S.ATTITUDE_VARIABLES:
            if not (essround == 7 and variable in ROUND7_ABSENT):
                df[variable] = _answers(rng, n, variable)
        frames.append(pd.DataFrame(df))
    data = pd.concat(frames, ignore_index=True)
    labels = {v: {float(k): lab for k, lab in SCALES[v][2].items()} for v in S.ATTITUDE_VARIABLES if v in data}
    labels.update(agea={999.0: "Not available"}, gndr={1.0: "Male", 2.0: "Female", 9.0: "No answer"},
                  inwyys={9999.0: "Not available"},
                  regunit={1.0: "NUTS level 1", 2.0: "NUTS level 2", 3.0: "NUTS level 3",
                           4.0: "Regional unit not part of the NUTS nomenclature"})
    return data, labels


def generate_ess_with_counts(out_dir: str | Path, *, scale: float = 0.01,
                             seed: int = 42) -> dict[str, tuple[Path, int]]:
    """Write one .dta file per round and ess_releases.csv; returns {name: (path, rows)}."""
    import pyreadstat

    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    assert VINTAGES[0] < RELEASES[7] < VINTAGES[1] < RELEASES[8]  # the marts' as-published dates differ
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for essround in ROUNDS:
        data, labels = build_round(essround, scale, seed)
        path = out / f"ESS{essround}sample.dta"
        pyreadstat.write_dta(data, str(path), variable_value_labels=labels,
                             column_labels={c: c for c in data.columns})
        result[f"round{essround}"] = (path, len(data))
    releases = out / S.RELEASES_FILE
    releases.write_text("essround,release_date\n" + "".join(f"{r},{d}\n" for r, d in RELEASES.items()))
    result["releases"] = (releases, len(RELEASES))
    for name, (path, rows) in result.items():
        log.info("wrote %s: %d rows to %s", name, rows, path)
    return result
