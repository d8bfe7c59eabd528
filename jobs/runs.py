"""``./constellation runs <pipeline>``: every run of a pipeline and its state, from the lake
(landings, manifests) and the warehouse's ledger, and what a ``--steps load`` would do now.

States: landed (no manifest yet: waiting for its transform, or killed/refused before publish),
published (not loaded yet), loaded, superseded (published, but every table already holds a newer
run: a load never lays it over newer data), failed (its load failed; the reason; retried only
with ``--steps load --run-id R``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jobs import lake
from jobs import pipelines as registry
from jobs.config import ConfigError, Warehouse, user_path
from jobs.layout import LakeLayout
from jobs.manifest import published_runs, read_landing


@dataclass
class RunState:
    run_id: str
    state: str
    tables: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    durations: dict[str, float] = field(default_factory=dict)
    note: str = ""


def run_states(layout: LakeLayout, pipeline: str, loaded: dict[str, str], loaded_runs: set[str],
               failed: dict[str, str]) -> list[RunState]:
    """Per run, oldest first. ``loaded``: table -> newest run loaded; ``loaded_runs``: runs with a
    ledger row; ``failed``: run -> reason."""
    manifests = {m.run_id: m for m in published_runs(layout, pipeline)}
    out = []
    for info in lake.list_files(layout.landings, ".json"):
        run_id = info.uri.rsplit("/", 1)[-1][: -len(".json")]
        if run_id not in manifests and read_landing(layout, run_id).pipeline == pipeline:
            out.append(RunState(run_id, "landed", note="no manifest: not transformed, or stopped before publish"))
    for run_id, m in manifests.items():
        tables = {t.name: t.rows for t in m.tables.values()}
        quarantined = sum(s.rows_quarantined for s in m.sources)
        if run_id in failed:
            state, note = "failed", failed[run_id]
        elif run_id in loaded_runs:
            state, note = "loaded", ""
        elif all(loaded.get(t, "") >= run_id for t in tables):
            state, note = "superseded", "every table holds a newer run"
        else:
            pending = [t for t in tables if loaded.get(t, "") < run_id]
            state, note = "published", f"--steps load would load {', '.join(pending)}"
        out.append(RunState(run_id, state, tables, quarantined, dict(m.durations), note))
    return sorted(out, key=lambda r: r.run_id)


def render(pipeline: str, states: list[RunState]) -> str:
    if not states:
        return f"{pipeline}: no runs in this lake"
    lines = [f"{pipeline}: {len(states)} run(s)"]
    for r in states:
        rows = ", ".join(f"{t} {n:,}" for t, n in r.tables.items())
        took = ", ".join(f"{s} {v:.0f} s" for s, v in r.durations.items())
        lines.append(f"  {r.run_id}  {r.state:<10}" + (f"  {rows}" if rows else "")
                     + (f"; quarantined {r.quarantined:,}" if r.quarantined else "")
                     + (f"; took {took}" if took else "") + (f"  — {r.note}" if r.note else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="./constellation runs", description=__doc__.split("\n\n")[0])
    p.add_argument("pipeline", choices=registry.names())
    p.add_argument("--lake", default="lake", help="lake root (default ./lake)")
    p.add_argument("--warehouse", default="duckdb:warehouse.duckdb", help="duckdb:<file> (default warehouse.duckdb)")
    args = p.parse_args(argv)
    layout = LakeLayout(user_path(args.lake))
    try:
        warehouse = Warehouse.parse(args.warehouse)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    loaded: dict[str, str] = {}
    loaded_runs: set[str] = set()
    failed: dict[str, str] = {}
    if warehouse.kind == "duckdb" and Path(user_path(warehouse.path)).exists():
        from jobs.warehouse import FAILED_RUN, DuckDBExecutor, WarehouseLoader

        executor = DuckDBExecutor(user_path(warehouse.path), read_only=True)
        try:
            loader = WarehouseLoader(executor, "duckdb")
            columns = {c for (c,) in executor.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'load_ledger'")}
            if columns:
                loaded = loader.loaded(args.pipeline)
                failed = loader.failed(args.pipeline) if "error" in columns else {}  # older ledger: none recorded
                loaded_runs = {r for (r,) in executor.query(
                    f"SELECT DISTINCT run_id FROM load_ledger WHERE pipeline = '{args.pipeline}' "
                    f"AND table_name <> '{FAILED_RUN}'")}
        finally:
            executor.close()
    print(render(args.pipeline, run_states(layout, args.pipeline, loaded, loaded_runs, failed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
