"""Benchmark: the flights pipeline end to end (./spark-submit.sh, land+transform+load into DuckDB)
versus a DuckDB-only SQL doing the same transform on the same file, at 0.1x and 1x.

    .venv/bin/python bench/flights_bench.py [--scales 0.1,1] [--workdir /tmp/constellation-bench]

Prints wall time, CPU time (user+sys of the process tree) and peak memory (largest single
process RSS, i.e. the JVM for Spark) for both, and their ratio. Each command runs in its own
process, measured with os.wait4, in the same run so the machine state is comparable.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samples.flights import generate_flights  # noqa: E402

# The same transform as transforms/flights.py, written directly in DuckDB SQL: typed read,
# dedupe by natural key, hhmm -> local timestamps (nearest-clock rule), dimension lookups with
# unknown members, partitioned Parquet, and a load into a DuckDB table.
DUCKDB_SQL = """
create or replace macro hhmm_min(x) as (x // 100) * 60 + x % 100;
create or replace macro nearest(anchor, x) as
    (anchor // 1440) * 1440 + hhmm_min(x)
    - round(((anchor // 1440) * 1440 + hhmm_min(x) - anchor) / 1440.0) * 1440;
create or replace macro ts(m) as timestamp '1970-01-01' + to_minutes(cast(m as bigint));
create table airlines as select * from read_csv('{dir}/airlines.csv', header=true);
create table airports as select * from read_csv('{dir}/airports.csv', header=true,
    types={{'LATITUDE': 'DOUBLE', 'LONGITUDE': 'DOUBLE'}});
create table flights_raw as select * from read_csv('{dir}/flights.csv', header=true, all_varchar=true);
create table fact_flight as
with typed as (
    select make_date(cast(YEAR as int), cast(MONTH as int), cast(DAY as int)) as flight_date,
           AIRLINE as airline_code, cast(FLIGHT_NUMBER as int) as flight_number, TAIL_NUMBER as tail_number,
           ORIGIN_AIRPORT as origin, DESTINATION_AIRPORT as destination,
           cast(SCHEDULED_DEPARTURE as int) as sched_dep_hhmm, try_cast(DEPARTURE_TIME as int) as dep_hhmm,
           try_cast(DEPARTURE_DELAY as int) as dep_delay, try_cast(TAXI_OUT as int) as taxi_out,
           try_cast(WHEELS_OFF as int) as wheels_off_hhmm, try_cast(SCHEDULED_TIME as int) as sched_time,
           try_cast(ELAPSED_TIME as int) as elapsed, try_cast(AIR_TIME as int) as air_time,
           try_cast(DISTANCE as int) as distance, try_cast(WHEELS_ON as int) as wheels_on_hhmm,
           try_cast(TAXI_IN as int) as taxi_in, cast(SCHEDULED_ARRIVAL as int) as sched_arr_hhmm,
           try_cast(ARRIVAL_TIME as int) as arr_hhmm, try_cast(ARRIVAL_DELAY as int) as arr_delay,
           DIVERTED = '1' as is_diverted, CANCELLED = '1' as is_cancelled, CANCELLATION_REASON as reason,
           try_cast(AIR_SYSTEM_DELAY as int) as d1, try_cast(SECURITY_DELAY as int) as d2,
           try_cast(AIRLINE_DELAY as int) as d3, try_cast(LATE_AIRCRAFT_DELAY as int) as d4,
           try_cast(WEATHER_DELAY as int) as d5
    from flights_raw
), deduped as (
    select * from typed
    qualify row_number() over (partition by flight_date, airline_code, flight_number, origin, sched_dep_hhmm) = 1
), moments as (
    select *, (flight_date - date '1970-01-01') * 1440 + hhmm_min(sched_dep_hhmm) as sched_dep from deduped
), moments2 as (
    select *, nearest(sched_dep + coalesce(dep_delay, 0), dep_hhmm) as dep,
           nearest(sched_dep + coalesce(sched_time, 0), sched_arr_hhmm) as sched_arr from moments
)
select hash(flight_date, airline_code, flight_number, origin, sched_dep_hhmm) as flight_key,
       cast(strftime(flight_date, '%Y%m%d') as int) as date_key, flight_date,
       year(flight_date) * 100 + month(flight_date) as year_month,
       coalesce(al.k, -1) as airline_key, coalesce(o.k, -1) as origin_airport_key,
       coalesce(d.k, -1) as destination_airport_key, m.airline_code, flight_number, tail_number,
       origin, destination, isodow(flight_date) as day_of_week, lpad(cast(sched_dep_hhmm as varchar), 4, '0') as hhmm,
       ts(sched_dep) as scheduled_departure_at, ts(dep) as departure_at, dep_delay, taxi_out,
       ts(nearest(coalesce(dep, sched_dep) + coalesce(taxi_out, 0), wheels_off_hhmm)) as wheels_off_at,
       sched_time, elapsed, air_time, distance,
       ts(sched_arr) as scheduled_arrival_at,
       ts(nearest(sched_arr + coalesce(arr_delay, dep_delay, 0), arr_hhmm)) as arrival_at, arr_delay,
       coalesce(arr_delay >= 15, false) as is_delayed, coalesce(arr_delay > 0, false) as is_delayed_any,
       is_diverted, is_cancelled, reason, d1, d2, d3, d4, d5
from moments2 m
left join (select IATA_CODE, hash(IATA_CODE) as k from airlines) al on al.IATA_CODE = m.airline_code
left join (select IATA_CODE, hash(IATA_CODE) as k from airports) o on o.IATA_CODE = m.origin
left join (select IATA_CODE, hash(IATA_CODE) as k from airports) d on d.IATA_CODE = m.destination;
copy fact_flight to '{out}/fact_flight' (format parquet, partition_by (year_month), overwrite_or_ignore true);
"""


def measure(cmd: list[str], **kwargs) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def bench_scale(scale: float, workdir: Path) -> tuple[dict, dict, int]:
    data = workdir / f"data-{scale:g}"
    if not (data / "flights.csv").exists():
        generate_flights(data, scale=scale, seed=42)
    rows = (data / "flights.csv").read_bytes().count(b"\n")
    run = workdir / f"run-{scale:g}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    spark = measure([str(REPO / "spark-submit.sh"), "flights", "--input", str(data), "--lake", str(run / "lake"),
                     "--warehouse", f"duckdb:{run / 'wh.duckdb'}", "--log-level", "WARNING"])
    (run / "duck").mkdir()
    duck = _duck(DUCKDB_SQL.format(dir=data, out=run / "duck"), run)
    return spark, duck, rows


def _duck(sql: str, run: Path) -> dict:
    sql_file = run / "duck.sql"
    sql_file.write_text(sql)
    code = "import duckdb,sys; duckdb.connect(sys.argv[1]).execute(open(sys.argv[2]).read())"
    return measure([sys.executable, "-c", code, str(run / "duck.duckdb"), str(sql_file)])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="0.1,1")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/constellation-bench"))
    args = p.parse_args()
    print(f"{'scale':>6} {'rows':>10} | {'spark wall':>10} {'cpu':>7} {'peak MB':>8} | "
          f"{'duckdb wall':>11} {'cpu':>7} {'peak MB':>8} | {'wall ratio':>10}")
    for scale in (float(s) for s in args.scales.split(",")):
        spark, duck, rows = bench_scale(scale, args.workdir)
        print(f"{scale:>6g} {rows:>10,} | {spark['wall']:>9.1f}s {spark['cpu']:>6.1f}s {spark['rss_mb']:>8.0f} | "
              f"{duck['wall']:>10.1f}s {duck['cpu']:>6.1f}s {duck['rss_mb']:>8.0f} | "
              f"{spark['wall'] / duck['wall']:>9.2f}x", flush=True)


if __name__ == "__main__":
    main()
