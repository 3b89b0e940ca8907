"""Prescribed sessions: when a program's ``[program.schedule] times`` say a session is due.

A program with ``times = ["08:00", "13:00", "18:00"]`` is announced at each
of those local times, only on its ``days`` (all days without them) and while
its prescription is in force, and not once the day's sessions are done:
"Median nerve glide: 1 of 3 today". :class:`Prescribed` is the plain data
``coach remind`` gets from its settings child; :func:`next_announcement`
finds the next time to look, :func:`announcement` whether to say anything
then. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from coach.program.due import schedule_on


@dataclass(frozen=True)
class Prescribed:
    """One program whose sessions are due at set times of day."""

    program: str
    title: str
    times: tuple[int, ...]
    """Minutes after local midnight, earliest first."""
    plan: Mapping[str, Any] | None = None
    """Its schedules over time (:func:`coach.program.library.plan_of`): days, dates, phases."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (:meth:`from_json` reads it back)."""
        return {
            "program": self.program,
            "title": self.title,
            "times": list(self.times),
            "plan": None if self.plan is None else dict(self.plan),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Prescribed:
        """What :meth:`to_json` wrote."""
        return cls(
            str(data["program"]),
            str(data["title"]),
            tuple(int(minutes) for minutes in data["times"]),
            data.get("plan"),
        )

    def on(self, day: date, first_day: date | None) -> int | None:
        """Sessions prescribed on ``day`` (``per_day``, else one per time); None if none are.

        None on a weekday its ``days`` leave out, or outside its prescription.
        """
        if self.plan is None:
            return len(self.times)
        try:
            schedule = schedule_on(self.plan, day, first_day or day)
        except (KeyError, TypeError, ValueError):
            return None
        if schedule is None or schedule.get("as_needed"):
            return None
        days = schedule.get("days")
        if days is not None and day.weekday() not in days:
            return None
        per_day = schedule.get("per_day")
        return int(per_day) if isinstance(per_day, int) and per_day > 0 else len(self.times)


def parse_times(times: Iterable[str]) -> tuple[int, ...]:
    """``["08:00", "13:00"]`` as minutes after midnight (the loader has checked them)."""
    found = []
    for text in times:
        hours, minutes = str(text).split(":")
        found.append(int(hours) * 60 + int(minutes))
    return tuple(sorted(found))


def _at(day: date, minutes: int) -> datetime:
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)  # noqa: DTZ001
    return naive.astimezone()


def next_announcement(
    programs: Iterable[Prescribed], after: datetime
) -> tuple[datetime, Prescribed, int] | None:
    """The first prescribed time strictly after ``after`` (aware): (when, program, index)."""
    found = next_announcements(programs, after)
    return found[0] if found else None


def next_announcements(
    programs: Iterable[Prescribed], after: datetime
) -> list[tuple[datetime, Prescribed, int]]:
    """Every (when, program, index) at the first prescribed time strictly after ``after``.

    Several programs may share a time; all of them are given. Days a program
    leaves out are checked when the time comes (see :func:`announcement`);
    this only finds the next time on the clock.
    """
    found: list[tuple[datetime, Prescribed, int]] = []
    local = after.astimezone()
    for program in programs:
        for offset in range(2):
            day = local.date() + timedelta(days=offset)
            hit = next(
                (
                    (when, index)
                    for index, minutes in enumerate(program.times)
                    if (when := _at(day, minutes)) > after
                ),
                None,
            )
            if hit is not None:
                found.append((hit[0], program, hit[1]))
                break
    if not found:
        return []
    first = min(when for when, _, _ in found)
    return [entry for entry in found if entry[0] == first]


def announcement(
    program: Prescribed, index: int, day: date, done_today: int, first_day: date | None
) -> tuple[int, int] | None:
    """At the ``index``-th time of ``day``: (done today, prescribed today) if it is to be said.

    Nothing on a day it is not prescribed, once the day's sessions are done,
    or when the sessions done already cover this time (ahead of the times).
    """
    prescribed = program.on(day, first_day)
    if not prescribed or done_today >= prescribed or done_today > index:
        return None
    return done_today, prescribed


def describe(program: Prescribed, done_today: int, prescribed_today: int) -> str:
    """``Median nerve glide: 1 of 3 today`` (the session about to be done, plain text)."""
    return f"{program.title}: {done_today + 1} of {prescribed_today} today"


def prescribed_in(library: Any) -> list[Prescribed]:
    """The programs of a :class:`coach.program.library.Library` with ``schedule.times``.

    Loads (pydantic) only the programs with a schedule or a prescription.
    """
    from coach.errors import ProgramError

    found = []
    for entry in library.entries:
        plan = entry.listing.plan
        if plan is None:
            continue  # no schedule, no prescription: nothing is due at a time
        try:
            schedule = entry.load().program.info.schedule
        except ProgramError:
            continue  # changed since it was listed: `coach list` says what is wrong
        if schedule is not None and schedule.times:
            found.append(
                Prescribed(entry.id, entry.listing.title, parse_times(schedule.times), plan)
            )
    return found
