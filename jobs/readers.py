"""Shared reader for delimited source files: find them, check their header, read every field as
text with an explicit schema. Typing and rejection happen in transforms.staging."""

from __future__ import annotations

import csv
import fnmatch
import io
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from schemas.spec import RawCsv
from transforms.staging import CORRUPT_COLUMN, ROW_ID, SOURCE_FILE

log = logging.getLogger(__name__)
BOM = "\ufeff"


class InputError(Exception):
    """A source file is missing, empty or not in the expected layout."""


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
