"""The program format, version 1: what a program file may say, as pydantic models.

A program file is TOML: ``schema_version = 1``, a ``[program]`` table and one
or more ``[[exercise]]`` tables. These models are the single source of truth
for the rules: the loader (:mod:`coach.program.loader`) turns their errors into
``PATH:LINE: message`` lines and ``coach schema`` prints their JSON Schema.

Validation is strict: a string is never taken for a number, a float never
for a count. Physiotherapists' files are prescriptions, so we reject rather
than guess.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapSerializer,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from coach.program.durations import (
    DURATION_PATTERN,
    MAX_DURATION_TEXT,
    DurationError,
    format_duration,
    parse_duration,
)

#: The newest program format this coach reads.
SCHEMA_VERSION = 2

SCHEMA_VERSIONS = (1, 2)
"""Every program format this coach reads: version 1 files keep working unchanged."""

# --- limits (docs/program-format.md, "Limits", says why) ---------------------------------------

MAX_DURATION_SECONDS = 24 * 3600.0
"""The longest any one duration in a program may be: a day."""

MAX_COUNT = 1000
"""The most sets, or reps in a set, an exercise may have."""

MAX_SESSION_SECONDS = 24 * 3600.0
"""The longest a whole session may last: a day."""

MAX_STEPS = 100_000
"""The most timed steps a session may have."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""A lowercase identifier: letters a-z, digits and ``-``, not starting with ``-``."""

Text = Annotated[str, StringConstraints(min_length=1)]
"""A non-empty piece of text."""

MAX_DOSE_TEXT = 80
"""The longest ``load`` or ``effort`` may be: it is shown beside the countdown and spoken."""

DoseText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_DOSE_TEXT)]
"""A short piece of text about the dose: a load or an effort."""


def _duration_schema(minimum: Literal["exclusive", "inclusive"]) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "number"}
    number["exclusiveMinimum" if minimum == "exclusive" else "minimum"] = 0
    number["maximum"] = MAX_DURATION_SECONDS
    text = {"type": "string", "pattern": DURATION_PATTERN, "maxLength": MAX_DURATION_TEXT}
    return {
        "anyOf": [number, text],
        "description": (
            "Seconds as a number, or a string of hour/minute/second parts: "
            '"15s", "1m30s", "0.5s", "2h".'
        ),
    }


def program_duration(value: object) -> float:
    """A program's duration: :func:`parse_duration`, at most :data:`MAX_DURATION_SECONDS`."""
    seconds = parse_duration(value)
    if seconds > MAX_DURATION_SECONDS:
        raise DurationError(
            f"{format_duration(seconds)} is longer than {format_duration(MAX_DURATION_SECONDS)}, "
            "the limit for any one duration in a program"
        )
    return seconds


WorkDuration = Annotated[
    float,
    BeforeValidator(program_duration),
    Field(gt=0),
    WithJsonSchema(_duration_schema("exclusive")),
]
"""A duration that paces work: more than zero."""

RestDuration = Annotated[
    float,
    BeforeValidator(program_duration),
    Field(ge=0),
    WithJsonSchema(_duration_schema("inclusive")),
]
"""A rest or preparation time: zero or more (zero leaves the step out)."""

AS_NEEDED = "as needed"
"""A rest written ``"as needed"`` (version 2): the session waits for the person."""

AS_NEEDED_SECONDS = 30.0
"""How long an as-needed rest lasts where nobody can say they are ready (no terminal)."""


class AsNeeded(float):
    """A rest the person ends when ready: :data:`AS_NEEDED_SECONDS` long where nobody can.

    A float, so every sum of a session's length (the plan, the limits) counts
    it as the rest it is without a terminal; the timeline's rest step keeps
    this type, and the engine waits at it.
    """

    def __new__(cls, *_: object) -> AsNeeded:  # copy and pickle pass the value: it is fixed
        return super().__new__(cls, AS_NEEDED_SECONDS)

    def __reduce__(self) -> tuple[type[AsNeeded], tuple[()]]:
        return (AsNeeded, ())

    def __repr__(self) -> str:
        return "AsNeeded()"


def is_as_needed(seconds: float) -> bool:
    """Whether a rest's length is "as needed"."""
    return isinstance(seconds, AsNeeded)


def _as_needed_or(value: Any, handler: ValidatorFunctionWrapHandler) -> float:
    if isinstance(value, AsNeeded) or value == AS_NEEDED:  # as the editor schema says
        return AsNeeded()
    try:
        return float(handler(value))
    except ValidationError as error:
        if not isinstance(value, str):
            raise
        said = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise PydanticCustomError("rest", '{said}; or write "as needed"', {"said": said}) from None


