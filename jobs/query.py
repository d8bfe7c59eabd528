"""``./constellation query WAREHOUSE.duckdb "SQL"``: one query on a DuckDB warehouse, opened
read-only (a read-write connection would block the next load), printed as a table."""

from __future__ import annotations

import sys
from pathlib import Path

from jobs.config import user_path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print('usage: ./constellation query WAREHOUSE.duckdb "SQL"', file=sys.stderr)
        return 2
    import duckdb

    path = user_path(argv[0])
    if not Path(path).exists():
        print(f"error: no warehouse at {path}: run a pipeline first (./spark-submit.sh flights)", file=sys.stderr)
        return 2
    con = duckdb.connect(path, read_only=True)
    try:
        con.sql(argv[1]).show(max_rows=50)
    except duckdb.Error as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
