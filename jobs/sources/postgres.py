"""The PostgreSQL source: settings and secret lookup, partitioned Spark JDBC extracts of the
rows changed since a watermark, and the incremental state that goes with them. Any
Postgres-sourced pipeline configures it with its tables (``schemas.spec.SourceTable``).

State of one pipeline P, under the lake layout's ``state(P)``:

    extracts/<run_id>.json     what run R extracted per table: since, rows, partitions, high water
    snapshot/run_id=R/<table>/ the current state of every source table after R (Parquet)
    snapshots/<run_id>.json    the snapshot files of run R, per table
    watermarks.json            per table: the newest change-tracking value loaded

A run builds on the snapshot of the latest *published* run and extracts the rows changed since
the watermarks of the *loaded* runs minus a safety window; watermarks advance only after the
warehouse load committed (:meth:`IncrementalState.advance`). Everything is plain ``spark.read`` /
files in the lake: the same under spark-submit, EMR and Glue (no Glue job bookmarks involved).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar, TypeVar

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import lake
from jobs.config import ConfigError
from jobs.errors import one_line
from jobs.layout import LakeLayout
from jobs.manifest import InputFile, RunManifest, published_runs
from jobs.sources import InputError
from schemas.spec import EXTRACTED_AT, UPDATED_AT, SourceTable

log = logging.getLogger(__name__)
T = TypeVar("T")
PARALLEL_TABLES = 4
_TS = "%Y-%m-%d %H:%M:%S.%f"
SNAPSHOT_SOURCE = "snapshot/"  # landing source prefix of a table's base snapshot files


# ---- settings ----


@dataclass(frozen=True)
class PgSettings:
    """Where the source database is and how to read it. The password comes from the environment
    (CONSTELLATION_PG_PASSWORD / PGPASSWORD) or a Secrets Manager secret; it is never logged, never
    part of the JDBC URL, and not in repr(). A pipeline subclasses it to set its defaults."""

    default_schema: ClassVar[str] = "public"
    application_name: ClassVar[str] = "constellation"

    host: str | None  # None: no server named, the pipeline's embedded default applies (see land)
    port: int = 5432
    database: str = "postgres"
    user: str = "postgres"
    schema: str = "public"
    password: str | None = field(default=None, repr=False)
    max_partitions: int = 8
    rows_per_partition: int = 50_000
    fetch_size: int = 10_000
    overlap: timedelta = timedelta(minutes=60)
    full_refresh: bool = False
    since: datetime | None = None

    @property
    def url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.database}"

    def describe(self, table: str = "", since: datetime | None = None) -> str:
        """Where rows came from, for landing records and messages (no credentials)."""
        text = f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"
        if table:
            text += f"/{self.schema}.{table}"
        return text + (f"?{UPDATED_AT}>{since.isoformat()}" if since else "")

    def jdbc_options(self) -> dict[str, str]:
        options = {"url": self.url, "user": self.user, "driver": "org.postgresql.Driver",
                   "fetchsize": str(self.fetch_size), "preferTimestampNTZ": "true",
                   "sessionInitStatement": f"set application_name = '{self.application_name}'"}
        if self.password:
            options["password"] = self.password
        return options

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        """The source's CLI options (each also read from CONSTELLATION_PG_<NAME>; no password option)."""
        group.add_argument("--pg-host", help="PostgreSQL host (env CONSTELLATION_PG_HOST)")
        group.add_argument("--pg-port", help="port (default 5432; env CONSTELLATION_PG_PORT)")
        group.add_argument("--pg-db", "--pg-database", dest="pg_db", help="database (env CONSTELLATION_PG_DB)")
        group.add_argument("--pg-user", help="user (env CONSTELLATION_PG_USER); the password comes from "
                                             "CONSTELLATION_PG_PASSWORD / PGPASSWORD or --pg-secret-arn")
        group.add_argument("--pg-schema", help=f"schema holding the source tables (default {cls.default_schema})")
        group.add_argument("--pg-secret-arn", help="Secrets Manager secret (RDS format: username, password, "
                                                   "host, port, dbname)")
        group.add_argument("--pg-region", help="AWS region of the secret")
        group.add_argument("--pg-partitions", help="most parallel JDBC reads per table (default 8)")
        group.add_argument("--pg-overlap-minutes", help="safety window re-read before each watermark (default 60)")
        group.add_argument("--full-refresh", nargs="?", const="true", default=None, metavar="true|false",
                           help="ignore watermarks and snapshot: extract every row and replace the facts (Glue, "
                                "whose job arguments all take a value: --full-refresh true)")
        group.add_argument("--since", help="extract rows changed since this moment (YYYY-MM-DD[ HH:MM]) "
                                           "instead of the watermarks")

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> PgSettings:
        return cls.from_options(vars(args), environ)

    @classmethod
    def from_options(cls, options: Mapping[str, object], environ: Mapping[str, str]) -> PgSettings:
        """Built and validated from the CLI values and the environment; errors name the flag."""
        from jobs.secret_store import secret_json

        env = environ

        def get(name: str, default: str | None = None) -> str | None:
            value = options.get(f"pg_{name}")
            return str(value) if value not in (None, "") else env.get(f"CONSTELLATION_PG_{name.upper()}", default)

        secret = secret_json(get("secret_arn"), get("region")) if get("secret_arn") else {}
        host = get("host") or secret.get("host") or None
        password = secret.get("password") or env.get("CONSTELLATION_PG_PASSWORD") or env.get("PGPASSWORD")
        full_refresh = str(options.get("full_refresh") or "false").lower()
        if full_refresh not in ("true", "1", "yes", "false", "0", "no"):
            raise ConfigError(f"--full-refresh {options.get('full_refresh')!r}: use true or false")

        def number(flag: str, text: str | None, kind: type) -> object:
            try:
                return kind(text)
            except (TypeError, ValueError):
                raise ConfigError(f"{flag} {text!r}: not a valid {kind.__name__}") from None

        since = options.get("since")
        try:
            since_at = datetime.fromisoformat(str(since)) if since else None
        except ValueError:
            raise ConfigError(f"--since {since!r}: not a moment (YYYY-MM-DD[ HH:MM])") from None
        settings = cls(
            host=host, port=number("--pg-port", get("port") or secret.get("port") or 5432, int),
            database=get("db") or secret.get("dbname") or "postgres",
            user=get("user") or secret.get("username") or "postgres",
            schema=get("schema", cls.default_schema), password=password,
            max_partitions=number("--pg-partitions", get("partitions", "8"), int),
            overlap=timedelta(minutes=number("--pg-overlap-minutes", get("overlap_minutes", "60"), float)),
            full_refresh=full_refresh in ("true", "1", "yes"),
            since=since_at,
        )
        if not 0 < settings.port < 65536:
            raise ConfigError(f"--pg-port {settings.port}: not a port number")
        if settings.max_partitions < 1:
            raise ConfigError("--pg-partitions must be >= 1")
        if settings.overlap < timedelta(0):
            raise ConfigError("--pg-overlap-minutes must be >= 0")
        return settings


