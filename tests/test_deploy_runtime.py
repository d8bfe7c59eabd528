"""The AWS invocations of jobs/main.py, run here.

One flights run drives everything that needs Spark (kept tiny: scale 0.001, one run per
module): the generated state machine is executed by moto's ASL interpreter; each Glue
``StartJobRun`` it makes is turned into the argv Glue gives the script (the job's
DefaultArguments from the template + the run's Arguments + Glue's ``--JOB_*``) and run through
``jobs.main.main`` with only the AWS-only values overridden (lake -> temp folder, warehouse ->
DuckDB file, input -> generated sample). The Data API summary query runs on that DuckDB file.

Patched moto 5.1.9 gaps (the test's, not the product's): the execution start time is a datetime
instead of ISO text; Glue ``.sync`` crashes without a task-token endpoint; ``redshiftdata`` is
not mapped to boto's ``redshift-data`` and its statements never finish; PascalCase fields inside
a list parameter (SqlParameter Name/Value) raise a KeyError, so the test writes them lower-case.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
import sqlglot
from moto import mock_aws

from deploy import cloudformation, emr, glue, stepfunctions
from deploy.settings import DeploySettings, Targets, logical_id
from jobs import pipelines as registry
from jobs.layout import LakeLayout
from jobs.main import main as run_main
from jobs.main import parse_args
from jobs.manifest import published_runs
from jobs.warehouse import RedshiftDataApiExecutor, ddl_statements, table_load, view_statements

REGION, OTHER_REGION, ACCOUNT = "eu-west-1", "eu-central-1", "123456789012"
PIPELINE = "flights"  # the full Spark round trip; every pipeline gets the argument-level checks
SETTINGS = DeploySettings(poll_seconds=0)
STACK = {
    "AWS::StackName": "cst", "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::AccountId": ACCOUNT,
    "LakeBucket": "cst-lake", "ArtefactsBucket": "cst-artefacts", "ArtefactsPrefix": "artefacts/v1",
    "RedshiftCopyRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/cst-copy",
    "GlueJobRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/cst-glue",
    "RedshiftDatabase": "dev", "RedshiftSchema": "public",
    "RedshiftSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:redshift-AbCdEf",
    "RedshiftWorkgroupArn": f"arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:workgroup/wg-1",
    "GlueWorkerType": "G.1X", "GlueNumberOfWorkers": "2", "GlueTimeoutMinutes": "120",
    **{logical_id("glue", "job", n): f"cst-{n}" for n in registry.names()},
}
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


def job_arguments(pipeline: str) -> dict[str, str]:
    """The Glue job's DefaultArguments as the stack resolves them."""
    job = cloudformation.template(SETTINGS)["Resources"][logical_id("glue", "job", pipeline)]
    return cloudformation.resolve(job["Properties"]["DefaultArguments"], STACK)


def override(argv: list[str], values: dict[str, str]) -> list[str]:
    """Replace the values of AWS-only options in an argv (lake, warehouse, input), or add them."""
    out = list(argv)
    for key, value in values.items():
        if key in out:
            out[out.index(key) + 1] = value
        else:
            out += [key, value]
    return out


def _config(argv: list[str]):
    return parse_args(argv)[1]


# ---- argument level, every pipeline ----


@pytest.mark.parametrize("pipeline", registry.names())
def test_glue_and_emr_invocations_configure_the_same_run(pipeline: str) -> None:
    run = glue.run_arguments("land,transform", "20240105T070000Z-0123abcd", "2024-01-05")
    glue_cfg = _config(glue.glue_argv(f"cst-{pipeline}", job_arguments(pipeline), run))
    targets = Targets(**cloudformation.resolve(vars(cloudformation.targets(pipeline, SETTINGS)), STACK))
    step = emr.step(pipeline, targets, steps="land,transform", run_id=run["--run-id"], run_date=run["--run-date"])
    emr_cfg = _config(emr.main_argv(step["HadoopJarStep"]["Args"]))
    assert glue_cfg == emr_cfg
    assert (glue_cfg.pipeline, glue_cfg.steps, glue_cfg.run_id) == (pipeline, ("land", "transform"), run["--run-id"])
    assert glue_cfg.lake == "s3://cst-lake/lake"
    if registry.get(pipeline).reads_files:  # a database source takes no --input
        assert glue_cfg.settings.input == f"s3://cst-lake/inbox/{pipeline}/"
    assert glue_cfg.warehouse.kind == "redshift"
    assert glue_cfg.redshift.workgroup == STACK["RedshiftWorkgroupArn"]
    assert glue_cfg.redshift.secret_arn == STACK["RedshiftSecretArn"]
    assert glue_cfg.redshift.iam_role == STACK["RedshiftCopyRole.Arn"]


