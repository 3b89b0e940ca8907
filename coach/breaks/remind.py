"""``coach remind``: the break reminder daemon, a loop around :class:`coach.breaks.host.BreakHost`.

:class:`Reminder` sleeps until the next deadline (in steps of at most a
minute, which only read the clock, so that a suspend is noticed on waking),
then tells the person (a desktop notification, the terminal bell, a line on
stdout, and ``--exec CMD``) and goes back to sleep. SIGINT and SIGTERM end
it cleanly. When desktop notifications will not show (no notifier, or no
notification server answering on the bus), it says so once at start, with
why, as a ``notice`` line.

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

from coach.breaks.dnd import DndReader, find_dnd_reader
from coach.breaks.host import (
    HEARTBEAT,
    PAUSE_IDLE,
    REMIND_LOCK,
    BreakHost,
    HostClaim,
    Look,
    remind_pid,
)
from coach.breaks.pause import format_until
from coach.breaks.scheduler import (
    LATE_IS_ASLEEP,
    BreakPolicy,
    Due,
    Kind,
)
from coach.breaks.sessions import Prescribed, announcement, describe, next_announcements
from coach.breaks.words import (
    BreakProgram,
    IdeaTurns,
    break_words,
    programs_from_json,
    programs_json,
)
from coach.clock import sleep_until_or
from coach.files import LinkRefused
from coach.history.calendar import local_day
from coach.history.records import HistoryError
from coach.history.store import HistoryStore
from coach.program.durations import format_duration
from coach.text import json_text, visible


@dataclass(frozen=True)
class RemindConfig:
    """What ``coach remind`` needs from the settings (see :func:`config_json`)."""

    policy: BreakPolicy
    data_dir: Path
    day_start: time
    bell: bool
    sounds: bool = False
    """Play the session sounds (the end chime when a break is over)."""
    prescribed: tuple[Prescribed, ...] = ()
    """Programs whose sessions are due at set times (``[program.schedule] times``)."""
    sync_dir: Path | None = None
    """``history.sync_dir``: the history syncs through it while the reminder runs."""
    programs: Mapping[str, BreakProgram] = field(default_factory=dict)
    """The break programs' titles, lengths and summaries, for the words."""
    micro_ideas: tuple[str, ...] = ()
    """``breaks.micro_ideas``."""


def config_json(
    settings: Any,
    titles: Mapping[str, str],
    programs: Mapping[str, BreakProgram] | None = None,
    prescribed: Sequence[Prescribed] = (),
) -> dict[str, Any]:
    """The settings ``coach remind`` needs, as JSON, from full
    :class:`coach.config.settings.Settings` (and the break programs, from the library)."""
    from coach.config.settings import effective_data_dir

    policy = BreakPolicy.from_settings(settings.breaks).with_titles(titles)
    return {
        "policy": policy.to_json(),
        "data_dir": str(effective_data_dir(settings)),
        "day_start": settings.history.day_start,
        "bell": bool(settings.cues.bell and not settings.cues.quiet),
        "sounds": bool(settings.cues.sounds and not settings.cues.quiet),
        "prescribed": [program.to_json() for program in prescribed],
        "sync_dir": None if settings.history.sync_dir is None else str(settings.history.sync_dir),
        "programs": programs_json(programs or {}),
        "micro_ideas": list(settings.breaks.micro_ideas),
    }


