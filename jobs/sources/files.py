"""The files source: a folder or ``s3://`` prefix of vendor files.

Land: copy every file unchanged into the raw zone with its size and sha256, so re-processing
never needs the source again. Read: check a delimited file's header and read every field as text
with an explicit schema. Typing and rejection happen in transforms.staging."""

from __future__ import annotations

import argparse
import codecs
import csv
import fcntl
import fnmatch
import glob
import io
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import reduce
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
GZIP_MAGIC = b"\x1f\x8b"
# Byte-order marks of the encodings that write ASCII as more than one byte (UTF-32 before UTF-16:
# the UTF-32-LE mark starts with the UTF-16-LE one).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_TEXT, _PARSED, _BLOCK_START = "__text", "__parsed", "__block_start"
# Far more fields than any layout has; a line with more separators is malformed (see _parser_options).
MAX_FIELDS = 65_536
_ROW_IN_PARTITION = (1 << 33) - 1  # monotonically_increasing_id: record number within the partition
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


def _lines(text: str) -> list[str]:
    """Lines split exactly where Spark's line reader splits them (LF, CRLF or CR), so the
    header checked here is the line the reader drops (str.splitlines also splits on form feeds,
    U+2028 and others)."""
    return re.split(r"\r\n|\r|\n", text)


def check_header(uri: str, layout: RawCsv) -> None:
    """Fail early, naming the file and the columns, when a file is empty, compressed, or its
    header is not the contract's (a renamed, missing or extra column would otherwise shift every
    value)."""
    head_bytes = lake.read_bytes(uri, 64 * 1024)
    if head_bytes.startswith(GZIP_MAGIC):
        raise InputError(f"{uri}: the file is gzip-compressed; expected a plain-text {layout.name} CSV file "
                         "(decompress it first)")
    wide = next((name for bom, name in _WIDE_BOMS if head_bytes.startswith(bom)), None)
    if wide and not codecs.lookup(layout.encoding).name.startswith(wide.lower()):
        raise InputError(f"{uri}: the file is {wide}-encoded (it starts with a {wide} byte-order mark); expected "
                         f"{layout.encoding} (re-export or convert it to {layout.encoding})")
    head = head_bytes.decode(layout.encoding, errors="replace")
    if not head.strip():
        raise InputError(f"{uri}: the file is empty (expected a header {','.join(layout.header)})")
    first_line = _lines(head.lstrip(BOM))[0]
    if not first_line.strip():
        raise InputError(f"{uri}: the first line is blank (expected the header {','.join(layout.header)})")
    if "\x00" in first_line:
        raise InputError(f"{uri}: the header line holds NUL bytes (a UTF-16 or binary file?); expected a "
                         f"{layout.encoding} header {','.join(layout.header)}")
    header = next(csv.reader(io.StringIO(first_line), delimiter=layout.delimiter, quotechar=layout.quote))
    header = [h.strip() for h in header]
    if header != layout.header:
        missing = [h for h in layout.header if h not in header]
        extra = [h for h in header if h not in layout.header]
        detail = f"missing {missing}, unexpected {extra}" if (missing or extra) else "columns out of order"
        raise InputError(f"{uri}: header does not match the {layout.name} layout ({detail}); "
                         f"expected {','.join(layout.header)}")


def _parser_options(layout: RawCsv) -> dict[str, str]:
    """CSV parser options shared by both read paths.

    The parser's limits are set deliberately instead of univocity's defaults (20,480 columns):
    past a limit univocity throws instead of reporting a bad record, so one over-wide line
    aborted the whole run. The line reader never hands the parser a line it could overflow: a
    line longer than the layout's ``max_record_bytes`` (and so any field that long), or with
    ``MAX_FIELDS`` separators or more, is quarantined unparsed. The limits are not set higher
    than that because univocity allocates buffers of both sizes for every parser it creates."""
    return {
        "sep": layout.delimiter, "quote": layout.quote, "escape": layout.quote,
        "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN,
        "nullValue": "", "ignoreLeadingWhiteSpace": "false", "ignoreTrailingWhiteSpace": "false",
        "maxColumns": str(MAX_FIELDS), "maxCharsPerColumn": str(layout.max_record_bytes),
    }


def _line_by_line(layout: RawCsv) -> bool:
    """Records are physical lines: the layout is not multiline and its encoding writes line
    breaks and ASCII as ASCII bytes (UTF-8, Latin-1, Windows-1252 …; not UTF-16)."""
    probe = "\r\n" + layout.delimiter + layout.quote + "09AZaz"
    return not layout.multiline and probe.encode(layout.encoding) == probe.encode("ascii")


def read_csv(spark: SparkSession, files: list[str], layout: RawCsv) -> DataFrame:
    """Every record of the files as text (header checked first), plus ``_source_file`` and a
    ``_row_id`` that orders rows within a file. A record with the wrong number of fields, or
    too long to parse, keeps its text in ``_corrupt_record``; nothing is dropped.

    Line-by-line layouts (all but multiline ones) are read as lines and each line is parsed by
    ``from_csv``: one row per non-empty physical line after the header, whatever the line holds.
    Spark's CSV file reader silently skips lines that are blank to Java's ``trim`` (NUL bytes,
    spaces, tabs), and they would then be missing from the rows read as well; here the parser
    is a per-row expression that cannot remove a row, so the rows read are the lines the file
    physically holds and the reconciliation (rows read = loaded + quarantined) covers every one.
    Empty lines hold nothing and are not records. Multiline layouts keep the CSV file reader: a
    record may span lines there, so there is no line to count it by."""
    for uri in files:
        check_header(uri, layout)
    if not _line_by_line(layout):
        return _read_records(spark, files, layout)
    return reduce(DataFrame.unionByName, [_read_lines(spark, uri, layout) for uri in files])