# ---- the state machine, executed ----


def _patch_moto(mp: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_glue,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def iso_start_time(self):  # AWS hands the context an ISO-8601 string
        details = self._evaluation_details.execution_details
        if isinstance(details.start_time, dt.datetime):
            details.start_time = details.start_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return original(self)

    mp.setattr(ExecutionWorker, "_get_evaluation_environment", iso_start_time)
    mp.setattr(state_task_service_glue, "_SUPPORTED_INTEGRATION_PATTERNS",
               {*state_task_service_glue._SUPPORTED_INTEGRATION_PATTERNS, ResourceCondition.WaitForTaskToken})
    mp.setitem(state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES, "redshiftdata", "redshift-data")


class FakeAws:
    """A Glue runtime that runs jobs/main.py here, and a Data API that runs SQL on DuckDB."""

    def __init__(self, root: Path, sample: Path):
        self.root, self.sample = root, sample
        self.lake, self.warehouse = root / "lake", root / "warehouse.duckdb"
        self.glue_runs: list[dict[str, Any]] = []
        self.statements: dict[str, dict[str, Any]] = {}

    def run_glue_job(self, name: str, default_args: dict[str, str], run_args: dict[str, str]) -> int:
        argv = glue.glue_argv(name, default_args, run_args)
        local = override(argv, {"--lake": str(self.lake), "--warehouse": f"duckdb:{self.warehouse}",
                                "--input": str(self.sample), "--report-dir": str(self.root / "reports")})
        rc = run_main(local)
        self.glue_runs.append({"run_args": run_args, "argv": argv, "rc": rc})
        return rc

    def query(self, sql: str, parameters: list[dict[str, str]]) -> list[tuple]:
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{self.warehouse}' AS wh (READ_ONLY)")
            con.execute("CREATE SCHEMA public")
            con.execute("CREATE VIEW public.load_ledger AS SELECT * FROM wh.load_ledger")
            return con.execute(sql.replace(":", "$"), {p["name"]: p["value"] for p in parameters}).fetchall()
        finally:
            con.close()

    def install(self, mp: pytest.MonkeyPatch) -> None:
        from moto.glue.responses import GlueResponse
        from moto.redshiftdata.responses import RedshiftDataAPIServiceResponse

        fake = self

        def start_job_run(self) -> str:
            name, run_args = self._get_param("JobName"), self._get_param("Arguments") or {}
            if fake.run_glue_job(name, self.glue_backend.get_job(name).default_arguments, run_args):
                raise RuntimeError(f"job {name} failed")  # the task fails: Catch -> SNS
            return json.dumps({"JobRunId": self.glue_backend.start_job_run(name)})

        def execute_statement(self):
            params = json.loads(self.body)
            statement_id = f"00000000-0000-4000-8000-{len(fake.statements):012d}"
            fake.statements[statement_id] = {**params, "rows": fake.query(params["Sql"], params.get("Parameters", []))}
            return 200, {}, json.dumps({"Id": statement_id})

        def describe_statement(self):
            return 200, {}, json.dumps({"Id": json.loads(self.body)["Id"], "Status": "FINISHED"})

        def get_statement_result(self):
            rows = fake.statements[json.loads(self.body)["Id"]]["rows"]
            records = [[{"stringValue": t}, {"longValue": n}] for t, n in rows]
            return 200, {}, json.dumps({"Records": records, "TotalNumRows": len(records), "ColumnMetadata": []})

        mp.setattr(GlueResponse, "start_job_run", start_job_run)
        for method in (execute_statement, describe_statement, get_statement_result):
            mp.setattr(RedshiftDataAPIServiceResponse, method.__name__, method)


def _deploy_job(pipeline: str, region: str) -> None:
    """The Glue job as the stack defines it, in moto."""
    props = cloudformation.resolve(cloudformation.template(SETTINGS)["Resources"][logical_id("glue", "job", pipeline)]
                                   ["Properties"], STACK)
    boto3.client("glue", region_name=region).create_job(
        Name=props["Name"], Role=props["Role"], Command=props["Command"], DefaultArguments=props["DefaultArguments"],
        GlueVersion=props["GlueVersion"], ExecutionProperty=props["ExecutionProperty"])


def _deploy_machine(pipeline: str, region: str) -> str:
    """The state machine as the stack defines it (substitutions resolved), in moto."""
    topic = boto3.client("sns", region_name=region).create_topic(Name="cst-alerts")["TopicArn"]
    asl, substitutions = cloudformation.state_machine_definition(pipeline, SETTINGS)
    values = {k: cloudformation.resolve(v, {**STACK, "AlertTopic": topic}) for k, v in substitutions.items()}
    text = re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: values[m[1]], json.dumps(asl))
    # moto's interpreter fails (KeyError 'Name') on the PascalCase SqlParameter fields Step Functions
    # documents for aws-sdk integrations; it accepts the API's own casing
    text = text.replace('{"Name": "run_id", "Value.$"', '{"name": "run_id", "value.$"')
    return boto3.client("stepfunctions", region_name=region).create_state_machine(
        name=f"cst-{pipeline}", definition=text, roleArn=f"arn:aws:iam::{ACCOUNT}:role/cst-sfn")["stateMachineArn"]