def _as_written(value: float, handler: Callable[[float], Any]) -> Any:
    return AS_NEEDED if isinstance(value, AsNeeded) else handler(value)


def _rest_schema() -> dict[str, Any]:
    schema = _duration_schema("inclusive")
    return {
        "anyOf": [*schema["anyOf"], {"const": AS_NEEDED}],
        "description": f'{schema["description"]} Or (version 2) "{AS_NEEDED}".',
    }


Rest = Annotated[
    float,
    BeforeValidator(program_duration),
    Field(ge=0),
    WrapValidator(_as_needed_or),
    WrapSerializer(_as_written),
    WithJsonSchema(_rest_schema()),
]
"""A rest between reps, sets or exercises: a :data:`RestDuration`, or (version 2)
``"as needed"`` (an :class:`AsNeeded`)."""

Sides = Literal["none", "both", "left", "right", "each", "alternate", "affected", "unaffected"]
"""``affected`` and ``unaffected`` (version 2) are the patient's sides: see :class:`Patient`."""

PATIENT_SIDES = ("affected", "unaffected")
"""The sides that resolve from the patient's ``affected_side``; the loader turns them into
``left`` or ``right``, so a loaded program never has them."""


class _Table(BaseModel):
    """Shared configuration: strict types, no unknown keys, frozen values."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )


_Number = TypeVar("_Number", int, float)

Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]
"""A number of sets, reps or sessions: 1 to :data:`MAX_COUNT`."""


class CountRange(_Table):
    """A range of counts (version 2): ``{ min = 10, max = 15 }``, paced at ``target``."""

    min: Count
    """The fewest that count as done: from here on the person may stop."""

    max: Count
    """The most prescribed."""

    target: Count | None = None
    """The number paced (default ``max``)."""

    @model_validator(mode="after")
    def _in_order(self) -> CountRange:
        _check_order(self.min, self.max, self.target, str)
        return self

    @property
    def paced(self) -> int:
        """The number the session paces: ``target``, else ``max``."""
        return self.max if self.target is None else self.target


class SecondsRange(_Table):
    """A range of durations (version 2): ``{ min = "3s", max = "7s" }``, paced at ``target``."""

    min: WorkDuration
    """The shortest that counts as done: from here on the person may end it."""

    max: WorkDuration
    """The longest prescribed."""

    target: WorkDuration | None = None
    """The length paced (default ``max``)."""

    @model_validator(mode="after")
    def _in_order(self) -> SecondsRange:
        _check_order(self.min, self.max, self.target, format_duration)
        return self

    @property
    def paced(self) -> float:
        """The length the session paces: ``target``, else ``max``."""
        return self.max if self.target is None else self.target


def _check_order(
    low: _Number, high: _Number, target: _Number | None, show: Callable[[_Number], str]
) -> None:
    if low > high:
        raise PydanticCustomError(
            "range",
            f"min ({show(low)}) is more than max ({show(high)})",
            {"key": "min"},
        )
    if target is not None and not low <= target <= high:
        raise PydanticCustomError(
            "range",
            f"target ({show(target)}) is not from min ({show(low)}) to max ({show(high)})",
            {"key": "target"},
        )


def _range_or_value(value: object) -> str:
    return "range" if isinstance(value, dict | CountRange | SecondsRange) else "value"


CountOrRange = Annotated[
    Annotated[CountRange, Tag("range")] | Annotated[Count, Tag("value")],
    Discriminator(_range_or_value),
]
"""A count, or (version 2) a range of counts."""

SecondsOrRange = Annotated[
    Annotated[SecondsRange, Tag("range")] | Annotated[WorkDuration, Tag("value")],
    Discriminator(_range_or_value),
]
"""A work duration, or (version 2) a range of durations."""

RANGE_TAGS = frozenset({"range", "value"})
"""The tags pydantic puts in an error's location inside a value-or-range key."""


def paced(value: _Number | CountRange | SecondsRange) -> _Number:
    """The count or length a session paces for ``value``: the value, or a range's target."""
    if isinstance(value, CountRange | SecondsRange):
        return value.paced  # type: ignore[return-value]
    return value


