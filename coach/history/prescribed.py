"""What a program file prescribes, as plain data for ``coach report``: who, when, each
phase's dates, schedule and dose, and the check-in's symptoms and limits.

:func:`program_facts` reads a loaded program (pydantic models) once and keeps
only frozen dataclasses, so the report's arithmetic and its writers never see
the program model. Doses are kept per phase by name, because each session
records the phase whose dose it had: a session is judged by that dose, never
by what today's file says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from coach.history.calendar import DaySchedule
from coach.history.schedules import schedule_in_force

if TYPE_CHECKING:
    from coach.program.loader import LoadedProgram
    from coach.program.model import Exercise, Program, Schedule

TWO_SIDED = ("each", "alternate")
"""Sides whose dose is done once on each side."""


@dataclass(frozen=True)
class ExerciseDose:
    """One exercise's dose in one phase (or in the program as written)."""

    exercise: str
    name: str
    sets: int
    """Sets paced (a range's target)."""
    reps: int | None
    """Reps per set paced, or None for an exercise timed by ``duration``."""
    hold: float | None
    """Seconds per rep: a hold, or a tempo's phases in all; None for a duration."""
    duration: float | None
    """Seconds of work per set, for an exercise timed by ``duration``."""
    sides: str
    load: str | None = None
    effort: str | None = None
    ranged: bool = False
    text: str = ""
    """The dose as a person reads it: ``2 x 10 reps, hold 5s, each side, red FlexBar``."""
    short: str = ""
    """The dose in a few characters, for a chart: ``2 x 8-12, red FlexBar``."""

    @property
    def per_side(self) -> bool:
        """Whether the dose is done on each side in turn."""
        return self.sides in TWO_SIDED


@dataclass(frozen=True)
class PhaseFacts:
    """One phase: its weeks and days, schedule and doses (``name`` None: no phase)."""

    name: str | None
    first_week: int | None
    last_week: int | None
    first_day: date | None
    last_day: date | None
    schedule: str
    doses: tuple[ExerciseDose, ...]
    """The exercises on in this phase, in the program's order."""


@dataclass(frozen=True)
class ProgramFacts:
    """What one program file prescribes, for the report."""

    program: str
    title: str
    version: str
    patient: str | None
    prescribed_by: str
    start: date | None
    """The prescription's first day (a protocol's: its first session), or None."""
    last_day: date | None
    review: date | None
    written: PhaseFacts
    """The program as written: the dose outside every phase."""
    phases: tuple[PhaseFacts, ...]
    asked: tuple[str, ...]
    """The symptoms the check-in asks, in order."""
    limits: dict[str, int] = field(default_factory=dict)
    """Each asked symptom's limit (advice to stop above it)."""
    schedule_on: Callable[[date], DaySchedule | None] = field(
        default=lambda day: None, compare=False
    )
    """The schedule in force on a day (None outside the prescription)."""

    @property
    def scheduled(self) -> bool:
        """Whether any day can prescribe a session: a schedule, the program's or a phase's."""
        return self.written.schedule != "no schedule" or any(
            phase.schedule != "no schedule" for phase in self.phases
        )

    def doses(self, phase: str | None) -> dict[str, ExerciseDose]:
        """The doses of the phase named ``phase`` (as a session recorded it), by exercise id."""
        for found in self.phases:
            if found.name == phase:
                return {dose.exercise: dose for dose in found.doses}
        return {dose.exercise: dose for dose in self.written.doses}

    def phase_on(self, day: date) -> PhaseFacts | None:
        """The phase in force on ``day``, or None (no phase, or outside the prescription)."""
        for phase in self.phases:
            first, last = phase.first_day, phase.last_day
            if first is not None and last is not None and first <= day <= last:
                return phase
        return None


def _schedule_text(schedule: Schedule | None) -> str:
    from coach.history.schedules import day_schedule

    found = day_schedule(schedule)
    return "no schedule" if found is None else found.describe()


def _seconds_text(seconds: float) -> str:
    from coach.program.durations import format_duration

    return format_duration(seconds)


