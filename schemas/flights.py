"""flights: the vendor's three files (US DOT on-time data) and the star they load into."""

from schemas.common import DIM_DATE
from schemas.spec import (
    AcceptedValues,
    Column,
    Expression,
    ForeignKey,
    InRange,
    RawCsv,
    RawField,
    TableSpec,
    dimension_spec,
)

# ---- raw layouts: the header each file must have and what each field must parse to ----

RAW_AIRLINES = RawCsv(
    name="airlines",
    file_glob="airlines.csv",
    fields=(
        RawField("IATA_CODE", "varchar(3)", required=True),
        RawField("AIRLINE", "varchar(100)", required=True),
    ),
)

RAW_AIRPORTS = RawCsv(
    name="airports",
    file_glob="airports.csv",
    fields=(
        RawField("IATA_CODE", "varchar(5)", required=True),
        RawField("AIRPORT", "varchar(200)", required=True),
        RawField("CITY", "varchar(100)"),
        RawField("STATE", "varchar(2)"),
        RawField("COUNTRY", "varchar(3)"),
        RawField("LATITUDE", "double"),
        RawField("LONGITUDE", "double"),
    ),
)

_HHMM = "int"
RAW_FLIGHTS = RawCsv(
    name="flights",
    file_glob="flights*.csv",
    fields=(
        RawField("YEAR", "int", required=True),
        RawField("MONTH", "int", required=True),
        RawField("DAY", "int", required=True),
        RawField("DAY_OF_WEEK", "int"),
        RawField("AIRLINE", "varchar(3)", required=True),
        RawField("FLIGHT_NUMBER", "int", required=True),
        RawField("TAIL_NUMBER", "varchar(10)"),
        RawField("ORIGIN_AIRPORT", "varchar(5)", required=True),
        RawField("DESTINATION_AIRPORT", "varchar(5)", required=True),
        RawField("SCHEDULED_DEPARTURE", _HHMM, required=True),
        RawField("DEPARTURE_TIME", _HHMM),
        RawField("DEPARTURE_DELAY", "int"),
        RawField("TAXI_OUT", "int"),
        RawField("WHEELS_OFF", _HHMM),
        RawField("SCHEDULED_TIME", "int"),
        RawField("ELAPSED_TIME", "int"),
        RawField("AIR_TIME", "int"),
        RawField("DISTANCE", "int"),
        RawField("WHEELS_ON", _HHMM),
        RawField("TAXI_IN", "int"),
        RawField("SCHEDULED_ARRIVAL", _HHMM, required=True),
        RawField("ARRIVAL_TIME", _HHMM),
        RawField("ARRIVAL_DELAY", "int"),
        RawField("DIVERTED", "int", required=True),
        RawField("CANCELLED", "int", required=True),
        RawField("CANCELLATION_REASON", "varchar(1)"),
        RawField("AIR_SYSTEM_DELAY", "int"),
        RawField("SECURITY_DELAY", "int"),
        RawField("AIRLINE_DELAY", "int"),
        RawField("LATE_AIRCRAFT_DELAY", "int"),
        RawField("WEATHER_DELAY", "int"),
    ),
)

HHMM_FIELDS = ("SCHEDULED_DEPARTURE", "DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON",
               "SCHEDULED_ARRIVAL", "ARRIVAL_TIME")
# Codes compared as keys (dedupe, surrogate keys, dimension lookups), always in normalised form.
CODE_FIELDS = ("AIRLINE", "ORIGIN_AIRPORT", "DESTINATION_AIRPORT")
FLIGHT_NATURAL_KEY = ("YEAR", "MONTH", "DAY", "AIRLINE", "FLIGHT_NUMBER", "ORIGIN_AIRPORT",
                      "SCHEDULED_DEPARTURE")

CANCELLATION_REASONS = {"A": "Airline/Carrier", "B": "Weather", "C": "National Air System",
                        "D": "Security"}

# ---- warehouse tables ----

DIM_AIRLINE = dimension_spec(
    name="dim_airline",
    grain="One row per airline IATA code; key airline_key (-1 = unknown airline).",
    columns=(
        Column("airline_key", "bigint", False, "xxhash64 of the normalised IATA code"),
        Column("airline_code", "varchar(3)", False, "IATA carrier code, e.g. AA"),
        Column("airline_name", "varchar(100)", False, "Carrier name"),
    ),
    key="airline_key",
    natural_key=("airline_code",),
)

DIM_AIRPORT = dimension_spec(
    name="dim_airport",
    grain="One row per airport code; key airport_key (-1 = unknown airport).",
    columns=(
        Column("airport_key", "bigint", False, "xxhash64 of the normalised airport code"),
        Column("airport_code", "varchar(5)", False, "IATA code (3 letters)"),
        Column("airport_name", "varchar(200)", False, "Airport name; no-break spaces normalised"),
        Column("city", "varchar(100)", True, "City served"),
        Column("state", "varchar(2)", True, "US state / territory code"),
        Column("country", "varchar(3)", True, "Country code"),
        Column("latitude", "double", True, "Decimal degrees (null where the vendor has none)"),
        Column("longitude", "double", True, "Decimal degrees (null where the vendor has none)"),
    ),
    key="airport_key",
    natural_key=("airport_code",),
    checks=(InRange("latitude", -90, 90), InRange("longitude", -180, 180)),
)