# ---- extraction ----


def check_reachable(pg: PgSettings, timeout: float = 5.0) -> None:
    """Fail fast, with a clear message, when nothing listens at the configured address."""
    try:
        socket.create_connection((pg.host, pg.port), timeout=timeout).close()
    except OSError as exc:
        raise InputError(f"PostgreSQL is unreachable at {pg.host}:{pg.port} ({exc}); check --pg-host/"
                         "--pg-port or CONSTELLATION_PG_HOST/PORT, or give no --pg-* option at all to use "
                         "the embedded local server with sample data. Nothing was extracted or "
                         "published.") from exc


def _jdbc(spark: SparkSession, pg: PgSettings):
    reader = spark.read.format("jdbc")
    for key, value in pg.jdbc_options().items():
        reader = reader.option(key, value)
    return reader


def _partition_expr(table: SourceTable) -> str:
    """A numeric column to split the read on: the table's identity, else 28 bits of the md5 of
    its key (uniform, so equal-width ranges hold equal row counts)."""
    if table.identity:
        return table.identity
    key = ", ".join(f"{k}::text" for k in table.key)
    return f"('x' || substr(md5(concat_ws('|', {key})), 1, 7))::bit(28)::int"


def extract_query(pg: PgSettings, table: SourceTable, since: datetime | None) -> str:
    where = f" where {UPDATED_AT} > timestamp '{since.strftime(_TS)}'" if since else ""
    return (f"select {', '.join(table.extract_columns)}, {_partition_expr(table)} as _part "
            f"from {pg.schema}.{table.name}{where}")