def exercise_dose(exercise: Exercise) -> ExerciseDose:
    """``exercise``'s paced dose, with its text."""
    from coach.program.model import CountRange, SecondsRange
    from coach.program.timeline import range_text

    def shown(value: object) -> str:
        if isinstance(value, CountRange | SecondsRange):
            return range_text(value).split(" (paced")[0]
        return range_text(value)  # type: ignore[arg-type]

    hold: float | None = None
    if exercise.duration is not None:
        how = f"{shown(exercise.sets)} x {shown(exercise.duration)}"
        short = how
    else:
        if exercise.tempo is not None:
            hold = sum(phase.seconds for phase in exercise.tempo)
            pace = " / ".join(f"{p.phase} {_seconds_text(p.seconds)}" for p in exercise.tempo)
        else:
            hold = exercise.paced_hold
            pace = f"hold {shown(exercise.hold)}"
        short = f"{shown(exercise.sets)} x {shown(exercise.reps)}"
        how = f"{short} reps, {pace}"
    if exercise.sides in TWO_SIDED:
        how += ", each side" if exercise.sides == "each" else ", alternating sides"
    elif exercise.sides in ("left", "right"):
        how += f", {exercise.sides} side"
    elif exercise.sides == "both":
        how += ", both hands"
    for extra in (exercise.load, exercise.effort):
        if extra:
            how += f", {extra}"
    return ExerciseDose(
        exercise=exercise.id,
        name=exercise.name,
        sets=exercise.paced_sets,
        reps=exercise.paced_reps,
        hold=hold,
        duration=exercise.paced_duration,
        sides=exercise.sides,
        load=exercise.load,
        effort=exercise.effort,
        ranged=exercise.ranged,
        text=how,
        short=short + (f", {exercise.load}" if exercise.load else ""),
    )


def _doses(program: Program) -> tuple[ExerciseDose, ...]:
    return tuple(exercise_dose(exercise) for exercise in program.exercises)


def program_facts(loaded: LoadedProgram, first_day: date | None) -> ProgramFacts:
    """The facts of ``loaded``; ``first_day``: the program's first recorded session, from
    which a protocol (a prescription with no ``start``) counts its weeks."""
    from coach.program.phases import with_phase

    written = loaded.as_written
    info = written.info
    prescription = info.prescription
    start = None
    last = None
    if prescription is not None:
        dated = prescription if first_day is None else prescription.starting(first_day)
        start = dated.start
        last = dated.last_day
    phases = []
    for phase in written.phases:
        first_phase_day = None if start is None else start + timedelta(weeks=phase.first_week - 1)
        last_phase_day = (
            None if start is None else start + timedelta(weeks=phase.last_week, days=-1)
        )
        if last is not None and last_phase_day is not None:
            last_phase_day = min(last_phase_day, last)
        dosed = with_phase(written, phase)
        phases.append(
            PhaseFacts(
                name=phase.name,
                first_week=phase.first_week,
                last_week=phase.last_week,
                first_day=first_phase_day,
                last_day=last_phase_day,
                schedule=_schedule_text(dosed.info.schedule),
                doses=_doses(dosed),
            )
        )
    checkin = info.checkin
    asked = () if checkin is None else checkin.asked
    limits = {}
    if checkin is not None:
        for symptom in asked:
            limit = checkin.limit(symptom)
            if limit is not None:
                limits[symptom] = limit
    patient = None
    if written.patient is not None and written.patient.label:
        patient = written.patient.label
    elif prescription is not None and prescription.patient:
        patient = prescription.patient
    return ProgramFacts(
        program=written.id,
        title=written.title,
        version=info.version,
        patient=patient,
        prescribed_by="" if prescription is None else prescription.prescribed_by,
        start=start,
        last_day=last,
        review=None if prescription is None else prescription.review,
        written=PhaseFacts(
            name=None,
            first_week=None,
            last_week=None,
            first_day=None,
            last_day=None,
            schedule=_schedule_text(info.schedule),
            doses=_doses(written),
        ),
        phases=tuple(phases),
        asked=tuple(asked),
        limits=limits,
        schedule_on=schedule_in_force(loaded, first_day),
    )
