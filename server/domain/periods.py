"""Board periods: where a day, ISO week or month starts and ends in a time zone.

Local periods are computed on the wall clock and converted to UTC with
zoneinfo, so a day that has 23 or 25 hours because of a daylight-saving change
still runs from one local midnight to the next.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import zoneinfo

UTC = datetime.timezone.utc
# The period start stored for all-time boards.
ALL_TIME_START = datetime.datetime(1970, 1, 1, tzinfo=UTC)


class Period(enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL_TIME = "all"


@dataclasses.dataclass(frozen=True)
class Bounds:
    start: datetime.datetime
    # None for all time.
    end: datetime.datetime | None


def period_bounds(period: Period, instant: datetime.datetime, zone: datetime.tzinfo) -> Bounds:
    """Return the period of the given kind that contains `instant`, in `zone`."""
    if period is Period.ALL_TIME:
        return Bounds(ALL_TIME_START, None)

    local_date = instant.astimezone(zone).date()
    if period is Period.DAY:
        first = local_date
        following = first + datetime.timedelta(days=1)
    elif period is Period.WEEK:
        first = local_date - datetime.timedelta(days=local_date.weekday())
        following = first + datetime.timedelta(days=7)
    elif period is Period.MONTH:
        first = local_date.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
    else:
        first = local_date.replace(month=1, day=1)
        following = first.replace(year=first.year + 1)
    return Bounds(_local_midnight(first, zone), _local_midnight(following, zone))


def _local_midnight(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    # fold=0 picks the first of two midnights when clocks go back over
    # midnight. A midnight skipped by a forward change resolves, with the
    # offset from before the change, to the instant the clock jumps: the
    # first moment of that local day (PEP 495).
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return local.astimezone(UTC)


def load_zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the IANA zone; raise zoneinfo.ZoneInfoNotFoundError or ValueError for bad names."""
    return zoneinfo.ZoneInfo(name)
