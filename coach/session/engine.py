"""The timer engine: runs a timeline on a clock, with exact deadlines and controls.

Pacing is by absolute deadlines, never by counting ticks: step ``i`` starts at
``origin + offsets[i]``, where ``origin`` is the session's start plus all the
time spent paused (a skip or a back moves it too, so the new step starts
now). However late one wake-up is, the next deadline is computed from the
origin, so lateness never adds up over a long session.

The engine sleeps until the next thing it has to do (a countdown second or
the end of a step) and at most :data:`MAX_SLEEP` seconds, so that it notices a
machine that was suspended or stalled. A late wake-up is judged by what it
missed: when it wakes past the end of the step it was in (by more than
:data:`STALL_TOLERANCE`, whatever the length of the stall), or more than
``suspend_threshold`` seconds late even inside a long step, it does not race
through the missed time but pauses itself at the step it was in, as of the
moment it fell asleep. A person who was not there for a hold never gets it
counted as done.

Controls (``pause``, ``resume``, ``skip_step``, ``skip_exercise``, ``back``,
``stop``) are safe to call at any time from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from coach.clock import Clock
from coach.program.durations import json_seconds
from coach.program.timeline import Step, Timeline

EventName = Literal[
    "session_started",
    "step_started",
    "countdown",
    "rep_completed",
    "set_completed",
    "side_completed",
    "exercise_completed",
    "paused",
    "resumed",
    "skipped",
    "back",
    "session_completed",
    "session_stopped",
]

#: The engine wakes at least this often, so a suspend is noticed soon after wake-up.
MAX_SLEEP = 5.0

#: Waking this many seconds later than planned means the machine was asleep.
SUSPEND_THRESHOLD = 5.0

#: Waking this many seconds past the end of a step means that step's end was missed:
#: more than an event loop's ordinary lateness, which a loaded machine keeps well under.
STALL_TOLERANCE = 1.0

#: ``back`` within this many seconds of a step's start goes to the step before.
BACK_RESTART_WINDOW = 2.0


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a session.

    ``t`` is seconds since the session started, on the monotonic clock.
    ``index`` and ``step`` name the step concerned, where there is one;
    ``data`` carries the rest (see :meth:`to_json`).
    """

    name: EventName
    t: float
    index: int | None = None
    step: Step | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """One JSON object: ``event``, ``t``, the step's plan fields, then ``data``."""
        obj: dict[str, Any] = {"event": self.name, "t": round(self.t, 4)}
        if self.index is not None:
            obj["index"] = self.index
        if self.step is not None:
            obj.update(self.step.to_json())
        obj.update(self.data)
        return obj


Listener = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class SessionResult:
    """How a session ended."""

    completed: bool
    stop_reason: str | None
    active_seconds: float
    """Time the session ran, pauses excluded."""
    elapsed_seconds: float
    """Time from start to end, pauses included."""
    skipped_steps: tuple[int, ...]
    last_index: int
    """The step the session was in when it ended (``len(steps)`` when completed)."""


def step_completions(timeline: Timeline) -> list[list[str]]:
    """For each step, what finishing it completes: rep, set, side, exercise (in that order).

    A rep is identified by (exercise, pass, set, rep), where the pass is the
    side for ``sides = "each"`` and None otherwise, so an alternating rep's
    left and right phases are one rep. Only work steps complete anything.
    """
    steps = timeline.steps
    exercises = timeline.program.exercises

    def key(step: Step) -> tuple[Any, ...]:
        sides = exercises[step.exercise_index].sides
        side_pass = step.side if sides == "each" else None
        return (step.exercise_index, side_pass, step.set, step.rep)

    result: list[list[str]] = [[] for _ in steps]
    work = [i for i, step in enumerate(steps) if step.kind == "work"]
    for position, i in enumerate(work):
        step = steps[i]
        mine = key(step)
        following = steps[work[position + 1]] if position + 1 < len(work) else None
        if following is not None and following.exercise_index != step.exercise_index:
            following = None
        theirs = None if following is None else key(following)
        sides = exercises[step.exercise_index].sides
        done: list[str] = []
        if step.rep is not None and theirs != mine:
            done.append("rep")
        if theirs is None or theirs[:3] != mine[:3]:
            done.append("set")
        if sides in ("each", "left", "right") and (theirs is None or theirs[1] != mine[1]):
            done.append("side")
        if theirs is None:
            done.append("exercise")
        result[i] = done
    return result


