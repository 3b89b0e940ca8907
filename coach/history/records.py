"""What the history keeps: session and exercise records, their limits, and time as text.

Only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal

from coach.text import visible

EXPORT_FORMAT = "coach-history"
EXPORT_VERSION = 1


EARLIEST = date(1970, 1, 1)
"""The first day coach keeps a session for (import refuses earlier ones)."""
LATEST = date(2999, 12, 31)
"""The last day coach keeps a session for: every command handles each day between,
with room to spare for a time zone or a week's arithmetic."""
MAX_PLANNED_SECONDS = 24 * 3600.0
"""The longest session a program can plan (programs are limited to 24 h)."""
MAX_ACTIVE_SECONDS = 2 * MAX_PLANNED_SECONDS
"""The most active time a session can hold: its plan, and as long again for steps
gone back to and done twice."""
MAX_ELAPSED_SECONDS = 7 * 24 * 3600.0
"""The longest a session can last from start to end, pauses included."""
MAX_COUNT = 10**9
"""The largest count (sets, reps, steps) a session can hold."""

MAX_DOSE_TEXT = 80
"""The longest an exercise's load or effort may be: the program format's limit
(``coach.program.model.MAX_DOSE_TEXT``; a test keeps the two the same)."""


Status = Literal["running", "completed", "partial", "declined"]
STATUSES: tuple[Status, ...] = ("running", "completed", "partial", "declined")
"""``declined``: a start the person chose, or was advised, not to make because of pain.
It is kept, and never counts as done."""

SYMPTOMS = ("pain", "tingling", "numbness", "stiffness")
"""The symptoms a check-in may ask about, each rated 0-10 (the program format's list)."""

SYMPTOM_MAX = 10

NextDay = Literal["better", "same", "worse"]
NEXT_DAY_ANSWERS: tuple[NextDay, ...] = ("better", "same", "worse")
"""How the person felt the day after a session, against how they felt before it."""


class HistoryError(Exception):
    """The history cannot be read or written; ``str()`` says why, for a person."""

    def __init__(self, message: str, *, busy: bool = False, damaged: bool = False) -> None:
        super().__init__(visible(message))  # paths and values in it can hold anything
        self.busy = busy
        """True when another process held the database longer than we waited."""
        self.damaged = damaged
        """True when the database is damaged or not a coach history (see :data:`RECOVERY_HINT`)."""
        self.cannot_write = False
        """True when the database could be read but not written (a read-only or full disk)."""


# --------------------------------------------------------------------------- records


@dataclass
class ExerciseRecord:
    """What was done of one exercise in one session."""

    exercise: str
    """The exercise's id in its program."""
    name: str
    position: int
    """Its place in the program, from 0."""
    completed: bool = False
    sets_done: int = 0
    sets_planned: int = 0
    reps_done: int = 0
    reps_planned: int = 0
    """Reps in all sets and sides (0 for an exercise held for a duration)."""
    skipped_steps: int = 0
    load: str | None = None
    """What it was done against, as the program said then ("red FlexBar")."""
    effort: str | None = None
    """How hard, as the program said then ("about 70% of your maximum")."""
    done_count: int | None = None
    """For an exercise with a range: the count done (reps, or seconds held), else None."""
    hold_seconds: float | None = None
    """The hold of each rep as the session paced it (seconds), or None without one."""
    duration_seconds: float | None = None
    """The work of each set as the session paced it (seconds), or None without one."""
    rest_waited: float | None = None
    """Seconds the person took in this exercise's as-needed rests (pauses left out), or
    None when it had none they ended (with no terminal they last 30 s, as planned)."""

    def to_json(self) -> dict[str, Any]:
        """The exercise as JSON, as ``coach history --format json`` and export write it.

        ``load`` and ``effort`` are there only when the program gave them, so a
        session of a version 1 program reads exactly as it always did.
        """
        data: dict[str, Any] = {
            "exercise": self.exercise,
            "name": self.name,
            "completed": self.completed,
            "sets_done": self.sets_done,
            "sets_planned": self.sets_planned,
            "reps_done": self.reps_done,
            "reps_planned": self.reps_planned,
            "skipped_steps": self.skipped_steps,
        }
        if self.load is not None:
            data["load"] = self.load
        if self.effort is not None:
            data["effort"] = self.effort
        if self.done_count is not None:
            data["done_count"] = self.done_count
        for key in ("hold_seconds", "duration_seconds", "rest_waited"):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        return data


