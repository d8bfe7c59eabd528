"""Synthetic US DOT 2015 on-time flights data (Kaggle "usdot/flight-delays" layout).

Writes ``airlines.csv``, ``airports.csv`` and ``flights.csv`` with the same
columns, encodings and quirks as the real files, so the pipeline can be run
end to end on any volume without the real 565 MB file:

* ``airlines.csv``: the 14 carriers of 2015, LF line endings.
* ``airports.csv``: 322 airports, LF; ~60 real major airports plus synthetic
  ones. 3 airports have empty coordinates, ~10 % of the names contain U+00A0
  no-break spaces, some names are accented and two contain a comma (quoted).
* ``flights.csv``: the 31-column layout, CRLF line endings and no newline after
  the last row, sorted by date then ``SCHEDULED_DEPARTURE``. Times are
  zero-padded ``hhmm`` text with ``2400`` for midnight in actual times, and the
  times, delays and durations are arithmetically consistent (see
  :func:`generate_flights`). In October both airport columns hold the 5-digit
  numeric airport id instead of the IATA code (as in the real file), and about
  0.05 % of the other rows use an airport code missing from ``airports.csv``.

Only ``flights.csv`` depends on the seed: the reference tables are built from
a fixed internal seed so that airport codes and ids stay stable across runs.
All randomness comes from one :class:`numpy.random.Generator` consumed in a
fixed order, so the output is byte-identical for a given ``(scale, seed)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import logging
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

#: Rows of the real 2015 ``flights.csv``; ``scale=1`` targets this volume.
FULL_FLIGHT_ROWS = 5_819_079
YEAR = 2015

FLIGHTS_HEADER: tuple[str, ...] = (
    "YEAR", "MONTH", "DAY", "DAY_OF_WEEK", "AIRLINE", "FLIGHT_NUMBER", "TAIL_NUMBER",
    "ORIGIN_AIRPORT", "DESTINATION_AIRPORT", "SCHEDULED_DEPARTURE", "DEPARTURE_TIME",
    "DEPARTURE_DELAY", "TAXI_OUT", "WHEELS_OFF", "SCHEDULED_TIME", "ELAPSED_TIME",
    "AIR_TIME", "DISTANCE", "WHEELS_ON", "TAXI_IN", "SCHEDULED_ARRIVAL", "ARRIVAL_TIME",
    "ARRIVAL_DELAY", "DIVERTED", "CANCELLED", "CANCELLATION_REASON", "AIR_SYSTEM_DELAY",
    "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY",
)
AIRLINES_HEADER: tuple[str, ...] = ("IATA_CODE", "AIRLINE")
AIRPORTS_HEADER: tuple[str, ...] = (
    "IATA_CODE", "AIRPORT", "CITY", "STATE", "COUNTRY", "LATITUDE", "LONGITUDE",
)

#: Codes used by the ~0.05 % "unknown airport" rows; never present in airports.csv.
UNKNOWN_AIRPORT_CODES: tuple[str, ...] = ("BQZ", "JXW", "QVK", "YKZ", "ZGQ", "XQP")

# Reference tables must not change with the user's seed (stable codes and ids).
_REFERENCE_SEED = 20150101
_N_AIRPORTS = 322
_NBSP = "\u00a0"

# Rates of the row-level quirks (fractions of all flights).
_DIVERTED_RATE = 0.0026
_UNKNOWN_AIRPORT_RATE = 0.0005
_EMPTY_TAIL_SHARE_OF_CANCELLED = 0.2
# Weather cancellations peak in winter; the average is ~1.55 % as in 2015.
_CANCEL_RATE_BY_MONTH = (
    0.030, 0.045, 0.020, 0.011, 0.010, 0.015, 0.013, 0.011, 0.007, 0.006, 0.007, 0.012,
)
_CANCEL_REASONS = ("A", "B", "C", "D")
_CANCEL_REASON_P = (0.28, 0.495, 0.22, 0.005)
# Cause columns in file order: AIR_SYSTEM, SECURITY, AIRLINE, LATE_AIRCRAFT, WEATHER.
_CAUSE_P = (0.30, 0.004, 0.31, 0.34, 0.046)
# Mild weekly and yearly seasonality of the daily volume (Mon..Sun, Jan..Dec).
_DOW_FACTOR = (1.02, 0.99, 1.00, 1.02, 1.01, 0.85, 0.96)
_MONTH_FACTOR = (0.96, 0.90, 1.02, 0.99, 1.00, 1.03, 1.06, 1.05, 0.96, 1.00, 0.95, 0.98)
# Enough schedules that small scales look like a random sample of a full network.
_MIN_SCHEDULES = 20_000
_MAX_FLIGHT_NUMBER = 7000
_FORMAT_CHUNK_ROWS = 100_000


# --------------------------------------------------------------------------- airlines

@dataclass(frozen=True)
class Airline:
    """A carrier: code, name, 2015 volume (thousand flights) and network shape."""

    code: str
    name: str
    volume: float
    regional: bool
    hubs: tuple[str, ...]
    tail_patterns: tuple[str, ...]
    last_month: int = 12


# Volumes approximate the 2015 shares (WN, DL, AA big; VX, HA small). US Airways
# merged its reporting into American in July 2015, so US flies January-June only.
# Tail patterns: '#' a digit, '@' a capital letter.
AIRLINES: tuple[Airline, ...] = (
    Airline("UA", "United Air Lines Inc.", 516, False,
            ("ORD", "DEN", "IAH", "EWR", "SFO", "IAD", "LAX"), ("N7####", "N4####", "N8##UA")),
    Airline("AA", "American Airlines Inc.", 726, False,
            ("DFW", "ORD", "MIA", "LAX", "JFK", "PHX", "CLT"), ("N3@@AA", "N###AA", "N###AN")),
    Airline("US", "US Airways Inc.", 199, False,
            ("CLT", "PHL", "PHX", "DCA"), ("N###UW", "N###US", "N###AW"), last_month=6),
    Airline("F9", "Frontier Airlines Inc.", 91, False,
            ("DEN", "LAS", "MCO"), ("N2##FR", "N7##FR")),
    Airline("B6", "JetBlue Airways", 267, False,
            ("JFK", "BOS", "FLL", "MCO", "SJU"), ("N5##JB", "N6##JB", "N2##JB")),
    Airline("OO", "Skywest Airlines Inc.", 588, True,
            ("SLC", "DEN", "ORD", "SFO", "LAX", "MSP", "DTW"), ("N###SY", "N###SK", "N9##SW")),
    Airline("AS", "Alaska Airlines Inc.", 173, False,
            ("SEA", "PDX", "ANC", "LAX", "SFO"), ("N###AS",)),
    Airline("NK", "Spirit Air Lines", 117, False,
            ("FLL", "LAS", "DTW", "ORD", "DFW"), ("N5##NK", "N6##NK")),
    Airline("WN", "Southwest Airlines Co.", 1262, False,
            ("MDW", "LAS", "BWI", "DAL", "HOU", "PHX", "DEN", "OAK", "MCO"),
            ("N###WN", "N###SW", "N7##SW")),
    Airline("DL", "Delta Air Lines Inc.", 876, False,
            ("ATL", "MSP", "DTW", "SLC", "JFK", "LGA", "SEA", "LAX"),
            ("N###DN", "N###DL", "N3###@", "N9##DL")),
    Airline("EV", "Atlantic Southeast Airlines", 572, True,
            ("ATL", "IAH", "EWR", "ORD", "DTW"), ("N1####", "N###EV", "N8##AS")),
    Airline("HA", "Hawaiian Airlines Inc.", 76, False,
            ("HNL", "OGG", "KOA", "LIH"), ("N3##HA", "N4##HA")),
    Airline("MQ", "American Eagle Airlines Inc.", 295, True,
            ("DFW", "ORD", "MIA", "LGA"), ("N6##MQ", "N5##AE", "N8##AE")),
    Airline("VX", "Virgin America", 62, False,
            ("SFO", "LAX", "JFK", "LAS"), ("N8##VA", "N6##VA")),
)


# --------------------------------------------------------------------------- airports

@dataclass(frozen=True)
class Airport:
    """An airport with the hidden attributes used to make flights consistent.

    ``utc_offset`` (hours, daylight saving ignored) aligns local arrival times,
    ``bts_id`` is the 5-digit id written instead of the code in October,
    ``weight`` is the relative traffic (~thousand departures a year), and ``coords_published`` is False for
    the airports whose coordinates are left empty in airports.csv (their hidden
    coordinates still drive DISTANCE).
    """

    code: str
    name: str
    city: str
    state: str
    latitude: float
    longitude: float
    utc_offset: int
    bts_id: int
    weight: float
    coords_published: bool = True


# Real major airports: code, BTS-style id, name, city, state, lat, lon, UTC
# offset, approximate 2015 departures (thousands). Ids follow the commonly
# seen BTS numbering (e.g. ATL 10397) but are not authoritative.
_MAJOR_AIRPORTS: tuple[tuple[str, int, str, str, str, float, float, int, float], ...] = (
    ("ATL", 10397, "Hartsfield-Jackson Atlanta International Airport", "Atlanta", "GA", 33.64044, -84.42694, -5, 346),
    # ORD is a hub of six carriers; a lower base keeps ATL the busiest, as in 2015.
    ("ORD", 13930, "Chicago O'Hare International Airport", "Chicago", "IL", 41.97960, -87.90446, -6, 210),
    ("DFW", 11298, "Dallas/Fort Worth International Airport", "Dallas-Fort Worth", "TX", 32.89595, -97.03720, -6, 239),
    ("DEN", 11292, "Denver International Airport", "Denver", "CO", 39.85841, -104.66700, -7, 197),
    ("LAX", 12892, "Los Angeles International Airport", "Los Angeles", "CA", 33.94254, -118.40807, -8, 194),
    ("SFO", 14771, "San Francisco International Airport", "San Francisco", "CA", 37.61900, -122.37484, -8, 148),
    ("PHX", 14107, "Phoenix Sky Harbor International Airport", "Phoenix", "AZ", 33.43417, -112.00806, -7, 146),
    ("IAH", 12266, "George Bush Intercontinental Airport", "Houston", "TX", 29.98047, -95.33972, -6, 146),
    ("LAS", 12889, "McCarran International Airport", "Las Vegas", "NV", 36.08036, -115.15233, -8, 133),
    ("MSP", 13487, "Minneapolis-Saint Paul International Airport", "Minneapolis", "MN", 44.88055, -93.21692, -6, 112),
    ("MCO", 13204, "Orlando International Airport", "Orlando", "FL", 28.42889, -81.31603, -5, 110),
    ("SEA", 14747, "Seattle-Tacoma International Airport", "Seattle", "WA", 47.44898, -122.30931, -8, 110),
    ("DTW", 11433, "Detroit Metropolitan Airport", "Detroit", "MI", 42.21206, -83.34884, -5, 108),
    ("BOS", 10721, "Gen. Edward Lawrence Logan International Airport", "Boston", "MA", 42.36435, -71.00518, -5, 107),
    ("EWR", 11618, "Newark Liberty International Airport", "Newark", "NJ", 40.69250, -74.16866, -5, 101),
    ("CLT", 11057, "Charlotte Douglas International Airport", "Charlotte", "NC", 35.21401, -80.94313, -5, 100),
    ("LGA", 12953, "LaGuardia Airport", "New York", "NY", 40.77724, -73.87261, -5, 99),
    ("SLC", 14869, "Salt Lake City International Airport", "Salt Lake City", "UT", 40.78839, -111.97777, -7, 97),
    ("JFK", 12478, "John F. Kennedy International Airport", "New York", "NY", 40.63975, -73.77893, -5, 93),
    ("BWI", 10821, "Baltimore-Washington International Airport", "Baltimore", "MD", 39.17540, -76.66820, -5, 86),
    ("MDW", 13232, "Chicago Midway International Airport", "Chicago", "IL", 41.78598, -87.75242, -6, 80),
    ("DCA", 11278, "Ronald Reagan Washington National Airport", "Arlington", "VA", 38.85208, -77.03772, -5, 76),
    ("FLL", 11697, "Fort Lauderdale-Hollywood International Airport", "Ft. Lauderdale", "FL",
     26.07258, -80.15275, -5, 73),
    ("SAN", 14679, "San Diego International Airport", "San Diego", "CA", 32.73356, -117.18966, -8, 70),
    ("MIA", 13303, "Miami International Airport", "Miami", "FL", 25.79325, -80.29056, -5, 62),
    ("PHL", 14100, "Philadelphia International Airport", "Philadelphia", "PA", 39.87195, -75.24114, -5, 61),
    ("TPA", 15304, "Tampa International Airport", "Tampa", "FL", 27.97547, -82.53325, -5, 59),
    ("DAL", 11259, "Dallas Love Field", "Dallas", "TX", 32.84711, -96.85177, -6, 57),
    ("HOU", 12191, "William P. Hobby Airport", "Houston", "TX", 29.64542, -95.27889, -6, 53),
    ("BNA", 10693, "Nashville International Airport", "Nashville", "TN", 36.12448, -86.67818, -6, 50),
    ("PDX", 14057, "Portland International Airport", "Portland", "OR", 45.58872, -122.59750, -8, 49),
    ("STL", 15016, "St. Louis Lambert International Airport", "St. Louis", "MO", 38.74769, -90.35999, -6, 49),
    ("HNL", 12173, "Honolulu International Airport", "Honolulu", "HI", 21.31869, -157.92241, -10, 49),
    ("AUS", 10423, "Austin-Bergstrom International Airport", "Austin", "TX", 30.19453, -97.66987, -6, 44),
    ("OAK", 13796, "Oakland International Airport", "Oakland", "CA", 37.72129, -122.22072, -8, 38),
    ("MSY", 13495, "Louis Armstrong New Orleans International Airport", "New Orleans", "LA",
     29.99339, -90.25803, -6, 38),
    ("MCI", 13198, "Kansas City International Airport", "Kansas City", "MO", 39.29761, -94.71391, -6, 37),
    ("SJC", 14831, "Norman Y. Mineta San José International Airport", "San Jose", "CA", 37.36186, -121.92901, -8, 35),
    ("SMF", 14893, "Sacramento International Airport", "Sacramento", "CA", 38.69542, -121.59077, -8, 35),
    ("SNA", 14908, f"John Wayne Airport{_NBSP}(Orange County Airport)", "Santa Ana", "CA",
     33.67566, -117.86822, -8, 35),
    ("RDU", 14492, "Raleigh-Durham International Airport", "Raleigh", "NC", 35.87764, -78.78747, -5, 34),
    ("IAD", 12264, "Washington Dulles International Airport", "Chantilly", "VA", 38.94453, -77.45581, -5, 33),
    ("SAT", 14683, "San Antonio International Airport", "San Antonio", "TX", 29.53369, -98.46978, -6, 29),
    ("CLE", 11042, "Cleveland Hopkins International Airport", "Cleveland", "OH", 41.41089, -81.84940, -5, 28),
    ("PIT", 14122, "Pittsburgh International Airport", "Pittsburgh", "PA", 40.49147, -80.23287, -5, 26),
    ("IND", 12339, "Indianapolis International Airport", "Indianapolis", "IN", 39.71733, -86.29438, -5, 26),
    ("ANC", 10299, "Ted Stevens Anchorage International Airport", "Anchorage", "AK", 61.17432, -149.99619, -9, 25),
    ("CMH", 11066, "Port Columbus International Airport", "Columbus", "OH", 39.99799, -82.89188, -5, 22),
    ("OGG", 13830, "Kahului Airport", "Kahului", "HI", 20.89865, -156.43046, -10, 22),
    ("SJU", 14843, "Luis Muñoz Marín International Airport", "San Juan", "PR", 18.43942, -66.00183, -4, 21),
    ("MKE", 13342, "General Mitchell International Airport", "Milwaukee", "WI", 42.94722, -87.89658, -6, 21),
    ("RSW", 14635, "Southwest Florida International Airport", "Ft. Myers", "FL", 26.53617, -81.75517, -5, 20),
    ("JAX", 12451, "Jacksonville International Airport", "Jacksonville", "FL", 30.49406, -81.68786, -5, 20),
    ("CVG", 11193, "Cincinnati/Northern Kentucky International Airport", "Covington", "KY",
     39.04614, -84.66217, -5, 19),
    ("ABQ", 10140, "Albuquerque International Sunport", "Albuquerque", "NM", 35.04022, -106.60919, -7, 18),
    ("LIH", 12982, "Lihue Airport", "Lihue", "HI", 21.97598, -159.33896, -10, 9),
    ("KOA", 12758, "Kona International Airport at Keahole", "Kailua-Kona", "HI", 19.73877, -156.04563, -10, 8),
    ("FAI", 11630, "Fairbanks International Airport", "Fairbanks", "AK", 64.81368, -147.85967, -9, 4),
    ("STT", 15070, "Cyril E. King Airport", "Charlotte Amalie", "VI", 18.33731, -64.97336, -4, 2),
    ("BQN", 10666, "Rafael Hernández Airport", "Aguadilla", "PR", 18.49486, -67.12944, -4, 1.5),
)

# Synthetic airports are spread over states like the real table: state, weight
# (number of airports), centre latitude/longitude, half-ranges, UTC offset.
_STATES: tuple[tuple[str, float, float, float, float, float, int], ...] = (
    ("TX", 22, 31.0, -99.0, 3.0, 4.5, -6), ("CA", 16, 37.0, -120.0, 2.5, 2.0, -8),
    ("AK", 17, 61.5, -152.0, 4.0, 10.0, -9), ("FL", 12, 28.5, -82.0, 2.0, 1.3, -5),
    ("MI", 14, 44.0, -85.0, 2.0, 1.8, -5), ("NY", 11, 42.8, -75.5, 1.0, 2.8, -5),
    ("CO", 9, 39.0, -105.5, 1.1, 2.8, -7), ("WI", 7, 44.6, -89.9, 1.6, 1.8, -6),
    ("PA", 6, 40.9, -77.8, 0.7, 2.3, -5), ("ND", 8, 47.4, -100.5, 0.9, 3.3, -6),
    ("NC", 7, 35.5, -79.5, 0.7, 2.8, -5), ("MT", 8, 47.0, -109.6, 1.4, 4.8, -7),
    ("MN", 7, 46.0, -94.3, 2.2, 2.2, -6), ("VA", 5, 37.5, -78.8, 0.8, 2.8, -5),
    ("LA", 6, 31.0, -92.0, 1.1, 1.4, -6), ("IL", 5, 40.0, -89.2, 1.8, 0.9, -6),
    ("GA", 6, 32.7, -83.4, 1.3, 1.2, -5), ("WY", 6, 43.0, -107.5, 1.4, 2.8, -7),
    ("ID", 6, 44.2, -114.5, 1.8, 1.4, -7), ("UT", 4, 39.3, -111.7, 1.8, 1.6, -7),
    ("TN", 4, 35.8, -86.3, 0.5, 2.8, -6), ("OR", 4, 44.0, -120.5, 1.6, 2.8, -8),
    ("OH", 3, 40.3, -82.8, 1.2, 1.4, -5), ("MS", 5, 32.7, -89.7, 1.4, 0.7, -6),
    ("MO", 3, 38.4, -92.5, 1.1, 1.8, -6), ("MA", 4, 42.3, -71.8, 0.3, 1.0, -5),
    ("IA", 5, 42.0, -93.5, 0.8, 2.3, -6), ("HI", 1, 20.8, -156.8, 0.7, 1.3, -10),
    ("AL", 5, 32.8, -86.8, 1.4, 0.9, -6), ("WA", 3, 47.4, -120.5, 1.1, 2.8, -8),
    ("SC", 4, 33.8, -80.9, 0.9, 1.6, -5), ("NM", 3, 34.4, -106.1, 1.6, 1.8, -7),
    ("KY", 3, 37.5, -85.3, 0.6, 1.8, -5), ("KS", 4, 38.5, -98.4, 0.8, 2.8, -6),
    ("IN", 3, 40.0, -86.2, 1.4, 0.7, -5), ("AZ", 3, 33.8, -111.7, 1.4, 1.8, -7),
    ("AR", 4, 35.0, -92.4, 1.1, 1.6, -6), ("SD", 3, 44.4, -100.2, 0.9, 3.3, -6),
    ("PR", 1, 18.2, -66.5, 0.15, 0.6, -4), ("OK", 3, 35.5, -97.5, 1.1, 2.3, -6),
    ("NV", 2, 39.0, -116.9, 2.2, 1.8, -8), ("NJ", 3, 40.1, -74.6, 0.6, 0.3, -5),
    ("NE", 3, 41.5, -99.8, 0.9, 3.3, -6), ("ME", 2, 45.0, -69.2, 1.3, 1.1, -5),
    ("WV", 1, 38.6, -80.6, 0.9, 1.3, -5), ("VT", 1, 44.1, -72.7, 0.7, 0.4, -5),
    ("RI", 1, 41.7, -71.5, 0.1, 0.1, -5), ("NH", 1, 43.6, -71.6, 0.7, 0.4, -5),
    ("DE", 1, 38.9, -75.5, 0.3, 0.2, -5), ("CT", 1, 41.6, -72.7, 0.3, 0.6, -5),
)
_CITY_PREFIXES = (
    "Ash", "Bay", "Bear", "Birch", "Briar", "Cedar", "Clear", "Copper", "Cotton", "Deer",
    "Eagle", "Elm", "Fair", "Fox", "Glen", "Granite", "Green", "Hawk", "Iron", "Maple",
    "Mill", "Oak", "Pine", "Prairie", "Red", "Rock", "Sand", "Silver", "Stone", "Summer",
    "Timber", "Walnut", "Willow", "Wolf", "Black", "White", "Marsh", "Haw", "Kings", "Ore",
)
_CITY_SUFFIXES = (
    "ville", "ton", "field", "wood", "dale", "port", "burg", "ford", "view", "brook",
    "haven", "creek", "mont", "land", "ridge", "bury", "worth", "well", "stead", "mouth",
)
_CITY_WORDS = (" Falls", " Springs", " City", " Harbor", " Junction")
_SURNAMES = (
    "Adams", "Baker", "Carter", "Dawson", "Ellis", "Foster", "Grant", "Harper", "Irving",
    "Jensen", "Keller", "Lawson", "Mason", "Nolan", "Owens", "Parker", "Quinn", "Reed",
    "Sawyer", "Tucker", "Vance", "Walker", "Young", "Bishop", "Crawford", "Dalton",
    "Fletcher", "Garrison", "Hollis", "Monroe",
)
# Accented synthetic cities (state fixed) so non-ASCII is not limited to the majors.
_ACCENTED_CITIES = (("Española", "NM"), ("Cañon City", "CO"), ("Peñasco", "NM"))
_N_NBSP_SYNTHETIC = 31   # plus SNA: ~10 % of the names
_N_COMMA_NAMES = 2
_N_MISSING_COORDS = 3


def _city_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct plausible town names like "Cedarville" or "Oakford Falls"."""
    combos = [p + s for p in _CITY_PREFIXES for s in _CITY_SUFFIXES]
    picked = [combos[i] for i in rng.permutation(len(combos))[:n]]
    words = rng.integers(0, len(_CITY_WORDS), size=n)
    with_word = rng.random(n) < 0.15
    return [c + _CITY_WORDS[w] if add else c for c, w, add in zip(picked, words, with_word, strict=True)]


