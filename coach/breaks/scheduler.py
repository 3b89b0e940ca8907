"""Break reminders: when the next break is due, and what each answer to it does.

:class:`BreakScheduler` is the whole policy as a small state machine with no
I/O and no clock of its own: every method takes ``now``, a reading of a
clock that never goes back and keeps counting while the machine sleeps
(:meth:`coach.clock.Clock.monotonic`). The hosts that wake it up at the
right moments and tell people are :mod:`coach.breaks.remind` (the ``coach remind``
daemon) and the app; they share one state, kept in the history database.

The rules:

- Two kinds of break, ``micro`` and ``rest``, each due ``every`` seconds of
  work after the previous one ended. When both fall due together (the rest
  break is due before the micro-break would be over), the rest break wins,
  and a rest break also counts as a micro-break.
- A break can be put off (``postpone`` seconds, at most ``max_postpones``
  times in a row) or skipped (counted; the work clock starts again).
- Completing any session is a break of every kind: the timers start again
  from its end.
- Idle time of at least a break's length is that break, taken naturally.
- Time the machine (or coach) was asleep for at least a break's length
  starts that timer fresh, so waking up never fires a burst of stale
  reminders.
- An optional daily limit on time at work: once reached, the host says so
  once that day.
- Working hours (``breaks.hours``, :mod:`coach.config.hours`): no break is due
  outside them, and the timers start fresh at the start of each range; the
  next break is always one inside the hours.
- A pause (``coach pause``, the app's pause key) until a wall-clock time: no
  break is due before it ends, and the timers start fresh when it does.
- Where idle readings come often (:attr:`BreakScheduler.counting` "active"),
  idle stretches shorter than a break neither count as work nor reset the
  timers: they push the next break back by their length.

Only the standard library: ``coach status`` and ``coach remind`` import this
and must stay lean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from coach.config.hours import Hours, local_ranges, parse_hours

Kind = Literal["micro", "rest"]
Counting = Literal["active", "wall"]
KINDS: tuple[Kind, ...] = ("micro", "rest")

Outcome = Literal["taken", "reminded", "postponed", "skipped", "natural"]
OUTCOMES: tuple[Outcome, ...] = ("taken", "reminded", "postponed", "skipped", "natural")
"""What became of a break: taken when offered (the app's "start"), reminded
(the daemon told the person; whether they stopped is theirs to know), put off,
skipped, or taken naturally (the person was idle long enough)."""

STATE_VERSION = 1

LATE_IS_ASLEEP = 5.0
"""A host that wakes more than this many seconds after it meant to was asleep
(or stopped) for that long, not working."""


@dataclass(frozen=True)
class KindPolicy:
    """How often one kind of break comes and how long it lasts (seconds)."""

    every: float
    length: float
    program: str | None = None
    program_title: str | None = None
    """The program's title, when the host knows it (for the notification)."""


@dataclass(frozen=True)
class BreakPolicy:
    """The break settings the scheduler needs, as plain data."""

    micro: KindPolicy
    rest: KindPolicy
    postpone: float = 300.0
    max_postpones: int = 2
    daily_limit: float | None = None
    idle_detection: bool = True
    warning: float = 30.0
    """Seconds of warning before each break (0: none)."""
    start_on_pause: bool = True
    """Where idle detection works, start a due break once input stops for a few seconds."""
    max_wait: float = 120.0
    """The longest a due break waits for such a pause."""
    hours: Hours | None = None
    """Working hours (None: any time)."""

    def kind(self, kind: Kind) -> KindPolicy:
        """The policy of one kind."""
        return self.micro if kind == "micro" else self.rest

    @classmethod
    def from_settings(cls, breaks: Any) -> BreakPolicy:
        """From :class:`coach.config.settings.BreakSettings` (read by attribute: no pydantic
        here)."""

        def kind(value: Any) -> KindPolicy:
            return KindPolicy(float(value.every), float(value.length), value.program)

        return cls(
            micro=kind(breaks.micro),
            rest=kind(breaks.rest),
            postpone=float(breaks.postpone),
            max_postpones=int(breaks.max_postpones),
            daily_limit=None if breaks.daily_limit is None else float(breaks.daily_limit),
            idle_detection=bool(breaks.idle_detection),
            warning=float(getattr(breaks, "warning", 30.0)),
            start_on_pause=bool(getattr(breaks, "start_on_pause", True)),
            max_wait=float(getattr(breaks, "max_wait", 120.0)),
            hours=parse_hours(_table(getattr(breaks, "hours", None))),
        )

    def with_titles(self, titles: Mapping[str, str]) -> BreakPolicy:
        """The same policy, with each break program's title from ``titles`` (id -> title)."""

        def titled(kind: KindPolicy) -> KindPolicy:
            return replace(kind, program_title=titles.get(kind.program) if kind.program else None)

        return replace(self, micro=titled(self.micro), rest=titled(self.rest))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (``from_json`` reads it back)."""
        return {
            "micro": vars(self.micro).copy(),
            "rest": vars(self.rest).copy(),
            "postpone": self.postpone,
            "max_postpones": self.max_postpones,
            "daily_limit": self.daily_limit,
            "idle_detection": self.idle_detection,
            "warning": self.warning,
            "start_on_pause": self.start_on_pause,
            "max_wait": self.max_wait,
            "hours": None if self.hours is None else [list(map(list, day)) for day in self.hours],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BreakPolicy:
        """The policy :meth:`to_json` wrote."""
        return cls(
            micro=KindPolicy(**data["micro"]),
            rest=KindPolicy(**data["rest"]),
            postpone=float(data["postpone"]),
            max_postpones=int(data["max_postpones"]),
            daily_limit=None if data["daily_limit"] is None else float(data["daily_limit"]),
            idle_detection=bool(data["idle_detection"]),
            warning=float(data.get("warning", 30.0)),
            start_on_pause=bool(data.get("start_on_pause", True)),
            max_wait=float(data.get("max_wait", 120.0)),
            hours=_hours_from_json(data.get("hours")),
        )


def _table(hours: Any) -> Mapping[str, Any] | None:
    """``breaks.hours`` as a plain table (the settings' model has ``table()``)."""
    if hours is None or isinstance(hours, Mapping):
        return hours
    table: Mapping[str, Any] = hours.table()
    return table


def _hours_from_json(data: Any) -> Hours | None:
    if data is None:
        return None
    return tuple(tuple((int(start), int(end)) for start, end in day) for day in data)


@dataclass
class Timer:
    """One kind's clock: work towards the next break started at ``since``."""

    since: float
    postponed_until: float | None = None
    postpones: int = 0
    natural_from: float | None = None
    """Where the idle stretch last counted as a natural break began, so one
    long absence is counted once."""
    reminded_at: float | None = None
    """When ``coach remind`` last told the person about this break, unanswered."""


@dataclass(frozen=True)
class Due:
    """The next break: which kind, when, and what the person may do about it."""

    kind: Kind
    at: float
    length: float
    program: str | None
    program_title: str | None
    postpones: int
    """Times in a row this break has been put off."""
    can_postpone: bool


@dataclass(frozen=True)
class BreakEvent:
    """Something to record in the history: what became of a break, and when."""

    kind: Kind
    outcome: Outcome
    at: float
    """On the scheduler's clock."""
    program: str | None = None


@dataclass
class BreakScheduler:
    """The break timers and the rules that move them (see the module docstring)."""

    policy: BreakPolicy
    timers: dict[Kind, Timer]
    last_seen: float
    """When a host last looked: work time and gaps are measured from here."""
    work_day: str = ""
    """The local date (``YYYY-MM-DD``) that :attr:`work_seconds` counts."""
    work_seconds: float = 0.0
    limit_told: bool = False
    events: list[BreakEvent] = field(default_factory=list)
    """Events not yet recorded; the host takes them with :meth:`take_events`."""
    paused_until: datetime | None = None
    """Reminders are paused until this wall-clock time (aware, UTC), if they are."""
    counting: Counting = "wall"
    """What the timers count: "active" time where idle readings come often, else "wall" time."""
    wall_ref: tuple[float, datetime] | None = None
    """One reading of both clocks (the scheduler's, the wall's), to place wall-clock times
    (working hours, a pause's end) on the scheduler's clock."""
    resumed_at: float | None = None
    """When a pause ended, if one just did (the host says so, then clears it)."""

    @classmethod
    def fresh(cls, policy: BreakPolicy, now: float, wall: datetime | None = None) -> BreakScheduler:
        """Timers that start now (``wall``: the wall clock now, for hours and pauses)."""
        return cls(
            policy,
            {kind: Timer(now) for kind in KINDS},
            now,
            wall_ref=None if wall is None else (now, wall),
        )

    # --- wall-clock times -------------------------------------------------------------------

    def to_clock(self, instant: datetime) -> float | None:
        """A wall-clock ``instant`` on the scheduler's clock (None without a reference)."""
        if self.wall_ref is None:
            return None
        moment, wall = self.wall_ref
        return moment + (instant - wall).total_seconds()

    def to_wall(self, moment: float) -> datetime | None:
        """A reading of the scheduler's clock as a wall-clock time (None without a reference)."""
        if self.wall_ref is None:
            return None
        ref, wall = self.wall_ref
        return wall + timedelta(seconds=moment - ref)

    def pause_end(self) -> float | None:
        """When the pause ends, on the scheduler's clock; None when not paused."""
        if self.paused_until is None:
            return None
        return self.to_clock(self.paused_until)

    def paused(self, now: float) -> bool:
        """Whether reminders are paused at ``now``."""
        end = self.pause_end()
        return end is not None and now < end

    def _ranges(self, after: float) -> list[tuple[float, float]]:
        """The working ranges ending after ``after`` (scheduler's clock), the next 8 days."""
        hours, wall = self.policy.hours, self.to_wall(after)
        if hours is None or wall is None:
            return []
        found = []
        for start, end in local_ranges(hours, wall):
            begin, finish = self.to_clock(start), self.to_clock(end)
            if begin is not None and finish is not None:
                found.append((begin, finish))
        return found

    def in_hours(self, now: float) -> bool:
        """Whether ``now`` is inside the working hours (always, without any)."""
        if self.policy.hours is None or self.wall_ref is None:
            return True
        return any(start <= now < end for start, end in self._ranges(now))

    def range_start(self, now: float) -> float | None:
        """When the working range ``now`` is in began; None outside (or without) hours."""
        for start, end in self._ranges(now):
            if start <= now < end:
                return start
        return None

    def _fit(self, since: float, at: float, every: float) -> float:
        """``at``, moved to where the break really falls: after a pause, inside the hours.

        A pause's end and each range's start start the timers fresh, so a
        break that would fall in a pause or outside the hours comes ``every``
        after the next of them instead.
        """
        end = self.pause_end()
        if end is not None and since < end:
            since, at = end, max(at, end + every)
        if self.policy.hours is None or self.wall_ref is None:
            return at
        for start, finish in self._ranges(since):
            if start > since:
                since, at = start, start + every
            if at < finish:
                return at
            since = finish
        return at  # no range long enough in the next week: after the last

    # --- questions ------------------------------------------------------------------------

    def due_at(self, kind: Kind) -> float:
        """When a break of ``kind`` falls due (on the scheduler's clock)."""
        timer = self.timers[kind]
        every = self.policy.kind(kind).every
        at = timer.since + every if timer.postponed_until is None else timer.postponed_until
        return self._fit(timer.since, at, every)

    def next_due(self) -> Due:
        """The next break; when both are due together, the rest break."""
        micro_at, rest_at = self.due_at("micro"), self.due_at("rest")
        if rest_at <= micro_at + self.policy.micro.length:
            return self._due("rest", min(rest_at, micro_at))
        return self._due("micro", micro_at)

    def due(self, now: float) -> Due | None:
        """The break that is due at ``now``, if one is."""
        upcoming = self.next_due()
        if upcoming.at > now or self.paused(now) or not self.in_hours(now):
            return None
        return upcoming

    def warning_at(self) -> float | None:
        """When to warn of the next break (None with ``breaks.warning`` 0)."""
        if self.policy.warning <= 0:
            return None
        return self.next_due().at - self.policy.warning

    def _due(self, kind: Kind, at: float) -> Due:
        policy = self.policy.kind(kind)
        postpones = self.timers[kind].postpones
        return Due(
            kind,
            at,
            policy.length,
            policy.program,
            policy.program_title,
            postpones,
            postpones < self.policy.max_postpones,
        )

    def reminded(self, now: float) -> Due | None:
        """A break another host just told the person about, not yet answered.

        The app offers it too (start, postpone, skip) while the break would
        still be on: ``coach remind`` counts a break as begun when it tells.
        """
        for kind in reversed(KINDS):  # the rest break first
            at = self.timers[kind].reminded_at
            if at is not None and at <= now < at + self.policy.kind(kind).length:
                return self._due(kind, at)
        return None

    def limit_at(self) -> float | None:
        """When the daily limit will be reached at the current pace, if it is yet to be told."""
        if self.policy.daily_limit is None or self.limit_told:
            return None
        return self.last_seen + max(0.0, self.policy.daily_limit - self.work_seconds)

    def wake_at(self) -> float:
        """When a host should next look: the next break, or the daily limit if sooner."""
        wakes = [self.next_due().at]
        limit = self.limit_at()
        if limit is not None:
            wakes.append(limit)
        end = self.pause_end()
        if end is not None:
            wakes.append(end)  # to say the reminders are back
        return min(wakes)

    # --- what happened --------------------------------------------------------------------

    def observe(
        self,
        now: float,
        day: str,
        *,
        asleep: float = 0.0,
        idle: float | None = None,
        wall: datetime | None = None,
        inactive: float = 0.0,
    ) -> None:
        """Count work time up to ``now``: not ``asleep`` seconds, nor a long ``idle`` stretch.

        ``wall`` is the wall clock at ``now`` (for working hours and pauses).
        ``inactive`` is the idle time the host's frequent readings saw since
        it last looked (active counting): not work, and it pushes every timer
        back by as much.

        A host calls this each time it wakes (then :meth:`idle` with the same
        reading). Time asleep (the machine suspended, or no host running) of
        at least a break's length starts that kind's timer fresh: nobody owes
        a break for time they weren't at work, and a sleeping laptop never
        wakes to a pile of reminders. Idle stretches shorter than a
        micro-break are pauses in typing and count as work.
        """
        if wall is not None:
            self.wall_ref = (now, wall)
        span = max(0.0, now - self.last_seen)
        asleep = min(max(0.0, asleep), span)
        inactive = min(max(0.0, inactive), span)
        away = max(asleep, inactive)
        if idle is not None and idle >= self.policy.micro.length:
            away = max(away, min(idle, span))
        if inactive:
            for timer in self.timers.values():
                # Only idle time after the timer started (not a break still on) moves it.
                timer.since += min(inactive, max(0.0, now - timer.since))
        if day != self.work_day:
            self.work_day, self.work_seconds, self.limit_told = day, 0.0, False
        else:
            self.work_seconds += span - away
        self.last_seen = max(self.last_seen, now)
        for kind in KINDS:
            if asleep >= self.policy.kind(kind).length:
                self.timers[kind] = Timer(max(now, self.timers[kind].since))
        end = self.pause_end()
        if end is not None and end <= now:
            self.paused_until = None
            self.resumed_at = end
            self._fresh_from(end)
        start = self.range_start(now)
        if start is not None:
            self._fresh_from(start)

    def _fresh_from(self, moment: float) -> None:
        """Timers that started before ``moment`` start again from it."""
        for kind in KINDS:
            if self.timers[kind].since < moment:
                self.timers[kind] = Timer(moment)

    def pause(self, until: datetime, now: float) -> None:
        """Pause reminders until the wall-clock time ``until`` (aware)."""
        self.paused_until = until.astimezone(UTC)
        self.resumed_at = None

    def resume(self, now: float) -> bool:
        """End a pause now: the timers start fresh. False if nothing was paused."""
        if self.paused_until is None:
            return False
        self.paused_until = None
        self._fresh_from(now)
        return True

    def idle(self, now: float, idle_seconds: float) -> list[Kind]:
        """The person has been idle for ``idle_seconds``: a natural break of each kind it covers.

        Returns the kinds it counted for; one long absence counts once.
        """
        idle_seconds = max(0.0, idle_seconds)
        started = now - idle_seconds
        counted: list[Kind] = []
        for kind in KINDS:
            if idle_seconds < self.policy.kind(kind).length:
                continue
            timer = self.timers[kind]
            already = timer.natural_from is not None and abs(timer.natural_from - started) < 2.0
            self.timers[kind] = Timer(max(now, timer.since), natural_from=started)
            if not already:
                self.events.append(BreakEvent(kind, "natural", now))
                counted.append(kind)
        return counted

    def taken(self, kind: Kind, now: float, *, outcome: Outcome = "taken") -> None:
        """A break of ``kind`` starts now (``outcome`` "taken" or "reminded").

        The next one is due ``every`` after this one ends; a rest break also
        counts as a micro-break.
        """
        policy = self.policy.kind(kind)
        end = now + policy.length
        self.timers[kind] = Timer(end, reminded_at=now if outcome == "reminded" else None)
        if kind == "rest":
            micro = self.timers["micro"]
            if micro.since < end:
                self.timers["micro"] = Timer(end)
        self.events.append(BreakEvent(kind, outcome, now, policy.program))

    def postpone(self, kind: Kind, now: float) -> bool:
        """Put a break off for :attr:`BreakPolicy.postpone`; False past ``max_postpones``."""
        timer = self.timers[kind]
        if timer.postpones >= self.policy.max_postpones:
            return False
        timer.postponed_until = now + self.policy.postpone
        timer.postpones += 1
        timer.reminded_at = None
        self.events.append(BreakEvent(kind, "postponed", now))
        return True

    def skip(self, kind: Kind, now: float) -> None:
        """Skip a break: counted, and the work clock starts again."""
        self.timers[kind] = Timer(now)
        self.events.append(BreakEvent(kind, "skipped", now))

    def session_completed(self, ended: float) -> bool:
        """A session ended at ``ended``: a break of every kind. True if it moved a timer."""
        moved = False
        for kind in KINDS:
            if self.timers[kind].since < ended:
                self.timers[kind] = Timer(ended)
                moved = True
        return moved

    def limit_reached(self, now: float) -> bool:
        """True once a day, when work time today has reached the daily limit."""
        limit = self.policy.daily_limit
        if limit is None or self.limit_told:
            return False
        if self.work_seconds + max(0.0, now - self.last_seen) >= limit:
            self.limit_told = True
            return True
        return False

    def take_events(self) -> list[BreakEvent]:
        """The events since the last call, to record."""
        events, self.events = self.events, []
        return events

    # --- keeping it ------------------------------------------------------------------------

    def to_state(self, now: float, wall: datetime, boot: str | None) -> dict[str, Any]:
        """The state as JSON-ready data, with times relative to ``now``.

        Times are kept as seconds before the moment of saving, with that
        moment on both clocks (the scheduler's and the wall clock) and the
        boot it belongs to. A reader in the same boot measures the time since
        on the scheduler's clock, which no wall-clock change moves; after a
        reboot it falls back on the wall clock.
        """

        def ago(moment: float | None) -> float | None:
            return None if moment is None else round(now - moment, 3)

        upcoming = self.next_due()
        return {
            "version": STATE_VERSION,
            "saved": {"clock": now, "wall": _utc_text(wall), "boot": boot},
            "last_seen_ago": ago(self.last_seen),
            "work_day": self.work_day,
            "work_seconds": round(self.work_seconds, 3),
            "limit_told": self.limit_told,
            "paused_until": None if self.paused_until is None else _utc_text(self.paused_until),
            "counting": self.counting,
            "timers": {
                kind: {
                    "since_ago": ago(timer.since),
                    "postponed_until_ago": ago(timer.postponed_until),
                    "postpones": timer.postpones,
                    "natural_from_ago": ago(timer.natural_from),
                    "reminded_ago": ago(timer.reminded_at),
                }
                for kind, timer in self.timers.items()
            },
            "next": {
                "kind": upcoming.kind,
                "due_in": round(upcoming.at - now, 3),
                "length": upcoming.length,
                "program": upcoming.program,
            },
        }

    @classmethod
    def from_state(
        cls,
        policy: BreakPolicy,
        state: Mapping[str, Any] | None,
        now: float,
        wall: datetime,
        boot: str | None,
    ) -> tuple[BreakScheduler, float]:
        """The scheduler :meth:`to_state` saved, moved to ``now``, and the seconds since saving.

        A missing, unreadable or newer state gives fresh timers (and 0), and
        keeps a pause it names (``coach pause`` may write one alone).
        The caller decides what the time since saving was (see :meth:`observe`).
        """
        paused = saved_pause(state)
        try:
            if state is None or state.get("version") != STATE_VERSION:
                raise ValueError("no state")
            elapsed = state_age(state, now, wall, boot)

            def at(ago: Any) -> float | None:
                if ago is None:
                    return None
                value = float(ago)
                if not math.isfinite(value):
                    raise ValueError("not a finite time")
                return now - elapsed - value

            timers: dict[Kind, Timer] = {}
            for kind in KINDS:
                data = state["timers"][kind]
                since = at(data["since_ago"])
                if since is None:
                    raise ValueError("a timer without a start")
                timers[kind] = Timer(
                    since,
                    at(data.get("postponed_until_ago")),
                    max(0, int(data.get("postpones", 0))),
                    at(data.get("natural_from_ago")),
                    at(data.get("reminded_ago")),
                )
            last_seen = at(state["last_seen_ago"])
            scheduler = cls(
                policy,
                timers,
                now if last_seen is None else min(last_seen, now),
                str(state.get("work_day", "")),
                max(0.0, float(state.get("work_seconds", 0.0))),
                bool(state.get("limit_told", False)),
                paused_until=paused,
                counting="active" if state.get("counting") == "active" else "wall",
                wall_ref=(now, wall),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            scheduler = cls.fresh(policy, now, wall)
            scheduler.paused_until = paused
            return scheduler, 0.0
        return scheduler, elapsed


def saved_pause(state: Mapping[str, Any] | None) -> datetime | None:
    """The end of the pause a saved state names (aware, UTC), or None."""
    try:
        text = None if state is None else state.get("paused_until")
        return None if text is None else _parse_utc(str(text)).astimezone(UTC)
    except (TypeError, ValueError, AttributeError):
        return None


def state_age(state: Mapping[str, Any], now: float, wall: datetime, boot: str | None) -> float:
    """Seconds since ``state`` was saved: on the scheduler's clock in the same boot, else the wall.

    Never negative: a wall clock set back since then reads as no time at all.
    Raises ValueError (or KeyError/TypeError) on a malformed state.
    """
    saved = state["saved"]
    if boot is not None and saved.get("boot") == boot:
        elapsed = now - float(saved["clock"])
    else:
        elapsed = (wall - _parse_utc(str(saved["wall"]))).total_seconds()
    if not math.isfinite(elapsed):
        raise ValueError("not a finite time")
    return max(0.0, elapsed)


def next_break_now(
    state: Mapping[str, Any], now: float, wall: datetime, boot: str | None
) -> dict[str, Any] | None:
    """The next break for ``coach status``, from a saved state.

    ``{"kind", "due_in_seconds", "length_seconds", "program"}``, or None.
    """
    try:
        upcoming = state["next"]
        due_in = float(upcoming["due_in"]) - state_age(state, now, wall, boot)
        kind = upcoming["kind"]
        if kind not in KINDS or not math.isfinite(due_in):
            return None
        return {
            "kind": kind,
            "due_in_seconds": round(due_in),
            "length_seconds": upcoming.get("length"),
            "program": upcoming.get("program"),
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _utc_text(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time without a zone")
    return moment
