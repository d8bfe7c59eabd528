"""The CloudFormation template, generated from the pipeline registry: lake bucket, roles, a Glue
job (or EMR steps), a state machine, a schedule and (for file-triggered pipelines) an S3 rule per
pipeline, the alert topic. No secret is in it: Redshift credentials are a Secrets Manager ARN
parameter; code reaches AWS through roles.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from deploy import emr, glue, iam, stepfunctions
from deploy.artefacts import CODE_ZIP, ENTRY_SCRIPT
from deploy.iam import sub
from deploy.settings import INBOX_PREFIX, LAKE_PREFIX, TMP_PREFIX, DeploySettings, Targets, logical_id
from jobs import pipelines as registry

Template = dict[str, Any]


def parameters(settings: DeploySettings) -> dict[str, Any]:
    """Account-specific inputs; ``deploy up`` fills the artefact ones."""
    params: dict[str, Any] = {
        "ArtefactsBucket": {"Type": "String", "Description": "Bucket holding the built artefacts (deploy up)"},
        "ArtefactsPrefix": {"Type": "String", "Description": "Key prefix of this artefact version"},
        "RedshiftSecretArn": {"Type": "String", "AllowedPattern": "arn:aws[a-z-]*:secretsmanager:.+",
                              "Description": "Secrets Manager secret (username/password) the Data API uses"},
        "RedshiftDatabase": {"Type": "String", "Default": "dev"},
        "RedshiftSchema": {"Type": "String", "Default": "public", "AllowedPattern": "[a-z_][a-z0-9_]*"},
        "ScheduleExpression": {"Type": "String", "Default": settings.schedule},
        "ScheduleTimezone": {"Type": "String", "Default": settings.schedule_timezone},
        "AlertEmail": {"Type": "String", "Default": "", "Description": "Optional: e-mail subscribed to failures"},
    }
    if settings.redshift_target == "serverless":
        params["RedshiftWorkgroupArn"] = {"Type": "String", "AllowedPattern": "arn:aws[a-z-]*:redshift-serverless:.+",
                                          "Description": "Existing Redshift Serverless workgroup"}
    else:
        params["RedshiftClusterId"] = {"Type": "String", "Description": "Existing provisioned Redshift cluster"}
    if settings.runtime == "glue":
        params["GlueWorkerType"] = {"Type": "String", "Default": "G.1X",
                                    "AllowedValues": ["G.1X", "G.2X", "G.4X", "G.8X"]}
        params["GlueNumberOfWorkers"] = {"Type": "Number", "Default": 2, "MinValue": 2}
        params["GlueTimeoutMinutes"] = {"Type": "Number", "Default": 120, "MinValue": 1}
    else:
        params["EmrClusterId"] = {"Type": "String", "AllowedPattern": "j-[A-Z0-9]+"}
        params["EmrInstanceRoleName"] = {"Type": "String",
                                         "Description": "IAM role of the cluster's EC2 instance profile"}
    return params


def targets(pipeline: str, settings: DeploySettings) -> Targets:
    """Where the pipeline's job reads and writes, as intrinsics of this template."""
    serverless = settings.redshift_target == "serverless"
    return Targets(
        lake=sub(f"s3://${{LakeBucket}}/{LAKE_PREFIX}"),
        input=sub(f"s3://${{LakeBucket}}/{INBOX_PREFIX}/{pipeline}/"),
        code_zip=sub(f"s3://${{ArtefactsBucket}}/${{ArtefactsPrefix}}/{CODE_ZIP}"),
        entry_script=sub(f"s3://${{ArtefactsBucket}}/${{ArtefactsPrefix}}/{ENTRY_SCRIPT}"),
        temp_dir=sub(f"s3://${{LakeBucket}}/{TMP_PREFIX}/glue/"),
        redshift_iam_role={"Fn::GetAtt": ["RedshiftCopyRole", "Arn"]},
        redshift_database={"Ref": "RedshiftDatabase"},
        redshift_schema={"Ref": "RedshiftSchema"},
        redshift_secret_arn={"Ref": "RedshiftSecretArn"},
        redshift_workgroup={"Ref": "RedshiftWorkgroupArn"} if serverless else None,
        redshift_cluster_id=None if serverless else {"Ref": "RedshiftClusterId"},
        region={"Ref": "AWS::Region"},
    )