def config_from_json(data: Mapping[str, Any]) -> RemindConfig:
    """The :class:`RemindConfig` :func:`config_json` wrote."""
    hours, minutes = str(data["day_start"]).split(":")
    return RemindConfig(
        BreakPolicy.from_json(data["policy"]),
        Path(data["data_dir"]),
        time(int(hours), int(minutes)),
        bool(data["bell"]),
        bool(data.get("sounds", False)),
        tuple(Prescribed.from_json(item) for item in data.get("prescribed", ())),
        None if data.get("sync_dir") is None else Path(data["sync_dir"]),
        programs_from_json(data.get("programs", {})),
        tuple(str(idea) for idea in data.get("micro_ideas", ())),
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


SAMPLE = 5.0
"""Seconds between idle readings while counting active time (a reading costs one X11
round trip, about 0.1 ms)."""

DND_RETRY = 30.0
"""Seconds between readings of do-not-disturb while a due break waits for it to end."""

Player = Callable[[], None]
"""Plays the session's end chime (see :class:`coach.session.audio.SoundPlayer`)."""


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
        prescribed: Sequence[Prescribed] = (),
        play_end: Player | None = None,
        dnd: DndReader | None = None,
        cannot_notify: tuple[str, str | None] | None = None,
        programs: Mapping[str, BreakProgram] | None = None,
        ideas: IdeaTurns | None = None,
    ) -> None:
        self.host = host
        self.out = out
        self.json_lines = json_lines
        self.bell = bell
        self.notifier = notifier
        self.exec_command = exec_command
        self.once = once
        self.prescribed = tuple(prescribed)
        self.play_end = play_end
        self.dnd = dnd
        """Reads the desktop's do-not-disturb (:mod:`coach.breaks.dnd`), where it can."""
        self.cannot_notify = cannot_notify
        self.programs: Mapping[str, BreakProgram] = programs or {}
        """The break programs' titles, lengths and summaries (from the library)."""
        """Why desktop notifications will not show, and how to fix it: said once at start."""
        self.ideas = ideas or IdeaTurns(())
        """The micro-break ideas, in turn."""
        self.fired: list[Due] = []
        self.stopped_by: int | None = None
        """The signal that stopped the loop, if one did."""
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._hooks: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []
        self._warned: tuple[Kind, float] | None = None
        """The break last warned of (kind, when due), so each is warned of once."""
        self._over: tuple[Kind, float] | None = None
        """The break told of, and when it is over (for ``break_over``)."""
        self._paused: datetime | None = None
        """The pause last said (``paused``), until ``resumed`` is said."""
        self._waiting: tuple[Kind, float] | None = None
        self._next_sessions: list[tuple[datetime, Prescribed, int]] = []

    def stop(self, signum: int | None = None) -> None:
        """End the loop at once (from a signal handler, with its number, or a test)."""
        self.stopped_by = signum
        self._stop.set()
        self._wake.set()

    def kick(self) -> None:
        """Look again now (``coach pause`` and ``coach resume`` send SIGUSR1)."""
        self._wake.set()

    async def run(self) -> int:
        """Wait for breaks and tell the person, until stopped (or one break, with ``once``)."""
        clock = self.host.clock
        self._report_cannot_notify()
        look = self.host.sync()
        self._next_sessions = next_announcements(self.prescribed, clock.now())
        self._report_look(look)
        while not self._stop.is_set():
            if look.due is not None:
                due = look.due
                if await self._hold(due):
                    look = self.host.sync()  # held for a pause: answered elsewhere meanwhile?
                    self._report_look(look)
                    if look.due is None or self._stop.is_set():
                        continue
                    due = look.due
                look = self.host.take(due.kind, outcome="reminded")
                self._fire(due)
                if self.once:
                    break
            wake = self._plan(look)
            self.host.planned = await self._wait_until(wake)
            if self._stop.is_set():
                break
            self._reap()
            look = self.host.sync()
            self.host.planned = None
            self._report_look(look)
            self._timed(look)
        self._finish()
        if self.once and not self.fired and self.stopped_by is not None:
            return 128 + self.stopped_by  # stopped before the break: not "done"
        return 0

    def _plan(self, look: Look) -> float:
        """Say what comes next (once per break), and when to wake for it or anything sooner."""
        clock = self.host.clock
        scheduler = look.scheduler
        upcoming = scheduler.next_due()
        due_in = max(0.0, upcoming.at - look.now)
        if self._waiting != (upcoming.kind, round(upcoming.at, 1)):
            self._waiting = (upcoming.kind, round(upcoming.at, 1))
            due_at = clock.now() + timedelta(seconds=due_in)
            self._say(
                "waiting",
                f"next: {_kind_name(upcoming.kind)} in {format_duration(round(due_in))}"
                f" (at {due_at.astimezone():%H:%M})",
                kind=upcoming.kind,
                due_in_seconds=round(due_in, 3),
                due_at=due_at.astimezone().isoformat(timespec="milliseconds"),
            )
        wakes = [scheduler.wake_at()]
        warn = scheduler.warning_at()
        if warn is not None and self._warned != (upcoming.kind, upcoming.at):
            if warn <= look.now:
                self._warn(upcoming.kind, upcoming.at - look.now, upcoming.at)
            else:
                wakes.append(warn)
        if self._over is not None:
            wakes.append(self._over[1])
        if self._next_sessions:
            wakes.append(look.now + (self._next_sessions[0][0] - clock.now()).total_seconds())
        return min(wakes)

    def _timed(self, look: Look) -> None:
        """Whatever fell due at this look: a warning, a break's end, a prescribed session."""
        clock = self.host.clock
        scheduler, now = look.scheduler, look.now
        if self._over is not None and now >= self._over[1] - 0.001:
            kind, _ = self._over
            self._over = None
            self._say("break_over", f"Break over: {_kind_name(kind)} done", kind=kind)
            if self.play_end is not None:
                self.play_end()
        upcoming = scheduler.next_due()
        warn = scheduler.warning_at()
        if (
            warn is not None
            and warn <= now < upcoming.at
            and self._warned != (upcoming.kind, upcoming.at)
            and not scheduler.paused(now)
            and scheduler.in_hours(upcoming.at)
        ):
            self._warn(upcoming.kind, upcoming.at - now, upcoming.at)
        wall = clock.now()
        while self._next_sessions and self._next_sessions[0][0] <= wall:
            batch = self._next_sessions
            self._next_sessions = next_announcements(self.prescribed, batch[0][0])
            for when, program, index in batch:
                if not scheduler.paused(now):
                    self._session_due(program, index, when)

    def _warn(self, kind: Kind, due_in: float, at: float) -> None:
        self._warned = (kind, at)
        if due_in < 0.5:
            return  # too late to warn: the break itself comes now
        seconds = round(due_in)
        name = "Micro-break" if kind == "micro" else "Rest break"
        text = f"{name} in {seconds} s"
        self._say("warning", text, kind=kind, due_in_seconds=seconds)
        if self.notifier is not None and not self._dnd_on():
            self._notify(text, "Finish what you are typing.", "low")

    def _session_due(self, program: Prescribed, index: int, when: datetime) -> None:
        store = self.host.store
        day = local_day(when, self.host.day_start)
        try:
            done = store.completed_on(program.program, day)
            first = store.first_day(program.program)
        except HistoryError as error:
            self._say("error", f"could not read the history: {error}")
            return
        told = announcement(program, index, day, done, first)
        if told is None:
            return
        text = describe(program, *told)
        self._say(
            "session_due",
            text,
            program=program.program,
            done_today=told[0],
            prescribed_today=told[1],
        )
        if self.notifier is not None and not self._dnd_on():
            self._notify(text, f"coach run {program.program}", "normal")

    async def _hold(self, due: Due) -> bool:
        """Hold a due break while do-not-disturb is on, then for a pause in typing; True if held.

        The pause in typing only where idle time can be read and
        ``breaks.start_on_pause`` is on: the break starts once input has
        stopped for :data:`PAUSE_IDLE` seconds, or after ``max_wait``.
        """
        waited = await self._while_dnd()
        policy = self.host.policy
        if not policy.start_on_pause or self.host.idle is None or self._stop.is_set():
            return waited
        clock = self.host.clock
        give_up = clock.monotonic() + policy.max_wait
        while not self._stop.is_set():
            idle = self.host.read_idle()
            now = clock.monotonic()
            if idle is None or idle >= PAUSE_IDLE or now >= give_up:
                return waited
            waited = True
            self._wake.clear()
            await sleep_until_or(clock, min(give_up, now + PAUSE_IDLE - idle), self._wake)
        return waited

    def _dnd_on(self) -> bool:
        return self.dnd is not None and self.dnd() is True

    async def _while_dnd(self) -> bool:
        """Hold a due break while the desktop's do-not-disturb is on; True if it held it.

        Said once each way (``paused`` with a null ``until``, then ``resumed``);
        do-not-disturb is read again every :data:`DND_RETRY` seconds.
        """
        if not self._dnd_on():
            return False
        self._say(
            "paused",
            "the desktop's do-not-disturb is on: the break waits for it",
            until=None,
        )
        clock = self.host.clock
        while not self._stop.is_set():
            self._wake.clear()
            await sleep_until_or(clock, clock.monotonic() + DND_RETRY, self._wake)
            if not self._dnd_on():
                break
        if not self._stop.is_set():
            self._say("resumed", "do-not-disturb is off: break reminders are back on")
        return True

    async def _wait_until(self, wake: float) -> float:
        """Sleep until ``wake`` (or a stop, or a kick); returns when this last meant to wake.

        The event loop's timers stop while the machine is suspended, and the
        scheduler's clock does not; so the wait is cut into steps of at most
        :data:`HEARTBEAT`, and a step that ends much later than planned means
        the machine slept: the caller looks at once, and starts the timers
        afresh if the sleep was long. A step costs a clock reading, nothing
        more; while counting active time, also an idle reading every
        :data:`SAMPLE` seconds.
        """
        clock = self.host.clock
        sampling = self.host.counting == "active"
        self._wake.clear()
        while True:
            limit = SAMPLE if sampling else HEARTBEAT
            step = min(wake, clock.monotonic() + limit)
            await sleep_until_or(clock, step, self._wake)
            now = clock.monotonic()
            if self._wake.is_set() or now >= wake or now - step > LATE_IS_ASLEEP:
                return step
            if sampling:
                idle = self.host.sample_idle()
                lengths = (self.host.policy.micro.length, self.host.policy.rest.length)
                if idle is not None and any(idle >= n > idle - SAMPLE - 1 for n in lengths):
                    return step  # idle for a break's length just now: a natural break
                # Other idle time moves the break later: the look at ``wake`` finds how much.

    def _report_cannot_notify(self) -> None:
        if self.cannot_notify is None:
            return
        reason, fix = self.cannot_notify
        also = "; breaks are still announced here" + (
            " and with the bell" if self.bell is not None else ""
        )
        text = f"desktop notifications will not show: {reason}{also}"
        if fix:
            text += f". Fix: {fix}"
        self._say("notice", text, about="notifications", reason=reason, fix=fix)

    def _report_look(self, look: Look) -> None:
        for kind in look.natural:
            self._say("natural", f"{_kind_name(kind)} taken naturally (idle)", kind=kind)
        paused = look.scheduler.paused_until
        if paused is not None and not look.scheduler.paused(look.now):
            paused = None
        if paused != self._paused:
            wall = self.host.clock.now()
            if paused is not None:
                self._say(
                    "paused",
                    f"break reminders paused until {format_until(paused, wall)}",
                    until=paused.astimezone().isoformat(timespec="seconds"),
                )
            else:
                self._say("resumed", "break reminders are back on")
            self._paused = paused
        if look.limit_reached:
            limit = look.scheduler.policy.daily_limit or 0
            text = f"{format_duration(limit)} at work today: time to stop for the day?"
            self._say("limit", text, daily_limit_seconds=limit)
            if self.notifier is not None:
                self._notify("Daily limit reached", text, "normal")

    def _fire(self, due: Due) -> None:
        self.fired.append(due)
        self._over = (due.kind, self.host.clock.monotonic() + due.length)
        program = self.programs.get(due.program) if due.program else None
        idea = self.ideas.next() if due.kind == "micro" and not due.program else None
        title, lines = break_words(due, program=program, idea=idea, cli_hint=True)
        body = "\n".join(lines)
        self._say(
            "break",
            f"{title}: {' '.join(lines)}",
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

    def _notify(self, title: str, body: str, urgency: Literal["low", "normal", "critical"]) -> None:
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
    cannot_notify = None
    if notify:
        from coach.notify import check_notifier

        found = check_notifier()  # asks the bus for its server: a few ms
        notifier = found.notifier  # kept even when nothing answers: a server may start later
        if found.works is False:
            cannot_notify = (found.detail, found.fix)
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
    player = None
    if config.sounds:
        from coach.session.audio import SoundPlayer, find_player

        command = find_player()
        player = None if command is None else SoundPlayer(command)
    reminder = Reminder(
        host,
        out=sys.stdout,
        json_lines=json_lines,
        bell=_terminal() if bell and config.bell else None,
        notifier=notifier,
        exec_command=exec_command,
        once=once,
        prescribed=config.prescribed,
        play_end=None if player is None else (lambda: player.play("end")),
        dnd=find_dnd_reader(),
        cannot_notify=cannot_notify,
        programs=config.programs,
        ideas=IdeaTurns.starting_at(config.micro_ideas, host.clock.now()),
    )

    async def main() -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, reminder.stop, int(signum))
        usr1 = getattr(signal, "SIGUSR1", None)  # `coach pause` and `coach resume`
        if usr1 is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(usr1, reminder.kick)
        return await reminder.run()

    syncing = None
    if config.sync_dir is not None:
        # The history, not the break timers: those stay per computer.
        from coach.history.sync import SyncLoop

        syncing = SyncLoop(config.data_dir, config.sync_dir, _said_sync).start()
    try:
        return asyncio.run(main())
    except HistoryError as error:
        print(f"coach remind: {visible(str(error))}", file=sys.stderr)
        return 1
    finally:
        if syncing is not None:
            syncing.stop()
        single.release()
        store.close()
        if idle is not None:
            idle.close()
        if player is not None:
            player.close()


_last_sync_failure: list[str] = []


def _said_sync(outcome: Any) -> None:
    """A sync's warnings, or its failure once (not every few minutes), on stderr: the
    sync thread's; stdout is the events'."""
    if isinstance(outcome, str):
        if _last_sync_failure == [outcome]:
            return
        _last_sync_failure[:] = [outcome]
        lines = [outcome]
    else:
        _last_sync_failure.clear()
        lines = outcome.warnings
    for line in lines:
        print(f"coach remind: sync: {visible(line, newlines=False)}", file=sys.stderr, flush=True)


def _terminal() -> TextIO | None:
    """Where the bell rings: stdout if it is a terminal, else the controlling terminal."""
    if sys.stdout.isatty():
        return sys.stdout
    return None
