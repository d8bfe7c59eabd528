"""The report step: one tiny flights run (with quarantined records and warning rules) through
main(), then the page it writes: the run section against the manifest, each mart chart's data
against independent SQL on the warehouse's tables, and the page itself in headless Chromium,
offline. The other pipelines' chart queries run on their views in an empty DuckDB warehouse."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from jobs import pipelines as registry
from jobs.main import main
from jobs.report import EXAMPLES_PER_REASON
from jobs.warehouse import ddl_statements, view_statements
from samples.flights import generate_flights
from schemas.charts import FLIGHTS, charts_of
from tests.conftest import warehouse_chart
from tests.flights_helpers import query

REPO = Path(__file__).resolve().parent.parent
NUL_LINES, COMMA_LINES = 3, 1  # bad records appended to the generated flights file


@pytest.fixture(scope="module")
def reported(spark, tmp_path_factory):
    """(lake, warehouse, page, summary) of one default-steps flights run on ~3 k generated flights
    plus ``NUL_LINES`` lines of NUL bytes and ``COMMA_LINES`` line of 30 000 commas."""
    root = tmp_path_factory.mktemp("report")
    vendor = root / "vendor"
    generate_flights(vendor, scale=0.0005, seed=7)
    with open(vendor / "flights.csv", "ab") as fh:
        fh.write(b"".join([b"\n" + b"\x00" * 40] * NUL_LINES + [b"\n" + b"," * 30000] * COMMA_LINES))
    lake, warehouse, reports = root / "lake", root / "wh.duckdb", root / "reports"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["flights", "--input", str(vendor), "--lake", str(lake), "--warehouse", f"duckdb:{warehouse}",
                     "--report-dir", str(reports)])
    assert code == 0
    return lake, warehouse, reports / "flights.html", out.getvalue()


def manifest_of(lake: Path) -> dict:
    (path,) = (lake / "_runs").glob("*.json")
    return json.loads(path.read_text())


class Tables(HTMLParser):
    """Every <table class=…> of a page as rows of cell texts (<pre> examples kept apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._cls = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._cls = attrs.get("class") or ""
            self.tables.setdefault(self._cls, [])
        elif tag == "tr" and self._cls is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "pre" and self._cell is not None:
            self._cell.append("\x1e")  # one example starts

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._cls].append(self._row)
            self._row = None
        elif tag == "table":
            self._cls = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(page: Path) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tables


def test_the_default_steps_end_with_the_report_and_the_summary_prints_where_it_is(reported):
    _, _, page, summary = reported
    assert page.is_file() and page.stat().st_size > 100_000  # the Vega runtime is inline
    assert f"  report:     {page}" in summary.splitlines()
    assert "(steps: land,transform,load,report)" in summary


def test_the_page_loads_nothing_from_the_network(reported):
    text = reported[2].read_text(encoding="utf-8")
    assert not re.search(r"""<script[^>]+src=|<link[^>]+href=["']?https?:""", text)


def test_quarantine_reasons_show_the_manifests_counts_and_two_examples_each(reported):
    lake, _, page, _ = reported
    expected = {(s["source"], reason): n for s in manifest_of(lake)["sources"] for reason, n in s["reasons"].items()}
    assert sum(expected.values()) == NUL_LINES + COMMA_LINES
    rows = page_tables(page)["reasons"][1:]
    shown = {(source, reason): int(n.replace(",", "")) for source, reason, n, _ in rows}
    assert shown == expected
    for _, _, n, examples in rows:
        assert examples.count("\x1e") == min(EXAMPLES_PER_REASON, int(n))
    (nul_examples,) = [ex for _, reason, _, ex in rows if "NUL" in reason]
    assert "\x00" in nul_examples or "\ufffd" in nul_examples or "\\u0000" in nul_examples or nul_examples.strip()


