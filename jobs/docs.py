"""Render docs/data-dictionary.md from the table specs of every registered pipeline.

    python -m jobs.docs            # rewrite the file
    python -m jobs.docs --check    # exit 1 if the committed file is stale (the test suite runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobs import pipelines
from schemas.common import DIM_DATE, LOAD_LEDGER
from schemas.ddl import data_dictionary

TARGET = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def render() -> str:
    parts = ["# Data dictionary\n",
             "Generated from the table specs in `schemas/` by `python -m jobs.docs`; do not edit by hand.\n",
             "## Shared\n", data_dictionary([DIM_DATE, LOAD_LEDGER])]
    for p in pipelines.all_pipelines():
        views = ", ".join(f"`{v}`" for v in p.views)
        parts += [f"## {p.name}\n", f"{p.description}. Views: {views}.\n",
                  data_dictionary([t for t in p.tables if t.name != DIM_DATE.name])]
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
