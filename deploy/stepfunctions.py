"""A state machine per pipeline, in Amazon States Language:

    Clock -> Defaults -> Resolve            run id and run date (from the input, or generated)
    -> LandAndTransform                     Glue job (or EMR step) --steps land,transform
    -> Load                                 the same job with --steps load: jobs/warehouse.py's
                                            Redshift load through the Data API (one code path)
    -> Summarise/Wait/Describe/Fetch        Data API poll loop: this run's rows in the load ledger
    -> CheckLoaded                          this run's rows are in the ledger
    -> Report                               the same job with --steps report: the HTML report
                                            into the lake's _reports/ prefix (jobs/report.py)
    -> Succeeded
    any failure -> NotifyFailure (SNS) -> Failed

The run id (``YYYYMMDDTHHMMSSZ-<hex>``, the same sortable shape jobs.config.new_run_id makes)
travels through every step. Values that are only known to the stack (job name, topic ARN …) are
passed as plain strings: ``${Name}`` placeholders for DefinitionSubstitutions in the template,
real values in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deploy import emr
from deploy.settings import Targets
from schemas.common import LOAD_LEDGER
from schemas.ddl import qualified

GLUE_SYNC = "arn:aws:states:::glue:startJobRun.sync"
EMR_SYNC = "arn:aws:states:::elasticmapreduce:addStep.sync"
DATA_API = "arn:aws:states:::aws-sdk:redshiftdata:"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
PLACEHOLDER = re.compile(r"(\$\{[A-Za-z0-9]+\})")

RETRY_GLUE = [
    {"ErrorEquals": ["Glue.ConcurrentRunsExceededException"],  # another run of the pipeline is busy
     "IntervalSeconds": 60, "BackoffRate": 2.0, "MaxAttempts": 8, "MaxDelaySeconds": 900, "JitterStrategy": "FULL"},
    {"ErrorEquals": ["Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException"],
     "IntervalSeconds": 10, "BackoffRate": 2.0, "MaxAttempts": 5, "JitterStrategy": "FULL"},
]
RETRY_EMR = [
    {"ErrorEquals": ["EMR.AmazonElasticMapReduceException", "EMR.ThrottlingException"],
     "IntervalSeconds": 10, "BackoffRate": 2.0, "MaxAttempts": 5, "JitterStrategy": "FULL"},
]
RETRY_DATA_API = [
    {"ErrorEquals": ["RedshiftData.ThrottlingException", "RedshiftData.InternalServerException",
                     "RedshiftData.ActiveStatementsExceededException"],
     "IntervalSeconds": 5, "BackoffRate": 2.0, "MaxAttempts": 6, "JitterStrategy": "FULL"},
]
RETRY_SNS = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 5, "BackoffRate": 2.0, "MaxAttempts": 3}]
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]


@dataclass(frozen=True)
class MachineInputs:
    """What the definition refers to, as strings (placeholders or real values)."""

    pipeline: str
    topic_arn: str
    redshift_database: str
    redshift_schema: str
    redshift_secret_arn: str
    inbox: str = ""  # the default --input of a run (the pipeline's inbox prefix); "" = no --input
    glue_job_name: str = ""
    emr_cluster_id: str = ""
    emr_targets: Targets | None = None  # runtime emr: the step's command line
    redshift_workgroup: str = ""  # serverless: name or ARN
    redshift_cluster_id: str = ""  # provisioned


def intrinsic_string(text: str) -> str:
    """A literal inside an intrinsic function: quoted, with ' { } \\ escaped, except in the
    ``${Name}`` placeholders CloudFormation substitutes before Step Functions parses the text."""
    parts = PLACEHOLDER.split(text)
    for i in range(0, len(parts), 2):
        for char in ("\\", "'", "{", "}"):
            parts[i] = parts[i].replace(char, "\\" + char)
    return "'" + "".join(parts) + "'"


def ledger_sql(schema: str) -> str:
    """This run's rows in the load ledger (the table jobs/warehouse.py writes in each load's
    transaction); ``:run_id`` is a Data API parameter, never formatted into the text."""
    return (f"SELECT table_name, rows_loaded FROM {qualified(LOAD_LEDGER, schema)} "
            "WHERE run_id = :run_id ORDER BY table_name")


def _run_identity(pipeline: str, inbox: str) -> dict[str, Any]:
    part = [f"States.ArrayGetItem($.clock.parts, {i})" for i in range(6)]
    token = "States.ArrayGetItem(States.StringSplit($.clock.token, '-'), 0)"
    return {
        "Clock": {"Type": "Pass", "Comment": "Execution start (UTC) split into its fields; a random token",
                  "Parameters": {"parts.$": "States.StringSplit($$.Execution.StartTime, '-:T.Z')",
                                 "token.$": "States.UUID()"},
                  "ResultPath": "$.clock", "Next": "Defaults"},
        "Defaults": {"Type": "Pass", "Comment": "A new sortable run id and today's date (UTC)",
                     "Parameters": {
                         "pipeline": pipeline, "trigger": "manual", "input": inbox,
                         "run_id.$": f"States.Format('{{}}{{}}{{}}T{{}}{{}}{{}}Z-{{}}', {', '.join(part)}, {token})",
                         "run_date.$": f"States.Format('{{}}-{{}}-{{}}', {', '.join(part[:3])})"},
                     "ResultPath": "$.defaults", "Next": "Resolve"},
        "Resolve": {"Type": "Pass",
                    "Parameters": {"run.$": "States.JsonMerge($.defaults, $$.Execution.Input, false)"},
                    "Comment": "The execution input (run_id, run_date, input, trigger …) wins",
                    "OutputPath": "$.run", "Next": "LandAndTransform"},
    }


def _glue_task(m: MachineInputs, steps: str, result: str, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task", "Resource": GLUE_SYNC,
        "Parameters": {"JobName": m.glue_job_name,
                       "Arguments": {"--steps": steps, "--run-id.$": "$.run_id", "--run-date.$": "$.run_date",
                                     **({"--input.$": "$.input"} if m.inbox else {})}},
        "ResultSelector": {"job_run_id.$": "$.Id", "state.$": "$.JobRunState"},
        "ResultPath": f"$.{result}", "Retry": RETRY_GLUE, "Catch": CATCH_ALL, "Next": next_state,
    }


def _emr_task(m: MachineInputs, steps: str, result: str, next_state: str) -> dict[str, Any]:
    if m.emr_targets is None:
        raise ValueError("the EMR runtime needs emr_targets")
    fixed = [intrinsic_string(str(a)) for a in emr.spark_submit_args(m.pipeline, m.emr_targets)]
    args = [*fixed, "'--steps'", intrinsic_string(steps), "'--run-id'", "$.run_id", "'--run-date'", "$.run_date",
            *(["'--input'", "$.input"] if m.inbox else [])]  # the last --input wins
    return {
        "Type": "Task", "Resource": EMR_SYNC,
        "Parameters": {"ClusterId": m.emr_cluster_id, "Step": {
            "Name.$": f"States.Format('constellation {m.pipeline} {steps} {{}}', $.run_id)",
            "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args.$": f"States.Array({', '.join(args)})"}}},
        "ResultSelector": {"step_id.$": "$.Step.Id", "state.$": "$.Step.Status.State"},
        "ResultPath": f"$.{result}", "Retry": RETRY_EMR, "Catch": CATCH_ALL, "Next": next_state,
    }


def _data_api_target(m: MachineInputs) -> dict[str, str]:
    target = {"Database": m.redshift_database, "SecretArn": m.redshift_secret_arn}
    if m.redshift_workgroup:
        target["WorkgroupName"] = m.redshift_workgroup
    else:
        target["ClusterIdentifier"] = m.redshift_cluster_id
    return target


def _summary(m: MachineInputs, poll_seconds: int) -> dict[str, Any]:
    def data_api(action: str, params: dict[str, Any], **rest: Any) -> dict[str, Any]:
        return {"Type": "Task", "Resource": DATA_API + action, "Parameters": params,
                "Retry": RETRY_DATA_API, "Catch": CATCH_ALL, **rest}

    return {
        "Summarise": data_api("executeStatement", {
            **_data_api_target(m), "Sql": ledger_sql(m.redshift_schema),
            "Parameters": [{"Name": "run_id", "Value.$": "$.run_id"}]},
            ResultSelector={"Id.$": "$.Id"}, ResultPath="$.summary", Next="WaitForSummary"),
        "WaitForSummary": {"Type": "Wait", "Seconds": poll_seconds, "Next": "DescribeSummary"},
        "DescribeSummary": data_api("describeStatement", {"Id.$": "$.summary.Id"},
                                    ResultSelector={"Id.$": "$.Id", "Status.$": "$.Status"},
                                    ResultPath="$.summary", Next="SummaryDone"),
        "SummaryDone": {"Type": "Choice", "Choices": [
            {"Variable": "$.summary.Status", "StringEquals": "FINISHED", "Next": "FetchSummary"},
            {"Or": [{"Variable": "$.summary.Status", "StringEquals": "FAILED"},
                    {"Variable": "$.summary.Status", "StringEquals": "ABORTED"}], "Next": "SummaryFailed"}],
            "Default": "WaitForSummary"},
        "SummaryFailed": {"Type": "Pass", "Parameters": {"Error": "SummaryQueryFailed",
                                                         "Cause.$": "States.JsonToString($.summary)"},
                          "ResultPath": "$.error", "Next": "NotifyFailure"},
        "FetchSummary": data_api("getStatementResult", {"Id.$": "$.summary.Id"},
                                 ResultSelector={"tables.$": "$.Records", "count.$": "$.TotalNumRows"},
                                 ResultPath="$.loaded", Next="CheckLoaded"),
        "CheckLoaded": {"Type": "Choice", "Choices": [
            {"Variable": "$.loaded.count", "NumericGreaterThan": 0, "Next": "Report"}],
            "Default": "NotLoaded"},
        "NotLoaded": {"Type": "Pass", "Parameters": {
            "Error": "RunNotLoaded",
            "Cause": "the load step finished but the ledger has no row for this run (a newer run was loaded first?)"},
            "ResultPath": "$.error", "Next": "NotifyFailure"},
        "Succeeded": {"Type": "Succeed"},
    }


def _failure(m: MachineInputs) -> dict[str, Any]:
    return {
        "NotifyFailure": {"Type": "Task", "Resource": SNS_PUBLISH,
                          "Parameters": {"TopicArn": m.topic_arn, "Subject": f"Constellation {m.pipeline} run failed",
                                         "Message.$": "States.JsonToString($)"},
                          "ResultPath": "$.notified", "Retry": RETRY_SNS,
                          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_error", "Next": "Failed"}],
                          "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "ConstellationRunFailed",
                   "Cause": "a step failed: see the execution history and the SNS notification"},
    }


def definition(m: MachineInputs, *, runtime: str = "glue", poll_seconds: int = 30,
               timeout_seconds: int = 6 * 3600) -> dict[str, Any]:
    """The pipeline's state machine definition (ASL, JSONPath query language)."""
    task = _glue_task if runtime == "glue" else _emr_task
    return {
        "Comment": f"Constellation {m.pipeline}: land, transform, load into Redshift, check the ledger, report",
        "StartAt": "Clock",
        "TimeoutSeconds": timeout_seconds,
        "States": {
            **_run_identity(m.pipeline, m.inbox),
            "LandAndTransform": task(m, "land,transform", "transform", "Load"),
            "Load": task(m, "load", "load", "Summarise"),
            **_summary(m, poll_seconds),
            # after the ledger shows the run loaded: the HTML report into the lake's _reports/
            "Report": task(m, "report", "report", "Succeeded"),
            **_failure(m),
        },
    }
