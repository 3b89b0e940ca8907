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
``end_early``, ``stop``) are safe to call at any time from the event loop's
thread.

A range (``reps = { min = 10, max = 15 }``) is paced at its target, and from
its ``min`` on the person may say "enough" (:meth:`SessionRunner.end_early`):
the innermost range that has reached its minimum ends now (a hold, the rest
of a set's reps, or the rest of an exercise's sets) and what was done counts
as done, not as skipped.

A rest written "as needed" waits, when someone is there to say so
(``wait_as_needed``), until :meth:`SessionRunner.go_on`; the time it took is
in its ``rest_ended`` event, and every later deadline moves by the
difference, as after a pause. Otherwise it lasts its planned length.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from coach.clock import Clock
from coach.program.durations import json_seconds
from coach.program.model import CountRange, SecondsRange, lowest
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
    "ended_early",
    "rest_ended",
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened in a session; listeners ``match`` on its class.

    ``t`` is seconds since the session started, on the monotonic clock.
    ``index`` and ``step`` name the step concerned, where there is one. Each
    kind's own fields follow, in the order :meth:`to_json` writes them (a
    field that is None is left out).
    """

    name: ClassVar[EventName]
    t: float
    index: int | None = None
    step: Step | None = None

    @property
    def data(self) -> dict[str, Any]:
        """This kind's own fields, as JSON-ready values."""
        return {
            f.name: value
            for f in fields(self)
            if f.name not in _COMMON and (value := getattr(self, f.name)) is not None
        }

    def to_json(self) -> dict[str, Any]:
        """One JSON object: ``event``, ``t``, the step's plan fields, then the kind's own."""
        obj: dict[str, Any] = {"event": self.name, "t": round(self.t, 4)}
        if self.index is not None:
            obj["index"] = self.index
        if self.step is not None:
            obj.update(self.step.to_json())
        obj.update(self.data)
        return obj


