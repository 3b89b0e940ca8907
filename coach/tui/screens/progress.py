"""Progress: the streak, a calendar in whole weeks, the prescription week by week, check-ins.

The numbers come from :mod:`coach.history.overview` (no Textual there); this
module lays them out. The history is read in a worker thread (with its own
connection), so the screen opens at once however long the history is, and
the calendar shows as many weeks as the window has room for.

Nothing is told by colour alone: a day's cell holds its count of completed
sessions (``·`` for none), ``!`` marks a check-in above the program's limit,
today is in brackets and the days after it are blank; each chart has its
numbers beside it.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from coach.breaks.scheduler import OUTCOMES
from coach.history.calendar import Adherence
from coach.history.overview import Checkins, Flagged, ProgressData, Week, read_progress
from coach.history.records import HistoryError
from coach.tui.literal import literal
from coach.tui.widgets.footer import KeysFooter
from coach.tui.widgets.symptom_chart import SymptomChart

WEEKS_SHOWN = 12
"""The weeks shown before the screen knows its width (and in tests of the text)."""
MAX_WEEKS = 52
CELL = 5
"""Columns per week in the calendar."""
LABEL = 8
"""Columns of the row labels (``Mon``, ``Minutes``)."""
CHART_LABEL = 17
CHART_CAPTION = 30

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weeks_that_fit(width: int) -> int:
    """How many week columns fit in a screen ``width`` wide (the scroll bar and padding aside)."""
    return max(1, min(MAX_WEEKS, (width - 4 - LABEL) // CELL))


def _cell(text: str) -> str:
    return f"{text:>{CELL}}"


def day_text(completed: int, flagged: bool, today: bool, to_come: bool) -> str:
    """A day's cell: ``3``, ``·``, ``2!`` (a check-in above the limit), ``[1]`` for today,
    empty for a day still to come."""
    if to_come:
        return ""
    text = (str(completed) if completed else "·") + ("!" if flagged else "")
    return f"[{text}]" if today else text


def month_row(weeks: Sequence[Week]) -> str:
    """Month names above the weeks. A week belongs to the month of its Thursday (as ISO
    weeks do), and is labelled when that month differs from the week before's, or is
    the first shown; the year goes with the first label and with January. A label
    longer than its room is cut short by the next one."""
    row = [" "] * (LABEL + CELL * len(weeks))
    previous: int | None = None
    for index, week in enumerate(weeks):
        thursday = week.monday + timedelta(days=3)
        if thursday.month == previous:
            continue
        previous = thursday.month
        label = MONTHS[thursday.month - 1]
        if index == 0 or thursday.month == 1:
            label += f" {thursday.year}"
        at = LABEL + index * CELL + 1
        row[at - 1 : at + len(label)] = [" ", *label]
    return "".join(row).rstrip()


def calendar_lines(data: ProgressData, weeks: int = WEEKS_SHOWN) -> list[str]:
    """The calendar: month and week labels, a row per weekday (Monday first), minutes."""
    shown = data.weeks[-weeks:]
    lines = [
        month_row(shown),
        f"{'Week of':<{LABEL}}" + "".join(_cell(str(week.monday.day)) for week in shown),
    ]
    for weekday, name in enumerate(DAYS):
        cells = []
        for week in shown:
            cell = week.days[weekday]
            cells.append(
                _cell(day_text(cell.completed, cell.flagged, cell.day == data.today, cell.to_come))
            )
        lines.append((f"{name:<{LABEL}}" + "".join(cells)).rstrip())
    lines.append(f"{'Minutes':<{LABEL}}" + "".join(_cell(f"{week.minutes:.0f}") for week in shown))
    return lines


def _share(weeks: Sequence[Adherence | None]) -> str:
    done = sum(week.done for week in weeks if week is not None)
    prescribed = sum(week.prescribed for week in weeks if week is not None)
    if not prescribed:
        return ""
    return f"{done} of {prescribed} ({done / prescribed:.0%})"


def prescribed_lines(data: ProgressData, weeks: int = WEEKS_SHOWN) -> list[str]:
    """Each prescribed program's sessions done and prescribed, under the calendar's weeks."""
    shown = len(data.weeks[-weeks:])
    lines: list[str] = []
    for program in data.prescribed:
        columns = program.weeks[-shown:] if shown else ()
        if not any(column is not None for column in columns):
            continue
        lines += [
            "",
            f"{program.title} ({program.program}), {program.in_force} today: "
            f"{_share(columns)} over these weeks",
            f"{'Done':<{LABEL}}"
            + "".join(_cell("-" if c is None else str(c.done)) for c in columns),
            f"{'Of':<{LABEL}}"
            + "".join(_cell("-" if c is None else str(c.prescribed)) for c in columns),
        ]
    return lines


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


def caption(ratings: Sequence[int | None]) -> str:
    """``latest 2, median 2, highest 6``: the chart's numbers."""
    rated = [value for value in ratings if value is not None]
    if not rated:
        return "not rated"
    median = statistics.median(rated)
    middle = f"{median:g}" if median == int(median) else f"{median:.1f}"
    return f"latest {rated[-1]}, median {middle}, highest {max(rated)}"


def _flag_text(flag: Flagged) -> str:
    parts = []
    if flag.before is not None and flag.before > flag.limit:
        parts.append(f"before {flag.before}")
    if flag.after is not None and flag.after > flag.limit:
        parts.append(f"after {flag.after}")
    if flag.declined:
        parts.append("not started")
    return f"{flag.day.isoformat()} ({', '.join(parts)})"


