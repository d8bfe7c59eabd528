"""The CLI's contract: help for every flag, clear configuration errors, Glue's extra arguments ignored."""

from __future__ import annotations

import pytest

from jobs.config import ConfigError, RedshiftSettings, Warehouse
from jobs.main import build_config, build_parser, main


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--steps", "--input", "--lake", "--warehouse", "--run-id", "--run-date", "--sample-scale",
                 "--fail-on-warnings", "--redshift-iam-role", "--redshift-workgroup"):
        assert flag in out
    for action in build_parser()._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help text"


@pytest.mark.parametrize(("argv", "message"), [
    (["nosuch"], "unknown pipeline 'nosuch'"),
    ([], "name a pipeline"),
    (["flights", "--steps", "land,publish"], "unknown step(s) ['publish']"),
    (["flights", "--warehouse", "postgres:x"], "use duckdb:<file> or redshift"),
    (["flights", "--run-date", "2015-13-01"], "not a date"),
    (["flights", "--warehouse", "redshift"], "--redshift-iam-role"),
])
def test_bad_settings_exit_2_with_a_message_naming_the_setting(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("CONSTELLATION_REDSHIFT_IAM_ROLE", raising=False)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_glue_arguments_are_ignored_and_pipeline_may_come_as_an_option():
    args, ignored = build_parser().parse_known_args([
        "--JOB_NAME", "constellation-flights", "--pipeline", "flights", "--job-bookmark-option",
        "job-bookmark-disable", "--TempDir", "s3://tmp/x", "--lake", "s3://lake/prefix"])
    cfg = build_config(args)
    assert (cfg.pipeline, cfg.lake) == ("flights", "s3://lake/prefix")
    assert "--JOB_NAME" in ignored and "--TempDir" in ignored


def test_redshift_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONSTELLATION_REDSHIFT_IAM_ROLE", "arn:aws:iam::1:role/copy")
    monkeypatch.setenv("CONSTELLATION_REDSHIFT_WORKGROUP", "analytics")
    settings = RedshiftSettings.from_env({"schema": "marts"})
    got = (settings.iam_role, settings.workgroup, settings.schema)
    assert got == ("arn:aws:iam::1:role/copy", "analytics", "marts")


def test_redshift_needs_a_target_to_connect_to(monkeypatch):
    for name in ("WORKGROUP", "CLUSTER_ID", "HOST"):
        monkeypatch.delenv(f"CONSTELLATION_REDSHIFT_{name}", raising=False)
    with pytest.raises(ConfigError, match="--redshift-workgroup"):
        RedshiftSettings.from_env({"iam_role": "arn:aws:iam::1:role/copy"})


def test_a_duckdb_warehouse_is_a_file_path():
    assert Warehouse.parse("duckdb:/tmp/w.duckdb") == Warehouse("duckdb", "/tmp/w.duckdb")