class SessionRunner:
    """Runs one timeline. Create it, add listeners, ``await run()``; control it meanwhile."""

    def __init__(
        self,
        timeline: Timeline,
        clock: Clock,
        listeners: Iterable[Listener] = (),
        *,
        countdown: int = 3,
        suspend_threshold: float = SUSPEND_THRESHOLD,
    ) -> None:
        self.timeline = timeline
        self.clock = clock
        self.countdown = countdown
        self.suspend_threshold = suspend_threshold
        self._listeners: list[Listener] = list(listeners)
        self._steps = timeline.steps
        self._offsets = [*timeline.offsets(), timeline.total_seconds]
        self._completions = step_completions(timeline)
        self._index = 0
        self._start = 0.0
        self._origin = 0.0
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._stop_reason: str | None = None
        self._skipped: list[int] = []
        self._next_countdown = 0
        self._on_time_at = 0.0
        """The last moment the engine was awake and on time (a stall is judged from it)."""
        self._interrupt: asyncio.Future[None] | None = None
        self._running = False

    # --- state -------------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """The current step's index (``len(steps)`` once finished)."""
        return self._index

    @property
    def current(self) -> Step | None:
        """The current step, or None before the start and after the end."""
        return self._steps[self._index] if self._index < len(self._steps) else None

    @property
    def paused(self) -> bool:
        """Whether the session is paused."""
        return self._paused_at is not None

    def step_deadline(self) -> float:
        """When the current step ends, on the clock (a paused session's, as of the pause)."""
        return self._origin + self._offsets[self._index + 1]

    def remaining(self) -> float:
        """Seconds left in the current step (frozen while paused)."""
        if self._index >= len(self._steps):
            return 0.0
        now = self._paused_at if self._paused_at is not None else self.clock.monotonic()
        return max(0.0, self.step_deadline() - now)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every event from now on."""
        self._listeners.append(listener)

    # --- controls ----------------------------------------------------------------------------

    def pause(self, reason: str = "user") -> None:
        """Pause; every later deadline moves by the time spent paused."""
        if self._paused_at is not None or not self._running:
            return
        self._paused_at = self.clock.monotonic()
        self._emit("paused", self._index, data={"reason": reason})
        self._wake()

    def resume(self) -> None:
        """Resume a paused session where it was."""
        if self._paused_at is None or not self._running:
            return
        paused_for = self.clock.monotonic() - self._paused_at
        self._origin += paused_for
        self._paused_total += paused_for
        self._paused_at = None
        self._on_time_at = self.clock.monotonic()
        self._emit("resumed", self._index, data={"paused_seconds": round(paused_for, 4)})
        self._wake()

    def toggle_pause(self) -> None:
        """Pause a running session, resume a paused one."""
        if self.paused:
            self.resume()
        else:
            self.pause()

    def skip_step(self) -> None:
        """End the current step now and start the next."""
        if not self._running or self._index >= len(self._steps):
            return
        self._skipped.append(self._index)
        self._emit("skipped", self._index, self._steps[self._index], {"what": "step"})
        self._jump(self._index + 1)

    def skip_exercise(self) -> None:
        """Skip the rest of the current exercise, including the rest after it."""
        if not self._running or self._index >= len(self._steps):
            return
        exercise = self._steps[self._index].exercise_index
        target = self._index
        while target < len(self._steps) and self._steps[target].exercise_index == exercise:
            target += 1
        self._skipped.extend(range(self._index, target))
        self._emit("skipped", self._index, self._steps[self._index], {"what": "exercise"})
        self._jump(target)

    def back(self) -> None:
        """Restart the current step, or go to the one before within its first seconds."""
        if not self._running or self._index >= len(self._steps):
            return
        now = self._paused_at if self._paused_at is not None else self.clock.monotonic()
        elapsed = now - (self._origin + self._offsets[self._index])
        target = self._index
        if elapsed < BACK_RESTART_WINDOW and self._index > 0:
            target -= 1
        self._emit("back", self._index, self._steps[self._index], {"to_index": target})
        self._jump(target)

    def stop(self, reason: str = "user") -> None:
        """End the session now; it is reported as stopped (partial)."""
        if self._stop_reason is None:
            self._stop_reason = reason
            self._wake()

    # --- running -----------------------------------------------------------------------------

    async def run(self) -> SessionResult:
        """Run the session to its end (or until stopped)."""
        if self._running:
            raise RuntimeError("this session is already running")
        self._running = True
        self._start = self._origin = self._on_time_at = self.clock.monotonic()
        self._emit(
            "session_started",
            data={
                "program": self.timeline.program.id,
                "title": self.timeline.program.title,
                "total_seconds": json_seconds(self.timeline.total_seconds),
                "steps": len(self._steps),
                "started_at": self.clock.now().isoformat(),
            },
        )
        try:
            if self._steps:
                self._start_step(self._start)
            while self._stop_reason is None and self._index < len(self._steps):
                await self._tick()
        finally:
            self._running = False
        end = self.clock.monotonic()
        if self._paused_at is not None:
            self._paused_total += end - self._paused_at
            self._paused_at = None
        active = end - self._start - self._paused_total
        result = SessionResult(
            completed=self._stop_reason is None,
            stop_reason=self._stop_reason,
            active_seconds=active,
            elapsed_seconds=end - self._start,
            skipped_steps=tuple(self._skipped),
            last_index=self._index,
        )
        summary = {
            "active_seconds": round(active, 4),
            "elapsed_seconds": round(end - self._start, 4),
            "skipped_steps": len(self._skipped),
        }
        if result.completed:
            self._emit("session_completed", data=summary)
        else:
            inside = self._index < len(self._steps)
            self._emit(
                "session_stopped",
                self._index if inside else None,
                self._steps[self._index] if inside else None,
                data={"reason": self._stop_reason, "status": "partial", **summary},
            )
        return result

    async def _tick(self) -> None:
        if self._paused_at is not None:
            await self._sleep(None)
            return
        deadline = self.step_deadline()
        now = self.clock.monotonic()
        # After a resume or a late wake, drop the countdown seconds already gone.
        while self._next_countdown > 0 and deadline - self._next_countdown < now:
            self._next_countdown -= 1
        target = deadline
        countdown_at = None
        if self._next_countdown > 0:
            countdown_at = deadline - self._next_countdown
            target = min(target, countdown_at)
        wake_at = min(target, now + MAX_SLEEP)
        if wake_at > now:
            await self._sleep(wake_at)
        if self._stop_reason is not None or self._paused_at is not None:
            return
        now = self.clock.monotonic()
        if self._index >= len(self._steps) or self.step_deadline() != deadline:
            return  # a control moved us while we slept
        if now - wake_at > self.suspend_threshold or now - deadline > STALL_TOLERANCE:
            # Asleep, or stalled past the step's end: whatever was missed is given again,
            # from the last moment the engine saw it was on time (never before the step).
            step_start = self._origin + self._offsets[self._index]
            self._suspended(asleep_from=max(self._on_time_at, step_start), now=now)
            return
        self._on_time_at = now
        if countdown_at is not None and now >= countdown_at and now < deadline:
            self._emit("countdown", self._index, data={"seconds_left": self._next_countdown})
            self._next_countdown -= 1
            return
        if now >= deadline:
            self._finish_step(deadline)

    def _suspended(self, *, asleep_from: float, now: float) -> None:
        """The machine slept: pause at the step we were in, as of when we fell asleep."""
        self._paused_at = asleep_from
        self._emit(
            "paused",
            self._index,
            data={"reason": "suspend", "asleep_seconds": round(now - asleep_from, 3)},
        )

    def _finish_step(self, deadline: float) -> None:
        index = self._index
        step = self._steps[index]
        for unit in self._completions[index]:
            name: EventName = f"{unit}_completed"  # type: ignore[assignment]
            self._emit(name, index, step)
        self._index = index + 1
        if self._index < len(self._steps):
            self._start_step(deadline)

    def _start_step(self, planned: float) -> None:
        step = self._steps[self._index]
        # Count down only the seconds that fit inside the step.
        self._next_countdown = min(self.countdown, max(0, math.ceil(step.seconds) - 1))
        now = self.clock.monotonic()
        self._emit(
            "step_started",
            self._index,
            step,
            {
                "planned_start": round(planned - self._start, 4),
                "actual_start": round(now - self._start, 4),
            },
        )

    def _jump(self, target: int) -> None:
        """Make step ``target`` start now (or, when paused, when the session resumes)."""
        now = self._paused_at if self._paused_at is not None else self.clock.monotonic()
        self._on_time_at = max(self._on_time_at, now)
        self._index = target
        if target < len(self._steps):
            self._origin = now - self._offsets[target]
            self._start_step(self._origin + self._offsets[target])
        self._wake()

    async def _sleep(self, until: float | None) -> None:
        loop = asyncio.get_running_loop()
        self._interrupt = loop.create_future()
        if until is None:
            await self._interrupt
            return
        sleeper = asyncio.ensure_future(self.clock.sleep_until(until))
        try:
            await asyncio.wait({sleeper, self._interrupt}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            self._interrupt = None

    def _wake(self) -> None:
        if self._interrupt is not None and not self._interrupt.done():
            self._interrupt.set_result(None)

    def _emit(
        self,
        name: EventName,
        index: int | None = None,
        step: Step | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        event = Event(name, self.clock.monotonic() - self._start, index, step, data or {})
        for listener in list(self._listeners):
            listener(event)
