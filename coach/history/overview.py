"""What the app's progress screen shows, computed from the history: no Textual here.

The screen (:mod:`coach.tui.screens.progress`) only lays out what this module
computes:

- a calendar in whole weeks, Monday to Sunday, one column per week, from the
  week of the first recorded session (no empty weeks before it) to today's
  week, which is partial: its days after today are marked as not yet come;
- for each day, the sessions completed and whether a check-in that day was
  above its program's limit (the limit recorded with the session, the one
  the person was advised by then);
- minutes per week;
- for each prescribed program, sessions done against sessions prescribed in
  each week, each day judged by the schedule in force on it
  (:func:`coach.history.calendar.scheduled_adherence`, from the library's
  plans, as ``coach status`` reads them: no program file is loaded);
- for each program with check-ins, each rated symptom before and after, one
  value per session, oldest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from coach.history.calendar import (
    Adherence,
    DaySchedule,
    Streaks,
    scheduled_adherence,
    streaks,
    week_start,
)
from coach.history.due import from_plan, library_off_days
from coach.history.records import SYMPTOMS, SessionRecord
from coach.history.store import HistoryStore, Progress
from coach.program.due import schedule_on

Plans = Sequence[tuple[str, str, Mapping[str, Any] | None]]
"""The library's programs as (id, title, plan): :func:`coach.program.library.plan_of`."""


def above_limit(before: int | None, after: int | None, limit: int | None) -> bool:
    """Whether a rating before or after is above ``limit`` (the program's ``stop_above``)."""
    return limit is not None and any(v is not None and v > limit for v in (before, after))


@dataclass(frozen=True)
class DayCell:
    """One day of the calendar."""

    day: date
    completed: int
    """Sessions completed on it (of every program)."""
    flagged: bool
    """A check-in on it was above its program's limit."""
    to_come: bool
    """The day is after today (today's week is partial)."""


@dataclass(frozen=True)
class Week:
    """One column of the calendar: a week, Monday to Sunday."""

    monday: date
    days: tuple[DayCell, ...]
    """Seven days, Monday first."""
    minutes: float
    """Minutes of exercise (every session, partial ones too)."""

    @property
    def partial(self) -> bool:
        """Whether some of its days are still to come (today's week)."""
        return self.days[-1].to_come


@dataclass(frozen=True)
class Prescribed:
    """One program's sessions done against prescribed, week by week (the calendar's weeks)."""

    program: str
    title: str
    weeks: tuple[Adherence | None, ...]
    """One per calendar week; None where nothing was prescribed that week."""
    in_force: str
    """Today's schedule (``3 a day``), or ``none today``."""


@dataclass(frozen=True)
class Series:
    """One symptom of one program, rated 0-10 before and after each session with a check-in."""

    symptom: str
    before: tuple[int | None, ...]
    after: tuple[int | None, ...]
    """Aligned with ``before``: one value per session, oldest first; None where not rated."""


@dataclass(frozen=True)
class Flagged:
    """A check-in above its program's limit."""

    day: date
    before: int | None
    after: int | None
    limit: int
    declined: bool
    """The person chose (or was advised) not to start the session."""


@dataclass(frozen=True)
class Checkins:
    """One program's check-ins over the calendar's weeks."""

    program: str
    title: str
    sessions: int
    """Sessions with a check-in."""
    limit: int | None
    """The pain limit recorded with the latest of them."""
    series: tuple[Series, ...]
    flagged: tuple[Flagged, ...]
    next_day: Mapping[str, int] = field(default_factory=dict)
    """The next day's answers (better, same, worse) and how many of each."""


@dataclass(frozen=True)
class ProgressData:
    """Everything the screen shows, read off the UI thread."""

    today: date
    streaks: Streaks
    progress: Progress
    weeks: tuple[Week, ...] = ()
    """The calendar, oldest week first; today's week is the last."""
    prescribed: tuple[Prescribed, ...] = ()
    checkins: tuple[Checkins, ...] = ()
    breaks: dict[tuple[str, str], int] = field(default_factory=dict)
    """Breaks over the calendar's weeks, by (kind, outcome)."""


def first_monday(today: date, first_session: date | None, weeks: int) -> date:
    """The calendar's first week: at most ``weeks`` weeks back from today's, and not
    before the week of the first session (today's week alone with none)."""
    latest = week_start(today)
    earliest = latest - timedelta(weeks=max(weeks, 1) - 1)
    if first_session is None or first_session > today:
        return latest
    return max(earliest, week_start(first_session))


def calendar_weeks(records: Sequence[SessionRecord], start: date, today: date) -> tuple[Week, ...]:
    """Whole weeks from the Monday ``start`` to today's week, from ``records`` (of those weeks)."""
    completed: Counter[date] = Counter()
    flagged: set[date] = set()
    minutes: dict[date, float] = defaultdict(float)
    for record in records:
        if record.status == "completed":
            completed[record.local_date] += 1
        if above_limit(record.pain_before, record.pain_after, record.stop_above):
            flagged.add(record.local_date)
        minutes[week_start(record.local_date)] += record.active_seconds / 60
    result = []
    monday = start
    while monday <= today:
        days = tuple(
            DayCell(day, completed[day], day in flagged, day > today)
            for day in (monday + timedelta(days=n) for n in range(7))
        )
        result.append(Week(monday, days, minutes.get(monday, 0.0)))
        monday += timedelta(weeks=1)
    return tuple(result)


