"""Pain check-ins: a 0-10 rating before and after a session, and the program's advice."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Number
from textual.widgets import Input, Static

from coach.safety import PAIN_MAX, stop_advice
from coach.tui.literal import literal

__all__ = ["AdviceScreen", "PainScreen", "pain_input", "stop_advice"]


def pain_input(input_id: str, placeholder: str) -> Input:
    """The 0-10 rating field both check-ins use."""
    return Input(
        placeholder=placeholder,
        type="integer",
        max_length=2,
        validators=[Number(minimum=0, maximum=PAIN_MAX)],
        id=input_id,
    )


class PainScreen(ModalScreen[int | None]):
    """Asks for pain from 0 (none) to 10 (worst); Enter with nothing, or escape, skips."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Skip")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal(self.question))
            yield Static("0 = no pain, 10 = the worst pain you can imagine. Enter to skip.")
            yield pain_input("pain", "0-10")
            yield Static("", id="problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Accept a rating from 0 to 10, or nothing."""
        text = event.value.strip()
        if not text:
            self.dismiss(None)
            return
        if event.validation_result is not None and not event.validation_result.is_valid:
            self.query_one("#problem", Static).update("Please type a whole number from 0 to 10.")
            return
        self.dismiss(int(text))

    def action_skip(self) -> None:
        """No rating this time."""
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