def checkin_heading(checkin: Checkins, shown: int) -> str:
    """The program's line above its charts."""
    limit = "" if checkin.limit is None else f", advised to stop above {checkin.limit}"
    some = "" if shown >= checkin.sessions else f", the latest {shown}"
    return (
        f"{checkin.title} ({checkin.program}): {checkin.sessions} "
        f"check-in{'' if checkin.sessions == 1 else 's'}{some}, 0-10{limit}"
    )


def flagged_lines(checkin: Checkins) -> list[str]:
    """Check-ins above the limit (the latest five), and the next day's answers."""
    lines = []
    if checkin.flagged:
        latest = checkin.flagged[-5:]
        more = len(checkin.flagged) - len(latest)
        lines.append(
            f"  ! Pain above the limit ({checkin.flagged[-1].limit}) in {len(checkin.flagged)} "
            f"check-ins: {', '.join(_flag_text(flag) for flag in latest)}"
            + (f" and {more} earlier" if more else "")
        )
    if checkin.next_day:
        lines.append(
            "  Next day: "
            + ", ".join(
                f"{checkin.next_day.get(answer, 0)} {answer}"
                for answer in ("better", "same", "worse")
            )
        )
    return lines


class ProgressScreen(Screen[None]):
    """The person's progress; opens at once and fills in when the history is read."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    # The scroll bar's room is kept from the start: a history longer than the
    # window would otherwise be laid out twice, without the bar and then with it.
    DEFAULT_CSS = """
    ProgressScreen .flag { text-style: bold; }
    ProgressScreen #progress { scrollbar-gutter: stable; }
    """

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
        self.data: ProgressData | None = None
        """What was read, once it has been."""
        self._laying_out = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="progress"):
            yield Static("Reading your history...", id="body")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Read the history in a thread."""
        self.load(weeks_that_fit(self.app.size.width))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self, weeks: int) -> None:
        """Read, then hand the result to the UI thread."""
        try:
            data = read_progress(self.path, self.today, self.rest_days, self.plans, weeks)
        except HistoryError as error:
            self.app.call_from_thread(self.show_error, str(error))
            return
        # Waits until the screen is filled in (Textual awaits a coroutine handed to it);
        # its annotation cannot say that of an async callable returning None.
        self.app.call_from_thread(self.show, data)  # type: ignore[arg-type]

    def show_error(self, message: str) -> None:
        """The history could not be read."""
        self.query_one("#body", Static).update(literal(f"Cannot read the history: {message}"))

    async def show(self, data: ProgressData) -> None:
        """Fill the screen in (again after a resize: one layout at a time)."""
        async with self._laying_out:
            await self._lay_out(data)

    async def _lay_out(self, data: ProgressData) -> None:
        self.data = data
        weeks = weeks_that_fit(self.app.size.width)
        progress = data.progress
        shown = data.weeks[-weeks:]
        if len(shown) > 1:
            span = f"weeks of {shown[0].monday.isoformat()} to {shown[-1].monday.isoformat()}"
        elif shown and progress.days:
            span = f"the week of {shown[0].monday.isoformat()}"
        else:
            span = "none recorded yet"
        lines = [
            f"Streak: {data.streaks.current} days (longest {data.streaks.longest})",
            "",
            f"Sessions completed each day, {span}",
            "(· none, ! pain above the program's limit, [ ] today; days to come are blank)",
            *calendar_lines(data, weeks),
            *prescribed_lines(data, weeks),
        ]
        # Titles and names come from program files and the history: literal() keeps
        # them text, never markup.
        widgets: list[Widget] = [Static(literal("\n".join(lines)), id="calendar")]
        if data.checkins:
            widgets.append(Static(literal("\nCheck-ins, one bar per session (oldest left):")))
        room = max(1, self.app.size.width - 4 - CHART_LABEL - CHART_CAPTION)
        for index, checkin in enumerate(data.checkins):
            count = min(checkin.sessions, room)
            widgets.append(Static(literal(checkin_heading(checkin, count))))
            for series in checkin.series:
                for when, ratings in (("before", series.before), ("after", series.after)):
                    row = ratings[-count:]
                    label = f"  {series.symptom.capitalize()} {when}"
                    widgets.append(
                        SymptomChart(
                            row,
                            label=f"{label:<{CHART_LABEL}}",
                            caption=caption(row),
                            id=f"chart-{index}-{series.symptom}-{when}",
                        )
                    )
            extra = flagged_lines(checkin)
            if extra:
                widgets.append(Static(literal("\n".join(extra)), classes="flag"))
        rest = ["", "Programs, these weeks (sessions completed / all, minutes):"]
        rest += [
            f"  {total.title} ({total.program}): {total.completed}/{total.sessions}, "
            f"{total.minutes:.0f} min"
            for total in progress.programs
        ] or ["  none yet"]
        rest += ["", "Exercises, these weeks (completed in / done in sessions, reps):"]
        rest += [
            f"  {total.program}: {total.name}: {total.completed}/{total.sessions}, "
            f"{total.reps_done} reps"
            for total in progress.exercises
        ] or ["  none yet"]
        rest += ["", "Breaks, these weeks:", *break_lines(data)]
        widgets.append(Static(literal("\n".join(rest)), id="totals"))
        scroll = self.query_one("#progress", VerticalScroll)
        # One layout and one frame for the swap, not one with the old widgets gone
        # and another with the new ones in (each about 30 ms on a 120x40 screen).
        with self.app.batch_update():
            await scroll.remove_children()
            await scroll.mount_all(widgets)

    async def on_resize(self) -> None:
        """Lay the calendar out again for the new width (the weeks already read)."""
        if self.data is not None:
            await self.show(self.data)
