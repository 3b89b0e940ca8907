"""Break prompts in the app: the banner text, the "time for a break" prompt, a plain pause.

The timers themselves are :class:`coach.breaks.host.BreakHost`'s; these are views.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Digits, Header, Static

from coach.breaks.scheduler import Due
from coach.breaks.words import break_words
from coach.clock import Clock
from coach.program.durations import format_duration
from coach.tui.literal import literal
from coach.tui.widgets.footer import KeysFooter

Answer = Literal["start", "postpone", "skip"]


def banner_text(
    due: Due | None,
    now: float,
    *,
    warning: float = 0.0,
    paused_until: datetime | None = None,
    wall: datetime | None = None,
) -> str:
    """``Next break: micro-break in 7 min`` (whole minutes, rounded up), or that one is due.

    In the last ``warning`` seconds, ``Micro-break in 30 s`` (each second);
    while reminders are paused, until when.
    """
    if paused_until is not None:
        from coach.breaks.pause import format_until

        return f"Break reminders paused until {format_until(paused_until, wall or paused_until)}"
    if due is None:
        return ""
    name = "micro-break" if due.kind == "micro" else "rest break"
    left = due.at - now
    if left <= 0:
        return f"Break due now: {name}"
    if left <= warning:
        return f"{name.capitalize()} in {math.ceil(left - 1e-9)} s"
    if left <= 60:
        return f"Next break: {name} in less than a minute"
    return f"Next break: {name} in {math.ceil(left / 60)} min"


def banner_changes_at(due: Due | None, now: float, warning: float = 0.0) -> float | None:
    """When :func:`banner_text` will next read differently (a clock reading), or None."""
    if due is None:
        return None
    left = due.at - now
    if left <= 0:
        return None
    if left <= warning:
        return due.at - (math.ceil(left - 1e-9) - 1)  # each second of the warning
    if left <= 60:
        return due.at - warning if warning > 0 else due.at
    # The minutes shown drop at each whole minute before the break.
    return due.at - (math.ceil(left / 60) - 1) * 60


class BreakPrompt(ModalScreen[Answer]):
    """Time for a break: start it now, put it off, or skip it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer('start')", "Start now"),
        Binding("p,escape", "answer('postpone')", "Postpone"),
        Binding("s", "answer('skip')", "Skip"),
    ]

    def __init__(
        self,
        due: Due,
        postpone: float,
        max_postpones: int,
        *,
        words: tuple[str, list[str]] | None = None,
    ) -> None:
        super().__init__()
        self.due = due
        self.postpone = postpone
        self.max_postpones = max_postpones
        self.words = words or break_words(due)
        """The title and lines (:func:`coach.breaks.words.break_words`, with no CLI hint)."""

    def compose(self) -> ComposeResult:
        title, lines = self.words
        left = self.max_postpones - self.due.postpones
        with Vertical(id="dialog"):
            yield Static(title, classes="heading")
            # The program's title and summary, and the ideas, are data from files:
            # literal() never reads markup in them. Each line is a line of its own.
            for line in lines:
                yield Static(literal(line), classes="words")
            if self.due.can_postpone:
                hint = (
                    f"Postpone puts it off {format_duration(self.postpone)} "
                    f"({left} more time{'s' if left != 1 else ''} in a row)."
                )
            else:
                hint = "Put off as often as it can be: start it now, or skip it (it is counted)."
            yield Static(hint, classes="hint")
            with Horizontal(id="buttons"):
                yield Button("Start now (Enter)", id="start", variant="primary")
                yield Button("Postpone (p)", id="postpone", disabled=not self.due.can_postpone)
                yield Button("Skip (s)", id="skip")

    def on_mount(self) -> None:
        """Enter starts the break."""
        self.query_one("#start", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Each button answers."""
        event.stop()
        self.action_answer(event.button.id or "start")

    def action_answer(self, answer: str) -> None:
        """Answer by key; postponing past the limit is refused with a word why."""
        if answer == "postpone" and not self.due.can_postpone:
            self.notify("This break has been put off enough: start it or skip it.")
            return
        if answer in ("start", "postpone", "skip"):
            self.dismiss(answer)  # type: ignore[arg-type]


class PauseScreen(Screen[bool]):
    """A break without a program: a countdown of its length, then back to work.

    Dismissed with True when the time ran out, False when ended early.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "end", "End the break"),
    ]

    def __init__(self, due: Due, clock: Clock, *, idea: str | None = None) -> None:
        super().__init__()
        self.due = due
        self.clock = clock
        self.idea = idea
        """The micro-break's idea the prompt showed, shown again here (or None)."""
        self._ends = clock.monotonic() + due.length

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pause"):
            kind = "Micro-break" if self.due.kind == "micro" else "Rest break"
            yield Static(f"{kind}: {format_duration(self.due.length)}", classes="heading")
            yield Digits("", id="remaining")
            if self.idea:
                yield Static(literal(self.idea), id="idea")
                yield Static("Stop if anything hurts.")
            else:
                yield Static(
                    "Take your hands off the keys. Let them hang loose and relax your "
                    "shoulders; look at something far away. Stop if anything hurts."
                )
        yield KeysFooter()

    def on_mount(self) -> None:
        """Count down on the app's clock (a fake one in tests)."""
        self.run_worker(self._count_down(), exclusive=True)

    async def _count_down(self) -> None:
        digits = self.query_one("#remaining", Digits)
        while (left := self._ends - self.clock.monotonic()) > 0:
            whole = math.ceil(left - 1e-9)
            minutes, seconds = divmod(whole, 60)
            digits.update(f"{minutes}:{seconds:02d}" if minutes else str(seconds))
            # Wake when the number shown changes, not before.
            await self.clock.sleep_until(self._ends - (whole - 1))
        self.dismiss(True)

    def action_end(self) -> None:
        """End the break early."""
        self.workers.cancel_all()
        self.dismiss(False)
