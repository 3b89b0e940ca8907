"""``coach status``: streak, today and the last session, fast enough for a shell prompt.

A tmux status line or a prompt runs this every few seconds, so it imports
only the standard library and coach's lean modules (:mod:`coach.paths`,
:mod:`coach.history.calendar`, :mod:`coach.history.store`, :mod:`coach.config.quick`, and
:mod:`coach.breaks.scheduler` for the next break): no pydantic, no Textual, no Rich.
Reading the full
settings would cost ~200 ms (pydantic-settings), so :func:`quick_history_settings`
reads just the three settings status needs (``data_dir``,
``history.day_start``, ``history.rest_days``) from the same layers, and
hands over to the full, validating loader whenever anything about them is
unusual, so an odd value still gets its proper error. Other settings are not
read at all; a mistake in, say, ``cues`` is reported by the commands that
use them, not by a status line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from coach import paths
from coach.config.quick import DAY_START_PATTERN, Unusual, quick_layers
from coach.history.calendar import (
    DEFAULT_DAY_START,
    WEEKDAYS,
    Streaks,
    local_day,
    streaks,
    weekday_numbers,
)
from coach.history.due import Due, due_today, off_days
from coach.history.locks import hosts_running, lock_path, session_is_alive
from coach.history.records import iso_local, parse_utc_text
from coach.history.store import DB_NAME, read_status
from coach.program.library_cache import fresh_listings


@dataclass(frozen=True)
class HistorySettings:
    """What status needs to know about the settings."""

    data_dir: Path
    day_start: time = DEFAULT_DAY_START
    rest_days: frozenset[int] = frozenset()


def _quick(overrides: Mapping[str, str]) -> HistorySettings:
    merged = quick_layers(overrides)
    if ("history",) in merged:
        raise Unusual  # the section as one value: leave it to the full loader

    def value(*key: str) -> tuple[Any, str] | None:
        entry = merged.get(key)
        return None if entry is None else (entry[0], entry[1].kind)

    data_dir = paths.default_data_dir()
    found = value("data_dir")
    if found is not None:
        raw = found[0]
        if not isinstance(raw, str) or not raw.strip() or paths.unusable_path(Path(raw)):
            raise Unusual
        data_dir = Path(raw).expanduser()  # a file's relative folder is beside it already

    day_start = value("history", "day_start")
    text = "04:00" if day_start is None else day_start[0]
    match = DAY_START_PATTERN.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise Unusual

    rest: Any = []
    found = value("history", "rest_days")
    if found is not None:
        rest, kind = found
        if kind != "file":  # text: comma-separated, or JSON the full loader reads
            if rest.lstrip().startswith("["):
                raise Unusual
            rest = [item.strip() for item in rest.split(",") if item.strip()]
    if not isinstance(rest, list) or not all(item in WEEKDAYS for item in rest):
        raise Unusual  # the full loader says what is wrong
    try:
        rest_days = weekday_numbers(rest)
    except ValueError:
        raise Unusual from None
    return HistorySettings(
        data_dir=data_dir,
        day_start=time(int(match[1]), int(match[2])),
        rest_days=rest_days,
    )


def quick_history_settings(overrides: Mapping[str, str]) -> HistorySettings:
    """The history settings, read quickly; the full loader's answer when in doubt.

    Raises :class:`coach.config.settings.SettingsError` for bad values.
    """
    try:
        return _quick(overrides)
    except Unusual:
        pass
    from coach.config.settings import effective_data_dir, load_settings

    settings = load_settings(overrides)
    return HistorySettings(
        data_dir=effective_data_dir(settings),
        day_start=settings.history.day_start_time,
        rest_days=weekday_numbers(settings.history.rest_days),
    )


@dataclass(frozen=True)
class LastSession:
    """The most recent session, as ``coach status --json`` gives it (times as ISO text)."""

    id: str
    program: str
    title: str
    status: str
    """``completed``, ``partial`` (stopped, or a session whose process is gone) or ``running``."""
    started_at: str
    """Local time with its offset, as the session was recorded."""
    ended_at: str | None
    local_date: str
    """The day it counts for (``YYYY-MM-DD``), after ``history.day_start``."""
    active_seconds: float

    def to_json(self) -> dict[str, Any]:
        """The ``last_session`` object of ``coach status --json``."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NextBreak:
    """The next break that ``coach remind`` or the app keeps."""

    kind: str
    """``micro`` or ``rest``."""
    due_in_seconds: int
    """Negative while a due break waits for an answer."""
    length_seconds: float | None
    program: str | None

    def to_json(self) -> dict[str, Any]:
        """The ``next_break`` object of ``coach status --json``."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Status:
    """Streak, today and the last session: what ``coach status`` says."""

    today: str
    """The day it is for the history (``YYYY-MM-DD``), after ``history.day_start``."""
    current_streak: int = 0
    longest_streak: int = 0
    sessions_today: int = 0
    """Completed sessions today."""
    minutes_today: float = 0.0
    """Minutes of exercise today, in every session, to a tenth."""
    last_session: LastSession | None = None
    next_break: NextBreak | None = None
    """None when neither ``coach remind`` nor the app keeps the break timers."""
    due: tuple[Due, ...] = ()
    """What each prescribed program asks of today (:func:`coach.history.due.due_today`)."""
    paused_until: str | None = None
    """When paused break reminders come back (local time with its offset), while paused."""
    counting: str | None = None
    """What the break timers count: "active" time (where idle time can be read) or "wall"
    time; None when neither ``coach remind`` nor the app keeps them."""

    def to_json(self) -> dict[str, Any]:
        """``coach status --json``: the same keys, in the same order, release after release."""
        return {
            "current_streak": self.current_streak,
            "longest_streak": self.longest_streak,
            "sessions_today": self.sessions_today,
            "minutes_today": self.minutes_today,
            "last_session": None if self.last_session is None else self.last_session.to_json(),
            "next_break": None if self.next_break is None else self.next_break.to_json(),
            "today": self.today,
            "due": [entry.to_json() for entry in self.due],
            "paused_until": self.paused_until,
            "counting": self.counting,
        }


def collect_status(
    prefs: HistorySettings,
    now: datetime | None = None,
    plans: Iterable[tuple[str, str, Mapping[str, Any] | None]] | None = None,
) -> Status:
    """The status now (see ``coach status --help``); reading it never creates a history.

    ``plans`` are the (id, title, plan) of the programs whose "due" to tell
    (the app passes its library's); by default, those the library's cache lists.
    """
    now = now or datetime.now(UTC)
    today = local_day(now, prefs.day_start)
    rows = read_status(prefs.data_dir / DB_NAME, today)
    plans = _library_plans() if plans is None else list(plans)
    if rows is None:
        due = due_today(plans, today, {}, prefs.rest_days)
        return Status(today=today.isoformat(), due=tuple(due))  # no history yet
    first_days = {program: counts[2] for program, counts in rows.programs.items()}
    off = off_days(plans, first_days)
    found: Streaks = streaks(rows.completed_days, today, prefs.rest_days, off)
    last = None
    if rows.last is not None:
        # A damaged row: `coach history` names it; a status line stays quiet.
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            last = _last_session(prefs, rows.last)
    return Status(
        today=today.isoformat(),
        current_streak=found.current,
        longest_streak=found.longest,
        sessions_today=rows.sessions_today,
        minutes_today=round(rows.seconds_today / 60, 1),
        last_session=last,
        next_break=_next_break(prefs.data_dir, rows.break_state, now),
        due=tuple(due_today(plans, today, rows.programs, prefs.rest_days)),
        paused_until=_paused_until(rows.break_state, now),
        counting=_counting(prefs.data_dir, rows.break_state),
    )


def _library_plans() -> list[tuple[str, str, Any]]:
    """(id, title, plan) of each program the library's cache lists, highest folder first.

    Read from the cache only (no program file, no pydantic): a program the
    library has not checked since it last changed is left out.
    """
    folders = [
        *paths.extra_programs_dirs(),
        paths.user_programs_dir(),
        paths.bundled_programs_dir(),
    ]
    rank = {str(Path(os.path.abspath(folder))): n for n, folder in enumerate(folders)}
    try:
        listings = fresh_listings(paths.library_cache_file())
    except OSError:
        return []
    ranked = [
        (rank[str(path.parent)], path.name, listing)
        for path, listing in listings
        if str(path.parent) in rank
    ]
    return [(listing.id, listing.title, listing.plan) for _, _, listing in sorted(ranked)]


def _next_break(data_dir: Path, state: Mapping[str, Any] | None, now: datetime) -> NextBreak | None:
    """The next break as ``coach remind`` or the app keep it; None when neither runs."""
    if state is None or not hosts_running(data_dir):
        return None
    from coach.breaks.scheduler import next_break_now
    from coach.clock import SystemClock

    clock = SystemClock()
    found = next_break_now(state, clock.monotonic(), now, clock.boot_id())
    return None if found is None else NextBreak(**found)


def _paused_until(state: Mapping[str, Any] | None, now: datetime) -> str | None:
    """The end of a pause still on, as local time with its offset."""
    if not state or state.get("paused_until") is None:
        return None  # no pause: the scheduler's module (7 ms of imports) is not needed
    from coach.breaks.scheduler import saved_pause

    until = saved_pause(state)
    if until is None or until <= now:
        return None
    return until.astimezone().isoformat(timespec="seconds")


def _counting(data_dir: Path, state: Mapping[str, Any] | None) -> str | None:
    if state is None or not hosts_running(data_dir):
        return None
    return "active" if state.get("counting") == "active" else "wall"


def _last_session(prefs: HistorySettings, row: tuple[Any, ...]) -> LastSession:
    from datetime import timedelta, timezone

    (session_id, program, title, state, started, ended, offset, day, active, host, pid) = row
    zone = timezone(timedelta(seconds=offset))
    lock = lock_path(prefs.data_dir, session_id)
    if state == "running" and not session_is_alive(lock, host, pid):
        state = "partial"
    return LastSession(
        id=session_id,
        program=program,
        title=title,
        status=state,
        started_at=iso_local(parse_utc_text(started), zone),
        ended_at=None if ended is None else iso_local(parse_utc_text(ended), zone),
        local_date=day,
        active_seconds=round(active, 3),
    )


def _ago(moment: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def format_status(status: Status, now: datetime | None = None) -> str:
    """The status for a person: a few short lines."""
    now = now or datetime.now(UTC)
    current = status.current_streak
    done = status.sessions_today
    lines = [
        f"Streak: {current} day{'s' if current != 1 else ''} (longest {status.longest_streak})",
        f"Today: {done} session{'s' if done != 1 else ''}"
        f" completed, {status.minutes_today:g} min of exercise",
    ]
    last = status.last_session
    if last is None:
        lines.append("Last session: none yet (start one with `coach` or `coach run PROGRAM`)")
    else:
        when = _ago(datetime.fromisoformat(last.started_at), now)
        lines.append(f"Last session: {last.title} ({last.program}), {last.status}, {when}")
    lines.extend(f"{entry.title} ({entry.program}): {entry.line()}" for entry in status.due)
    if status.paused_until is not None:
        from coach.breaks.pause import format_until

        until = datetime.fromisoformat(status.paused_until)
        lines.append(f"Break reminders paused until {format_until(until, now)}")
    upcoming = status.next_break
    if upcoming:
        from coach.program.durations import format_duration

        name = "micro-break" if upcoming.kind == "micro" else "rest break"
        due_in = upcoming.due_in_seconds
        lines.append(
            f"Next break: {name} "
            + (
                "due now"
                if due_in <= 0
                else f"in {format_duration(60 * round(due_in / 60) or due_in)}"
            )
        )
    return "\n".join(lines) + "\n"


def format_oneline(status: Status) -> str:
    """One short line for a status bar: ``streak 5d | today 2x 6m | break 7m``
    (``| breaks paused`` while paused)."""
    line = (
        f"streak {status.current_streak}d | today {status.sessions_today}x "
        f"{round(status.minutes_today)}m"
    )
    if status.paused_until is not None:
        return line + " | breaks paused"
    upcoming = status.next_break
    if upcoming:
        due_in = upcoming.due_in_seconds
        name = "break" if upcoming.kind == "micro" else "rest"
        when = "now" if due_in <= 0 else f"{max(1, round(due_in / 60))}m"
        line += f" | {name} {when}"
    return line
