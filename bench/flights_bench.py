"""Benchmark: the flights pipeline end to end (./spark-submit.sh, land+transform+load into DuckDB)
versus a DuckDB-only SQL doing the same transform on the same file, and versus a naive PySpark job
of the same transform (bench/naive_flights.py: no quarantine, gates or load), at each scale.

    .venv/bin/python bench/flights_bench.py [--scales 0.1,1,3] [--driver-memory 4g] [--no-naive]
                                            [--workdir /tmp/constellation-bench]

Scale 1 is the full 2015 file (5.8 M rows); 3 and 10 are generated the same way. Prints wall
time, CPU time (user+sys of the process tree) and peak memory (largest single process RSS, i.e.
the JVM for Spark) of each, the pipeline's ratios to both baselines, the wall ratio of each scale
to scale 1 when both ran, and the size of the published fact files (count, smallest, largest;
the last file of a month partition may be small), and where each Spark run's time went, by phase,
from its event log (bench/eventlog.py; --no-phases leaves the event log off). Each command runs
in its own process, measured with os.wait4, in the same run so the machine state is comparable.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = str(REPO / ".venv" / "bin" / "python")
sys.path.insert(0, str(REPO))

from bench import eventlog  # noqa: E402
from jobs.spark import SESSION_CONF  # noqa: E402
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
    """Wall, CPU and peak RSS of one command; its stderr goes to a file (a pipe read only at the
    end would fill and block a chatty process)."""
    with tempfile.TemporaryFile() as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err_file, **kwargs)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err_file.seek(0)
        err = err_file.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def _phases(folder: Path) -> dict | None:
    found = eventlog.latest(folder)
    return eventlog.phases(found) if found else None


def bench_scale(scale: float, workdir: Path, *, driver_memory: str, naive: bool, phases: bool = True) -> dict:
    data = workdir / f"data-{scale:g}"
    if not (data / "flights.csv").exists():
        generate_flights(data, scale=scale, seed=42)
    rows = (data / "flights.csv").read_bytes().count(b"\n") - 1
    run = workdir / f"run-{scale:g}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    env = {**os.environ, "SPARK_DRIVER_MEMORY": driver_memory}
    result = {"rows": rows}
    pipe_events, naive_events = run / "events-pipeline", run / "events-naive"
    naive_events.mkdir()  # Spark refuses an event log folder that does not exist
    result["pipeline"] = measure([str(REPO / "spark-submit.sh"), "flights", "--input", str(data), "--lake",
                                  str(run / "lake"), "--warehouse", f"duckdb:{run / 'wh.duckdb'}",
                                  "--steps", "land,transform,load", "--log-level", "WARNING"],
                                 env={**(eventlog.spark_conf_env(pipe_events) if phases else {}), **env})
    result["pipeline_phases"] = _phases(pipe_events) if phases else None
    result["files_mb"] = sorted(f.stat().st_size / 2**20 for f in (run / "lake").rglob("*.parquet")
                                if "fact_flight" in str(f))
    if naive:
        result["naive"] = measure([str(REPO / ".venv" / "bin" / "spark-submit"), "--master", "local[*]",
                                   "--driver-memory", driver_memory, "--conf", "spark.ui.showConsoleProgress=false",
                                   "--driver-java-options",
                                   f"-Dlog4j2.configurationFile=file:{REPO / 'conf' / 'log4j2.properties'}",
                                   "--conf", "spark.sql.shuffle.partitions=8",
                                   *(["--conf", "spark.eventLog.enabled=true", "--conf",
                                      f"spark.eventLog.dir=file:{naive_events}"] if phases else []),
                                   # the pipeline's session settings (jobs/spark.py), so both pay the same for
                                   # the same plan (e.g. the partitioned write without a sort)
                                   *[a for k, v in SESSION_CONF.items() for a in ("--conf", f"{k}={v}")],
                                   str(REPO / "bench" / "naive_flights.py"),
                                   str(data), str(run / "naive")], env={**env, "SPARK_LOCAL_IP": "127.0.0.1",
                                                            "PYSPARK_PYTHON": PYTHON, "PYSPARK_DRIVER_PYTHON": PYTHON})
        result["naive_phases"] = _phases(naive_events) if phases else None
    (run / "duck").mkdir()
    result["duckdb"] = _duck(DUCKDB_SQL.format(dir=data, out=run / "duck"), run)
    return result


def _duck(sql: str, run: Path) -> dict:
    sql_file = run / "duck.sql"
    sql_file.write_text(sql)
    code = "import duckdb,sys; duckdb.connect(sys.argv[1]).execute(open(sys.argv[2]).read())"
    return measure([sys.executable, "-c", code, str(run / "duck.duckdb"), str(sql_file)])


def _cell(m: dict | None) -> str:
    return f"{m['wall']:>8.1f}s {m['cpu']:>7.1f}s {m['rss_mb']:>6.0f}" if m else f"{'-':>9} {'-':>8} {'-':>6}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="0.1,1")
    p.add_argument("--driver-memory", default="4g", help="spark.driver.memory of both Spark runs (10x: 2g)")
    p.add_argument("--no-naive", action="store_true", help="skip the naive-Spark baseline")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/constellation-bench"))
    p.add_argument("--no-phases", action="store_true",
                   help="no Spark event log, so no per-phase times (bench/eventlog.py)")
    args = p.parse_args()
    print(f"{'scale':>6} {'rows':>10} | {'pipeline wall':>13} {'cpu':>8} {'MB':>6} | {'naive wall':>10} {'cpu':>8} "
          f"{'MB':>6} | {'duckdb wall':>11} {'cpu':>8} {'MB':>6} | {'/duckdb':>7} {'/naive':>7} | fact files")
    walls = {}
    for scale in (float(s) for s in args.scales.split(",")):
        r = bench_scale(scale, args.workdir, driver_memory=args.driver_memory, naive=not args.no_naive,
                        phases=not args.no_phases)
        pipe, naive, duck = r["pipeline"], r.get("naive"), r["duckdb"]
        walls[scale] = pipe["wall"]
        files = r["files_mb"]
        vs_naive = f"{pipe['wall'] / naive['wall']:.2f}x" if naive else "-"
        sizes = f"{len(files)} files, {files[0]:.1f}-{files[-1]:.1f} MB" if files else "none"
        print(f"{scale:>6g} {r['rows']:>10,} | {_cell(pipe):>30} | {_cell(naive)} | {_cell(duck)} | "
              f"{pipe['wall'] / duck['wall']:>6.2f}x "
              f"{vs_naive:>7} | {sizes}",
              flush=True)
        for name in ("pipeline", "naive"):
            if r.get(f"{name}_phases"):
                print(f"  {name} at {scale:g}x, from its Spark event log:\n" + eventlog.render(r[f"{name}_phases"]),
                      flush=True)
    if 1.0 in walls:
        for scale, wall in walls.items():
            if scale != 1.0:
                print(f"pipeline wall {scale:g}x / 1x: {wall / walls[1.0]:.2f}")


if __name__ == "__main__":
    main()