def _airport_name(rng: np.random.Generator, city: str) -> str:
    """Pick one of the usual airport naming patterns for a small-town airport."""
    surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    patterns = (
        f"{city} Regional Airport", f"{city} Municipal Airport",
        f"{city} International Airport", f"{surname} County Airport",
        f"{surname} Field", f"{city} Airport",
    )
    return patterns[int(rng.choice(len(patterns), p=(0.38, 0.17, 0.15, 0.1, 0.1, 0.1)))]


def _new_code(rng: np.random.Generator, city: str, used: set[str]) -> str:
    """Return an unused 3-letter code, preferably starting with the city's initial."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    while True:
        code = city[0].upper() + "".join(rng.choice(letters, size=2))
        if city[0].upper() not in letters or code in used:
            code = "".join(rng.choice(letters, size=3))
        if code not in used:
            used.add(code)
            return code


def _synthetic_airports(
    rng: np.random.Generator, n: int, used_codes: set[str], used_ids: set[int]
) -> list[Airport]:
    """Build ``n`` deterministic synthetic airports with the table's quirks."""
    state_w = np.array([s[1] for s in _STATES], dtype=float)
    states = rng.choice(len(_STATES), size=n, p=state_w / state_w.sum())
    cities = _city_names(rng, n)
    free_ids = np.setdiff1d(np.arange(10000, 17000), np.array(sorted(used_ids)))
    ids = rng.choice(free_ids, size=n, replace=False)
    # Lognormal traffic: a few mid-size airports and a long tail of tiny ones.
    weights = np.exp(rng.normal(0.0, 1.1, size=n))
    weights *= 1300.0 / weights.sum()
    special = rng.permutation(n)
    nbsp = set(special[:_N_NBSP_SYNTHETIC].tolist())
    comma = set(special[_N_NBSP_SYNTHETIC:_N_NBSP_SYNTHETIC + _N_COMMA_NAMES].tolist())
    k = _N_NBSP_SYNTHETIC + _N_COMMA_NAMES
    missing = set(special[k:k + _N_MISSING_COORDS].tolist())
    k += _N_MISSING_COORDS
    accented = dict(zip(special[k:k + len(_ACCENTED_CITIES)].tolist(), _ACCENTED_CITIES, strict=True))
    state_index = {s[0]: i for i, s in enumerate(_STATES)}
    out = []
    for i in range(n):
        city = cities[i]
        if i in accented:
            city, st = accented[i]
            states[i] = state_index[st]
        state, _, lat0, lon0, dlat, dlon, tz = _STATES[states[i]]
        name = _airport_name(rng, city)
        surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
        if i in nbsp:
            name = f"{name}{_NBSP}({surname} Field)"
        elif i in comma:
            name = f"{city} Municipal Airport, {surname} Field"
        lat = round(lat0 + rng.uniform(-dlat, dlat), 5)
        lon = round(lon0 + rng.uniform(-dlon, dlon), 5)
        code = _new_code(rng, city, used_codes)
        out.append(Airport(code, name, city, state, lat, lon, tz, int(ids[i]),
                           float(weights[i]), coords_published=i not in missing))
    return out