def test_every_quality_rule_is_listed_with_its_result_warnings_before_passes(reported):
    lake, _, page, _ = reported
    quality = manifest_of(lake)["quality"]
    rows = page_tables(page)["quality"][1:]
    assert len(rows) == len(quality)
    warnings = {(q["table"], q["rule"]): q["failed_rows"] for q in quality if q["failed_rows"]}
    assert warnings, "the generated sample has unresolved airport codes: warning rules fail"
    shown = [(t, rule, result, int(n.replace(",", ""))) for t, rule, _, result, n, _ in rows]
    assert {(t, rule): n for t, rule, result, n in shown if result == "warning"} == warnings
    results = [result for _, _, result, _ in shown]
    assert results == sorted(results, key=["FAILED", "warning", "passed"].index)


def test_rows_per_source_and_per_warehouse_table_match_the_manifest_and_the_warehouse(reported):
    lake, warehouse, page, _ = reported
    manifest = manifest_of(lake)
    tables = page_tables(page)
    sources = [(s, int(i.replace(",", "")), int(o.replace(",", "")), int(q.replace(",", "")))
               for s, i, o, q, _ in tables["sources"][1:]]
    assert sources == [(s["source"], s["rows_in"], s["rows_out"], s["rows_quarantined"]) for s in manifest["sources"]]
    for name, rows, last_run, _ in tables["tables"][1:]:
        assert int(rows.replace(",", "")) == query(warehouse, f"select count(*) from {name}")[0][0]
        assert last_run == manifest["run_id"]


# Each flights chart, computed independently on the star schema's tables (not the views).
INDEPENDENT = {
    "On-time arrival rate by airline":
        "select a.airline_name, 100.0 * avg(case when f.is_delayed then 0 else 1 end) from fact_flight f "
        "join dim_airline a using (airline_key) group by 1",
    "Average arrival delay by airline":
        "select a.airline_name, avg(f.arrival_delay_min) from fact_flight f join dim_airline a using (airline_key) "
        "group by 1",
    "Delayed flights by month":
        "select make_date(year(flight_date), month(flight_date), 1), count(*) filter (where is_delayed) "
        "from fact_flight group by 1",
    "Worst routes: highest average arrival delay (at least 3 flights)":
        "select origin_airport_code || '-' || destination_airport_code, avg(arrival_delay_min) from fact_flight "
        "group by 1 having count(arrival_delay_min) >= 3 order by 2 desc, 1 limit 10",
}


@pytest.mark.parametrize("chart", FLIGHTS, ids=[c.title for c in FLIGHTS])
def test_each_flights_chart_gets_the_rows_independent_sql_computes(reported, chart):
    _, warehouse, page, _ = reported
    data = warehouse_chart(warehouse, chart)
    assert data.rows
    got = {str(r[chart.x]): round(float(r[chart.y]), 6) for r in data.records()}
    want = {str(k): round(float(v), 6) for k, v in query(warehouse, INDEPENDENT[chart.title])}
    assert got == want
    # the page embeds exactly these rows in the chart's spec
    specs = json.loads(re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>',
                                 page.read_text(encoding="utf-8"), re.S)[1].replace("<\\/", "</"))
    (spec,) = [s for s in specs.values() if s.get("title") == chart.title]
    assert [{k: v for k, v in r.items()} for r in spec["data"]["values"]] == data.records()


def test_the_report_alone_starts_no_spark_and_reads_the_warehouse_read_only(reported, tmp_path):
    lake, warehouse, _, _ = reported
    script = (
        "import sys\n"
        "from jobs.main import main\n"
        f"code = main(['flights', '--steps', 'report', '--lake', {str(lake)!r}, '--warehouse', "
        f"'duckdb:{warehouse}', '--report-dir', {str(tmp_path)!r}])\n"
        "from pyspark import SparkContext\n"
        "assert SparkContext._gateway is None and SparkContext._active_spark_context is None, 'Spark started'\n"
        "sys.exit(code)\n")
    con = duckdb.connect(str(warehouse), read_only=True)  # a reader holds the file: a read-write open would fail
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        con.close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "flights.html").is_file()
    assert f"report:     {tmp_path / 'flights.html'}" in done.stdout


