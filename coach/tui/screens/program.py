"""A program's details: exercises, length, sources and precautions."""

from __future__ import annotations

import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from coach.program.durations import format_clock
from coach.program.library import LibraryEntry
from coach.program.model import Exercise
from coach.program.phases import prescription_lines
from coach.program.timeline import build_timeline, describe_pacing, dose_lines, range_text
from coach.tui.literal import literal
from coach.tui.messages import StartSession
from coach.tui.widgets.footer import KeysFooter


def _pacing(exercise: Exercise) -> str:
    if exercise.reps is None:
        return describe_pacing(exercise)
    return f"{range_text(exercise.reps)} x {describe_pacing(exercise)}"


class ProgramScreen(Screen[None]):
    """Everything about one program, precautions first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,r", "start", "Start session", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(
        self,
        entry: LibraryEntry,
        day: datetime.date | None = None,
        first_day: datetime.date | None = None,
    ) -> None:
        """``day`` (today, as the history counts days) picks a prescription's phase;
        ``first_day`` (the first session's) starts a protocol's weeks."""
        super().__init__()
        self.entry = entry
        self.loaded = entry.loaded if day is None else entry.loaded.on(day, first_day)
        """The program with the dose prescribed on ``day``."""

    def compose(self) -> ComposeResult:
        program = self.loaded.program
        timeline = build_timeline(program)
        yield Header()
        with VerticalScroll(id="detail"):
            yield Static(literal(program.title), classes="heading")
            if program.info.description:
                yield Static(literal(program.info.description))
            where = {
                "bundled": "bundled with coach",
                "user": "your programs",
                "COACH_PROGRAMS_PATH": "COACH_PROGRAMS_PATH",
            }[self.entry.folder.kind]
            # The file's name, not its full path (`coach list` has that): the
            # screen reads the same on every computer.
            yield Static(
                literal(
                    f"Length {format_clock(timeline.total_seconds)} - "
                    f"{self.entry.path.name} ({where})"
                )
            )
            prescription = self.loaded.as_written.info.prescription
            if prescription is not None:
                lines = prescription_lines(
                    prescription,
                    self.loaded.phase,
                    self.loaded.week,
                    "Today",
                    self.loaded.counted_from,
                )
                yield Static(literal("\n".join(lines)), id="prescription")
            if program.info.precautions:
                yield Static(literal("Precautions"), classes="heading")
                yield Static(literal("\n".join(f"- {p}" for p in program.info.precautions)))
            yield Static(literal("Exercises"), classes="heading")
            for index, exercise in enumerate(program.exercises, start=1):
                sides = {"none": "", "both": ", both hands together"}.get(
                    exercise.sides, f", sides: {exercise.sides}"
                )
                sets = f"{range_text(exercise.sets)} sets of " if exercise.paced_sets > 1 else ""
                lines = [f"{index}. {exercise.name} - {sets}{_pacing(exercise)}{sides}"]
                lines += [f"   {step}" for step in exercise.instructions]
                if exercise.equipment:
                    lines.append(f"   Equipment: {', '.join(exercise.equipment)}")
                lines += [f"   {line}" for line in dose_lines(exercise)]
                lines += [f"   Caution: {p}" for p in exercise.precautions]
                yield Static(literal("\n".join(lines)))
            if program.info.sources:
                yield Static(literal("Sources"), classes="heading")
                yield Static(literal("\n".join(f"- {s}" for s in program.info.sources)))
        yield KeysFooter()

    def action_start(self) -> None:
        """Start a session of this program (its precautions are on this screen)."""
        self.post_message(StartSession(self.loaded))
