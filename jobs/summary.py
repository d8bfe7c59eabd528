"""The run summary the CLI prints: rows read, loaded and quarantined, quality, where things are."""

from __future__ import annotations

from jobs.config import RunConfig
from jobs.manifest import Landing, RunManifest
from jobs.warehouse import LoadReport


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def render_summary(cfg: RunConfig, landing: Landing | None, manifest: RunManifest | None,
                   reports: list[LoadReport], timings: dict[str, float] | None = None,
                   report_uri: str | None = None) -> str:
    run_id = landing.run_id if landing else (manifest.run_id if manifest else (cfg.run_id if cfg.resume else None))
    lines = [f"Constellation {cfg.pipeline}: " + (f"run {run_id} " if run_id else "")
             + f"(steps: {','.join(cfg.steps)})"]
    if landing:
        width = max([len(f.source) for f in landing.inputs] + [10])
        lines.append("  landed:")
        lines += [f"    {f.source:<{width}} {f.original_uri} ({_size(f.size)}, sha256 {f.sha256[:12]}…)"
                  for f in landing.inputs]
        if landing.rows:
            lines.append("  rows landed: " + ", ".join(f"{name} {n:,}" for name, n in landing.rows.items()))
        if landing.sample:
            lines.append("  (generated sample data: no source was given)")
    if manifest:
        width = max([len(s.source) for s in manifest.sources] + [10])
        lines.append(f"  {'source':<{width}} {'read':>12} {'loaded':>12} {'quarantined':>12}  into")
        for s in manifest.sources:
            lines.append(f"  {s.source:<{width}} {s.rows_in:>12,} {s.rows_out:>12,} {s.rows_quarantined:>12,}  "
                         f"{s.table}")
            lines += [f"{'':>{width + 4}}- {n:,} × {reason}" for reason, n in s.reasons.items()]
        lines.append("  tables:")
        width = max([len(t) for t in manifest.tables] + [22])
        lines += [f"    {t.name:<{width}} {t.rows:>12,} rows  {len(t.files):>4} files  ({t.load_mode})"
                  for t in manifest.tables.values()]
        passed = sum(1 for q in manifest.quality if q["failed_rows"] == 0)
        warnings = [q for q in manifest.quality if q["failed_rows"] and q["severity"] == "warning"]
        lines.append(f"  quality: {_count(passed, 'rule')} passed, {_count(len(warnings), 'warning')}, "
                     "0 blocking failures")
        for q in warnings:
            sample = f"; e.g. {', '.join(q['sample'][:3])}" if q["sample"] else ""
            lines.append(f"    warning {q['table']}: {q['rule']}: {q['failed_rows']:,} rows{sample}")
        lines.append(f"  manifest:   {manifest.uri}")
        lines.append(f"  curated:    {manifest.layout.curated('<table>', manifest.run_id)}/")
        lines.append(f"  quarantine: {manifest.quarantine_uri}")
    if timings:
        lines.append("  steps:      " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
    if "load" in cfg.steps:
        target = cfg.warehouse.path if cfg.warehouse.kind == "duckdb" else "redshift"
        if not reports:
            lines.append(f"  warehouse:  {target}: already up to date (nothing new to load)")
        for r in reports:
            if r.error:
                lines.append(f"  warehouse:  {target}: run {r.run_id} NOT loaded, recorded as failed: {r.error}")
                continue
            loaded = ", ".join(f"{t} {n:,}" for t, n in r.loaded.items())
            lines.append(f"  warehouse:  {target}: run {r.run_id} loaded ({loaded})")
    if report_uri:
        lines.append(f"  report:     {report_uri}")
    return "\n".join(lines)