def extract_table(spark: SparkSession, pg: PgSettings, table: SourceTable, *, since: datetime | None,
                  out_uri: str, extracted_at: datetime) -> dict:
    """Read one table's changed rows with parallel JDBC range reads and write them as Parquet.
    Bounds, the partition count and the high water come from one cheap min/max/count query run
    just before the read: a row changed in between is read but stays above the recorded high
    water, so the next run reads it again (harmless: snapshots merge by key)."""
    query = extract_query(pg, table, since)
    # The query and the connection's URL and user: never its password (jdbc_options holds it).
    log.debug("extract %s from %s as %s: %s", table.name, pg.url, pg.user, query)
    stats = _jdbc(spark, pg).option(
        "query", f"select count(*) as n, min(_part) as lo, max(_part) as hi, max({UPDATED_AT}) as hw, "
                 f"localtimestamp as db_now from ({query}) s").load().first()
    rows = int(stats["n"])
    parts = max(1, min(pg.max_partitions, -(-rows // pg.rows_per_partition)))
    reader = _jdbc(spark, pg).option("dbtable", f"({query}) as src")
    if parts > 1:
        reader = (reader.option("partitionColumn", "_part").option("lowerBound", str(stats["lo"]))
                  .option("upperBound", str(int(stats["hi"]) + 1)).option("numPartitions", str(parts)))
    schema = table.raw_schema()
    df = reader.load().select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields if f.name != EXTRACTED_AT],
        F.lit(extracted_at).cast("timestamp_ntz").alias(EXTRACTED_AT))
    df.write.mode("overwrite").option("compression", "snappy").parquet(lake.spark_path(out_uri))
    log.info("extracted %s: %d rows in %d partition(s) since %s", table.name, rows, parts,
             since.isoformat() if since else "the beginning")
    return {"since": since.isoformat() if since else None, "rows": rows, "partitions": parts,
            "high_water": stats["hw"].isoformat(timespec="microseconds") if stats["hw"] else None,
            "extracted_until": stats["db_now"].isoformat(timespec="microseconds")}


def extraction_start(pg: PgSettings, mark: dict | None, *, has_base: bool) -> datetime | None:
    """Where a table's extract starts (rows with updated_at after it are read): everything on a
    full refresh or when no snapshot exists to build on (first run; --since is then ignored, a
    partial extract cannot stand for the whole table); else --since; else the watermark minus
    the safety window, which must exceed the longest write transaction of the source (a row
    stamped at its transaction's start becomes visible only at its commit); everything when no
    watermark was stored yet.

    Only rows stamped within the window before the previous extraction (database clock,
    ``extracted_until``) can have been invisible to it, so the start is the earlier of the
    high water and that moment minus the window: a table whose rows all predate the previous
    extraction by more than the window is not re-read at all (before, every row stamped within
    the window of the high water was, which is every row of a table loaded in one go)."""
    if pg.full_refresh or not has_base:
        return None
    if pg.since:
        return pg.since
    if not mark or not mark.get("high_water"):
        return None
    high = datetime.fromisoformat(mark["high_water"])
    if mark.get("extracted_until"):
        return min(high, datetime.fromisoformat(mark["extracted_until"]) - pg.overlap)
    return high - pg.overlap


def in_parallel(fn: Callable[[str], T], names: Sequence[str]) -> list[T]:
    """``fn`` over ``names`` in a few threads (small Spark jobs are latency-bound: running them side
    by side uses the cores); results in the order of ``names``, the first error re-raised."""
    if len(names) == 1:
        return [fn(names[0])]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_TABLES, len(names))) as pool:
        return list(pool.map(fn, names))


