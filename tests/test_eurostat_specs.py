"""The contracts: what the history load mode demands of a table spec, and the eurostat specs'
DDL on both warehouses (DuckDB executed, Redshift parsed with sqlglot)."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest
import sqlglot

from jobs.warehouse import ddl_statements
from schemas import eurostat
from schemas.spec import Column, TableSpec

HISTORY = TableSpec(
    name="h",
    grain="One row per version of a cell.",
    columns=(
        Column("cell_key", "bigint", False), Column("code", "varchar(8)", False), Column("value", "double"),
        Column("valid_from", "date", False), Column("valid_to", "date", True),
    ),
    primary_key=("cell_key", "valid_from"),
    natural_key=("code",),
    load_mode="history",
)


def test_a_history_spec_compares_every_column_outside_keys_and_validity_by_default():
    assert HISTORY.history_compared_columns == ("value",)
    assert replace(HISTORY, history_compare=("value",)).history_compared_columns == ("value",)


@pytest.mark.parametrize("change, message", [
    ({"natural_key": ()}, "needs a natural key"),
    ({"columns": tuple(c for c in HISTORY.columns if c.name != "valid_to")}, "needs a valid_to column"),
    ({"columns": (*HISTORY.columns[:3], Column("valid_from", "date", True), HISTORY.columns[4])},
     "valid_from must be a NOT NULL date"),
    ({"primary_key": ("cell_key",)}, "primary key must include valid_from"),
    ({"history_scope": ("value",)}, "history_scope must be natural key columns"),
    ({"history_compare": ("code",)}, "cannot compare key or validity columns"),
    ({"history_compare": ("nope",)}, "unknown columns"),
    ({"columns": (Column("cell_key", "bigint", False), Column("code", "varchar(8)", True),
                  *HISTORY.columns[2:])}, "natural key columns must be NOT NULL"),
], ids=["no natural key", "no valid_to", "nullable valid_from", "key without valid_from", "scope not a key",
        "compares a key", "unknown compare column", "nullable key part"])
def test_an_incomplete_history_spec_is_refused_with_the_reason(change, message):
    with pytest.raises(ValueError, match=message):
        replace(HISTORY, **change)


def test_history_settings_on_a_table_that_is_not_history_are_refused():
    with pytest.raises(ValueError, match="need load_mode history"):
        replace(HISTORY, load_mode="merge", history_scope=("code",))


def test_the_eurostat_facts_compare_value_and_flags_within_their_dataset():
    for spec in (eurostat.FACT_EUROSTAT_POPULATION, eurostat.FACT_EUROSTAT_INDICATOR):
        assert spec.load_mode == "history" and spec.history_compared_columns == ("value", "flags")
        assert spec.history_scope == ("dataset",) and spec.natural_key[0] == "dataset"
        assert "time_period" in spec.natural_key and "geo_code" in spec.natural_key


def test_every_eurostat_table_creates_on_duckdb_and_parses_as_redshift_ddl():
    con = duckdb.connect()
    for sql in ddl_statements(eurostat.TABLES, "duckdb"):
        con.execute(sql)
    for sql in ddl_statements(eurostat.TABLES, "redshift", "analytics")[1:]:
        sqlglot.parse_one(sql.split("\nDISTSTYLE")[0], read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    assert "DISTKEY (geo_code)" in ddl_statements([eurostat.FACT_EUROSTAT_POPULATION], "redshift")[0]
