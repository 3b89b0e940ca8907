"""The break host: the break timers the app and ``coach remind`` share.

:class:`BreakHost` keeps no state of its own: each time it looks
(:meth:`BreakHost.sync`) it reads the shared state from the history
database, brings it up to ``now`` (time asleep, a completed session, idle
time), applies an answer if there is one, and writes it back, all in one
transaction. So the app and a ``coach remind`` running at the same time
agree, and a restart picks up where the last one stopped. :class:`HostClaim`
is the lock that says a host is running.

Imports only the standard library and coach's lean modules.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from coach.breaks.scheduler import (
    LATE_IS_ASLEEP,
    BreakPolicy,
    BreakScheduler,
    Due,
    Kind,
)
from coach.clock import Clock
from coach.files import open_private, private_folder
from coach.history.calendar import DEFAULT_DAY_START, local_day
from coach.history.locks import HOSTS_LOCK, hosts_running, lock_is_held
from coach.history.store import BreakRecord, BreakUpdate, HistoryStore

HEARTBEAT = 60.0
"""The longest a waiting reminder sleeps in one go (see :meth:`Reminder._wait_until`)."""

PAUSE_IDLE = 3.0
"""Seconds without input that count as a pause in typing: a held break starts then
(``breaks.start_on_pause``)."""

IDLE_MIN = 5.0
"""Idle readings shorter than this are gaps between keystrokes, still work; longer ones
(reading, thinking) neither count as work nor reset the timers (active time)."""

REMIND_LOCK = "remind.lock"
"""``coach remind`` holds this one alone: one reminder per history."""


class IdleReader(Protocol):
    """Something that can tell how long the person has been idle (see :mod:`coach.breaks.idle`).

    One whose ``fine`` attribute is True gives cheap readings to the second:
    the host then counts active time (:meth:`BreakHost.sample_idle`).
    """

    @property
    def name(self) -> str:
        """Where the reading comes from."""
        ...

    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard or mouse input; None if it can't tell this time."""
        ...


# --------------------------------------------------------------------------- locks