def placeholder_targets(pipeline: str, settings: DeploySettings) -> tuple[Targets, dict[str, Any]]:
    """The same targets as ``${Name}`` placeholders for a state machine definition, with the
    DefinitionSubstitutions that resolve them."""
    real = targets(pipeline, settings)
    names = {"lake": "LakeUri", "input": "InboxUri", "code_zip": "CodeZipUri", "entry_script": "EntryScriptUri",
             "temp_dir": "TempDirUri", "redshift_iam_role": "RedshiftCopyRoleArn",
             "redshift_database": "RedshiftDatabase", "redshift_schema": "RedshiftSchema",
             "redshift_secret_arn": "RedshiftSecretArn", "redshift_workgroup": "RedshiftWorkgroup",
             "redshift_cluster_id": "RedshiftClusterId", "region": "Region"}
    values = {f: getattr(real, f) for f in names if getattr(real, f) is not None}
    placeholders = Targets(**{f: "${" + names[f] + "}" for f in values})
    return placeholders, {names[f]: v for f, v in values.items()}


def _bucket() -> dict[str, Any]:
    return {
        "LakeBucket": {
            "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                   "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
                "LifecycleConfiguration": {"Rules": [
                    {"Id": "expire-temp", "Status": "Enabled", "Prefix": f"{TMP_PREFIX}/", "ExpirationInDays": 7},
                    {"Id": "expire-old-versions", "Status": "Enabled",
                     "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]},
            },
        },
        "LakeBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "LakeBucket"}, "PolicyDocument": iam.document({
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [iam.bucket_arn("LakeBucket"), iam.bucket_arn("LakeBucket", "*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}})},
        },
    }


def _alerts() -> dict[str, Any]:
    return {
        "AlertTopic": {"Type": "AWS::SNS::Topic",
                       "Properties": {"KmsMasterKeyId": "alias/aws/sns", "DisplayName": "Constellation alerts"}},
        "AlertSubscription": {"Type": "AWS::SNS::Subscription", "Condition": "HasAlertEmail",
                              "Properties": {"TopicArn": {"Ref": "AlertTopic"}, "Protocol": "email",
                                             "Endpoint": {"Ref": "AlertEmail"}}},
    }


def _role(service: str, policy_name: str, policy: dict[str, Any], description: str) -> dict[str, Any]:
    # EventBridge and its Scheduler pass aws:SourceAccount: scope their roles to this account.
    scoped = service in ("events.amazonaws.com", "scheduler.amazonaws.com")
    return {"Type": "AWS::IAM::Role", "Properties": {
        "Description": description, "AssumeRolePolicyDocument": iam.trust(service, source_account=scoped),
        "Policies": [{"PolicyName": policy_name, "PolicyDocument": policy}]}}


def _compute(settings: DeploySettings, names: list[str]) -> dict[str, Any]:
    """Glue: the job role and a job per pipeline. EMR: a policy on the cluster's instance role."""
    if settings.runtime == "emr":
        return {"EmrJobPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": "Constellation jobs on the EMR cluster: lake, inboxes, artefacts, Redshift Data API",
            "Roles": [{"Ref": "EmrInstanceRoleName"}],
            "PolicyDocument": iam.job_policy(settings.redshift_target, glue=False)}}}
    resources = {"GlueJobRole": _role("glue.amazonaws.com", "constellation-job",
                                      iam.job_policy(settings.redshift_target, glue=True),
                                      "Constellation Glue jobs: lake, inboxes, artefacts, Redshift Data API")}
    for name in names:
        pipeline = registry.get(name)
        resources[logical_id("glue", "job", name)] = {"Type": "AWS::Glue::Job", "Properties": glue.job_properties(
            name, pipeline.description, targets(name, settings), role={"Fn::GetAtt": ["GlueJobRole", "Arn"]},
            name=sub(f"${{AWS::StackName}}-{name}"), worker_type={"Ref": "GlueWorkerType"},
            workers={"Ref": "GlueNumberOfWorkers"}, timeout_minutes={"Ref": "GlueTimeoutMinutes"},
            glue_version=settings.glue_version)}
    return resources


def state_machine_definition(name: str, settings: DeploySettings) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pipeline's ASL definition with ``${…}`` placeholders, and their DefinitionSubstitutions."""
    placeholders, substitutions = placeholder_targets(name, settings)
    substitutions["AlertTopicArn"] = {"Ref": "AlertTopic"}
    inputs = stepfunctions.MachineInputs(
        pipeline=name, topic_arn="${AlertTopicArn}", redshift_database="${RedshiftDatabase}",
        redshift_schema="${RedshiftSchema}", redshift_secret_arn="${RedshiftSecretArn}",
        inbox="${InboxUri}" if registry.get(name).reads_files else "",
        redshift_workgroup="${RedshiftWorkgroup}" if settings.redshift_target == "serverless" else "",
        redshift_cluster_id="${RedshiftClusterId}" if settings.redshift_target == "provisioned" else "")
    if settings.runtime == "glue":
        substitutions["GlueJobName"] = {"Ref": logical_id("glue", "job", name)}
        inputs = replace(inputs, glue_job_name="${GlueJobName}")
    else:
        substitutions["EmrClusterId"] = {"Ref": "EmrClusterId"}
        inputs = replace(inputs, emr_cluster_id="${EmrClusterId}", emr_targets=placeholders)
    asl = stepfunctions.definition(inputs, runtime=settings.runtime, poll_seconds=settings.poll_seconds,
                                   timeout_seconds=settings.timeout_hours * 3600)
    used = {k: v for k, v in substitutions.items() if "${" + k + "}" in json.dumps(asl)}
    return asl, used


def _orchestration(settings: DeploySettings, names: list[str]) -> dict[str, Any]:
    machines = [logical_id("state", "machine", n) for n in names]
    jobs = [logical_id("glue", "job", n) for n in names] if settings.runtime == "glue" else []
    resources: dict[str, Any] = {
        "StateMachineRole": _role("states.amazonaws.com", "constellation-orchestration",
                                  iam.state_machine_policy(settings.redshift_target, glue_jobs=jobs,
                                                           emr=settings.runtime == "emr"),
                                  "Constellation state machines: run the jobs, query the ledger, alert"),
        "SchedulerRole": _role("scheduler.amazonaws.com", "start-pipelines", iam.start_execution_policy(machines),
                               "EventBridge Scheduler: start the Constellation state machines"),
    }
    for name, machine in zip(names, machines, strict=True):
        asl, substitutions = state_machine_definition(name, settings)
        resources[machine] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "StateMachineName": sub(f"${{AWS::StackName}}-{name}"),
            "RoleArn": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
            "Definition": asl, "DefinitionSubstitutions": substitutions}}
        resources[logical_id("schedule", name)] = {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "Description": f"Constellation {name}: daily run",
            "ScheduleExpression": {"Ref": "ScheduleExpression"},
            "ScheduleExpressionTimezone": {"Ref": "ScheduleTimezone"},
            "FlexibleTimeWindow": {"Mode": "OFF"}, "State": "ENABLED",
            "Target": {"Arn": {"Ref": machine}, "RoleArn": {"Fn::GetAtt": ["SchedulerRole", "Arn"]},
                       "Input": json.dumps({"trigger": "schedule"}), "RetryPolicy": {"MaximumRetryAttempts": 3}}}}
    resources.update(_file_triggers(settings, names))
    return resources