def lowest(value: _Number | CountRange | SecondsRange) -> _Number:
    """The least that counts as done for ``value``: the value, or a range's ``min``."""
    if isinstance(value, CountRange | SecondsRange):
        return value.min  # type: ignore[return-value]
    return value


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The names ``days`` takes, Monday first (``datetime.date.weekday()`` order)."""


def _schedule_error(key: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("schedule", f"[program.schedule] {message}", {"key": key})


def _check_days_and_times(schedule: Schedule) -> None:
    """The rules for days, times and as_needed (docs/program-format.md)."""
    if schedule.as_needed:
        for key in ("per_day", "per_week", "times"):
            if getattr(schedule, key) is not None:
                raise _schedule_error(
                    key, f"as_needed = true has no target: remove {key} (or as_needed)"
                )
    if schedule.days is not None:
        if not schedule.days:
            raise _schedule_error("days", 'days needs at least one day, e.g. ["mon", "thu"]')
        if len(set(schedule.days)) != len(schedule.days):
            raise _schedule_error("days", "days lists a day twice; give each day once")
    if schedule.times is None:
        return
    if not schedule.times:
        raise _schedule_error("times", 'times needs at least one time, e.g. ["08:00"]')
    for time in schedule.times:
        if not _is_clock_time(time):
            raise _schedule_error(
                "times", f'times: {time!r} is not a 24-hour time; write "HH:MM", e.g. "08:00"'
            )
    if len(set(schedule.times)) != len(schedule.times):
        raise _schedule_error("times", "times lists a time twice; give each time once")
    if list(schedule.times) != sorted(schedule.times):
        raise _schedule_error(
            "times", "times must be earliest first: " + ", ".join(sorted(schedule.times))
        )
    if schedule.per_week is not None:
        raise _schedule_error(
            "times", "times say when each day's sessions are due: use per_day, not per_week"
        )
    if isinstance(schedule.per_day, int) and schedule.per_day != len(schedule.times):
        raise _schedule_error(
            "per_day",
            f"per_day = {schedule.per_day} but times lists {len(schedule.times)}; "
            "make them agree or leave per_day out",
        )


def _is_clock_time(text: str) -> bool:
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return False
    return int(text[:2]) < 24 and int(text[3:]) < 60


class Schedule(_Table):
    """How often the program is prescribed; used for adherence. Give one of the two."""

    per_day: CountOrRange | None = None
    """Sessions prescribed per day: a number, or (version 2) ``{ min = 3, max = 5 }``."""

    per_week: CountOrRange | None = None
    """Sessions prescribed per week: a number, or (version 2) a range."""

    days: list[Weekday] | None = None
    """(Version 2) The weekdays the program is prescribed on, ``["mon", "wed", "fri"]``;
    other days neither count nor break a streak."""

    times: list[str] | None = None
    """(Version 2) When each day's sessions are due, ``["08:00", "13:00"]`` (24-hour
    "HH:MM", earliest first); per_day defaults to how many there are."""

    as_needed: bool = False
    """(Version 2) Sessions are recorded with no adherence target: no per_day/per_week."""

    @property
    def paced_per_day(self) -> int | None:
        """Sessions a day to aim for (a range's target), or None."""
        if self.per_day is None and self.times and not self.as_needed:
            return len(self.times)
        return None if self.per_day is None else paced(self.per_day)

    @property
    def paced_per_week(self) -> int | None:
        """Sessions a week to aim for (a range's target), or None."""
        return None if self.per_week is None else paced(self.per_week)

    @model_validator(mode="after")
    def _one_frequency(self) -> Schedule:
        _check_days_and_times(self)
        if self.as_needed:
            return self
        if self.per_day is None and self.per_week is None and self.times:
            return self  # per_day is the number of times
        if (self.per_day is None) == (self.per_week is None):
            raise PydanticCustomError(
                "schedule",
                "[program.schedule]: give exactly one of per_day or per_week",
                {"key": None},
            )
        return self


SYMPTOMS = ("pain", "tingling", "numbness", "stiffness")
"""The symptoms a check-in may ask about (``coach.history.records.SYMPTOMS`` too)."""

Symptom = Literal["pain", "tingling", "numbness", "stiffness"]

Rating = Annotated[int, Field(ge=0, le=10)]
"""A symptom's rating: 0 (none) to 10 (the worst)."""


class SymptomLimits(_Table):
    """``limits = { tingling = 3 }`` (version 2): advice above a symptom's rating."""

    pain: Rating | None = None
    """Advise stopping above this pain rating (the same as ``stop_above``)."""

    tingling: Rating | None = None
    """Advise stopping above this tingling rating."""

    numbness: Rating | None = None
    """Advise stopping above this numbness rating."""

    stiffness: Rating | None = None
    """Advise stopping above this stiffness rating."""


class Checkin(_Table):
    """A check-in before and after the session: pain, or (version 2) the symptoms asked."""

    pain: bool = True
    """Ask for a 0-10 pain rating before and after the session."""

    stop_above: Rating | None = None
    """Advise stopping and talking to a doctor when pain is rated above this (0-10)."""

    ask: Annotated[list[Symptom], Field(min_length=1, max_length=len(SYMPTOMS))] | None = None
    """(Version 2) The symptoms to rate 0-10 before and after, in the order asked:
    ``["pain", "tingling", "numbness", "stiffness"]``. ``pain = true`` is ``["pain"]``."""

    limits: SymptomLimits | None = None
    """(Version 2) Advise stopping above a symptom's rating: ``{ tingling = 3 }``."""

    next_day: bool = False
    """(Version 2) The first session on a later day first asks whether things are
    better, the same or worse since the last session."""

    @model_validator(mode="after")
    def _consistent(self) -> Checkin:
        if self.ask is not None:
            if "pain" in self.model_fields_set:
                raise PydanticCustomError(
                    "checkin",
                    "[program.checkin]: give ask = [...] or pain = true/false, not both "
                    '(pain = true is ask = ["pain"])',
                    {"key": "pain"},
                )
            for index, name in enumerate(self.ask):
                if name in self.ask[:index]:
                    raise PydanticCustomError(
                        "checkin",
                        f"[program.checkin]: ask names {name!r} twice",
                        {"key": ("program", "checkin", "ask", index)},
                    )
        if self.limits is not None:
            if self.limits.pain is not None and self.stop_above is not None:
                raise PydanticCustomError(
                    "checkin",
                    "[program.checkin]: give the pain limit once: stop_above or limits.pain",
                    {"key": "limits"},
                )
            for symptom in SYMPTOMS:
                if getattr(self.limits, symptom) is not None and symptom not in self.asked:
                    raise PydanticCustomError(
                        "checkin",
                        f"[program.checkin]: limits.{symptom} is for a symptom not asked; "
                        f'add "{symptom}" to ask',
                        {"key": ("program", "checkin", "limits", symptom)},
                    )
        return self

    @property
    def asked(self) -> tuple[str, ...]:
        """The symptoms asked, in order: ``ask``, else ``("pain",)`` when ``pain``."""
        if self.ask is not None:
            return tuple(self.ask)
        return ("pain",) if self.pain else ()

    def limit(self, symptom: str) -> int | None:
        """The rating above which ``symptom`` gets the stop advice, or None."""
        if symptom == "pain" and self.stop_above is not None:
            return self.stop_above
        return None if self.limits is None else getattr(self.limits, symptom, None)


MAX_WEEKS = 520
"""The longest a prescription may run: ten years of weeks."""

Weeks = Annotated[int, Field(ge=1, le=MAX_WEEKS)]

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
"""A prescription's dates lie between these (so its weeks never run off the calendar)."""


class Prescription(_Table):
    """``[program.prescription]`` (version 2): the period the program is prescribed for."""

    start: datetime.date | None = None
    """The first day, as a TOML date: ``start = 2026-01-05`` (no quotes). A protocol
    for anyone leaves it out and gives ``weeks``: they count from the first session."""

    end: datetime.date | None = None
    """The last day (a date). Give end or weeks, or neither for no end."""

    weeks: Weeks | None = None
    """How many weeks from start it runs. Give end or weeks, or neither for no end."""

    patient: Text | None = None
    """A label for the person it is prescribed for (a name or a reference)."""

    prescribed_by: str = ""
    """Who prescribed it."""

    review: datetime.date | None = None
    """When to review the program with the person (a date)."""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Prescription:
        for key in ("start", "end", "review"):
            value = getattr(self, key)
            if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
                raise PydanticCustomError(
                    "prescription",
                    f"[program.prescription]: {key} = {value} is not a date from "
                    f"{EARLIEST_DATE} to {LATEST_DATE}",
                    {"key": key},
                )
        if self.start is None:
            if self.weeks is None or self.end is not None:
                raise PydanticCustomError(
                    "prescription",
                    "[program.prescription]: give start = DATE (the first day), or leave it "
                    "out and give weeks = N, which then count from the first session",
                    {"key": "end" if self.end is not None else "start"},
                )
            return self
        if self.end is not None and self.weeks is not None:
            raise PydanticCustomError(
                "prescription",
                "[program.prescription]: give end or weeks, not both",
                {"key": "weeks"},
            )
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "prescription",
                f"[program.prescription]: end ({self.end}) is before start ({self.start})",
                {"key": "end"},
            )
        if self.review is not None and self.review < self.start:
            raise PydanticCustomError(
                "prescription",
                f"[program.prescription]: review ({self.review}) is before start ({self.start})",
                {"key": "review"},
            )
        return self

    def starting(self, day: datetime.date) -> Prescription:
        """This prescription with ``start = day`` when it has none (a protocol); else itself."""
        return self if self.start is not None else self.model_copy(update={"start": day})

    @property
    def last_day(self) -> datetime.date | None:
        """The last day prescribed, or None when it has no end (or, a protocol, no start)."""
        if self.end is not None:
            return self.end
        if self.weeks is not None and self.start is not None:
            return self.start + datetime.timedelta(days=7 * self.weeks - 1)
        return None

    @property
    def total_weeks(self) -> int | None:
        """How many weeks it runs (a part week counts), or None when it has no end."""
        if self.start is None:
            return self.weeks
        last = self.last_day
        return None if last is None else (last - self.start).days // 7 + 1

    def week_of(self, day: datetime.date) -> int | None:
        """The 1-based week ``day`` falls in, or None outside the prescription (or, for a
        protocol with no start yet, always: see :meth:`starting`)."""
        last = self.last_day
        if self.start is None or day < self.start or (last is not None and day > last):
            return None
        return (day - self.start).days // 7 + 1


