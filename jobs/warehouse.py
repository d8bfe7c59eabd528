"""Warehouse loaders: the same load protocol rendered for DuckDB (run here) and Redshift.

A run's tables load in **one** transaction, so readers see a run entirely or not at all: first
the schema-drift additions (new nullable columns of a spec, ``ALTER TABLE … ADD COLUMN``), then
per table: stage the manifest's files -> replace or merge into the target -> record the load in
``load_ledger``. Loading a run the ledger already holds is a no-op; a crash leaves every table as
it was. A run that cannot be loaded (a file gone, the warehouse refusing it) is recorded as
failed in the ledger, with the reason, and skipped by later loads until retried by its run id:
one broken run never blocks the newer ones. Redshift gets ``CREATE TEMP TABLE … (LIKE …)`` +
``COPY … FORMAT AS PARQUET MANIFEST`` and DELETE + INSERT, never TRUNCATE (it commits immediately
and would expose an empty table).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Literal, Protocol

from jobs.config import RedshiftSettings
from jobs.faults import crash_point
from jobs.manifest import RunManifest, TableOutput
from schemas.common import LOAD_LEDGER
from schemas.ddl import column_list, create_table, qualified
from schemas.spec import VALID_FROM, VALID_TO, TableSpec

log = logging.getLogger(__name__)
Dialect = Literal["duckdb", "redshift"]


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class TableLoad:
    """The statements that load one table of one run; executed as one transaction."""

    table: str
    statements: list[str]


def view_sql(pipeline: str, view: str) -> str:
    """The view's SQL file, shipped inside the package (works from the --py-files zip too)."""
    text = resources.files("schemas").joinpath("sql", pipeline, f"{view}.sql").read_text(encoding="utf-8")
    return text.strip().rstrip(";")


def stage_name(table: str) -> str:
    return f"stage_{table}"


def _stage_statements(spec: TableSpec, out: TableOutput, dialect: Dialect, schema: str | None,
                      iam_role: str | None) -> list[str]:
    cols = column_list(spec)
    if dialect == "duckdb":
        # A view over the manifest's files: DuckDB reads Parquet directly, so copying the rows
        # into a temporary table first would only add a pass (measured: 5.8 M rows 20 s -> 10 s).
        files = ", ".join(quote_literal(f["uri"]) for f in out.files)
        return [f"CREATE TEMP VIEW {stage_name(spec.name)} AS SELECT {cols} "
                f"FROM read_parquet([{files}], hive_partitioning = false)"]
    return [
        f"CREATE TEMP TABLE {stage_name(spec.name)} (LIKE {qualified(spec, schema)})",
        f"COPY {stage_name(spec.name)} ({cols}) FROM {quote_literal(out.copy_manifest)} "
        f"IAM_ROLE {quote_literal(iam_role or '')} FORMAT AS PARQUET MANIFEST",
    ]


def _replace_statement(spec: TableSpec, mode: str, schema: str | None) -> str:
    target, stage = qualified(spec, schema), stage_name(spec.name)
    if mode == "replace_all":
        return f"DELETE FROM {target}"
    if mode == "replace_partitions":
        cols = ", ".join(spec.partition_by)
        return f"DELETE FROM {target} WHERE ({cols}) IN (SELECT DISTINCT {cols} FROM {stage})"
    match = " AND ".join(f"{stage}.{k} = {target}.{k}" for k in spec.primary_key)
    return f"DELETE FROM {target} WHERE EXISTS (SELECT 1 FROM {stage} WHERE {match})"


def _timestamp(moment: datetime) -> str:
    return f"CAST({quote_literal(moment.isoformat(sep=' ', timespec='seconds'))} AS TIMESTAMP)"


