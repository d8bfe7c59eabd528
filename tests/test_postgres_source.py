"""The PostgreSQL source's incremental window, without a database: where each extract starts."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobs.sources.postgres import PgSettings, extraction_start

PG = PgSettings(host="h", overlap=timedelta(minutes=60))


def test_rows_that_all_predate_the_previous_extraction_are_not_read_again():
    # loaded in one go on 18 Oct, extracted on 1 Dec: nothing can still be committing since then
    mark = {"high_water": "2018-10-18T00:00:00", "extracted_until": "2026-12-01T07:00:00"}
    assert extraction_start(PG, mark, has_base=True) == datetime(2018, 10, 18)  # rows stamped after it only


def test_rows_stamped_within_the_window_before_the_previous_extraction_are_read_again():
    mark = {"high_water": "2026-12-01T06:59:00", "extracted_until": "2026-12-01T07:00:00"}
    assert extraction_start(PG, mark, has_base=True) == datetime(2026, 12, 1, 6, 0)


def test_a_watermark_recorded_before_the_extraction_clock_keeps_the_whole_window():
    mark = {"high_water": "2018-10-18T12:00:00"}
    assert extraction_start(PG, mark, has_base=True) == datetime(2018, 10, 18, 11, 0)
