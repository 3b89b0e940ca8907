"""The schedule in force on a day, from a program file: what adherence judges each day by.

A program's schedule can change over time: a prescription starts and ends,
and each ``[[phase]]`` may have its own ``[program.schedule]``. Adherence
judges every past day by the schedule in force on it, read from the program
file (its prescription's dates and phases), so a phase that ended is not
judged at a later phase's rate. This module turns a loaded program into that
day-by-day schedule (:class:`~coach.history.calendar.DaySchedule`, with no
pydantic in it); the arithmetic is :func:`coach.history.calendar.scheduled_adherence`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from coach.history.calendar import DaySchedule, weekday_numbers

if TYPE_CHECKING:
    from coach.program.loader import LoadedProgram
    from coach.program.model import Schedule


def day_schedule(schedule: Schedule | None) -> DaySchedule | None:
    """A program model's schedule as adherence sees it; None without one."""
    if schedule is None:
        return None
    if schedule.as_needed:
        return DaySchedule(as_needed=True)
    return DaySchedule(
        per_day=schedule.paced_per_day,
        per_week=schedule.paced_per_week,
        days=None if schedule.days is None else weekday_numbers(schedule.days),
    )


def schedule_in_force(
    loaded: LoadedProgram, first_day: date | None
) -> Callable[[date], DaySchedule | None]:
    """``day -> schedule in force on that day`` for ``loaded``.

    Without a prescription, the program's schedule every day. With one, its
    days only: None before its start and after its end, the phase's schedule
    inside a phase (else the program's). A protocol (no ``start``) counts its
    weeks from ``first_day``, the program's first recorded session; with none,
    nothing was prescribed yet.
    """
    written = loaded.as_written
    prescription = written.info.prescription
    cache: dict[date, DaySchedule | None] = {}

    def on(day: date) -> DaySchedule | None:
        if day in cache:
            return cache[day]
        if prescription is None:
            found = day_schedule(written.info.schedule)
        elif prescription.start is None and (first_day is None or day < first_day):
            found = None  # a protocol starts with its first session
        else:
            dosed = loaded.on(day, first_day)
            found = None if dosed.week is None else day_schedule(dosed.program.info.schedule)
        cache[day] = found
        return found

    return on
