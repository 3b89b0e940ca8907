"""Working hours: when break reminders may come, as ranges of local time on each weekday.

``breaks.hours`` is written per weekday, several ranges a day
(``mon = ["09:00-12:30", "13:30-18:00"]``), with ``weekdays`` as a shorthand
for Monday to Friday (a day written out wins over it). :func:`parse_hours`
turns it into :data:`Hours`, seven tuples of (start, end) minutes after local
midnight, Monday first; :func:`local_ranges` gives the ranges near a moment
as aware datetimes, in the computer's time zone, so daylight-saving changes
are the time zone's business, not ours.

Only the standard library: ``coach remind`` imports this.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

Range = tuple[int, int]
"""Minutes after local midnight: (start, end), start before end; end may be 24:00."""

Hours = tuple[tuple[Range, ...], ...]
"""Seven days of ranges, Monday first."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHORTHANDS = {"weekdays": DAY_NAMES[:5], "weekend": DAY_NAMES[5:], "every_day": DAY_NAMES}
"""Names that stand for several days; a day written out by name wins over them."""

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """A ``breaks.hours`` value that is not usable; the message says why."""


def parse_range(text: str) -> Range:
    """``"09:00-12:30"`` as (540, 750); raises :class:`HoursError` if it is not one."""
    match = _RANGE.match(text) if isinstance(text, str) else None
    if match is None:
        raise HoursError(f"{text!r} is not a range of time: write it as HH:MM-HH:MM")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise HoursError(f"{text!r} is not a range of time: hours 00 to 23 (24:00 as an end)")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        raise HoursError(
            f"{text!r} ends before it starts: a range past midnight is two, one on each day"
        )
    return start, end


def parse_hours(table: Mapping[str, Any] | None) -> Hours | None:
    """A ``breaks.hours`` table as :data:`Hours`; None when it is empty (reminders at any time).

    Raises :class:`HoursError` for an unknown key, a bad range, or ranges
    that overlap on one day.
    """
    if not table:
        return None
    days: dict[str, list[Range]] = {}
    for key in (*SHORTHANDS, *DAY_NAMES):  # shorthands first: named days win
        if key not in table or table[key] is None:
            continue
        value = table[key]
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise HoursError(f'{key}: a list of ranges, as ["09:00-12:30", "13:30-18:00"]')
        ranges = sorted(parse_range(item) for item in value)
        for (_, end), (start, _) in itertools.pairwise(ranges):
            if start < end:
                raise HoursError(f"{key}: ranges overlap ({_text(ranges)})")
        for day in SHORTHANDS.get(key, (key,)):
            days[day] = ranges
    unknown = sorted(set(table) - set(SHORTHANDS) - set(DAY_NAMES))
    if unknown:
        names = ", ".join([*DAY_NAMES, *SHORTHANDS])
        raise HoursError(f"{unknown[0]}: not a day (use {names})")
    if not days:
        return None
    return tuple(tuple(days.get(day, [])) for day in DAY_NAMES)


def _text(ranges: list[Range]) -> str:
    return ", ".join(f"{format_minutes(s)}-{format_minutes(e)}" for s, e in ranges)


def format_minutes(minutes: int) -> str:
    """540 as ``09:00``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight on ``day``, in the local time zone (aware)."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)  # noqa: DTZ001
    return naive.astimezone()  # the time zone's rule for that day, DST included


def local_ranges(
    hours: Hours, after: datetime, days: int = 8
) -> Iterator[tuple[datetime, datetime]]:
    """The working ranges that end after ``after``, in order, over the next ``days`` days.

    Each is (start, end) as aware local datetimes.
    """
    first = after.astimezone().date() - timedelta(days=1)
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for start, end in hours[day.weekday()]:
            begin, finish = _local(day, start), _local(day, end)
            if finish > after:
                yield begin, finish


def describe_hours(hours: Hours | None) -> str:
    """One line for people: ``mon-fri 09:00-12:30, 13:30-18:00; sat -`` (or ``any time``)."""
    if hours is None:
        return "any time"
    groups: list[tuple[int, int, str]] = []  # (first day, last day, ranges)
    for index, ranges in enumerate(hours):
        text = _text(list(ranges)) or "-"
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    out = []
    for first, last, text in groups:
        days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
        out.append(f"{days} {text}")
    return "; ".join(out)
