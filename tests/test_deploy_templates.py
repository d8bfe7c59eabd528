"""Offline checks of the generated AWS artefacts: cfn-lint on every template variant, every state
machine validated (asl-validator when installed by scripts/test.sh, and a transition check of
our own), least-privilege IAM, the Glue/EMR argument mapping, the build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy import cloudformation, emr, glue, stepfunctions
from deploy.artefacts import build_artefacts, glue_python_modules, runtime_requirements
from deploy.settings import DeploySettings, logical_id
from jobs import pipelines as registry

REPO = Path(__file__).resolve().parent.parent
ASL_VALIDATOR = REPO / "build" / "tools" / "node_modules" / ".bin" / "asl-validator"
VARIANTS = [*(DeploySettings(runtime=r, redshift_target=t)
              for r in ("glue", "emr") for t in ("serverless", "provisioned")),
            DeploySettings(runtime="glue", glue_version="6.0")]  # Glue 6.0: Spark 4.1
VARIANT_IDS = [f"{s.runtime}{s.glue_version if s.runtime == 'glue' else ''}-{s.redshift_target}" for s in VARIANTS]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every template variant written to a file (as `python -m deploy render` writes it)."""
    folder = tmp_path_factory.mktemp("templates")
    out = {}
    for settings, variant in zip(VARIANTS, VARIANT_IDS, strict=True):
        out[variant] = folder / f"{variant}.json"
        out[variant].write_text(json.dumps(cloudformation.template(settings), indent=1))
    return out


def test_every_template_variant_is_cfn_lint_clean(rendered: dict[str, Path]) -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), "--regions", "eu-west-1", "us-east-1", "--", *map(str, rendered.values())],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _transitions(state: dict) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [c.get("Next") for c in state.get("Choices", [])]
    targets += [c.get("Next") for c in state.get("Catch", [])]
    return [t for t in targets if t]


