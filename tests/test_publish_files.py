"""The file layout of a partitioned table (jobs.publish.write_table): every partition is written by
one task, so it gets full files of MAX_ROWS_PER_FILE rows and one smaller last file, not a small
file from every input task that touched it (Redshift COPY and readers want 64 MB-1 GB files)."""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq

from jobs import publish
from schemas.spec import Column, TableSpec

SPEC = TableSpec(
    name="fact_demo",
    grain="one row per id",
    columns=(Column("id", "bigint", False), Column("month", "int", False)),
    primary_key=("id",),
    partition_by=("month",),
    load_mode="replace_partitions",
    audit=False,
)


def _rows_per_file(folder) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for f in sorted(folder.rglob("*.parquet")):
        found.setdefault(f.parent.name, []).append(pq.ParquetFile(f).metadata.num_rows)
    return {k: sorted(v, reverse=True) for k, v in found.items()}


def _spread_input(spark, months: dict[int, int]):
    """Rows of each month scattered over 6 input partitions (as rows of a month arrive from
    many input splits)."""
    rows = [(i, m) for m, n in months.items() for i in range(m * 1000, m * 1000 + n)]
    return spark.createDataFrame(rows, "id bigint, month int").repartition(6)


def test_each_partition_is_one_file_from_scattered_input(spark, tmp_path):
    df = _spread_input(spark, {1: 40, 2: 25, 3: 7})
    assert df.rdd.getNumPartitions() == 6
    files = publish.write_table(df, SPEC, str(tmp_path / "t"))
    # By hand: one file per month, holding all of its rows.
    assert _rows_per_file(tmp_path / "t") == {"p_month=1": [40], "p_month=2": [25], "p_month=3": [7]}
    assert len(files) == 3


def test_a_large_partition_is_split_into_full_files_and_one_last(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "MAX_ROWS_PER_FILE", 10)
    df = _spread_input(spark, {1: 25, 2: 10, 3: 3})
    publish.write_table(df, SPEC, str(tmp_path / "t"))
    assert _rows_per_file(tmp_path / "t") == {"p_month=1": [10, 10, 5], "p_month=2": [10], "p_month=3": [3]}


def test_the_layout_keeps_every_row(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "MAX_ROWS_PER_FILE", 10)
    df = _spread_input(spark, {1: 25, 2: 10, 3: 3})
    publish.write_table(df, SPEC, str(tmp_path / "t"))
    back = spark.read.parquet(str(tmp_path / "t")).collect()
    assert Counter((r["id"], r["month"]) for r in back) == Counter(
        (i, m) for m, n in {1: 25, 2: 10, 3: 3}.items() for i in range(m * 1000, m * 1000 + n))


def test_small_tables_stay_one_task(spark, tmp_path):
    df = _spread_input(spark, {1: 4, 2: 5})
    publish.write_table(df, SPEC, str(tmp_path / "t"), small=True)
    assert _rows_per_file(tmp_path / "t") == {"p_month=1": [4], "p_month=2": [5]}


def test_the_jobs_session_splits_file_scans_into_four_tasks_a_core(spark, tmp_path):
    # 5 MB a task wanted, above Spark's 4 MB open cost (its floor for a split): 4 tasks a core,
    # where Spark's own default gives one a core for a file this size
    from jobs.spark import get_spark

    session = get_spark()
    cores = session.sparkContext.defaultParallelism
    assert session.conf.get("spark.sql.files.minPartitionNum") == str(4 * cores)
    path = tmp_path / "lines.txt"
    path.write_text(("y" * 99 + "\n") * (4 * cores * 50_000))
    assert session.read.text(str(path)).rdd.getNumPartitions() >= 4 * cores
