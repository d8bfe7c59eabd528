"""Argument parsing for every runtime: one subcommand per pipeline, each with the common options
and only its own sources' options, parsed and validated before Spark starts.

    <prog> <pipeline> [--steps land,transform,load] [--lake URI] [--warehouse duckdb:PATH | redshift] …

Glue passes only ``--key value`` pairs, so ``--pipeline NAME`` may stand for the positional name,
and the arguments Glue adds to every job (a declared list, :data:`GLUE_ARGUMENTS`) are dropped
before parsing. Anything else that is not an option of the chosen pipeline is an error (exit 2)
with a "did you mean" suggestion: a misspelled ``--input`` must never fall back to sample data.
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Sequence
from typing import NoReturn

from jobs import pipelines as registry
from jobs.config import DEFAULT_STEPS, STEPS, ConfigError

# Arguments AWS Glue adds to a job run, each followed by a value ("Job parameters used by AWS
# Glue"; Glue passes `--enable-metrics ''` style flags with an empty value).
GLUE_ARGUMENTS = frozenset({
    "--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--WORKFLOW_NAME", "--WORKFLOW_RUN_ID",
    "--job-bookmark-option", "--job-language", "--TempDir", "--class", "--scriptLocation",
    "--extra-py-files", "--extra-jars", "--extra-files", "--user-jars-first",
    "--additional-python-modules", "--python-modules-installer-option", "--datalake-formats",
    "--conf", "--encryption-type", "--spark-event-logs-path", "--executor-cores",
    "--continuous-log-logGroup", "--continuous-log-logStreamPrefix", "--continuous-log-conversionPattern",
    "--customer-driver-env-vars", "--customer-executor-env-vars", "--disable-proxy-v2",
    "--auto-scale-within-microbatch", "--use-postgres-driver",
})
GLUE_ARGUMENT_PREFIXES = ("--enable-",)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises ConfigError instead of printing usage and exiting, so a bad value is
    one line and exit 2 through the CLI's own error path (and testable through ``main``)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{self.prog}: {message}")


def prog_name() -> str:
    """The command the user typed (the launcher says which), for usage lines."""
    return os.environ.get("CONSTELLATION_PROG") or "python -m jobs.main"


def split_platform_arguments(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(our arguments, the ones Glue added). A Glue argument's value is dropped with it."""
    ours: list[str] = []
    platform: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        if name in GLUE_ARGUMENTS or name.startswith(GLUE_ARGUMENT_PREFIXES):
            platform.append(arg)
            if "=" not in arg and i + 1 < len(argv) and not _is_option(argv[i + 1]):
                platform.append(argv[i + 1])
                i += 1
        else:
            ours.append(arg)
        i += 1
    return ours, platform


def _is_option(arg: str) -> bool:
    return arg.startswith("--") and len(arg) > 2


def _common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pipeline", dest="pipeline_opt", metavar="NAME", help=argparse.SUPPRESS)
    p.add_argument("--steps", default=",".join(DEFAULT_STEPS),
                   help=f"comma-separated steps to run, in this order: {', '.join(STEPS)} (default: "
                        f"{','.join(DEFAULT_STEPS)}; clean removes what unpublished runs left behind; report writes "
                        "the HTML report)")
    p.add_argument("--dry-run", action="store_true", help="with --steps clean: list what would be removed")
    p.add_argument("--grace-hours", type=float, default=24.0,
                   help="with --steps clean: leave unpublished runs younger than this alone (default 24)")
    p.add_argument("--report-dir", default=os.environ.get("CONSTELLATION_REPORT_DIR"), metavar="DIR",
                   help="with --steps …,report: the folder of <pipeline>.html (default ./reports, or the "
                        "lake's _reports/ when the lake is on s3://; or $CONSTELLATION_REPORT_DIR)")
    p.add_argument("--lake", default=os.environ.get("CONSTELLATION_LAKE", "lake"),
                   help="lake root, a folder or s3://bucket/prefix (default: ./lake or $CONSTELLATION_LAKE)")
    p.add_argument("--warehouse", default=os.environ.get("CONSTELLATION_WAREHOUSE", "duckdb:warehouse.duckdb"),
                   help="duckdb:<file> (default duckdb:warehouse.duckdb or $CONSTELLATION_WAREHOUSE) or redshift")
    p.add_argument("--run-id", help="continue an existing run (its landing / manifest) instead of starting one")
    p.add_argument("--run-date", help="ingest date of the landing, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--sample-scale", type=float, default=0.01,
                   help="scale of the generated sample data used when no source is given (1 = full size)")
    p.add_argument("--seed", type=int, default=42, help="seed of the generated sample data")
    p.add_argument("--fail-on-warnings", action="store_true", help="treat warning-level quality rules as blocking")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   type=str.upper, help="log level on stderr (default INFO)")
    p.add_argument("--verbose-logger", action="append", default=[], metavar="NAME",
                   help="let a third-party library's logger (urllib3, botocore …) log at --log-level too; "
                        "they stay at WARNING otherwise")
    rs = p.add_argument_group("Redshift (with --warehouse redshift; each also read from "
                              "CONSTELLATION_REDSHIFT_<NAME>; credentials never on the command line)")
    for name, text in (("iam-role", "IAM role ARN that COPY uses to read the lake"),
                       ("schema", "target schema (default public)"), ("database", "database (default dev)"),
                       ("workgroup", "Redshift Serverless workgroup (Data API)"),
                       ("cluster-id", "provisioned cluster id (Data API)"),
                       ("secret-arn", "Secrets Manager secret with username/password"),
                       ("host", "endpoint for a direct redshift_connector connection"),
                       ("port", "port (default 5439)"), ("user", "database user (Data API DbUser)"),
                       ("region", "AWS region")):
        rs.add_argument(f"--redshift-{name}", help=text)