def ledger_insert(manifest: RunManifest, table: str, load_mode: str, rows: int, loaded_at: datetime, *,
                  schema: str | None, status: str = "loaded", error: str | None = None) -> str:
    values = ", ".join([
        quote_literal(manifest.run_id), quote_literal(manifest.pipeline), quote_literal(table),
        quote_literal(load_mode), str(int(rows)), quote_literal(manifest.uri), _timestamp(loaded_at),
        quote_literal(status), quote_literal(error[:1000]) if error else "NULL",
    ])
    return f"INSERT INTO {qualified(LOAD_LEDGER, schema)} ({column_list(LOAD_LEDGER)}) VALUES ({values})"


FAILED_RUN = "*"  # the ledger's table_name of a run that could not be loaded


# ---- history (SCD2) ----

HISTORY_REFUSED = "history load refused"
"""Marker of the text the history guards make the warehouse raise (see history_statements)."""


class HistoryLoadRefused(RuntimeError):
    """A history load was refused inside its transaction, which rolled back: nothing changed."""


def _null_safe_equal(left: str, right: str, column: str) -> str:
    # Portable: Redshift has no IS NOT DISTINCT FROM. A null value flagged ':' is a real cell.
    a, b = f"{left}.{column}", f"{right}.{column}"
    return f"({a} = {b} OR ({a} IS NULL AND {b} IS NULL))"


def _text(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR)"


def _refuse(message_sql: str) -> str:
    """A SELECT that fails with ``message_sql`` as its error text for every row it returns (and
    does nothing when it returns none): casting the message to an integer is the one way to raise
    an error from plain SQL that DuckDB and Redshift share. The message depends on row values,
    so no optimizer can fold it into a constant and fail a load that should pass."""
    return f"SELECT CAST({quote_literal(HISTORY_REFUSED + ': ')} || {message_sql} AS INTEGER)"


def history_statements(spec: TableSpec, schema: str | None) -> list[str]:
    """Apply one vintage (every stage row has the same ``valid_from`` V) to a history table.

    In order: refuse a stage holding several vintages; refuse V when a row of the same scope
    already starts or ends after V (an older vintage never rewrites newer history); replace what
    an earlier load of V itself opened and V no longer says (a re-published vintage); close the
    current versions V changed or no longer contains (``valid_to = V``, only within the scopes V
    covers); insert the cells with no identical current version (``valid_from = V``). Unchanged
    cells create nothing, so rerunning V changes nothing. "Identical" compares
    ``spec.history_compared_columns`` null-safely on the same natural key. Every statement that
    compares or writes touches current versions only (``valid_to IS NULL``) and the stage, so
    its cost follows the vintage, not the stored history; the older-vintage guard reads the two
    date columns of the scope's rows, nothing else."""
    target, stage = qualified(spec, schema), stage_name(spec.name)
    vintage = f"(SELECT MAX({VALID_FROM}) FROM {stage})"
    scope = list(spec.history_scope)
    unchanged = " AND ".join([*(f"{stage}.{k} = {target}.{k}" for k in spec.natural_key),
                              *(_null_safe_equal(stage, target, c) for c in spec.history_compared_columns)])
    in_scope = (f"EXISTS (SELECT 1 FROM {stage} WHERE "
                + " AND ".join(f"{stage}.{k} = {target}.{k}" for k in scope) + ")"
                if scope else f"EXISTS (SELECT 1 FROM {stage})")
    current_left_behind = (f"{target}.{VALID_TO} IS NULL AND {in_scope} "
                           f"AND NOT EXISTS (SELECT 1 FROM {stage} WHERE {unchanged})")

    one_vintage = _refuse(
        f"{_text('v.vintages')} || ' vintages ({VALID_FROM} values) in one load of {spec.name}: "
        f"load one vintage per run, oldest first'"
    ) + f" FROM (SELECT COUNT(DISTINCT {VALID_FROM}) AS vintages FROM {stage}) AS v WHERE v.vintages > 1"
    scope_text = " || ', ' || ".join(f"'{k}=' || {_text(f'v.{k}')}" for k in scope) or "'the table'"
    scope_select = "".join(f"{k}, " for k in scope)
    joined = (f"INNER JOIN (SELECT {scope_select}MAX({VALID_FROM}) AS vintage FROM {stage} GROUP BY "
              + ", ".join(scope) + ") AS v ON " + " AND ".join(f"t.{k} = v.{k}" for k in scope)
              if scope else f"CROSS JOIN (SELECT MAX({VALID_FROM}) AS vintage FROM {stage}) AS v")
    not_older = _refuse(
        f"'{spec.name} vintage ' || {_text('v.vintage')} || ' is older than ' || "
        f"{_text(f'MAX(COALESCE(t.{VALID_TO}, t.{VALID_FROM}))')} || ', already loaded for ' || {scope_text}"
    ) + (f" FROM {target} AS t {joined} WHERE t.{VALID_FROM} > v.vintage OR t.{VALID_TO} > v.vintage"
         f" GROUP BY {''.join(f'v.{k}, ' for k in scope)}v.vintage")

    insert_cols = ", ".join("CAST(NULL AS DATE)" if c == VALID_TO else f"{stage}.{c}" for c in spec.column_names)
    return [
        one_vintage,
        not_older,
        f"DELETE FROM {target} WHERE {target}.{VALID_FROM} = {vintage} AND {current_left_behind}",
        f"UPDATE {target} SET {VALID_TO} = {vintage} WHERE {target}.{VALID_FROM} < {vintage} "
        f"AND {current_left_behind}",
        f"INSERT INTO {target} ({column_list(spec)}) SELECT {insert_cols} FROM {stage} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target} WHERE {target}.{VALID_TO} IS NULL AND {unchanged})",
    ]


