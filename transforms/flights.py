"""flights: staging, dimensions and the flight-leg fact, as pure DataFrame functions."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.flights import (
    CANCELLATION_REASONS,
    CODE_FIELDS,
    DIM_AIRLINE,
    DIM_AIRPORT,
    FACT_FLIGHT,
    FLIGHT_NATURAL_KEY,
    HHMM_FIELDS,
    RAW_AIRLINES,
    RAW_AIRPORTS,
    RAW_FLIGHTS,
)
from transforms.contract import conform
from transforms.dates import (
    date_key,
    epoch_minutes,
    epoch_minutes_to_timestamp,
    hhmm_to_minutes,
    nearest_clock,
    valid_hhmm,
)
from transforms.keys import lookup_key, normalised, surrogate_key, with_unknown_member
from transforms.staging import RejectRule, accepted, parse_rows, rejected, split_duplicates

NO_BREAK_SPACE = "\u00a0"


def _flight_date() -> Column:
    return F.make_date(F.col("YEAR"), F.col("MONTH"), F.col("DAY"))


def flight_reject_rules() -> list[RejectRule]:
    """Row rules beyond types: a real calendar date, valid hhmm clocks, 0/1 flags, known
    cancellation reasons."""
    rules = [RejectRule("impossible date (YEAR, MONTH, DAY)", _flight_date().isNull())]
    rules += [RejectRule(f"{name}: not a valid hhmm time", ~F.coalesce(valid_hhmm(F.col(name)), F.lit(True)))
              for name in HHMM_FIELDS]
    rules += [RejectRule(f"{name}: not 0 or 1", ~F.col(name).isin(0, 1)) for name in ("DIVERTED", "CANCELLED")]
    rules.append(RejectRule(
        "CANCELLATION_REASON: not one of A, B, C, D",
        F.col("CANCELLATION_REASON").isNotNull()
        & ~F.upper(F.col("CANCELLATION_REASON")).isin(*CANCELLATION_REASONS),
    ))
    return rules


def parse_flights(raw: DataFrame) -> DataFrame:
    """One row per flight record read: typed fields plus ``_reject_reason`` (null when good)."""
    return parse_rows(raw, RAW_FLIGHTS, rules=flight_reject_rules())


def normalise_codes(rows: DataFrame, codes: tuple[str, ...] = CODE_FIELDS) -> DataFrame:
    """Carrier and airport codes in the one form keys are built from (``keys.normalised``:
    trimmed, upper case), applied before the dedupe so that 'wn' and 'WN' are the same key
    there exactly as they are in the fact's natural and surrogate keys."""
    return rows.withColumns({c: normalised(F.col(c)) for c in codes})


