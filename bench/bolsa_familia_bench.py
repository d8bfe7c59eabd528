"""Benchmark: the bolsa_familia pipeline on 20 years of national MI Social (5,570 municipalities
x 240 months of benefit counts, about 1.3 M rows, generated) end to end, with 12 months of the
families layout and 12 transparency pages (5,570 records each) beside it.

    .venv/bin/python bench/bolsa_familia_bench.py [--months 240] [--workdir /tmp/constellation-bench-bolsa]

The run is ``./spark-submit.sh bolsa_familia --input DIR`` in its own process (wall time and CPU
of the process tree by os.wait4); the step times come from its summary.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import measure  # noqa: E402
from samples.bolsa_familia import (  # noqa: E402
    BASE_MUNICIPALITIES,
    MAX_MUNICIPALITIES,
    generate_bolsa_familia_with_counts,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--months", type=int, default=240)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/constellation-bench-bolsa"))
    args = p.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    data = args.workdir / "in"
    start = time.perf_counter()
    written = generate_bolsa_familia_with_counts(data, scale=MAX_MUNICIPALITIES / BASE_MUNICIPALITIES, seed=42,
                                                 months=args.months, api_months=12)
    generated = time.perf_counter() - start
    print(f"generated {written['misocial_beneficios'][1]:,} MI Social benefit rows, "
          f"{written['misocial_familias'][1]:,} families rows in {generated:.1f} s")
    result = measure(["./spark-submit.sh", "bolsa_familia", "--input", str(data), "--lake", str(args.workdir / "lake"),
                      "--warehouse", f"duckdb:{args.workdir / 'wh.duckdb'}"], args.workdir / "run.log", cwd=REPO)
    print("wall {wall:.1f} s, cpu {cpu:.1f} s; steps: ".format(**result)
          + ", ".join(f"{k} {result[k]:.1f} s" for k in ("land", "transform", "load") if k in result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
