#!/usr/bin/env bash
# EMR bootstrap action (EMR 7.x, Amazon Linux 2023): Python 3.11 and the job's requirements on
# every node. The job needs Python >= 3.11; the EMR steps set spark.pyspark.python to it.
#   Bootstrap action: s3://<artefacts>/emr_bootstrap.sh s3://<artefacts>/emr-requirements.txt
# On a cluster that already runs, execute the same script on every node (e.g. SSM Run Command).
# Idempotent; no credentials: S3 access comes from the cluster's instance profile.
set -euo pipefail
requirements_uri="${1:?usage: emr_bootstrap.sh s3://…/emr-requirements.txt}"
if ! command -v python3.11 >/dev/null 2>&1; then
  sudo dnf install -y -q python3.11 python3.11-pip
fi
tmp="$(mktemp)"
aws s3 cp --only-show-errors "$requirements_uri" "$tmp"
sudo python3.11 -m pip install --quiet --disable-pip-version-check -r "$tmp"
rm -f "$tmp"
