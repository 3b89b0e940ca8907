"""Which day a session belongs to, streaks and adherence: pure calendar logic.

A session belongs to the *local date where the person was* when it started,
shifted back by the day start (04:00 by default, as Workrave does), so a
session at 1 a.m. counts for the evening before. That date is computed once,
when the session starts, and stored: travelling or changing the time zone
never rewrites the past. Everything here works on those stored dates.

No I/O and no clock of its own: callers pass ``now``. Imports only the
standard library, because ``coach status`` uses it on every shell prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as the settings write them; the index is ``date.weekday()``."""

DEFAULT_DAY_START = time(4, 0)


def weekday_numbers(names: Iterable[str]) -> frozenset[int]:
    """``["sat", "sun"]`` -> ``{5, 6}``; raises ValueError on an unknown name."""
    result = set()
    for name in names:
        try:
            result.add(WEEKDAYS.index(name.strip().lower()))
        except ValueError:
            raise ValueError(f"{name!r} is not a weekday ({', '.join(WEEKDAYS)})") from None
    return frozenset(result)


def local_day(instant: datetime, day_start: time = DEFAULT_DAY_START) -> date:
    """The day ``instant`` counts for, in the computer's current time zone.

    ``instant`` must be timezone-aware. The shift works on the local wall
    clock, so a daylight-saving change does not move the boundary: the day
    starts at ``day_start`` on the clock on the wall, whatever the offset.
    """
    if instant.tzinfo is None:
        raise ValueError("local_day needs a timezone-aware time")
    instant = instant.astimezone(UTC)  # so that subtracting below is in real time
    local = instant.astimezone()
    wall = local.replace(tzinfo=None)
    # In the hour repeated when the clocks go back, the wall clock shows times
    # it has shown before; a day that started in the first pass has started.
    # So read such a time as the first pass would have gone on: ``wall + d``.
    offset = local.utcoffset() or timedelta(0)
    before = (instant - timedelta(hours=2)).astimezone().utcoffset() or timedelta(0)
    if before > offset:
        back = before - offset
        if ((instant - back).astimezone().utcoffset() or timedelta(0)) == before:
            wall += back
    return (wall - timedelta(hours=day_start.hour, minutes=day_start.minute)).date()


def utc_offset_seconds(instant: datetime) -> int:
    """The computer's UTC offset at ``instant``, in seconds (east is positive)."""
    offset = instant.astimezone().utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


@dataclass(frozen=True)
class Streaks:
    """Days in a row with at least one completed session."""

    current: int
    """The run that reaches today, or yesterday while today is still open."""
    longest: int
    """The longest run ever (at least ``current``)."""


def _counts(day: date, rest_days: Collection[int]) -> bool:
    """Whether ``day`` can make or break a streak (rest days can do neither)."""
    return day.weekday() not in rest_days


def streaks(
    active_days: Iterable[date],
    today: date,
    rest_days: Collection[int] = (),
    off_day: Callable[[date], bool] | None = None,
) -> Streaks:
    """Current and longest streak over the days with a completed session.

    Rules:

    - a day with a completed session extends the streak by one;
    - a day without one breaks it, except *today* (there is still time) and
      rest days (``rest_days``, as ``date.weekday()`` numbers);
    - a rest day neither breaks nor extends a streak, even with a session on it;
      nor does a day ``off_day`` says nothing is prescribed on (a weekday the
      schedules' ``days`` leave out: :func:`coach.history.due.off_days`);
    - days after ``today`` (a clock that was wrong, another computer's
      history) count toward the longest streak only.
    """

    def counts(day: date) -> bool:
        return _counts(day, rest_days) and (off_day is None or not off_day(day))

    days = sorted({day for day in active_days if counts(day)})
    longest = 0
    run = 0
    previous: date | None = None
    for day in days:
        if previous is not None and _only_rest_between(previous, day, rest_days, counts, off_day):
            run += 1
        else:
            run = 1
        longest = max(longest, run)
        previous = day

    present = {day for day in days if day <= today}
    current = 0
    day = today
    if day not in present:
        day -= timedelta(days=1)  # today is not over: yesterday's streak still stands
    # Walk back: rest days are passed over, a missing working day ends the run.
    # Bounded by the earliest active day, so an empty history costs nothing.
    earliest = min(present) if present else today
    while day >= earliest:
        if day in present:
            current += 1
        elif counts(day):
            break
        day -= timedelta(days=1)
    return Streaks(current=current, longest=max(longest, current))