def file_trigger_pattern(name: str, bucket: Any, settings: DeploySettings) -> dict[str, Any]:
    """EventBridge pattern: the trigger source's file created in the pipeline's inbox."""
    layout = {s.name: s for s in registry.get(name).sources}[trigger_source(settings, name)]
    return {"source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket]},
                       "object": {"key": [{"wildcard": f"{INBOX_PREFIX}/{name}/{layout.file_glob}"}]}}}


def trigger_source(settings: DeploySettings, name: str) -> str | None:
    """The source whose new file starts a run of ``name``: the render settings' override, else
    the pipeline's registry entry."""
    if settings.file_triggers is not None:
        return settings.file_triggers.get(name)
    return registry.get(name).file_trigger


def file_triggered(settings: DeploySettings, names: list[str]) -> list[str]:
    """Pipelines started by a new file: configured, registered and landed from files."""
    return [n for n in names if trigger_source(settings, n) and registry.get(n).land is None]


def _file_triggers(settings: DeploySettings, names: list[str]) -> dict[str, Any]:
    triggered = file_triggered(settings, names)
    if not triggered:
        return {}
    machines = [logical_id("state", "machine", n) for n in triggered]
    resources: dict[str, Any] = {"FileEventsRole": _role("events.amazonaws.com", "start-pipelines",
                                                         iam.start_execution_policy(machines),
                                                         "EventBridge: start state machines on new inbox files")}
    for name, machine in zip(triggered, machines, strict=True):
        resources[logical_id("new", "file", name)] = {"Type": "AWS::Events::Rule", "Properties": {
            "Description": f"Constellation {name}: a new vendor file starts a run",
            "EventPattern": file_trigger_pattern(name, {"Ref": "LakeBucket"}, settings), "State": "ENABLED",
            "Targets": [{"Id": "state-machine", "Arn": {"Ref": machine},
                         "RoleArn": {"Fn::GetAtt": ["FileEventsRole", "Arn"]},
                         "InputTransformer": {
                             "InputPathsMap": {"bucket": "$.detail.bucket.name", "key": "$.detail.object.key"},
                             "InputTemplate": '{"trigger": "s3", "bucket": <bucket>, "object_key": <key>}'}}]}}
    return resources