@pytest.mark.parametrize("name", [n for n in registry.names() if charts_of(n) and n != "flights"])
def test_the_chart_queries_of_every_pipeline_run_on_its_views(name):
    pipeline = registry.get(name)
    con = duckdb.connect()
    # the tables of every pipeline: a pipeline's views may read another's (ess reads eurostat's)
    tables = {t.name: t for p in registry.all_pipelines() for t in p.warehouse_tables}
    for sql in ddl_statements(tuple(tables.values()), "duckdb") + view_statements(name, pipeline.views):
        con.execute(sql)
    for chart in charts_of(name):
        result = con.execute(chart.sql)
        columns = [d[0] for d in result.description]
        assert chart.kind == "table" or {chart.x, chart.y} <= set(columns), chart.title


# ---- the page in a browser ----

def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no headless Chromium: install the Debian package chromium (scripts/setup.sh --dev does)")


def render_in_chromium(page: Path, out: Path) -> tuple[str, list[str], Path]:
    """(the DOM after the page's scripts ran, console error lines, the screenshot) of ``page``
    opened from disk in headless Chromium with every network request sent to a closed port."""
    flags = [chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={out / 'profile'}", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             "--virtual-time-budget=15000", "--window-size=1200,2400"]
    dom = subprocess.run([*flags, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    shot = out / f"{page.stem}.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    errors = [line for line in dom.stderr.splitlines()
              if "CONSOLE" in line and re.search(r"error|uncaught", line, re.I)]
    return dom.stdout, errors, shot


def assert_drawn(html: str, charts_expected: int) -> None:
    assert re.search(r'<pre id="js-errors"></pre>', html), re.search(r'<pre id="js-errors">[^<]*', html)[0]
    charts = re.findall(r'<div class="chart[^"]*" id="(chart-[^"]+)"[^>]*>', html)
    widths = dict(re.findall(r'id="(chart-[^"]+)"[^>]*?data-width="(\d+)"', html))
    heights = dict(re.findall(r'id="(chart-[^"]+)"[^>]*?data-height="(\d+)"', html))
    assert len(charts) == charts_expected
    assert re.search(rf'data-rendered="{charts_expected}"', html)  # every embed resolved
    assert all(int(widths[c]) > 0 and int(heights[c]) > 0 for c in charts), (widths, heights)


def test_the_page_renders_offline_in_chromium_with_every_chart_drawn_and_no_script_error(reported, tmp_path):
    started = time.monotonic()
    html, console_errors, shot = render_in_chromium(reported[2], tmp_path)
    assert not console_errors
    assert_drawn(html, 1 + len(FLIGHTS))  # the history strip and every mart chart
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("name", ["adventureworks", "eurostat", "olist"])
def test_a_page_before_any_run_renders_without_script_error(name, tmp_path):
    """A pipeline's report on an empty lake and no warehouse: the run section says so, no chart."""
    reports = tmp_path / "reports"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([name, "--steps", "report", "--lake", str(tmp_path / "lake"), "--warehouse",
                     f"duckdb:{tmp_path / 'none.duckdb'}", "--report-dir", str(reports)]) == 0
    page = reports / f"{name}.html"
    assert "No published run of this pipeline" in page.read_text(encoding="utf-8")
    assert not (tmp_path / "none.duckdb").exists()  # the report never creates a warehouse
    html, console_errors, shot = render_in_chromium(page, tmp_path)
    assert not console_errors
    assert_drawn(html, 0)
    assert shot.is_file()


# ---- where the page goes, and what the launcher starts ----

def _config(*args: str):
    from jobs.main import parse_args

    return parse_args(["flights", *args])[1]


def test_the_report_goes_to_reports_in_the_users_folder_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("CONSTELLATION_REPORT_DIR", raising=False)
    monkeypatch.setenv("CONSTELLATION_CWD", str(tmp_path))
    assert _config().report_uri == str(tmp_path / "reports" / "flights.html")
    assert _config("--report-dir", "out/r").report_uri == str(tmp_path / "out" / "r" / "flights.html")


def test_with_a_lake_on_s3_the_report_goes_to_the_lakes_reports_prefix(monkeypatch):
    monkeypatch.delenv("CONSTELLATION_REPORT_DIR", raising=False)
    assert _config("--lake", "s3://bucket/lake").report_uri == "s3://bucket/lake/_reports/flights.html"


@pytest.mark.parametrize(("steps", "runtime"), [("report", "python"), ("load,report", "python"),
                                                ("land,transform,load,report", "spark"), ("transform", "spark")])
def test_the_launcher_starts_spark_only_for_steps_that_need_it(steps, runtime, capsys):
    from jobs.main import runtime as launcher_runtime

    launcher_runtime(["flights", "--steps", steps])
    assert capsys.readouterr().out.strip() == runtime


def test_the_history_strip_holds_the_last_runs_rows_loaded_and_quarantined(reported, tmp_path):
    from jobs.layout import LakeLayout
    from jobs.report import gather

    original = manifest_of(reported[0])
    lake = tmp_path / "lake"
    (lake / "_runs").mkdir(parents=True)
    expected = []
    for i in range(12):
        run_id = f"20260101T0000{i:02d}Z-00000{i % 10}"
        m = {**original, "run_id": run_id, "lake": str(lake),
             "sources": [{**s, "rows_out": s["rows_out"] + i, "rows_quarantined": i} for s in original["sources"]]}
        (lake / "_runs" / f"{run_id}.json").write_text(json.dumps(m))
        expected.append((run_id, sum(s["rows_out"] for s in m["sources"]), i * len(m["sources"])))
    data = gather(LakeLayout(str(lake)), "flights", ["fact_flight"], None)
    assert data.history == expected[-10:]
    assert data.manifest.run_id == expected[-1][0]
    assert data.marts == [] and data.warehouse_note == "no warehouse to read"


class FakeDataApi:
    """A redshift-data client answering every statement with one result (two named columns)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def execute_statement(self, Sql, **_):  # noqa: N803 (boto's parameter names)
        self.sql.append(Sql)
        return {"Id": str(len(self.sql))}

    def describe_statement(self, Id):  # noqa: N803
        return {"Status": "FINISHED"}

    def get_statement_result(self, Id):  # noqa: N803
        return {"ColumnMetadata": [{"name": "airline_name"}, {"name": "on_time_pct"}],
                "Records": [[{"stringValue": "Delta"}, {"doubleValue": 81.5}],
                            [{"stringValue": "X"}, {"isNull": True}]]}


def test_on_redshift_a_chart_gets_its_rows_under_the_column_names_the_data_api_returns():
    from jobs.config import RedshiftSettings
    from jobs.report import chart_data
    from jobs.warehouse import RedshiftDataApiExecutor

    client = FakeDataApi()
    executor = RedshiftDataApiExecutor(RedshiftSettings(iam_role="r", workgroup="wg"), client=client, poll_seconds=0)
    data = chart_data(executor, FLIGHTS[0])
    assert client.sql == [FLIGHTS[0].sql]
    assert data.records() == [{"airline_name": "Delta", "on_time_pct": 81.5},
                              {"airline_name": "X", "on_time_pct": None}]


def test_a_report_that_cannot_be_written_still_prints_the_summary_and_exits_1(reported, tmp_path, capsys):
    lake, warehouse, _, _ = reported
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the report folder should be")
    code = main(["flights", "--steps", "report", "--lake", str(lake), "--warehouse", f"duckdb:{warehouse}",
                 "--report-dir", str(blocker)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Constellation flights: (steps: report)" in out and "report:" not in out.split("steps:")[-1]
    assert f"error: the report could not be written to {blocker / 'flights.html'}" in err