class ProgramInfo(_Table):
    """The ``[program]`` table: who the program is for, where it comes from, its defaults."""

    id: Slug
    """Lowercase identifier, unique in the library: ``[a-z0-9][a-z0-9-]*``."""

    title: Text
    """The name people see."""

    summary: str = ""
    """One line for the library listing."""

    description: str = ""
    """Longer text: what the program is for and how to do it."""

    audience: list[Text] = Field(default_factory=list)
    """Who it is for, e.g. "typist", "musician", "desk"."""

    author: str = ""
    """Who wrote the program."""

    version: str = ""
    """The program's own version, as text (e.g. "1.2")."""

    sources: list[Text] = Field(default_factory=list)
    """Where the exercises and doses come from (free text)."""

    precautions: list[Text] = Field(default_factory=list)
    """Shown before the first start: when not to do the program, when to stop."""

    prep: RestDuration = 5.0
    """Get-ready time before each exercise (default 5 s; 0 leaves it out)."""

    switch_sides: RestDuration = 5.0
    """Pause before the second side of a two-sided exercise (default 5 s)."""

    rest_between_exercises: Rest = 10.0
    """Rest after each exercise but the last (default 10 s)."""

    schedule: Schedule | None = None
    """The prescribed frequency."""

    checkin: Checkin | None = None
    """Ask for pain (or, version 2, other symptoms) before and after."""

    prescription: Prescription | None = None
    """When the program is prescribed, and for whom (version 2)."""