_COMMON = frozenset({"t", "index", "step"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted(Event):
    """The session began: what it is and how long it will take."""

    name: ClassVar[EventName] = "session_started"
    program: str
    title: str
    total_seconds: float
    steps: int
    started_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted(Event):
    """A step began, planned and actually (seconds since the start)."""

    name: ClassVar[EventName] = "step_started"
    planned_start: float
    actual_start: float
    waiting: bool | None = None
    """True for an as-needed rest the session waits at (until :meth:`SessionRunner.go_on`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Countdown(Event):
    """One of the last seconds of a step."""

    name: ClassVar[EventName] = "countdown"
    seconds_left: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RepCompleted(Event):
    """The step that ended was a repetition's last."""

    name: ClassVar[EventName] = "rep_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SetCompleted(Event):
    """The step that ended was a set's last."""

    name: ClassVar[EventName] = "set_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SideCompleted(Event):
    """The step that ended was a side's last."""

    name: ClassVar[EventName] = "side_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExerciseCompleted(Event):
    """The step that ended was an exercise's last."""

    name: ClassVar[EventName] = "exercise_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Paused(Event):
    """Paused: by the person (``reason`` from the control), or because the machine slept."""

    name: ClassVar[EventName] = "paused"
    reason: str
    asleep_seconds: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Resumed(Event):
    """Going on after a pause."""

    name: ClassVar[EventName] = "resumed"
    paused_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped(Event):
    """A step or the rest of an exercise was skipped (``what``)."""

    name: ClassVar[EventName] = "skipped"
    what: Literal["step", "exercise"]


EarlyWhat = Literal["hold", "set", "exercise"]
"""What ending early ends: this hold (or timed work), this set's reps, this exercise's sets."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndedEarly(Event):
    """The person said "enough" once a range's minimum was reached (``what``, ``done``).

    ``done`` is the seconds held for a hold, the reps done in the set for a
    set, the sets done for an exercise (on this side, for ``sides = "each"``).
    """

    name: ClassVar[EventName] = "ended_early"
    what: EarlyWhat
    done: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RestEnded(Event):
    """The person ended an as-needed rest after ``seconds`` (pauses left out)."""

    name: ClassVar[EventName] = "rest_ended"
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Back(Event):
    """Back: the step restarts, or the one before starts (``to_index``)."""

    name: ClassVar[EventName] = "back"
    to_index: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCompleted(Event):
    """Every step done."""

    name: ClassVar[EventName] = "session_completed"
    active_seconds: float
    elapsed_seconds: float
    skipped_steps: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStopped(Event):
    """Stopped before the end (``reason``: user, SIGTERM...): kept as partial."""

    name: ClassVar[EventName] = "session_stopped"
    reason: str
    status: Literal["partial"]
    active_seconds: float
    elapsed_seconds: float
    skipped_steps: int


_COMPLETIONS: dict[str, type[Event]] = {
    "rep": RepCompleted,
    "set": SetCompleted,
    "side": SideCompleted,
    "exercise": ExerciseCompleted,
}


Listener = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class EarlyEnd:
    """What :meth:`SessionRunner.end_early` would end now, and how much is done."""

    what: EarlyWhat
    done: float
    """Seconds held (a hold), reps done in the set, or sets done (an exercise)."""
    minimum: float
    """The range's ``min``, reached by ``done``."""
    last: int
    """The last step it ends (its completions are counted); the session goes on after it."""
    units: tuple[str, ...]
    """What ending counts as completed: the last step's completions, less the unfinished."""


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
        wait_as_needed: bool = False,
    ) -> None:
        self.timeline = timeline
        self.clock = clock
        self.countdown = countdown
        self.suspend_threshold = suspend_threshold
        self.wait_as_needed = wait_as_needed
        """Whether an as-needed rest waits for :meth:`go_on` (someone is there to say so);
        else it lasts its planned length (:data:`coach.program.model.AS_NEEDED_SECONDS`)."""
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

    @property
    def waiting(self) -> bool:
        """Whether the session waits at an as-needed rest for the person to :meth:`go_on`."""
        step = self.current
        return self._running and self.wait_as_needed and step is not None and step.as_needed

    def waited(self) -> float:
        """Seconds in the current step so far (pauses left out): an as-needed rest's length."""
        if self._index >= len(self._steps):
            return 0.0
        now = self._paused_at if self._paused_at is not None else self.clock.monotonic()
        return max(0.0, now - (self._origin + self._offsets[self._index]))

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
        self._emit(Paused, index=self._index, reason=reason)
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
        self._emit(Resumed, index=self._index, paused_seconds=round(paused_for, 4))
        self._wake()

    def toggle_pause(self) -> None:
        """Pause a running session, resume a paused one."""
        if self.paused:
            self.resume()
        else:
            self.pause()

    def go_on(self) -> None:
        """Ready: end the as-needed rest the session waits at, and start the next step."""
        if not self.waiting:
            return
        index = self._index
        waited = round(self.waited(), 4)
        self._emit(RestEnded, index=index, step=self._steps[index], seconds=waited)
        self._jump(index + 1)

    def ready_or_pause(self) -> None:
        """Space: at an as-needed rest, ready (:meth:`go_on`); elsewhere pause or resume."""
        if self.waiting and not self.paused:
            self.go_on()
        else:
            self.toggle_pause()

    def skip_step(self) -> None:
        """End the current step now and start the next."""
        if not self._running or self._index >= len(self._steps):
            return
        self._skipped.append(self._index)
        self._emit(Skipped, index=self._index, step=self._steps[self._index], what="step")
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
        self._emit(Skipped, index=self._index, step=self._steps[self._index], what="exercise")
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
        self._emit(Back, index=self._index, step=self._steps[self._index], to_index=target)
        self._jump(target)

    def can_end_early(self) -> EarlyEnd | None:
        """What "enough" would end now, or None when no range has reached its minimum.

        The innermost first: a ranged hold (or timed work) held for its
        ``min``; then a set whose reps reached the reps' ``min``; then an
        exercise (a side, for ``sides = "each"``) whose sets reached the sets'
        ``min``. A rep, set or side in progress is not counted.
        """
        if not self._running or self._index >= len(self._steps):
            return None
        index = self._index
        step = self._steps[index]
        exercise = self.timeline.program.exercises[step.exercise_index]
        units = self._completions
        if step.kind == "work" and step.phase in (None, "Hold"):
            length = exercise.duration if step.phase is None else exercise.hold
            if isinstance(length, SecondsRange):
                now = self._paused_at if self._paused_at is not None else self.clock.monotonic()
                held = now - (self._origin + self._offsets[index])
                if held >= lowest(length):
                    kept = tuple(units[index])
                    return EarlyEnd("hold", round(held, 1), lowest(length), index, kept)
        if isinstance(exercise.reps, CountRange):
            last = self._last_work(index, "set")
            if last is not None:
                done = self._done_before(index, "rep", self._set_key, last)
                if done >= exercise.reps.min:
                    kept = tuple(unit for unit in units[last] if unit != "rep")
                    return EarlyEnd("set", done, exercise.reps.min, last, kept)
        if isinstance(exercise.sets, CountRange):
            last = self._last_work(index, "side", "exercise")
            if last is not None:
                done = self._done_before(index, "set", self._pass_key, last)
                if done >= exercise.sets.min:
                    kept = tuple(unit for unit in units[last] if unit not in ("rep", "set"))
                    return EarlyEnd("exercise", done, exercise.sets.min, last, kept)
        return None

    def end_early(self) -> EarlyEnd | None:
        """Say "enough": end what :meth:`can_end_early` names, counted as done; else nothing."""
        early = self.can_end_early()
        if early is None:
            return None
        index = self._index
        self._emit(
            EndedEarly, index=index, step=self._steps[index], what=early.what, done=early.done
        )
        for unit in early.units:
            self._emit(_COMPLETIONS[unit], index=early.last, step=self._steps[early.last])
        self._jump(early.last + 1)
        return early

    def _pass_key(self, index: int) -> tuple[int, str | None]:
        """The exercise and, for ``sides = "each"``, the side a step's work belongs to."""
        step = self._steps[index]
        sides = self.timeline.program.exercises[step.exercise_index].sides
        return step.exercise_index, step.side if sides == "each" else None

    def _set_key(self, index: int) -> tuple[Any, ...]:
        return (*self._pass_key(index), self._steps[index].set)

    def _done_before(self, index: int, unit: str, key: Callable[[int], Any], last: int) -> int:
        """How many ``unit`` completions before ``index`` share ``key`` with step ``last``."""
        exercise = self._steps[index].exercise_index
        first = index
        while first > 0 and self._steps[first - 1].exercise_index == exercise:
            first -= 1
        wanted = key(last)
        return sum(
            1 for k in range(first, index) if unit in self._completions[k] and key(k) == wanted
        )

    def _last_work(self, index: int, *ends: str) -> int | None:
        """The first work step from ``index`` on, in the same exercise, that completes ``ends``."""
        exercise = self._steps[index].exercise_index
        for k in range(index, len(self._steps)):
            if self._steps[k].exercise_index != exercise:
                return None
            if any(unit in self._completions[k] for unit in ends):
                return k
        return None

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
            SessionStarted,
            program=self.timeline.program.id,
            title=self.timeline.program.title,
            total_seconds=json_seconds(self.timeline.total_seconds),
            steps=len(self._steps),
            started_at=self.clock.now().isoformat(),
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
            self._emit(SessionCompleted, **summary)
        else:
            inside = self._index < len(self._steps)
            self._emit(
                SessionStopped,
                index=self._index if inside else None,
                step=self._steps[self._index] if inside else None,
                reason=self._stop_reason or "user",
                status="partial",
                **summary,
            )
        return result

    async def _tick(self) -> None:
        if self._paused_at is not None or self.waiting:
            await self._sleep(None)  # until a control: resume, go on, skip, stop
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
            self._emit(Countdown, index=self._index, seconds_left=self._next_countdown)
            self._next_countdown -= 1
            return
        if now >= deadline:
            self._finish_step(deadline)

    def _suspended(self, *, asleep_from: float, now: float) -> None:
        """The machine slept: pause at the step we were in, as of when we fell asleep."""
        self._paused_at = asleep_from
        self._emit(
            Paused, index=self._index, reason="suspend", asleep_seconds=round(now - asleep_from, 3)
        )

    def _finish_step(self, deadline: float) -> None:
        index = self._index
        step = self._steps[index]
        for unit in self._completions[index]:
            self._emit(_COMPLETIONS[unit], index=index, step=step)
        self._index = index + 1
        if self._index < len(self._steps):
            self._start_step(deadline)

    def _start_step(self, planned: float) -> None:
        step = self._steps[self._index]
        waits = self.wait_as_needed and step.as_needed
        # Count down only the seconds that fit inside the step (none where it waits).
        self._next_countdown = (
            0 if waits else min(self.countdown, max(0, math.ceil(step.seconds) - 1))
        )
        now = self.clock.monotonic()
        self._emit(
            StepStarted,
            index=self._index,
            step=step,
            planned_start=round(planned - self._start, 4),
            actual_start=round(now - self._start, 4),
            waiting=True if waits else None,
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

    def _emit(self, kind: type[Event], **fields: Any) -> None:
        event = kind(t=self.clock.monotonic() - self._start, **fields)
        for listener in list(self._listeners):
            listener(event)
