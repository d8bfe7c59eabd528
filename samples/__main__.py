"""CLI: ``python -m samples <dataset> --scale S --out DIR [--seed N]``.

One subcommand per dataset; add a dataset by adding an entry to ``DATASETS``.
Prints one line per file written with its data-row count.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from samples.adventureworks import generate_adventureworks_with_counts
from samples.flights import generate_flights_with_counts
from samples.olist import generate_olist_with_counts

# name -> (help text, generator returning {file: (path, rows)})
DatasetGenerator = Callable[..., dict[str, tuple[Path, int]]]
DATASETS: dict[str, tuple[str, DatasetGenerator]] = {
    "flights": (
        "US DOT 2015 on-time flights (airlines.csv, airports.csv, flights.csv); "
        "scale 1 = 5,819,079 flights",
        generate_flights_with_counts,
    ),
    "olist": (
        "Olist Brazilian e-commerce, the nine Kaggle files (orders, customers, items, payments, "
        "reviews, products, sellers, geolocation, category translation); scale 1 = 99,441 orders",
        generate_olist_with_counts,
    ),
    "adventureworks": (
        "AdventureWorks ERP export, the six hostile ';'/BOM/CRLF/NULL/decimal-comma files (Person, "
        "Product, Customer, SalesOrderHeader, SalesOrderDetail, SpecialOfferProduct); "
        "scale 1 = 31,465 orders",
        generate_adventureworks_with_counts,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one subcommand per dataset."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--scale", type=float, default=0.01,
                        help="fraction of the real dataset's volume (default 0.01)")
    common.add_argument("--out", type=Path, required=True, help="output directory (created)")
    common.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser = argparse.ArgumentParser(
        prog="python -m samples", description="Generate deterministic sample data.")
    sub = parser.add_subparsers(dest="dataset", required=True, metavar="DATASET")
    for name, (help_text, _) in DATASETS.items():
        sub.add_parser(name, parents=[common], help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.scale <= 0:
        print("error: --scale must be positive", file=sys.stderr)
        return 2
    _, generate = DATASETS[args.dataset]
    written = generate(args.out, scale=args.scale, seed=args.seed)
    for name, (path, rows) in written.items():
        print(f"{name}: {rows} rows -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
