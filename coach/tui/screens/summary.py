"""After a session: what was done, the streak, and the check-in with its advice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from coach.program.durations import format_clock
from coach.program.loader import LoadedProgram
from coach.program.timeline import build_timeline
from coach.safety import PAIN_MAX
from coach.tui.literal import literal
from coach.tui.screens.checkin import pain_input, symptom_advice
from coach.tui.screens.session import SessionOutcome
from coach.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from coach.status import Status

SaveCheckin = Callable[[dict[str, int], str | None], None]
"""Keeps the ratings after (each symptom rated; those skipped left out) and the note."""


class SummaryScreen(Screen[None]):
    """The session's summary; with a check-in, asks each symptom after and a note."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "done", "Done")]

    def __init__(
        self,
        loaded: LoadedProgram,
        outcome: SessionOutcome,
        *,
        status: Status | None,
        save_checkin: SaveCheckin | None,
        exercises_done: tuple[int, int] | None = None,
        recorded_status: str | None = None,
    ) -> None:
        """``recorded_status`` is the status the history gave the session (None when
        it was not recorded): the heading never says more than the history does."""
        super().__init__()
        self.loaded = loaded
        self.outcome = outcome
        self.status = status
        self.save_checkin = save_checkin
        self.exercises_done = exercises_done
        self.recorded_status = recorded_status
        checkin = loaded.program.info.checkin
        # Nothing to keep a check-in in (--no-record): nothing is asked.
        self.asked: tuple[str, ...] = (
            () if checkin is None or save_checkin is None else checkin.asked
        )
        self.asks_pain = bool(self.asked)
        """True when the check-in asks anything after (pain, or version 2's symptoms)."""
        self.checkin = checkin
        self._saved = False

    def compose(self) -> ComposeResult:
        result = self.outcome.result
        program = self.loaded.program
        yield Header()
        with VerticalScroll(id="summary"):
            yield Static(self.heading(), classes="heading", id="heading")
            yield Static(literal(program.title))
            lines = [f"Time exercising: {format_clock(result.active_seconds)}"]
            if self.exercises_done is not None:
                done, total = self.exercises_done
                lines.append(f"Exercises completed: {done} of {total}")
            if result.skipped_steps:
                lines.append(f"Steps skipped: {len(result.skipped_steps)}")
            if self.status is not None:
                streak = self.status.current_streak
                lines.append(
                    f"Streak: {streak} day{'s' if streak != 1 else ''} "
                    f"(longest {self.status.longest_streak}); today "
                    f"{self.status.minutes_today:g} min"
                )
            elif self.outcome.session_id is None:
                lines.append("Not recorded in your history.")
            yield Static("\n".join(lines), id="facts")
            if self.asks_pain:
                for name in self.asked:
                    yield Static(f"How much {name} do you have now? 0 = none, 10 = the worst.")
                    yield pain_input(f"{name}-after", "0-10 (Enter to skip)")
                yield Static("", id="advice")
                yield Static("A note for your history (Enter to finish):")
                yield Input(placeholder="optional", id="note")
            else:
                yield Static("Press escape to go back to the library.")
        yield KeysFooter()

    def heading(self) -> str:
        """What became of the session, agreeing with the history."""
        result = self.outcome.result
        recorded = self.recorded_status is not None
        total = len(self.loaded.program.exercises)
        if recorded and self.exercises_done is not None:
            done, total = self.exercises_done
            skipped = total - done
        else:  # not recorded: an exercise is skipped when every one of its work steps was
            work: dict[int, set[int]] = {}
            for i, step in enumerate(build_timeline(self.loaded.program).steps):
                if step.kind == "work":
                    work.setdefault(step.exercise_index, set()).add(i)
            skipped = sum(steps <= set(result.skipped_steps) for steps in work.values())
        completed = (
            self.recorded_status == "completed" if recorded else result.completed and not skipped
        )
        if completed:
            return "Session complete. Well done."
        kept = " (kept as partial)" if recorded else ""
        if result.completed:  # reached the end, but by skipping some or all of it
            if skipped >= total:
                return f"Session ended: every exercise was skipped{kept}."
            return (
                f"Session ended: {skipped} of {total} exercise{'s' if total != 1 else ''} "
                f"skipped{kept}."
            )
        if recorded:
            return "Session stopped: what you did is kept (partial)."
        return "Session stopped."

    def on_mount(self) -> None:
        """Focus the first question."""
        if self.asks_pain:
            self.query_one(f"#{self.asked[0]}-after", Input).focus()

    def _ratings(self) -> dict[str, int]:
        ratings = {}
        for name in self.asked:
            text = self.query_one(f"#{name}-after", Input).value.strip()
            if text.isdigit() and int(text) <= PAIN_MAX:
                ratings[name] = int(text)
        return ratings

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the pain moves to the note (showing any advice); on the note, finishes."""
        names = [f"{name}-after" for name in self.asked]
        if event.input.id in names:
            text = event.value.strip()
            if text and (event.validation_result is None or not event.validation_result.is_valid):
                self.query_one("#advice", Static).update(
                    "Please type a whole number from 0 to 10, or leave it empty."
                )
                return
            assert self.checkin is not None
            advice = [
                found
                for name, rating in self._ratings().items()
                if (found := symptom_advice(name, rating, self.checkin.limit(name))) is not None
            ]
            self.query_one("#advice", Static).update(literal("\n".join(advice)))
            following = names.index(event.input.id) + 1
            target = names[following] if following < len(names) else "note"
            self.query_one(f"#{target}", Input).focus()
        else:
            self.action_done()

    def action_done(self) -> None:
        """Save the check-in (if any) and go back."""
        if self.asks_pain and not self._saved and self.save_checkin is not None:
            note = self.query_one("#note", Input).value.strip()
            self.save_checkin(self._ratings(), note or None)
        self._saved = True
        self.dismiss(None)
