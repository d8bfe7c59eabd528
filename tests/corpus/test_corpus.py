"""Every corpus case through ``jobs.main.main``: a loaded case accounts for each physical record
of every source (rows read = loaded + quarantined, rows read counted here from the bytes, the
quarantined ones read back from the quarantine files), quarantines exactly what it must with the
reason it must (the good tiny inputs quarantine nothing) and publishes the values it names as
sent; a refused case exits with its code and first error line, publishes nothing and leaves a
loaded warehouse exactly as it was.

Loaded cases run only ``land,transform`` (the warehouse is not under test there); refused cases
run every step against a copy of a warehouse loaded from the good tiny input."""

from __future__ import annotations

import fnmatch
import hashlib
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from jobs import pipelines
from samples.adventureworks import generate_adventureworks

from .build import manifest, physical_records, published, quarantine, run, write_flights
from .cases import CASES, Case, _ess, _eurostat

BASE_INPUT = {"flights": write_flights,
              "adventureworks": lambda folder: generate_adventureworks(folder, scale=0.0005, seed=1),
              "eurostat": _eurostat(), "ess": _ess()}


def warehouse_state(path: Path) -> dict[str, str]:
    """Order-independent content hash of every table in the warehouse, the load ledger included."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_type = 'BASE TABLE'").fetchall()]
        return {t: hashlib.sha256("\n".join(sorted(repr(r) for r in con.execute(f'select * from "{t}"').fetchall()))
                                  .encode()).hexdigest() for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded_warehouse(spark, tmp_path_factory):
    """pipeline -> a warehouse loaded from its good tiny input (built on first use)."""
    built: dict[str, Path] = {}

    def get(pipeline: str) -> Path:
        if pipeline not in built:
            root = tmp_path_factory.mktemp(f"base_{pipeline}")
            BASE_INPUT[pipeline](root / "in")
            assert run(pipeline, root / "in", root / "lake", root / "wh.duckdb", steps="land,transform,load") == 0
            built[pipeline] = root / "wh.duckdb"
        return built[pipeline]
    return get


def _physical(folder: Path, glob: str) -> int:
    return sum(physical_records(f.read_bytes()) for f in sorted(folder.iterdir()) if fnmatch.fnmatch(f.name, glob))


def _error(err: str) -> list[str]:
    """The error message on stderr: its first "error:" line and the indented lines after it."""
    lines = err.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), len(lines))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end] or [""]


def _published_values(lake: Path, table: str, column: str, where: str) -> list:
    """``column`` of the rows of a published table matching ``where``, read from its Parquet files."""
    files = [f["uri"] for f in manifest(lake)["tables"][table]["files"]]
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute(f'select "{column}" from read_parquet(?) where {where}', [files]).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus(case: Case, spark, tmp_path, capsys, loaded_warehouse):
    folder, lake = tmp_path / "in", tmp_path / "lake"
    case.write(folder)
    if case.refused:
        warehouse = tmp_path / "wh.duckdb"
        shutil.copyfile(loaded_warehouse(case.pipeline), warehouse)
        before = warehouse_state(warehouse)
        capsys.readouterr()
        code = run(case.pipeline, folder, lake, warehouse, steps="land,transform,load", args=case.args)
        assert code == case.exit_code
        message = _error(capsys.readouterr().err)
        assert message[0].startswith(case.error), message[0]
        for detail in case.detail:
            assert detail in "\n".join(message), (detail, message)
        assert not published(lake)
        assert warehouse_state(warehouse) == before
        return

    assert run(case.pipeline, folder, lake, args=case.args) == 0
    records = quarantine(lake)
    quarantined = Counter(r["source"] for r in records)
    layouts = {layout.name: layout for layout in pipelines.get(case.pipeline).sources}
    for counts in manifest(lake)["sources"]:
        source = counts["source"]
        rows_in = case.rows_in[source] if source in case.rows_in else _physical(folder, layouts[source].file_glob)
        assert counts["rows_in"] == rows_in, source
        assert rows_in == counts["rows_out"] + quarantined[source], source
        assert counts["rows_quarantined"] == quarantined[source], source
    for source, expected in case.reasons.items():
        reasons = [r["reason"] for r in records if r["source"] == source]
        for prefix in expected:
            match = next((r for r in reasons if r.startswith(prefix)), None)
            assert match is not None, f"{source}: no reason starting {prefix!r} in {reasons}"
            reasons.remove(match)
    # The good tiny inputs quarantine nothing: the quarantine holds the case's records and no other.
    assert len(records) == sum(len(v) for v in case.reasons.values()), [r["reason"] for r in records]
    for value in case.values:
        assert _published_values(lake, value.table, value.column, value.where) == [value.expected], value


def outcome(case: Case) -> str:
    """A case's expected outcome as the reliability doc's corpus table states it."""
    if case.refused:
        return f"exit {case.exit_code}, refused: `{case.detail[0].strip() if case.detail else case.error.strip()}`"
    quarantined = sum(len(reasons) for reasons in case.reasons.values())
    checked = f", {len(case.values)} value{'s' * (len(case.values) > 1)} checked as sent" if case.values else ""
    return f"exit 0, {quarantined or 'none'} quarantined{checked}"


def test_the_reliability_doc_lists_every_case_with_its_outcome():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    section = doc.split("\n## Cases the corpus covers\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| pipeline |")]
    assert rows == [f"| {case.pipeline} | {case.id} | {outcome(case)} |" for case in CASES]
