"""The naive-Spark baseline of bench/flights_bench.py: the flights transform as a PySpark job
without the product's machinery (no quarantine, no per-field reject reasons, no contract, quality
gates, manifest or warehouse load). It is what a user would write by hand first, and the
yardstick for how much our machinery costs on the same Spark:

    .venv/bin/spark-submit --master 'local[*]' bench/naive_flights.py <input folder> <output folder>

Typed CSV read (an explicit schema: no inference pass), the dedupe by natural key, the hhmm
clocks to timestamps by the nearest-clock rule, the three dimension lookups with unknown members
(-1), and the fact written as Parquet partitioned by month: the same steps as the DuckDB-only SQL
in flights_bench.py. flights_bench.py runs it with the pipeline's session settings
(jobs.spark.SESSION_CONF), so the two differ only in what the pipeline adds.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

INT_COLUMNS = ("YEAR", "MONTH", "DAY", "DAY_OF_WEEK", "FLIGHT_NUMBER", "SCHEDULED_DEPARTURE", "DEPARTURE_TIME",
               "DEPARTURE_DELAY", "TAXI_OUT", "WHEELS_OFF", "SCHEDULED_TIME", "ELAPSED_TIME", "AIR_TIME",
               "DISTANCE", "WHEELS_ON", "TAXI_IN", "SCHEDULED_ARRIVAL", "ARRIVAL_TIME", "ARRIVAL_DELAY",
               "DIVERTED", "CANCELLED", "AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY",
               "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY")


def _minutes(hhmm):
    return F.floor(hhmm / 100) * 60 + hhmm % 100


def _nearest(anchor, hhmm):
    """The minute (since the epoch) whose clock reads ``hhmm`` nearest to ``anchor``."""
    day = F.floor(anchor / 1440) * 1440
    candidate = day + _minutes(hhmm)
    return candidate - F.round((candidate - anchor) / 1440.0) * 1440


def _ts(minutes):
    return F.timestamp_seconds(minutes.cast("long") * 60)


def main(input_dir: str, out_dir: str) -> None:
    spark = SparkSession.builder.appName("naive-flights").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    header = spark.read.option("header", True).csv(f"{input_dir}/flights.csv").limit(0).columns
    schema = T.StructType([T.StructField(c, T.IntegerType() if c in INT_COLUMNS else T.StringType()) for c in header])
    flights = spark.read.option("header", True).schema(schema).csv(f"{input_dir}/flights.csv")
    airlines = spark.read.option("header", True).csv(f"{input_dir}/airlines.csv")
    airports = spark.read.option("header", True).csv(f"{input_dir}/airports.csv")

    f = flights.withColumn("flight_date", F.make_date("YEAR", "MONTH", "DAY"))
    natural = ["flight_date", "AIRLINE", "FLIGHT_NUMBER", "ORIGIN_AIRPORT", "SCHEDULED_DEPARTURE"]
    f = (f.withColumn("_n", F.row_number().over(Window.partitionBy(*natural).orderBy(F.lit(1))))
         .filter("_n = 1").drop("_n"))
    sched_dep = F.datediff("flight_date", F.lit("1970-01-01")) * 1440 + _minutes(F.col("SCHEDULED_DEPARTURE"))
    f = f.withColumn("sched_dep", sched_dep)
    f = (f.withColumn("dep", _nearest(F.col("sched_dep") + F.coalesce("DEPARTURE_DELAY", F.lit(0)),
                                      F.col("DEPARTURE_TIME")))
         .withColumn("sched_arr", _nearest(F.col("sched_dep") + F.coalesce("SCHEDULED_TIME", F.lit(0)),
                                           F.col("SCHEDULED_ARRIVAL"))))
    keyed = lambda df, name: df.select(F.col("IATA_CODE").alias(name), F.xxhash64("IATA_CODE").alias(f"{name}_key"))  # noqa: E731
    f = (f.join(F.broadcast(keyed(airlines, "al")), F.col("AIRLINE") == F.col("al"), "left")
         .join(F.broadcast(keyed(airports, "o")), F.col("ORIGIN_AIRPORT") == F.col("o"), "left")
         .join(F.broadcast(keyed(airports, "d")), F.col("DESTINATION_AIRPORT") == F.col("d"), "left"))
    fact = f.select(
        F.xxhash64(*natural).alias("flight_key"),
        F.date_format("flight_date", "yyyyMMdd").cast("int").alias("date_key"), "flight_date",
        (F.year("flight_date") * 100 + F.month("flight_date")).alias("year_month"),
        F.coalesce("al_key", F.lit(-1)).alias("airline_key"),
        F.coalesce("o_key", F.lit(-1)).alias("origin_airport_key"),
        F.coalesce("d_key", F.lit(-1)).alias("destination_airport_key"),
        F.col("AIRLINE").alias("airline_code"), F.col("FLIGHT_NUMBER").alias("flight_number"),
        F.col("TAIL_NUMBER").alias("tail_number"), F.col("ORIGIN_AIRPORT").alias("origin"),
        F.col("DESTINATION_AIRPORT").alias("destination"),
        ((F.dayofweek("flight_date") + 5) % 7 + 1).alias("day_of_week"),  # ISO, Monday = 1, as isodow
        F.lpad(F.col("SCHEDULED_DEPARTURE").cast("string"), 4, "0").alias("hhmm"),
        _ts(F.col("sched_dep")).alias("scheduled_departure_at"), _ts(F.col("dep")).alias("departure_at"),
        F.col("DEPARTURE_DELAY").alias("dep_delay"), F.col("TAXI_OUT").alias("taxi_out"),
        _ts(_nearest(F.coalesce("dep", "sched_dep") + F.coalesce("TAXI_OUT", F.lit(0)), F.col("WHEELS_OFF")))
        .alias("wheels_off_at"),
        F.col("SCHEDULED_TIME").alias("sched_time"), F.col("ELAPSED_TIME").alias("elapsed"),
        F.col("AIR_TIME").alias("air_time"), F.col("DISTANCE").alias("distance"),
        _ts(F.col("sched_arr")).alias("scheduled_arrival_at"),
        _ts(_nearest(F.col("sched_arr") + F.coalesce("ARRIVAL_DELAY", "DEPARTURE_DELAY", F.lit(0)),
                     F.col("ARRIVAL_TIME"))).alias("arrival_at"),
        F.col("ARRIVAL_DELAY").alias("arr_delay"),
        F.coalesce(F.col("ARRIVAL_DELAY") >= 15, F.lit(False)).alias("is_delayed"),
        F.coalesce(F.col("ARRIVAL_DELAY") > 0, F.lit(False)).alias("is_delayed_any"),
        (F.col("DIVERTED") == 1).alias("is_diverted"), (F.col("CANCELLED") == 1).alias("is_cancelled"),
        F.col("CANCELLATION_REASON").alias("reason"),
        *[F.col(c) for c in ("AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY",
                             "WEATHER_DELAY")],
    )
    fact.write.mode("overwrite").partitionBy("year_month").parquet(f"{out_dir}/fact_flight")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