@functools.lru_cache(maxsize=1)
def build_airports() -> tuple[Airport, ...]:
    """Return the 322 airports of airports.csv (sorted by code), hidden fields included.

    Independent of the flights seed, so tests and pipelines can rely on the
    codes, ids and UTC offsets being stable.
    """
    majors = [Airport(c, nm, city, st, lat, lon, tz, bid, w)
              for c, bid, nm, city, st, lat, lon, tz, w in _MAJOR_AIRPORTS]
    used_codes = {a.code for a in majors} | set(UNKNOWN_AIRPORT_CODES)
    used_ids = {a.bts_id for a in majors}
    rng = np.random.default_rng(_REFERENCE_SEED)
    synthetic = _synthetic_airports(rng, _N_AIRPORTS - len(majors), used_codes, used_ids)
    return tuple(sorted(majors + synthetic, key=lambda a: a.code))


# --------------------------------------------------------------------------- reference files

def _write_airlines(path: Path) -> int:
    """Write airlines.csv (LF line endings) and return its row count."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(AIRLINES_HEADER)
        w.writerows((a.code, a.name) for a in AIRLINES)
    return len(AIRLINES)


def _write_airports(path: Path, airports: tuple[Airport, ...]) -> int:
    """Write airports.csv: LF, 5-decimal coordinates, empty ones where unpublished."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")  # QUOTE_MINIMAL quotes the comma names
        w.writerow(AIRPORTS_HEADER)
        for a in airports:
            lat = f"{a.latitude:.5f}" if a.coords_published else ""
            lon = f"{a.longitude:.5f}" if a.coords_published else ""
            w.writerow((a.code, a.name, a.city, a.state, "USA", lat, lon))
    return len(airports)


