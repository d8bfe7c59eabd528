"""The HTML report of a pipeline (the ``report`` step): its latest run and its marts, in one
self-contained page (styles, data and the Vega runtime inline: it opens from disk offline).

Reads the run manifests and quarantine files from the lake and queries the warehouse read-only;
never starts Spark. The charts are Vega-Lite specs built with Altair from the definitions in
:mod:`schemas.charts`; the JavaScript bundle is the one ``vl-convert-python`` ships (offline).

The page's own script records, after every chart has rendered, each chart's drawn size in its
``data-width`` / ``data-height`` attributes and ``data-rendered`` on ``<body>`` (the count of
charts drawn), and any JavaScript error in ``#js-errors``: what the browser test reads.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jobs import lake
from jobs.layout import LakeLayout
from jobs.manifest import RunManifest, published_runs
from schemas.charts import Chart, charts_of
from schemas.common import LOAD_LEDGER
from schemas.ddl import qualified

if TYPE_CHECKING:
    from jobs.warehouse import Executor

log = logging.getLogger(__name__)

EXAMPLES_PER_REASON = 2
TOP_REASONS = 10
HISTORY_RUNS = 10
FAILED_RUN = "*"  # the ledger's table_name of a run that could not be loaded (jobs.warehouse.FAILED_RUN)


@dataclass
class Reason:
    source: str
    reason: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class TableState:
    name: str
    rows: int | None  # None: not in the warehouse (or the warehouse is not reachable)
    last_run: str | None
    loaded_at: str | None


@dataclass
class ChartData:
    chart: Chart
    columns: list[str]
    rows: list[tuple]
    error: str | None = None

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, (_plain(v) for v in row), strict=True)) for row in self.rows]


@dataclass
class ReportData:
    pipeline: str
    generated_at: str
    manifest: RunManifest | None
    durations: dict[str, float]
    reasons: list[Reason]
    quality: list[dict]
    tables: list[TableState]
    history: list[tuple[str, int, int]]  # (run id, rows loaded, rows quarantined), oldest first
    marts: list[ChartData]
    warehouse_note: str = ""


# ---- gathering (IO: lake and warehouse) ----

def quarantine_reasons(manifest: RunManifest, *, top: int = TOP_REASONS,
                       examples: int = EXAMPLES_PER_REASON) -> list[Reason]:
    """The run's most frequent (source, reason) pairs, counts from the manifest, each with its
    first ``examples`` raw records from the run's quarantine JSON files."""
    counted = [Reason(s.source, reason, n) for s in manifest.sources for reason, n in s.reasons.items()]
    chosen = sorted(counted, key=lambda r: (-r.count, r.source, r.reason))[:top]
    wanted = {(r.source, r.reason): r for r in chosen}
    if not wanted or not lake.exists(manifest.quarantine_uri):
        return chosen
    for info in lake.list_files(manifest.quarantine_uri, ".json"):
        for line in lake.read_text(info.uri).splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            target = wanted.get((record.get("source"), record.get("reason")))
            if target is not None and len(target.examples) < examples:
                target.examples.append(record.get("raw_record") or "")
        if all(len(r.examples) >= min(examples, r.count) for r in chosen):
            break
    return chosen


def quality_order(results: list[dict]) -> list[dict]:
    """Blocking failures first, then failed warnings, then what passed; by table and rule within."""
    def rank(q: dict) -> int:
        if q["failed_rows"]:
            return 0 if q["severity"] == "blocking" else 1
        return 2
    return sorted(results, key=lambda q: (rank(q), q["table"], q["rule"]))


def history(runs: list[RunManifest], n: int = HISTORY_RUNS) -> list[tuple[str, int, int]]:
    return [(m.run_id, sum(s.rows_out for s in m.sources), sum(s.rows_quarantined for s in m.sources))
            for m in runs[-n:]]