def _only_rest_between(
    earlier: date,
    later: date,
    rest_days: Collection[int],
    counts: Callable[[date], bool],
    off_day: Callable[[date], bool] | None,
) -> bool:
    """Whether every day strictly between ``earlier`` and ``later`` is a rest (or off) day."""
    gap = (later - earlier).days - 1
    if gap <= 0:
        return gap == 0
    if gap >= 7 and off_day is None:
        return len(rest_days) >= 7
    return all(not counts(earlier + timedelta(days=offset)) for offset in range(1, gap + 1))


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Adherence:
    """Sessions done against sessions prescribed, over some days."""

    start: date
    end: date
    done: int
    """Completed sessions that count (at most the prescribed number per day or week)."""
    prescribed: int

    @property
    def ratio(self) -> float | None:
        """``done / prescribed``, or None when nothing was prescribed."""
        return None if self.prescribed == 0 else self.done / self.prescribed


def daily_adherence(
    completed_per_day: Mapping[date, int],
    per_day: int,
    start: date,
    end: date,
    rest_days: Collection[int] = (),
) -> list[Adherence]:
    """For each day from ``start`` to ``end``: sessions done (capped) / ``per_day``.

    Rest days prescribe nothing; extra sessions on one day do not make up for
    a missed day.
    """
    result = []
    day = start
    while day <= end:
        prescribed = per_day if _counts(day, rest_days) else 0
        done = min(completed_per_day.get(day, 0), prescribed)
        result.append(Adherence(day, day, done, prescribed))
        day += timedelta(days=1)
    return result


