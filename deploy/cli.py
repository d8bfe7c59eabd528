"""``python -m deploy build|render|up``: package, generate, deploy.

    python -m deploy build                       artefacts into build/
    python -m deploy render [--runtime emr] …    template, state machines, job JSON into build/aws/
    python -m deploy up --stack NAME --param RedshiftSecretArn=… --param RedshiftWorkgroupArn=…
                                                 build + render, upload to S3, create/update the stack

``up`` uses the ordinary AWS credential chain (profile, SSO, environment, instance role); it never
reads or writes a credential itself. Missing credentials or permissions end in one actionable
line and a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from deploy import aws, cloudformation
from deploy.artefacts import BUILD, build_artefacts
from deploy.settings import DEFAULT_SCHEDULE, GLUE_VERSION, GLUE_VERSIONS, DeploySettings
from jobs import pipelines as registry

EXIT_USAGE, EXIT_AWS, EXIT_STACK = 2, 3, 1


def _write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def render(settings: DeploySettings, out: Path = BUILD / "aws") -> list[Path]:
    """Write the template and, per pipeline, its state machine, Glue job or EMR step JSON."""
    shutil.rmtree(out, ignore_errors=True)  # generated: no file of an earlier render survives
    template = cloudformation.template(settings)
    written = [_write_json(out / "template.json", template)]
    for name in registry.names():
        asl, substitutions = cloudformation.state_machine_definition(name, settings)
        written.append(_write_json(out / "state-machines" / f"{name}.asl.json", asl))
        written.append(_write_json(out / "state-machines" / f"{name}.substitutions.json", substitutions))
        job = template["Resources"].get(cloudformation.logical_id("glue", "job", name))
        if job:
            written.append(_write_json(out / "glue-jobs" / f"{name}.json", job["Properties"]))
        else:
            written.append(_write_json(out / "emr-steps" / f"{name}.json", cloudformation.emr_steps(name, settings)))
    return written


def _settings(args: argparse.Namespace) -> DeploySettings:
    return DeploySettings(runtime=args.runtime, glue_version=args.glue_version,
                          redshift_target=args.redshift_target, schedule=args.schedule,
                          schedule_timezone=args.timezone, poll_seconds=args.poll_seconds)


def _parameters(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {pair!r}: use Name=value")
        out[key] = value
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m deploy", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="package the artefacts into build/")
    build.add_argument("--build-dir", type=Path, default=BUILD, help="output folder (default build/)")
    for name, text in (("render", "generate the AWS artefacts into build/aws/"),
                       ("up", "upload the artefacts and create or update the stack")):
        c = sub.add_parser(name, help=text)
        c.add_argument("--runtime", choices=("glue", "emr"), default="glue")
        c.add_argument("--glue-version", choices=tuple(GLUE_VERSIONS), default=GLUE_VERSION,
                       help=f"Glue runtime: {', '.join(f'{v} ({s})' for v, s in GLUE_VERSIONS.items())}; "
                            f"default {GLUE_VERSION}")
        c.add_argument("--redshift-target", choices=("serverless", "provisioned"), default="serverless")
        c.add_argument("--schedule", default=DEFAULT_SCHEDULE, help=f"default {DEFAULT_SCHEDULE}")
        c.add_argument("--timezone", default="UTC", help="time zone of the schedule (default UTC)")
        c.add_argument("--poll-seconds", type=int, default=30, help="Redshift Data API poll interval")
        c.add_argument("--build-dir", type=Path, default=BUILD, help="output folder (default build/)")
    up = sub.choices["up"]
    up.add_argument("--stack", required=True, help="CloudFormation stack name")
    up.add_argument("--region", help="AWS region (default: the profile's)")
    up.add_argument("--artefacts-bucket", help="bucket for code and templates (default: "
                                               "constellation-artefacts-<account>-<region>, created if missing)")
    up.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="stack parameter, e.g. RedshiftSecretArn=arn:aws:secretsmanager:…")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "build":
            artefacts = build_artefacts(args.build_dir)
            print(f"built artefact version {artefacts.version} in {artefacts.folder}")
            return 0
        settings = _settings(args)
        if args.command == "render":
            for path in render(settings, args.build_dir / "aws"):
                print(path)
            return 0
        return aws.up(settings, stack=args.stack, region=args.region, bucket=args.artefacts_bucket,
                      parameters=_parameters(args.param), render=render, build_dir=args.build_dir)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
