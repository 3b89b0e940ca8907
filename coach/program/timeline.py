"""A program's timeline: the exact sequence of timed steps a session runs through.

``coach plan`` prints it and the engine paces it. The rules, for each
exercise in order:

1. a ``prep`` step (left out when 0);
2. for each side (``each``: left, then a ``switch`` step, then right; every
   other value: one pass), for each set, for each rep: the rep's ``work``
   steps (one per tempo phase, one hold, or one duration; with ``alternate``
   the left side's phases then the right side's), then a ``rest`` of
   ``rest_between_reps`` unless it is the set's last rep; after each set but
   the last, a ``rest`` of ``rest_between_sets``;
3. unless it is the last exercise, a ``rest`` of ``rest_after`` (or the
   program's ``rest_between_exercises``).

Steps of length 0 are left out; the session's length is the sum of its steps.

:func:`session_size` counts the steps and adds up their seconds by
arithmetic, without making a step, so a program over the limits
(:data:`coach.program.model.MAX_STEPS`, :data:`coach.program.model.MAX_SESSION_SECONDS`)
is refused before anything is built: the loader reports it, and
:func:`build_timeline` refuses it too (:class:`TimelineTooLarge`) rather than
allocate a million steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal, Protocol

from coach.program.durations import format_duration, json_seconds
from coach.program.model import (
    MAX_SESSION_SECONDS,
    MAX_STEPS,
    CountRange,
    Exercise,
    Program,
    Schedule,
    SecondsRange,
    is_as_needed,
    paced,
)

StepKind = Literal["prep", "switch", "work", "rest"]
Side = Literal["left", "right", "both"]

#: The phase name of a rep paced by ``hold``.
HOLD_PHASE = "Hold"


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step of a session."""

    kind: StepKind
    """prep, switch, work or rest."""

    exercise: str
    """The id of the exercise the step belongs to (a rest after an exercise belongs to it)."""

    exercise_index: int
    """The exercise's position in the program, from 0."""

    side: Side | None
    """The side worked (for a switch step: the side about to start); None when not sided."""

    set: int | None
    """The set, from 1: for work, and for the rests inside an exercise."""

    rep: int | None
    """The rep, from 1: for reps paced by hold or tempo, and the rest after a rep."""

    phase: str | None
    """For work: the tempo phase's name, or "Hold"; None for a duration and for other kinds."""

    seconds: float
    """How long the step lasts (an as-needed rest: where nobody can say they are ready)."""

    @property
    def as_needed(self) -> bool:
        """Whether this is a rest written ``"as needed"``: the session waits for the person."""
        return is_as_needed(self.seconds)

    def to_json(self) -> dict[str, Any]:
        """The step as ``coach plan --json`` prints it (``as_needed`` only on such a rest)."""
        data = {
            "kind": self.kind,
            "exercise": self.exercise,
            "side": self.side,
            "set": self.set,
            "rep": self.rep,
            "phase": self.phase,
            "seconds": json_seconds(self.seconds),
        }
        if self.as_needed:
            data["as_needed"] = True
        return data


@dataclass(frozen=True, slots=True)
class Timeline:
    """All the steps of one program, in order."""

    program: Program
    steps: tuple[Step, ...]

    @property
    def total_seconds(self) -> float:
        """The session's planned length: the sum of its steps."""
        return math.fsum(step.seconds for step in self.steps)

    def offsets(self) -> list[float]:
        """Each step's planned start, in seconds from the start of the session."""
        return [0.0, *accumulate(step.seconds for step in self.steps[:-1])]

    def exercise_seconds(self, index: int) -> float:
        """The length of exercise ``index``'s steps (its prep, work, rests and the rest after)."""
        return math.fsum(step.seconds for step in self.steps if step.exercise_index == index)

    def to_json(self) -> dict[str, Any]:
        """The timeline as ``coach plan --json`` prints it."""
        return {
            "program": self.program.id,
            "total_seconds": json_seconds(self.total_seconds),
            "steps": [step.to_json() for step in self.steps],
        }