class TempoPhase(_Table):
    """One phase of a rep, e.g. ``{ phase = "Curl", seconds = 4 }``."""

    phase: Text
    """What to do in this phase, shown and spoken: "Curl", "Hold", "Lower"."""

    seconds: WorkDuration
    """How long the phase lasts."""


class Exercise(_Table):
    """One ``[[exercise]]`` table."""

    id: Slug
    """Lowercase identifier, unique in the program."""

    name: Text
    """The name people see."""

    instructions: list[Text] = Field(default_factory=list)
    """The steps, in order."""

    cue: str = ""
    """One short line to show or speak during work."""

    equipment: list[Text] = Field(default_factory=list)
    """What is needed: "stress ball", "light weight"."""

    precautions: list[Text] = Field(default_factory=list)
    """This exercise's own precautions."""

    load: DoseText | None = None
    """What to work against, shown and said (version 2): "red FlexBar", "1 kg", "soft putty"."""

    effort: DoseText | None = None
    """How hard to work, shown and said (version 2): "about 70% of your maximum"."""

    sides: Sides = "none"
    """none, both (hands together; version 2), left, right, each (left, then right), alternate;
    affected or unaffected (version 2): the side [patient] affected_side names, or the other."""

    sets: CountOrRange = 1
    """How many sets: a number, or (version 2) ``{ min = 2, max = 3 }``."""

    duration: SecondsOrRange | None = None
    """One timed stretch of work per set (e.g. heat for 15 minutes). Not with reps.
    A duration, or (version 2) ``{ min = "10m", max = "15m" }``."""

    reps: CountOrRange | None = None
    """Repetitions per set; each is one ``hold`` or one pass through ``tempo``.
    A number, or (version 2) ``{ min = 10, max = 15 }``."""

    hold: SecondsOrRange | None = None
    """Each rep is one hold of this length: a duration, or (version 2) a range."""

    tempo: Annotated[list[TempoPhase], Field(min_length=1)] | None = None
    """Each rep is these phases in order."""

    rest_between_reps: Rest = 0.0
    """Rest after each rep but the last of a set (default 0)."""

    rest_between_sets: Rest = 30.0
    """Rest after each set but the last (default 30 s)."""

    prep: RestDuration | None = None
    """Overrides the program's ``prep`` for this exercise."""

    switch_sides: RestDuration | None = None
    """Overrides the program's ``switch_sides`` for this exercise."""

    rest_after: Rest | None = None
    """Rest after this exercise instead of the program's ``rest_between_exercises``."""

    @property
    def paced_sets(self) -> int:
        """The sets the session paces (a range's target)."""
        return paced(self.sets)

    @property
    def paced_reps(self) -> int | None:
        """The reps per set the session paces (a range's target), or None."""
        return None if self.reps is None else paced(self.reps)

    @property
    def paced_hold(self) -> float | None:
        """The hold the session paces (a range's target), or None."""
        return None if self.hold is None else paced(self.hold)

    @property
    def paced_duration(self) -> float | None:
        """The work per set the session paces (a range's target), or None."""
        return None if self.duration is None else paced(self.duration)

    @property
    def ranged(self) -> bool:
        """Whether any of its counts or lengths is a range, so it may end early."""
        return any(
            isinstance(value, CountRange | SecondsRange)
            for value in (self.sets, self.reps, self.hold, self.duration)
        )

    @model_validator(mode="after")
    def _one_way_of_pacing(self) -> Exercise:
        given = {key for key in PACING_KEYS if getattr(self, key) is not None}
        problem = pacing_problem(given)
        if problem is not None:
            key, message = problem
            raise PydanticCustomError("pacing", message, {"key": key})
        return self