def history_refusal(error: BaseException) -> HistoryLoadRefused | None:
    """The refusal a history guard raised, as its own error with the guard's message (the
    warehouse wraps it in a conversion error); None for any other error."""
    text = str(error)
    start = text.find(HISTORY_REFUSED)
    if start < 0:
        return None
    message = text[start:]
    for end in ("' to INT", '"', "'\n"):  # DuckDB: "... string '<msg>' to INT32"; Redshift: "...: \"<msg>\""
        if (cut := message.find(end)) > 0:
            message = message[:cut]
    return HistoryLoadRefused(message.strip())


def table_load(spec: TableSpec, manifest: RunManifest, dialect: Dialect, *, schema: str | None = None,
               iam_role: str | None = None, loaded_at: datetime | None = None) -> TableLoad:
    """Render the load of one table of a run (without BEGIN/COMMIT: the executor adds them).
    A table with no rows this run (an incremental run that changed nothing there, or an empty
    replacement a spec allows) stages nothing: only the replacement's DELETE and the ledger row."""
    out = manifest.tables[spec.name]
    loaded_at = (loaded_at or datetime.now(UTC)).replace(tzinfo=None)
    cols = column_list(spec)
    ledger = ledger_insert(manifest, spec.name, out.load_mode, out.rows, loaded_at, schema=schema)
    if not out.files:
        replace_all = [f"DELETE FROM {qualified(spec, schema)}"] if out.load_mode == "replace_all" else []
        return TableLoad(spec.name, [*replace_all, ledger])
    if out.load_mode == "history":
        apply = history_statements(spec, schema)
    else:
        apply = [_replace_statement(spec, out.load_mode, schema),
                 f"INSERT INTO {qualified(spec, schema)} ({cols}) SELECT {cols} FROM {stage_name(spec.name)}"]
    statements = [
        *_stage_statements(spec, out, dialect, schema, iam_role),
        *apply,
        ledger,
        f"DROP {'VIEW' if dialect == 'duckdb' else 'TABLE'} {stage_name(spec.name)}",
    ]
    return TableLoad(spec.name, statements)


# ---- schema drift: the live table against its spec ----


class LoadError(RuntimeError):
    """A run could not be loaded; the message says why in one line."""


