"""Glue job definitions, one per pipeline, and the argv Glue hands the entry script.

The job's ``DefaultArguments`` are the CLI flags of jobs/main.py (``--pipeline``, ``--lake``,
``--input``, ``--warehouse redshift``, ``--redshift-*``) plus Glue's own settings. A state
machine run overrides ``--steps``, ``--run-id`` and ``--run-date`` per run.
"""

from __future__ import annotations

from typing import Any

from deploy.artefacts import glue_python_modules
from deploy.settings import GLUE_VERSION, Targets, Value, redshift_arguments
from jobs import pipelines as registry

# Glue's own job arguments; main() ignores them (parse_known_args).
GLUE_SETTINGS = {
    "--job-language": "python",
    "--enable-metrics": "true",
    "--enable-continuous-cloudwatch-log": "true",
    "--job-bookmark-option": "job-bookmark-disable",  # the project keeps its own state (manifests, ledger)
}


def default_arguments(pipeline: str, targets: Targets) -> dict[str, Value]:
    """The job's DefaultArguments: what every run of the pipeline's job gets."""
    inbox = {"--input": targets.input} if registry.get(pipeline).reads_files else {}
    return {
        **GLUE_SETTINGS,
        "--TempDir": targets.temp_dir,
        "--extra-py-files": targets.code_zip,
        "--additional-python-modules": glue_python_modules(),
        "--pipeline": pipeline,
        "--lake": targets.lake,
        **inbox,
        "--warehouse": "redshift",
        **redshift_arguments(targets),
    }


def job_properties(pipeline: str, description: str, targets: Targets, *, role: Value, name: Value,
                   worker_type: Value, workers: Value, timeout_minutes: Value,
                   glue_version: str = GLUE_VERSION) -> dict[str, Any]:
    """``AWS::Glue::Job`` properties (the same shape as the CreateJob API)."""
    return {
        "Name": name,
        "Description": f"Constellation {pipeline}: {description}"[:2048],
        "Role": role,
        "GlueVersion": glue_version,
        "Command": {"Name": "glueetl", "ScriptLocation": targets.entry_script, "PythonVersion": "3"},
        "DefaultArguments": default_arguments(pipeline, targets),
        "WorkerType": worker_type,
        "NumberOfWorkers": workers,
        "Timeout": timeout_minutes,
        "MaxRetries": 0,  # the state machine retries what is worth retrying
        "ExecutionProperty": {"MaxConcurrentRuns": 1},  # one run of a pipeline at a time
    }


def run_arguments(steps: str, run_id: str, run_date: str) -> dict[str, str]:
    """The Arguments a state machine passes to StartJobRun (they override DefaultArguments)."""
    return {"--steps": steps, "--run-id": run_id, "--run-date": run_date}


def glue_argv(job_name: str, default_args: dict[str, str], run_args: dict[str, str] | None = None, *,
              job_run_id: str = "jr_0123456789abcdef", temp_dir: str = "s3://tmp/glue/") -> list[str]:
    """The argv the Glue runtime gives the script: its own ``--JOB_*`` settings, then every job
    argument (defaults overridden by the run's) as ``--key value`` pairs."""
    merged = {**default_args, **(run_args or {})}
    argv = ["--JOB_NAME", job_name, "--JOB_ID", "j_0123456789abcdef", "--JOB_RUN_ID", job_run_id,
            "--job-bookmark-option", merged.pop("--job-bookmark-option", "job-bookmark-disable"),
            "--TempDir", merged.pop("--TempDir", temp_dir)]
    for key, value in merged.items():
        argv += [key, value]
    return argv
