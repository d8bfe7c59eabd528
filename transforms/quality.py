"""Quality rules compiled from table specs (DESIGN.md §6): pure Column expressions and
DataFrames. jobs.quality evaluates them (one aggregation pass per table) and gates the publish."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.spec import (
    UNKNOWN_KEY,
    AcceptedValues,
    Expression,
    InRange,
    Severity,
    TableSpec,
    varchar_bytes,
)


@dataclass(frozen=True)
class RowRule:
    """A rule checked row by row: ``violated`` is true for an offending row."""

    table: str
    rule: str
    severity: Severity
    violated: Column


@dataclass
class QualityResult:
    table: str
    rule: str
    severity: Severity
    failed_rows: int
    sample: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.failed_rows == 0

    @property
    def blocks(self) -> bool:
        return self.severity == "blocking" and not self.passed

    def describe(self, *, warnings_block: bool = False) -> str:
        """One line; ``warnings_block``: a failed warning rule is reported as what stopped the run
        (--fail-on-warnings)."""
        status = "ok" if self.passed else (
            "FAILED" if self.blocks else ("FAILED (--fail-on-warnings)" if warnings_block else "warning"))
        text = f"{self.table}: {self.rule} [{self.severity}] {status}"
        if not self.passed:
            text += f" ({self.failed_rows} rows"
            text += f"; e.g. {', '.join(self.sample)})" if self.sample else ")"
        return text + (f" — {self.note}" if self.note else "")


def _check_rule(spec: TableSpec, check: AcceptedValues | InRange | Expression) -> RowRule:
    if isinstance(check, AcceptedValues):
        c = F.col(check.column)
        violated = c.isNotNull() & ~c.isin(*check.values)
    elif isinstance(check, InRange):
        c = F.col(check.column)
        too_low = c < check.min if check.min is not None else F.lit(False)
        too_high = c > check.max if check.max is not None else F.lit(False)
        violated = c.isNotNull() & (too_low | too_high)
    else:
        violated = ~F.coalesce(F.expr(check.sql), F.lit(True))
    return RowRule(spec.name, check.name, check.severity, violated)


def row_rules(spec: TableSpec) -> list[RowRule]:
    """Every row-level rule of a table: declared NOT NULLs, Redshift VARCHAR byte lengths,
    unresolved foreign keys (counted, as a warning: the row points at the unknown member)
    and the spec's own checks."""
    rules = [
        RowRule(spec.name, f"not_null({c.name})", "blocking", F.col(c.name).isNull())
        for c in spec.columns if not c.nullable
    ]
    for c in spec.content_columns:  # the run_id audit column is the write path's own, within its limit
        if (limit := varchar_bytes(c.type)) is not None:
            rules.append(RowRule(spec.name, f"max_bytes({c.name}, {limit})", "blocking",
                                 F.coalesce(F.octet_length(c.name) > limit, F.lit(False))))
    # A dimension's own unknown member (surrogate key -1) points at unknown members by design.
    own_unknown = (F.col(spec.primary_key[0]) == UNKNOWN_KEY
                   if len(spec.primary_key) == 1 and spec.column(spec.primary_key[0]).type in ("bigint", "int")
                   else F.lit(False))
    for fk in spec.foreign_keys:
        rules.append(RowRule(spec.name, f"resolved({fk.column} -> {fk.table})", "warning",
                             F.coalesce((F.col(fk.column) == UNKNOWN_KEY) & ~own_unknown, F.lit(False))))
    rules.extend(_check_rule(spec, check) for check in spec.checks)
    return rules


def duplicated_keys(df: DataFrame, key: tuple[str, ...]) -> DataFrame:
    """One row per key value that occurs more than once, with its count."""
    return df.groupBy(*key).count().filter(F.col("count") > 1)


def reconciliation(source: str, rows_in: int, rows_out: int, rows_quarantined: int) -> QualityResult:
    """Every row read is loaded or quarantined: rows_in = rows_out + rows_quarantined."""
    missing = rows_in - rows_out - rows_quarantined
    return QualityResult(
        table=source, rule="reconciliation(rows_in = rows_out + rows_quarantined)",
        severity="blocking", failed_rows=abs(missing),
        note=f"in {rows_in}, out {rows_out}, quarantined {rows_quarantined}",
    )