def _read_lines(spark: SparkSession, uri: str, layout: RawCsv) -> DataFrame:
    """One file read as lines, the header dropped, each line parsed by ``from_csv``.

    The header is the first row of the partition that reads the file's first block (one file per
    read, so no other file shares that partition; ``monotonically_increasing_id`` numbers rows
    within a partition in its lower 33 bits). Were that ever not so, the header would be kept and
    quarantined as a bad record, never a data line dropped.

    The row id and the parse are one projection on purpose: a projection with a nondeterministic
    column is one the optimizer pushes no filter through, so later filters (good rows, rejected
    rows …) cannot copy the parse into their predicates: each line is parsed once."""
    line = F.col("value")  # the raw bytes of the line: the text reader does not decode
    # UTF-8 is decoded by from_csv itself; undecodable bytes become U+FFFD, which staging refuses.
    text = line if codecs.lookup(layout.encoding).name == "utf-8" else F.decode(line.cast("binary"), layout.encoding)
    size = F.octet_length(line)
    separators = size - F.octet_length(F.translate(line, layout.delimiter, ""))
    parsable = (size <= layout.max_record_bytes) & ((size < MAX_FIELDS) | (separators < MAX_FIELDS))
    ddl = ", ".join(f"`{f.name}` STRING" for f in layout.fields) + f", `{CORRUPT_COLUMN}` STRING"
    lines = spark.read.text(lake.spark_path(uri)).select(
        F.col("_metadata.file_path").alias(SOURCE_FILE),
        F.col("_metadata.file_block_start").alias(_BLOCK_START),
        F.monotonically_increasing_id().alias(ROW_ID),  # file order only; never a key
        text.alias(_TEXT),
        F.when(parsable, F.from_csv(text, ddl, _parser_options(layout))).alias(_PARSED),
    )
    is_header = (F.col(_BLOCK_START) == 0) & (F.col(ROW_ID).bitwiseAND(F.lit(_ROW_IN_PARTITION)) == 0)
    records = lines.filter(~is_header & (F.octet_length(_TEXT) > 0))
    return records.select(
        *[F.col(_PARSED)[f.name].alias(f.name) for f in layout.fields],
        # The whole line, not the parser's view of it: the quarantine keeps the record as sent.
        F.when(F.col(_PARSED).isNull() | F.col(_PARSED)[CORRUPT_COLUMN].isNotNull(), F.col(_TEXT))
        .alias(CORRUPT_COLUMN),
        F.col(SOURCE_FILE), F.col(ROW_ID),
    )


def _read_records(spark: SparkSession, files: list[str], layout: RawCsv) -> DataFrame:
    """The CSV file reader, for multiline layouts (records may span lines). Caveats: it skips a
    record that is blank to Java's ``trim``, and a record with more than ``MAX_FIELDS`` fields or
    a field longer than ``max_record_bytes`` makes the parser fail the run (no line to guard)."""
    reader = (
        spark.read.schema(layout.string_schema(CORRUPT_COLUMN))
        .options(**_parser_options(layout))
        .option("header", True)
        .option("enforceSchema", True)  # header already checked above, BOM included
        .option("multiLine", layout.multiline)
        .option("encoding", layout.encoding)
    )
    df = reader.csv([lake.spark_path(f) for f in files])
    return df.withColumn(SOURCE_FILE, F.col("_metadata.file_path")).withColumn(
        ROW_ID, F.monotonically_increasing_id()  # file order only; never a key
    )


def sample_folder(pipeline: Pipeline, *, scale: float, seed: int) -> str:
    """Generated sample data for a run without --input (made once per scale and seed).

    Generated under a lock, in a folder of its own renamed into place: two runs at once in one
    checkout generate it once, and a run killed half-way leaves no partial sample (its scratch
    folder is removed by the next generation)."""
    folder = SAMPLE_ROOT / pipeline.name / f"scale={scale:g}-seed={seed}"
    if (folder / ".complete").exists():
        return str(folder.resolve())
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if the process dies
        if not (folder / ".complete").exists():
            log.info("generating %s sample data (scale %g) in %s", pipeline.name, scale, folder)
            for left in folder.parent.glob(f".{glob.escape(folder.name)}.*.tmp"):
                shutil.rmtree(left, ignore_errors=True)  # a generation killed before its rename
            if folder.exists():
                shutil.rmtree(folder)  # generated before samples were renamed into place, unfinished
            work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
            try:
                umask = os.umask(0)
                os.umask(umask)
                work.chmod(0o777 & ~umask)  # as a plain mkdir would have made it
                pipeline.sample(str(work), scale=scale, seed=seed)
                (work / ".complete").touch()
                work.rename(folder)
            finally:
                shutil.rmtree(work, ignore_errors=True)
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
