"""CLI: ``python -m samples <pipeline> --scale S --out DIR [--seed N]``.

One subcommand per pipeline in the registry (jobs.pipelines): a pipeline's sample generator is
part of its registry entry. Prints one line per file written with its data-row count.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from jobs import pipelines as registry


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one subcommand per pipeline."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--scale", type=float, default=0.01,
                        help="fraction of the real dataset's volume (default 0.01)")
    common.add_argument("--out", type=Path, required=True, help="output directory (created)")
    common.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser = argparse.ArgumentParser(
        prog="python -m samples", description="Generate deterministic sample data.")
    sub = parser.add_subparsers(dest="dataset", required=True, metavar="PIPELINE")
    for pipeline in registry.all_pipelines():
        sub.add_parser(pipeline.name, parents=[common], help=pipeline.sample.help,
                       description=pipeline.sample.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.scale <= 0:
        print("error: --scale must be positive", file=sys.stderr)
        return 2
    written = registry.get(args.dataset).sample(args.out, scale=args.scale, seed=args.seed)
    for name, (path, rows) in written.items():
        print(f"{name}: {rows} rows -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
