"""Benchmark: the ess pipeline on a round-sized Stata file (50,000 respondents x 600 variables),
the reader alone with the file in 1 vs 2 parallel chunks, and end to end.

    .venv/bin/python bench/ess_bench.py [--respondents 50000] [--variables 600] [--work /tmp/constellation-bench-ess]

The file is round 8 of the sample generator (samples.ess.build_round: the variables the pipeline
loads, with value labels and missing codes) padded with filler variables up to ``--variables``,
like a real ESS round where most variables are not loaded: labelled 0-10 answers with 77/88/99
codes stored as Stata bytes, continuous doubles, a few short texts. Written once with
pyreadstat.write_dta and reused by later runs with the same size.

Timed, in one process on one Spark session (``local[*]``, started before the first timing, so
no figure includes the JVM start):
  (a) the reader alone: jobs.sources.ess.read_metadata on the driver, then read_survey (the
      needed variables, row ranges in Spark tasks) with ``chunk_rows`` = all rows (1 task) and
      half the rows (2 parallel tasks), materialised with Spark's no-op writer, after one
      untimed 2-task read (both Python workers started, the JVM's conversion code compiled);
  (b) the pipeline end to end, jobs.main.main(["ess", "--input", ...]) into a fresh lake and
      DuckDB file (default --chunk-rows), with the land/transform/load step times of its summary;
  (c) for reference, on the driver: pyreadstat.read_dta of the whole file (all variables) vs
      ``usecols`` of the needed ones.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samples.ess import FULL_RESPONDENTS, build_round  # noqa: E402

ROUND = 8  # the sample round with every variable the pipeline loads
_FILLER_LABELS = {**{i: str(i) for i in range(11)}, 77: "Refusal", 88: "Don't know", 99: "No answer"}


def generate(path: Path, respondents: int, variables: int, seed: int = 42) -> tuple[int, int]:
    """Write the round file: the generator's round padded with filler variables; (rows, variables)."""
    import pandas as pd
    import pyreadstat

    # build_round splits its respondents evenly over its 3 countries: ask for enough, keep the first N
    per_country = math.ceil(respondents / 3)
    data, labels = build_round(ROUND, per_country * 3 / FULL_RESPONDENTS, seed)
    data = data.iloc[:respondents].reset_index(drop=True)
    rng = np.random.default_rng([seed, 600])
    filler = {}
    for i in range(max(0, variables - len(data.columns))):
        name = f"x{i + 1:03d}"
        if i % 50 == 49:  # a short text (open answers, country-specific codes)
            filler[name] = rng.choice(np.array(["", "AB", "code 1", "other: see notes"], dtype=object), len(data))
        elif i % 5 == 4:  # a continuous number
            filler[name] = np.round(rng.normal(50, 15, len(data)), 3)
        else:  # a labelled 0-10 answer with its missing codes, as a Stata byte
            values = rng.integers(0, 11, len(data)).astype(np.int8)
            missing = rng.random(len(data)) < 0.05
            values[missing] = rng.choice(np.array([77, 88, 99], dtype=np.int8), missing.sum())
            filler[name] = values
            labels[name] = _FILLER_LABELS
    data = pd.concat([data, pd.DataFrame(filler)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    pyreadstat.write_dta(data, str(partial), variable_value_labels=labels,
                         column_labels={c: c for c in data.columns})
    partial.rename(path)
    return data.shape


@contextlib.contextmanager
def timed(into: dict, name: str):
    started = time.perf_counter()
    yield
    into[name] = time.perf_counter() - started


def spark_session():
    """A local[*] session like spark-submit.sh's (4 GB driver, 8 shuffle partitions), with the
    repository importable by the Python tasks."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    from jobs.spark import get_spark, python_for_workers

    python_for_workers()  # before the context starts: the tasks need this interpreter's pyreadstat
    SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[*]")) \
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g")) \
        .config("spark.sql.shuffle.partitions", "8").config("spark.ui.showConsoleProgress", "false") \
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{REPO / 'conf/log4j2.properties'}") \
        .getOrCreate()
    return get_spark("constellation-ess-bench")  # the same session, with the jobs' settings


def bench_reader(spark, path: Path, rows: int) -> dict:
    from jobs.sources.ess import read_metadata, read_survey

    t: dict = {}
    with timed(t, "metadata"):
        survey = read_metadata(str(path), encoding=None)
    t["needed"] = len(survey.variables)
    # one untimed 2-task read first: both Python workers started (with their imports) and the
    # JVM's conversion code compiled, so neither timed figure pays for that
    warm_up = read_survey(spark, survey, encoding=None, chunk_rows=math.ceil(rows / 2))
    warm_up.write.format("noop").mode("overwrite").save()
    for chunks in (1, 2):
        df = read_survey(spark, survey, encoding=None, chunk_rows=math.ceil(rows / chunks))
        with timed(t, f"chunks{chunks}"):
            df.write.format("noop").mode("overwrite").save()
    return t


def bench_driver(path: Path, needed: int) -> dict:
    import pyreadstat

    from jobs.sources.ess import read_metadata

    columns = list(read_metadata(str(path), encoding=None).variables)
    assert len(columns) == needed
    t: dict = {}
    with timed(t, "whole"):
        pyreadstat.read_dta(str(path))
    with timed(t, "usecols"):
        pyreadstat.read_dta(str(path), usecols=columns)
    return t


def bench_pipeline(folder: Path, run: Path) -> dict:
    from jobs.main import main as job_main

    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = job_main(["ess", "--input", str(folder), "--lake", str(run / "lake"),
                         "--warehouse", f"duckdb:{run / 'wh.duckdb'}", "--log-level", "WARNING"])
    wall = time.perf_counter() - started
    text = out.getvalue()
    if code != 0:
        raise SystemExit(f"the ess pipeline failed (exit {code}):\n{text[-3000:]}")
    steps = dict(re.findall(r"(land|transform|load) ([0-9.]+) s", next(
        (line for line in text.splitlines() if line.strip().startswith("steps:")), "")))
    return {"wall": wall, **{k: float(v) for k, v in steps.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=50_000)
    parser.add_argument("--variables", type=int, default=600)
    parser.add_argument("--work", type=Path, default=Path("/tmp/constellation-bench-ess"))
    args = parser.parse_args()
    folder = args.work / f"data-{args.respondents}x{args.variables}"
    path = folder / f"ESS{ROUND}bench.dta"
    if not path.exists():
        with timed(gen := {}, "write"):
            rows, width = generate(path, args.respondents, args.variables)
        print(f"generated {path}: {rows:,} x {width} in {gen['write']:.1f} s", flush=True)
    import pyreadstat

    _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
    rows, width = meta.number_rows, meta.number_columns
    print(f"ess bench: {rows:,} respondents x {width} variables, {path.stat().st_size / 2**20:.0f} MB .dta; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    spark = spark_session()
    reader = bench_reader(spark, path, rows)
    print(f"reader done (load average {os.getloadavg()[0]:.2f})", flush=True)
    pipeline = bench_pipeline(folder, args.work / "run")
    print(f"pipeline done (load average {os.getloadavg()[0]:.2f})", flush=True)
    spark.stop()
    driver = bench_driver(path, reader["needed"])

    n = reader["needed"]
    print()
    print("| what | wall |")
    print("|---|---|")
    print(f"| metadata only, on the driver (`metadataonly=True`) | {reader['metadata']:.2f} s |")
    print(f"| reader, {n} needed variables, 1 chunk (1 Spark task) | {reader['chunks1']:.1f} s |")
    print(f"| reader, {n} needed variables, 2 chunks (2 parallel Spark tasks) | {reader['chunks2']:.1f} s "
          f"({reader['chunks1'] / reader['chunks2']:.2f}x) |")
    print(f"| pipeline end to end (`jobs.main.main`, default --chunk-rows 10000: "
          f"{math.ceil(rows / 10_000)} tasks) | {pipeline['wall']:.1f} s |")
    print(f"| &nbsp; land / transform / load steps | {pipeline.get('land', 0):.1f} / "
          f"{pipeline.get('transform', 0):.1f} / {pipeline.get('load', 0):.1f} s |")
    print(f"| driver: pyreadstat.read_dta, all {width} variables | {driver['whole']:.1f} s |")
    print(f"| driver: pyreadstat.read_dta, `usecols` of the {n} needed | {driver['usecols']:.1f} s |")
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