def table_states(executor: Executor | None, pipeline: str, tables: list[str],
                 schema: str | None = None) -> tuple[list[TableState], str]:
    """Rows per warehouse table and the newest run loaded into it (from the load ledger)."""
    if executor is None:
        return [TableState(t, None, None, None) for t in tables], "no warehouse to read"
    try:
        ledger = {t: (r, str(at)) for t, r, at in executor.query(
            f"SELECT table_name, MAX(run_id), MAX(loaded_at) FROM {qualified(LOAD_LEDGER.name, schema)} "
            f"WHERE pipeline = '{pipeline}' AND table_name <> '{FAILED_RUN}' GROUP BY table_name")}
    except Exception as exc:  # an empty warehouse: no ledger yet
        return [TableState(t, None, None, None) for t in tables], f"the warehouse has no load ledger ({_line(exc)})"
    out = []
    for t in tables:
        try:
            ((rows,),) = executor.query(f"SELECT COUNT(*) FROM {qualified(t, schema)}")
        except Exception:
            rows = None
        last, at = ledger.get(t, (None, None))
        out.append(TableState(t, rows, last, at))
    return out, ""


def chart_data(executor: Executor, chart: Chart) -> ChartData:
    """The rows a chart draws: its query on the views, as the warehouse returns them."""
    try:
        cursor_rows, columns = _query_with_columns(executor, chart.sql)
    except Exception as exc:
        log.warning("report: chart %r: %s", chart.title, _line(exc))
        return ChartData(chart, [], [], error=_line(exc))
    return ChartData(chart, columns, cursor_rows)


def _query_with_columns(executor: Executor, sql: str) -> tuple[list[tuple], list[str]]:
    query = getattr(executor, "query_with_columns", None)
    if query is not None:  # the warehouse's executors name the columns (jobs.warehouse)
        columns, rows = query(sql)
        return rows, columns
    rows = executor.query(sql)  # an executor that returns rows only (tests' fakes)
    return rows, [f"column_{i + 1}" for i in range(len(rows[0]) if rows else 0)]


def gather(layout: LakeLayout, pipeline: str, tables: list[str], executor: Executor | None, *,
           timings: dict[str, float] | None = None, schema: str | None = None) -> ReportData:
    runs = published_runs(layout, pipeline)
    manifest = runs[-1] if runs else None
    durations = dict(manifest.durations) if manifest else {}
    durations.update(timings or {})
    states, note = table_states(executor, pipeline, tables, schema)
    marts = [chart_data(executor, c) for c in charts_of(pipeline)] if executor is not None and not note else []
    return ReportData(
        pipeline=pipeline,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        manifest=manifest,
        durations=durations,
        reasons=quarantine_reasons(manifest) if manifest else [],
        quality=quality_order(manifest.quality) if manifest else [],
        tables=states,
        history=history(runs),
        marts=marts,
        warehouse_note=note,
    )


# ---- rendering (pure: data -> HTML) ----

def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return '<td class="null">null</td>'
    if isinstance(value, bool):
        return f"<td>{value}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:,.2f}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def html_table(columns: list[str], rows: list[tuple], *, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def vega_spec(chart: Chart, records: list[dict]) -> dict:
    """The Vega-Lite spec of one chart (Altair), data inline."""
    import altair as alt

    base = alt.Chart(alt.Data(values=records)).properties(title=chart.title, width=640)
    tooltip = [f"{name}:{_vl_type(value)}" for name, value in (records[0].items() if records else ())]
    if chart.kind == "line":
        spec = base.mark_line(point=True).encode(
            x=alt.X(f"{chart.x}:T", title=chart.x_title), y=alt.Y(f"{chart.y}:Q", title=chart.y_title),
            tooltip=tooltip)
    elif chart.kind == "hbar":
        spec = base.mark_bar().encode(
            y=alt.Y(f"{chart.x}:N", title=chart.x_title, sort=None), x=alt.X(f"{chart.y}:Q", title=chart.y_title),
            tooltip=tooltip)
    else:
        spec = base.mark_bar().encode(
            x=alt.X(f"{chart.x}:N", title=chart.x_title, sort=None), y=alt.Y(f"{chart.y}:Q", title=chart.y_title),
            tooltip=tooltip)
    return spec.to_dict()