@pytest.mark.parametrize("settings", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("pipeline", registry.names())
def test_state_machine_transitions_all_exist_and_every_state_is_reachable(pipeline: str,
                                                                          settings: DeploySettings) -> None:
    asl, _ = cloudformation.state_machine_definition(pipeline, settings)
    states = asl["States"]
    seen, todo = set(), [asl["StartAt"]]
    while todo:
        name = todo.pop()
        assert name in states, f"transition to missing state {name}"
        if name not in seen:
            seen.add(name)
            todo += _transitions(states[name])
    assert seen == set(states)
    assert [n for n, s in states.items() if s["Type"] in ("Succeed", "Fail")] == ["Succeeded", "Failed"]
    tasks = [s for s in states.values() if s["Type"] == "Task"]
    assert all(s.get("Retry") for s in tasks), "every task retries transient errors"
    assert all(s.get("Catch") for s in tasks), "every task ends in the failure notification"


@pytest.mark.skipif(not ASL_VALIDATOR.exists(), reason="asl-validator not installed (scripts/test.sh installs it "
                                                        "with npm into build/tools)")
def test_every_state_machine_passes_asl_validator(tmp_path: Path) -> None:
    paths = []
    for settings, variant in zip(VARIANTS, VARIANT_IDS, strict=True):
        for name in registry.names():
            asl, _ = cloudformation.state_machine_definition(name, settings)
            paths += ["--json-path", str(tmp_path / f"{name}-{variant}.json")]
            Path(paths[-1]).write_text(json.dumps(asl))
    result = subprocess.run([str(ASL_VALIDATOR), *paths], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_steps_use_sync_integrations_and_the_data_api_poll_loop() -> None:
    glue_asl, _ = cloudformation.state_machine_definition("flights", DeploySettings(runtime="glue"))
    emr_asl, _ = cloudformation.state_machine_definition("flights", DeploySettings(runtime="emr"))
    for name in ("LandAndTransform", "Load"):
        assert glue_asl["States"][name]["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
        assert emr_asl["States"][name]["Resource"] == "arn:aws:states:::elasticmapreduce:addStep.sync"
    states = glue_asl["States"]
    assert states["Summarise"]["Resource"].endswith(":redshiftdata:executeStatement")
    assert states["WaitForSummary"]["Next"] == "DescribeSummary"
    assert states["SummaryDone"]["Default"] == "WaitForSummary"
    query = states["Summarise"]["Parameters"]
    assert "= :run_id" in query["Sql"] and query["Parameters"] == [{"Name": "run_id", "Value.$": "$.run_id"}]


def test_intrinsic_strings_escape_specials_but_keep_substitution_placeholders() -> None:
    assert stepfunctions.intrinsic_string("a'b{c}") == r"'a\'b\{c\}'"
    assert stepfunctions.intrinsic_string("s3://${LakeBucket}/x") == "'s3://${LakeBucket}/x'"


def _policy_statements(template: dict, resource: str) -> list[dict]:
    props = template["Resources"][resource]["Properties"]
    doc = props["PolicyDocument"] if "PolicyDocument" in props else props["Policies"][0]["PolicyDocument"]
    return doc["Statement"]


def test_redshift_copy_role_reads_only_curated_files_and_run_manifests() -> None:
    template = cloudformation.template(DeploySettings())
    statements = _policy_statements(template, "RedshiftCopyRole")
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
    reads = next(s for s in statements if s["Action"] == "s3:GetObject")["Resource"]
    assert [r["Fn::Sub"].rsplit(":::", 1)[1] for r in reads] == ["${LakeBucket}/lake/curated/*",
                                                                 "${LakeBucket}/lake/_runs/*"]


@pytest.mark.parametrize("settings", VARIANTS, ids=VARIANT_IDS)
def test_no_policy_grants_wildcard_actions_or_unconditioned_wildcard_resources(settings: DeploySettings) -> None:
    template = cloudformation.template(settings)
    for name, resource in template["Resources"].items():
        if resource["Type"] not in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
            continue
        for statement in _policy_statements(template, name):
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            assert not any(a == "*" or a.endswith(":*") for a in actions), (name, actions)
            if statement.get("Resource") == "*":
                assert statement.get("Condition"), f"{name}: {actions} on * without a condition"


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    return [k for v in value for k in _keys(v)] if isinstance(value, list) else []


def test_template_holds_no_secret_values() -> None:
    template = cloudformation.template(DeploySettings())
    assert not [k for k in _keys(template) if "password" in k.lower()]
    params = cloudformation.parameters(DeploySettings())
    assert "Default" not in params["RedshiftSecretArn"], "the secret is a reference the deployer passes"


@pytest.mark.parametrize("pipeline", registry.names())
def test_every_pipeline_gets_a_job_a_state_machine_and_a_schedule(pipeline: str) -> None:
    resources = cloudformation.template(DeploySettings())["Resources"]
    job = resources[logical_id("glue", "job", pipeline)]["Properties"]
    assert job["GlueVersion"] == "5.1"
    assert job["DefaultArguments"]["--pipeline"] == pipeline
    assert job["DefaultArguments"]["--job-bookmark-option"] == "job-bookmark-disable"
    schedule = resources[logical_id("schedule", pipeline)]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["Target"]["Arn"] == {"Ref": logical_id("state", "machine", pipeline)}


def test_default_schedule_is_daily_at_seven_and_configurable() -> None:
    assert cloudformation.parameters(DeploySettings())["ScheduleExpression"]["Default"] == "cron(0 7 * * ? *)"
    custom = DeploySettings(schedule="cron(30 5 * * ? *)", schedule_timezone="Europe/Paris")
    assert cloudformation.parameters(custom)["ScheduleExpression"]["Default"] == "cron(30 5 * * ? *)"
    with pytest.raises(ValueError, match="schedule"):
        DeploySettings(schedule="daily")


def test_new_flights_file_in_its_inbox_starts_the_flights_state_machine_with_the_object_key() -> None:
    resources = cloudformation.template(DeploySettings())["Resources"]
    rule = resources["NewFileFlights"]["Properties"]
    assert rule["EventPattern"]["detail"]["object"]["key"] == [{"wildcard": "inbox/flights/flights*.csv"}]
    target = rule["Targets"][0]
    assert target["Arn"] == {"Ref": "StateMachineFlights"}
    assert target["InputTransformer"]["InputPathsMap"]["key"] == "$.detail.object.key"
    assert resources["LakeBucket"]["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_glue_additional_modules_are_the_pinned_requirements_minus_what_glue_provides() -> None:
    modules = glue_python_modules().split(",")
    assert modules and all("==" in m for m in modules)
    assert not [m for m in modules if m.split("==")[0] in ("pyspark", "boto3")]
    assert set(modules) < set(runtime_requirements(frozenset()))


def test_emr_step_runs_spark_submit_in_cluster_mode_with_the_zip_and_the_entry_script() -> None:
    targets = _concrete_targets()
    step = emr.step("flights", targets, steps="land,transform", run_id="r1", run_date="2024-01-05")
    args = step["HadoopJarStep"]["Args"]
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"]
    assert args[args.index("--py-files") + 1] == "s3://artefacts/v1/constellation.zip"
    assert emr.main_argv(args)[0] == "flights"


def _concrete_targets():
    from deploy.settings import Targets

    return Targets(lake="s3://lake/lake", input="s3://lake/inbox/flights/", code_zip="s3://artefacts/v1/constellation.zip",
                   entry_script="s3://artefacts/v1/main.py", temp_dir="s3://lake/tmp/glue/",
                   redshift_iam_role="arn:aws:iam::1:role/copy", redshift_database="dev", redshift_schema="public",
                   redshift_secret_arn="arn:aws:secretsmanager:eu-west-1:1:secret:rs",
                   redshift_workgroup="arn:aws:redshift-serverless:eu-west-1:1:workgroup/wg")


def test_glue_argv_puts_glue_settings_first_and_run_arguments_over_defaults() -> None:
    argv = glue.glue_argv("job", {"--steps": "land,transform,load", "--pipeline": "flights"},
                          {"--steps": "load"})
    assert argv[:2] == ["--JOB_NAME", "job"]
    assert argv[argv.index("--steps") + 1] == "load"
    assert argv.count("--steps") == 1


def test_build_makes_one_reproducible_artefact_set(tmp_path: Path) -> None:
    first = build_artefacts(tmp_path / "a")
    second = build_artefacts(tmp_path / "b")
    assert first.version == second.version
    names = {f.name for f in first.files}
    assert names == {"constellation.zip", "main.py", "glue-requirements.txt", "emr-requirements.txt",
                     "emr_bootstrap.sh"}
    with zipfile.ZipFile(first.path("constellation.zip")) as zf:
        listed = zf.namelist()
    assert "jobs/main.py" in listed and not [n for n in listed if n.startswith("deploy/")]
    assert "pyspark" not in first.path("emr-requirements.txt").read_text()
    shutil.rmtree(tmp_path)


@pytest.mark.parametrize("version", ["5.1", "6.0"])
def test_the_glue_version_is_a_setting_of_every_job(version: str) -> None:
    template = cloudformation.template(DeploySettings(runtime="glue", glue_version=version))
    jobs = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Glue::Job"]
    assert len(jobs) == len(registry.names()) and {j["GlueVersion"] for j in jobs} == {version}
    with pytest.raises(ValueError, match="glue version '4.0'"):
        DeploySettings(glue_version="4.0")
