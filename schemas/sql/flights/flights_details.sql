create or replace view flights_details as
with origin_airport as (
    select airport_key, airport_code, airport_name, city, state, latitude, longitude
    from dim_airport
),
destination_airport as (
    select airport_key, airport_code, airport_name, city, state, latitude, longitude
    from dim_airport
)
select
    f.flight_key,
    f.flight_date,
    d.day_name as weekday_name,
    f.airline_code,
    al.airline_name,
    f.flight_number,
    f.tail_number,
    f.origin_airport_code,
    o.airport_name as origin_airport_name,
    o.city as origin_city,
    o.state as origin_state,
    o.latitude as origin_latitude,
    o.longitude as origin_longitude,
    f.destination_airport_code,
    dst.airport_name as destination_airport_name,
    dst.city as destination_city,
    dst.state as destination_state,
    dst.latitude as destination_latitude,
    dst.longitude as destination_longitude,
    f.scheduled_departure_at,
    f.departure_at,
    f.departure_delay_min,
    f.scheduled_arrival_at,
    f.arrival_at,
    f.arrival_delay_min,
    f.distance_miles,
    f.air_time_min,
    f.is_delayed,
    f.is_delayed_any,
    f.is_cancelled,
    f.cancellation_reason,
    f.is_diverted,
    f.air_system_delay_min,
    f.security_delay_min,
    f.airline_delay_min,
    f.late_aircraft_delay_min,
    f.weather_delay_min
from fact_flight as f
inner join dim_date as d on d.date_key = f.date_key
inner join dim_airline as al on al.airline_key = f.airline_key
inner join origin_airport as o on o.airport_key = f.origin_airport_key
inner join destination_airport as dst on dst.airport_key = f.destination_airport_key
