"""Period bounds in an arcade's time zone, across ISO weeks and DST changes."""

import datetime
import zoneinfo

from server.domain.periods import ALL_TIME_START, UTC, Period, period_bounds

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def test_iso_week_crosses_year():
    bounds = period_bounds(Period.WEEK, _utc(2024, 12, 31, 12), UTC)
    assert bounds.start == _utc(2024, 12, 30)
    assert bounds.end == _utc(2025, 1, 6)
    assert bounds.start.isocalendar()[:2] == (2025, 1)


def test_week_53():
    bounds = period_bounds(Period.WEEK, _utc(2026, 12, 31, 12), UTC)
    assert bounds.start.isocalendar()[:2] == (2026, 53)
    assert bounds.start == _utc(2026, 12, 28)


def test_local_day_on_spring_forward():
    # 2026-03-29: Berlin moves from UTC+1 to UTC+2; the day has 23 hours.
    late_evening = datetime.datetime(2026, 3, 29, 23, 30, tzinfo=BERLIN)
    bounds = period_bounds(Period.DAY, late_evening, BERLIN)
    assert bounds.start == _utc(2026, 3, 28, 23)
    assert bounds.end == _utc(2026, 3, 29, 22)
    assert bounds.start <= late_evening.astimezone(UTC) < bounds.end
    assert bounds.end - bounds.start == datetime.timedelta(hours=23)


def test_local_day_on_fall_back():
    # 2026-11-01: New York moves from UTC-4 to UTC-5; the day has 25 hours.
    late_evening = datetime.datetime(2026, 11, 1, 23, 30, tzinfo=NEW_YORK)
    bounds = period_bounds(Period.DAY, late_evening, NEW_YORK)
    assert bounds.start == _utc(2026, 11, 1, 4)
    assert bounds.end == _utc(2026, 11, 2, 5)
    assert bounds.start <= late_evening.astimezone(UTC) < bounds.end


def test_day_starting_at_skipped_midnight():
    # Havana skips 00:00-01:00 on 2024-03-10, so the day starts at 01:00 local.
    havana = zoneinfo.ZoneInfo("America/Havana")
    bounds = period_bounds(Period.DAY, _utc(2024, 3, 10, 12), havana)
    assert bounds.start == _utc(2024, 3, 10, 5)
    assert bounds.start.astimezone(havana).hour == 1


def test_month_in_local_time():
    bounds = period_bounds(Period.MONTH, _utc(2026, 2, 28, 23, 30), BERLIN)
    # 23:30 UTC on 28 February is already 1 March in Berlin.
    assert bounds.start == _utc(2026, 2, 28, 23)
    assert bounds.end == _utc(2026, 3, 31, 22)


def test_all_time_has_no_end():
    bounds = period_bounds(Period.ALL_TIME, _utc(2026, 5, 5), BERLIN)
    assert bounds.start == ALL_TIME_START
    assert bounds.end is None
