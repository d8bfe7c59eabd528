"""Run configuration: a frozen dataclass built from arguments and environment, validated at
start-up. Secrets never come from a file: Redshift credentials come from the IAM role, an
AWS Secrets Manager secret or the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

STEPS = ("land", "transform", "load", "clean", "report")
DEFAULT_STEPS = ("land", "transform", "load", "report")
SPARK_STEPS = frozenset({"land", "transform"})  # the steps that may start Spark (a database extract, the transform)


class ConfigError(ValueError):
    """A setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class RedshiftSettings:
    """Where and how to load Redshift. Either the Data API (workgroup or cluster id, IAM auth
    or a Secrets Manager secret) or a direct connection (host + secret / env password)."""

    iam_role: str
    schema: str = "public"
    database: str = "dev"
    workgroup: str | None = None
    cluster_id: str | None = None
    secret_arn: str | None = None
    host: str | None = None
    port: int = 5439
    user: str | None = None
    region: str | None = None

    @classmethod
    def from_env(cls, overrides: dict[str, str | None]) -> RedshiftSettings:
        def get(name: str, default: str | None = None) -> str | None:
            return overrides.get(name) or os.environ.get(f"CONSTELLATION_REDSHIFT_{name.upper()}", default)

        role = get("iam_role")
        if not role:
            raise ConfigError("--warehouse redshift needs --redshift-iam-role (or "
                              "CONSTELLATION_REDSHIFT_IAM_ROLE): the role COPY uses to read the lake")
        settings = cls(
            iam_role=role, schema=get("schema", "public"), database=get("database", "dev"),
            workgroup=get("workgroup"), cluster_id=get("cluster_id"), secret_arn=get("secret_arn"),
            host=get("host"), port=int(get("port", "5439")), user=get("user"), region=get("region"),
        )
        if not (settings.workgroup or settings.cluster_id or settings.host):
            raise ConfigError("--warehouse redshift needs one of --redshift-workgroup (Serverless), "
                              "--redshift-cluster-id (provisioned, Data API) or --redshift-host")
        return settings


@dataclass(frozen=True)
class Warehouse:
    kind: str  # "duckdb" | "redshift"
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> Warehouse:
        if text == "redshift":
            return cls("redshift")
        if text.startswith("duckdb:") and len(text) > len("duckdb:"):
            return cls("duckdb", text[len("duckdb:"):])
        raise ConfigError(f"--warehouse {text!r}: use duckdb:<file> or redshift")


@dataclass(frozen=True)
class RunConfig:
    """One run's settings, common to every pipeline, plus ``settings``: the pipeline's own typed
    options (its sources' settings dataclass, validated when it was built)."""

    pipeline: str
    steps: tuple[str, ...]
    lake: str
    warehouse: Warehouse
    run_id: str
    resume: bool
    run_date: date
    sample_scale: float
    seed: int
    fail_on_warnings: bool = False
    redshift: RedshiftSettings | None = None
    settings: Any = None  # the pipeline's options dataclass (e.g. FilesSettings, PgSettings)
    log_level: str = "INFO"
    verbose_loggers: tuple[str, ...] = ()
    dry_run: bool = False  # clean: list, don't remove
    grace_hours: float = 24.0  # clean: unpublished runs younger than this are left alone
    report_dir: str | None = None  # report: the folder of <pipeline>.html (None: ./reports, or the lake's _reports/)

    def __post_init__(self) -> None:
        if unknown := [s for s in self.steps if s not in STEPS]:
            raise ConfigError(f"--steps: unknown step(s) {unknown}; choose from {', '.join(STEPS)}")
        if not self.steps:
            raise ConfigError("--steps: name at least one step")
        if list(self.steps) != sorted(self.steps, key=STEPS.index) or len(set(self.steps)) != len(self.steps):
            raise ConfigError(f"--steps {','.join(self.steps)}: name each step once, in the order "
                              f"{', '.join(STEPS)}")
        if self.grace_hours < 0:
            raise ConfigError("--grace-hours must not be negative")
        if self.sample_scale <= 0:
            raise ConfigError("--sample-scale must be positive")
        if self.warehouse.kind == "redshift" and self.redshift is None:
            raise ConfigError("--warehouse redshift needs Redshift settings")


    @property
    def report_uri(self) -> str:
        """Where the report step writes the page: ``--report-dir``, else ./reports/ (from the user's
        folder), else in the cloud (an s3:// lake) the lake layout's _reports/."""
        from jobs import lake

        if self.report_dir:
            return lake.join(user_path(self.report_dir), f"{self.pipeline}.html")
        if lake.is_s3(self.lake):
            return self.layout.report(self.pipeline)
        return lake.join(user_path("reports"), f"{self.pipeline}.html")

    @property
    def layout(self):  # -> jobs.layout.LakeLayout (imported here to keep config import-light)
        from jobs.layout import LakeLayout

        return LakeLayout(self.lake)


def user_path(text: str) -> str:
    """A path the user typed, resolved from where they ran the command (the launcher changes
    folder and says where it was in CONSTELLATION_CWD); ``s3://`` URIs unchanged. Repeated or
    trailing slashes and ``./`` are normalised."""
    if text.startswith(("s3://", "s3a://")):
        return text
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = Path(os.environ.get("CONSTELLATION_CWD") or os.getcwd()) / path
    return os.path.normpath(str(path))


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique: UTC time to the second plus 6 random hex digits."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"not a date (YYYY-MM-DD): {text!r}") from exc