def weekly_adherence(
    completed_per_day: Mapping[date, int],
    start: date,
    end: date,
    *,
    per_day: int | None = None,
    per_week: int | None = None,
    rest_days: Collection[int] = (),
) -> list[Adherence]:
    """For each week (Monday to Sunday) touching ``start``..``end``: done / prescribed.

    With ``per_day``, a week prescribes ``per_day`` on each of its working days
    inside the range and counts at most ``per_day`` a day. With ``per_week``,
    a week prescribes ``per_week`` (in proportion for a partial first or last
    week, rounded up) and counts at most that many.
    """
    if (per_day is None) == (per_week is None):
        raise ValueError("give exactly one of per_day or per_week")
    result = []
    monday = week_start(start)
    while monday <= end:
        first = max(monday, start)
        last = min(monday + timedelta(days=6), end)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        if per_day is not None:
            working = [day for day in days if _counts(day, rest_days)]
            prescribed = per_day * len(working)
            # As in daily_adherence: a rest day's session does not fill a working day.
            done = sum(min(completed_per_day.get(day, 0), per_day) for day in working)
        else:
            assert per_week is not None
            working = [day for day in days if _counts(day, rest_days)]
            full_week = 7 - len(set(rest_days) & set(range(7)))
            # A partial week prescribes its share, rounded up.
            prescribed = min(per_week, -(-per_week * len(working) // full_week)) if full_week else 0
            done = min(sum(completed_per_day.get(day, 0) for day in days), prescribed)
        result.append(Adherence(first, last, done, prescribed))
        monday += timedelta(days=7)
    return result


@dataclass(frozen=True)
class DaySchedule:
    """The schedule in force on one day, as adherence needs it (no pydantic here).

    ``per_day`` and ``per_week`` are the targets (a range's ``target``); at most
    one is set. ``days`` are the prescribed weekdays (``date.weekday()`` numbers),
    None for every day. An ``as_needed`` schedule prescribes nothing.
    """

    per_day: int | None = None
    per_week: int | None = None
    days: frozenset[int] | None = None
    as_needed: bool = False

    def prescribes_on(self, day: date, rest_days: Collection[int] = ()) -> bool:
        """Whether ``day`` is one the schedule can count (rest days and other weekdays are not)."""
        if self.as_needed or (self.per_day is None and self.per_week is None):
            return False
        if not _counts(day, rest_days):
            return False
        return self.days is None or day.weekday() in self.days

    def working_days_a_week(self, rest_days: Collection[int] = ()) -> int:
        """How many weekdays of a full week the schedule counts."""
        weekdays = set(range(7)) if self.days is None else set(self.days)
        return len(weekdays - set(rest_days))

    def describe(self) -> str:
        """``2 a day on mon, wed``, ``3 a week``, ``as needed`` or ``no schedule``."""
        if self.as_needed:
            return "as needed"
        if self.per_day is not None:
            text = f"{self.per_day} a day"
        elif self.per_week is not None:
            text = f"{self.per_week} a week"
        else:
            return "no schedule"
        if self.days is not None:
            text += " on " + ", ".join(WEEKDAYS[n] for n in sorted(self.days))
        return text


_SHARES = 420
"""A session in whole shares: 420 is the least number that 1 to 7 (the working days a
week can have) all divide, so a per-week day's share, ``per_week / working`` of a session,
is a whole number of 420ths and a week's sum is exact (as ``Fraction`` would be, without
making one for each day of years of history)."""


def scheduled_adherence(
    completed_per_day: Mapping[date, int],
    schedule_on: Callable[[date], DaySchedule | None],
    start: date,
    end: date,
    rest_days: Collection[int] = (),
) -> list[Adherence]:
    """For each week (Monday to Sunday) touching ``start``..``end``: done / prescribed,
    each day judged by the schedule in force on it (``schedule_on(day)``).

    A day with no schedule (None: outside the prescription), an as-needed one,
    a rest day or a weekday not in the schedule's ``days`` prescribes nothing
    and its sessions do not count. A per-day day prescribes ``per_day`` and
    counts at most that many. A per-week day prescribes its share of the week
    (``per_week`` over the schedule's working days a week); a week prescribes
    the sum of those shares, rounded up, and counts at most that many sessions
    done on its per-week days. So a phase that ended is judged by its own
    schedule, and changing a schedule does not rewrite past weeks.
    """
    result = []
    monday = week_start(start)
    while monday <= end:
        first = max(monday, start)
        last = min(monday + timedelta(days=6), end)
        daily_prescribed = 0
        daily_done = 0
        share = 0  # in 420ths of a session: exact, each day's share a whole number of them
        weekly_done = 0
        day = first
        while day <= last:
            schedule = schedule_on(day)
            done = completed_per_day.get(day, 0)
            if schedule is None:
                pass
            elif schedule.prescribes_on(day, rest_days):
                if schedule.per_day is not None:
                    daily_prescribed += schedule.per_day
                    daily_done += min(done, schedule.per_day)
                elif schedule.per_week is not None:
                    working = schedule.working_days_a_week(rest_days)
                    share += schedule.per_week * (_SHARES // working)
                    weekly_done += done
            elif schedule.per_week is not None and schedule.prescribes_on(day):
                weekly_done += done  # a rest day's session counts toward its week
            day += timedelta(days=1)
        weekly_prescribed = -(-share // _SHARES)  # rounded up
        result.append(
            Adherence(
                first,
                last,
                daily_done + min(weekly_done, weekly_prescribed),
                daily_prescribed + weekly_prescribed,
            )
        )
        monday += timedelta(days=7)
    return result
