"""bolsa_familia with ``--source api`` end to end: the transparency pages come from a real local
HTTP server standing in for the portal (the fake portal of test_bolsa_api), the municipality
list from an ``--input`` folder. An extraction cut off half-way (the portal goes down) exits
non-zero and publishes nothing; the rerun asks the portal only for the pages it is missing and
ends with the same warehouse as an uninterrupted extraction into another lake."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from jobs.main import main
from samples.bolsa_familia import generate_bolsa_familia_with_counts
from tests.test_bolsa_api import SECRET, Portal, portal, server  # noqa: F401 (fixtures)

TABLES = ("dim_municipality", "fact_social_benefit_month", "fact_transfer_month")
MONTHS = ("202001", "202002")


def dump(wh: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return {t: con.execute(f"select * exclude (run_id) from {t} order by all").fetchall() for t in TABLES}
    finally:
        con.close()


def run(root: Path, folder: Path, url: str, codes: list[str]) -> int:
    return main(["bolsa_familia", "--source", "api", "--input", str(folder), "--lake", str(root / "lake"),
                 "--warehouse", f"duckdb:{root / 'wh.duckdb'}", "--from", MONTHS[0], "--to", MONTHS[-1],
                 "--municipalities", ",".join(codes), "--base-url", url, "--requests-per-minute", "60000",
                 "--api-retries", "0"])


@pytest.fixture(scope="module")
def lists(tmp_path_factory) -> tuple[Path, list[str]]:
    """A folder holding only the generated municipality and state lists, and three of its codes."""
    sample, folder = tmp_path_factory.mktemp("bolsa_sample"), tmp_path_factory.mktemp("bolsa_lists")
    generate_bolsa_familia_with_counts(sample, scale=0.01, seed=42, months=2)
    for name in ("municipios.csv", "estados.csv"):
        shutil.copy(sample / name, folder / name)
    with open(folder / "municipios.csv", encoding="utf-8-sig", newline="") as fh:
        codes = sorted(row["codigo_ibge"] for row in csv.DictReader(fh))[:3]
    return folder, codes


def test_an_extraction_cut_off_half_way_resumes_with_only_the_missing_pages_and_the_same_warehouse(
        spark, tmp_path, monkeypatch, portal: Portal, server, lists):  # noqa: F811
    folder, codes = lists
    monkeypatch.setenv("CONSTELLATION_TRANSPARENCIA_KEY", SECRET)
    url = server.url_for("/").rstrip("/")
    pages = sum(portal.pages("bolsa-familia-por-municipio", m, c) for m in MONTHS for c in codes)
    assert pages >= 8  # enough to cut the extraction in the middle

    assert run(tmp_path / "whole", folder, url, codes) == 0
    assert len(portal.log) == pages
    whole = dump(tmp_path / "whole" / "wh.duckdb")
    assert len(whole["fact_transfer_month"]) == len(MONTHS) * len(codes)  # one programme per municipality-month

    portal.log.clear()
    portal.fail_after = pages // 2  # the portal answers 503 from then on
    cut = tmp_path / "cut"
    assert run(cut, folder, url, codes) != 0
    assert not list((cut / "lake" / "_runs").glob("*.json")), "a cut-off extraction publishes nothing"
    landed = {(m, c, p) for _, m, c, p in portal.log[: pages // 2]}

    portal.log.clear()
    portal.fail_after = None
    assert run(cut, folder, url, codes) == 0
    asked = {(m, c, p) for _, m, c, p in portal.log}
    assert not asked & landed, "pages landed before the cut are not asked for again"
    assert len(portal.log) == pages - len(landed)
    assert dump(cut / "wh.duckdb") == whole
