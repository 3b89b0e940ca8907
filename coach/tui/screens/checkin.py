"""Pain check-ins: a 0-10 rating before and after a session, and the program's advice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Number
from textual.widgets import Input, Static

from coach.safety import PAIN_MAX, stop_advice
from coach.tui.literal import literal

__all__ = ["AdviceScreen", "PainScreen", "Rating", "pain_input", "stop_advice"]


def pain_input(input_id: str, placeholder: str) -> Input:
    """The 0-10 rating field both check-ins use."""
    return Input(
        placeholder=placeholder,
        type="integer",
        max_length=2,
        validators=[Number(minimum=0, maximum=PAIN_MAX)],
        id=input_id,
    )


@dataclass(frozen=True)
class Rating:
    """An answer to the pain question: a rating, or None when skipped with Enter."""

    value: int | None


class PainScreen(ModalScreen[Rating | None]):
    """Asks for pain from 0 (none) to 10 (worst); Enter with nothing skips the rating,
    escape goes back (dismissed with None: nothing is started)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal(self.question))
            yield Static(
                "0 = no pain, 10 = the worst pain you can imagine. Enter to skip, "
                "escape to go back."
            )
            yield pain_input("pain", "0-10")
            yield Static("", id="problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Accept a rating from 0 to 10, or nothing."""
        text = event.value.strip()
        if not text:
            self.dismiss(Rating(None))
            return
        if event.validation_result is not None and not event.validation_result.is_valid:
            self.query_one("#problem", Static).update("Please type a whole number from 0 to 10.")
            return
        self.dismiss(Rating(int(text)))

    def action_back(self) -> None:
        """Escape: back to where the question came from; nothing starts."""
        self.dismiss(None)


class AdviceScreen(ModalScreen[bool]):
    """Shows the stop advice before a session; y starts anyway, anything else does not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Start anyway"),
        Binding("n,escape,enter", "answer(False)", "Don't start"),
    ]

    def __init__(self, advice: str) -> None:
        super().__init__()
        self.advice = advice

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal(self.advice), id="advice")
            yield Static("Start anyway? y = yes, n = no")

    def action_answer(self, start: bool) -> None:
        """Answer by key."""
        self.dismiss(start)
