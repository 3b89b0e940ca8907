"""Pausing break reminders: what ``coach pause 1h``, ``until 14:00`` and ``tomorrow`` mean.

:func:`pause_until` turns the words into the moment the pause ends (aware,
UTC); the pause itself is kept in the shared break state
(:attr:`coach.breaks.scheduler.BreakScheduler.paused_until`), so the app, ``coach
remind`` and ``coach status`` all see it. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from coach.history.calendar import DEFAULT_DAY_START, local_day

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")

USAGE = "write a length (coach pause 1h, 30m), a time (coach pause until 14:00), or tomorrow"


class PauseError(ValueError):
    """Words that are not a pause; the message says what is."""


def pause_until(
    words: Sequence[str], now: datetime, day_start: time = DEFAULT_DAY_START
) -> datetime:
    """When a pause given as ``words`` ends, from the wall-clock ``now`` (aware).

    - a length, ``1h``, ``45m``, ``1h30m``: that long from now;
    - ``until HH:MM``: the next time the clock on the wall shows it (today,
      or tomorrow if it has passed);
    - ``tomorrow``: the start of the next day, at ``history.day_start``
      (04:00 unless set), so a pause after midnight still lasts the night.
    """
    from coach.program.durations import DurationError, parse_duration

    text = " ".join(words).strip().lower()
    if not text:
        raise PauseError(f"how long? {USAGE}")
    local = now.astimezone()
    if text == "tomorrow":
        day = local_day(now, day_start) + timedelta(days=1)
        start = datetime.combine(day, day_start)  # naive local: noqa below
        return start.astimezone().astimezone(UTC)
    if text.startswith("until "):
        match = _CLOCK.match(text.removeprefix("until ").strip())
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise PauseError(f"{text!r}: write the time as HH:MM, from 00:00 to 23:59")
        hour, minute = int(match[1]), int(match[2])
        day = local.date()
        for _ in range(3):
            naive = datetime.combine(day, time(hour, minute))
            end = naive.astimezone()
            if end > local:
                return end.astimezone(UTC)
            day += timedelta(days=1)
        raise PauseError(f"{text!r}: no such time soon")  # pragma: no cover - always found
    try:
        seconds = parse_duration(text.replace(" ", ""))
    except DurationError:
        raise PauseError(f"{text!r} is not a pause: {USAGE}") from None
    if seconds <= 0:
        raise PauseError(f"{text!r}: a pause must last more than 0 s")
    return now.astimezone(UTC) + timedelta(seconds=seconds)


def format_until(until: datetime, now: datetime) -> str:
    """``14:00``, or ``Fri 04:00`` when it is not today (local time)."""
    end, local = until.astimezone(), now.astimezone()
    if end.date() == local.date():
        return f"{end:%H:%M}"
    if end - local < timedelta(days=6):
        return f"{end:%a %H:%M}"
    return f"{end:%Y-%m-%d %H:%M}"