class SampleOverRealError(LoadError):
    """A run of generated sample data would replace data loaded from the user's own source."""

    exit_code = 2


class SchemaDriftError(LoadError):
    """A live table differs from its spec in a way a load must not paper over."""


def live_columns_sql(spec: TableSpec, dialect: Dialect, schema: str | None) -> str:
    """The live table's columns in order, with what their type comparison needs."""
    if dialect == "duckdb":
        where = f"table_name = {quote_literal(spec.name)}"
        where += f" AND table_schema = {quote_literal(schema)}" if schema else " AND table_schema = current_schema()"
        return ("SELECT column_name, data_type, NULL, numeric_precision, numeric_scale "
                f"FROM information_schema.columns WHERE {where} ORDER BY ordinal_position")
    return ("SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale "
            f"FROM svv_columns WHERE table_schema = {quote_literal(schema or 'public')} "
            f"AND table_name = {quote_literal(spec.name)} ORDER BY ordinal_position")


_LIVE_TYPES = {
    "bigint": "BIGINT", "int8": "BIGINT", "integer": "INTEGER", "int4": "INTEGER", "int": "INTEGER",
    "smallint": "SMALLINT", "int2": "SMALLINT", "boolean": "BOOLEAN", "bool": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP", "timestamp without time zone": "TIMESTAMP", "double": "DOUBLE",
    "double precision": "DOUBLE", "float8": "DOUBLE",
}


def _live_type(data_type: str, length, precision, scale) -> str:
    """A live column's type in the spec's terms: VARCHAR(n) (Redshift; DuckDB keeps no length, so
    VARCHAR), DECIMAL(p,s), or the simple type."""
    text = str(data_type).lower()
    if text.startswith(("character varying", "varchar")):
        return f"VARCHAR({length})" if length else "VARCHAR"
    if text.startswith(("numeric", "decimal")):
        return f"DECIMAL({precision},{scale})"
    return _LIVE_TYPES.get(text, text.upper())


def _spec_type(logical: str, dialect: Dialect) -> str:
    from schemas.spec import warehouse_type

    rendered = warehouse_type(logical, "redshift").replace("DOUBLE PRECISION", "DOUBLE")
    if dialect == "duckdb" and rendered.startswith("VARCHAR"):
        return "VARCHAR"
    return rendered


def drift_statements(spec: TableSpec, live: list[tuple], dialect: Dialect, schema: str | None) -> list[str]:
    """``ALTER TABLE … ADD COLUMN`` for the spec's new nullable columns (appended: every COPY and
    INSERT names its columns, so the physical position does not matter). Raises
    SchemaDriftError naming every column whose type changed, that the spec dropped, that was
    reordered, or that is new but NOT NULL (existing rows have no value for it)."""
    if not live:
        return []  # created by this load's DDL just now (or a warehouse that cannot say)
    live_names = [row[0] for row in live]
    live_types = {row[0]: _live_type(*row[1:5]) for row in live}
    problems = [f"{name}: in the warehouse but not in the spec (dropped or renamed)"
                for name in live_names if name not in spec.column_names]
    for column in spec.columns:
        if column.name in live_types and live_types[column.name] != _spec_type(column.type, dialect):
            problems.append(f"{column.name}: {live_types[column.name]} in the warehouse, "
                            f"{_spec_type(column.type, dialect)} in the spec")
    kept = [c for c in spec.column_names if c in live_types]
    if kept != [n for n in live_names if n in spec.column_names]:
        problems.append(f"columns reordered: warehouse {[n for n in live_names if n in kept]}, spec {kept}")
    added = [c for c in spec.columns if c.name not in live_types]
    problems += [f"{c.name}: new in the spec but NOT NULL (existing rows have no value)" for c in added
                 if not c.nullable]
    if problems:
        raise SchemaDriftError(f"{qualified(spec, schema)} does not match its spec: " + "; ".join(problems)
                               + ". Migrate the table (or rebuild it) before loading.")
    from schemas.spec import warehouse_type

    return [f"ALTER TABLE {qualified(spec, schema)} ADD COLUMN {c.name} {warehouse_type(c.type, dialect)}"
            for c in added]


