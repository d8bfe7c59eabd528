"""The one entry point for every runtime: spark-submit on a laptop, AWS Glue, an EMR step.

    jobs/main.py <pipeline> [--steps land,transform,load] [--input URI] [--lake URI]
                 [--warehouse duckdb:PATH | redshift] [--run-id ID] [--run-date D] ...

Arguments that Glue adds (``--JOB_NAME``, ``--job-bookmark-option``, ``--TempDir`` …) are
ignored, so this file is also the Glue script. Nothing runs at import time: ``main(argv)``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script by spark-submit / Glue: make the packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs import lake  # noqa: E402
from jobs import pipelines as registry  # noqa: E402
from jobs.config import (  # noqa: E402
    STEPS,
    ConfigError,
    RedshiftSettings,
    RunConfig,
    Warehouse,
    new_run_id,
    parse_date,
)
from jobs.manifest import (  # noqa: E402
    Landing,
    RunManifest,
    latest_landing,
    published_runs,
    read_landing,
)
from jobs.publish import QualityGateError, work_uri, write_and_publish  # noqa: E402
from jobs.sources import InputError  # noqa: E402
from jobs.sources.files import land_files  # noqa: E402
from jobs.summary import render_summary  # noqa: E402
from jobs.warehouse import Executor, LoadReport, WarehouseLoader  # noqa: E402

log = logging.getLogger("constellation")

EXIT_CONFIG, EXIT_INPUT, EXIT_QUALITY, EXIT_FAILED = 2, 3, 4, 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jobs/main.py",
        allow_abbrev=False,  # an unknown (e.g. Glue) option must never be taken for a prefix of ours
        description="Constellation: land raw files, transform them with Spark into a star schema "
                    "published through a run manifest, and load DuckDB or Redshift.",
        epilog="Exit codes: 0 ok, 2 bad arguments, 3 bad input, 4 quality gate failed, 1 other failure.",
    )
    p.add_argument("pipeline", nargs="?", help=f"pipeline to run: {', '.join(registry.names())}")
    p.add_argument("--pipeline", dest="pipeline_opt", metavar="NAME",
                   help="the same as the positional pipeline (Glue passes only --key value pairs)")
    p.add_argument("--steps", default=",".join(STEPS),
                   help="comma-separated steps to run, in order: land, transform, load (default: all)")
    p.add_argument("--input", help="folder or s3:// prefix holding the vendor files (default: generated "
                                   "sample data in ./sample-data/<pipeline>)")
    p.add_argument("--lake", default=os.environ.get("CONSTELLATION_LAKE", "lake"),
                   help="lake root, a folder or s3://bucket/prefix (default: ./lake or $CONSTELLATION_LAKE)")
    p.add_argument("--warehouse", default=os.environ.get("CONSTELLATION_WAREHOUSE", "duckdb:warehouse.duckdb"),
                   help="duckdb:<file> (default duckdb:warehouse.duckdb) or redshift")
    p.add_argument("--run-id", help="continue an existing run (its landing / manifest) instead of starting one")
    p.add_argument("--run-date", help="ingest date of the landing, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--sample-scale", type=float, default=0.01,
                   help="scale of the generated sample data when --input is omitted (1 = full size)")
    p.add_argument("--seed", type=int, default=42, help="seed of the generated sample data")
    p.add_argument("--fail-on-warnings", action="store_true",
                   help="treat warning-level quality rules as blocking")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
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
    for pipeline in registry.all_pipelines():
        if pipeline.add_arguments:
            pipeline.add_arguments(p.add_argument_group(f"{pipeline.name} options"))
    return p


_COMMON_OPTIONS = {"pipeline", "pipeline_opt", "steps", "input", "lake", "warehouse", "run_id", "run_date",
                   "sample_scale", "seed", "fail_on_warnings", "log_level"}


def build_config(args: argparse.Namespace) -> RunConfig:
    pipeline = args.pipeline_opt or args.pipeline
    if not pipeline:
        raise ConfigError(f"name a pipeline: {', '.join(registry.names())}")
    if pipeline not in registry.names():
        raise ConfigError(f"unknown pipeline {pipeline!r}; choose from {', '.join(registry.names())}")
    warehouse = Warehouse.parse(args.warehouse)
    redshift = None
    if warehouse.kind == "redshift":
        redshift = RedshiftSettings.from_env({
            k[len("redshift_"):]: v for k, v in vars(args).items() if k.startswith("redshift_")})
    return RunConfig(
        pipeline=pipeline,
        steps=tuple(s.strip() for s in args.steps.split(",") if s.strip()),
        lake=args.lake if lake.is_s3(args.lake) else str(Path(args.lake).resolve()),
        input=args.input,
        warehouse=warehouse,
        run_id=args.run_id or new_run_id(),
        resume=bool(args.run_id),
        run_date=parse_date(args.run_date) if args.run_date else datetime.now(UTC).date(),
        sample_scale=args.sample_scale,
        seed=args.seed,
        fail_on_warnings=args.fail_on_warnings,
        redshift=redshift,
        options={k: v for k, v in vars(args).items()
                 if k not in _COMMON_OPTIONS and not k.startswith("redshift_")},
    )


def sample_input(cfg: RunConfig, pipeline: registry.Pipeline) -> str:
    """Generated sample data for a run without --input (made once per scale and seed)."""
    folder = Path("sample-data") / cfg.pipeline / f"scale={cfg.sample_scale:g}-seed={cfg.seed}"
    if not (folder / ".complete").exists():
        log.info("generating %s sample data (scale %g) in %s", cfg.pipeline, cfg.sample_scale, folder)
        pipeline.generate_sample(str(folder), scale=cfg.sample_scale, seed=cfg.seed)
        (folder / ".complete").touch()
    return str(folder.resolve())


ExecutorFactory = Callable[[RunConfig], Executor]


def make_executor(cfg: RunConfig) -> Executor:
    """The executor of the configured warehouse: a DuckDB file, or Redshift through the Data API
    (workgroup / cluster id) or a direct connection. Tests inject their own factory instead."""
    if cfg.warehouse.kind == "duckdb":
        from jobs.warehouse import DuckDBExecutor

        Path(cfg.warehouse.path).parent.mkdir(parents=True, exist_ok=True)
        return DuckDBExecutor(cfg.warehouse.path)
    if cfg.redshift.workgroup or cfg.redshift.cluster_id:
        from jobs.warehouse import RedshiftDataApiExecutor

        return RedshiftDataApiExecutor(cfg.redshift)
    from jobs.warehouse import RedshiftConnectorExecutor

    return RedshiftConnectorExecutor(cfg.redshift)


def make_loader(cfg: RunConfig, executor_factory: ExecutorFactory = make_executor) -> WarehouseLoader:
    executor = executor_factory(cfg)
    if cfg.warehouse.kind == "duckdb":
        return WarehouseLoader(executor, "duckdb")
    return WarehouseLoader(executor, "redshift", schema=cfg.redshift.schema, iam_role=cfg.redshift.iam_role)


def load_pending(cfg: RunConfig, pipeline: registry.Pipeline,
                 executor_factory: ExecutorFactory = make_executor) -> list[LoadReport]:
    """Load every published run of the pipeline the ledger does not hold yet, oldest first."""
    loader = make_loader(cfg, executor_factory)
    reports = []
    try:
        loader.ensure_tables(pipeline.tables)
        for manifest in published_runs(cfg.lake, cfg.pipeline):
            reports.append(loader.load(manifest, pipeline.specs))
            if pipeline.on_loaded:
                pipeline.on_loaded(cfg, manifest)
    finally:
        close = getattr(loader.executor, "close", None)
        if close:
            close()
    return [r for r in reports if r.loaded]


def run(cfg: RunConfig, *, executor_factory: ExecutorFactory = make_executor,
        ) -> tuple[Landing | None, RunManifest | None, list[LoadReport]]:
    pipeline = registry.get(cfg.pipeline)
    landing = manifest = None
    if "land" in cfg.steps and pipeline.land:
        landing = pipeline.land(cfg)
    elif "land" in cfg.steps:
        input_uri = cfg.input or sample_input(cfg, pipeline)
        landing = land_files(input_uri=input_uri, lake_uri=cfg.lake, pipeline=cfg.pipeline,
                             run_id=cfg.run_id, ingest_date=cfg.run_date, sources=pipeline.sources)
    if "transform" in cfg.steps:
        if landing is None:
            landing = (read_landing(cfg.lake, cfg.run_id) if cfg.resume
                       else latest_landing(cfg.lake, cfg.pipeline))
        from jobs.spark import get_spark

        landing.lake = landing.lake or cfg.lake  # landings recorded before the field existed
        spark = get_spark(f"constellation-{cfg.pipeline}")
        try:
            output = pipeline.transform(spark, landing)
            manifest = write_and_publish(spark, output, lake_uri=cfg.lake, landing=landing,
                                         views=list(pipeline.views), fail_on_warnings=cfg.fail_on_warnings)
        finally:
            spark.catalog.clearCache()
            lake.delete_tree(work_uri(landing))  # scratch of this transform, published or not
    reports = load_pending(cfg, pipeline, executor_factory) if "load" in cfg.steps else []
    return landing, manifest, reports


def main(argv: list[str] | None = None, *, executor_factory: ExecutorFactory | None = None) -> int:
    """Run the CLI. ``executor_factory`` replaces the warehouse executor (tests inject one that
    records or fails statements; the real transaction handling is kept)."""
    parser = build_parser()
    args, ignored = parser.parse_known_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if ignored:
        log.info("ignoring arguments not meant for this job (e.g. Glue's): %s", " ".join(ignored))
    try:
        cfg = build_config(args)
        landing, manifest, reports = run(cfg, executor_factory=executor_factory or make_executor)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (InputError, FileNotFoundError) as exc:
        print(f"error: bad input: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except QualityGateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_QUALITY
    print(render_summary(cfg, landing, manifest, reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