EPILOG = "Exit codes: 0 ok, 2 bad arguments, 3 bad input, 4 quality gate failed, 1 other failure."


def pipeline_parser(pipeline: registry.Pipeline) -> ArgumentParser:
    """The parser of one pipeline: the common options plus its sources' own."""
    p = ArgumentParser(prog=f"{prog_name()} {pipeline.name}", allow_abbrev=False, epilog=EPILOG,
                       description=pipeline.description)
    _common_options(p)
    if pipeline.options is not None:
        pipeline.options.add_arguments(p.add_argument_group(f"{pipeline.name} options"))
    return p


def top_parser() -> ArgumentParser:
    """``<prog> --help``: the pipelines and how to get each one's options."""
    p = ArgumentParser(
        prog=prog_name(), allow_abbrev=False, epilog=EPILOG,
        description="Constellation: land raw data, transform it with Spark into a star schema published "
                    "through a run manifest, and load DuckDB or Redshift. "
                    f"'{prog_name()} <pipeline> --help' lists a pipeline's options.")
    p.add_argument("pipeline", choices=registry.names(), metavar="pipeline",
                   help=f"pipeline to run: {', '.join(registry.names())}")
    return p


def _pipeline_name(argv: list[str]) -> tuple[str | None, list[str]]:
    """The pipeline named first (positional) or by ``--pipeline NAME``, and the rest."""
    rest = list(argv)
    if rest and not rest[0].startswith("-"):
        return rest[0], rest[1:]
    for i, arg in enumerate(rest):
        if arg == "--pipeline" and i + 1 < len(rest):
            return rest[i + 1], rest[:i] + rest[i + 2:]
        if arg.startswith("--pipeline="):
            return arg.split("=", 1)[1], rest[:i] + rest[i + 1:]
    return None, rest


def _unknown_option_error(unknown: list[str], parser: argparse.ArgumentParser, pipeline: str) -> ConfigError:
    known = [s for a in parser._actions for s in a.option_strings if s.startswith("--")]
    others = {s: p.name for p in registry.all_pipelines() if p.name != pipeline and p.options
              for s in _option_strings(p)}
    parts = []
    for i, arg in enumerate(unknown):
        name = arg.split("=", 1)[0]
        if not name.startswith("-"):
            if i == 0 or not unknown[i - 1].startswith("-") or "=" in unknown[i - 1]:
                parts.append(f"unexpected argument {arg!r}")
            continue  # else: the value of the unknown option before it
        text = f"unknown option {name}"
        if name in others:
            text += f" (an option of {others[name]}, not of {pipeline})"
        elif close := difflib.get_close_matches(name, known, n=1, cutoff=0.6):
            text += f" (did you mean {close[0]}?)"
        parts.append(text)
    return ConfigError(f"{parser.prog}: {'; '.join(parts)}. Nothing was run; "
                       f"'{parser.prog} --help' lists the options.")


def _option_strings(pipeline: registry.Pipeline) -> list[str]:
    p = argparse.ArgumentParser(add_help=False)
    pipeline.options.add_arguments(p)
    return [s for a in p._actions for s in a.option_strings]


def parse(argv: Sequence[str]) -> tuple[registry.Pipeline, argparse.Namespace, list[str]]:
    """(pipeline, parsed options, Glue's arguments that were dropped). Raises ConfigError for an
    unknown pipeline, option or value; ``--help`` prints and exits 0 (SystemExit)."""
    ours, platform = split_platform_arguments(argv)
    name, rest = _pipeline_name(ours)
    if name is None:
        if any(a in ("-h", "--help") for a in rest):
            top_parser().parse_args(["--help"])
        raise ConfigError(f"name a pipeline: {', '.join(registry.names())} "
                          f"(e.g. '{prog_name()} flights'; '{prog_name()} --help' for more)")
    if name not in registry.names():
        close = difflib.get_close_matches(name, registry.names(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(f"unknown pipeline {name!r}{hint}; choose from {', '.join(registry.names())}")
    pipeline = registry.get(name)
    parser = pipeline_parser(pipeline)
    args, unknown = parser.parse_known_args(rest)
    if unknown:
        raise _unknown_option_error(unknown, parser, name)
    if args.pipeline_opt and args.pipeline_opt != name:
        raise ConfigError(f"--pipeline {args.pipeline_opt} contradicts the pipeline named first ({name})")
    return pipeline, args, platform
