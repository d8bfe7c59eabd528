"""Least-privilege IAM policy documents, as CloudFormation values.

- the job role (Glue) or the cluster policy (EMR): read the artefacts and the pipeline inboxes,
  read/write the lake and the temp prefix, run Data API statements on the one warehouse, read
  the one Redshift secret, write its logs and metrics;
- the Redshift COPY role: read ``lake/curated/`` and ``lake/_runs/`` (COPY manifests) only;
- the state machine role: start/poll exactly its jobs (or steps on the one cluster), the ledger
  query, publish to the alert topic;
- the schedule/rule roles: start exactly the pipeline state machines.
"""

from __future__ import annotations

from typing import Any

from deploy.settings import INBOX_PREFIX, LAKE_PREFIX, TMP_PREFIX, RedshiftTarget, Value

Statement = dict[str, Any]


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def document(*statements: Statement) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(service: str, source_account: bool = False) -> dict[str, Any]:
    """Assume-role policy for one AWS service principal (scoped to this account when asked)."""
    statement: Statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    return document(statement)


def bucket_arn(bucket_ref: str, key: str = "") -> dict[str, str]:
    return sub(f"arn:${{AWS::Partition}}:s3:::${{{bucket_ref}}}{'/' + key if key else ''}")


def list_prefixes(bucket_ref: str, prefixes: list[str]) -> Statement:
    like = [p for prefix in prefixes for p in (prefix, f"{prefix}/*")]
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn(bucket_ref),
            "Condition": {"StringLike": {"s3:prefix": like}}}


def warehouse_arn(target: RedshiftTarget) -> Value:
    if target == "serverless":
        return {"Ref": "RedshiftWorkgroupArn"}
    return sub("arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:${RedshiftClusterId}")


def data_api_statements(target: RedshiftTarget) -> list[Statement]:
    """Run statements on the one warehouse with the one secret; see only one's own statements."""
    return [
        {"Effect": "Allow", "Action": ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
         "Resource": warehouse_arn(target)},
        {"Effect": "Allow",
         "Action": ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult",
                    "redshift-data:CancelStatement"],
         "Resource": "*",
         "Condition": {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "RedshiftSecretArn"}},
    ]


def job_policy(target: RedshiftTarget, *, glue: bool) -> dict[str, Any]:
    """What a pipeline job (Glue job role, or the EMR cluster's instance role) may do."""
    lake, tmp, inbox = (f"{LAKE_PREFIX}/*", f"{TMP_PREFIX}/*", f"{INBOX_PREFIX}/*")
    statements: list[Statement] = [
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": [bucket_arn("ArtefactsBucket", "${ArtefactsPrefix}/*"), bucket_arn("LakeBucket", inbox)]},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": [bucket_arn("LakeBucket", lake), bucket_arn("LakeBucket", tmp)]},
        list_prefixes("LakeBucket", [LAKE_PREFIX, TMP_PREFIX, INBOX_PREFIX]),
        {"Effect": "Allow", "Action": "s3:GetBucketLocation",
         "Resource": [bucket_arn("LakeBucket"), bucket_arn("ArtefactsBucket")]},
        *data_api_statements(target),
    ]
    if glue:
        statements += [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws-glue/*")},
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
             "Condition": {"StringEquals": {"cloudwatch:namespace": "Glue"}}},
        ]
    return document(*statements)


def redshift_copy_policy() -> dict[str, Any]:
    """COPY reads the curated files and the COPY manifests beside the run manifests, nothing else."""
    curated, runs = f"{LAKE_PREFIX}/curated", f"{LAKE_PREFIX}/_runs"
    return document(
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": [bucket_arn("LakeBucket", f"{curated}/*"), bucket_arn("LakeBucket", f"{runs}/*")]},
        list_prefixes("LakeBucket", [curated, runs]),
        {"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": bucket_arn("LakeBucket")},
    )


def state_machine_policy(target: RedshiftTarget, *, glue_jobs: list[str], emr: bool) -> dict[str, Any]:
    """Start and poll exactly this stack's jobs (or steps on the one cluster), query the ledger,
    publish failures."""
    if emr:
        compute = [
            {"Effect": "Allow", "Action": ["elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:DescribeStep",
                                           "elasticmapreduce:CancelSteps"],
             "Resource": sub("arn:${AWS::Partition}:elasticmapreduce:${AWS::Region}:${AWS::AccountId}"
                             ":cluster/${EmrClusterId}")},
            {"Effect": "Allow", "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
             "Resource": sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}"
                             ":rule/StepFunctionsGetEventsForEMRAddJobFlowStepsRule")},
        ]
    else:
        compute = [{"Effect": "Allow",
                    "Action": ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
                    "Resource": [sub(f"arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:job/${{{j}}}")
                                 for j in glue_jobs]}]
    return document(*compute, *data_api_statements(target),
                    {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "AlertTopic"}})


def start_execution_policy(machines: list[str]) -> dict[str, Any]:
    return document({"Effect": "Allow", "Action": "states:StartExecution",
                     "Resource": [{"Ref": m} for m in machines]})