def _outputs(settings: DeploySettings, names: list[str]) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "LakeBucketName": {"Value": {"Ref": "LakeBucket"}},
        "LakeUri": {"Value": sub(f"s3://${{LakeBucket}}/{LAKE_PREFIX}")},
        "RedshiftCopyRoleArn": {"Description": "Associate with the Redshift namespace/cluster (see docs/aws.md)",
                                "Value": {"Fn::GetAtt": ["RedshiftCopyRole", "Arn"]}},
        "AlertTopicArn": {"Value": {"Ref": "AlertTopic"}},
    }
    for name in names:
        outputs[logical_id("state", "machine", name, "arn")] = {"Value": {"Ref": logical_id("state", "machine", name)}}
        outputs[logical_id("inbox", name)] = {"Value": sub(f"s3://${{LakeBucket}}/{INBOX_PREFIX}/{name}/")}
        if settings.runtime == "glue":
            outputs[logical_id("glue", "job", name, "name")] = {"Value": {"Ref": logical_id("glue", "job", name)}}
    return outputs


def template(settings: DeploySettings | None = None, names: list[str] | None = None) -> Template:
    """The whole stack for every registered pipeline (or the given ones)."""
    settings = settings or DeploySettings()
    names = names if names is not None else registry.names()
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Constellation pipelines ({', '.join(names)}) on {settings.runtime}, "
                       f"loading Redshift {settings.redshift_target}; generated by python -m deploy render",
        "Parameters": parameters(settings),
        "Conditions": {"HasAlertEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}]}},
        "Resources": {
            **_bucket(), **_alerts(),
            "RedshiftCopyRole": _role("redshift.amazonaws.com", "read-curated-and-runs", iam.redshift_copy_policy(),
                                      "Redshift COPY: read the curated lake and the COPY manifests"),
            **_compute(settings, names), **_orchestration(settings, names),
        },
        "Outputs": _outputs(settings, names),
    }


def emr_steps(name: str, settings: DeploySettings) -> dict[str, Any]:
    """``add_job_flow_steps`` input for one run, by hand: ``${…}`` are the stack's values (the
    state machine's substitutions) and ``${RunId}``/``${RunDate}`` the run's."""
    placeholders, substitutions = placeholder_targets(name, settings)
    steps = [emr.step(name, placeholders, steps=s, run_id="${RunId}", run_date="${RunDate}")
             for s in ("land,transform", "load")]
    return {"ClusterId": "${EmrClusterId}", "Steps": steps,
            "Substitutions": sorted([*substitutions, "EmrClusterId", "RunId", "RunDate"])}


def resolve(value: Any, values: dict[str, str]) -> Any:
    """Resolve Ref / Fn::Sub / Fn::GetAtt in a template fragment with known values (``Name`` or
    ``Name.Attr`` -> text): what the stack will pass, computed offline (tests, by-hand commands)."""
    if isinstance(value, list):
        return [resolve(v, values) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return values[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return values[".".join(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", lambda m: values[m[1]], value["Fn::Sub"])
    return {k: resolve(v, values) for k, v in value.items()}
