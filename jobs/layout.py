"""The lake layout: the one owner of every path in the lake (DESIGN.md §1, §9).

    <root>/raw/<pipeline>/ingest_date=D/run_id=R/…          landed bytes, unchanged (immutable)
    <root>/curated/<table>/run_id=R/[p_<col>=…/]*.parquet   a run's published tables
    <root>/quarantine/<pipeline>/run_id=R/*.json             refused records with their reason
    <root>/_work/<pipeline>/run_id=R/                        a transform's scratch space
    <root>/_landings/R.json                                  what run R landed (sizes, sha256)
    <root>/_runs/R.json                                      run manifest: the publish point
    <root>/_runs/R/copy/<table>.manifest                     Redshift COPY manifests
    <root>/_state/<pipeline>/…                               a source's state (watermarks, snapshots, checkpoints)
    <root>/_logs/R.log                                       the run's log file
    <root>/_reports/<pipeline>.html                          the run report

No other module formats a lake path: they ask a :class:`LakeLayout` (carried by landings and
manifests as their ``layout``). The root is a local folder or ``s3://bucket/prefix``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jobs import lake


@dataclass(frozen=True)
class LakeLayout:
    root: str

    # Top-level folders (also the S3 prefixes the IAM policies are scoped to).
    RAW = "raw"
    CURATED = "curated"
    QUARANTINE = "quarantine"
    WORK = "_work"
    LANDINGS = "_landings"
    RUNS = "_runs"
    STATE = "_state"
    LOGS = "_logs"
    REPORTS = "_reports"

    def __post_init__(self) -> None:
        if not self.root:
            raise ValueError("a lake layout needs a root folder or s3:// prefix")

    def _path(self, *parts: str) -> str:
        return lake.join(self.root, *parts)

    # ---- zones of one run ----

    def raw(self, pipeline: str, ingest_date: date | str, run_id: str) -> str:
        day = ingest_date if isinstance(ingest_date, str) else ingest_date.isoformat()
        return self._path(self.RAW, pipeline, f"ingest_date={day}", f"run_id={run_id}")

    def curated(self, table: str, run_id: str) -> str:
        return self._path(self.CURATED, table, f"run_id={run_id}")

    def curated_table(self, table: str) -> str:
        """Every run's output of one table (for clean-up listings)."""
        return self._path(self.CURATED, table)

    def quarantine(self, pipeline: str, run_id: str) -> str:
        return self._path(self.QUARANTINE, pipeline, f"run_id={run_id}")

    def work(self, pipeline: str, run_id: str, *parts: str) -> str:
        return self._path(self.WORK, pipeline, f"run_id={run_id}", *parts)

    # ---- records ----

    @property
    def landings(self) -> str:
        return self._path(self.LANDINGS)

    def landing(self, run_id: str) -> str:
        return self._path(self.LANDINGS, f"{run_id}.json")

    @property
    def runs(self) -> str:
        return self._path(self.RUNS)

    def manifest(self, run_id: str) -> str:
        return self._path(self.RUNS, f"{run_id}.json")

    def is_manifest(self, uri: str) -> bool:
        """A top-level ``_runs/<run_id>.json`` (not a COPY manifest below it)."""
        return uri.endswith(".json") and uri.rsplit("/", 1)[0] == self.runs

    def copy_manifest(self, run_id: str, table: str) -> str:
        return self._path(self.RUNS, run_id, "copy", f"{table}.manifest")

    def state(self, pipeline: str, *parts: str) -> str:
        return self._path(self.STATE, pipeline, *parts)

    def log(self, run_id: str) -> str:
        return self._path(self.LOGS, f"{run_id}.log")

    def report(self, pipeline: str) -> str:
        return self._path(self.REPORTS, f"{pipeline}.html")

    @staticmethod
    def run_id_of(uri: str) -> str | None:
        """The run id a path belongs to (``…/run_id=R/…``, or a per-run record ``…/R.json``), for
        clean-up; None for anything else."""
        for part in uri.split("/"):
            if part.startswith("run_id="):
                return part[len("run_id="):]
        name = uri.rsplit("/", 1)[-1]
        if name.endswith(".json") and len(name) > 16 and name[8] == "T" and name[:8].isdigit():
            return name[: -len(".json")]
        return None