PACING_KEYS = ("duration", "reps", "hold", "tempo")


class DoseOverride(_Table):
    """A change to one exercise's dose: in a phase (``[phase.exercise.ID]``, version 2)."""

    enabled: bool | None = None
    """false leaves the exercise out."""

    sets: CountOrRange | None = None
    """How many sets (a number or a range)."""

    reps: CountOrRange | None = None
    """Repetitions per set (a number or a range)."""

    hold: SecondsOrRange | None = None
    """Each rep is one hold of this length (replaces tempo or duration)."""

    tempo: Annotated[list[TempoPhase], Field(min_length=1)] | None = None
    """Each rep is these phases in order (replaces hold or duration)."""

    duration: SecondsOrRange | None = None
    """One timed stretch of work per set (replaces reps, hold and tempo)."""

    rest_between_reps: Rest | None = None
    """Rest after each rep but the last of a set."""

    rest_between_sets: Rest | None = None
    """Rest after each set but the last."""

    load: DoseText | None = None
    """What to work against: "red FlexBar", "1 kg"."""

    effort: DoseText | None = None
    """How hard to work: "about 70% of your maximum"."""


_REPLACES = {
    "duration": ("reps", "hold", "tempo"),
    "hold": ("tempo", "duration"),
    "tempo": ("hold", "duration"),
    "reps": ("duration",),
}
"""The pacing keys an override's key takes the place of: giving ``tempo`` drops ``hold``."""


def apply_dose(exercise: Exercise, override: DoseOverride) -> Exercise | None:
    """``exercise`` with ``override``'s dose, or None when it switches the exercise off.

    Raises :class:`pydantic.ValidationError` when the result does not pace
    (``reps`` given to a timed exercise with no ``hold``, say).
    """
    if override.enabled is False:
        return None
    given = {
        key: value
        for key, value in override.model_dump(exclude={"enabled"}).items()
        if value is not None
    }
    if not given:
        return exercise
    merged = exercise.model_dump()
    for key in given:
        for replaced in _REPLACES.get(key, ()):
            merged[replaced] = None
    merged.update(given)
    return Exercise.model_validate(
        {key: value for key, value in merged.items() if value is not None}
    )


class Patient(_Table):
    """``[patient]`` (version 2): the one person a program or a patient file is for."""

    label: Text | None = None
    """A label for the person: a name, initials or a reference."""

    affected_side: Literal["left", "right"] | None = None
    """The side that is treated: ``sides = "affected"`` is this side, ``"unaffected"`` the
    other."""

    notes: str = ""
    """Notes for the person, shown by ``coach plan``."""


def merge_overrides(first: DoseOverride, then: DoseOverride) -> DoseOverride:
    """One override that is ``first`` and then ``then``: a key ``then`` gives wins, and it
    drops the keys of ``first`` it takes the place of (a ``duration`` drops a ``hold``)."""
    merged = {key: value for key, value in first if value is not None}
    for key, value in then:
        if value is None:
            continue
        for replaced in _REPLACES.get(key, ()):
            merged.pop(replaced, None)
        merged[key] = value
    return DoseOverride.model_construct(**merged)


