"""Clocks: the real one, and a fake one that tests move by hand.

The engine reads time only through a :class:`Clock`, so pacing is testable
without sleeping and immune to wall-clock changes:

- ``monotonic()`` paces sessions. On Linux it is ``CLOCK_BOOTTIME``, which
  (unlike ``CLOCK_MONOTONIC``) keeps counting while the machine is suspended:
  that is how the engine notices a laptop lid closed mid-hold. NTP, time zone
  and daylight-saving changes never move it.
- ``now()`` is the wall clock (aware, UTC), used only to record when a session
  happened, never to pace it.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio

# asyncio is imported where it is used: `coach status` reads the clock on every
# shell prompt, and importing asyncio costs it ~10 MiB and ~15 ms.


class Clock(Protocol):
    """What the engine needs to know about time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back and counts time asleep."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``monotonic()`` has reached ``deadline`` (it may return later)."""
        ...

    def boot_id(self) -> str | None:
        """Which boot ``monotonic()`` counts from (None when it can't be told)."""
        ...


async def sleep_until_or(clock: Clock, deadline: float, event: asyncio.Event) -> None:
    """Sleep until ``deadline`` on ``clock``, or until ``event`` is set, whichever comes first."""
    import asyncio

    sleeper = asyncio.ensure_future(clock.sleep_until(deadline))
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


#: The last part of a sleep that is done with a precise blocking sleep (seconds).
FINE_SLEEP = 0.003


def _suspend_aware_clock() -> int | None:
    clock_id = getattr(time, "CLOCK_BOOTTIME", None)
    if clock_id is None:
        return None
    try:
        time.clock_gettime(clock_id)
    except OSError:
        return None
    return int(clock_id)


class SystemClock:
    """The real clock."""

    def __init__(self) -> None:
        self._clock_id = _suspend_aware_clock()

    def monotonic(self) -> float:
        """``CLOCK_BOOTTIME`` where the system has it, else ``time.monotonic()``."""
        if self._clock_id is not None:
            return time.clock_gettime(self._clock_id)
        return time.monotonic()

    def now(self) -> datetime:
        """The wall clock, in UTC."""
        return datetime.now(UTC)

    def boot_id(self) -> str | None:
        """Which boot ``monotonic()`` counts from, so another process can compare readings.

        Linux's ``CLOCK_BOOTTIME`` starts at each boot, and the kernel names the
        boot; elsewhere None (readings from another process are then compared
        by the wall clock).
        """
        if self._clock_id is None:
            return None
        try:
            with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
                return file.read().strip() or None
        except OSError:
            return None

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until ``deadline``: one event-loop timer, then at most a few ms of nanosleep.

        The event loop's timers wake up to ~2 ms late (epoll waits in whole
        milliseconds, rounded up). So the loop sleeps until :data:`FINE_SLEEP`
        before the deadline and a blocking ``time.sleep`` (a high-resolution
        nanosleep, not a busy wait) covers the rest: the loop is held for at
        most that long, once per step, and steps start within a fraction of a
        millisecond of their deadline.
        """
        delay = deadline - self.monotonic()
        if delay > FINE_SLEEP:
            import asyncio

            await asyncio.sleep(delay - FINE_SLEEP)
            delay = deadline - self.monotonic()
        if 0 < delay <= FINE_SLEEP:
            time.sleep(delay)  # noqa: ASYNC251 - bounded by FINE_SLEEP; see the docstring


class FakeClock:
    """A clock that only moves when a test says so.

    ``advance()`` moves time forward like a real clock would, waking each
    sleeper at its own deadline in order; ``suspend()`` jumps forward without
    waking anyone on the way, as a machine that was asleep; ``set_wall()``
    changes the wall clock only.
    """

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self._now = start
        self._wall_offset = (wall or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) - timedelta(
            seconds=start
        )
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        """The fake time."""
        return self._now

    def now(self) -> datetime:
        """The fake wall clock, which moves with ``monotonic()`` unless ``set_wall`` moved it."""
        return self._wall_offset + timedelta(seconds=self._now)

    def boot_id(self) -> str | None:
        """One boot for the fake clock's whole life."""
        return "fake-boot"

    def set_wall(self, wall: datetime) -> None:
        """Change the wall clock (an NTP step, a time-zone change) without moving time."""
        self._wall_offset = wall - timedelta(seconds=self._now)

    async def sleep_until(self, deadline: float) -> None:
        """Wait for a test to move the clock past ``deadline``."""
        import asyncio

        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((deadline, future))
        try:
            await future
        finally:
            self._sleepers = [(d, f) for d, f in self._sleepers if f is not future]

    @property
    def next_deadline(self) -> float | None:
        """The earliest deadline anyone is sleeping until, or None."""
        pending = [d for d, f in self._sleepers if not f.done()]
        return min(pending) if pending else None

    async def settle(self) -> None:
        """Let every task that can run, run (a few loop iterations)."""
        import asyncio

        for _ in range(30):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking sleepers at their deadlines in order."""
        target = self._now + seconds
        await self.settle()
        while True:
            deadline = self.next_deadline
            if deadline is None or deadline > target:
                break
            self._now = max(self._now, deadline)
            for due, future in list(self._sleepers):
                if due <= self._now and not future.done():
                    future.set_result(None)
            await self.settle()
        self._now = target
        await self.settle()

    async def run_until_idle(self, limit: float = 10 * 24 * 3600) -> None:
        """Advance from deadline to deadline until nobody sleeps (or ``limit`` seconds pass)."""
        end = self._now + limit
        await self.settle()
        while (deadline := self.next_deadline) is not None and deadline <= end:
            await self.advance(deadline - self._now)

    async def suspend(self, seconds: float) -> None:
        """Jump forward as a machine that slept: sleepers wake only afterwards, late."""
        self._now += seconds
        for due, future in list(self._sleepers):
            if due <= self._now and not future.done():
                future.set_result(None)
        await self.settle()
