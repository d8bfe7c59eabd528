"""The clean step: remove what killed and refused runs leave behind and no manifest references.

A run becomes visible only through its manifest, so a run that died or was refused before
publishing leaves files nobody reads: its curated tables, quarantine, scratch space, raw copies
and landing record, a source's snapshot. ``--steps clean`` lists (``--dry-run``) or removes, per
pipeline, every run folder under the lake layout whose run has no published manifest and whose
run id is older than the grace period (a run younger than that may still be running, or be
landed and waiting for its transform). Nothing a published manifest lists is ever touched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobs import lake
from jobs.layout import LakeLayout
from jobs.manifest import published_runs, read_landing
from schemas.spec import TableSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Garbage:
    run_id: str
    files: tuple[str, ...]
    bytes: int


def run_started(run_id: str) -> datetime | None:
    """The UTC moment a run id was made (``YYYYMMDDTHHMMSSZ-xxxxxx``), None if it is not ours."""
    try:
        return datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _run_folders(layout: LakeLayout, pipeline: str, tables: tuple[TableSpec, ...]) -> list[str]:
    return [*(layout.curated_table(t.name) for t in tables), lake.join(layout.root, layout.QUARANTINE, pipeline),
            lake.join(layout.root, layout.WORK, pipeline), lake.join(layout.root, layout.RAW, pipeline),
            layout.state(pipeline)]


def find_garbage(layout: LakeLayout, pipeline: str, tables: tuple[TableSpec, ...], *,
                 grace: timedelta, now: datetime | None = None) -> list[Garbage]:
    """Per unpublished run older than ``grace``: its files in the run-scoped folders."""
    now = now or datetime.now(UTC)
    runs = published_runs(layout, pipeline)
    keep = {m.run_id for m in runs}
    referenced = {f["uri"] for m in runs for t in m.tables.values() for f in t.files}
    referenced |= {i.uri for m in runs for i in m.inputs}
    by_run: dict[str, list[lake.FileInfo]] = defaultdict(list)
    for folder in _run_folders(layout, pipeline, tables):
        for info in lake.list_files(folder):
            run_id = layout.run_id_of(info.uri)
            if run_id and run_id not in keep and info.uri not in referenced:
                by_run[run_id].append(info)
    for info in lake.list_files(layout.landings, ".json"):
        run_id = info.uri.rsplit("/", 1)[-1][: -len(".json")]
        if run_id not in keep and read_landing(layout, run_id).pipeline == pipeline:
            by_run[run_id].append(info)
    out = []
    for run_id, files in sorted(by_run.items()):
        started = run_started(run_id)
        if started is None or now - started < grace:
            continue
        out.append(Garbage(run_id, tuple(f.uri for f in files), sum(f.size for f in files)))
    return out


def clean(layout: LakeLayout, pipeline: str, tables: tuple[TableSpec, ...], *, grace: timedelta,
          dry_run: bool) -> list[Garbage]:
    """Remove (or only list, with ``dry_run``) the garbage of a pipeline's unpublished runs."""
    garbage = find_garbage(layout, pipeline, tables, grace=grace)
    for item in garbage:
        log.info("%s run %s: %d files, %d bytes, no manifest", "would remove" if dry_run else "removing",
                 item.run_id, len(item.files), item.bytes)
        if dry_run:
            continue
        for uri in item.files:
            lake.delete(uri)
        for folder in _run_folders_of(item):  # with what listings leave out (_SUCCESS, .crc)
            lake.delete_tree(folder)
    return garbage


def _run_folders_of(item: Garbage) -> set[str]:
    marker = f"/run_id={item.run_id}"
    return {uri[: uri.index(marker) + len(marker)] for uri in item.files if marker + "/" in uri}
