"""Reruns, replacement, crashes and bad input: the state of lake and warehouse afterwards.

The expensive states (a published run, a loaded warehouse, a second run published over it) are
built once per module; a test that changes one works on its own copy (``copy_state``)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jobs.main import main
from jobs.warehouse import DuckDBExecutor
from samples.flights import generate_flights
from tests.flights_helpers import copy_inputs, copy_state, digest_of, load, query, run_into, table_digest


@pytest.fixture(scope="module")
def first_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vendor_a")
    generate_flights(out, scale=0.001, seed=1)
    return out


@pytest.fixture(scope="module")
def second_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vendor_b")
    generate_flights(out, scale=0.0005, seed=2)
    return out


@pytest.fixture(scope="module")
def first_published(spark, first_file, tmp_path_factory) -> Path:
    """The first vendor file landed and transformed: a published run, no warehouse yet."""
    root = tmp_path_factory.mktemp("first_published")
    assert run_into(first_file, root / "lake", root / "wh.duckdb", "--steps", "land,transform") == 0
    assert not (root / "wh.duckdb").exists()
    return root


@pytest.fixture(scope="module")
def first_loaded(first_published, tmp_path_factory) -> Path:
    """The first run published and loaded."""
    root = copy_state(first_published, tmp_path_factory.mktemp("first_loaded") / "run")
    assert load(root / "lake", root / "wh.duckdb") == 0
    return root


@pytest.fixture(scope="module")
def second_published_over_first(spark, first_loaded, second_file, tmp_path_factory) -> tuple[Path, dict]:
    """The first run loaded, then the second file landed and transformed, as when the process dies
    after the transform; with the warehouse digest taken before the second run."""
    root = copy_state(first_loaded, tmp_path_factory.mktemp("second_published") / "run")
    before = table_digest(root / "wh.duckdb")
    assert run_into(second_file, root / "lake", root / "wh.duckdb", "--steps", "land,transform") == 0
    return root, before


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\r\n")  # CRLF rows; the header's terminator offsets the missing last one


def published(lake: Path) -> list[Path]:
    return sorted((lake / "_runs").glob("*.json")) if (lake / "_runs").exists() else []


def test_a_new_vendor_file_replaces_the_fact_instead_of_appending(first_loaded, second_file, tmp_path):
    root = copy_state(first_loaded, tmp_path / "run")
    lake, wh = root / "lake", root / "wh.duckdb"
    assert run_into(second_file, lake, wh) == 0
    assert query(wh, "select count(*) from fact_flight")[0][0] == lines(second_file / "flights.csv")
    assert query(wh, "select count(*) from load_ledger where table_name = 'fact_flight'") == [(2,)]


def test_a_run_killed_before_load_leaves_the_warehouse_as_it_was_and_the_next_run_completes_it(
        second_published_over_first, second_file, tmp_path):
    state, before = second_published_over_first
    root = copy_state(state, tmp_path / "run")
    lake, wh = root / "lake", root / "wh.duckdb"
    # the process died after transform: the second run is published, the warehouse untouched
    assert len(published(lake)) == 2
    assert table_digest(wh) == before
    assert load(lake, wh) == 0
    assert query(wh, "select count(*) from fact_flight")[0][0] == lines(second_file / "flights.csv")
    # loading again is a no-op
    after = table_digest(wh)
    assert load(lake, wh) == 0
    assert table_digest(wh) == after


class DiesOnTheFactInsert:
    """A real DuckDB connection whose ``execute`` raises on the fact INSERT, as a lost connection
    would; every other statement (BEGIN, the DELETE of the old rows, ROLLBACK, COMMIT) reaches
    DuckDB unchanged. ``close`` is held back: closing would discard an open transaction by itself,
    and the test looks through this very connection to see that ``run_transaction`` rolled back."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.executed = con, []

    def execute(self, sql: str, *args):
        if sql.startswith("INSERT INTO fact_flight"):
            raise RuntimeError("simulated crash: connection lost")
        self.executed.append(sql)
        return self.con.execute(sql, *args)

    def close(self) -> None:
        pass


def test_a_crash_inside_the_fact_load_rolls_back_and_a_rerun_finishes(
        second_published_over_first, first_file, second_file, tmp_path):
    state, before = second_published_over_first
    root = copy_state(state, tmp_path / "run")
    lake, wh = root / "lake", root / "wh.duckdb"
    executors: list[DuckDBExecutor] = []

    def crashing_executor(cfg) -> DuckDBExecutor:
        executor = DuckDBExecutor(cfg.warehouse.path)  # the real one: its BEGIN / COMMIT / ROLLBACK run
        executor.con = DiesOnTheFactInsert(executor.con)
        executors.append(executor)
        return executor

    assert load(lake, wh, executor_factory=crashing_executor) == 1  # one-line error, recorded as failed
    (executor,) = executors
    executed, con = executor.con.executed, executor.con.con
    # the crash came inside the run's transaction, after the fact's old rows were deleted, and that
    # transaction was rolled back, never committed
    deleted = executed.index("DELETE FROM fact_flight")
    begin = deleted - executed[deleted::-1].index("BEGIN TRANSACTION")
    end = executed.index("ROLLBACK", deleted)
    assert "COMMIT" not in executed[begin:end + 1]
    # on the crashed connection itself: the old fact back in full, no transaction left open
    assert con.execute("select count(*) from fact_flight").fetchone()[0] == lines(first_file / "flights.csv")
    assert digest_of(con)["fact_flight"] == before["fact_flight"]
    con.execute("BEGIN TRANSACTION")  # DuckDB refuses a BEGIN inside an open transaction
    con.execute("ROLLBACK")
    con.close()
    assert table_digest(wh)["fact_flight"] == before["fact_flight"]  # never empty, never half-loaded
    # the failed run is skipped by later loads until retried by its run id, which completes it
    failed = query(wh, "select run_id from load_ledger where status = 'failed'")[0][0]
    assert load(lake, wh) == 0
    assert query(wh, "select count(*) from fact_flight")[0][0] == lines(first_file / "flights.csv")
    assert main(["flights", "--lake", str(lake), "--warehouse", f"duckdb:{wh}", "--steps", "load",
                 "--run-id", failed]) == 0
    assert query(wh, "select count(*) from fact_flight")[0][0] == lines(second_file / "flights.csv")


