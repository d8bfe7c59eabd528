"""What a deployment is made of: the choices made at render time and the names shared by the
Glue jobs, EMR steps, state machines and the CloudFormation template.

Values that exist only once the stack exists (bucket names, role ARNs) are CloudFormation
intrinsics (``{"Ref": …}``, ``{"Fn::Sub": …}``) in the template and plain strings in tests: every
builder takes :data:`Value` so the same function renders both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Value = str | dict[str, Any]
"""A string, or a CloudFormation intrinsic function that resolves to one."""

Runtime = Literal["glue", "emr"]
RedshiftTarget = Literal["serverless", "provisioned"]

GLUE_VERSION = "5.1"  # Spark 3.5.6, Python 3.11, Java 17: the versions requirements.txt pins
GLUE_VERSIONS = {"5.1": "Spark 3.5", "6.0": "Spark 4.1"}  # both verified: docs/aws.md
DEFAULT_SCHEDULE = "cron(0 7 * * ? *)"
LAKE_PREFIX = "lake"
INBOX_PREFIX = "inbox"
TMP_PREFIX = "tmp"
EMR_PYTHON = "/usr/bin/python3.11"  # installed by deploy/emr_bootstrap.sh


@dataclass(frozen=True)
class DeploySettings:
    """Render-time choices. Everything account-specific is a CloudFormation parameter instead."""

    runtime: Runtime = "glue"
    glue_version: str = GLUE_VERSION  # 5.1 (Spark 3.5) or 6.0 (Spark 4.1)
    redshift_target: RedshiftTarget = "serverless"
    schedule: str = DEFAULT_SCHEDULE
    schedule_timezone: str = "UTC"
    # pipeline -> the source whose new file starts a run (the vendor drops that file last);
    # None: each pipeline's registry entry says (Pipeline.file_trigger)
    file_triggers: dict[str, str] | None = None
    poll_seconds: int = 30  # Redshift Data API poll interval in the state machine
    timeout_hours: int = 6  # a whole state machine execution

    def __post_init__(self) -> None:
        if self.runtime not in ("glue", "emr"):
            raise ValueError(f"runtime {self.runtime!r}: choose glue or emr")
        if self.glue_version not in GLUE_VERSIONS:
            raise ValueError(f"glue version {self.glue_version!r}: choose {' or '.join(GLUE_VERSIONS)}")
        if self.redshift_target not in ("serverless", "provisioned"):
            raise ValueError(f"redshift target {self.redshift_target!r}: choose serverless or provisioned")
        if not re.fullmatch(r"(cron|rate)\(.+\)", self.schedule):
            raise ValueError(f"schedule {self.schedule!r}: use cron(…) or rate(…)")
        if self.poll_seconds < 0:
            raise ValueError("poll_seconds must not be negative")


@dataclass(frozen=True)
class Targets:
    """Where one pipeline's job reads and writes, and which warehouse it loads.

    In the template these are intrinsics; in tests plain strings (then they are the argv Glue or
    EMR would pass)."""

    lake: Value  # s3://bucket/lake
    input: Value  # s3://bucket/inbox/<pipeline>/
    code_zip: Value  # s3://…/constellation.zip
    entry_script: Value  # s3://…/main.py
    temp_dir: Value  # s3://bucket/tmp/glue/
    redshift_iam_role: Value  # role COPY uses to read the lake
    redshift_database: Value
    redshift_schema: Value
    redshift_secret_arn: Value
    redshift_workgroup: Value | None = None  # serverless (name or ARN)
    redshift_cluster_id: Value | None = None  # provisioned
    region: Value | None = None


def logical_id(*parts: str) -> str:
    """CloudFormation logical id from words: ``("glue", "job", "adventure_works")`` -> ``GlueJobAdventureWorks``."""
    words = [w for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def redshift_arguments(targets: Targets) -> dict[str, Value]:
    """The ``--redshift-*`` CLI settings of jobs/main.py (no credentials: a secret ARN only)."""
    args: dict[str, Value] = {
        "--redshift-iam-role": targets.redshift_iam_role,
        "--redshift-database": targets.redshift_database,
        "--redshift-schema": targets.redshift_schema,
        "--redshift-secret-arn": targets.redshift_secret_arn,
    }
    if targets.redshift_workgroup is not None:
        args["--redshift-workgroup"] = targets.redshift_workgroup
    if targets.redshift_cluster_id is not None:
        args["--redshift-cluster-id"] = targets.redshift_cluster_id
    if targets.region is not None:
        args["--redshift-region"] = targets.region
    return args