def split_flights(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Parsed flight records -> (good rows, unique by natural key, codes normalised; quarantine
    records for malformed rows, bad values, impossible dates and later duplicates of a natural
    key)."""
    good = normalise_codes(accepted(parsed))
    good, duplicates = split_duplicates(good, list(FLIGHT_NATURAL_KEY), source="flights")
    return good, rejected(parsed, source="flights").unionByName(duplicates)


def stage_reference(raw: DataFrame, *, source: str) -> tuple[DataFrame, DataFrame]:
    """airlines / airports: typed rows unique by normalised code, and quarantine records."""
    layout = RAW_AIRLINES if source == "airlines" else RAW_AIRPORTS
    parsed = parse_rows(raw, layout)
    good, duplicates = split_duplicates(normalise_codes(accepted(parsed), ("IATA_CODE",)), ["IATA_CODE"],
                                        source=source)
    return good, rejected(parsed, source=source).unionByName(duplicates)


def clean_name(c: Column) -> Column:
    """Names as people type them: no-break spaces become spaces, runs of spaces collapse."""
    return F.trim(F.regexp_replace(F.translate(c, NO_BREAK_SPACE, " "), " {2,}", " "))


def build_dim_airline(airlines: DataFrame) -> DataFrame:
    """One row per airline code plus the unknown member; key airline_key."""
    dim = airlines.select(
        surrogate_key("IATA_CODE").alias("airline_key"),
        F.col("IATA_CODE").alias("airline_code"),
        clean_name(F.col("AIRLINE")).alias("airline_name"),
    )
    return conform(with_unknown_member(dim, DIM_AIRLINE, airline_code="?", airline_name="Unknown"),
                   DIM_AIRLINE)


def build_dim_airport(airports: DataFrame) -> DataFrame:
    """One row per airport code plus the unknown member; key airport_key."""
    dim = airports.select(
        surrogate_key("IATA_CODE").alias("airport_key"),
        F.col("IATA_CODE").alias("airport_code"),
        clean_name(F.col("AIRPORT")).alias("airport_name"),
        clean_name(F.col("CITY")).alias("city"),
        F.upper(F.col("STATE")).alias("state"),
        F.upper(F.col("COUNTRY")).alias("country"),
        F.col("LATITUDE").alias("latitude"),
        F.col("LONGITUDE").alias("longitude"),
    )
    return conform(with_unknown_member(dim, DIM_AIRPORT, airport_code="?", airport_name="Unknown"),
                   DIM_AIRPORT)


def _moments(flights: DataFrame) -> DataFrame:
    """Resolve every bare hhmm clock to a full local timestamp (epoch minutes), anchored on the
    scheduled departure and the reported delays: 2400, early departures the day before and
    overnight arrivals all land on the right day."""
    sched_dep = epoch_minutes(F.col("flight_date"), hhmm_to_minutes(F.col("SCHEDULED_DEPARTURE")))
    dep_delay = F.coalesce(F.col("DEPARTURE_DELAY"), F.lit(0))
    return (
        flights.withColumn("_sched_dep", sched_dep)
        .withColumn("_dep", nearest_clock(F.col("_sched_dep") + dep_delay, F.col("DEPARTURE_TIME")))
        .withColumn("_wheels_off", nearest_clock(
            F.coalesce(F.col("_dep"), F.col("_sched_dep") + dep_delay) + F.coalesce(F.col("TAXI_OUT"), F.lit(0)),
            F.col("WHEELS_OFF")))
        .withColumn("_sched_arr", nearest_clock(
            F.col("_sched_dep") + F.coalesce(F.col("SCHEDULED_TIME"), F.lit(0)), F.col("SCHEDULED_ARRIVAL")))
        .withColumn("_arr", nearest_clock(
            F.col("_sched_arr") + F.coalesce(F.col("ARRIVAL_DELAY"), dep_delay), F.col("ARRIVAL_TIME")))
        .withColumn("_wheels_on", nearest_clock(
            F.coalesce(F.col("_arr") - F.coalesce(F.col("TAXI_IN"), F.lit(0)), F.col("_sched_arr") + dep_delay),
            F.col("WHEELS_ON")))
    )


def build_fact_flight(flights: DataFrame, dim_airline: DataFrame, dim_airport: DataFrame) -> DataFrame:
    """One row per scheduled flight leg; key flight_key. Codes that match no dimension row point
    at the unknown member (-1) and keep their code as sent."""
    arrival_delay = F.col("ARRIVAL_DELAY")
    reason = F.upper(F.col("CANCELLATION_REASON"))
    decode = F.create_map(*[F.lit(x) for kv in CANCELLATION_REASONS.items() for x in kv])
    staged = _moments(flights.withColumn("flight_date", _flight_date())).select(
        "*",
        surrogate_key(F.col("flight_date").cast("string"), "AIRLINE", F.col("FLIGHT_NUMBER").cast("string"),
                      "ORIGIN_AIRPORT", F.lpad(F.col("SCHEDULED_DEPARTURE").cast("string"), 4, "0"),
                      ).alias("flight_key"),
        *[normalised(F.col(c)).alias(alias) for c, alias in (
            ("AIRLINE", "airline_code"), ("ORIGIN_AIRPORT", "origin_airport_code"),
            ("DESTINATION_AIRPORT", "destination_airport_code"))],
    )
    fact = lookup_key(staged, dim_airline, code_column="airline_code", dim_code_column="airline_code",
                      dim_key_column="airline_key", as_column="airline_key")
    for end in ("origin", "destination"):
        fact = lookup_key(fact, dim_airport, code_column=f"{end}_airport_code",
                          dim_code_column="airport_code", dim_key_column="airport_key",
                          as_column=f"{end}_airport_key")
    ts = epoch_minutes_to_timestamp
    out = fact.select(
        "flight_key",
        date_key(F.col("flight_date")).alias("date_key"),
        "flight_date",
        (F.year("flight_date") * 100 + F.month("flight_date")).alias("year_month"),
        "airline_key", "origin_airport_key", "destination_airport_key", "airline_code",
        F.col("FLIGHT_NUMBER").alias("flight_number"),
        F.col("TAIL_NUMBER").alias("tail_number"),
        "origin_airport_code", "destination_airport_code",
        (((F.dayofweek("flight_date") + 5) % 7) + 1).alias("day_of_week"),
        F.lpad(F.col("SCHEDULED_DEPARTURE").cast("string"), 4, "0").alias("scheduled_departure_hhmm"),
        ts(F.col("_sched_dep")).alias("scheduled_departure_at"),
        ts(F.col("_dep")).alias("departure_at"),
        F.col("DEPARTURE_DELAY").alias("departure_delay_min"),
        F.col("TAXI_OUT").alias("taxi_out_min"),
        ts(F.col("_wheels_off")).alias("wheels_off_at"),
        F.col("SCHEDULED_TIME").alias("scheduled_time_min"),
        F.col("ELAPSED_TIME").alias("elapsed_time_min"),
        F.col("AIR_TIME").alias("air_time_min"),
        F.col("DISTANCE").alias("distance_miles"),
        ts(F.col("_wheels_on")).alias("wheels_on_at"),
        F.col("TAXI_IN").alias("taxi_in_min"),
        ts(F.col("_sched_arr")).alias("scheduled_arrival_at"),
        ts(F.col("_arr")).alias("arrival_at"),
        arrival_delay.alias("arrival_delay_min"),
        F.coalesce(arrival_delay >= 15, F.lit(False)).alias("is_delayed"),
        F.coalesce(arrival_delay > 0, F.lit(False)).alias("is_delayed_any"),
        (F.col("DIVERTED") == 1).alias("is_diverted"),
        (F.col("CANCELLED") == 1).alias("is_cancelled"),
        reason.alias("cancellation_reason_code"),
        decode[reason].alias("cancellation_reason"),
        F.col("AIR_SYSTEM_DELAY").alias("air_system_delay_min"),
        F.col("SECURITY_DELAY").alias("security_delay_min"),
        F.col("AIRLINE_DELAY").alias("airline_delay_min"),
        F.col("LATE_AIRCRAFT_DELAY").alias("late_aircraft_delay_min"),
        F.col("WEATHER_DELAY").alias("weather_delay_min"),
    )
    return conform(out, FACT_FLIGHT)


def flight_dates(flights: DataFrame) -> DataFrame:
    """The days staged flight rows cover, for the conformed calendar (taken before the dedupe
    and the lookups, which cannot change the range)."""
    return flights.select(_flight_date().alias("date"))