def ddl_statements(specs: Iterable[TableSpec], dialect: Dialect, schema: str | None = None) -> list[str]:
    out = [f"CREATE SCHEMA IF NOT EXISTS {schema}"] if schema else []
    return out + [create_table(s, dialect, schema) for s in (*specs, LOAD_LEDGER)]


def view_statements(pipeline: str, views: Iterable[str]) -> list[str]:
    return [view_sql(pipeline, v) for v in views]


# ---- execution ----


class Executor(Protocol):
    def run_transaction(self, statements: list[str]) -> None: ...
    def query(self, sql: str) -> list[tuple]: ...


class DuckDBExecutor:
    def __init__(self, path: str, *, read_only: bool = False):
        import duckdb

        self.path = path
        try:
            self.con = duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            holder = re.search(r"PID (\d+)", str(exc))
            who = f"process {holder[1]}" if holder else "another process"
            raise LoadError(
                f"the warehouse {path} is open in {who} (a read-write connection blocks loads): close it, or "
                "open it read-only for queries (duckdb.connect(path, read_only=True)), then run "
                "--steps load again. Nothing was loaded; the published runs wait.") from None

    def run_transaction(self, statements: list[str]) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for sql in statements:
                self.con.execute(sql)
            if any(sql.startswith("INSERT INTO") and "load_ledger" in sql for sql in statements):
                crash_point("load-before-commit")  # a run's data load, not the DDL
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def query(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple]]:
        result = self.con.execute(sql)
        return [d[0] for d in result.description], result.fetchall()

    def close(self) -> None:
        self.con.close()


BATCH_LIMIT = 40  # statements per Data API BatchExecuteStatement (API reference)
SESSION_SECONDS = 300  # a Data API session's idle lifetime between the statements of one load


def _field_value(field: dict):
    """A Data API result field ({"stringValue": …}, {"longValue": …}, {"isNull": true}) as Python."""
    if not field or field.get("isNull"):
        return None
    return next(iter(field.values()))


class RedshiftDataApiExecutor:
    """Runs each transaction as one Data API ``BatchExecuteStatement`` (a batch is a single
    transaction) and polls ``DescribeStatement`` until it ends."""

    def __init__(self, settings: RedshiftSettings, client=None, poll_seconds: float = 2.0):
        import boto3

        self.settings = settings
        self.client = client or boto3.client("redshift-data", region_name=settings.region)
        self.poll_seconds = poll_seconds

    def _target(self) -> dict:
        s = self.settings
        target = {"Database": s.database}
        target.update({"WorkgroupName": s.workgroup} if s.workgroup else {"ClusterIdentifier": s.cluster_id})
        if s.secret_arn:
            target["SecretArn"] = s.secret_arn
        elif s.user and not s.workgroup:
            target["DbUser"] = s.user
        return target

    def _wait(self, statement_id: str) -> dict:
        while True:
            desc = self.client.describe_statement(Id=statement_id)
            if desc["Status"] in ("FINISHED", "FAILED", "ABORTED"):
                if desc["Status"] != "FINISHED":
                    raise RuntimeError(f"Redshift statement {statement_id} {desc['Status']}: {desc.get('Error')}")
                return desc
            time.sleep(self.poll_seconds)

    def run_transaction(self, statements: list[str]) -> None:
        """One transaction: a single BatchExecuteStatement when it fits the API's statement limit,
        else one Data API session with explicit BEGIN … COMMIT (never several commits)."""
        sqls = [f"SET search_path TO {self.settings.schema}", *statements]
        if len(sqls) <= BATCH_LIMIT:
            resp = self.client.batch_execute_statement(Sqls=sqls, **self._target())
            self._wait(resp["Id"])
            return
        first = self.client.execute_statement(Sql="BEGIN", SessionKeepAliveSeconds=SESSION_SECONDS, **self._target())
        self._wait(first["Id"])
        session = first["SessionId"]
        try:
            for sql in [*sqls, "COMMIT"]:
                self._wait(self.client.execute_statement(Sql=sql, SessionId=session)["Id"])
        except BaseException:
            try:
                self._wait(self.client.execute_statement(Sql="ROLLBACK", SessionId=session)["Id"])
            finally:
                raise

    def query(self, sql: str) -> list[tuple]:
        resp = self.client.execute_statement(Sql=sql, **self._target())
        self._wait(resp["Id"])
        result = self.client.get_statement_result(Id=resp["Id"])
        return [tuple(_field_value(c) for c in rec) for rec in result["Records"]]

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple]]:
        resp = self.client.execute_statement(Sql=sql, **self._target())
        self._wait(resp["Id"])
        result = self.client.get_statement_result(Id=resp["Id"])
        rows = [tuple(_field_value(c) for c in rec) for rec in result["Records"]]
        return [c["name"] for c in result.get("ColumnMetadata", [])], rows


