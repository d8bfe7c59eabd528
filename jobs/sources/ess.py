"""The ESS source: European Social Survey data files (Stata ``.dta``, SPSS ``.sav``/``.zsav``), one
file per round (or per country of a round), landed byte for byte, then read with pyreadstat.

Reading never loads a file whole on the driver: the driver reads the metadata only
(``metadataonly=True``: variables, row count, value labels, user-missing declarations), then
Spark tasks read row ranges (``row_offset``/``row_limit``) of only the needed variables
(``usecols``) from the landed file, and the chunks must add up to the metadata's row count. A
file that pyreadstat cannot read (corrupt, truncated, text not in ``--encoding``) or that lacks a
required variable is an InputError (exit 3): nothing is published.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from jobs import lake
from jobs.manifest import InputFile, Landing, write_landing
from jobs.sources import InputError
from schemas import ess as S
from transforms.staging import ROW_ID, SOURCE_FILE

if TYPE_CHECKING:
    from jobs.config import RunConfig
    from jobs.pipelines import Pipeline

log = logging.getLogger(__name__)
SURVEY_SUFFIXES = (".dta", ".sav", ".zsav")
RELEASES_SOURCE = "ess_releases"


@dataclass(frozen=True)
class EssSettings:
    """Where the ess pipeline reads and how it decodes the files."""

    input: str | None = None
    encoding: str | None = None  # None: the file's own (UTF-8 in Stata 14+ and current SPSS files)
    chunk_rows: int = 10_000

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--input", metavar="URI",
                           help="folder or s3:// prefix holding the .dta / .sav files, one per round "
                                "(default: generated sample data)")
        group.add_argument("--encoding", metavar="NAME",
                           help="text encoding of the files (e.g. cp1252 or latin1 for older rounds; "
                                "default: what the file declares)")
        group.add_argument("--chunk-rows", type=int, default=10_000,
                           help="rows a Spark task reads from a file at a time (default 10000)")

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> EssSettings:
        import codecs

        from jobs.config import ConfigError, user_path

        if args.input is not None and not args.input.strip():
            raise ConfigError("--input: empty; give a folder or s3:// prefix")
        if args.chunk_rows <= 0:
            raise ConfigError(f"--chunk-rows: must be positive, got {args.chunk_rows}")
        if args.encoding:
            try:
                codecs.lookup(args.encoding)
            except LookupError:
                raise ConfigError(f"--encoding: unknown encoding {args.encoding!r}") from None
        return cls(input=user_path(args.input) if args.input else None, encoding=args.encoding,
                   chunk_rows=args.chunk_rows)


# ---- land ----


def land(cfg: RunConfig, pipeline: Pipeline) -> Landing:
    """Copy every survey file (and an ess_releases.csv) of the folder into the raw zone."""
    from jobs.sources.files import sample_folder

    settings: EssSettings = cfg.settings
    folder = settings.input or sample_folder(pipeline, scale=cfg.sample_scale, seed=cfg.seed)
    if not lake.is_s3(folder) and not Path(folder).is_dir():
        what = "is a file, not a folder" if Path(folder).exists() else "does not exist"
        raise InputError(f"--input {folder} {what}: give the folder holding the .dta / .sav files")
    files = [f for f in lake.list_files(folder.rstrip("/")) if f.uri.rsplit("/", 1)[0] == folder.rstrip("/")]
    survey = [f for f in files if f.uri.lower().endswith(SURVEY_SUFFIXES)]
    if not survey:
        raise InputError(f"--input {folder}: no .dta / .sav file")
    raw_dir = cfg.layout.raw(pipeline.name, cfg.run_date, cfg.run_id)
    inputs = []
    for info in sorted(survey, key=lambda f: f.uri) + [f for f in files if f.uri.endswith("/" + S.RELEASES_FILE)]:
        name = info.uri.rsplit("/", 1)[-1]
        target = lake.join(raw_dir, name)
        log.info("[%s] landing %s (%d bytes)", cfg.run_id, info.uri, info.size)
        lake.copy(info.uri, target)
        source = RELEASES_SOURCE if name == S.RELEASES_FILE else S.SOURCE
        inputs.append(InputFile(source=source, uri=target, original_uri=info.uri, size=info.size,
                                sha256=lake.sha256(target)))
    landing = Landing(run_id=cfg.run_id, pipeline=pipeline.name, ingest_date=cfg.run_date.isoformat(),
                      inputs=inputs, lake=cfg.layout.root, sample=settings.input is None,
                      read_options={"chunk_rows": str(settings.chunk_rows),
                                    **({"encoding": settings.encoding} if settings.encoding else {})})
    write_landing(landing)
    return landing


# ---- read ----


@dataclass(frozen=True)
class SurveyFile:
    """What the driver learns from a file's metadata."""

    uri: str
    rows: int
    variables: tuple[str, ...]  # the needed variables present in the file, in read order
    text_variables: frozenset[str]
    value_labels: dict[str, dict[float, str]]
    user_missing: dict[str, set[float]] | None  # .sav: declared user-missing codes; .dta: None

    def spark_schema(self) -> T.StructType:
        return T.StructType([T.StructField(v, T.StringType() if v in self.text_variables else T.DoubleType())
                             for v in self.variables]
                            + [T.StructField(SOURCE_FILE, T.StringType()), T.StructField(ROW_ID, T.LongType())])


def _reader(uri: str):
    import pyreadstat

    low = uri.lower()
    if low.endswith(".dta"):
        return pyreadstat.read_dta, {}
    return pyreadstat.read_sav, {"user_missing": True}