class HostClaim:
    """A shared advisory lock: "a host is keeping the break timers" (POSIX only)."""

    def __init__(self, folder: Path, name: str = HOSTS_LOCK, *, exclusive: bool = False) -> None:
        self.path = folder / name
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        private_folder(folder)
        fd = open_private(self.path)  # a planted link is refused (LinkRefused), never truncated
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise
        self._fd = fd
        if exclusive:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """Drop the lock."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def remind_pid(folder: Path) -> str | None:
    """The pid of the ``coach remind`` that runs on this history, if one does."""
    path = folder / REMIND_LOCK
    if not lock_is_held(path, unreadable=False):
        return None
    try:
        return path.read_text(encoding="ascii").strip() or "?"
    except OSError:
        return "?"


# --------------------------------------------------------------------------- the host


@dataclass
class Look:
    """What a host saw when it looked."""

    scheduler: BreakScheduler
    now: float
    due: Due | None
    """The break due now, if one is."""
    natural: list[Kind] = field(default_factory=list)
    """Kinds just taken naturally (idle long enough)."""
    limit_reached: bool = False
    """Work time today just reached the daily limit."""
    answered: bool = True
    """False when the answer given could not be applied (a postpone past the limit)."""
    resumed: float | None = None
    """When a pause ended, if one ended since the last look."""


class BreakHost:
    """Looks at the shared break timers on behalf of one process (see the module docstring)."""

    def __init__(
        self,
        store: HistoryStore,
        policy: BreakPolicy,
        clock: Clock,
        *,
        day_start: time = DEFAULT_DAY_START,
        idle: IdleReader | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.day_start = day_start
        self.idle = idle if policy.idle_detection else None
        self.boot = clock.boot_id()
        self._others_running = hosts_running(store.folder)
        self._claim: HostClaim | None = None
        # Without the lock, status shows no next break; the reminders still come.
        with contextlib.suppress(OSError):
            self._claim = HostClaim(store.folder)
        self._first = True
        self.planned: float | None = None
        """When the host meant to look next (set by the caller): waking much
        later than this means the machine was asleep."""
        self.inactive = 0.0
        """Idle time seen by :meth:`sample_idle` since the last look (active counting)."""
        self.counting: Literal["active", "wall"] = "wall"
        """"active" once the caller samples idle time often (:meth:`sample_idle`)."""
        self._sampled: float | None = None

    def sync(self, answer: Callable[[BreakScheduler, float], bool | None] | None = None) -> Look:
        """Look now: bring the shared state up to date, apply ``answer``, save.

        ``answer(scheduler, now)`` may change the scheduler (postpone, skip,
        take); returning False means it could not (the look's ``answered``).
        """
        now = self.clock.monotonic()
        wall = self.clock.now()
        asleep = 0.0
        if self.planned is not None and now - self.planned > LATE_IS_ASLEEP:
            asleep = now - self.planned
        # Time asleep is not idle time at work: start the idle samples afresh after it.
        if asleep:
            self._sampled = None
        idle = self.sample_idle()
        inactive, self.inactive = self.inactive, 0.0
        look: list[Look] = []

        def act(state: dict[str, Any] | None, session_end: datetime | None) -> BreakUpdate:
            scheduler, _ = BreakScheduler.from_state(self.policy, state, now, wall, self.boot)
            gap = asleep
            if self._first and state is not None and not self._others_running:
                # Nobody kept the timers since they were saved: that time is unknown,
                # not work (a restart within a break's length keeps them running).
                gap = max(gap, now - scheduler.last_seen)
            scheduler.observe(
                now, self._day(wall), asleep=gap, idle=idle, wall=wall, inactive=inactive
            )
            scheduler.counting = self.counting
            if session_end is not None:
                ended = now - (wall - session_end).total_seconds()
                if ended <= now:
                    scheduler.session_completed(ended)
            natural = scheduler.idle(now, idle) if idle is not None else []
            answered = True
            if answer is not None:
                answered = answer(scheduler, now) is not False
            limit = scheduler.limit_reached(now)
            events = [
                BreakRecord(
                    event.kind,
                    event.outcome,
                    wall - timedelta(seconds=now - event.at),
                    local_day(wall - timedelta(seconds=now - event.at), self.day_start),
                    event.program,
                )
                for event in scheduler.take_events()
            ]
            resumed, scheduler.resumed_at = scheduler.resumed_at, None
            look.append(Look(scheduler, now, scheduler.due(now), natural, limit, answered, resumed))
            return BreakUpdate(scheduler.to_state(now, wall, self.boot), events)

        self.store.update_breaks(act)
        self._first = False
        return look[0]

    def sample_idle(self) -> float | None:
        """Read the idle time between looks, for counting active time; returns the reading.

        The idle part since the previous sample is added to :attr:`inactive`
        (the next look pushes the timers back by it). A failed reading adds nothing.
        """
        now = self.clock.monotonic()
        idle = self._read_idle()
        previous, self._sampled = self._sampled, now
        if idle is not None and getattr(self.idle, "fine", False):
            self.counting = "active"
            if previous is not None and idle >= IDLE_MIN:
                self.inactive += min(idle, max(0.0, now - previous))
        return idle

    def close(self) -> None:
        """Look one last time (so a restart knows when this host stopped) and let go."""
        try:
            self.sync()
        finally:
            if self._claim is not None:
                self._claim.release()
                self._claim = None

    def _day(self, wall: datetime) -> str:
        return local_day(wall, self.day_start).isoformat()

    def read_idle(self) -> float | None:
        """One idle reading now (None without a probe, or when it fails)."""
        return self._read_idle()

    def _read_idle(self) -> float | None:
        if self.idle is None:
            return None
        try:
            return self.idle.idle_seconds()
        except Exception:  # a probe that fails is a probe we do without
            return None

    # --- answers ----------------------------------------------------------------------------

    def take(self, kind: Kind, *, outcome: Any = "taken") -> Look:
        """The person takes the break now (or was reminded of it: ``outcome="reminded"``)."""
        return self.sync(lambda s, now: s.taken(kind, now, outcome=outcome))

    def postpone(self, kind: Kind) -> Look:
        """Put the break off; the look's ``answered`` is False past the limit."""
        return self.sync(lambda s, now: s.postpone(kind, now))

    def skip(self, kind: Kind) -> Look:
        """Skip the break (counted)."""
        return self.sync(lambda s, now: s.skip(kind, now))

    def pause(self, until: datetime) -> Look:
        """Pause reminders until the wall-clock time ``until``."""
        return self.sync(lambda s, now: s.pause(until, now))

    def resume(self) -> Look:
        """End a pause now; the look's ``answered`` is False if there was none."""
        return self.sync(lambda s, now: s.resume(now))


# --------------------------------------------------------------------------- the daemon