@dataclass
class SessionRecord:
    """One session, as the history keeps it."""

    id: str
    """A UUID, the same on every computer the session is imported to."""
    program: str
    title: str
    started_at: datetime
    """When it started (timezone-aware)."""
    utc_offset: int
    """The computer's UTC offset at the start, in seconds."""
    local_date: date
    """The day it counts for: the local date at the start, less the day start."""
    status: Status = "running"
    ended_at: datetime | None = None
    active_seconds: float = 0.0
    """Time spent exercising: pauses are not counted."""
    planned_seconds: float = 0.0
    skipped_steps: int = 0
    stop_reason: str | None = None
    program_version: str = ""
    program_sha256: str = ""
    per_day: int | None = None
    """The program's schedule when the session ran (for adherence)."""
    per_week: int | None = None
    stop_above: int | None = None
    """The program's pain threshold, when it asks for a check-in."""
    pain_before: int | None = None
    pain_after: int | None = None
    note: str = ""
    exercises: list[ExerciseRecord] = field(default_factory=list)
    updated_at: datetime | None = None
    """When the row was last written (set by the store)."""
    host: str = ""
    pid: int | None = None
    phase: str | None = None
    """The prescription's phase whose dose the session had, or None (version 2)."""
    program_hash: str | None = None
    """sha256 of the resolved program paced (:func:`coach.program.model.program_hash`):
    after its phase and adjustments, so two sessions with one hash had one dose."""
    symptoms_before: dict[str, int] | None = None
    """Each asked symptom's rating before the session (pain too: it is also kept in
    ``pain_before``), or None when the session kept no symptoms."""
    symptoms_after: dict[str, int] | None = None
    """As :attr:`symptoms_before`, after the session."""
    next_day: NextDay | None = None
    """The next day's answer about this session: better, same or worse, or None."""
    computer: str | None = None
    """The sync id of the computer whose journal gave this copy (:mod:`coach.history.sync`),
    or None when it was written here. ``host`` says where the session was done."""

    @property
    def local_zone(self) -> timezone:
        """The fixed offset the session started in."""
        return timezone(timedelta(seconds=self.utc_offset))

    def to_json(self) -> dict[str, Any]:
        """The session as JSON: times in ISO 8601 with the offset where it happened."""
        zone = self.local_zone
        return {
            "id": self.id,
            "program": self.program,
            "title": self.title,
            "status": self.status,
            "started_at": iso_local(self.started_at, zone),
            "ended_at": None if self.ended_at is None else iso_local(self.ended_at, zone),
            "utc_offset": self.utc_offset,
            "local_date": self.local_date.isoformat(),
            "active_seconds": round(self.active_seconds, 3),
            "planned_seconds": round(self.planned_seconds, 3),
            "skipped_steps": self.skipped_steps,
            "stop_reason": self.stop_reason,
            "program_version": self.program_version,
            "program_sha256": self.program_sha256,
            "schedule": _schedule_json(self.per_day, self.per_week),
            "stop_above": self.stop_above,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "note": self.note,
            "exercises": [exercise.to_json() for exercise in self.exercises],
            "updated_at": None if self.updated_at is None else utc_text(self.updated_at),
            # Only when there was one: a history without phases reads as it always has.
            **({} if self.phase is None else {"phase": self.phase}),
            # The same for what version 2's check-in and hash add.
            **({} if self.program_hash is None else {"program_hash": self.program_hash}),
            **(
                {}
                if self.symptoms_before is None and self.symptoms_after is None
                else {
                    "symptoms": {
                        "before": dict(self.symptoms_before or {}),
                        "after": dict(self.symptoms_after or {}),
                    }
                }
            ),
            **({} if self.next_day is None else {"next_day": self.next_day}),
        }


def _schedule_json(per_day: int | None, per_week: int | None) -> dict[str, int] | None:
    if per_day is not None:
        return {"per_day": per_day}
    if per_week is not None:
        return {"per_week": per_week}
    return None


def check_symptoms(ratings: dict[str, int], where: str) -> dict[str, int]:
    """``ratings`` if each is a known symptom rated 0-10, else ValueError naming it."""
    for name, value in ratings.items():
        if name not in SYMPTOMS:
            raise ValueError(
                f"{where}: {name!r} is not a symptom coach asks about; use {', '.join(SYMPTOMS)}"
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SYMPTOM_MAX:
            raise ValueError(f"{where}.{name}: rate from 0 to {SYMPTOM_MAX} (got {value!r})")
    return ratings


def iso_local(instant: datetime, zone: timezone) -> str:
    """``instant`` in ISO 8601, to the second, with the offset of ``zone``."""
    return instant.astimezone(zone).isoformat(timespec="seconds")


def utc_text(instant: datetime) -> str:
    """``instant`` as stored: UTC, milliseconds, a ``Z``; text order is time order."""
    if instant.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_utc_text(text: str) -> datetime:
    """The inverse of :func:`utc_text`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def safe_text(text: str, *, newlines: bool = False) -> str:
    """``text`` made safe to print (see :func:`coach.text.visible`); newlines become spaces
    unless ``newlines`` is true."""
    return visible(text, newlines=newlines)