_SCALE_BITS = 1100
"""Every float is a whole number of 2**-1074 (the smallest subnormal); counted in units
of 2**-1100, each step's seconds is an exact integer, and so is any sum of them."""


@dataclass(frozen=True, slots=True)
class Size:
    """How many steps, and how many seconds, without the steps themselves."""

    steps: int
    """The number of steps (those of length 0 are left out, as in the timeline)."""

    exact_seconds: int
    """The steps' seconds added up exactly, in units of 2**-1100 s (see :func:`exact`).

    Plain integers, not fractions: adding 20,000 ``Fraction`` values of floats
    (each with its own power-of-two denominator, reduced at every step) took
    seconds; adding these takes microseconds.
    """

    @property
    def seconds(self) -> float:
        """The length in seconds: the same float as :attr:`Timeline.total_seconds`.

        ``math.fsum`` rounds the exact sum of its floats once, correctly, and so
        does Python's division of one integer by another.
        """
        return self.exact_seconds / (1 << _SCALE_BITS)


def exact(seconds: float) -> int:
    """``seconds`` as an exact whole number of 2**-1100 s."""
    numerator, denominator = seconds.as_integer_ratio()  # the denominator is a power of 2
    return numerator * ((1 << _SCALE_BITS) // denominator)


def _counted(seconds: float, times: int = 1) -> Size:
    """``times`` steps of ``seconds`` each; none if the step is of length 0."""
    if seconds <= 0 or times <= 0:
        return Size(0, 0)
    return Size(times, exact(seconds) * times)


def _add(*sizes: Size) -> Size:
    return Size(sum(s.steps for s in sizes), sum(s.exact_seconds for s in sizes))


def _times(size: Size, times: int) -> Size:
    return Size(size.steps * times, size.exact_seconds * times)


def exercise_size(program: Program, index: int) -> Size:
    """The steps and seconds of exercise ``index``, as :func:`build_timeline` lays them out."""
    exercise = program.exercises[index]
    phases = [seconds for _, seconds in _work_phases(exercise)]
    reps = exercise.paced_reps or 1
    sets = exercise.paced_sets
    rep_sides = 2 if exercise.sides == "alternate" else 1
    one_rep = _times(_add(*(_counted(seconds) for seconds in phases)), rep_sides)
    one_set = _add(_times(one_rep, reps), _counted(exercise.rest_between_reps, reps - 1))
    one_pass = _add(_times(one_set, sets), _counted(exercise.rest_between_sets, sets - 1))
    passes = 2 if exercise.sides == "each" else 1
    is_last = index == len(program.exercises) - 1
    return _add(
        _counted(program.exercise_prep(exercise)),
        _times(one_pass, passes),
        _counted(program.exercise_switch(exercise), passes - 1),
        _counted(0.0 if is_last else program.exercise_rest_after(exercise)),
    )


def exercise_sizes(program: Program) -> list[Size]:
    """:func:`exercise_size` of every exercise, in order."""
    return [exercise_size(program, index) for index in range(len(program.exercises))]


def session_size(program: Program, sizes: list[Size] | None = None) -> Size:
    """The steps and seconds of the whole session, as :func:`build_timeline` lays them out
    (from the exercises' ``sizes`` when they are known already)."""
    return _add(*(exercise_sizes(program) if sizes is None else sizes))


class TimelineTooLarge(ValueError):
    """A program whose session is over the limits: it is not laid out."""


def build_timeline(program: Program) -> Timeline:
    """Lay out ``program`` as its sequence of steps.

    Raises :class:`TimelineTooLarge` for a session of more than
    :data:`~coach.program.model.MAX_STEPS` steps or :data:`~coach.program.model.MAX_SESSION_SECONDS`
    (the loader refuses such a program first; this keeps a program made some
    other way from filling the memory).
    """
    size = session_size(program)
    if size.steps > MAX_STEPS or size.seconds > MAX_SESSION_SECONDS:
        raise TimelineTooLarge(
            f"{program.id}: a session of {size.steps:,} steps and "
            f"{format_duration(size.seconds)} is over the limits "
            f"({MAX_STEPS:,} steps, {format_duration(MAX_SESSION_SECONDS)})"
        )
    steps: list[Step] = []
    last = len(program.exercises) - 1
    for index, exercise in enumerate(program.exercises):
        steps.extend(_exercise_steps(program, index, exercise, is_last=index == last))
    return Timeline(program, tuple(step for step in steps if step.seconds > 0))


class _StepMaker(Protocol):
    def __call__(
        self,
        kind: StepKind,
        seconds: float,
        side: Side | None = None,
        set_: int | None = None,
        rep: int | None = None,
        phase: str | None = None,
    ) -> Step: ...


def _exercise_steps(
    program: Program, index: int, exercise: Exercise, *, is_last: bool
) -> Iterator[Step]:
    def step(
        kind: StepKind,
        seconds: float,
        side: Side | None = None,
        set_: int | None = None,
        rep: int | None = None,
        phase: str | None = None,
    ) -> Step:
        return Step(kind, exercise.id, index, side, set_, rep, phase, seconds)

    yield step("prep", program.exercise_prep(exercise))

    passes: list[Side | None]
    if exercise.sides == "each":
        passes = ["left", "right"]
    elif exercise.sides in ("left", "right", "both"):
        passes = [exercise.sides]
    else:
        passes = [None]

    for pass_number, side in enumerate(passes):
        if pass_number > 0:
            yield step("switch", program.exercise_switch(exercise), side)
        sets = exercise.paced_sets
        for set_number in range(1, sets + 1):
            yield from _set_steps(exercise, side, set_number, step)
            if set_number < sets:
                yield step("rest", exercise.rest_between_sets, side, set_number)

    if not is_last:
        yield step("rest", program.exercise_rest_after(exercise))


def _set_steps(
    exercise: Exercise, side: Side | None, set_number: int, step: _StepMaker
) -> Iterator[Step]:
    phases = _work_phases(exercise)
    # A duration is one stretch of work per set: no rep number.
    reps = exercise.paced_reps or 1
    rep_sides: list[Side | None] = ["left", "right"] if exercise.sides == "alternate" else [side]
    rest_side = None if exercise.sides == "alternate" else side
    for rep in range(1, reps + 1):
        rep_label = None if exercise.reps is None else rep
        for rep_side in rep_sides:
            for name, seconds in phases:
                yield step("work", seconds, rep_side, set_number, rep_label, name)
        if rep < reps:
            yield step("rest", exercise.rest_between_reps, rest_side, set_number, rep)


def _work_phases(exercise: Exercise) -> list[tuple[str | None, float]]:
    """The work steps of one rep (or of one set, for a duration): name and paced seconds."""
    if exercise.duration is not None:
        return [(None, paced(exercise.duration))]
    if exercise.tempo is not None:
        return [(phase.phase, phase.seconds) for phase in exercise.tempo]
    assert exercise.hold is not None  # the model guarantees one way of pacing
    return [(HOLD_PHASE, paced(exercise.hold))]


def range_text(value: int | float | CountRange | SecondsRange) -> str:
    """A count or length as a plan shows it: ``10``, ``15s``, ``10-15 (paced 15)``."""
    if isinstance(value, CountRange):
        return f"{value.min}-{value.max} (paced {value.paced})"
    if isinstance(value, SecondsRange):
        return (
            f"{format_duration(value.min)}-{format_duration(value.max)} "
            f"(paced {format_duration(value.paced)})"
        )
    return format_duration(value) if isinstance(value, float) else str(value)


def schedule_line(schedule: Schedule | None) -> str | None:
    """The schedule as a plan shows it, when it names days, times or "as needed"."""
    if schedule is None or not (schedule.days or schedule.times or schedule.as_needed):
        return None
    if schedule.as_needed:
        how = "as needed"
    elif schedule.per_day is not None or schedule.times:
        count = range_text(schedule.per_day) if schedule.per_day is not None else None
        how = f"{count or len(schedule.times or [])} a day"
    else:
        assert schedule.per_week is not None
        how = f"{range_text(schedule.per_week)} a week"
    if schedule.days:
        how += " on " + ", ".join(schedule.days)
    if schedule.times:
        how += " at " + ", ".join(schedule.times)
    return f"Schedule: {how}"


def dose_lines(exercise: Exercise) -> list[str]:
    """The exercise's load and effort as a person reads them: ``["Load: red FlexBar"]``."""
    lines = [f"Load: {exercise.load}"] if exercise.load else []
    return lines + ([f"Effort: {exercise.effort}"] if exercise.effort else [])


def range_lines(exercise: Exercise) -> list[str]:
    """The exercise's ranges as a person reads them: ``["Reps: 10-15 (paced 15)"]``."""
    named = [
        ("Sets", exercise.sets),
        ("Reps", exercise.reps),
        ("Hold", exercise.hold),
        ("Time", exercise.duration),
    ]
    return [
        f"{label}: {range_text(value)}"
        for label, value in named
        if isinstance(value, CountRange | SecondsRange)
    ]


ENOUGH_HINT = "From the lower number on, press e for enough: it counts as done."
"""How a session with a range tells the person they may stop at its ``min``."""


def _span(value: object) -> str:
    if isinstance(value, CountRange):
        return f"{value.min}-{value.max}"
    if isinstance(value, SecondsRange):
        return f"{format_duration(value.min)}-{format_duration(value.max)}"
    return ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def enough_text(what: str, done: float, exercise: Exercise) -> str:
    """What saying "enough" ended: ``Enough: 12 reps this set (10-15), counted as done.``"""
    if what == "hold":
        length = exercise.hold if exercise.hold is not None else exercise.duration
        noun = "held" if exercise.hold is not None else "worked"
        said = f"{noun} {format_duration(done)} ({_span(length)})"
    elif what == "set":
        said = f"{_count(int(done), 'rep')} this set ({_span(exercise.reps)})"
    else:
        said = f"{_count(int(done), 'set')} ({_span(exercise.sets)})"
    return f"Enough: {said}, counted as done."


def not_yet_text(exercise: Exercise) -> str:
    """Why "enough" does nothing yet: ``Not yet: enough counts from the lower number ...``."""
    spans = [line.split(" (paced")[0].lower() for line in range_lines(exercise)]
    if not spans:
        return "This exercise has no range: nothing to end early."
    return f"Not yet: enough counts from the lower number ({', '.join(spans)})."


def side_words(side: Side) -> str:
    """A step's side as a person reads or hears it: "left", "right", "both hands"."""
    return "both hands" if side == "both" else side


def describe_pacing(exercise: Exercise) -> str:
    """How each rep (or set) is paced: ``hold 15s``, ``Curl 4s / Lower 4s``, ``15m of work``."""
    if exercise.duration is not None:
        return f"{range_text(exercise.duration)} of work"
    if exercise.hold is not None:
        return f"hold {range_text(exercise.hold)}"
    assert exercise.tempo is not None  # the model guarantees one way of pacing
    return " / ".join(f"{p.phase} {format_duration(p.seconds)}" for p in exercise.tempo)


def describe_step(step: Step, exercise: Exercise) -> str:
    """One line for a step: ``Wrist extension stretch, left, set 1/2, rep 2/5: Hold``."""
    parts = [exercise.name]
    if step.side is not None:
        parts.append(side_words(step.side))
    if step.kind == "work" or (step.kind == "rest" and step.set is not None):
        if step.set is not None and exercise.paced_sets > 1:
            parts.append(f"set {step.set}/{exercise.paced_sets}")
        if step.rep is not None and exercise.paced_reps is not None:
            parts.append(f"rep {step.rep}/{exercise.paced_reps}")
    text = ", ".join(parts)
    if step.kind == "work":
        return f"{text}: {step.phase}" if step.phase else f"{text}: work"
    label = {"prep": "get ready", "switch": "switch sides", "rest": "rest"}[step.kind]
    if step.as_needed:
        label = "rest as needed"
    return f"{text}: {label}"


AS_NEEDED_NOTE = (
    'Rests "as needed" wait until you press space or Enter; with no terminal '
    "each lasts {seconds}, as counted here."
)
"""What ``coach plan`` says under a program with an as-needed rest."""
