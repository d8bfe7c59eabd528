"""``deploy up``: the only module that talks to AWS (boto3, ordinary credential chain).

1. find the account (STS) and the artefact bucket (created if missing: SSE, public access
   blocked, versioning);
2. build the artefacts and render the templates, upload both under ``artefacts/<version>/``;
3. create or update the stack from the uploaded template (``TemplateURL``: no body size limit
   worth meeting) and wait for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deploy import cloudformation
from deploy.artefacts import BUILD, ArtefactSet, build_artefacts
from deploy.settings import DeploySettings

EXIT_AWS, EXIT_STACK = 3, 1
SET_BY_UP = ("ArtefactsBucket", "ArtefactsPrefix")
HINTS = {
    "AccessDenied": "the identity running deploy up needs s3:CreateBucket/PutObject on the artefacts bucket, "
                    "cloudformation:* on the stack and iam:CreateRole/PutRolePolicy/PassRole (docs/aws.md)",
    "ExpiredToken": "the credentials expired: refresh them (e.g. aws sso login) and rerun",
    "InvalidClientTokenId": "the access key is not valid in this account/region: check AWS_PROFILE",
}


def required_parameters(settings: DeploySettings) -> list[str]:
    """Stack parameters without a default that the caller must pass (--param Name=value)."""
    params = cloudformation.parameters(settings)
    return [k for k, v in params.items() if "Default" not in v and k not in SET_BY_UP]


def check_parameters(settings: DeploySettings, given: dict[str, str]) -> None:
    known = set(cloudformation.parameters(settings)) - set(SET_BY_UP)
    if unknown := sorted(set(given) - known):
        raise ValueError(f"unknown stack parameter(s) {unknown}; known: {', '.join(sorted(known))}")
    if missing := [p for p in required_parameters(settings) if p not in given]:
        raise ValueError(f"missing stack parameter(s) {missing}: pass --param Name=value for each")


def ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    """Create the artefact bucket if it does not exist (private, encrypted, versioned)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return True


def upload(s3: Any, bucket: str, artefacts: ArtefactSet, rendered: list[Path], aws_dir: Path) -> str:
    """Upload the artefacts and the rendered files under ``artefacts/<version>/``; return the prefix."""
    prefix = f"artefacts/{artefacts.version}"
    for artefact in artefacts.files:
        s3.upload_file(str(artefacts.path(artefact.name)), bucket, f"{prefix}/{artefact.name}")
    for path in rendered:
        s3.upload_file(str(path), bucket, f"{prefix}/aws/{path.relative_to(aws_dir).as_posix()}")
    return prefix


def deploy_stack(cfn: Any, stack: str, template_url: str, parameters: dict[str, str]) -> str:
    """Create or update the stack and wait; returns the final status."""
    from botocore.exceptions import ClientError

    kwargs = {"StackName": stack, "TemplateURL": template_url, "Capabilities": ["CAPABILITY_IAM"],
              "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())]}
    try:
        cfn.describe_stacks(StackName=stack)
        exists = True
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        exists = False
    try:
        (cfn.update_stack if exists else cfn.create_stack)(**kwargs)
    except ClientError as exc:
        if exists and "No updates are to be performed" in str(exc):
            return "UNCHANGED"
        raise
    waiter = cfn.get_waiter("stack_update_complete" if exists else "stack_create_complete")
    waiter.wait(StackName=stack, WaiterConfig={"Delay": 10, "MaxAttempts": 180})
    return cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def up(settings: DeploySettings, *, stack: str, region: str | None, bucket: str | None,
       parameters: dict[str, str], render: Callable[[DeploySettings, Path], list[Path]],
       build_dir: Path = BUILD) -> int:
    """Build, upload, deploy. One actionable error line and a non-zero exit on AWS problems."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, WaiterError

    check_parameters(settings, parameters)
    try:
        session = boto3.session.Session(region_name=region)
        if not session.region_name:
            raise ValueError("no AWS region: pass --region or set AWS_REGION (or a profile region)")
        account = session.client("sts").get_caller_identity()["Account"]
        bucket = bucket or f"constellation-artefacts-{account}-{session.region_name}"
        s3, cfn = session.client("s3"), session.client("cloudformation")
        if ensure_bucket(s3, bucket, session.region_name):
            print(f"created artefact bucket s3://{bucket}")
        artefacts = build_artefacts(build_dir)
        aws_dir = build_dir / "aws"
        prefix = upload(s3, bucket, artefacts, render(settings, aws_dir), aws_dir)
        print(f"uploaded artefact version {artefacts.version} to s3://{bucket}/{prefix}/")
        url = f"https://{bucket}.s3.{session.region_name}.amazonaws.com/{prefix}/aws/template.json"
        status = deploy_stack(cfn, stack, url, {**parameters, "ArtefactsBucket": bucket, "ArtefactsPrefix": prefix})
    except NoCredentialsError:
        return _fail("no AWS credentials found: set AWS_PROFILE (aws configure / aws sso login) or "
                     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then rerun", EXIT_AWS)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        hint = HINTS.get(err.get("Code", ""), "see docs/aws.md")
        return _fail(f"AWS refused {exc.operation_name} ({err.get('Code')}): {err.get('Message')} — {hint}", EXIT_AWS)
    except WaiterError as exc:
        status = (exc.last_response.get("Stacks") or [{}])[0].get("StackStatus", "?")
        return _fail(f"stack {stack} ended {status}: see its events in the CloudFormation console", EXIT_STACK)
    except BotoCoreError as exc:
        return _fail(f"AWS client error: {exc}", EXIT_AWS)
    print(f"stack {stack}: {status}")
    return 0
