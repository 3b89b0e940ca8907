"""Check-ins: a 0-10 rating of each symptom before and after a session, the program's
advice, and the next-day question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Number
from textual.widgets import Input, Static

from coach.history.records import NextDay
from coach.safety import (
    NEXT_DAY_QUESTION,
    NEXT_DAY_WORSE_ADVICE,
    PAIN_MAX,
    stop_advice,
    symptom_advice,
)
from coach.tui.literal import literal

__all__ = [
    "AdviceScreen",
    "NextDayScreen",
    "PainScreen",
    "Rating",
    "pain_input",
    "stop_advice",
    "symptom_advice",
]


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

    def __init__(self, question: str, symptom: str = "pain") -> None:
        super().__init__()
        self.question = question
        self.symptom = symptom
        """What is rated (one of the check-in's symptoms)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal(self.question))
            yield Static(
                f"0 = no {self.symptom}, 10 = the worst {self.symptom} you can imagine. "
                "Enter to skip, escape to go back."
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


class NextDayScreen(ModalScreen[NextDay | Literal["skip"] | None]):
    """Before the first session on a later day: better, the same or worse since the last?
    b, s or w answers (w shows the advice to ease off first, Enter goes on); Enter alone
    skips (``"skip"``); escape goes back (None: nothing is kept or started)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "answer('better')", "Better"),
        Binding("s", "answer('same')", "Same"),
        Binding("w", "answer('worse')", "Worse"),
        Binding("enter", "go_on", "Skip / go on"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, last_day: str) -> None:
        super().__init__()
        self.last_day = last_day
        self.answer: NextDay | None = None
        """The answer given (a "worse" waits for Enter, under the advice)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"{NEXT_DAY_QUESTION} (last session {self.last_day})")
            yield Static("b = better, s = the same, w = worse; Enter to skip, escape to go back.")
            yield Static("", id="advice")

    def action_answer(self, answer: NextDay) -> None:
        """Answer by key; worse shows the advice and waits for Enter."""
        self.answer = answer
        if answer != "worse":
            self.dismiss(answer)
            return
        self.query_one("#advice", Static).update(
            literal(NEXT_DAY_WORSE_ADVICE + "\n\nPress Enter to go on.")
        )

    def action_go_on(self) -> None:
        """Enter: go on with the answer given, or with none."""
        self.dismiss(self.answer or "skip")

    def action_back(self) -> None:
        """Escape: back; nothing is kept or started."""
        self.dismiss(None)
