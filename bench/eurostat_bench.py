"""Benchmark: the eurostat pipeline on the full-size pjangrp3 (scale 1: about 137,000 series x 9
years, 1.2 M cells), end to end, then the history merge of later vintages with 1 % of the cells
changed.

    .venv/bin/python bench/eurostat_bench.py [--scale 1] [--vintages 3] [--workdir /tmp/constellation-bench-eurostat]

Vintage 1 is the generated first publication's bulk TSV; every later vintage is the previous
one with 1 % of its cells changed (value + 1, deterministic), so each merge has the same amount
of work while the stored history grows. Each run is ``./spark-submit.sh eurostat --input DIR
--as-of V`` in its own process (wall time and CPU of the process tree by os.wait4); the load
step's own time comes from the run manifest's ``durations``. If the load of vintage N costs the
same as vintage 2 while the history holds N-1 versions of the changed cells, the merge costs
what the vintage holds, not what history holds.
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import measure  # noqa: E402
from samples.eurostat import VINTAGES, generate_eurostat  # noqa: E402

DATASET = "demo_r_pjangrp3"


def revise(src: Path, dst: Path, share: float, seed: int) -> int:
    """Copy a current-layout TSV with ``share`` of its numeric cells changed by +1; returns the count."""
    rng = random.Random(seed)
    changed = 0
    with gzip.open(src, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            out.append(line)
            continue
        key, *cells = line.split("\t")
        for i, cell in enumerate(cells):
            number, _, flags = cell.partition(" ")
            if number not in (":", "") and rng.random() < share:
                cells[i] = f"{int(float(number)) + 1} {flags}"
                changed += 1
        out.append("\t".join([key, *cells]))
    dst.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(dst, "wt", encoding="utf-8") as f:
        f.write("\n".join(out))
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--vintages", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/constellation-bench-eurostat")
    args = parser.parse_args()
    work = Path(args.workdir)
    data = work / f"data-{args.scale:g}"
    if not (data / "nuts-2016.csv").exists():
        generate_eurostat(data, scale=args.scale, seed=42)
    source = data / VINTAGES[0].isoformat() / f"estat_{DATASET}.tsv.gz"
    cells = sum(len(line.split("\t")) - 1 for line in gzip.open(source, "rt", encoding="utf-8") if "\\" not in line)
    run = work / f"run-{args.scale:g}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    previous = source
    print(f"eurostat bench: {DATASET} scale {args.scale:g}, {cells:,} cells per vintage")
    print("| vintage | cells changed | run wall | CPU | transform step | load step | versions stored after |")
    print("|---|---|---|---|---|---|---|")
    for n in range(1, args.vintages + 1):
        folder = run / f"in-{n}"
        vintage = VINTAGES[0] + timedelta(days=30 * (n - 1))
        changed = 0
        if n == 1:
            folder.mkdir()
            shutil.copy(source, folder / source.name)
        else:
            changed = revise(previous, folder / source.name, 0.01, seed=n)
        shutil.copy(data / "nuts-2016.csv", folder)
        previous = folder / source.name
        timing = measure([str(REPO / "spark-submit.sh"), "eurostat", "--input", str(folder), "--as-of",
                          vintage.isoformat(), "--datasets", DATASET, "--lake", str(run / "lake"),
                          "--warehouse", f"duckdb:{run / 'wh.duckdb'}", "--log-level", "WARNING"], run / f"run-{n}.log")

        con = duckdb.connect(str(run / "wh.duckdb"), read_only=True)
        (versions,) = con.execute("select count(*) from fact_eurostat_population").fetchone()
        con.close()
        print(f"| {n} ({vintage}) | {changed:,} | {timing['wall']:.1f} s | {timing['cpu']:.1f} s | "
              f"{timing.get('transform', 0):.1f} s | {timing.get('load', 0):.1f} s | {versions:,} |", flush=True)


if __name__ == "__main__":
    main()
