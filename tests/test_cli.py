"""The CLI's contract: each pipeline's own options with help, clear configuration errors before
Spark starts, Glue's extra arguments ignored and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs import cli
from jobs.config import ConfigError, RedshiftSettings, Warehouse
from jobs.main import main, parse_args
from tests.conftest import REPO


def test_help_explains_every_flag_of_the_pipeline(capsys):
    with pytest.raises(SystemExit) as done:
        main(["flights", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--steps", "--input", "--lake", "--warehouse", "--run-id", "--run-date", "--sample-scale",
                 "--fail-on-warnings", "--redshift-iam-role", "--redshift-workgroup"):
        assert flag in out
    for action in cli.pipeline_parser(cli.registry.get("olist"))._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help text"


def test_a_pipelines_help_shows_only_its_own_source_options(capsys):
    with pytest.raises(SystemExit):
        main(["flights", "--help"])
    flights = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["olist", "--help"])
    olist = capsys.readouterr().out
    assert "--pg-host" not in flights and "--input" in flights
    assert "--pg-host" in olist and "--input" not in olist


@pytest.mark.parametrize(("argv", "message"), [
    (["nosuch"], "unknown pipeline 'nosuch'"),
    (["flight"], "unknown pipeline 'flight' (did you mean flights?)"),
    ([], "name a pipeline"),
    (["flights", "--steps", "land,publish"], "unknown step(s) ['publish']"),
    (["flights", "--steps", "load,land"], "in the order land, transform, load"),
    (["flights", "--warehouse", "postgres:x"], "use duckdb:<file> or redshift"),
    (["flights", "--run-date", "2015-13-01"], "not a date"),
    (["flights", "--warehouse", "redshift"], "--redshift-iam-role"),
    (["flights", "--sample-scale", "big"], "argument --sample-scale: invalid float value: 'big'"),
    (["flights", "--inptu", "/my/files"], "unknown option --inptu (did you mean --input?)"),
    (["flights", "--pg-host", "db"], "unknown option --pg-host (an option of olist, not of flights)"),
    (["olist", "--pg-host", "db", "--pg-port", "abc"], "--pg-port 'abc': not a valid int"),
    (["olist", "--pg-host", "db", "--full-refresh", "maybe"], "--full-refresh 'maybe': use true or false"),
])
def test_bad_settings_exit_2_with_a_message_naming_the_setting(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("CONSTELLATION_REDSHIFT_IAM_ROLE", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1  # one line


def test_a_misspelled_option_lands_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["flights", "--inptu", str(tmp_path), "--lake", str(tmp_path / "lake")]) == 2
    assert not (tmp_path / "lake").exists() and not (tmp_path / "sample-data").exists()


def test_glue_arguments_are_ignored_and_pipeline_may_come_as_an_option():
    pipeline, cfg, ignored = parse_args([
        "--JOB_NAME", "constellation-flights", "--pipeline", "flights", "--job-bookmark-option",
        "job-bookmark-disable", "--TempDir", "s3://tmp/x", "--enable-metrics", "", "--lake", "s3://lake/prefix"])
    assert (pipeline.name, cfg.pipeline, cfg.lake) == ("flights", "flights", "s3://lake/prefix")
    assert {"--JOB_NAME", "--TempDir", "--enable-metrics", "--job-bookmark-option"} <= set(ignored)


def test_relative_paths_are_the_users_resolved_from_where_they_ran_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSTELLATION_CWD", str(tmp_path))
    _, cfg, _ = parse_args(["flights", "--input", "./in//files/", "--lake", "lk", "--warehouse", "duckdb:w.duckdb"])
    assert cfg.settings.input == str(tmp_path / "in" / "files")
    assert (cfg.lake, cfg.warehouse.path) == (str(tmp_path / "lk"), str(tmp_path / "w.duckdb"))


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


def test_the_launcher_refuses_a_bad_option_before_spark_starts():
    env = {**os.environ, "CONSTELLATION_PROG": "./spark-submit.sh"}
    started = time.monotonic()
    done = subprocess.run([str(REPO / "spark-submit.sh"), "flights", "--sample-scale", "-"], env=env,
                          capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    # the only output besides a first-run "setup: installing …" is the one error line
    assert [line for line in done.stderr.splitlines() if not line.startswith(("setup:", "WARNING: Location"))] == [
        "error: ./spark-submit.sh flights: argument --sample-scale: invalid float value: '-'"]
    assert "SparkContext" not in done.stderr and "log4j" not in done.stderr
    print(f"launcher answered a bad option in {elapsed:.2f} s")  # no JVM: about a second


def test_the_launcher_shows_the_command_the_user_typed_in_help():
    done = subprocess.run([str(REPO / "spark-submit.sh"), "flights", "--help"], capture_output=True, text=True,
                          timeout=60, cwd="/")
    assert done.returncode == 0 and done.stdout.startswith(f"usage: {REPO / 'spark-submit.sh'} flights")
    assert sys.executable  # (the help is printed by the venv's python, no JVM)


def test_a_missing_input_folder_is_reported_as_a_missing_folder(tmp_path, capsys):
    assert main(["flights", "--input", str(tmp_path / "nope"), "--lake", str(tmp_path / "lake")]) == 3
    assert f"--input {tmp_path / 'nope'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "lake" / "raw").exists()


def test_every_missing_file_is_named_at_once(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "airlines.csv").write_text("IATA_CODE,AIRLINE\n")
    assert main(["flights", "--input", str(tmp_path / "in"), "--lake", str(tmp_path / "lake")]) == 3
    err = capsys.readouterr().err
    assert "airports: no file matching 'airports.csv'" in err and "flights: no file matching 'flights*.csv'" in err
    assert err.count("\n") == 1


def test_sample_data_generated_by_two_runs_at_once_is_one_complete_copy(tmp_path, monkeypatch):
    """Two runs without --input in one checkout (or a run killed while generating) must not leave
    a mixed or partial sample: the sample is generated once, under a lock, in a folder of its own
    renamed into place; what a killed generation left is removed."""
    import threading
    from types import SimpleNamespace

    from jobs.sources.files import sample_folder

    monkeypatch.chdir(tmp_path)
    calls = []

    def generate(folder, *, scale, seed):
        calls.append(folder)
        run = len(calls)
        for i in range(3):
            (Path(folder) / f"part{i}.csv").write_text(f"{run}\n")
            time.sleep(0.05)

    pipeline = SimpleNamespace(name="toy", sample=generate)
    partial = tmp_path / "sample-data" / "toy" / "scale=0.5-seed=1"
    partial.mkdir(parents=True)
    (partial / "part0.csv").write_text("cut short\n")  # generated in place by an older version, killed
    killed = partial.parent / ".scale=0.5-seed=1.abcd1234.tmp"
    killed.mkdir()  # a generation killed before its rename
    (killed / "part0.csv").write_text("cut short\n")
    results = []
    threads = [threading.Thread(target=lambda: results.append(sample_folder(pipeline, scale=0.5, seed=1)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [str(partial.resolve())] * 2
    assert len(calls) == 1  # generated once: the second run waited and found it complete
    assert sorted(p.name for p in partial.iterdir()) == [".complete", "part0.csv", "part1.csv", "part2.csv"]
    assert {(partial / f"part{i}.csv").read_text() for i in range(3)} == {"1\n"}
    assert sorted(p.name for p in partial.parent.iterdir()) == [".scale=0.5-seed=1.lock", partial.name]
    assert partial.stat().st_mode & 0o755 == 0o755  # readable by others, as a plain mkdir makes it
    assert sample_folder(pipeline, scale=0.5, seed=1) == str(partial.resolve()) and len(calls) == 1