class Phase(_Table):
    """One ``[[phase]]`` table (version 2): a stretch of weeks with its own dose."""

    name: DoseText
    """What the phase is called, at most 80 characters: "Range of motion"."""

    weeks: Annotated[list[Weeks], Field(min_length=2, max_length=2)]
    """``[FIRST, LAST]``: 1-based weeks from the prescription's start, both included."""

    schedule: Schedule | None = None
    """The frequency in this phase (else the program's)."""

    exercise: dict[str, DoseOverride] = Field(default_factory=dict)
    """``[phase.exercise.ID]`` tables: each exercise's dose in this phase."""

    @property
    def first_week(self) -> int:
        return self.weeks[0]

    @property
    def last_week(self) -> int:
        return self.weeks[1]


def pacing_problem(given: set[str]) -> tuple[str | None, str] | None:
    """What is wrong with an exercise that gives the pacing keys ``given``, or None.

    Returns the key to point at (None for the exercise's header) and a message.
    Shared by the model and the loader, which checks the raw table so the rule
    is reported even when another key of the exercise has a wrong value.
    """
    if "duration" in given:
        for other in ("reps", "hold", "tempo"):
            if other in given:
                return other, (
                    f"duration cannot be combined with {other}: an exercise is either one "
                    "timed stretch (duration) or reps paced by hold or tempo"
                )
        return None
    if "hold" in given and "tempo" in given:
        return "tempo", "give hold or tempo, not both: each rep is either one hold or the phases"
    if "reps" not in given:
        if "hold" in given or "tempo" in given:
            key = "hold" if "hold" in given else "tempo"
            return key, f"{key} needs reps = N (how many repetitions in each set)"
        return None, (
            "no pacing: give duration = D, or reps = N with hold = D, "
            "or reps = N with tempo = [...]"
        )
    if "hold" not in given and "tempo" not in given:
        return "reps", (
            "reps needs hold = D (each rep is one hold) or tempo = [...] (each rep is its phases)"
        )
    return None


class Program(_Table):
    """A whole program file."""

    model_config = ConfigDict(
        title="coach program",
        json_schema_extra={
            "description": (
                "An exercise program for coach, the terminal exercise coach "
                "(program format version 1 or 2)."
            )
        },
    )

    schema_version: Literal[1, 2]
    """The program format's version: 1, or 2 for a file that uses what version 2 adds."""

    info: ProgramInfo = Field(alias="program")
    """The ``[program]`` table."""

    exercises: Annotated[list[Exercise], Field(min_length=1)] = Field(alias="exercise")
    """The ``[[exercise]]`` tables, in order."""

    phases: list[Phase] = Field(default_factory=list, alias="phase")
    """The ``[[phase]]`` tables (version 2), each a stretch of weeks with its own dose.

    The rules between phases (inside the prescription, no overlap, every dose
    paces) are :func:`coach.program.phases.phase_problems`, which the loader
    applies so that it can report them all at once."""

    patient: Patient | None = None
    """The ``[patient]`` table (version 2): the person this program is written for."""

    @model_validator(mode="after")
    def _unique_exercise_ids(self) -> Program:
        seen: dict[str, int] = {}
        for index, exercise in enumerate(self.exercises):
            if exercise.id in seen:
                message = (
                    f"duplicate exercise id {exercise.id!r} "
                    f"(also used by exercise {seen[exercise.id] + 1})"
                )
                raise PydanticCustomError(
                    "duplicate_id", message, {"key": ("exercise", index, "id")}
                )
            seen[exercise.id] = index
        return self

    @property
    def id(self) -> str:
        """The program's id."""
        return self.info.id

    @property
    def title(self) -> str:
        """The program's title."""
        return self.info.title

    def exercise_prep(self, exercise: Exercise) -> float:
        """The get-ready time before ``exercise``."""
        return self.info.prep if exercise.prep is None else exercise.prep

    def exercise_switch(self, exercise: Exercise) -> float:
        """The pause before the second side of ``exercise``."""
        return self.info.switch_sides if exercise.switch_sides is None else exercise.switch_sides

    def exercise_rest_after(self, exercise: Exercise) -> float:
        """The rest after ``exercise`` (when it is not the last one)."""
        if exercise.rest_after is None:
            return self.info.rest_between_exercises
        return exercise.rest_after


