"""flights wiring: read the landed vendor files, run the transforms, hand the tables to the
shared publish step."""

from __future__ import annotations

import logging

from pyspark.sql import SparkSession

from jobs.manifest import Landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput, stage_parquet
from jobs.sources.files import FilesSettings, read_csv
from schemas.common import DIM_DATE
from schemas.flights import (
    DIM_AIRLINE,
    DIM_AIRPORT,
    FACT_FLIGHT,
    RAW_AIRLINES,
    RAW_AIRPORTS,
    RAW_FLIGHTS,
    TABLES,
    VIEWS,
)
from transforms.dates import build_dim_date
from transforms.flights import (
    build_dim_airline,
    build_dim_airport,
    build_fact_flight,
    flight_dates,
    parse_flights,
    split_flights,
    stage_reference,
)
from transforms.staging import accepted

log = logging.getLogger(__name__)


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    raw_airlines = read_csv(spark, landing.files("airlines"), RAW_AIRLINES)
    raw_airports = read_csv(spark, landing.files("airports"), RAW_AIRPORTS)
    airlines, airlines_rejected = stage_reference(raw_airlines, source="airlines")
    airports, airports_rejected = stage_reference(raw_airports, source="airports")
    dim_airline = build_dim_airline(airlines).cache()
    dim_airport = build_dim_airport(airports).cache()

    # The flights file is parsed once: the fact, the calendar, the quarantine and the counts
    # all read this staged copy instead of the CSV.
    log.info("[%s] parsing flights", landing.run_id)
    parsed = stage_parquet(spark, parse_flights(read_csv(spark, landing.files("flights"), RAW_FLIGHTS)),
                           landing, "flights_parsed")
    rows_in = {"flights": parsed.count(), "airlines": raw_airlines.count(), "airports": raw_airports.count()}
    flights, flights_rejected = split_flights(parsed)
    return TransformOutput(
        tables={
            DIM_DATE.name: (DIM_DATE, build_dim_date(flight_dates(accepted(parsed)))),
            DIM_AIRLINE.name: (DIM_AIRLINE, dim_airline),
            DIM_AIRPORT.name: (DIM_AIRPORT, dim_airport),
            FACT_FLIGHT.name: (FACT_FLIGHT, build_fact_flight(flights, dim_airline, dim_airport)),
        },
        quarantine=flights_rejected.unionByName(airlines_rejected).unionByName(airports_rejected),
        sources=[SourceRows("flights", FACT_FLIGHT.name, rows_in["flights"]),
                 SourceRows("airlines", DIM_AIRLINE.name, rows_in["airlines"]),
                 SourceRows("airports", DIM_AIRPORT.name, rows_in["airports"])],
    )


PIPELINE = Pipeline(
    name="flights",
    description="US DOT on-time flights: airlines, airports, flight legs",
    tables=TABLES,
    views=VIEWS,
    sources=(RAW_AIRLINES, RAW_AIRPORTS, RAW_FLIGHTS),
    transform=transform,
    sample=SampleGenerator(
        "samples.flights:generate_flights_with_counts",
        "US DOT 2015 on-time flights (airlines.csv, airports.csv, flights.csv); scale 1 = 5,819,079 flights"),
    options=FilesSettings,
    file_trigger="flights",
)
