"""A program's schedules over time as plain data, for ``coach status`` (no pydantic).

``coach status`` runs on every shell prompt and never imports pydantic, so it
cannot load a program to ask what it prescribes today. When the library
checks a file it keeps, in its cache (:mod:`coach.program.library_cache`), a
*plan*: the prescription's dates, the program's schedule and each phase's
weeks and schedule, as JSON (:func:`coach.program.library.plan_of` writes it).
:func:`schedule_on` reads a plan for one day the way
:meth:`coach.program.loader.LoadedProgram.on` reads the program.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any


def schedule_on(
    plan: Mapping[str, Any], day: date, first_day: date | None
) -> Mapping[str, Any] | None:
    """The schedule (``per_day``, ``per_week``, ``days``, ``as_needed``) in force on ``day``.

    None when nothing is prescribed then: no schedule, or outside the
    prescription (before its start, after its end; for a protocol, before its
    first session ``first_day``). Raises KeyError/TypeError/ValueError on a
    malformed plan.
    """
    return schedule_in_week(plan, plan_week(plan, day, first_day))


def plan_week(plan: Mapping[str, Any], day: date, first_day: date | None) -> int | None:
    """The week of the prescription ``day`` is in (1 for its first), 0 for a plan without
    a prescription (one schedule throughout), None outside the prescription.

    Two days with the same week have the same schedule (:func:`schedule_in_week`),
    which is what lets a streak over 20 years ask for a handful of schedules, not
    7,300. Raises KeyError/TypeError/ValueError on a malformed plan.
    """
    if "weeks" not in plan:  # no prescription
        return 0
    start_text = plan["start"]
    if start_text is None:
        if first_day is None or day < first_day:
            return None
        start = first_day
    else:
        start = date.fromisoformat(start_text)
    if day < start:
        return None
    week: int = (day - start).days // 7 + 1
    last = plan["last"]
    if start_text is None:
        if plan["weeks"] is not None and week > plan["weeks"]:
            return None
    elif last is not None and day > date.fromisoformat(last):
        return None
    return week


def schedule_in_week(plan: Mapping[str, Any], week: int | None) -> Mapping[str, Any] | None:
    """The schedule in force in ``week`` of :func:`plan_week` (None outside the
    prescription). Raises KeyError/TypeError/ValueError on a malformed plan."""
    written: Mapping[str, Any] | None = plan["schedule"]  # a malformed plan raises on any day
    if week is None:
        return None
    for first, last, schedule in plan["phases"] if week else ():
        if first <= week <= last:
            return written if schedule is None else dict(schedule)
    return written


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
