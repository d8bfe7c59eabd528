"""Render docs/data-dictionary.md from the table specs of every registered pipeline.

    python -m jobs.docs            # rewrite the file
    python -m jobs.docs --check    # exit 1 if the committed file is stale (the test suite runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobs import pipelines
from schemas.common import DIM_DATE, LOAD_LEDGER, QUARANTINE
from schemas.ddl import create_table, data_dictionary, raw_dictionary

TARGET = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def view_columns() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(pipeline, view) -> its columns and DuckDB types: every table created empty in an
    in-memory DuckDB, every view created over them, then described."""
    import duckdb

    from jobs.warehouse import view_sql

    con = duckdb.connect()
    everything = pipelines.all_pipelines()
    for spec in {t.name: t for p in everything for t in (*p.warehouse_tables, LOAD_LEDGER)}.values():
        con.execute(create_table(spec, "duckdb"))
    out = {}
    for p in everything:
        for view in p.views:
            con.execute(view_sql(p.name, view))
            out[(p.name, view)] = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {view}").fetchall()]
    con.close()
    return out


def _view_comment(pipeline: str, view: str) -> str:
    from jobs.warehouse import view_sql

    lines = []
    for line in view_sql(pipeline, view).splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(lines)


def render() -> str:
    parts = ["# Data dictionary\n",
             "Generated from the specs in `schemas/` (raw source layouts, warehouse tables) and the view SQL "
             "in `schemas/sql/` by `python -m jobs.docs`; do not edit by hand.\n",
             "## Shared\n", data_dictionary([DIM_DATE, LOAD_LEDGER, QUARANTINE])]
    columns = view_columns()
    for p in pipelines.all_pipelines():
        views = ", ".join(f"`{v}`" for v in p.views)
        parts += [f"## {p.name}\n", f"{p.description}. Views: {views}.\n",
                  data_dictionary([t for t in p.tables if t.name != DIM_DATE.name])]
        if p.sources:
            parts += [f"### {p.name}: raw sources\n", raw_dictionary(list(p.sources))]
        for view in p.views:
            comment = _view_comment(p.name, view)
            parts.append(f"### view `{view}`\n")
            if comment:
                parts.append(comment + "\n")
            parts.append("| column | type |\n|---|---|")
            parts += [f"| {name} | {kind} |" for name, kind in columns[(p.name, view)]]
            parts.append("")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run python -m jobs.docs", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