def _execute(machine: str, execution_input: dict[str, str]) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=machine.split(":")[3])
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input))["executionArn"]
    deadline = time.monotonic() + 240
    while (desc := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return {"status": desc["status"], "output": json.loads(desc.get("output") or "null"), "events": events}


@pytest.fixture(scope="module")
def executed(spark, tmp_path_factory: pytest.TempPathFactory):
    """The flights state machine executed once in moto (backfill input run_date=2024-01-05),
    and once with a bad run date (the failure path, no Spark)."""
    root = tmp_path_factory.mktemp("sfn")
    sample = root / "sample"
    registry.get(PIPELINE).sample(str(sample), scale=0.001, seed=7)
    fake = FakeAws(root, sample)
    with pytest.MonkeyPatch.context() as mp, mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                           ("AWS_DEFAULT_REGION", REGION)):
            mp.setenv(key, value)
        _patch_moto(mp)
        fake.install(mp)
        # moto deep-copies a region's whole backend per execution, which fails once one ran:
        # the failure path runs in a second region
        for region in (REGION, OTHER_REGION):
            _deploy_job(PIPELINE, region)
        ok = _execute(_deploy_machine(PIPELINE, REGION), {"run_date": "2024-01-05"})
        failed_runs = len(fake.glue_runs)
        bad = _execute(_deploy_machine(PIPELINE, OTHER_REGION), {"run_date": "not-a-date"})
    yield {"ok": ok, "bad": bad, "fake": fake, "ok_glue_runs": fake.glue_runs[:failed_runs]}


def test_state_machine_run_succeeds_and_passes_one_run_id_through_every_step(executed) -> None:
    ok, fake = executed["ok"], executed["fake"]
    assert ok["status"] == "SUCCEEDED", [e for e in ok["events"] if "Failed" in e["type"]]
    runs = executed["ok_glue_runs"]
    assert [r["run_args"]["--steps"] for r in runs] == ["land,transform", "load", "report"]
    assert (fake.root / "reports" / f"{PIPELINE}.html").is_file()  # the report step ran after the load
    run_ids = {r["run_args"]["--run-id"] for r in runs}
    assert len(run_ids) == 1 and RUN_ID.fullmatch(run_id := run_ids.pop())
    assert {r["run_args"]["--run-date"] for r in runs} == {"2024-01-05"}
    assert {r["run_args"]["--input"] for r in runs} == {f"s3://cst-lake/inbox/{PIPELINE}/"}
    assert [m.run_id for m in published_runs(LakeLayout(str(fake.lake)), PIPELINE)] == [run_id]
    ledger_query = next(iter(fake.statements.values()))
    assert ledger_query["Parameters"] == [{"name": "run_id", "value": run_id}]
    assert ledger_query["Sql"] == stepfunctions.ledger_sql("public")
    assert ledger_query["WorkgroupName"] == STACK["RedshiftWorkgroupArn"]
    assert ledger_query["SecretArn"] == STACK["RedshiftSecretArn"]
    manifest = published_runs(LakeLayout(str(fake.lake)), PIPELINE)[0]
    records = [[{k.lower(): v for cell in row for k, v in cell.items()}] for row in ok["output"]["loaded"]["tables"]]
    assert sorted(records, key=str) == sorted(
        [[{"stringvalue": t, "longvalue": o.rows}] for t, o in manifest.tables.items()], key=str)


def test_glue_passes_the_job_default_arguments_and_main_runs_them(executed) -> None:
    fake, (transform, load, report) = executed["fake"], executed["ok_glue_runs"]
    argv = transform["argv"]
    assert argv[:2] == ["--JOB_NAME", f"cst-{PIPELINE}"] and "--JOB_RUN_ID" in argv
    for key, value in job_arguments(PIPELINE).items():
        if key not in ("--job-bookmark-option", "--TempDir"):
            assert argv[argv.index(key) + 1] == value
    assert (transform["rc"], load["rc"], report["rc"]) == (0, 0, 0)
    raw = list((fake.lake / "raw" / PIPELINE / "ingest_date=2024-01-05").rglob("*.csv"))
    assert raw, "the run date of the execution input is the landing's ingest date"
    manifest = published_runs(LakeLayout(str(fake.lake)), PIPELINE)[0]
    con = duckdb.connect(str(fake.warehouse), read_only=True)
    try:
        for name, out in manifest.tables.items():
            assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] == out.rows
    finally:
        con.close()