# --------------------------------------------------------------------------- network

@dataclass(frozen=True)
class _Network:
    """Per-airport arrays derived from the reference tables."""

    codes: pa.Array          # IATA codes followed by UNKNOWN_AIRPORT_CODES
    ids: pa.Array            # 5-digit ids as text (October quirk)
    tz_minutes: np.ndarray
    distance: np.ndarray     # great-circle miles between airports, int
    airline_weights: np.ndarray  # (n_airlines, n_airports) route-end preference
    tails: pa.Array
    tail_start: np.ndarray
    tail_count: np.ndarray


@dataclass(frozen=True)
class _Schedules:
    """Recurring flights; each operates on a random subset of days."""

    airline: np.ndarray
    flight_number: np.ndarray
    origin: np.ndarray
    dest: np.ndarray
    dep: np.ndarray          # scheduled departure, minutes of day 1..1439
    sched_time: np.ndarray   # scheduled block time, minutes
    air_nominal: np.ndarray  # expected air time, minutes
    distance: np.ndarray


def _great_circle_miles(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances in statute miles, rounded to int."""
    la, lo = np.radians(lat), np.radians(lon)
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlon / 2) ** 2
    return np.rint(2 * 3958.8 * np.arcsin(np.sqrt(h))).astype(np.int64)


def _airline_weights(airports: tuple[Airport, ...]) -> np.ndarray:
    """Route-end preference per airline: base traffic times hub/region boosts."""
    base = np.array([a.weight for a in airports])
    major = {m[0] for m in _MAJOR_AIRPORTS}
    is_major = np.array([a.code in major for a in airports])
    state = np.array([a.state for a in airports])
    hawaii, alaska = state == "HI", state == "AK"
    out = np.empty((len(AIRLINES), len(airports)))
    for i, al in enumerate(AIRLINES):
        w = base * np.where(is_major, 1.0, 2.5 if al.regional else 0.4)
        w *= np.where(np.isin([a.code for a in airports], al.hubs), 4.0, 1.0)
        # Remote small airports are served only by the local carriers.
        w *= np.where(hawaii & ~is_major, 1.0 if al.code == "HA" else 0.0, 1.0)
        w *= np.where(hawaii, 60.0 if al.code == "HA" else 1.0, 1.0)
        w *= np.where(alaska & ~is_major, 1.0 if al.code == "AS" else 0.01, 1.0)
        w *= np.where(alaska, 15.0 if al.code == "AS" else 1.0, 1.0)
        out[i] = w / w.sum()
    return out


def _tail_pool(rng: np.random.Generator, airline: Airline, size: int, used: set[str]) -> list[str]:
    """Generate ``size`` distinct registrations following the airline's patterns."""
    pool: list[str] = []
    while len(pool) < size:
        pattern = airline.tail_patterns[int(rng.integers(len(airline.tail_patterns)))]
        chars = []
        for j, ch in enumerate(pattern):
            if ch == "#":
                chars.append(str(rng.integers(1 if j == 1 else 0, 10)))
            elif ch == "@":
                chars.append(chr(65 + int(rng.integers(26))))
            else:
                chars.append(ch)
        tail = "".join(chars)
        if tail not in used:
            used.add(tail)
            pool.append(tail)
    return pool


@functools.lru_cache(maxsize=1)
def _network() -> _Network:
    """Assemble the seed-independent lookup arrays used by the flights generator."""
    airports = build_airports()
    rng = np.random.default_rng(_REFERENCE_SEED + 1)
    used: set[str] = set()
    pools = [_tail_pool(rng, al, max(20, round(al.volume / 1.8)), used) for al in AIRLINES]
    counts = np.array([len(p) for p in pools])
    lat = np.array([a.latitude for a in airports])
    lon = np.array([a.longitude for a in airports])
    return _Network(
        codes=pa.array([a.code for a in airports] + list(UNKNOWN_AIRPORT_CODES)),
        ids=pa.array([str(a.bts_id) for a in airports]),
        tz_minutes=np.array([a.utc_offset * 60 for a in airports]),
        distance=_great_circle_miles(lat, lon),
        airline_weights=_airline_weights(airports),
        tails=pa.array([t for p in pools for t in p]),
        tail_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        tail_count=counts,
    )


# --------------------------------------------------------------------------- schedules

def _draw_routes(
    rng: np.random.Generator, n: int, weights: np.ndarray, distance: np.ndarray, regional: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Draw origin/destination pairs; reject same-airport, too short or (regional) too long."""
    n_ap = len(weights)
    origin = rng.choice(n_ap, size=n, p=weights)
    dest = rng.choice(n_ap, size=n, p=weights)
    # Real 2015 routes stay under ~5000 miles; regional jets fly short hops.
    max_miles = 1300 if regional else 5000
    for _ in range(40):
        d = distance[origin, dest]
        bad = (origin == dest) | (d < 60) | (d > max_miles)
        if not bad.any():
            break
        dest[bad] = rng.choice(n_ap, size=int(bad.sum()), p=weights)
    same = origin == dest  # last resort, keeps origin != destination guaranteed
    dest[same] = (dest[same] + 1) % n_ap
    return origin, dest


def _draw_departures(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scheduled departure minutes: day-time peaks plus late-evening and red-eye flights."""
    kind = rng.choice(4, size=n, p=(0.88, 0.04, 0.05, 0.03))
    day_peak = rng.choice(3, size=n, p=(0.45, 0.25, 0.30))
    mu = np.array([480.0, 810.0, 1080.0])[day_peak]
    sd = np.array([100.0, 150.0, 110.0])[day_peak]
    minutes = np.clip(rng.normal(mu, sd), 330, 1290)
    minutes = np.where(kind == 1, rng.uniform(1290, 1440, n), minutes)   # late evening
    minutes = np.where(kind == 2, rng.uniform(1, 150, n), minutes)       # just after midnight
    minutes = np.where(kind == 3, rng.uniform(150, 330, n), minutes)     # early birds
    # Most departures are on a 5-minute grid, the rest on odd minutes.
    on_grid = rng.random(n) < 0.75
    minutes = np.where(on_grid, np.rint(minutes / 5) * 5, np.rint(minutes))
    return np.clip(minutes, 1, 1439).astype(np.int64)


def _flight_numbers(rng: np.random.Generator, airline: np.ndarray) -> np.ndarray:
    """Assign flight numbers, unique per airline while the airline has < 7000 schedules."""
    fn = np.empty(len(airline), dtype=np.int64)
    for a in range(len(AIRLINES)):
        idx = np.flatnonzero(airline == a)
        top = int(min(_MAX_FLIGHT_NUMBER, max(50, math.ceil(len(idx) * 1.4))))
        numbers = rng.permutation(top) + 1
        fn[idx] = numbers[np.arange(len(idx)) % top]
    return fn


def _build_schedules(rng: np.random.Generator, n: int, net: _Network) -> _Schedules:
    """Draw ``n`` recurring flights; drop duplicate (airline, number, departure) keys."""
    airline = rng.choice(len(AIRLINES), size=n, p=_schedule_shares())
    origin = np.empty(n, dtype=np.int64)
    dest = np.empty(n, dtype=np.int64)
    for a, al in enumerate(AIRLINES):
        idx = np.flatnonzero(airline == a)
        origin[idx], dest[idx] = _draw_routes(
            rng, len(idx), net.airline_weights[a], net.distance, al.regional)
    fn = _flight_numbers(rng, airline)
    dep = _draw_departures(rng, n)
    distance = net.distance[origin, dest]
    sched_time = np.maximum(20, np.rint(distance / 8 + 30 + rng.integers(-6, 9, n))).astype(np.int64)
    air_nominal = distance / 8.5 + 9.0
    tz_diff = net.tz_minutes[dest] - net.tz_minutes[origin]
    # Schedules landing exactly at midnight would print SCHEDULED_ARRIVAL 2400 for
    # ~0.05 % of rows; the real file has far fewer, so move most by one minute.
    at_midnight = (dep + sched_time + tz_diff) % 1440 == 0
    sched_time += at_midnight & (rng.random(n) < 0.75)
    # The natural key (date, airline, number, origin, departure) must be unique;
    # keying without the origin also keeps it unique after origin-code rewrites.
    key = (airline * (_MAX_FLIGHT_NUMBER + 1) + fn) * 1440 + dep
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    return _Schedules(airline[keep], fn[keep], origin[keep], dest[keep], dep[keep],
                      sched_time[keep], air_nominal[keep], distance[keep])


# --------------------------------------------------------------------------- calendar

@dataclass(frozen=True)
class _Calendar:
    """The 365 days of 2015: month, day of month, ISO weekday, share of the traffic."""

    month: np.ndarray
    day: np.ndarray
    dow: np.ndarray          # 1 = Monday ... 7 = Sunday, as DAY_OF_WEEK
    share: np.ndarray


def _calendar() -> _Calendar:
    """Build the calendar with mild weekly and yearly seasonality of the traffic."""
    start = dt.date(YEAR, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range(365)]
    weight = np.array([_DOW_FACTOR[d.weekday()] * _MONTH_FACTOR[d.month - 1] for d in dates])
    return _Calendar(
        month=np.array([d.month for d in dates]), day=np.array([d.day for d in dates]),
        dow=np.array([d.isoweekday() for d in dates]), share=weight / weight.sum())


def _schedule_shares() -> np.ndarray:
    """Share of the schedules per airline: a carrier flying half the year needs twice as many."""
    share = np.array([al.volume * 12 / al.last_month for al in AIRLINES])
    return share / share.sum()


def _schedule_count(scale: float, day_share: np.ndarray) -> int:
    """Enough schedules that even the busiest day needs < 80 % of the active ones."""
    busiest = FULL_FLIGHT_ROWS * scale * float(day_share.max())
    full_year = _schedule_shares()[[al.last_month == 12 for al in AIRLINES]].sum()
    return max(_MIN_SCHEDULES, math.ceil(busiest / full_year / 0.8))


# --------------------------------------------------------------------------- flights rows

@dataclass
class _Month:
    """Numeric content of one month of flights (rows in file order); masks mark empties."""

    n: int
    month: int
    day: np.ndarray
    dow: np.ndarray
    s: np.ndarray            # schedule index per row
    cancelled: np.ndarray
    diverted: np.ndarray
    dep_delay: np.ndarray
    taxi_out: np.ndarray
    taxi_in: np.ndarray
    air: np.ndarray
    arrival_delay: np.ndarray  # meaningful only for flown (not cancelled/diverted) rows
    divert_extra: np.ndarray
    divert_arrived: np.ndarray
    causes: np.ndarray       # (n, 5)
    reason: np.ndarray
    tail: np.ndarray
    tail_empty: np.ndarray
    origin_code: np.ndarray
    dest_code: np.ndarray

    def rows(self, start: int, stop: int) -> _Month:
        """Return rows ``start:stop`` (numpy views, no copy)."""
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        sliced = {k: v[start:stop] if isinstance(v, np.ndarray) else v for k, v in parts.items()}
        sliced["n"] = len(self.s[start:stop])
        return _Month(**sliced)


def _draw_departure_delay(rng: np.random.Generator, dep: np.ndarray) -> np.ndarray:
    """Mostly -15..+15 minutes with a long right tail that grows through the day."""
    n = len(dep)
    base = np.maximum(np.rint(rng.normal(-2.5, 5.5, n)), -45)
    late = rng.random(n) < 0.15 + 0.12 * dep / 1440
    severe = rng.random(n) < 0.022
    extra = rng.exponential(40.0, n) * late + rng.exponential(150.0, n) * severe
    return np.minimum(base + np.rint(extra), 1400).astype(np.int64)


def _split_causes(rng: np.random.Generator, total: np.ndarray) -> np.ndarray:
    """Split each delay into the 5 cause columns: non-negative ints summing to it."""
    n = len(total)
    causes = np.zeros((n, 5), dtype=np.int64)
    primary = rng.choice(5, size=n, p=_CAUSE_P)
    secondary = rng.choice(5, size=n, p=_CAUSE_P)
    share = np.where(rng.random(n) < 0.45, 0.0, rng.random(n))
    part = np.floor(total * share).astype(np.int64)
    rows = np.arange(n)
    causes[rows, primary] += total - part
    causes[rows, secondary] += part
    return causes


def _draw_month(
    rng: np.random.Generator, month: int, day_idx: np.ndarray, s: np.ndarray,
    sched: _Schedules, net: _Network, cal: _Calendar,
) -> _Month:
    """Draw the per-flight operational values of one month (rows already sorted)."""
    n = len(s)
    cancelled = rng.random(n) < _CANCEL_RATE_BY_MONTH[month - 1]
    diverted = ~cancelled & (rng.random(n) < _DIVERTED_RATE)
    dep_delay = _draw_departure_delay(rng, sched.dep[s])
    taxi_out = (6 + np.rint(rng.gamma(2.5, 4.0, n))
                + np.rint(rng.exponential(20.0, n)) * (rng.random(n) < 0.05)).astype(np.int64)
    taxi_in = (2 + np.rint(rng.gamma(2.0, 2.5, n))).astype(np.int64)
    air = np.maximum(8, np.rint(sched.air_nominal[s] * (1 + rng.normal(0, 0.035, n)))).astype(np.int64)
    divert_extra = rng.integers(60, 360, n)
    divert_arrived = rng.random(n) < 0.6
    reason = rng.choice(len(_CANCEL_REASONS), size=n, p=_CANCEL_REASON_P)
    tail_u = rng.random(n)
    tail_empty = cancelled & (rng.random(n) < _EMPTY_TAIL_SHARE_OF_CANCELLED)
    unknown = rng.random(n) < _UNKNOWN_AIRPORT_RATE
    unknown_origin = rng.random(n) < 0.5
    unknown_code = len(net.tz_minutes) + rng.integers(0, len(UNKNOWN_AIRPORT_CODES), n)

    a = sched.airline[s]
    tail = net.tail_start[a] + np.floor(tail_u * net.tail_count[a]).astype(np.int64)
    origin_code, dest_code = sched.origin[s].copy(), sched.dest[s].copy()
    if month != 10:  # October uses numeric ids for every row instead
        origin_code = np.where(unknown & unknown_origin, unknown_code, origin_code)
        dest_code = np.where(unknown & ~unknown_origin, unknown_code, dest_code)

    arrival_delay = dep_delay + taxi_out + air + taxi_in - sched.sched_time[s]
    needs_causes = ~cancelled & ~diverted & (arrival_delay >= 15)
    causes = np.zeros((n, 5), dtype=np.int64)
    causes[needs_causes] = _split_causes(rng, arrival_delay[needs_causes])

    return _Month(
        n=n, month=month, day=cal.day[day_idx], dow=cal.dow[day_idx], s=s,
        cancelled=cancelled, diverted=diverted, dep_delay=dep_delay, taxi_out=taxi_out,
        taxi_in=taxi_in, air=air, arrival_delay=arrival_delay, divert_extra=divert_extra,
        divert_arrived=divert_arrived, causes=causes, reason=reason, tail=tail,
        tail_empty=tail_empty, origin_code=origin_code, dest_code=dest_code,
    )


# --------------------------------------------------------------------------- text formatting

def _text(values: np.ndarray, empty: np.ndarray | None = None) -> pa.Array:
    """Integers as decimal text; rows flagged in ``empty`` become nulls (written as '')."""
    return pc.cast(pa.array(values, type=pa.int64(), mask=empty), pa.string())


def _hhmm(minutes: np.ndarray, empty: np.ndarray | None = None) -> pa.Array:
    """Minutes (any integer) as zero-padded local hhmm text; midnight is '2400'."""
    m = np.mod(minutes, 1440)
    value = np.where(m == 0, 2400, (m // 60) * 100 + m % 60)
    return pc.utf8_lpad(_text(value, empty), width=4, padding="0")


def _month_columns(m: _Month, sched: _Schedules, net: _Network) -> list[pa.Array | pa.Scalar]:
    """Build the 31 text columns of one month, in file order."""
    s = m.s
    tzd = net.tz_minutes[sched.dest[s]] - net.tz_minutes[sched.origin[s]]
    gone = m.cancelled                      # no actual times at all
    no_arr = gone | (m.diverted & ~m.divert_arrived)
    no_total = gone | m.diverted            # durations and delays undefined
    dep_time = sched.dep[s] + m.dep_delay
    wheels_off = dep_time + m.taxi_out
    wheels_on = wheels_off + m.air + tzd + np.where(m.diverted, m.divert_extra, 0)
    arrival = wheels_on + m.taxi_in
    elapsed = m.taxi_out + m.air + m.taxi_in
    no_causes = no_total | (m.arrival_delay < 15)
    airports = net.ids if m.month == 10 else net.codes
    airline_codes = pa.array([al.code for al in AIRLINES])
    zeros = np.zeros(m.n, dtype=np.int64)
    return [
        pa.scalar("\r\n2015"),  # each row carries its leading CRLF: no final newline
        _text(np.full(m.n, m.month)), _text(m.day), _text(m.dow),
        airline_codes.take(pa.array(sched.airline[s])),
        _text(sched.flight_number[s]),
        net.tails.take(pa.array(m.tail, mask=m.tail_empty)),
        airports.take(pa.array(m.origin_code)), airports.take(pa.array(m.dest_code)),
        _hhmm(sched.dep[s]), _hhmm(dep_time, gone), _text(m.dep_delay, gone),
        _text(m.taxi_out, gone), _hhmm(wheels_off, gone),
        _text(sched.sched_time[s]), _text(elapsed, no_total), _text(m.air, no_total),
        _text(sched.distance[s]), _hhmm(wheels_on, no_arr), _text(m.taxi_in, no_arr),
        _hhmm(sched.dep[s] + sched.sched_time[s] + tzd), _hhmm(arrival, no_arr),
        _text(m.arrival_delay, no_total),
        _text(zeros + m.diverted), _text(zeros + m.cancelled),
        pa.array(_CANCEL_REASONS).take(pa.array(m.reason, mask=~m.cancelled)),
        *(_text(m.causes[:, k], no_causes) for k in range(5)),
    ]


def _write_rows(f: BinaryIO, columns: list[pa.Array | pa.Scalar]) -> None:
    """Join columns with commas (nulls -> '') and write the rows' bytes in one go."""
    rows = pc.binary_join_element_wise(*columns, ",", null_handling="replace")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset:rows.offset + len(rows) + 1]
    f.write(memoryview(rows.buffers()[2])[offsets[0]:offsets[-1]])


def _write_flights(path: Path, scale: float, seed: int) -> int:
    """Generate flights month by month and stream them to ``path``; return the row count."""
    rng = np.random.default_rng(seed)
    net = _network()
    cal = _calendar()
    sched = _build_schedules(rng, _schedule_count(scale, cal.share), net)
    last_month = np.array([al.last_month for al in AIRLINES])[sched.airline]
    total = 0
    with path.open("wb") as f:
        f.write(",".join(FLIGHTS_HEADER).encode("ascii"))
        for month in range(1, 13):
            days = np.flatnonzero(cal.month == month)
            active = last_month >= month
            # Per-day operate probability so that the expected total hits the target.
            q = FULL_FLIGHT_ROWS * scale * cal.share[days] / active.sum()
            operates = (rng.random((len(days), len(active))) < q[:, None]) & active
            d, s = np.nonzero(operates)
            order = np.lexsort((s, sched.dep[s], d))  # date, then scheduled departure
            m = _draw_month(rng, month, days[d[order]], s[order], sched, net, cal)
            # Format in slices so the text columns of a whole month never coexist.
            for start in range(0, m.n, _FORMAT_CHUNK_ROWS):
                chunk = m.rows(start, start + _FORMAT_CHUNK_ROWS)
                _write_rows(f, _month_columns(chunk, sched, net))
            total += m.n
    return total


# --------------------------------------------------------------------------- public API

def generate_flights_with_counts(
    out_dir: str | Path, *, scale: float = 0.01, seed: int = 42
) -> dict[str, tuple[Path, int]]:
    """Like :func:`generate_flights` but also return each file's data-row count."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "airlines": (out / "airlines.csv", _write_airlines(out / "airlines.csv")),
        "airports": (out / "airports.csv", _write_airports(out / "airports.csv", build_airports())),
        "flights": (out / "flights.csv", _write_flights(out / "flights.csv", scale, seed)),
    }
    for name, (path, rows) in result.items():
        log.info("wrote %s: %d rows to %s", name, rows, path)
    return result


def generate_flights(out_dir: str | Path, *, scale: float = 0.01, seed: int = 42) -> dict[str, Path]:
    """Write airlines.csv, airports.csv and flights.csv into ``out_dir`` (created).

    ``scale`` 1 gives ~5,819,079 flights (the full 2015 file), 0.001 ~5.8 k.
    In minutes (hhmm converted, modulo 1440) every flown row satisfies
    DEPARTURE_TIME = SCHEDULED_DEPARTURE + DEPARTURE_DELAY,
    WHEELS_OFF = DEPARTURE_TIME + TAXI_OUT,
    WHEELS_ON = WHEELS_OFF + AIR_TIME + 60 * (tz_dest - tz_origin),
    ARRIVAL_TIME = WHEELS_ON + TAXI_IN, ELAPSED_TIME = TAXI_OUT + AIR_TIME + TAXI_IN,
    SCHEDULED_ARRIVAL = SCHEDULED_DEPARTURE + SCHEDULED_TIME + 60 * (tz_dest - tz_origin)
    and ARRIVAL_DELAY = DEPARTURE_DELAY + ELAPSED_TIME - SCHEDULED_TIME; the five
    cause columns sum to ARRIVAL_DELAY when it is >= 15 and are empty otherwise.
    Cancelled rows (~1.5 %) have no actual times; diverted rows (~0.25 %) have
    departure times but no durations, arrival delay or causes.

    Returns ``{"airlines": path, "airports": path, "flights": path}``.
    """
    counted = generate_flights_with_counts(out_dir, scale=scale, seed=seed)
    return {name: path for name, (path, _) in counted.items()}