def _input(source: str, uri: str, original: str, size: int) -> InputFile:
    return InputFile(source=source, uri=uri, original_uri=original, size=size, sha256=lake.sha256(uri))


def read_table(spark: SparkSession, files: list[str], table: SourceTable) -> DataFrame:
    """Landed extract or snapshot files of one table, with its explicit raw schema."""
    schema = table.raw_schema()
    if not files:
        return spark.createDataFrame([], schema)
    return spark.read.schema(schema).parquet(*[lake.spark_path(f) for f in files])


# ---- incremental state ----


@dataclass(frozen=True)
class IncrementalState:
    """One pipeline's extraction state in the lake (see the module docstring)."""

    layout: LakeLayout
    pipeline: str

    def extract_record(self, run_id: str) -> str:
        return self.layout.state(self.pipeline, "extracts", f"{run_id}.json")

    def snapshot_index(self, run_id: str) -> str:
        return self.layout.state(self.pipeline, "snapshots", f"{run_id}.json")

    def snapshot(self, run_id: str, table: str) -> str:
        return self.layout.state(self.pipeline, "snapshot", f"run_id={run_id}", table)

    @property
    def watermarks_uri(self) -> str:
        return self.layout.state(self.pipeline, "watermarks.json")

    def watermarks(self) -> dict[str, dict]:
        uri = self.watermarks_uri
        return json.loads(lake.read_text(uri))["tables"] if lake.exists(uri) else {}

    def base_snapshot(self) -> tuple[str, dict[str, list[dict]]] | None:
        """The snapshot of the latest published run: (run id, table -> files), or None (full run)."""
        runs = published_runs(self.layout, self.pipeline)
        if not runs:
            return None
        index = self.snapshot_index(runs[-1].run_id)
        if not lake.exists(index):
            log.warning("published run %s has no snapshot index: extracting everything", runs[-1].run_id)
            return None
        return runs[-1].run_id, json.loads(lake.read_text(index))["tables"]

    def write_snapshot_index(self, run_id: str, tables: dict[str, list[dict]]) -> None:
        lake.write_text(self.snapshot_index(run_id), json.dumps({"run_id": run_id, "tables": tables}, indent=2))

    def advance(self, manifest: RunManifest) -> None:
        """Advance each table's watermark to the newest change the loaded run extracted (never
        backwards). Called once the run's load committed, for every published run: idempotent."""
        record_uri = self.extract_record(manifest.run_id)
        if not lake.exists(record_uri):
            return
        record = json.loads(lake.read_text(record_uri))
        marks = self.watermarks()
        moved = False
        for table, info in record["tables"].items():
            high, until = info.get("high_water"), info.get("extracted_until")
            mark = marks.get(table, {})
            if high and (not mark or high > mark["high_water"]
                         or (until and until > (mark.get("extracted_until") or ""))):
                marks[table] = {"high_water": max(high, mark.get("high_water", high)), "extracted_until": until,
                                "run_id": manifest.run_id}
                moved = True
        if moved:
            lake.write_text(self.watermarks_uri, json.dumps(
                {"pipeline": self.pipeline, "updated_at": datetime.now(UTC).isoformat(), "tables": marks}, indent=2))
            log.info("[%s] watermarks advanced: %s", manifest.run_id,
                     ", ".join(f"{t} {m['high_water']}" for t, m in sorted(marks.items())))