def _read(path: str, uri: str, encoding: str | None, **options):
    """pyreadstat's read of the file, any failure as a one-line InputError naming the file."""
    import pyreadstat

    read, extra = _reader(uri)
    try:
        return read(path, encoding=encoding, output_format="dict", **extra, **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeDecodeError, OSError, ValueError) as exc:
        hint = f" (is the text really {encoding}? see --encoding)" if encoding else \
            " (text in another encoding? see --encoding)" if "conver" in str(exc).lower() else ""
        raise InputError(f"{uri.rsplit('/', 1)[-1]}: not a readable {uri.rsplit('.', 1)[-1]} file: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}{hint}") from None


def _local(uri: str) -> tuple[str, bool]:
    """A local path to read the file at (an s3:// file is downloaded to a temporary file)."""
    if not lake.is_s3(uri):
        return uri, False
    fd, path = tempfile.mkstemp(suffix="." + uri.rsplit(".", 1)[-1])
    os.close(fd)
    lake.copy(uri, path)
    return path, True


def read_metadata(uri: str, *, encoding: str | None) -> SurveyFile:
    """The file's metadata (no data), refusing a file without the required variables."""
    path, temporary = _local(uri)
    try:
        _, meta = _read(path, uri, encoding, metadataonly=True)
    finally:
        if temporary:
            os.unlink(path)
    names = list(meta.column_names)
    if missing := [v for v in S.REQUIRED_VARIABLES if v not in names]:
        raise InputError(f"{uri.rsplit('/', 1)[-1]}: required variable(s) {', '.join(missing)} not in the file")
    wanted = [*S.REQUIRED_VARIABLES, "regunit", *S.OPTIONAL_VARIABLES]
    variables = tuple(dict.fromkeys(v for v in wanted if v in names))
    types = meta.readstat_variable_types
    user_missing = None
    if not uri.lower().endswith(".dta"):
        user_missing = {v: {r["lo"] for r in ranges if r["lo"] == r["hi"]}
                        for v, ranges in (meta.missing_ranges or {}).items()}
    rows = meta.number_rows if meta.number_rows is not None and meta.number_rows >= 0 else None
    if rows is None:
        raise InputError(f"{uri.rsplit('/', 1)[-1]}: the file does not state its row count")
    return SurveyFile(uri=uri, rows=rows, variables=variables,
                      text_variables=frozenset(v for v in variables if types.get(v) == "string"),
                      value_labels={v: dict(meta.variable_value_labels.get(v, {})) for v in variables},
                      user_missing=user_missing)


def _read_chunks(chunks: Iterator[int], *, survey: SurveyFile, encoding: str | None, chunk_rows: int):
    """A Spark task: read its row ranges of the file (only the needed variables) as tuples."""
    path, temporary = _local(survey.uri)
    try:
        for chunk in chunks:
            data, _ = _read(path, survey.uri, encoding, usecols=list(survey.variables),
                            row_offset=chunk * chunk_rows, row_limit=chunk_rows)
            columns = [data[v] for v in survey.variables]
            for i, values in enumerate(zip(*columns, strict=True)):
                yield (*[None if isinstance(x, float) and math.isnan(x) else x for x in values], survey.uri,
                       chunk * chunk_rows + i)
    finally:
        if temporary:
            os.unlink(path)


def read_survey(spark: SparkSession, survey: SurveyFile, *, encoding: str | None, chunk_rows: int) -> DataFrame:
    """The file's rows (the needed variables, numbers as double, text as string, plus the file
    and the row number in it), read in ``chunk_rows`` row ranges by Spark tasks."""
    n_chunks = max(1, math.ceil(survey.rows / chunk_rows))
    rdd = spark.sparkContext.parallelize(range(n_chunks), n_chunks).mapPartitions(
        partial(_read_chunks, survey=survey, encoding=encoding, chunk_rows=chunk_rows))
    return spark.createDataFrame(rdd, survey.spark_schema())


def stage_survey(spark: SparkSession, survey: SurveyFile, landing: Landing, name: str, *, encoding: str | None,
                 chunk_rows: int) -> DataFrame:
    """Read the file in Spark tasks once, into the run's scratch space, and check the chunks add
    up to the file's row count. A task's InputError (a row range pyreadstat cannot read: a
    truncated or corrupt file) is raised here as the InputError it is."""
    from jobs.publish import stage_parquet

    try:
        staged = stage_parquet(spark, read_survey(spark, survey, encoding=encoding, chunk_rows=chunk_rows),
                               landing, name)
        rows = staged.count()
    except Exception as exc:
        if found := re.search(r"InputError: (.+)", str(exc)):
            raise InputError(found[1].strip()) from None
        raise
    check_row_count(survey, rows)
    return staged


def check_row_count(survey: SurveyFile, rows_read: int) -> None:
    if rows_read != survey.rows:
        raise InputError(f"{survey.uri.rsplit('/', 1)[-1]}: read {rows_read:,} rows in chunks but the file "
                         f"states {survey.rows:,} (truncated or corrupt file)")


def read_releases(uri: str) -> dict[int, str]:
    """essround -> release date text from an ess_releases.csv (header essround,release_date)."""
    lines = [line.strip() for line in lake.read_text(uri).splitlines() if line.strip()]
    if not lines or lines[0].replace(" ", "") != "essround,release_date":
        raise InputError(f"{S.RELEASES_FILE}: header must be essround,release_date")
    try:
        return {int(r): d.strip() for r, d in (line.split(",", 1) for line in lines[1:])}
    except ValueError:
        raise InputError(f"{S.RELEASES_FILE}: rows must be <round>,<YYYY-MM-DD>") from None