def test_failed_job_notifies_sns_and_fails_the_execution(executed) -> None:
    bad = executed["bad"]
    assert bad["status"] == "FAILED"
    names = [e.get("stateEnteredEventDetails", {}).get("name") for e in bad["events"]]
    assert "NotifyFailure" in names and "Load" not in names
    sent = [e for e in bad["events"] if e["type"] == "TaskSucceeded"
            and e["taskSucceededEventDetails"]["resourceType"] == "sns"]
    assert len(sent) == 1


def test_emr_step_arguments_run_main_on_the_published_lake(executed, tmp_path: Path) -> None:
    fake = executed["fake"]
    targets = Targets(**cloudformation.resolve(vars(cloudformation.targets(PIPELINE, SETTINGS)), STACK))
    step = emr.step(PIPELINE, targets, steps="load", run_id="20240105T070000Z-emr00001", run_date="2024-01-05")
    argv = emr.main_argv(step["HadoopJarStep"]["Args"])
    warehouse = tmp_path / "emr.duckdb"
    assert run_main(override(argv, {"--lake": str(fake.lake), "--warehouse": f"duckdb:{warehouse}"})) == 0
    manifest = published_runs(LakeLayout(str(fake.lake)), PIPELINE)[0]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loaded = dict(con.execute("SELECT table_name, rows_loaded FROM load_ledger").fetchall())
    finally:
        con.close()
    assert loaded == {t: o.rows for t, o in manifest.tables.items()}


# ---- the Redshift SQL: what the load step sends is what jobs/warehouse.py renders ----


class RecordingDataApi:
    """A redshift-data client: records every batch, every statement finishes, the ledger is empty."""

    def __init__(self):
        self.batches: list[dict[str, Any]] = []

    def batch_execute_statement(self, **kwargs: Any) -> dict[str, str]:
        self.batches.append(kwargs)
        return {"Id": f"b{len(self.batches)}"}

    def execute_statement(self, **kwargs: Any) -> dict[str, str]:
        return {"Id": "q"}

    def describe_statement(self, Id: str) -> dict[str, str]:  # noqa: N803 (boto's name)
        return {"Id": Id, "Status": "FINISHED"}

    def get_statement_result(self, Id: str) -> dict[str, Any]:  # noqa: N803
        return {"Records": []}


LOADED_AT = re.compile(r"CAST\('\d{4}-\d\d-\d\d \d\d:\d\d:\d\d' AS TIMESTAMP\)")


def test_load_step_sends_redshift_exactly_the_sql_jobs_warehouse_renders(executed) -> None:
    fake, load = executed["fake"], executed["ok_glue_runs"][1]
    client = RecordingDataApi()
    argv = override(load["argv"], {"--lake": str(fake.lake)})  # the warehouse stays redshift
    assert run_main(argv, executor_factory=lambda cfg: RedshiftDataApiExecutor(cfg.redshift, client=client)) == 0

    pipeline, schema, role = registry.get(PIPELINE), STACK["RedshiftSchema"], STACK["RedshiftCopyRole.Arn"]
    prefix = f"SET search_path TO {schema}"
    expected = [[prefix, sql] for sql in ddl_statements(pipeline.warehouse_tables, "redshift", schema)]
    for manifest in published_runs(LakeLayout(str(fake.lake)), PIPELINE):
        run = [s for name in manifest.tables  # the whole run in one transaction (one batch)
               for s in table_load(pipeline.specs[name], manifest, "redshift", schema=schema, iam_role=role).statements]
        expected.append([prefix, *run])
        if manifest.views:
            expected.append([prefix, *view_statements(PIPELINE, manifest.views)])
    sent = [[LOADED_AT.sub("<loaded_at>", s) for s in b["Sqls"]] for b in client.batches]
    assert sent == [[LOADED_AT.sub("<loaded_at>", s) for s in batch] for batch in expected]
    assert {(b["WorkgroupName"], b["SecretArn"], b["Database"]) for b in client.batches} == {
        (STACK["RedshiftWorkgroupArn"], STACK["RedshiftSecretArn"], "dev")}
    assert any("FORMAT AS PARQUET MANIFEST" in s for b in client.batches for s in b["Sqls"])
    for sql in (s for b in client.batches for s in b["Sqls"]):
        sqlglot.parse_one(sql, read="redshift")
