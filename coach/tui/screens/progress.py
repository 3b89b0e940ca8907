"""Progress: streak, a calendar of active days, minutes per week, programs, exercises, pain.

The history is read in a worker thread (with its own connection), so the
screen opens at once however long the history is. Nothing is told by colour
alone: active days are ``#``, others ``.``, and bars are drawn with blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from coach.breaks.scheduler import OUTCOMES
from coach.history.calendar import Streaks, streaks, week_start
from coach.history.due import library_off_days
from coach.history.records import HistoryError
from coach.history.store import HistoryStore, Progress
from coach.tui.literal import literal

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class ProgressData:
    """Everything the screen shows, read off the UI thread."""

    today: date
    streaks: Streaks
    progress: Progress
    active: frozenset[date]
    breaks: dict[tuple[str, str], int] = field(default_factory=dict)
    """Breaks in the last weeks shown, by (kind, outcome)."""


def read_progress(
    path: Path,
    today: date,
    rest_days: frozenset[int],
    plans: Sequence[tuple[str, str, Mapping[str, Any] | None]] = (),
) -> ProgressData:
    """Read the history (call from a worker thread); ``plans`` (the library's
    (id, title, plan)) tell the weekdays their schedules leave out of a streak."""
    with HistoryStore(path) as store:
        active = store.completed_days()
        progress = store.progress()
        breaks = store.break_counts(since=week_start(today) - timedelta(weeks=WEEKS_SHOWN - 1))
        off = library_off_days(plans, store.first_day)
        found = streaks(active, today, rest_days, off)
    return ProgressData(today, found, progress, frozenset(active), breaks)


def break_lines(data: ProgressData) -> list[str]:
    """Breaks of each kind: taken, reminded, taken naturally, put off, skipped."""
    lines = []
    for kind, name in (("micro", "Micro-breaks"), ("rest", "Rest breaks")):
        counts = {outcome: data.breaks.get((kind, outcome), 0) for outcome in OUTCOMES}
        if not any(counts.values()):
            continue
        lines.append(
            f"  {name}: {counts['taken']} taken, {counts['reminded']} reminded, "
            f"{counts['natural']} away from the keys, {counts['postponed']} postponed, "
            f"{counts['skipped']} skipped"
        )
    return lines or ["  none yet (`coach remind`, or keep the app open)"]


def calendar_lines(data: ProgressData, weeks: int = WEEKS_SHOWN) -> list[str]:
    """Rows Mon..Sun, one column per week, ``#`` for an active day, ``.`` otherwise."""
    first = week_start(data.today) - timedelta(weeks=weeks - 1)
    lines = []
    for weekday, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        cells = []
        for week in range(weeks):
            day = first + timedelta(weeks=week, days=weekday)
            cells.append(" " if day > data.today else ("#" if day in data.active else "."))
        lines.append(f"{name} {' '.join(cells)}")
    return lines


def week_bars(data: ProgressData, weeks: int = WEEKS_SHOWN, width: int = 40) -> list[str]:
    """Minutes per week for the last ``weeks`` weeks, as bars with their numbers."""
    totals = {monday: minutes for monday, _, _, minutes in data.progress.weeks()}
    mondays = [week_start(data.today) - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    most = max([totals.get(monday, 0.0) for monday in mondays] + [1.0])
    return [
        f"{monday.isoformat()} {'█' * round(totals.get(monday, 0.0) / most * width):<{width}} "
        f"{totals.get(monday, 0.0):.0f} min"
        for monday in mondays
    ]


class ProgressScreen(Screen[None]):
    """The person's progress; opens at once and fills in when the history is read."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(
        self,
        path: Path,
        today: date,
        rest_days: frozenset[int],
        plans: Sequence[tuple[str, str, Mapping[str, Any] | None]] = (),
    ) -> None:
        super().__init__()
        self.path = path
        self.today = today
        self.rest_days = rest_days
        self.plans = plans

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="progress"):
            yield Static("Reading your history...", id="body")
        yield Footer()

    def on_mount(self) -> None:
        """Read the history in a thread."""
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Read, then hand the result to the UI thread."""
        try:
            data = read_progress(self.path, self.today, self.rest_days, self.plans)
        except HistoryError as error:
            self.app.call_from_thread(self.show_error, str(error))
            return
        self.app.call_from_thread(self.show, data)

    def show_error(self, message: str) -> None:
        """The history could not be read."""
        self.query_one("#body", Static).update(literal(f"Cannot read the history: {message}"))

    def show(self, data: ProgressData) -> None:
        """Fill the screen in."""
        progress = data.progress
        lines = [
            f"Streak: {data.streaks.current} days (longest {data.streaks.longest})",
            "",
            f"Active days, last {WEEKS_SHOWN} weeks (# = a completed session, . = none):",
            *calendar_lines(data),
            "",
            "Minutes per week:",
            *week_bars(data),
            "",
            "Programs (sessions completed / all, minutes):",
        ]
        lines += [
            f"  {total.title} ({total.program}): {total.completed}/{total.sessions}, "
            f"{total.minutes:.0f} min"
            for total in progress.programs
        ] or ["  none yet"]
        lines += ["", "Exercises (completed in / done in sessions, reps):"]
        lines += [
            f"  {total.program}: {total.name}: {total.completed}/{total.sessions}, "
            f"{total.reps_done} reps"
            for total in progress.exercises
        ] or ["  none yet"]
        lines += ["", f"Breaks, last {WEEKS_SHOWN} weeks:", *break_lines(data)]
        if progress.pain:
            lines += ["", "Pain check-ins, latest 10 (before -> after, 0-10):"]
            for point in progress.pain[-10:]:
                before = "-" if point.pain_before is None else point.pain_before
                after = "-" if point.pain_after is None else point.pain_after
                lines.append(f"  {point.day.isoformat()} {point.program}: {before} -> {after}")
        # Titles and names come from program files: Content keeps them literal.
        self.query_one("#body", Static).update(literal("\n".join(lines)))