_delay = "minutes of arrival delay attributed to "
FACT_FLIGHT = TableSpec(
    name="fact_flight",
    grain="One row per scheduled flight leg (date, airline, flight number, origin, scheduled "
          "departure); key flight_key.",
    description="Replaced as a whole by every vendor file, in one transaction.",
    columns=(
        Column("flight_key", "bigint", False, "xxhash64 of the natural key"),
        Column("date_key", "int", False, "Scheduled departure day, yyyymmdd -> dim_date"),
        Column("flight_date", "date", False, "Scheduled departure day (origin local)"),
        Column("year_month", "int", False, "yyyymm of flight_date (lake partition)"),
        Column("airline_key", "bigint", False, "-> dim_airline (-1 unknown)"),
        Column("origin_airport_key", "bigint", False, "-> dim_airport (-1 unknown)"),
        Column("destination_airport_key", "bigint", False, "-> dim_airport (-1 unknown)"),
        Column("airline_code", "varchar(3)", False, "Carrier code as sent"),
        Column("flight_number", "int", False, "Flight number"),
        Column("tail_number", "varchar(10)", True, "Aircraft registration"),
        Column("origin_airport_code", "varchar(5)", False,
               "Origin as sent (IATA, or a 5-digit BTS id in the October 2015 file)"),
        Column("destination_airport_code", "varchar(5)", False, "Destination as sent"),
        Column("day_of_week", "smallint", False, "1 = Monday … 7 = Sunday"),
        Column("scheduled_departure_hhmm", "varchar(4)", False, "Scheduled departure clock, hhmm"),
        Column("scheduled_departure_at", "timestamp", False, "Scheduled departure, origin local time"),
        Column("departure_at", "timestamp", True,
               "Actual departure, origin local (may be the day before the scheduled one)"),
        Column("departure_delay_min", "int", True, "Minutes late at departure (negative = early)"),
        Column("taxi_out_min", "int", True, "Gate to wheels-off, minutes"),
        Column("wheels_off_at", "timestamp", True, "Wheels off, origin local"),
        Column("scheduled_time_min", "int", True, "Scheduled block time, minutes"),
        Column("elapsed_time_min", "int", True, "Actual block time, minutes"),
        Column("air_time_min", "int", True, "Wheels-off to wheels-on, minutes"),
        Column("distance_miles", "int", True, "Great-circle distance, miles"),
        Column("wheels_on_at", "timestamp", True, "Wheels on, destination local"),
        Column("taxi_in_min", "int", True, "Wheels-on to gate, minutes"),
        Column("scheduled_arrival_at", "timestamp", False, "Scheduled arrival, destination local"),
        Column("arrival_at", "timestamp", True, "Actual arrival, destination local"),
        Column("arrival_delay_min", "int", True, "Minutes late at arrival (negative = early)"),
        Column("is_delayed", "boolean", False,
               "BTS definition: arrived 15 or more minutes late"),
        Column("is_delayed_any", "boolean", False, "Arrived later than scheduled at all (> 0 min)"),
        Column("is_diverted", "boolean", False, "Landed somewhere else"),
        Column("is_cancelled", "boolean", False, "Cancelled"),
        Column("cancellation_reason_code", "varchar(1)", True, "A, B, C or D"),
        Column("cancellation_reason", "varchar(20)", True, "Decoded cancellation reason"),
        Column("air_system_delay_min", "int", True, _delay + "the air system"),
        Column("security_delay_min", "int", True, _delay + "security"),
        Column("airline_delay_min", "int", True, _delay + "the airline"),
        Column("late_aircraft_delay_min", "int", True, _delay + "a late aircraft"),
        Column("weather_delay_min", "int", True, _delay + "weather"),
    ),
    primary_key=("flight_key",),
    natural_key=("flight_date", "airline_code", "flight_number", "origin_airport_code",
                 "scheduled_departure_hhmm"),
    foreign_keys=(
        ForeignKey("date_key", DIM_DATE.name, "date_key"),
        ForeignKey("airline_key", DIM_AIRLINE.name, "airline_key"),
        ForeignKey("origin_airport_key", DIM_AIRPORT.name, "airport_key"),
        ForeignKey("destination_airport_key", DIM_AIRPORT.name, "airport_key"),
    ),
    partition_by=("year_month",),
    load_mode="replace_all",
    diststyle="EVEN",
    sortkey=("date_key", "airline_key"),
    checks=(
        AcceptedValues("cancellation_reason_code", tuple(CANCELLATION_REASONS)),
        InRange("day_of_week", 1, 7),
        InRange("distance_miles", 1, 10000),
        Expression("cancelled flights have a reason",
                   "NOT is_cancelled OR cancellation_reason_code IS NOT NULL", "warning"),
        Expression("cancelled flights did not arrive", "NOT is_cancelled OR arrival_at IS NULL",
                   "warning"),
        Expression("delay causes only when arrival delay >= 15",
                   "coalesce(arrival_delay_min, 0) >= 15 OR (airline_delay_min IS NULL AND "
                   "weather_delay_min IS NULL AND air_system_delay_min IS NULL AND "
                   "security_delay_min IS NULL AND late_aircraft_delay_min IS NULL)", "warning"),
        Expression("delay causes add up to the arrival delay",
                   "airline_delay_min IS NULL OR arrival_delay_min = coalesce(air_system_delay_min,0)"
                   " + coalesce(security_delay_min,0) + coalesce(airline_delay_min,0)"
                   " + coalesce(late_aircraft_delay_min,0) + coalesce(weather_delay_min,0)",
                   "warning"),
    ),
)

TABLES = (DIM_DATE, DIM_AIRLINE, DIM_AIRPORT, FACT_FLIGHT)
VIEWS = ("flights_details", "delayed_flights_agg")