def test_an_older_unloaded_run_never_overwrites_a_newer_load(first_published, second_file, tmp_path):
    root = copy_state(first_published, tmp_path / "run")   # the older run: published, never loaded
    lake, wh = root / "lake", root / "wh.duckdb"
    assert run_into(second_file, lake, wh) == 0                               # newer, loaded
    assert query(wh, "select count(*) from fact_flight")[0][0] == lines(second_file / "flights.csv")


def test_a_missing_flights_file_is_a_clear_error_and_nothing_is_landed(first_file, tmp_path, capsys):
    folder = copy_inputs(first_file, tmp_path / "in")
    (folder / "flights.csv").unlink()
    lake = tmp_path / "lake"
    assert run_into(folder, lake, tmp_path / "wh.duckdb") == 3
    assert "flights: no file matching 'flights*.csv'" in capsys.readouterr().err
    assert not (lake / "raw").exists() and not published(lake)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"YEAR,MONTH,DAY,AIRLINE\r\n2015,1,1,AA", "header does not match the flights layout"),
])
def test_an_empty_file_or_a_wrong_header_is_refused_before_anything_is_published(
        spark, first_file, tmp_path, capsys, content, message):
    folder = copy_inputs(first_file, tmp_path / "in")
    (folder / "flights.csv").write_bytes(content)
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    assert run_into(folder, lake, wh) == 3
    assert message in capsys.readouterr().err
    assert not published(lake) and not wh.exists()


def test_bad_rows_are_quarantined_with_reasons_and_every_row_is_accounted_for(spark, first_file, tmp_path):
    folder = copy_inputs(first_file, tmp_path / "in")
    data = (folder / "flights.csv").read_bytes()
    rows = data.split(b"\r\n")
    header, body = rows[0], rows[1:]
    duplicate = body[10]
    bad_number = body[20].replace(b",0,0,", b",x,0,", 1) if b",0,0," in body[20] else body[20] + b"x"
    impossible = b"2015,2,30" + body[30][body[30].index(b",", 8):]
    truncated = body[-1][: len(body[-1]) // 2]   # the vendor's upload was cut off mid-line
    new_body = body[:20] + [bad_number] + body[21:30] + [impossible] + body[31:-1] + [duplicate, truncated]
    (folder / "flights.csv").write_bytes(b"\r\n".join([header, *new_body]))
    lake, wh = tmp_path / "lake", tmp_path / "wh.duckdb"
    assert run_into(folder, lake, wh) == 0

    manifest = json.loads(published(lake)[0].read_text())
    src = next(s for s in manifest["sources"] if s["source"] == "flights")
    assert src["rows_in"] == len(new_body)
    assert src["rows_quarantined"] == 4
    assert src["rows_in"] == src["rows_out"] + src["rows_quarantined"]
    assert query(wh, "select count(*) from fact_flight")[0][0] == len(new_body) - 4
    reasons = [json.loads(line)["reason"] for f in Path(manifest["quarantine_uri"]).glob("*.json")
               for line in f.read_text().splitlines()]
    kinds = sorted(r.split(" (")[0].split(":")[0] for r in reasons if "not a valid int" not in r)
    assert kinds == ["duplicate natural key", "impossible date", "malformed record"]
    assert sum("not a valid int: 'x'" in r for r in reasons) == 1
    records = [json.loads(line)["raw_record"] for f in Path(manifest["quarantine_uri"]).glob("*.json")
               for line in f.read_text().splitlines()]
    assert truncated.decode() in records


def test_a_blocking_quality_failure_publishes_nothing_and_leaves_the_warehouse(
        first_loaded, first_file, tmp_path, capsys):
    root = copy_state(first_loaded, tmp_path / "run")
    lake, wh = root / "lake", root / "wh.duckdb"
    before, runs_before = table_digest(wh), published(lake)
    folder = copy_inputs(first_file, tmp_path / "in")
    rows = (folder / "flights.csv").read_bytes().split(b"\r\n")
    fields = rows[5].split(b",")
    fields[6] = b"N1234567890XYZ"  # TAIL_NUMBER longer than VARCHAR(10) bytes: Redshift would reject it
    rows[5] = b",".join(fields)
    (folder / "flights.csv").write_bytes(b"\r\n".join(rows))
    assert run_into(folder, lake, wh) == 4
    err = capsys.readouterr().err
    assert "fact_flight: max_bytes(tail_number, 10) [blocking] FAILED (1 rows" in err
    assert published(lake) == runs_before
    assert table_digest(wh) == before
    assert len(list((lake / "curated" / "fact_flight").iterdir())) == 1  # the failed run's files are gone
    assert not any((lake / "_work").rglob("*.parquet"))  # nor is its scratch space
