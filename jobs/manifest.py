"""Run manifests: the only way a run's output becomes visible (DESIGN.md §1).

``<lake>/_runs/<run_id>.json`` lists the inputs (size, sha256), every Parquet file written per
table, row counts in/out/quarantined per source and the quality results. Loaders read files
from a manifest, never from a directory listing. Beside it, ``<lake>/_runs/<run_id>/copy/
<table>.manifest`` is the Redshift COPY manifest (entries with ``meta.content_length``).
Landing records (``<lake>/_landings/<run_id>.json``) say which raw files a run took in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from jobs import lake
from jobs.layout import LakeLayout


@dataclass
class InputFile:
    """One landed input: where it is in the raw zone and where it came from."""

    source: str
    uri: str
    original_uri: str  # the vendor file, the database table and filter, or the request URL
    size: int
    sha256: str
    fetched_at: str | None = None  # HTTP sources: when the response was received (UTC, ISO 8601)
    http_status: int | None = None  # HTTP sources: the response status


@dataclass
class Landing:
    run_id: str
    pipeline: str
    ingest_date: str
    inputs: list[InputFile]
    landed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    lake: str = ""  # the lake root the run belongs to (its scratch space is under it)
    sample: bool = False  # generated sample data (no source was given), not the user's
    rows: dict[str, int] = field(default_factory=dict)  # rows landed per source, where the source says
    as_of: str | None = None  # the date the landed figures stand for (a history load's vintage), if any
    # How the transform must read the landed bytes, as the run was told (e.g. a text encoding):
    # kept with the landing so a resumed transform reads them the same way.
    read_options: dict[str, str] = field(default_factory=dict)

    @property
    def layout(self) -> LakeLayout:
        return LakeLayout(self.lake)

    def files(self, source: str) -> list[str]:
        return [f.uri for f in self.inputs if f.source == source]


@dataclass
class TableOutput:
    name: str
    load_mode: str
    rows: int
    files: list[dict]  # {"uri", "size"}
    partitions: list[str] = field(default_factory=list)
    copy_manifest: str = ""


@dataclass
class SourceCount:
    source: str
    table: str
    rows_in: int
    rows_out: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class RunManifest:
    run_id: str
    pipeline: str
    lake: str
    inputs: list[InputFile]
    tables: dict[str, TableOutput]
    sources: list[SourceCount]
    quality: list[dict]
    quarantine_uri: str
    views: list[str] = field(default_factory=list)
    status: str = "published"
    published_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    durations: dict[str, float] = field(default_factory=dict)  # step -> seconds, up to the publish
    sample: bool = False  # built from generated sample data

    @property
    def layout(self) -> LakeLayout:
        return LakeLayout(self.lake)

    @property
    def uri(self) -> str:
        return self.layout.manifest(self.run_id)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> RunManifest:
        raw = json.loads(text)
        raw["inputs"] = [InputFile(**i) for i in raw["inputs"]]
        raw["tables"] = {k: TableOutput(**v) for k, v in raw["tables"].items()}
        raw["sources"] = [SourceCount(**s) for s in raw["sources"]]
        return cls(**raw)


def copy_manifest(files: list[dict]) -> str:
    """Redshift COPY manifest: every file mandatory, with ``meta.content_length`` (required for
    COPY ... FORMAT AS PARQUET MANIFEST)."""
    entries = [{"url": f["uri"], "mandatory": True, "meta": {"content_length": f["size"]}} for f in files]
    return json.dumps({"entries": entries}, indent=2)


def write_landing(landing: Landing) -> str:
    uri = landing.layout.landing(landing.run_id)
    lake.write_text(uri, json.dumps(asdict(landing), indent=2))
    return uri


def read_landing(layout: LakeLayout, run_id: str) -> Landing:
    uri = layout.landing(run_id)
    if not lake.exists(uri):
        raise FileNotFoundError(f"no landing for run {run_id} at {uri}: run the land step first")
    raw = json.loads(lake.read_text(uri))
    raw["inputs"] = [InputFile(**i) for i in raw["inputs"]]
    raw["lake"] = raw.get("lake") or layout.root  # landings recorded before the field existed
    return Landing(**raw)


def latest_landing(layout: LakeLayout, pipeline: str) -> Landing:
    """The most recent landing of a pipeline (run ids sort by time)."""
    records = lake.list_files(layout.landings, ".json")
    for info in reversed(records):
        landing = read_landing(layout, info.uri.rsplit("/", 1)[-1][: -len(".json")])
        if landing.pipeline == pipeline:
            return landing
    raise FileNotFoundError(f"no landed input for {pipeline} under {layout.root}: run the land step first")


def publish(manifest: RunManifest) -> str:
    """Make a run visible: the single atomic write that commits it."""
    lake.write_text(manifest.uri, manifest.to_json())
    return manifest.uri


def published_runs(layout: LakeLayout, pipeline: str) -> list[RunManifest]:
    """Every published manifest of a pipeline, oldest first."""
    out = []
    for info in lake.list_files(layout.runs, ".json"):
        if not layout.is_manifest(info.uri):
            continue  # only top-level <run_id>.json, not copy manifests
        manifest = RunManifest.from_json(lake.read_text(info.uri))
        if manifest.pipeline == pipeline and manifest.status == "published":
            out.append(manifest)
    return sorted(out, key=lambda m: m.run_id)