def extract_changed(spark: SparkSession, pg: PgSettings, state: IncrementalState, *, run_id: str,
                    raw_dir: str, tables: Mapping[str, SourceTable],
                    waves: Sequence[Sequence[str]]) -> list[InputFile]:
    """Extract every table's changed rows into ``raw_dir/<table>/`` and return the landed files
    plus the base snapshot files each table builds on (sources ``<table>`` and
    ``snapshot/<table>``). Tables are read wave after wave (children before parents, so a child
    row visible when its table is read has its parent committed), the tables of one wave
    concurrently. Writes the run's extract record; fails before the caller writes the landing
    (so nothing becomes visible) when the database is unreachable or a read fails, with the
    database's own first line of the error."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    check_reachable(pg)
    base = None if pg.full_refresh else state.base_snapshot()
    marks = state.watermarks() if base else {}
    extracted_at = datetime.now(UTC).replace(tzinfo=None)
    record: dict = {"run_id": run_id, "source": pg.describe(), "base_snapshot_run": base[0] if base else None,
                    "full": base is None, "extracted_at": extracted_at.isoformat(), "tables": {}}
    log.info("[%s] extracting from %s (%s)", run_id, pg.describe(),
             f"building on run {base[0]}" if base else "full extract")

    def extract(name: str) -> list[InputFile]:
        base_files = (base[1].get(name) if base else None) or []
        since = extraction_start(pg, marks.get(name), has_base=bool(base_files))
        out_uri = lake.join(raw_dir, name)
        try:
            info = extract_table(spark, pg, tables[name], since=since, out_uri=out_uri, extracted_at=extracted_at)
        except (Py4JJavaError, CapturedException) as exc:  # the database's own words, one line
            raise InputError(f"extracting {pg.schema}.{name} from {pg.describe()} failed: {one_line(exc)}") from exc
        if not info["high_water"] and marks.get(name):  # nothing changed: keep the old watermark
            info["high_water"] = marks[name].get("high_water")
        record["tables"][name] = info
        return ([_input(name, f.uri, pg.describe(name, since), f.size) for f in lake.list_files(out_uri, ".parquet")]
                + [_input(SNAPSHOT_SOURCE + name, f["uri"], f"snapshot of run {base[0]}", f["size"])
                   for f in base_files])

    inputs: list[InputFile] = []
    for wave in waves:
        for files in in_parallel(extract, list(wave)):
            inputs += files
    order = [name for wave in waves for name in wave]
    record["tables"] = {name: record["tables"][name] for name in order}
    lake.write_text(state.extract_record(run_id), json.dumps(record, indent=2))
    return inputs


# ---- the embedded default: a throwaway local server ----

SERVER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres.sh"


@contextmanager
def embedded_server(settings: PgSettings, *, name: str) -> Iterator[PgSettings]:
    """A local PostgreSQL for a run that names no server (the laptop default): started with the
    project's own ``scripts/postgres.sh`` (which installs Debian's server package where it is
    missing) with its data in ``/tmp/constellation-pg-embedded.<name>/``, and stopped when the
    block ends. The data outlives the server, so the next run starts it again on the same
    database (and extracts only what changed). Yields ``settings`` pointing at it."""
    if not SERVER_SCRIPT.exists():
        raise ConfigError("no PostgreSQL server given and no local one can be started here "
                          f"({SERVER_SCRIPT} is absent): give --pg-host or CONSTELLATION_PG_HOST")
    base = Path(tempfile.gettempdir()) / f"constellation-pg-embedded.{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSTELLATION_PG_")}
    env |= {"CONSTELLATION_PG_STATE": f"{base}.state", "CONSTELLATION_PG_DATA_DIR": str(base)}
    log.info("no PostgreSQL server given: starting the embedded one (data in %s)", base)
    started = subprocess.run([str(SERVER_SCRIPT), "start"], env=env, capture_output=True, text=True)
    if started.returncode != 0:
        last = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"could not start the embedded PostgreSQL ({SERVER_SCRIPT} start: {last}); "
                         "give --pg-host to use a server of your own")
    exported = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
                    if line.startswith("export "))
    try:
        yield replace(settings, host=exported["CONSTELLATION_PG_HOST"], port=int(exported["CONSTELLATION_PG_PORT"]),
                      user=exported["CONSTELLATION_PG_USER"], database=exported["CONSTELLATION_PG_DB"], password=None)
    finally:
        subprocess.run([str(SERVER_SCRIPT), "stop"], env=env, capture_output=True, text=True)
        log.info("embedded PostgreSQL stopped (its data stays in %s for the next run)", base)