class PatientProgramInfo(ProgramInfo):
    """A patient file's ``[program]`` table: its own ``id``; every other key is the program's
    it extends unless given here."""

    title: Text | None = None  # type: ignore[assignment]
    """The name people see (else the title of the program it extends)."""


class PatientFile(_Table):
    """A patient file (version 2): a program it extends, adapted for one person."""

    model_config = ConfigDict(
        title="coach patient file",
        json_schema_extra={
            "description": (
                "A patient file for coach: a program it extends (by id or path), adapted "
                "for one person with [patient] and [adjust.EXERCISE-ID] tables."
            )
        },
    )

    schema_version: Literal[2]
    """Patient files are version 2."""

    extends: Text
    """The program adapted: an id from the library (``"hand-wrist-strength"``) or a path
    relative to this file (``"../protocols/tendon-glides.toml"``)."""

    info: PatientProgramInfo = Field(alias="program")
    """The ``[program]`` table: this file's own ``id``, and any key to change."""

    patient: Patient | None = None
    """The ``[patient]`` table: who it is for, the affected side, notes."""

    adjust: dict[str, DoseOverride] = Field(default_factory=dict)
    """``[adjust.EXERCISE-ID]`` tables: each exercise's dose for this person. They win over
    a phase's dose where both give the same key."""


def program_hash(program: Program) -> str:
    """The SHA-256 of ``program``'s canonical JSON: the resolved program, as paced.

    Pass the program after its phase and adjustments (``LoadedProgram.program``):
    two sessions with one hash had one dose, whichever file, phase or week gave
    it. Keys sorted, no spaces, every field (defaults too), so the hash changes
    only when what the program says changes; the file's own bytes are hashed
    apart, as ``LoadedProgram.sha256``.
    """
    dumped = program.model_dump(mode="json", by_alias=True)
    text = json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the program format, for editors (``coach schema``).

    TOML has no null: an optional key is one left out, so the schema has no
    ``null`` branches and no ``"default": null``, and an editor's message about
    a wrong value names the type the key takes, not "or null".
    """
    program = _without_null(Program.model_json_schema(by_alias=True, mode="validation"))
    patient = _without_null(
        PatientFile.model_json_schema(
            by_alias=True, mode="validation", ref_template="#/$defs/{model}"
        )
    )
    definitions = {**program.pop("$defs", {}), **patient.pop("$defs", {})}
    definitions["Program"] = program
    definitions["PatientFile"] = patient
    # A file with ``extends`` is a patient file, any other a program: if/then/else rather
    # than anyOf, so an editor's message names the key, not "matches none of the choices".
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://coach.invalid/schema/program-v2.json",
        "title": "coach program or patient file",
        "description": (
            "An exercise program for coach, the terminal exercise coach (program format "
            "version 1 or 2), or a patient file (version 2) that adapts one."
        ),
        "type": "object",
        "$defs": definitions,
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/PatientFile"},
        "else": {"$ref": "#/$defs/Program"},
    }


def _without_null(node: Any) -> Any:
    """A JSON Schema with every ``{"type": "null"}`` branch and null default taken out."""
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {
        key: _without_null(value)
        for key, value in node.items()
        if not (key == "default" and value is None)
    }
    branches = result.get("anyOf")
    if isinstance(branches, list):
        kept = [branch for branch in branches if branch != {"type": "null"}]
        if len(kept) == 1 and isinstance(kept[0], dict):
            del result["anyOf"]
            inner = kept[0]
            merged = {**inner, **result}
            if "description" in inner and "description" in result:  # the key's, then its type's
                merged["description"] = f"{result['description']} {inner['description']}"
            result = merged
        else:
            result["anyOf"] = kept
    if isinstance(result.get("oneOf"), list):
        result = _flat_choices(result)
    return result


def _flat_choices(node: dict[str, Any]) -> dict[str, Any]:
    """A ``oneOf`` of a range and a value, as one list: the value's kinds, then the range.

    Pydantic nests a value's own choices (a number or a duration text) inside
    the range's ``oneOf``; one flat list lets an editor name every kind the key
    takes. The value's description joins the key's.
    """
    flat: list[Any] = []
    tables: list[Any] = []
    notes: list[str] = []
    for branch in node["oneOf"]:
        if isinstance(branch, dict) and set(branch) <= {"anyOf", "description"}:
            flat.extend(branch["anyOf"])
            notes += [branch["description"]] if "description" in branch else []
        elif isinstance(branch, dict) and "$ref" in branch:
            tables.append(branch)
        else:
            flat.append(branch)
    result = {**node, "oneOf": [*flat, *tables]}
    if notes:
        result["description"] = " ".join([*filter(None, [node.get("description")]), *notes])
    return result