def _vl_type(value: Any) -> str:
    return "Q" if isinstance(value, int | float) and not isinstance(value, bool) else "N"


def history_chart(rows: list[tuple[str, int, int]]) -> tuple[Chart, list[dict]]:
    chart = Chart("Last runs: rows loaded and quarantined", "", "bar", "run_id", "rows", "run id", "rows (count)")
    records = [{"run_id": r, "kind": kind, "rows": n} for r, loaded, quarantined in rows
               for kind, n in (("loaded", loaded), ("quarantined", quarantined))]
    return chart, records


def _history_spec(chart: Chart, records: list[dict]) -> dict:
    import altair as alt

    return alt.Chart(alt.Data(values=records)).mark_bar().encode(
        x=alt.X("run_id:N", title=chart.x_title, sort=None),
        xOffset=alt.XOffset("kind:N"),
        y=alt.Y("rows:Q", title=chart.y_title),
        color=alt.Color("kind:N", title="rows"),
        tooltip=["run_id:N", "kind:N", "rows:Q"],
    ).properties(title=chart.title, width=640).to_dict()


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #999; } .fail td { background: #fde8e8; } .warn td { background: #fff6dd; }
.meta { color: #666; } figure { margin: 1.5em 0; } .chart { min-height: 40px; }
pre.example { margin: 0.1em 0; white-space: pre-wrap; word-break: break-all; font-size: 0.85em; }
#js-errors:empty { display: none; } #js-errors { color: #b00; }
"""

# After every embed resolves: sizes into the DOM, the count on <body>; errors into #js-errors.
SCRIPT = """
(function () {
  var errors = document.getElementById('js-errors');
  function report(message) { errors.textContent += message + '\\n'; }
  window.addEventListener('error', function (e) { report('error: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { report('rejection: ' + e.reason); });
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  var embeds = Object.keys(specs).map(function (id) {
    return vegaEmbed('#' + id, specs[id], {actions: false, renderer: 'svg'}).then(function () {
      var el = document.getElementById(id);
      var drawn = el.querySelector('svg') || el;
      var box = drawn.getBoundingClientRect();
      el.setAttribute('data-width', Math.round(box.width));
      el.setAttribute('data-height', Math.round(box.height));
    });
  });
  Promise.all(embeds).then(function () {
    document.body.setAttribute('data-rendered', String(embeds.length));
  }).catch(function (e) { report('embed: ' + e); });
})();
"""


def _figure(chart_id: str, chart: Chart, columns: list[str], rows: list[tuple], error: str | None) -> str:
    title = f"<h3>{html.escape(chart.title)}</h3>"
    if error:
        return f'<figure>{title}<p class="meta">not available: {html.escape(error)}</p></figure>'
    table = html_table(columns, rows)
    if chart.kind == "table":
        return f"<figure>{title}{table}</figure>"
    if not rows:
        return f'<figure>{title}<p class="meta">no rows</p></figure>'
    return (f'<figure><div class="chart" id="{chart_id}" data-title="{html.escape(chart.title)}"></div>'
            f"<details><summary>The table behind “{html.escape(chart.title)}” ({len(rows):,} rows)</summary>"
            f"{table}</details></figure>")


def _run_section(data: ReportData, specs: dict[str, dict]) -> str:
    m = data.manifest
    if m is None:
        return "<h2>Run</h2><p>No published run of this pipeline in the lake yet.</p>"
    parts = [f"<h2>Run {html.escape(m.run_id)}</h2>",
             f'<p class="meta">published {html.escape(m.published_at)}'
             + (" · generated sample data" if m.sample else "") + f" · manifest {html.escape(m.uri)}</p>"]
    parts.append("<h3>Steps</h3>" + html_table(["step", "seconds"], list(data.durations.items())))
    parts.append("<h3>Rows per source</h3>" + html_table(
        ["source", "read", "loaded", "quarantined", "into"],
        [(s.source, s.rows_in, s.rows_out, s.rows_quarantined, s.table) for s in m.sources], cls="sources"))
    quarantined = sum(s.rows_quarantined for s in m.sources)
    parts.append(f"<h3>Quarantine ({quarantined:,} rows)</h3>")
    if data.reasons:
        rows = "".join(
            f"<tr><td>{html.escape(r.source)}</td><td>{html.escape(r.reason)}</td>"
            f'<td class="num">{r.count:,}</td><td>'
            + "".join(f'<pre class="example">{html.escape(e)}</pre>' for e in r.examples) + "</td></tr>"
            for r in data.reasons)
        parts.append('<table class="reasons"><thead><tr><th>source</th><th>reason</th><th>rows</th>'
                     f"<th>examples</th></tr></thead><tbody>{rows}</tbody></table>"
                     f'<p class="meta">records: {html.escape(m.quarantine_uri)}</p>')
    else:
        parts.append("<p>No record was quarantined.</p>")
    passed = sum(1 for q in data.quality if not q["failed_rows"])
    parts.append(f"<h3>Quality ({len(data.quality)} rules, {passed} passed)</h3>")
    qrows = []
    for q in data.quality:
        result = "passed" if not q["failed_rows"] else ("FAILED" if q["severity"] == "blocking" else "warning")
        cls = "" if not q["failed_rows"] else ("fail" if q["severity"] == "blocking" else "warn")
        sample = ", ".join(q.get("sample") or [])[:300]
        qrows.append(f'<tr class="{cls}"><td>{html.escape(q["table"])}</td><td>{html.escape(q["rule"])}</td>'
                     f"<td>{q['severity']}</td><td>{result}</td><td class=\"num\">{q['failed_rows']:,}</td>"
                     f"<td>{html.escape(sample)}</td></tr>")
    parts.append('<table class="quality"><thead><tr><th>table</th><th>rule</th><th>severity</th><th>result</th>'
                 f"<th>failed rows</th><th>sample keys</th></tr></thead><tbody>{''.join(qrows)}</tbody></table>")
    return "".join(parts)


def render(data: ReportData) -> str:
    """The page: run section, warehouse tables, history strip, marts."""
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    specs: dict[str, dict] = {}
    body = [f"<h1>Constellation {html.escape(data.pipeline)}</h1>",
            f'<p class="meta">report generated {html.escape(data.generated_at)}</p>',
            _run_section(data, specs)]
    body.append("<h2>Warehouse tables</h2>")
    if data.warehouse_note:
        body.append(f'<p class="meta">{html.escape(data.warehouse_note)}</p>')
    body.append(html_table(["table", "rows", "last run loaded", "loaded at"],
                           [(t.name, t.rows, t.last_run, t.loaded_at) for t in data.tables], cls="tables"))
    body.append(f"<h2>History (last {len(data.history)} runs)</h2>")
    if data.history:
        chart, records = history_chart(data.history)
        specs["chart-history"] = _history_spec(chart, records)
        body.append(_figure("chart-history", chart, ["run_id", "rows loaded", "rows quarantined"],
                            list(data.history), None))
    charts = charts_of(data.pipeline)
    if charts:
        body.append("<h2>Marts</h2>")
        if not data.marts:
            body.append(f'<p class="meta">not available: {html.escape(data.warehouse_note or "no warehouse")}</p>')
        for i, mart in enumerate(data.marts):
            chart_id = f"chart-{i}"
            if mart.chart.kind != "table" and mart.rows and not mart.error:
                specs[chart_id] = vega_spec(mart.chart, mart.records())
            body.append(_figure(chart_id, mart.chart, mart.columns, mart.rows, mart.error))
    bundle = import_vl_convert().javascript_bundle(vl_version=vl_version_for_vl_convert())
    specs_json = json.dumps(specs, default=str).replace("</", "<\\/")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Constellation {html.escape(data.pipeline)} report</title><style>{STYLE}</style>"
            f"<script>{bundle}</script></head><body>"
            '<pre id="js-errors"></pre>' + "".join(body)
            + f'<script type="application/json" id="chart-specs">{specs_json}</script>'
            f"<script>{SCRIPT}</script></body></html>")


def write_report(uri: str, data: ReportData) -> str:
    lake.write_text(uri, render(data))
    return uri
