"""The app's break reminders: keep the banner true and prompt when a break is due.

The app is one of the hosts of the shared break timers (see
:mod:`coach.breaks.remind`): a ``coach remind`` running beside it sees the same
breaks and the same answers. This loop runs on the app's clock (a fake one
in tests), wakes only when the banner's text changes or a break falls due,
and never prompts in the middle of a session: a session is a break, and its
end resets the timers. When a break falls due while the terminal says it is
not in front (Textual's ``AppBlur``; terminals that report focus), the prompt
would go unseen, so it also sends the desktop notification ``coach remind``
sends (without its ``coach run`` hint: the prompt is waiting in the app).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen

from coach.breaks.host import BreakHost, Look
from coach.breaks.scheduler import LATE_IS_ASLEEP, Due
from coach.breaks.sessions import Prescribed, announcement, describe, next_announcements
from coach.breaks.words import BreakProgram, IdeaTurns
from coach.clock import sleep_until_or
from coach.history.records import HistoryError

if TYPE_CHECKING:
    from textual.app import App
    from textual.worker import Worker

    from coach.notify import Sender, Urgency

RETRY = 60.0
"""Seconds before looking again when the history was busy or a prompt had to wait."""


class BreakWatch:
    """Runs beside the app (see the module docstring)."""

    def __init__(
        self,
        app: App[Any],
        host: BreakHost,
        *,
        start_program: Callable[[str], bool],
        on_change: Callable[[], None],
        play_end: Callable[[], None] | None = None,
        programs: Mapping[str, BreakProgram] | None = None,
        ideas: IdeaTurns | None = None,
        notifier: Sender | None = None,
        find_notifier: bool = False,
    ) -> None:
        self.app = app
        self.host = host
        self.programs: Mapping[str, BreakProgram] = programs or {}
        """The break programs' titles, lengths and summaries (from the library)."""
        self.ideas = ideas or IdeaTurns(())
        """The micro-break ideas, one a prompt in turn."""
        self.notifier = notifier
        """Sends the desktop notification of a break due out of sight (found when needed)."""
        self._find_notifier = find_notifier and notifier is None
        self.notifying: list[Worker[None]] = []
        """The notifications being sent (each on a thread)."""
        self.notified: list[Due] = []
        """The breaks a desktop notification was sent for (because the app was not in front)."""
        self.start_program = start_program
        """Start a session of a program by id; False if there is no such program."""
        self.on_change = on_change
        """Called when :attr:`upcoming` or its banner text may have changed."""
        self.play_end = play_end
        """Plays the session's end sound when a timed break is over (or rings the bell)."""
        self.prescribed: tuple[Prescribed, ...] = ()
        """Programs whose sessions are due at set times, to announce then."""
        self._next_sessions: list[tuple[datetime, Prescribed, int]] = []
        self._sessions_from: datetime | None = None
        self.look: Look | None = None
        self.prompting = False
        self._kick = asyncio.Event()

    @property
    def upcoming(self) -> Due | None:
        """The next break, as last seen."""
        return None if self.look is None else self.look.scheduler.next_due()

    @property
    def paused_until(self) -> datetime | None:
        """When paused reminders come back, while they are paused (as last seen)."""
        if self.look is None:
            return None
        scheduler = self.look.scheduler
        return scheduler.paused_until if scheduler.paused(self.host.clock.monotonic()) else None

    def pause(self, until: datetime) -> None:
        """Pause reminders until ``until`` (shared with ``coach remind`` through the history)."""
        self._sync(lambda host: host.pause(until))
        self.on_change()
        self.kick()

    def resume(self) -> bool:
        """End a pause now; False if there was none."""
        look = self._sync(lambda host: host.resume())
        self.on_change()
        self.kick()
        return look is not None and look.answered

    def break_over(self, kind: str) -> None:
        """A timed break ran out: a line and the end sound."""
        name = "micro-break" if kind == "micro" else "rest break"
        self.app.notify(f"Break over: {name} done. Back to it, gently.", markup=False, timeout=8)
        if self.play_end is not None:
            self.play_end()

    def kick(self) -> None:
        """Look again now (a session ended, an answer was given, settings changed)."""
        self._kick.set()

    def _sync(self, action: Callable[[BreakHost], Look] | None = None) -> Look | None:
        try:
            look = action(self.host) if action is not None else self.host.sync()
        except HistoryError as error:
            self.app.notify(
                f"Break reminders: {error}", severity="warning", markup=False, timeout=8
            )
            return None
        self.look = look
        return look

    def _busy(self) -> bool:
        """A session, a pause or a dialog is on screen: no prompt now."""
        from coach.tui.screens.breaks import PauseScreen
        from coach.tui.screens.session import SessionScreen

        screen = self.app.screen
        return self.prompting or isinstance(screen, SessionScreen | PauseScreen | ModalScreen)

    async def run(self) -> None:
        """Look, prompt when due, sleep until something changes; until cancelled."""
        from coach.tui.screens.breaks import banner_changes_at

        clock = self.host.clock
        while True:
            self._kick.clear()
            look = self._sync()
            self.host.planned = None  # (after the look: it measures time asleep from it)
            self.on_change()
            if look is not None and look.limit_reached:
                from coach.program.durations import format_duration

                limit = format_duration(self.host.policy.daily_limit or 0)
                self.app.notify(
                    f"{limit} at work today: time to stop for the day?",
                    title="Daily limit reached",
                    timeout=30,
                    markup=False,
                )
            now = clock.monotonic()
            wake = now + RETRY
            session_at = self._sessions(look)
            if session_at is not None:
                wake = min(wake, session_at)
            if look is not None:
                offer = look.due or look.scheduler.reminded(now)
                if offer is not None and not self._busy():
                    self._prompt(offer)
                due = look.scheduler.next_due()
                wake = look.scheduler.wake_at()
                if offer is not None:
                    wake = now + RETRY  # waiting for an answer, or for the session to end
                if session_at is not None:
                    wake = min(wake, session_at)
                warning = self.host.policy.warning
                changes = banner_changes_at(due, now, warning)
                # The banner may change before the next look at the timers.
                woke_late = False
                while changes is not None and changes < wake:
                    self.host.planned = changes
                    await self._sleep(changes)
                    # Much later than planned: the machine slept; look at once.
                    woke_late = clock.monotonic() - changes > LATE_IS_ASLEEP
                    if self._kick.is_set() or woke_late:
                        break
                    self.on_change()
                    changes = banner_changes_at(due, clock.monotonic(), warning)
                if self._kick.is_set() or woke_late:
                    continue
            self.host.planned = wake
            await self._sleep(wake)

    def _sessions(self, look: Look | None) -> float | None:
        """Announce the prescribed sessions whose time has come; when the next comes, or None."""
        if not self.prescribed:
            return None
        clock = self.host.clock
        wall = clock.now()
        if self._sessions_from is None:
            self._sessions_from = wall  # times before the app started are not announced
            self._next_sessions = next_announcements(self.prescribed, wall)
        while self._next_sessions and self._next_sessions[0][0] <= wall:
            batch = self._next_sessions
            self._next_sessions = next_announcements(self.prescribed, batch[0][0])
            for when, program, index in batch:
                if look is None or not look.scheduler.paused(clock.monotonic()):
                    self._announce(program, index, when)
        if not self._next_sessions:
            return None
        return clock.monotonic() + (self._next_sessions[0][0] - wall).total_seconds()

    def _announce(self, program: Prescribed, index: int, when: datetime) -> None:
        from coach.history.calendar import local_day

        store = self.host.store
        day = local_day(when, self.host.day_start)
        try:
            told = announcement(
                program,
                index,
                day,
                store.completed_on(program.program, day),
                store.first_day(program.program),
            )
        except HistoryError:
            return
        if told is not None:
            self.app.notify(
                describe(program, *told), title="Prescribed session", timeout=30, markup=False
            )

    async def _sleep(self, deadline: float) -> None:
        """Until ``deadline`` on the app's clock, or a kick."""
        await sleep_until_or(self.host.clock, deadline, self._kick)

    def _prompt(self, due: Due) -> None:
        from coach.breaks.words import break_words
        from coach.tui.screens.breaks import BreakPrompt

        policy = self.host.policy
        self.prompting = True
        self.app.bell()
        program = self.programs.get(due.program) if due.program else None
        idea = self.ideas.next() if due.kind == "micro" and not due.program else None
        # The app's own prompt: "Start now" runs the program, so no `coach run` hint.
        title, lines = break_words(due, program=program, idea=idea)
        if not self.app.app_focus:
            # The terminal said it is not in front (AppBlur): the prompt would go unseen.
            self._notify(due, title, "\n".join(lines))

        def answered(answer: str | None) -> None:
            self.prompting = False
            if answer == "start":
                self._sync(lambda host: host.take(due.kind))
                self._start(due, idea)
            elif answer == "postpone":
                look = self._sync(lambda host: host.postpone(due.kind))
                if look is not None and not look.answered:
                    self.app.notify("This break can't be put off again.", markup=False)
            elif answer == "skip":
                self._sync(lambda host: host.skip(due.kind))
            self.kick()

        prompt = BreakPrompt(due, policy.postpone, policy.max_postpones, words=(title, lines))
        self.app.push_screen(prompt, answered)

    def _notify(self, due: Due, title: str, body: str) -> None:
        """Send the break's desktop notification, as ``coach remind`` does, on a thread."""
        self.notified.append(due)
        urgency: Urgency = "critical" if due.kind == "rest" else "normal"

        def send() -> None:
            notifier = self.notifier
            if notifier is None and self._find_notifier:
                from coach.notify import find_notifier

                self._find_notifier = False  # looked once: the answer will not change
                notifier = self.notifier = find_notifier()
            if notifier is None:
                return
            if not notifier.send(title, body, urgency=urgency):
                reason = getattr(notifier, "last_failure", None) or "no reason given"
                self.app.call_from_thread(
                    self.app.notify,
                    f"The desktop notification failed: {reason}",
                    severity="warning",
                    markup=False,
                )

        worker = self.app.run_worker(
            send, name="break-notify", group="notify", thread=True, exit_on_error=False
        )
        self.notifying = [w for w in self.notifying if w.is_running] + [worker]

    def _start(self, due: Due, idea: str | None = None) -> None:
        """Start the break: its program if it has one (and it exists), else a plain pause."""
        if due.program and self.start_program(due.program):
            return
        if due.program:
            self.app.notify(
                f"No program {due.program!r} in the library: a plain pause instead.",
                severity="warning",
                markup=False,
            )
        from coach.tui.screens.breaks import PauseScreen

        def ended(ran_out: bool | None) -> None:
            if ran_out:
                self.break_over(due.kind)
            self.kick()

        self.app.push_screen(PauseScreen(due, self.host.clock, idea=idea), ended)

    def close(self) -> None:
        """Let go of the timers (and save when this host stopped)."""
        with contextlib.suppress(HistoryError):
            self.host.close()
