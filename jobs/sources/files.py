"""The files source: a folder or ``s3://`` prefix of vendor files.

Land: copy every file unchanged into the raw zone with its size and sha256, so re-processing
never needs the source again. Read: check a delimited file's header and read every field as text
with an explicit schema. Typing and rejection happen in transforms.staging."""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.layout import LakeLayout
from jobs.manifest import InputFile, Landing, write_landing
from jobs.sources import InputError
from schemas.spec import RawCsv
from transforms.staging import CORRUPT_COLUMN, ROW_ID, SOURCE_FILE

if TYPE_CHECKING:
    from jobs.config import RunConfig
    from jobs.pipelines import Pipeline

log = logging.getLogger(__name__)
BOM = "\ufeff"
SAMPLE_ROOT = Path("sample-data")


@dataclass(frozen=True)
class FilesSettings:
    """Where a files-sourced pipeline reads: a folder or ``s3://`` prefix, or (None) generated
    sample data."""

    input: str | None = None

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--input", metavar="URI",
                           help="folder or s3:// prefix holding the source files (default: generated "
                                "sample data in ./sample-data/<pipeline>/, see --sample-scale)")

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> FilesSettings:
        from jobs.config import ConfigError, user_path

        if args.input is not None and not args.input.strip():
            raise ConfigError("--input: empty; give a folder or s3:// prefix")
        return cls(input=user_path(args.input) if args.input else None)


def find_files(folder: str, layout: RawCsv) -> list[lake.FileInfo]:
    """The files of ``folder`` (not recursive) whose name matches the layout's glob."""
    found = [f for f in lake.list_files(folder)
             if fnmatch.fnmatch(f.uri.rsplit("/", 1)[-1], layout.file_glob)
             and f.uri.rsplit("/", 1)[0].rstrip("/") == folder.rstrip("/")]
    if not found:
        raise InputError(f"{layout.name}: no file matching {layout.file_glob!r} in {folder}")
    return found


def check_header(uri: str, layout: RawCsv) -> None:
    """Fail early, naming the file and the columns, when a file is empty or its header is not
    the contract's (a renamed, missing or extra column would otherwise shift every value)."""
    head = lake.read_bytes(uri, 64 * 1024).decode(layout.encoding, errors="replace")
    first_line = head.lstrip(BOM).splitlines()[0] if head.strip() else ""
    if not first_line.strip():
        raise InputError(f"{uri}: the file is empty (expected a header {','.join(layout.header)})")
    header = next(csv.reader(io.StringIO(first_line), delimiter=layout.delimiter, quotechar=layout.quote))
    header = [h.strip() for h in header]
    if header != layout.header:
        missing = [h for h in layout.header if h not in header]
        extra = [h for h in header if h not in layout.header]
        detail = f"missing {missing}, unexpected {extra}" if (missing or extra) else "columns out of order"
        raise InputError(f"{uri}: header does not match the {layout.name} layout ({detail}); "
                         f"expected {','.join(layout.header)}")


def read_csv(spark: SparkSession, files: list[str], layout: RawCsv) -> DataFrame:
    """Every record of the files as text (header checked first), plus ``_source_file`` and a
    ``_row_id`` that orders rows within a file. A record with the wrong number of fields keeps
    its text in ``_corrupt_record``; nothing is dropped."""
    for uri in files:
        check_header(uri, layout)
    reader = (
        spark.read.schema(layout.string_schema(CORRUPT_COLUMN))
        .option("header", True)
        .option("enforceSchema", True)  # header already checked above, BOM included
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_COLUMN)
        .option("sep", layout.delimiter)
        .option("quote", layout.quote)
        .option("escape", layout.quote)
        .option("multiLine", layout.multiline)
        .option("encoding", layout.encoding)
        .option("nullValue", "")
        .option("ignoreLeadingWhiteSpace", False)
        .option("ignoreTrailingWhiteSpace", False)
    )
    df = reader.csv([lake.spark_path(f) for f in files])
    return df.withColumn(SOURCE_FILE, F.col("_metadata.file_path")).withColumn(
        ROW_ID, F.monotonically_increasing_id()  # file order only; never a key
    )


def sample_folder(pipeline: Pipeline, *, scale: float, seed: int) -> str:
    """Generated sample data for a run without --input (made once per scale and seed)."""
    folder = SAMPLE_ROOT / pipeline.name / f"scale={scale:g}-seed={seed}"
    if not (folder / ".complete").exists():
        log.info("generating %s sample data (scale %g) in %s", pipeline.name, scale, folder)
        pipeline.sample(str(folder), scale=scale, seed=seed)
        (folder / ".complete").touch()
    return str(folder.resolve())


def land(cfg: RunConfig, pipeline: Pipeline) -> Landing:
    """The default land step: the user's folder, or generated sample data."""
    settings = cfg.settings if isinstance(cfg.settings, FilesSettings) else FilesSettings()
    input_uri = settings.input or sample_folder(pipeline, scale=cfg.sample_scale, seed=cfg.seed)
    return land_files(input_uri=input_uri, layout=cfg.layout, pipeline=pipeline.name, run_id=cfg.run_id,
                      ingest_date=cfg.run_date, sources=pipeline.sources, sample=settings.input is None)


def land_files(*, input_uri: str, layout: LakeLayout, pipeline: str, run_id: str, ingest_date: date,
               sources: tuple[RawCsv, ...], sample: bool = False) -> Landing:
    """Copy every source file into the raw zone (fails before copying anything if one is missing,
    naming every missing one at once)."""
    if not lake.is_s3(input_uri) and not Path(input_uri).is_dir():
        what = "is a file, not a folder" if Path(input_uri).exists() else "does not exist"
        raise InputError(f"--input {input_uri} {what}: give the folder holding "
                         + ", ".join(repr(s.file_glob) for s in sources))
    found, missing = {}, []
    for source in sources:
        try:
            found[source.name] = find_files(input_uri, source)
        except InputError as exc:
            missing.append(str(exc))
    if missing:
        raise InputError("; ".join(missing))
    raw_dir = layout.raw(pipeline, ingest_date, run_id)
    inputs = []
    for source, files in found.items():
        for info in files:
            name = info.uri.rsplit("/", 1)[-1]
            target = lake.join(raw_dir, name)
            log.info("[%s] landing %s (%d bytes)", run_id, info.uri, info.size)
            lake.copy(info.uri, target)
            inputs.append(InputFile(source=source, uri=target, original_uri=info.uri,
                                    size=info.size, sha256=lake.sha256(target)))
    landing = Landing(run_id=run_id, pipeline=pipeline, ingest_date=ingest_date.isoformat(), inputs=inputs,
                      lake=layout.root, sample=sample)
    write_landing(landing)
    return landing
