"""Synthetic Eurostat regional population data: demo_r_pjangrp3 and demo_r_pjanind3, as the API
and the bulk download deliver them, in two vintages.

Writes into ``out_dir``:

* ``nuts-2016.csv``: the NUTS code list the regions come from, shaped like the real one (``;``,
  CRLF, header ``2016 NUTS;2016 NUTS name``, countries and NUTS 1 names in capitals, Extra-Regio
  codes ``CCZ``/``CCZZ``/``CCZZZ``, the ``00;Other NUTS code`` line). One NUTS 3 code the data
  uses is missing from it, as codes of a later NUTS version are from the real list.
* ``<vintage>/jsonstat/<dataset>/<CC>.json``: one JSON-stat 2.0 response per country (the API is
  asked per country to stay under its size limit) plus ``aggregates.json`` (EU27_2020, EA20).
  Responses alternate between the object forms (``category.index`` code -> position, ``value``
  and ``status`` keyed by flat position) and the array forms (index lists, dense value and
  status arrays); a missing cell is a status ``:`` (``c`` when confidential) without a value.
* ``<vintage>/estat_<dataset>.tsv.gz``: the current bulk layout (``freq,…,geo\\TIME_PERIOD``,
  periods ascending, cells ``<value> <flags>`` with a trailing space, ``: `` when missing, CRLF).
* ``<vintage>/pre2023/<dataset>.tsv.gz``: the older layout (no freq column, ``…,geo\\time``,
  periods descending, LF).

The first vintage (``2024-03-14``) covers 2014-2022; the second (``2024-06-20``) revises it:
some NUTS 3 regions' 2021-2022 figures change (their parents, the aggregates and the indicators
with them), 2022 loses its provisional flag and 2023 arrives provisional, one region's 2020
cells gain an ``e`` flag with unchanged values, and one NUTS 3 region is withdrawn (its cells
absent). The same cells are in every format of a vintage, so all of them parse to identical
rows.

Population is consistent: M + F = T, the 18 five-year bands plus UNK make TOTAL, Y85-89 +
Y_GE90 = Y_GE85, every parent is the sum of its children and the aggregates the sum of
countries. The indicators are computed from the population (shares, dependency ratios, median
ages, one decimal). ``scale=1`` ≈ 2,075 regions ≈ 137,000 pjangrp3 series (the real volume).
Deterministic for a given (scale, seed); the gzip streams carry no timestamp.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

POPULATION = "demo_r_pjangrp3"
INDICATORS = "demo_r_pjanind3"
VINTAGES = (date(2024, 3, 14), date(2024, 6, 20))
FIRST_YEAR = 2014
LAST_YEAR = {VINTAGES[0]: 2022, VINTAGES[1]: 2023}
FULL_REGIONS = 2075  # x 66 series = ~137,000 pjangrp3 series at scale 1
NUTS_FILE = "nuts-2016.csv"

BANDS = ("Y_LT5", *(f"Y{a}-{a + 4}" for a in range(5, 85, 5)), "Y_GE85")
AGES = ("TOTAL", *BANDS, "Y85-89", "Y_GE90", "UNK")
SEXES = ("T", "M", "F")
AGGREGATES = {"EU27_2020": "European Union - 27 countries (from 2020)",
              "EA20": "Euro area - 20 countries (from 2023)"}
_COUNTRIES = (  # code, English label, name in the NUTS list
    ("AT", "Austria", "ÖSTERREICH"), ("BE", "Belgium", "BELGIQUE-BELGIË"), ("BG", "Bulgaria", "БЪЛГАРИЯ"),
    ("CZ", "Czechia", "ČESKÁ REPUBLIKA"), ("DE", "Germany", "DEUTSCHLAND"), ("DK", "Denmark", "DANMARK"),
    ("EE", "Estonia", "EESTI"), ("EL", "Greece", "ΕΛΛΑΔΑ"), ("ES", "Spain", "ESPAÑA"),
    ("FI", "Finland", "SUOMI / FINLAND"),
    ("FR", "France", "FRANCE"), ("HR", "Croatia", "HRVATSKA"), ("HU", "Hungary", "MAGYARORSZÁG"),
    ("IE", "Ireland", "IRELAND"), ("IT", "Italy", "ITALIA"), ("LT", "Lithuania", "LIETUVA"),
    ("LU", "Luxembourg", "LUXEMBOURG"), ("LV", "Latvia", "LATVIJA"), ("NL", "Netherlands", "NEDERLAND"),
    ("PL", "Poland", "POLSKA"), ("PT", "Portugal", "PORTUGAL"), ("RO", "Romania", "ROMÂNIA"),
    ("SE", "Sweden", "SVERIGE"), ("SI", "Slovenia", "SLOVENIJA"), ("SK", "Slovakia", "SLOVENSKO"),
    ("CY", "Cyprus", "ΚΥΠΡΟΣ"), ("MT", "Malta", "MALTA"), ("NO", "Norway", "NORGE"),
    ("CH", "Switzerland", "SCHWEIZ/SUISSE/SVIZZERA"), ("IS", "Iceland", "ÍSLAND"),
)
_EURO_AREA = {"AT", "BE", "CY", "DE", "EE", "EL", "ES", "FI", "FR", "HR", "IE", "IT", "LT", "LU", "LV", "MT",
              "NL", "PT", "SI", "SK"}
_NUTS3_DIGITS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SYLLABLES = ("an", "ber", "ca", "dor", "el", "fa", "gra", "hol", "is", "ja", "kir", "lo", "mar", "nor", "ost",
              "pra", "ri", "sa", "tor", "ul", "vel", "wes", "zé", "ña", "ø", "ür")
_REFERENCE_SEED = 20240314  # the region tree and its names do not depend on the user's seed

# Roughly European age structure (share of the population per 5-year band, 0-4 … 85+).
_BAND_SHARES = np.array([4.6, 5.0, 5.1, 5.2, 5.6, 6.1, 6.5, 6.6, 6.8, 7.2, 7.4, 7.1, 6.4, 5.8, 5.1, 4.0,
                         3.2, 3.3])
_FEMALE_SHARE = np.array([.487, .487, .487, .486, .486, .49, .495, .498, .5, .5, .502, .507, .515, .525,
                          .535, .555, .59, .67])
_INDICATOR_UNITS = {
    "DEPRATIO1": "PC", "OLDDEP1": "PC", "YOUNGDEP1": "PC", "MEDAGEPOP": "YR", "FMEDAGEPOP": "YR",
    "MMEDAGEPOP": "YR", "PC_Y0_14": "PC", "PC_Y15_24": "PC", "PC_Y25_49": "PC", "PC_Y50_64": "PC",
    "PC_Y65_79": "PC", "PC_Y65_MAX": "PC", "PC_Y80_MAX": "PC", "PC_Y85_MAX": "PC",
}
_INDICATOR_LABELS = {
    "DEPRATIO1": "Age dependency ratio, 1st variant (population 0 to 14 years and 65 years and more to "
                 "population 15 to 64 years)",
    "OLDDEP1": "Old dependency ratio 1st variant (population 65 and over to population 15 to 64 years)",
    "YOUNGDEP1": "Young-age dependency ratio 1st variant (population aged 0-14 to population 15-64 years)",
    "MEDAGEPOP": "Median age of population", "FMEDAGEPOP": "Median age of females",
    "MMEDAGEPOP": "Median age of males",
    "PC_Y0_14": "Proportion of population aged 0-14 years", "PC_Y15_24": "Proportion of population aged 15-24 years",
    "PC_Y25_49": "Proportion of population aged 25-49 years", "PC_Y50_64": "Proportion of population aged 50-64 years",
    "PC_Y65_79": "Proportion of population aged 65-79 years",
    "PC_Y65_MAX": "Proportion of population aged 65 years and more",
    "PC_Y80_MAX": "Proportion of population aged 80 years and more",
    "PC_Y85_MAX": "Proportion of population aged 85 years and more",
}
_BAND_RANGES = {"PC_Y0_14": (0, 3), "PC_Y15_24": (3, 5), "PC_Y25_49": (5, 10), "PC_Y50_64": (10, 13),
                "PC_Y65_79": (13, 16), "PC_Y65_MAX": (13, 18), "PC_Y80_MAX": (16, 18), "PC_Y85_MAX": (17, 18)}


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # as the datasets label it
    list_name: str  # as the NUTS list names it
    level: int  # 0-3; -1 for an aggregate
    parent: str | None
    listed: bool = True


@dataclass
class Dataset:
    """One vintage of one dataset: its dimensions (in order, time excluded), their categories
    (code -> label, in order) and its cells ((codes, year) -> (value or None, flag letters))."""

    name: str
    label: str
    dimensions: tuple[str, ...]
    categories: dict[str, dict[str, str]]
    years: tuple[int, ...]
    cells: dict[tuple[tuple[str, ...], int], tuple[float | int | None, str]] = field(default_factory=dict)

    def series(self) -> list[tuple[str, ...]]:
        return sorted({codes for codes, _ in self.cells}, key=",".join)


# --------------------------------------------------------------------------- regions


def _name(rng: np.random.Generator) -> str:
    parts = rng.choice(len(_SYLLABLES), size=int(rng.integers(2, 4)))
    return "".join(_SYLLABLES[i] for i in parts).capitalize()


def build_regions(scale: float) -> list[Region]:
    """The region tree: countries, 2 NUTS 1 each, 2 NUTS 2 each, k NUTS 3 each (k from the
    scale), in code order; the last NUTS 3 of the first country is not in the NUTS list."""
    target = max(22, round(FULL_REGIONS * scale))
    n_countries = min(len(_COUNTRIES), max(2, round(target / 70)))
    per_nuts2 = max(1, round((target / n_countries - 7) / 4))
    rng = np.random.default_rng(_REFERENCE_SEED)
    regions = []
    for c, (cc, label, list_name) in enumerate(_COUNTRIES[:n_countries]):
        regions.append(Region(cc, label, list_name, 0, None))
        for i in (1, 2):
            n1 = f"{cc}{i}"
            name1 = _name(rng)
            regions.append(Region(n1, name1, name1.upper(), 1, cc))
            for j in (1, 2):
                n2 = f"{n1}{j}"
                name2 = _name(rng)
                regions.append(Region(n2, name2, name2, 2, n1))
                for k in range(per_nuts2):
                    n3 = f"{n2}{_NUTS3_DIGITS[k]}"
                    name3 = _name(rng)
                    unlisted = c == 0 and i == 2 and j == 2 and k == per_nuts2 - 1
                    regions.append(Region(n3, name3, name3, 3, n2, listed=not unlisted))
    return regions


def _write_nuts(path: Path, regions: list[Region]) -> int:
    lines = ["2016 NUTS;2016 NUTS name", "00;Other NUTS code"]
    for region in regions:
        if region.listed:
            lines.append(f"{region.code};{region.list_name}")
        if region.level == 0:
            cc = region.code
            lines += [f"{cc}Z;EXTRA-REGIO NUTS 1", f"{cc}ZZ;Extra-Regio NUTS 2", f"{cc}ZZZ;Extra-Regio NUTS 3"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(lines) - 1


# --------------------------------------------------------------------------- population


@dataclass
class _World:
    """The hidden truth both vintages publish from: NUTS 3 populations by sex, band and year."""

    regions: list[Region]
    leaves: list[Region]
    years: np.ndarray
    pop: np.ndarray  # [leaf, sex (M, F), band 0..17 + UNK, year] persons
    provisional: set[str]  # countries whose last year is provisional
    break_country: str
    confidential: set[str]  # NUTS 3 codes whose oldest male Y_GE90 is confidential in the first year
    new_region: str  # the unlisted NUTS 3: no data before 2017
    withdrawn: str  # NUTS 3 absent from the second vintage
    revised: set[str]  # NUTS 3 whose 2021-2022 figures the second vintage revises
    estimated_2020: str  # NUTS 2 whose 2020 cells gain an 'e' in the second vintage


def _world(regions: list[Region], rng: np.random.Generator) -> _World:
    leaves = [r for r in regions if r.level == 3]
    years = np.arange(FIRST_YEAR, LAST_YEAR[VINTAGES[1]] + 1)
    n = len(leaves)
    base = rng.lognormal(math.log(250_000), 0.7, size=n)
    growth = rng.normal(0.002, 0.006, size=n)
    shares = _BAND_SHARES[None, :] * rng.lognormal(0, 0.08, size=(n, len(BANDS)))
    shares /= shares.sum(axis=1, keepdims=True)
    t = np.arange(len(years))
    ageing = 1 + 0.006 * (np.arange(len(BANDS))[None, :, None] - 8) * t[None, None, :] / 8
    totals = base[:, None, None] * shares[:, :, None] * ageing * (1 + growth[:, None, None]) ** t[None, None, :]
    female = np.clip(_FEMALE_SHARE[None, :, None] + rng.normal(0, 0.004, size=(n, len(BANDS), 1)), 0.3, 0.8)
    pop = np.zeros((n, 2, len(BANDS) + 1, len(years)), dtype=np.int64)
    pop[:, 1, :-1, :] = np.rint(totals * female)
    pop[:, 0, :-1, :] = np.rint(totals * (1 - female))
    unknown = rng.random(n) < 0.1
    pop[unknown, :, -1, :] = rng.integers(1, 40, size=(int(unknown.sum()), 2, len(years)))
    countries = [r.code for r in regions if r.level == 0]
    codes = [leaf.code for leaf in leaves]
    new_region = next(r.code for r in leaves if not r.listed)
    order = [codes[i] for i in rng.permutation(n) if codes[i] != new_region]
    smallest = [codes[i] for i in np.argsort(base) if codes[i] != new_region]
    return _World(
        regions=regions, leaves=leaves, years=years, pop=pop,
        provisional={c for i, c in enumerate(countries) if i % 3 == 0},
        break_country=countries[-1],
        confidential=set(smallest[: max(1, n // 10)]),
        new_region=new_region,
        withdrawn=order[0],
        revised=set(order[1: 1 + max(1, n // 20)]),
        estimated_2020=next(r.code for r in regions if r.level == 2),
    )


def _published_population(world: _World, vintage: date, rng: np.random.Generator) -> dict:
    """{(geo, sex, age, year): value or None} of one vintage (before flags), parents summed."""
    years = [int(y) for y in world.years if y <= LAST_YEAR[vintage]]
    pop = world.pop.copy()
    if vintage == VINTAGES[1]:
        for i, leaf in enumerate(world.leaves):
            if leaf.code in world.revised:
                for y in (2021, 2022):
                    k = y - FIRST_YEAR
                    pop[i, :, :, k] = np.rint(pop[i, :, :, k] * (1 + rng.normal(0, 0.01, size=(2, 1)))).astype(np.int64)
    children: dict[str, list[str]] = {}
    for region in world.regions:
        if region.parent:
            children.setdefault(region.parent, []).append(region.code)
    values: dict[str, np.ndarray] = {}  # code -> [sex (M, F), band + UNK, year]; NaN = not available
    for i, leaf in enumerate(world.leaves):
        v = pop[i].astype(float)
        if leaf.code == world.new_region:
            v[:, :, : 2017 - FIRST_YEAR] = np.nan
        values[leaf.code] = v
    for level in (2, 1, 0):
        for region in (r for r in world.regions if r.level == level):
            stack = np.array([values[c] for c in children[region.code]])
            # Not available only where no child is (a region that did not exist yet).
            values[region.code] = np.where(np.isnan(stack).all(axis=0), np.nan, np.nansum(stack, axis=0))
    countries = [r.code for r in world.regions if r.level == 0]
    values["EU27_2020"] = np.sum([values[c] for c in countries], axis=0)
    euro = [c for c in countries if c in _EURO_AREA] or countries[:1]
    values["EA20"] = np.sum([values[c] for c in euro], axis=0)
    out = {}
    for geo, v in values.items():
        for k, year in enumerate(years):
            by_sex = {"M": v[0, :, k], "F": v[1, :, k]}
            by_sex["T"] = by_sex["M"] + by_sex["F"]
            for sex, row in by_sex.items():
                if np.isnan(row).all():
                    cell = dict.fromkeys(AGES)
                else:
                    ints = [int(x) for x in row]
                    cell = dict(zip(BANDS, ints[:-1], strict=True))
                    cell["UNK"] = ints[-1]
                    cell["TOTAL"] = sum(ints)
                    cell["Y_GE90"] = round(ints[len(BANDS) - 1] * 0.36)
                    cell["Y85-89"] = ints[len(BANDS) - 1] - cell["Y_GE90"]
                for age in AGES:
                    out[(geo, sex, age, year)] = cell[age]
    return out


def _flags(world: _World, vintage: date, geo: str, year: int) -> str:
    """Flag letters of a published cell (a missing one gets ':' when written)."""
    aggregate = geo in AGGREGATES
    country = None if aggregate else geo[:2]
    last = LAST_YEAR[vintage]
    flags = ""
    if year == 2018 and country == world.break_country:
        flags += "b"
    revised_estimate = vintage == VINTAGES[1] and year == 2020 and geo.startswith(world.estimated_2020)
    if revised_estimate or (aggregate and year == last):
        flags += "e"
    if year == last and (aggregate or country in world.provisional):
        flags += "p"
    return flags


def population_dataset(world: _World, vintage: date, rng: np.random.Generator) -> Dataset:
    values = _published_population(world, vintage, rng)
    years = tuple(range(FIRST_YEAR, LAST_YEAR[vintage] + 1))
    geos = _geo_labels(world, vintage)
    ds = Dataset(POPULATION, "Population on 1 January by age group, sex and NUTS 3 region",
                 ("freq", "unit", "sex", "age", "geo"),
                 {"freq": {"A": "Annual"}, "unit": {"NR": "Number"},
                  "sex": {"T": "Total", "M": "Males", "F": "Females"},
                  "age": {a: _age_label(a) for a in AGES}, "geo": geos}, years)
    for (geo, sex, age, year), value in values.items():
        if geo not in geos:
            continue
        flags = _flags(world, vintage, geo, year)
        if value is None:
            flags = ""
        elif geo in world.confidential and sex == "M" and age == "Y_GE90" and year == FIRST_YEAR:
            value, flags = None, "c"
        ds.cells[(("A", "NR", sex, age, geo), year)] = (value, flags)
    return ds


def _age_label(code: str) -> str:
    if code == "TOTAL":
        return "Total"
    if code == "UNK":
        return "Unknown"
    if code.startswith("Y_LT"):
        return f"Less than {code[4:]} years"
    if code.startswith("Y_GE"):
        return f"{code[4:]} years or over"
    lo, hi = code[1:].split("-")
    return f"From {lo} to {hi} years"


def _geo_labels(world: _World, vintage: date) -> dict[str, str]:
    geos = {r.code: r.name for r in world.regions if not (vintage == VINTAGES[1] and r.code == world.withdrawn)}
    return {**geos, **AGGREGATES}


def _median(bands: np.ndarray) -> float:
    """Median age from 5-year band counts (0-4 … 85+, the open band taken as 10 years wide)."""
    half, cumulative = bands.sum() / 2, 0.0
    for i, count in enumerate(bands):
        if cumulative + count >= half:
            width = 10 if i == len(bands) - 1 else 5
            return 5 * i + width * (half - cumulative) / count
        cumulative += count
    return 85.0


def indicator_dataset(population: Dataset, world: _World, vintage: date) -> Dataset:
    """The structure indicators of every region and year, computed from the population vintage."""
    ds = Dataset(INDICATORS, "Population: structure indicators by NUTS 3 region", ("freq", "indic_de", "unit", "geo"),
                 {"freq": {"A": "Annual"}, "indic_de": dict(_INDICATOR_LABELS),
                  "unit": {"PC": "Percentage", "YR": "Year"}, "geo": population.categories["geo"]},
                 population.years)
    for geo in population.categories["geo"]:
        for year in population.years:
            def bands(sex: str, geo=geo, year=year) -> np.ndarray | None:
                cells = [population.cells[(("A", "NR", sex, b, geo), year)][0] for b in BANDS]
                return None if any(c is None for c in cells) else np.array(cells, dtype=float)

            t, f, m = bands("T"), bands("F"), bands("M")
            total = population.cells[(("A", "NR", "T", "TOTAL", geo), year)][0]
            flags = _flags(world, vintage, geo, year)
            for indicator, unit in _INDICATOR_UNITS.items():
                value = None if t is None else _indicator(indicator, t, f, m, total)
                ds.cells[(("A", indicator, unit, geo), year)] = (value, flags if value is not None else "")
    return ds


def _indicator(indicator: str, t: np.ndarray, f: np.ndarray | None, m: np.ndarray | None, total: int) -> float | None:
    young, working, old = t[:3].sum(), t[3:13].sum(), t[13:].sum()
    if indicator in _BAND_RANGES:
        lo, hi = _BAND_RANGES[indicator]
        value = 100 * t[lo:hi].sum() / total
    elif indicator == "DEPRATIO1":
        value = 100 * (young + old) / working
    elif indicator == "OLDDEP1":
        value = 100 * old / working
    elif indicator == "YOUNGDEP1":
        value = 100 * young / working
    else:
        sex_bands = {"MEDAGEPOP": t, "FMEDAGEPOP": f, "MMEDAGEPOP": m}[indicator]
        if sex_bands is None:
            return None
        value = _median(sex_bands)
    return round(float(value), 1)


# --------------------------------------------------------------------------- writers


def _text(value: float | int | None, flags: str) -> str:
    """One TSV cell: value and flags separated by a space (the trailing space stays when there
    are no flags); ':' for a missing value."""
    shown = ":" if value is None else (str(value) if isinstance(value, int) else f"{value:.1f}")
    return f"{shown} {flags}"


def _write_gzip(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(text.encode("utf-8"))


def write_tsv(ds: Dataset, path: Path, *, pre_2023: bool = False) -> int:
    """The bulk TSV of a dataset vintage; returns its series lines."""
    dims = [d for d in ds.dimensions if not (pre_2023 and d == "freq")]
    years = sorted(ds.years, reverse=pre_2023)
    key = ",".join(dims) + ("\\time" if pre_2023 else "\\TIME_PERIOD")
    lines = ["\t".join([key, *(f"{y} " for y in years)])]
    series = ds.series()
    for codes in sorted(series, key=lambda c: ",".join(c[1:] if pre_2023 else c)):
        shown = codes[1:] if pre_2023 else codes
        cells = [_text(*ds.cells.get((codes, y), (None, ""))) for y in years]
        lines.append("\t".join([",".join(shown), *cells]))
    end = "\n" if pre_2023 else "\r\n"
    _write_gzip(path, end.join(lines) + end)
    return len(series)


def jsonstat_document(ds: Dataset, geos: list[str], cells: list, vintage: date, *, arrays: bool) -> tuple[dict, int]:
    """A JSON-stat 2.0 response for ``cells`` (the dataset's cells of ``geos``); returns it and
    its number of cells."""
    ids = [*ds.dimensions, "time"]
    cats = {d: (geos if d == "geo" else list(ds.categories[d])) for d in ds.dimensions}
    cats["time"] = [str(y) for y in ds.years]
    sizes = [len(cats[d]) for d in ids]
    position = {d: {c: i for i, c in enumerate(cats[d])} for d in ids}
    strides = [math.prod(sizes[i + 1:]) for i in range(len(ids))]
    values: dict[int, float | int] = {}
    statuses: dict[int, str] = {}
    for (codes, year), (value, flags) in cells:
        coords = dict(zip(ds.dimensions, codes, strict=True))
        coords["time"] = str(year)
        p = sum(position[d][coords[d]] * s for d, s in zip(ids, strides, strict=True))
        if value is not None:
            values[p] = value
        if value is None:
            statuses[p] = flags or ":"
        elif flags:
            statuses[p] = flags
    dimension = {}
    for d in ids:
        labels = {c: (ds.categories[d][c] if d != "time" else c) for c in cats[d]}
        index = cats[d] if arrays and d in ("geo", "time") else position[d]
        dimension[d] = {"label": d, "category": {"index": index, "label": labels}}
    n = math.prod(sizes)
    doc = {
        "version": "2.0", "class": "dataset", "label": ds.label, "source": "ESTAT",
        "updated": f"{vintage.isoformat()}T11:00:00+0100",
        "value": [values.get(p) for p in range(n)] if arrays else {str(p): v for p, v in sorted(values.items())},
        "status": [statuses.get(p) for p in range(n)] if arrays else {str(p): s for p, s in sorted(statuses.items())},
        "id": ids, "size": sizes, "dimension": dimension,
        "extension": {"lang": "EN", "agencyId": "ESTAT", "id": ds.name.upper(), "version": "1.0",
                      "status": {"label": {":": "not available", "b": "break in time series", "c": "confidential",
                                           "e": "estimated", "p": "provisional"}}},
    }
    return doc, len(set(values) | set(statuses))


def write_jsonstat(ds: Dataset, folder: Path, vintage: date) -> int:
    """One response per country (and one for the aggregates); returns the cells written."""
    folder.mkdir(parents=True, exist_ok=True)
    def group(geo: str) -> str:
        return "aggregates" if geo in AGGREGATES else geo[:2]

    groups: dict[str, list[str]] = {}
    for geo in ds.categories["geo"]:
        groups.setdefault(group(geo), []).append(geo)
    geo_at = ds.dimensions.index("geo")
    by_group: dict[str, list] = {name: [] for name in groups}
    for entry in ds.cells.items():
        by_group[group(entry[0][0][geo_at])].append(entry)
    total = 0
    for i, (name, geos) in enumerate(groups.items()):
        doc, cells = jsonstat_document(ds, geos, by_group[name], vintage, arrays=i % 2 == 1)
        (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        total += cells
    return total


# --------------------------------------------------------------------------- public API


def generate_eurostat_with_counts(out_dir: str | Path, *, scale: float = 0.01,
                                  seed: int = 42) -> dict[str, tuple[Path, int]]:
    """Write the NUTS list and both vintages of both datasets in every format; returns
    {name: (path, rows)}: NUTS codes, JSON-stat cells (entries in value or status) per dataset
    folder, series lines per TSV file."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    regions = build_regions(scale)
    result = {"nuts": (out / NUTS_FILE, _write_nuts(out / NUTS_FILE, regions))}
    world = _world(regions, np.random.default_rng(seed))
    revisions = np.random.default_rng([seed, 2])
    for vintage in VINTAGES:
        population = population_dataset(world, vintage, revisions)
        indicators = indicator_dataset(population, world, vintage)
        folder = out / vintage.isoformat()
        for ds in (population, indicators):
            result[f"{vintage}/jsonstat/{ds.name}"] = (folder / "jsonstat" / ds.name,
                                                       write_jsonstat(ds, folder / "jsonstat" / ds.name, vintage))
            current = folder / f"estat_{ds.name}.tsv.gz"
            result[f"{vintage}/tsv/{ds.name}"] = (current, write_tsv(ds, current))
            older = folder / "pre2023" / f"{ds.name}.tsv.gz"
            result[f"{vintage}/tsv_pre2023/{ds.name}"] = (older, write_tsv(ds, older, pre_2023=True))
    for name, (path, rows) in result.items():
        log.info("wrote %s: %d rows to %s", name, rows, path)
    return result


def generate_eurostat(out_dir: str | Path, *, scale: float = 0.01, seed: int = 42) -> dict[str, Path]:
    """Write the sample Eurostat data into ``out_dir`` (see the module docstring); returns
    {name: path}."""
    return {name: path for name, (path, _) in generate_eurostat_with_counts(out_dir, scale=scale, seed=seed).items()}
