"""The safety notice (first start) and the help screen (``?``)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from coach.safety import SAFETY_NOTICE as SAFETY

KEYS = """\
Keys

In the library: type to filter (a name, or typist, musician, desk),
up/down to choose, Enter to open a program; Enter again starts it.
Escape goes back. Ctrl+Q quits.

In a session:
  space      pause / resume
  n          next step
  b          back (restart the step; at its start, the step before)
  s          skip the rest of this exercise
  q, escape  stop (asks first; what you did is kept)"""


class NoticeScreen(ModalScreen[None]):
    """A text to read, closed with Enter or escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,question_mark", "close", "Close"),
    ]

    def __init__(self, text: str, *, footer: str = "Press Enter to go on.") -> None:
        super().__init__()
        self.text = text
        self.footer = footer

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(self.text, markup=False)
            yield Static(self.footer, markup=False, classes="hint")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


def help_screen() -> NoticeScreen:
    """The keys, then the safety notice and the signs that need urgent care."""
    return NoticeScreen(KEYS + "\n\n" + SAFETY, footer="Press Enter or escape to close.")


def safety_notice() -> NoticeScreen:
    """Shown on the first start."""
    return NoticeScreen(SAFETY + "\n\nPress ? at any time for the keys and this notice.")
