"""The one entry point for every runtime: spark-submit on a laptop, AWS Glue, an EMR step.

    jobs/main.py <pipeline> [--steps land,transform,load] [--lake URI]
                 [--warehouse duckdb:PATH | redshift] [--run-id ID] [--run-date D] [pipeline options]

Arguments are parsed and validated (jobs.cli) before Spark starts. The arguments Glue adds
(``--JOB_NAME``, ``--job-bookmark-option``, ``--TempDir`` …) are dropped, so this file is also
the Glue script; any other unknown option is an error. Nothing runs at import time: ``main(argv)``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script by spark-submit / Glue: make the packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs import cli, lake  # noqa: E402
from jobs import pipelines as registry  # noqa: E402
from jobs.config import (  # noqa: E402
    SPARK_STEPS,
    ConfigError,
    RedshiftSettings,
    RunConfig,
    Warehouse,
    new_run_id,
    parse_date,
    user_path,
)
from jobs.errors import one_line  # noqa: E402
from jobs.faults import crash_point  # noqa: E402
from jobs.logs import quiet_third_party_loggers  # noqa: E402
from jobs.manifest import Landing, RunManifest, latest_landing, published_runs, read_landing  # noqa: E402
from jobs.sources import InputError  # noqa: E402

if TYPE_CHECKING:  # the warehouse module is imported only when a load runs
    from jobs.warehouse import Executor, LoadReport, WarehouseLoader

log = logging.getLogger("constellation")

EXIT_CONFIG, EXIT_INPUT, EXIT_QUALITY, EXIT_FAILED = 2, 3, 4, 1


def build_config(pipeline: registry.Pipeline, args: argparse.Namespace,
                 environ: dict[str, str] | None = None) -> RunConfig:
    """The run's configuration, validated: common settings plus the pipeline's own typed options."""
    env = dict(os.environ if environ is None else environ)
    warehouse = Warehouse.parse(args.warehouse)
    if warehouse.kind == "duckdb":
        warehouse = Warehouse("duckdb", user_path(warehouse.path))
    redshift = None
    if warehouse.kind == "redshift":
        redshift = RedshiftSettings.from_env({
            k[len("redshift_"):]: v for k, v in vars(args).items() if k.startswith("redshift_")})
    settings = pipeline.options.from_args(args, env) if pipeline.options else None
    return RunConfig(
        pipeline=pipeline.name,
        steps=tuple(s.strip() for s in args.steps.split(",") if s.strip()),
        lake=user_path(args.lake),
        warehouse=warehouse,
        run_id=args.run_id or new_run_id(),
        resume=bool(args.run_id),
        run_date=parse_date(args.run_date) if args.run_date else datetime.now(UTC).date(),
        sample_scale=args.sample_scale,
        seed=args.seed,
        fail_on_warnings=args.fail_on_warnings,
        redshift=redshift,
        settings=settings,
        log_level=args.log_level,
        verbose_loggers=tuple(args.verbose_logger),
        dry_run=args.dry_run,
        grace_hours=args.grace_hours,
        report_dir=args.report_dir,
    )


def parse_args(argv: list[str]) -> tuple[registry.Pipeline, RunConfig, list[str]]:
    """(pipeline, validated config, Glue's dropped arguments); ConfigError on anything wrong."""
    pipeline, args, platform = cli.parse(argv)
    return pipeline, build_config(pipeline, args), platform


ExecutorFactory = Callable[[RunConfig], "Executor"]


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
    from jobs.warehouse import WarehouseLoader

    executor = executor_factory(cfg)
    if cfg.warehouse.kind == "duckdb":
        return WarehouseLoader(executor, "duckdb")
    return WarehouseLoader(executor, "redshift", schema=cfg.redshift.schema, iam_role=cfg.redshift.iam_role)


def load_pending(cfg: RunConfig, pipeline: registry.Pipeline,
                 executor_factory: ExecutorFactory = make_executor) -> list[LoadReport]:
    """Load every published run of the pipeline the ledger does not hold yet, oldest first. A run
    that fails to load is recorded as failed (with the reason) and skipped, so newer runs still
    load; later loads skip it too, unless it is named with --run-id (a retry)."""
    from jobs.warehouse import LoadReport

    loader = make_loader(cfg, executor_factory)
    reports = []
    try:
        loader.ensure_tables(pipeline.warehouse_tables)
        failed = loader.failed(cfg.pipeline)
        runs = published_runs(cfg.layout, cfg.pipeline)
        by_id = {m.run_id: m for m in runs}
        for manifest in runs:
            if manifest.run_id in failed and not (cfg.resume and manifest.run_id == cfg.run_id):
                log.warning("[%s] skipped: its load failed before (%s); retry it with --steps load --run-id %s",
                            manifest.run_id, failed[manifest.run_id], manifest.run_id)
                continue
            try:
                if manifest.sample:
                    refuse_sample_over_real(loader, manifest, by_id, cfg)
                report = loader.load(manifest, pipeline.specs, pipeline.view_requires)
            except Exception as exc:
                if getattr(exc, "fatal_for_every_run", False):
                    raise
                reason = f"{type(exc).__name__}: {first_line(exc)}"
                log.debug("[%s] load failed", manifest.run_id, exc_info=True)
                log.error("[%s] could not be loaded, recorded as failed and skipped: %s", manifest.run_id, reason)
                loader.record_failure(manifest, reason)
                reports.append(LoadReport(manifest.run_id, {}, [], error=reason))
                continue
            reports.append(report)
            crash_point("after-load-commit")
            if pipeline.on_loaded:
                pipeline.on_loaded(cfg, manifest)
    finally:
        close = getattr(loader.executor, "close", None)
        if close:
            close()
    return [r for r in reports if r.loaded or r.error]


def refuse_sample_over_real(loader: WarehouseLoader, manifest: RunManifest, by_id: dict[str, RunManifest],
                            cfg: RunConfig) -> None:
    """Generated sample data never replaces data loaded from the user's own source: a sample run
    that would be loaded over a table whose newest load came from a real source is refused."""
    from jobs.warehouse import SampleOverRealError

    for table, newest in loader.loaded(manifest.pipeline).items():
        if table in manifest.tables and newest < manifest.run_id and not getattr(by_id.get(newest), "sample", False):
            target = cfg.warehouse.path if cfg.warehouse.kind == "duckdb" else "the Redshift warehouse"
            raise SampleOverRealError(
                f"run {manifest.run_id} is generated sample data (no source was given) and {target} holds "
                f"{table} loaded from your own data (run {newest}): refusing to replace it. Give your source "
                "(e.g. --input), or use another --lake and --warehouse for sample runs")


def land(cfg: RunConfig, pipeline: registry.Pipeline) -> Landing:
    if pipeline.land:
        return pipeline.land(cfg)
    from jobs.sources import files

    return files.land(cfg, pipeline)


def transform(cfg: RunConfig, pipeline: registry.Pipeline, landing: Landing | None,
              timings: dict[str, float] | None = None) -> RunManifest:
    from jobs.publish import work_uri, write_and_publish
    from jobs.spark import get_spark

    if landing is None:
        landing = (read_landing(cfg.layout, cfg.run_id) if cfg.resume
                   else latest_landing(cfg.layout, cfg.pipeline))
    from jobs.progress import reporting

    started = time.monotonic()
    spark = get_spark(f"constellation-{cfg.pipeline}")
    try:
        with reporting(spark, f"[{landing.run_id}] transform"):
            output = pipeline.transform(spark, landing)
            return write_and_publish(spark, output, landing=landing, views=list(pipeline.views),
                                     fail_on_warnings=cfg.fail_on_warnings, durations=dict(timings or {}),
                                     started=started)
    finally:
        spark.catalog.clearCache()
        lake.delete_tree(work_uri(landing))  # scratch of this transform, published or not


class Timings(dict):
    """step -> seconds, in the order the steps ran."""

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self[name] = round(time.monotonic() - started, 1)
        log.info("%s took %.1f s", name, self[name])


def report(cfg: RunConfig, pipeline: registry.Pipeline, executor_factory: ExecutorFactory = make_executor,
           timings: dict[str, float] | None = None) -> str:
    """Write the pipeline's HTML report (jobs.report) from the lake and the warehouse, read-only; no
    Spark. Returns where it was written."""
    from jobs.report import gather, write_report

    executor = None
    if cfg.warehouse.kind == "duckdb":
        if Path(cfg.warehouse.path).exists():
            from jobs.warehouse import DuckDBExecutor

            executor = DuckDBExecutor(cfg.warehouse.path, read_only=True)
    else:
        executor = executor_factory(cfg)
    try:
        data = gather(cfg.layout, cfg.pipeline, [t.name for t in pipeline.warehouse_tables], executor,
                      timings=timings, schema=cfg.redshift.schema if cfg.redshift else None)
        return write_report(cfg.report_uri, data)
    finally:
        close = getattr(executor, "close", None)
        if close:
            close()


def run(cfg: RunConfig, *, executor_factory: ExecutorFactory = make_executor, timings: Timings | None = None,
        ) -> tuple[Landing | None, RunManifest | None, list[LoadReport], str | Exception | None]:
    """Run the configured steps. The last element is where the report was written, or why it could
    not be (the steps before it are done and stay done), or None without a report step."""
    pipeline = registry.get(cfg.pipeline)
    timings = Timings() if timings is None else timings
    landing = manifest = None
    if "land" in cfg.steps:
        with timings.step("land"):
            landing = land(cfg, pipeline)
    crash_point("after-land")
    if "transform" in cfg.steps:
        with timings.step("transform"):
            manifest = transform(cfg, pipeline, landing, dict(timings))
        landing = landing or read_landing(cfg.layout, manifest.run_id)
        crash_point("after-publish")
    reports = []
    if "load" in cfg.steps:
        with timings.step("load"):
            reports = load_pending(cfg, pipeline, executor_factory)
    if "clean" in cfg.steps:
        from datetime import timedelta

        from jobs.clean import clean

        removed = clean(cfg.layout, cfg.pipeline, pipeline.warehouse_tables, grace=timedelta(hours=cfg.grace_hours),
                        dry_run=cfg.dry_run)
        verb = "would remove" if cfg.dry_run else "removed"
        print(f"clean: {verb} {len(removed)} unpublished run(s) older than {cfg.grace_hours:g} h"
              + "".join(f"\n  {g.run_id}: {len(g.files)} files, {g.bytes:,} bytes" for g in removed))
    report_result: str | Exception | None = None
    if "report" in cfg.steps:
        with timings.step("report"):
            # this invocation's step times belong to the run shown only when this invocation made it
            made_here = manifest is not None or landing is not None
            try:
                report_result = report(cfg, pipeline, executor_factory, dict(timings) if made_here else None)
            except Exception as exc:  # what was loaded stays loaded: the summary still says so
                log.debug("report failed", exc_info=True)
                report_result = exc
    return landing, manifest, reports, report_result


def check_arguments(argv: list[str]) -> int:
    """Parse and validate only (the launcher calls this before starting the JVM): 0, or 2 with
    the one-line error."""
    try:
        parse_args(argv)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def runtime(argv: list[str]) -> int:
    """For the launcher, after ``check_arguments``: print ``spark`` when the steps may start Spark
    (land, transform), else ``python`` (load, clean, report: no JVM needed)."""
    _, cfg, _ = parse_args(argv)
    print("spark" if SPARK_STEPS & set(cfg.steps) else "python")
    return 0


def first_line(exc: BaseException) -> str:
    return one_line(exc)


def _fail(message: str, code: int) -> int:
    """The one-line error on stderr (and in the run's log file)."""
    print(f"error: {message}", file=sys.stderr)
    if _RUN_LOG is not None:
        _RUN_LOG.emit(logging.makeLogRecord({"name": "constellation", "levelno": logging.ERROR,
                                             "levelname": "ERROR", "msg": message}))
    return code


_RUN_LOG: logging.Handler | None = None


def main(argv: list[str] | None = None, *, executor_factory: ExecutorFactory | None = None) -> int:
    """Run the CLI. ``executor_factory`` replaces the warehouse executor (tests inject one that
    records or fails statements; the real transaction handling is kept)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _, cfg, platform = parse_args(argv)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(level=getattr(logging, cfg.log_level, logging.INFO),
                        format=LOG_FORMAT, stream=sys.stderr, force=True)
    quiet_third_party_loggers(cfg.verbose_loggers)
    global _RUN_LOG
    run_log = _RUN_LOG = _start_run_log()
    if platform:
        log.info("ignoring the arguments the platform (Glue) adds: %s",
                 " ".join(a for a in platform if a.startswith("--")))
    log.debug("run configuration: %r", cfg)  # repr() leaves passwords out (see PgSettings)
    timings = Timings()
    try:
        return _run_and_report(cfg, executor_factory, timings)
    finally:
        _keep_run_log(run_log, cfg)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _start_run_log() -> logging.FileHandler:
    """Everything logged during the run also goes to a file, kept in the lake as _logs/<run_id>.log."""
    fd, path = tempfile.mkstemp(prefix="constellation-", suffix=".log")
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.getLogger().addHandler(handler)
    return handler


def _keep_run_log(handler: logging.FileHandler, cfg: RunConfig) -> None:
    global _RUN_LOG
    _RUN_LOG = None
    logging.getLogger().removeHandler(handler)
    handler.close()
    try:
        # a load or report alone belongs to no new run: its log is kept only under a named run
        if os.path.getsize(handler.baseFilename) and (not set(cfg.steps) <= {"load", "report"} or cfg.resume):
            lake.copy(handler.baseFilename, cfg.layout.log(cfg.run_id))
    except Exception as exc:  # a lake we cannot write to was already reported by the step that failed
        log.debug("could not keep the run log: %s", exc)
    finally:
        os.unlink(handler.baseFilename)


def _run_and_report(cfg: RunConfig, executor_factory: ExecutorFactory | None, timings: Timings) -> int:
    from jobs.publish import QualityGateError
    from jobs.summary import render_summary

    try:
        landing, manifest, reports, report_result = run(cfg, executor_factory=executor_factory or make_executor,
                                                        timings=timings)
        report_uri = report_result if isinstance(report_result, str) else None
        this_run = manifest.run_id if manifest else (cfg.run_id if cfg.resume else None)
        failed_here = [r for r in reports if r.error and (this_run is None or r.run_id == this_run)]
        refused = [r for r in failed_here if r.error.startswith("SampleOverRealError")]
    except ConfigError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    except (InputError, FileNotFoundError) as exc:
        return _fail(f"bad input: {exc}", EXIT_INPUT)
    except QualityGateError as exc:
        return _fail(str(exc), EXIT_QUALITY)
    except Exception as exc:  # anything else: one line on stderr, the trace at DEBUG
        log.debug("run failed", exc_info=True)
        if _is_missing_credentials(exc):
            return _fail(f"bad input: no AWS credentials to read or write s3:// ({type(exc).__name__}); give the "
                         "job a role, a profile or AWS_* variables", EXIT_INPUT)
        return _fail(f"{type(exc).__name__}: {first_line(exc)} (the trace: --log-level DEBUG)", EXIT_FAILED)
    print(render_summary(cfg, landing, manifest, reports, timings, report_uri))
    if refused:
        return _fail(refused[-1].error.split(": ", 1)[1], EXIT_CONFIG)
    if older := [r for r in failed_here if r.error.startswith("HistoryLoadRefused")]:
        # an older vintage than the warehouse holds: bad input, not a failure (nothing changed)
        return _fail(f"bad input: run {older[-1].run_id}: {older[-1].error.split(': ', 1)[1]}; it is recorded as "
                     f"failed and later loads skip it", EXIT_INPUT)
    if failed_here:
        return _fail(f"run {failed_here[-1].run_id} could not be loaded: {failed_here[-1].error}; it is recorded "
                     f"as failed and later loads skip it (retry: --steps load --run-id {failed_here[-1].run_id})",
                     EXIT_FAILED)
    if isinstance(report_result, Exception):
        return _fail(f"the report could not be written to {cfg.report_uri}: {type(report_result).__name__}: "
                     f"{first_line(report_result)} (the other steps are done; rerun --steps report)", EXIT_FAILED)
    return 0


def _is_missing_credentials(exc: BaseException) -> bool:
    return type(exc).__name__ in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError")


if __name__ == "__main__":
    sys.exit(main())
