"""Per-table row count and content checksum of a DuckDB warehouse, for comparing two builds
(before and after a change, a crashed-and-rerun build against a clean one).

    .venv/bin/python -m jobs.checksum warehouse.duckdb [--exclude-column run_id ...]

The checksum is order-independent (sum of a 64-bit hash of every row, modulo 2^64). The load
ledger is left out: it records run ids and load times, which differ between any two builds.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

SKIP_TABLES = {"load_ledger"}


def checksums(path: str, exclude: set[str] = frozenset()) -> dict[str, tuple[int, int]]:
    """table -> (rows, checksum) of every base table but the ledger."""
    con = duckdb.connect(path, read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by table_name").fetchall()]
        out = {}
        for table in tables:
            if table in SKIP_TABLES:
                continue
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position", [table]).fetchall() if r[0] not in exclude]
            row = ", ".join(f'"{c}"' for c in cols)
            n, h = con.execute(
                f'select count(*), coalesce(sum(hash({row})::hugeint) % 18446744073709551616, 0) '
                f'from "{table}"').fetchone()
            out[table] = (int(n), int(h))
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("warehouse")
    p.add_argument("--exclude-column", action="append", default=[])
    args = p.parse_args(argv)
    for table, (n, h) in checksums(args.warehouse, set(args.exclude_column)).items():
        print(f"{table:<32} {n:>12,} rows  checksum {h:020d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