class RedshiftConnectorExecutor:
    """A direct connection (redshift_connector). The password comes from the Secrets Manager
    secret or CONSTELLATION_REDSHIFT_PASSWORD, never from a file or the command line."""

    def __init__(self, settings: RedshiftSettings):
        import os

        import redshift_connector

        from jobs.secret_store import secret_json

        user, password = settings.user, os.environ.get("CONSTELLATION_REDSHIFT_PASSWORD")
        if settings.secret_arn:
            secret = secret_json(settings.secret_arn, settings.region)
            user, password = secret.get("username", user), secret["password"]
        self.con = redshift_connector.connect(host=settings.host, port=settings.port,
                                              database=settings.database, user=user, password=password)
        self.con.autocommit = False
        self.schema = settings.schema

    def run_transaction(self, statements: list[str]) -> None:
        cur = self.con.cursor()
        try:
            cur.execute(f"SET search_path TO {self.schema}")
            for sql in statements:
                cur.execute(sql)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def query(self, sql: str) -> list[tuple]:
        cur = self.con.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple]]:
        cur = self.con.cursor()
        cur.execute(sql)
        return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


@dataclass
class LoadReport:
    run_id: str
    loaded: dict[str, int]
    skipped: list[str]
    error: str | None = None  # the run could not be loaded (recorded as failed in the ledger)


