"""Hosting the break timers: ``coach remind`` and the app's break prompts.

:class:`BreakHost` is what both share. It keeps no state of its own: each
time it looks (:meth:`BreakHost.sync`) it reads the shared state from the
history database, brings it up to ``now`` (time asleep, a completed session,
idle time), applies an answer if there is one, and writes it back, all in one
transaction. So the app and a ``coach remind`` running at the same time
agree, and a restart picks up where the last one stopped.

:class:`Reminder` is the ``coach remind`` loop: it sleeps until the next
deadline (in steps of at most a minute, which only read the clock, so
that a suspend is noticed on waking), then tells the person (a desktop
notification, the terminal bell, a line on stdout, and ``--exec CMD``) and
goes back to sleep. SIGINT and SIGTERM end it cleanly.

Imports only the standard library and coach's lean modules: a waiting
reminder should cost next to nothing, in CPU and memory. Its settings come
from a short-lived child process (``coach remind --print-config``), so
pydantic never loads into the long-lived one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from coach.breaks.scheduler import (
    LATE_IS_ASLEEP,
    BreakPolicy,
    BreakScheduler,
    Due,
    Kind,
    describe_due,
)
from coach.clock import Clock, sleep_until_or
from coach.files import LinkRefused, open_private, private_folder
from coach.history.calendar import DEFAULT_DAY_START, local_day
from coach.history.store import (
    HOSTS_LOCK,
    BreakRecord,
    BreakUpdate,
    HistoryError,
    HistoryStore,
    hosts_running,
    lock_is_held,
)
from coach.program.durations import format_duration
from coach.text import json_text, visible

HEARTBEAT = 60.0
"""The longest a waiting reminder sleeps in one go (see :meth:`Reminder._wait_until`)."""

REMIND_LOCK = "remind.lock"
"""``coach remind`` holds this one alone: one reminder per history."""


class IdleReader(Protocol):
    """Something that can tell how long the person has been idle (see :mod:`coach.breaks.idle`)."""

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

    def sync(self, answer: Callable[[BreakScheduler, float], bool | None] | None = None) -> Look:
        """Look now: bring the shared state up to date, apply ``answer``, save.

        ``answer(scheduler, now)`` may change the scheduler (postpone, skip,
        take); returning False means it could not (the look's ``answered``).
        """
        now = self.clock.monotonic()
        wall = self.clock.now()
        idle = self._read_idle()
        asleep = 0.0
        if self.planned is not None and now - self.planned > LATE_IS_ASLEEP:
            asleep = now - self.planned
        look: list[Look] = []

        def act(state: dict[str, Any] | None, session_end: datetime | None) -> BreakUpdate:
            scheduler, _ = BreakScheduler.from_state(self.policy, state, now, wall, self.boot)
            gap = asleep
            if self._first and state is not None and not self._others_running:
                # Nobody kept the timers since they were saved: that time is unknown,
                # not work (a restart within a break's length keeps them running).
                gap = max(gap, now - scheduler.last_seen)
            scheduler.observe(now, self._day(wall), asleep=gap, idle=idle)
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
            look.append(Look(scheduler, now, scheduler.due(now), natural, limit, answered))
            return BreakUpdate(scheduler.to_state(now, wall, self.boot), events)

        self.store.update_breaks(act)
        self._first = False
        return look[0]

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


# --------------------------------------------------------------------------- the daemon


@dataclass(frozen=True)
class RemindConfig:
    """What ``coach remind`` needs from the settings (see :func:`config_json`)."""

    policy: BreakPolicy
    data_dir: Path
    day_start: time
    bell: bool


def config_json(settings: Any, titles: Mapping[str, str]) -> dict[str, Any]:
    """The settings ``coach remind`` needs, as JSON, from full
    :class:`coach.config.settings.Settings`."""
    from coach.config.settings import effective_data_dir

    policy = BreakPolicy.from_settings(settings.breaks).with_titles(titles)
    return {
        "policy": policy.to_json(),
        "data_dir": str(effective_data_dir(settings)),
        "day_start": settings.history.day_start,
        "bell": bool(settings.cues.bell and not settings.cues.quiet),
    }


def config_from_json(data: Mapping[str, Any]) -> RemindConfig:
    """The :class:`RemindConfig` :func:`config_json` wrote."""
    hours, minutes = str(data["day_start"]).split(":")
    return RemindConfig(
        BreakPolicy.from_json(data["policy"]),
        Path(data["data_dir"]),
        time(int(hours), int(minutes)),
        bool(data["bell"]),
    )


def read_config(overrides: Sequence[str]) -> RemindConfig:
    """The settings, read and validated by a short-lived ``coach`` child process.

    Validating settings takes pydantic (~15 MiB that would stay for the
    reminder's whole life); the child pays that once and exits. Raises
    :class:`RemindError` with the child's message.
    """
    argv = [sys.executable, "-m", "coach"]
    for item in overrides:
        argv += ["--set", item]
    argv += ["remind", "--print-config"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RemindError(result.stderr.strip() or f"coach exited with {result.returncode}")
    try:
        return config_from_json(json.loads(result.stdout))
    except (ValueError, KeyError, TypeError) as error:
        raise RemindError(f"could not read the settings: {error}") from None


class RemindError(Exception):
    """``coach remind`` cannot start; the message says why."""


class Notifier(Protocol):
    """A desktop notification sender (see :mod:`coach.notify`)."""

    @property
    def name(self) -> str:
        """Which kind of sender."""
        ...

    def send(
        self, title: str, body: str, *, urgency: Literal["low", "normal", "critical"] = "normal"
    ) -> bool:
        """Show a notification; False if it could not."""
        ...


class Reminder:
    """The ``coach remind`` loop (see the module docstring)."""

    def __init__(
        self,
        host: BreakHost,
        *,
        out: TextIO,
        json_lines: bool = False,
        bell: TextIO | None = None,
        notifier: Notifier | None = None,
        exec_command: str | None = None,
        once: bool = False,
    ) -> None:
        self.host = host
        self.out = out
        self.json_lines = json_lines
        self.bell = bell
        self.notifier = notifier
        self.exec_command = exec_command
        self.once = once
        self.fired: list[Due] = []
        self.stopped_by: int | None = None
        """The signal that stopped the loop, if one did."""
        self._stop = asyncio.Event()
        self._hooks: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []

    def stop(self, signum: int | None = None) -> None:
        """End the loop at once (from a signal handler, with its number, or a test)."""
        self.stopped_by = signum
        self._stop.set()

    async def run(self) -> int:
        """Wait for breaks and tell the person, until stopped (or one break, with ``once``)."""
        clock = self.host.clock
        look = self.host.sync()
        self._report_look(look)
        while not self._stop.is_set():
            if look.due is not None:
                due = look.due
                look = self.host.take(due.kind, outcome="reminded")
                self._fire(due)
                if self.once:
                    break
            wake = look.scheduler.wake_at()
            upcoming = look.scheduler.next_due()
            due_in = max(0.0, upcoming.at - look.now)
            due_at = clock.now() + timedelta(seconds=due_in)
            self._say(
                "waiting",
                f"next: {_kind_name(upcoming.kind)} in {format_duration(round(due_in))}"
                f" (at {due_at.astimezone():%H:%M})",
                kind=upcoming.kind,
                due_in_seconds=round(due_in, 3),
                due_at=due_at.astimezone().isoformat(timespec="milliseconds"),
            )
            self.host.planned = await self._wait_until(wake)
            if self._stop.is_set():
                break
            self._reap()
            look = self.host.sync()
            self.host.planned = None
            self._report_look(look)
        self._finish()
        if self.once and not self.fired and self.stopped_by is not None:
            return 128 + self.stopped_by  # stopped before the break: not "done"
        return 0

    async def _wait_until(self, wake: float) -> float:
        """Sleep until ``wake`` (or a stop); returns when this last meant to wake.

        The event loop's timers stop while the machine is suspended, and the
        scheduler's clock does not; so the wait is cut into steps of at most
        :data:`HEARTBEAT`, and a step that ends much later than planned means
        the machine slept: the caller looks at once, and starts the timers
        afresh if the sleep was long. A step costs a clock reading, nothing more.
        """
        clock = self.host.clock
        while True:
            step = min(wake, clock.monotonic() + HEARTBEAT)
            await sleep_until_or(clock, step, self._stop)
            now = clock.monotonic()
            if self._stop.is_set() or now >= wake or now - step > LATE_IS_ASLEEP:
                return step

    def _report_look(self, look: Look) -> None:
        for kind in look.natural:
            self._say("natural", f"{_kind_name(kind)} taken naturally (idle)", kind=kind)
        if look.limit_reached:
            limit = look.scheduler.policy.daily_limit or 0
            text = f"{format_duration(limit)} at work today: time to stop for the day?"
            self._say("limit", text, daily_limit_seconds=limit)
            if self.notifier is not None:
                self._notify("Daily limit reached", text, "normal")

    def _fire(self, due: Due) -> None:
        self.fired.append(due)
        title, body = describe_due(due)
        self._say(
            "break",
            f"{title}: {body}",
            kind=due.kind,
            length_seconds=due.length,
            program=due.program,
        )
        if self.bell is not None:
            with contextlib.suppress(OSError, ValueError):
                self.bell.write("\a")
                self.bell.flush()
        if self.notifier is not None:
            self._notify(title, body, "critical" if due.kind == "rest" else "normal")
        if self.exec_command:
            self._run_hook(due)

    def _notify(self, title: str, body: str, urgency: Literal["normal", "critical"]) -> None:
        """Send on a thread: a slow notification server must not hold up a signal."""
        notifier = self.notifier
        if notifier is None:
            return

        def send() -> None:
            if not notifier.send(title, body, urgency=urgency):
                reason = getattr(notifier, "last_failure", None) or "no reason given"
                self._say("error", f"the desktop notification failed: {reason}")

        thread = threading.Thread(target=send, name="coach-notify", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _run_hook(self, due: Due) -> None:
        env = dict(os.environ)
        env["COACH_BREAK_KIND"] = due.kind
        env["COACH_BREAK_PROGRAM"] = due.program or ""
        env["COACH_BREAK_LENGTH"] = str(round(due.length))
        try:
            self._hooks.append(
                subprocess.Popen(  # the user's own command line, as a shell hook is
                    self.exec_command or "",
                    shell=True,
                    env=env,
                    stdin=subprocess.DEVNULL,
                )
            )
        except OSError as error:
            self._say("error", f"--exec could not run: {error}")

    def _reap(self) -> None:
        for hook in list(self._hooks):
            code = hook.poll()
            if code is not None:
                self._hooks.remove(hook)
                if code != 0:
                    self._say("error", f"--exec command exited with {code}")

    def _finish(self) -> None:
        for thread in self._threads:
            thread.join(timeout=6)
        for hook in self._hooks:
            with contextlib.suppress(subprocess.TimeoutExpired):
                hook.wait(timeout=5)
        self._hooks.clear()
        with contextlib.suppress(HistoryError):
            self.host.close()
        self._say("stopped", "stopped")

    def _say(self, event: str, text: str, **data: Any) -> None:
        stamp = self.host.clock.now().astimezone()
        try:
            if self.json_lines:
                at = stamp.isoformat(timespec="milliseconds")
                record = {"event": event, "at": at, "message": text, **data}
                self.out.write(json_text(record) + "\n")
            else:
                self.out.write(f"{stamp:%H:%M:%S} {visible(text, newlines=False)}\n")
            self.out.flush()
        except (OSError, ValueError):
            pass  # nobody reads stdout any more; the reminder goes on


def _kind_name(kind: str) -> str:
    return "micro-break" if kind == "micro" else "rest break"


def run_remind(
    config: RemindConfig,
    *,
    json_lines: bool,
    exec_command: str | None,
    once: bool,
    notify: bool,
    bell: bool,
) -> int:
    """``coach remind``: the foreground reminder, until SIGINT/SIGTERM (or one break)."""
    from coach.clock import SystemClock

    try:
        single = HostClaim(config.data_dir, REMIND_LOCK, exclusive=True)
    except LinkRefused as error:
        print(f"coach remind: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if remind_pid(config.data_dir) is None:
            print(
                f"coach remind: cannot take {config.data_dir / REMIND_LOCK}: "
                f"{error.strerror or error}",
                file=sys.stderr,
            )
            return 1
        pid = remind_pid(config.data_dir) or "?"
        print(
            f"coach remind: already running for {config.data_dir} (pid {pid}); "
            "stop that one first, or give this one another data_dir",
            file=sys.stderr,
        )
        return 1
    notifier = None
    if notify:
        from coach.notify import find_notifier

        notifier = find_notifier()
    idle = None
    if config.policy.idle_detection:
        from coach.breaks.idle import find_idle_probe

        idle = find_idle_probe()
    try:
        store = HistoryStore.in_folder(config.data_dir)
    except HistoryError as error:
        single.release()
        print(f"coach remind: {visible(str(error))}", file=sys.stderr)
        return 1
    host = BreakHost(store, config.policy, SystemClock(), day_start=config.day_start, idle=idle)
    reminder = Reminder(
        host,
        out=sys.stdout,
        json_lines=json_lines,
        bell=_terminal() if bell and config.bell else None,
        notifier=notifier,
        exec_command=exec_command,
        once=once,
    )

    async def main() -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, reminder.stop, int(signum))
        return await reminder.run()

    try:
        return asyncio.run(main())
    except HistoryError as error:
        print(f"coach remind: {visible(str(error))}", file=sys.stderr)
        return 1
    finally:
        single.release()
        store.close()
        if idle is not None:
            idle.close()


def _terminal() -> TextIO | None:
    """Where the bell rings: stdout if it is a terminal, else the controlling terminal."""
    if sys.stdout.isatty():
        return sys.stdout
    return None
