"""What is due today for each prescribed program: ``coach status`` and the home screen.

Works on the library's *plans* (:func:`coach.program.library.plan_of`, kept in
the library's cache), so ``coach status`` reads no program file and imports no
pydantic: standard library and coach's lean modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from coach.history.calendar import DaySchedule
from coach.program.due import plan_week, schedule_in_week, schedule_on


def from_plan(schedule: Mapping[str, Any] | None) -> DaySchedule | None:
    """A plan's schedule (:func:`coach.program.due.schedule_on`) as a :class:`DaySchedule`."""
    if schedule is None:
        return None
    days = schedule.get("days")
    return DaySchedule(
        per_day=schedule.get("per_day"),
        per_week=schedule.get("per_week"),
        days=None if days is None else frozenset(int(n) for n in days),
        as_needed=bool(schedule.get("as_needed")),
    )


@dataclass(frozen=True)
class Due:
    """What one program asks of today."""

    program: str
    title: str
    done_today: int
    """Completed sessions today."""
    prescribed_today: int | None
    """Sessions prescribed today: ``per_day`` on a prescribed day, 0 on a day the
    schedule leaves out (a rest day, a weekday not in ``days``); None for a
    schedule per week (see :attr:`per_week`)."""
    per_week: int | None = None
    done_this_week: int = 0
    """Completed sessions since Monday (for a schedule per week)."""

    def to_json(self) -> dict[str, Any]:
        """The ``"due"`` entry of ``coach status --json``."""
        return {
            "program": self.program,
            "title": self.title,
            "done_today": self.done_today,
            "prescribed_today": self.prescribed_today,
            "per_week": self.per_week,
            "done_this_week": self.done_this_week,
        }

    def line(self) -> str:
        """``due today: 1 of 3 done``, ``this week: 1 of 3 done`` or ``nothing due today``."""
        if self.per_week is not None:
            return f"this week: {self.done_this_week} of {self.per_week} done"
        if not self.prescribed_today:
            return "nothing due today"
        return f"due today: {self.done_today} of {self.prescribed_today} done"


def due_today(
    programs: Iterable[tuple[str, str, Mapping[str, Any] | None]],
    today: date,
    history: Mapping[str, tuple[int, int, date | None]],
    rest_days: Collection[int] = (),
) -> list[Due]:
    """What is due today for each prescribed program, in the order given.

    ``programs`` are (id, title, plan); ``history`` maps a program id to
    (completed today, completed this week, first day), as
    :class:`coach.history.store.StatusRows` gives them. A program counts as
    prescribed when its plan has a ``[program.prescription]`` with a ``start``
    or it has been done before, and a schedule (not as needed) is in force
    today; others,
    and a program listed twice (the first wins, as in the library), are left out.
    """
    found = []
    seen = set()
    for program, title, plan in programs:
        if plan is None or program in seen:
            continue
        seen.add(program)
        done_today, done_week, first_day = history.get(program, (0, 0, None))
        if program not in history and plan.get("start") is None:
            # Never done, and no dated prescription: a library program (or a
            # protocol, whose weeks start with its first session) is not yet
            # prescribed to this person.
            continue
        try:
            schedule = from_plan(schedule_on(plan, today, first_day or today))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed cache entry: say nothing rather than something wrong
        if schedule is None or schedule.as_needed:
            continue
        if schedule.per_week is not None:
            found.append(Due(program, title, done_today, None, schedule.per_week, done_week))
        elif schedule.per_day is not None:
            prescribed = schedule.per_day if schedule.prescribes_on(today, rest_days) else 0
            found.append(Due(program, title, done_today, prescribed, None, done_week))
    return found


def off_days(
    programs: Iterable[tuple[str, str, Mapping[str, Any] | None]],
    first_days: Mapping[str, date | None],
) -> Callable[[date], bool]:
    """Which days prescribe nothing, for :func:`coach.history.calendar.streaks`.

    ``first_days`` maps each program the person has done to its first day
    (the programs followed; others say nothing). A day is *off* when some
    followed program's schedule in force then lists ``days`` that leave its
    weekday out, and no followed program asks for anything on it: one whose
    schedule in force includes the weekday, or one with no schedule and no
    prescription at all (any day is its day). A program outside its
    prescription's dates says nothing either way. An off day neither makes
    nor breaks a streak.
    """
    followed = []
    seen = set()
    for program, _title, plan in programs:
        if plan is None or program in seen or first_days.get(program) is None:
            continue
        seen.add(program)
        followed.append((plan, first_days[program]))

    # A day's answer depends on its weekday and on the week of each plan with a
    # prescription (plan_week); the others have one schedule throughout. So a
    # 20-year streak asks a handful of schedules, not 7,300 days' worth of them.
    dated = [(plan, first) for plan, first in followed if "weeks" in plan]
    steady = [plan for plan, _first in followed if "weeks" not in plan]

    def answer(weekday: int, weeks: tuple[int | None, ...]) -> bool:
        excluded = False
        in_force: list[tuple[Mapping[str, Any], int | None]] = [(plan, 0) for plan in steady]
        in_force += [(plan, week) for (plan, _first), week in zip(dated, weeks, strict=True)]
        for plan, week in in_force:
            try:
                schedule = from_plan(schedule_in_week(plan, week))
            except (KeyError, TypeError, ValueError):
                return False  # a malformed cache entry: count the day, as without schedules
            if schedule is None:
                if week == 0:
                    return False  # no schedule, no prescription: every day is its day
                continue  # outside its prescription
            if schedule.days is None or weekday in schedule.days:
                return False
            excluded = True
        return excluded

    if not dated:
        by_weekday = [answer(weekday, ()) for weekday in range(7)]
        return lambda day: by_weekday[day.weekday()]
    known: dict[tuple[int, tuple[int | None, ...]], bool] = {}

    def off(day: date) -> bool:
        try:
            key = (day.weekday(), tuple(plan_week(plan, day, first) for plan, first in dated))
        except (KeyError, TypeError, ValueError):
            return False  # a malformed cache entry: count the day, as without schedules
        if key not in known:
            known[key] = answer(*key)
        return known[key]

    return off


def library_off_days(
    programs: Iterable[tuple[str, str, Mapping[str, Any] | None]],
    first_day: Callable[[str], date | None],
) -> Callable[[date], bool]:
    """:func:`off_days` with each program's first day asked of ``first_day``
    (:meth:`coach.history.store.HistoryStore.first_day`)."""
    listed = [entry for entry in programs if entry[2] is not None]
    return off_days(listed, {program: first_day(program) for program, _, _ in listed})
