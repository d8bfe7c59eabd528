"""`python -m deploy up` against moto (mock_aws): bucket, uploads, stack; and the one-line errors.

moto's CloudFormation creates the resource types it models (S3 bucket, SNS topic, IAM roles,
state machines, EventBridge rules …) and skips, with a warning, those it does not model
(AWS::Glue::Job, AWS::Scheduler::Schedule, AWS::S3::BucketPolicy): for those the tests can only
check that the deployed template holds them; that they deploy is verified by cfn-lint's schemas
and, for real, only in an AWS account."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from deploy import cli

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")
NOT_MODELLED_BY_MOTO = {"AWS::Glue::Job", "AWS::Scheduler::Schedule", "AWS::S3::BucketPolicy"}

REGION = "eu-west-1"
PARAMS = ["--param", f"RedshiftSecretArn=arn:aws:secretsmanager:{REGION}:123456789012:secret:redshift-AbCdEf",
          "--param", f"RedshiftWorkgroupArn=arn:aws:redshift-serverless:{REGION}:123456789012:workgroup/wg-1"]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fake credentials for moto; build output in a temp folder (not the repo's build/)."""
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return tmp_path / "build"


def _up(build_dir: Path, *extra: str) -> int:
    return cli.main(["up", "--stack", "constellation-test", "--region", REGION, "--build-dir", str(build_dir),
                     *PARAMS, *extra])


@mock_aws
def test_up_creates_the_bucket_uploads_the_artefacts_and_creates_the_stack(aws_env: Path) -> None:
    assert _up(aws_env) == 0
    s3, cfn = boto3.client("s3", region_name=REGION), boto3.client("cloudformation", region_name=REGION)
    bucket = "constellation-artefacts-123456789012-eu-west-1"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    version = json.loads((aws_env / "artefacts.json").read_text())["version"]
    for name in ("constellation.zip", "main.py", "glue-requirements.txt", "emr-requirements.txt",
                 "emr_bootstrap.sh", "aws/template.json", "aws/state-machines/flights.asl.json"):
        assert f"artefacts/{version}/{name}" in keys
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]

    stack = cfn.describe_stacks(StackName="constellation-test")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["ArtefactsPrefix"] == f"artefacts/{version}" and params["ArtefactsBucket"] == bucket
    created = {r["LogicalResourceId"]
               for r in cfn.list_stack_resources(StackName="constellation-test")["StackResourceSummaries"]}
    assert {"LakeBucket", "AlertTopic", "GlueJobRole", "RedshiftCopyRole", "StateMachineRole",
            "SchedulerRole", "StateMachineFlights", "NewFileFlights"} <= created
    deployed = cfn.get_template(StackName="constellation-test")["TemplateBody"]["Resources"]
    skipped = {name for name, r in deployed.items() if r["Type"] in NOT_MODELLED_BY_MOTO}
    assert {"GlueJobFlights", "ScheduleFlights", "LakeBucketPolicy"} <= skipped


@mock_aws
def test_up_stack_resources_moto_models_really_exist(aws_env: Path) -> None:
    """What moto really creates from the stack: the lake bucket (moto's CloudFormation ignores its
    versioning/encryption properties: cfn-lint checks those), the state machine with our
    role, the S3 rule with our pattern. (moto reads only DefinitionString, so the definition itself
    is checked by cfn-lint, asl-validator and moto's interpreter in test_deploy_runtime.py.)"""
    assert _up(aws_env) == 0
    cfn = boto3.client("cloudformation", region_name=REGION)
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in cfn.list_stack_resources(StackName="constellation-test")["StackResourceSummaries"]}
    s3 = boto3.client("s3", region_name=REGION)
    s3.head_bucket(Bucket=physical["LakeBucket"])
    events = boto3.client("events", region_name=REGION)
    pattern = json.loads(events.describe_rule(Name=physical["NewFileFlights"].split("/")[-1])["EventPattern"])
    assert pattern["detail"]["bucket"]["name"] == [physical["LakeBucket"]]
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.describe_state_machine(stateMachineArn=physical["StateMachineFlights"])
    assert machine["roleArn"] == physical["StateMachineRole"] or machine["roleArn"].endswith(
        physical["StateMachineRole"])


@mock_aws
def test_up_again_without_changes_is_a_no_op(aws_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _up(aws_env) == 0
    assert _up(aws_env) == 0
    assert "constellation-test:" in capsys.readouterr().out


def test_up_without_credentials_prints_one_actionable_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert _up(tmp_path / "build") == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no AWS credentials found")


@mock_aws
def test_up_when_aws_denies_names_the_operation_and_the_permissions(aws_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from botocore.exceptions import ClientError

    def denied(*args, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "CreateBucket")

    monkeypatch.setattr("deploy.aws.ensure_bucket", denied)
    assert _up(aws_env) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: AWS refused CreateBucket (AccessDenied)") and "s3:CreateBucket" in err


def test_up_without_required_parameters_fails_before_calling_aws(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["up", "--stack", "s", "--region", REGION]) == 2
    assert "RedshiftSecretArn" in capsys.readouterr().err
