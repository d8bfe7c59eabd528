"""The one Secrets Manager helper: a JSON secret by ARN (RDS/Redshift format: username,
password, host, port, dbname). Values are returned, never logged."""

from __future__ import annotations

import json

from jobs.config import ConfigError


def secret_json(arn: str, region: str | None = None, *, client=None) -> dict:
    """The secret's JSON object. ``client`` (a boto3 secretsmanager client) is injectable for tests."""
    if client is None:
        import boto3  # lazily: a laptop run never needs it

        client = boto3.client("secretsmanager", region_name=region)
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except Exception as exc:  # botocore's errors carry the code; the message never holds the value
        raise ConfigError(f"could not read secret {arn}: {type(exc).__name__}: {str(exc)[:200]}") from exc
    try:
        data = json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"secret {arn} is not a JSON object (expected username/password/host/…)") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"secret {arn} is not a JSON object (expected username/password/host/…)")
    return data