def _plan_schedule(
    plan: Mapping[str, Any], first: date | None
) -> Callable[[date], DaySchedule | None]:
    def on(day: date) -> DaySchedule | None:
        try:
            return from_plan(schedule_on(plan, day, first))
        except (KeyError, TypeError, ValueError):
            return None  # a malformed cache entry: say nothing rather than something wrong

    return on


def prescribed_weeks(
    records: Sequence[SessionRecord],
    weeks: Sequence[Week],
    today: date,
    plans: Plans,
    first_day: Callable[[str], date | None],
    rest_days: frozenset[int] = frozenset(),
) -> tuple[Prescribed, ...]:
    """Each prescribed program's weeks: done against prescribed, judged day by day.

    A program counts as prescribed as ``coach status`` has it: its plan has a
    dated prescription, or it has been done; a program whose schedule
    prescribes nothing in any of the weeks is left out. Days before the
    first session of a program without a dated start prescribe nothing.
    """
    if not weeks:
        return ()
    start = weeks[0].monday
    done: dict[str, Counter[date]] = defaultdict(Counter)
    for record in records:
        if record.status == "completed":
            done[record.program][record.local_date] += 1
    found = []
    seen = set()
    for program, title, plan in plans:
        if plan is None or program in seen:
            continue
        seen.add(program)
        first = first_day(program)
        dated = "weeks" in plan and plan.get("start") is not None
        if first is None and not dated:
            continue  # never done, and no dated prescription: not prescribed to this person
        on = _plan_schedule(plan, first)
        begin = start if dated or first is None else max(start, first)
        judged = {
            week.start: week
            for week in scheduled_adherence(done[program], on, begin, today, rest_days)
        }
        columns = tuple(_column(judged, week.monday, begin) for week in weeks)
        if not any(column is not None for column in columns):
            continue
        now = on(today)
        found.append(
            Prescribed(program, title, columns, "none today" if now is None else now.describe())
        )
    return tuple(found)


def _column(judged: Mapping[date, Adherence], monday: date, begin: date) -> Adherence | None:
    week = judged.get(max(monday, begin)) if monday + timedelta(days=6) >= begin else None
    return week if week is not None and week.prescribed else None


def checkins(records: Sequence[SessionRecord]) -> tuple[Checkins, ...]:
    """Each program's check-ins in ``records``: the symptoms rated, the flagged ones."""
    by_program: dict[str, list[SessionRecord]] = defaultdict(list)
    for record in records:
        rated = record.symptoms_before or record.symptoms_after
        if rated or record.pain_before is not None or record.pain_after is not None:
            by_program[record.program].append(record)
    found = []
    for program, sessions in by_program.items():
        asked = (
            {"pain"}
            if any(r.pain_before is not None or r.pain_after is not None for r in sessions)
            else set()
        )
        for record in sessions:
            asked |= set(record.symptoms_before or {}) | set(record.symptoms_after or {})
        series = []
        for symptom in (name for name in SYMPTOMS if name in asked):
            if symptom == "pain":
                before = tuple(r.pain_before for r in sessions)
                after = tuple(r.pain_after for r in sessions)
            else:
                before = tuple((r.symptoms_before or {}).get(symptom) for r in sessions)
                after = tuple((r.symptoms_after or {}).get(symptom) for r in sessions)
            series.append(Series(symptom, before, after))
        flagged = tuple(
            Flagged(r.local_date, r.pain_before, r.pain_after, r.stop_above, r.status == "declined")
            for r in sessions
            if r.stop_above is not None and above_limit(r.pain_before, r.pain_after, r.stop_above)
        )
        answers: Counter[str] = Counter(r.next_day for r in sessions if r.next_day is not None)
        found.append(
            Checkins(
                program,
                sessions[-1].title,
                len(sessions),
                sessions[-1].stop_above,
                tuple(series),
                flagged,
                dict(answers),
            )
        )
    return tuple(sorted(found, key=lambda item: (-item.sessions, item.program)))


def read_progress(
    path: Path,
    today: date,
    rest_days: frozenset[int],
    plans: Plans = (),
    weeks: int = 12,
) -> ProgressData:
    """Read the history (call from a worker thread) for a calendar of at most ``weeks`` weeks,
    from the week of the first completed session; the totals are those weeks'.

    ``plans`` (the library's) tell the weekdays their schedules leave out of a
    streak, and what each week prescribed.
    """
    with HistoryStore(path) as store:
        active = store.completed_days()
        start = first_monday(today, min(active, default=None), weeks)
        # Totals over the weeks shown, not the whole history: a 20-year history
        # would otherwise cost the sums of every session ever (docs/benchmarks.md).
        progress = store.progress(since=start, until=today)
        records = store.sessions(since=start, until=today, with_exercises=False)
        breaks = store.break_counts(since=start)
        first_days: dict[str, date | None] = {}

        def first_day(program: str) -> date | None:
            if program not in first_days:
                first_days[program] = store.first_day(program)
            return first_days[program]

        off = library_off_days(plans, first_day)
        found = streaks(active, today, rest_days, off)
        calendar = calendar_weeks(records, start, today)
        prescribed = prescribed_weeks(records, calendar, today, plans, first_day, rest_days)
    return ProgressData(
        today,
        found,
        progress,
        calendar,
        prescribed,
        checkins(records),
        breaks,
    )
