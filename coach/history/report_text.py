"""The words and figures every form of ``coach report`` shares: a percentage, a dose done,
a session's symptoms, and Markdown's escaping of plain text.

Text from program files and notes reaches these functions as data; each
writer escapes it for its own format (:func:`md` here, ``html.escape`` in
:mod:`coach.history.report_html`), after :func:`coach.history.records.safe_text`
has made control characters visible.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from coach.history.calendar import Adherence
from coach.history.prescribed import ExerciseDose
from coach.history.records import SessionRecord, safe_text
from coach.history.report import (
    ExerciseSummary,
    ProgramReport,
    Report,
    number,
    rated,
    ratings,
)
from coach.program.durations import format_duration


def generated_text(instant: datetime) -> str:
    """``2026-11-25 18:00 UTC``."""
    return instant.strftime("%Y-%m-%d %H:%M %Z").strip()


def percent(adherence: Adherence | None) -> str:
    """``9/12 (75%)``, or ``-`` when nothing was prescribed."""
    if adherence is None or adherence.ratio is None:
        return "-"
    return f"{adherence.done}/{adherence.prescribed} ({adherence.ratio:.0%})"


def days_text(first: object, last: object) -> str:
    """``2026-11-23 to 2026-12-06``."""
    return f"{first} to {last}"


def prescription_text(program: ProgramReport) -> str:
    """``2026-11-23 to 2027-01-03, review 2027-01-04`` or ``no prescription``."""
    facts = program.facts
    if facts is None:
        return "its program file is not in the library: judged by the schedule it recorded"
    if facts.start is None:
        return "none (the program's schedule applies every day)"
    text = (
        f"{facts.start.isoformat()} to {facts.last_day.isoformat() if facts.last_day else 'no end'}"
    )
    if facts.review is not None:
        text += f", review {facts.review.isoformat()}"
    return text


def versions_text(program: ProgramReport) -> str:
    """``1, 2`` (the versions its sessions record), or ``-``."""
    versions = list(program.versions)
    if (
        program.facts is not None
        and program.facts.version
        and program.facts.version not in versions
    ):
        versions.append(f"{program.facts.version} (the file now)")
    return ", ".join(versions) or "-"


def dose_summary(doses: Sequence[ExerciseDose], escape: Callable[[str], str]) -> str:
    """``Grip squeeze 2 x 8-12, red putty; Heat 1 x 2m`` (each text through ``escape``)."""
    return "; ".join(f"{escape(d.name)} {escape(d.short)}" for d in doses) or "-"


def streak_text(report: Report) -> str:
    """``4 days (longest: 9 days)``."""

    def days(count: int) -> str:
        return f"{count} day" if count == 1 else f"{count} days"

    return f"{days(report.streaks.current)} (longest: {days(report.streaks.longest)})"


def done_text(exercise: ExerciseSummary) -> str:
    """``910 of 920 reps, 46 of 46 sets`` or ``6m of 7m30s, 2 of 3 sets``; ``(both sides)``
    after it when the dose is done on each side (the counts are of both)."""
    sides = " (both sides)" if exercise.per_side else ""
    sets = f"{exercise.sets_done} of {exercise.sets_planned} sets{sides}"
    if exercise.seconds_done is not None and exercise.seconds_planned is not None:
        return (
            f"{format_duration(exercise.seconds_done)} of "
            f"{format_duration(exercise.seconds_planned)}, {sets}"
        )
    if exercise.reps_planned:
        return f"{exercise.reps_done} of {exercise.reps_planned} reps, {sets}"
    return sets


def counts_text(exercise: ExerciseSummary) -> str:
    """For a ranged exercise: ``10-14, median 12 (8 sessions)``; else ``-``."""
    counts = exercise.counts
    if not counts:
        return "-"
    from statistics import median

    low, high = min(counts), max(counts)
    span = str(low) if low == high else f"{low}-{high}"
    noun = "session" if len(counts) == 1 else "sessions"
    return f"{span}, median {number(float(median(counts)))} ({len(counts)} {noun})"


def rest_text(exercise: ExerciseSummary) -> str:
    """``4m10s in 5 sessions`` (its as-needed rests), or ``-``."""
    if not exercise.rest_sessions:
        return "-"
    noun = "session" if exercise.rest_sessions == 1 else "sessions"
    return f"{format_duration(exercise.rest_waited)} in {exercise.rest_sessions} {noun}"


def loads_text(exercise: ExerciseSummary) -> str:
    """``red FlexBar (12), green FlexBar (3)`` or ``-``."""
    return ", ".join(f"{load} ({count})" for load, count in exercise.loads) or "-"


def symptoms_text(record: SessionRecord) -> str:
    """``pain 4->2, tingling 3->3`` or ``-``."""
    if not rated(record):
        return "-"
    parts = []
    for symptom in ("pain", "tingling", "numbness", "stiffness"):
        before, after = ratings(record, symptom)
        if before is None and after is None:
            continue
        shown = ["?" if value is None else str(value) for value in (before, after)]
        parts.append(f"{symptom} {shown[0]}->{shown[1]}")
    return ", ".join(parts) or "-"


def exercises_done_text(report: Report, record: SessionRecord) -> str:
    """``3/4`` exercises completed."""
    done, total = report.exercise_counts.get(record.id, (0, 0))
    return f"{done}/{total}"


def local_time(record: SessionRecord) -> str:
    """The session's start, in the time zone it started in: ``08:15``."""
    local = record.started_at + timedelta(seconds=record.utc_offset)  # UTC, moved to it
    return f"{local.hour:02d}:{local.minute:02d}"


# --------------------------------------------------------------------------- Markdown

_INLINE = re.compile(r"([\\`*\[\]<>|~])")
"""Characters Markdown reads as syntax anywhere in a line (``|``: a table's cells)."""
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""An underscore Markdown may read as emphasis: not one inside a word (``hand_wrist``)."""
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])(?=\s)")


@functools.lru_cache(maxsize=4096)
def md(text: str) -> str:
    """``text`` as Markdown that shows it as it is, and reads as plain text.

    Only what Markdown would misread is escaped: emphasis and code marks,
    links and HTML (``[`` ``]`` ``<``), a table's ``|``, an entity's ``&``,
    and a heading, quote or list marker at the start. Brackets, hyphens and
    full stops in the middle of a text are left alone: ``Tendon gliding
    (Wehbe)``, ``hand-wrist-strength``.
    """
    text = safe_text(text)
    text = _INLINE.sub(r"\\\1", text)
    text = _EMPHASIS.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(lambda m: m[1] + m[2][:-1] + "\\" + m[2][-1], text)


def sentence(text: str) -> str:
    """``text`` with its first letter a capital (``str.capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:]
