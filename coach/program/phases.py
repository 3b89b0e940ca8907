"""Phases of a prescription: which dose is in force on a day, and the rules a phase keeps.

A version 2 program with ``[program.prescription]`` may have ``[[phase]]``
tables, each a stretch of weeks from the prescription's start with its own
dose for some exercises (``[phase.exercise.ID]``) and its own schedule. On a
day inside a phase, :func:`on_day` gives the program with that dose; on a day
in no phase (or outside the prescription), the program as written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from coach.program.model import Exercise, Phase, Prescription, Program, apply_dose

Key = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ProgramOnDay:
    """A program as prescribed on one day: the dose of the phase in force then."""

    program: Program
    """The program with the phase's dose and schedule (the program itself without a phase)."""

    phase: Phase | None
    """The phase in force, or None."""

    week: int | None
    """The 1-based week of the prescription, or None outside it (or without one)."""


def phase_on(program: Program, day: datetime.date) -> tuple[Phase | None, int | None]:
    """The phase in force on ``day`` and the prescription's week then."""
    prescription = program.info.prescription
    if prescription is None:
        return None, None
    week = prescription.week_of(day)
    if week is None:
        return None, None
    for phase in program.phases:
        if phase.first_week <= week <= phase.last_week:
            return phase, week
    return None, week


def on_day(program: Program, day: datetime.date) -> ProgramOnDay:
    """``program`` with the dose in force on ``day``."""
    phase, week = phase_on(program, day)
    if phase is None:
        return ProgramOnDay(program, None, week)
    return ProgramOnDay(with_phase(program, phase), phase, week)


def with_phase(program: Program, phase: Phase) -> Program:
    """``program`` with ``phase``'s dose for its exercises and its schedule.

    The loader has checked (:func:`phase_problems`) that every dose paces and
    that at least one exercise stays on, so this never fails for a loaded program.
    """
    exercises: list[Exercise] = []
    for exercise in program.exercises:
        override = phase.exercise.get(exercise.id)
        dosed = exercise if override is None else apply_dose(exercise, override)
        if dosed is not None:
            exercises.append(dosed)
    info = program.info
    if phase.schedule is not None:
        info = info.model_copy(update={"schedule": phase.schedule})
    return program.model_copy(update={"exercises": exercises, "info": info})


def phase_problems(program: Program) -> Iterator[tuple[Key, str]]:
    """What is wrong with ``program``'s phases, each with the key to point at."""
    if not program.phases:
        return
    prescription = program.info.prescription
    if prescription is None:
        yield (
            ("phase", 0),
            (
                "[[phase]] needs [program.prescription] with start = DATE (or, for a protocol "
                "for anyone, weeks = N): a phase's weeks count from the prescription's start"
            ),
        )
        return
    total = prescription.total_weeks
    ids = {exercise.id for exercise in program.exercises}
    taken: dict[int, str] = {}
    for index, phase in enumerate(program.phases):
        where: Key = ("phase", index)
        first, last = phase.weeks
        if first > last:
            yield (
                (*where, "weeks"),
                (
                    f"phase {phase.name!r}: weeks = [{first}, {last}] ends before it starts; "
                    "write [FIRST, LAST]"
                ),
            )
            continue
        if total is not None and last > total:
            yield (
                (*where, "weeks"),
                (
                    f"phase {phase.name!r}: week {last} is after the prescription's end "
                    f"(it runs {total} week{'s' if total != 1 else ''})"
                ),
            )
        for week in range(first, last + 1):
            if week in taken:
                yield (
                    (*where, "weeks"),
                    (
                        f"phase {phase.name!r}: week {week} is also in phase {taken[week]!r}; "
                        "phases must not overlap"
                    ),
                )
                break
        for week in range(first, last + 1):
            taken.setdefault(week, phase.name)
        for exercise_id in phase.exercise:
            if exercise_id not in ids:
                yield (
                    (*where, "exercise", exercise_id),
                    (
                        f"phase {phase.name!r}: no exercise has the id {exercise_id!r} "
                        f"(the program's: {', '.join(sorted(ids))})"
                    ),
                )
        kept = 0
        for exercise in program.exercises:
            override = phase.exercise.get(exercise.id)
            if override is None:
                kept += 1
                continue
            try:
                dosed = apply_dose(exercise, override)
            except ValidationError as error:
                detail = error.errors(include_url=False)[0]
                reason = str(detail["msg"]).removeprefix("Value error, ")
                yield (
                    (*where, "exercise", exercise.id),
                    (f"phase {phase.name!r}: exercise {exercise.id!r} would not pace: {reason}"),
                )
                continue
            if dosed is not None:
                kept += 1
        if kept == 0:
            yield where, f"phase {phase.name!r} leaves out every exercise (enabled = false)"


def prescription_lines(
    prescription: Prescription,
    phase: Phase | None,
    week: int | None,
    when: str,
    counted_from: str | None = None,
) -> list[str]:
    """Who the program is for, when, and whose dose is shown ``when`` ("Today", "On DATE").

    ``counted_from`` says what a protocol's weeks count from ("first session",
    "today"); None for a prescription with its own start.
    """
    last = prescription.last_day
    period = f"from {prescription.start}"
    if last is not None:
        weeks = prescription.total_weeks
        period += f" to {last} ({weeks} week{'s' if weeks != 1 else ''})"
    if counted_from == "first session":
        period += ", counted from your first session"
    elif counted_from == "today":
        period += ": the weeks count from your first session; with none recorded yet, from today"
    first_line = f"Prescribed {period}"
    if prescription.patient:
        first_line += f" for {prescription.patient}"
    if prescription.prescribed_by:
        first_line += f", by {prescription.prescribed_by}"
    lines = [first_line]
    if prescription.review is not None:
        lines.append(f"Review: {prescription.review}")
    if week is None:
        lines.append(f"{when}: outside the prescription; the program as written")
    elif phase is None:
        lines.append(f"{when} (week {week}): no phase; the program as written")
    else:
        lines.append(
            f"{when} (week {week}): phase {phase.name!r} (weeks {phase.first_week}-"
            f"{phase.last_week})"
        )
    return lines