class WarehouseLoader:
    """Loads published runs into one warehouse through an executor and a dialect."""

    def __init__(self, executor: Executor, dialect: Dialect, *, schema: str | None = None,
                 iam_role: str | None = None):
        self.executor, self.dialect, self.schema, self.iam_role = executor, dialect, schema, iam_role

    def ensure_tables(self, specs: Iterable[TableSpec]) -> None:
        """Create missing tables; bring an older ledger up to its spec (new nullable columns)."""
        for sql in ddl_statements(specs, self.dialect, self.schema):
            self.executor.run_transaction([sql])
        if alters := self.drift(LOAD_LEDGER):
            self.executor.run_transaction(alters)

    def loaded(self, pipeline: str) -> dict[str, str]:
        """table -> newest run id loaded into it, from the ledger."""
        rows = self.executor.query(
            f"SELECT table_name, MAX(run_id) FROM {qualified(LOAD_LEDGER, self.schema)} "
            f"WHERE pipeline = {quote_literal(pipeline)} AND table_name <> {quote_literal(FAILED_RUN)} "
            "GROUP BY table_name")
        return {t: r for t, r in rows}

    def failed(self, pipeline: str) -> dict[str, str]:
        """run id -> why it could not be loaded, for runs that failed and were not loaded since."""
        ledger = qualified(LOAD_LEDGER, self.schema)
        rows = self.executor.query(
            f"SELECT run_id, error FROM {ledger} WHERE pipeline = {quote_literal(pipeline)} "
            f"AND table_name = {quote_literal(FAILED_RUN)} AND run_id NOT IN (SELECT run_id FROM {ledger} "
            f"WHERE pipeline = {quote_literal(pipeline)} AND table_name <> {quote_literal(FAILED_RUN)})")
        return {r: e for r, e in rows}

    def record_failure(self, manifest: RunManifest, error: str) -> None:
        """Mark a run failed (replacing an earlier failure record of it), in its own transaction."""
        ledger = qualified(LOAD_LEDGER, self.schema)
        self.executor.run_transaction([
            f"DELETE FROM {ledger} WHERE run_id = {quote_literal(manifest.run_id)} "
            f"AND table_name = {quote_literal(FAILED_RUN)}",
            ledger_insert(manifest, FAILED_RUN, "-", 0, datetime.now(UTC).replace(tzinfo=None),
                          schema=self.schema, status="failed", error=error),
        ])

    def drift(self, spec: TableSpec) -> list[str]:
        return drift_statements(spec, self.executor.query(live_columns_sql(spec, self.dialect, self.schema)),
                                self.dialect, self.schema)

    def load(self, manifest: RunManifest, specs: dict[str, TableSpec],
             view_requires: Mapping[str, tuple[str, ...]] | None = None) -> LoadReport:
        """Load every table of a run that is not yet loaded, all in one transaction; a table whose
        newest load is a later run is skipped (an older run must never overwrite newer data)."""
        newest = self.loaded(manifest.pipeline)
        report = LoadReport(manifest.run_id, {}, [])
        statements: list[str] = []
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        for name in manifest.tables:
            if newest.get(name, "") >= manifest.run_id:
                report.skipped.append(name)
                continue
            statements += self.drift(specs[name])
            statements += table_load(specs[name], manifest, self.dialect, schema=self.schema,
                                     iam_role=self.iam_role, loaded_at=loaded_at).statements
            report.loaded[name] = manifest.tables[name].rows
        if statements:
            log.info("[%s] loading %s in one transaction", manifest.run_id,
                     ", ".join(f"{t} ({manifest.tables[t].load_mode}, {n:,} rows)" for t, n in report.loaded.items()))
            try:
                self.executor.run_transaction(statements)
            except Exception as error:
                if refusal := history_refusal(error):
                    raise refusal from error
                raise
        if views := self.creatable_views(manifest, view_requires or {}):
            self.executor.run_transaction(view_statements(manifest.pipeline, views))
        return report

    def existing_relations(self, names: Iterable[str]) -> set[str]:
        """Which of these tables or views exist in the warehouse schema."""
        names = sorted(set(names))
        if not names:
            return set()
        schema = quote_literal(self.schema) if self.schema else "current_schema()"
        rows = self.executor.query(
            f"SELECT table_name FROM information_schema.tables WHERE table_schema = {schema} "
            f"AND table_name IN ({', '.join(quote_literal(n) for n in names)})")
        return {r[0] for r in rows}

    def creatable_views(self, manifest: RunManifest, view_requires: Mapping[str, tuple[str, ...]]) -> list[str]:
        """The run's views whose tables of other pipelines exist; the others are logged, not
        created (a view over an absent table would fail the load)."""
        present = self.existing_relations(t for v in manifest.views for t in view_requires.get(v, ()))
        views = []
        for view in manifest.views:
            if absent := [t for t in view_requires.get(view, ()) if t not in present]:
                log.warning("[%s] view %s not created: it needs %s, not in the warehouse yet (load the pipeline "
                            "that owns them, then load %s again)", manifest.run_id, view, ", ".join(absent),
                            manifest.pipeline)
            else:
                views.append(view)
        return views
