"""EMR steps for an existing cluster: ``command-runner.jar`` -> ``spark-submit --deploy-mode
cluster --py-files s3://…/constellation.zip s3://…/main.py <pipeline> …``.

The cluster needs Python 3.11 and the requirements on every node (deploy/emr_bootstrap.sh); the
step points PySpark at it. No credentials: S3, the Data API and the secret are reached with the
cluster's instance profile (the stack attaches a least-privilege policy to it).
"""

from __future__ import annotations

from typing import Any

from deploy.settings import EMR_PYTHON, Targets, Value, redshift_arguments
from jobs import pipelines as registry

SPARK_SUBMIT = ("spark-submit", "--deploy-mode", "cluster")


def spark_conf() -> list[str]:
    """``--conf`` pairs: the Python the bootstrap action installed, for driver and executors."""
    conf = {
        "spark.pyspark.python": EMR_PYTHON,
        "spark.pyspark.driver.python": EMR_PYTHON,
        "spark.yarn.appMasterEnv.PYSPARK_PYTHON": EMR_PYTHON,
        "spark.executorEnv.PYSPARK_PYTHON": EMR_PYTHON,
    }
    return [part for key, value in conf.items() for part in ("--conf", f"{key}={value}")]


def job_arguments(pipeline: str, targets: Targets) -> list[Value]:
    """jobs/main.py's arguments (after the script), without the per-run ones."""
    inbox = ["--input", targets.input] if registry.get(pipeline).reads_files else []
    args: list[Value] = [pipeline, "--lake", targets.lake, *inbox, "--warehouse", "redshift"]
    for key, value in redshift_arguments(targets).items():
        args += [key, value]
    return args


def spark_submit_args(pipeline: str, targets: Targets, run_args: list[Value] = ()) -> list[Value]:
    """The whole command line of the step: spark-submit, its options, the script and its args."""
    return [*SPARK_SUBMIT, *spark_conf(), "--py-files", targets.code_zip, targets.entry_script,
            *job_arguments(pipeline, targets), *run_args]


def step(pipeline: str, targets: Targets, *, steps: str, run_id: str, run_date: str) -> dict[str, Any]:
    """One ``add_job_flow_steps`` step (``Steps=[step(...)]``) for a run of a pipeline."""
    run_args = ["--steps", steps, "--run-id", run_id, "--run-date", run_date]
    return {
        "Name": f"constellation {pipeline} {steps} {run_id}",
        "ActionOnFailure": "CONTINUE",  # a failed run must not stop a shared cluster
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": spark_submit_args(pipeline, targets, run_args)},
    }


def main_argv(step_args: list[str]) -> list[str]:
    """What jobs/main.py receives from a step: everything after the entry script."""
    for i, arg in enumerate(step_args):
        if isinstance(arg, str) and arg.endswith(".py") and i > 0 and step_args[i - 1] != "--py-files":
            return list(step_args[i + 1:])
    raise ValueError("no .py entry script in the step's arguments")
