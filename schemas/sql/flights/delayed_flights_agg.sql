create or replace view delayed_flights_agg as
with flights_by_route_day as (
    select
        f.flight_date,
        f.airline_key,
        f.airline_code,
        f.origin_airport_key,
        f.origin_airport_code,
        f.destination_airport_key,
        f.destination_airport_code,
        count(*) as flights,
        sum(case when f.is_delayed then 1 else 0 end) as delayed_flights,
        sum(case when f.is_delayed_any then 1 else 0 end) as delayed_flights_any,
        sum(f.arrival_delay_min) as sum_arrival_delay_min,
        avg(f.arrival_delay_min * 1.0) as avg_arrival_delay_min,
        sum(f.distance_miles) as sum_distance_miles,
        avg(f.distance_miles * 1.0) as avg_distance_miles,
        sum(f.air_time_min) as sum_air_time_min,
        avg(f.air_time_min * 1.0) as avg_air_time_min,
        sum(f.air_system_delay_min) as sum_air_system_delay_min,
        avg(f.air_system_delay_min * 1.0) as avg_air_system_delay_min,
        sum(f.security_delay_min) as sum_security_delay_min,
        avg(f.security_delay_min * 1.0) as avg_security_delay_min,
        sum(f.airline_delay_min) as sum_airline_delay_min,
        avg(f.airline_delay_min * 1.0) as avg_airline_delay_min,
        sum(f.late_aircraft_delay_min) as sum_late_aircraft_delay_min,
        avg(f.late_aircraft_delay_min * 1.0) as avg_late_aircraft_delay_min,
        sum(f.weather_delay_min) as sum_weather_delay_min,
        avg(f.weather_delay_min * 1.0) as avg_weather_delay_min
    from fact_flight as f
    group by
        f.flight_date, f.airline_key, f.airline_code, f.origin_airport_key,
        f.origin_airport_code, f.destination_airport_key, f.destination_airport_code
)
select
    r.flight_date,
    r.airline_code,
    al.airline_name,
    r.origin_airport_code,
    o.airport_name as origin_airport_name,
    r.destination_airport_code,
    dst.airport_name as destination_airport_name,
    r.flights,
    r.delayed_flights,
    r.delayed_flights_any,
    r.sum_arrival_delay_min,
    r.avg_arrival_delay_min,
    r.sum_distance_miles,
    r.avg_distance_miles,
    r.sum_air_time_min,
    r.avg_air_time_min,
    r.sum_air_system_delay_min,
    r.avg_air_system_delay_min,
    r.sum_security_delay_min,
    r.avg_security_delay_min,
    r.sum_airline_delay_min,
    r.avg_airline_delay_min,
    r.sum_late_aircraft_delay_min,
    r.avg_late_aircraft_delay_min,
    r.sum_weather_delay_min,
    r.avg_weather_delay_min
from flights_by_route_day as r
inner join dim_airline as al on al.airline_key = r.airline_key
inner join dim_airport as o on o.airport_key = r.origin_airport_key
inner join dim_airport as dst on dst.airport_key = r.destination_airport_key
