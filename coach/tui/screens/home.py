"""The home screen: the program library, a filter, today's streak, and broken files."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from coach.errors import ProgramError
from coach.program.durations import format_clock
from coach.program.library import Library, LibraryEntry
from coach.tui.literal import literal
from coach.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from coach.status import Status


def matches(entry: LibraryEntry, query: str) -> bool:
    """Whether every word typed appears in the program's id, title, summary or audience."""
    listing = entry.listing
    haystack = " ".join([entry.id, listing.title, listing.summary, *listing.audience]).lower()
    return all(word in haystack for word in query.lower().split())


class FilterInput(Input):
    """The filter, which has the focus: every key typed reaches it by one route.

    When the list had the focus and the filter took it at the first letter,
    letters already on their way to the list arrived after the focus had moved
    and were lost ("zebra" became "z"), and Enter opened the first match for "z".
    ``?`` stays help (no program's name needs it), and a space typed into an
    empty filter is ignored.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Open")]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Leave ``?`` to the help binding, which an input would otherwise take."""
        return character != "?" and super().check_consume_key(key, character)

    def on_key(self, event: events.Key) -> None:
        if event.key == "space" and not self.value:
            event.prevent_default()


class HomeScreen(Screen[None]):
    """Every program in the library; type to filter, Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("f2", "app.progress", "Progress"),
        Binding("f3", "app.settings", "Settings"),
        Binding("ctrl+q", "app.quit", "Quit"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(
        self,
        library: Library,
        status: Callable[[], Status | None],
        today: Callable[[], datetime.date] | None = None,
        first_day: Callable[[str], datetime.date | None] | None = None,
    ) -> None:
        """``status`` reads the streak and today's numbers (None without a history);
        ``today`` is the day as the history counts it, which picks a prescription's phase;
        ``first_day`` gives a program's first session day, a protocol's week 1."""
        super().__init__()
        self._today = today
        self._first_day = first_day
        self._break_text = ""
        self._shown_query = ""
        self.library = library
        self._status = status
        self._due: dict[str, str] = {}
        """Each prescribed program's "due today: 1 of 3 done", from the last status read."""
        # From the listing: the first frame needs neither the programs nor pydantic.
        self._lengths = {
            entry.id: format_clock(entry.listing.total_seconds) for entry in library.entries
        }

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="today")
        yield Static("", id="break")
        # When the focus comes back to the filter (a letter typed after a click on the list),
        # select_on_focus would select what is there and the next letter would replace it.
        yield FilterInput(
            placeholder="Type to filter: a name, or typist, musician, desk",
            id="filter",
            select_on_focus=False,
        )
        yield OptionList(*self._options(""), id="programs")
        yield Static("", id="no-match")
        if self.library.broken:
            lines = [str(issue) for broken in self.library.broken for issue in broken.error.issues]
            yield Static(
                literal(f"Broken program files ({len(self.library.broken)}):\n" + "\n".join(lines)),
                id="broken",
            )
        yield KeysFooter()

    def _options(self, query: str) -> list[Option]:
        return [
            Option(self._prompt(entry), id=entry.id)
            for entry in self.library.entries
            if matches(entry, query)
        ]

    def _prompt(self, entry: LibraryEntry) -> Content:
        listing = entry.listing
        audience = ", ".join(listing.audience) or "everyone"
        due = self._due.get(entry.id)
        # Program text is data: literal() never parses it as markup.
        return Content.assemble(
            literal(listing.title).stylize("bold"),
            literal(f"  {self._lengths[entry.id]}  ({audience})"),
            literal(f"  - {due}").stylize("italic") if due else "",
            "\n",
            literal(listing.summary or " "),
        )

    def on_mount(self) -> None:
        """Show today's numbers; the filter has the focus (``?`` is help, never typed)."""
        self.show_break(self._break_text)
        self._show_no_match("")
        self.refresh_today()
        self.query_one("#filter", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """A letter typed while the list has the focus (after a click) goes to the filter."""
        filter_input = self.query_one("#filter", Input)
        char = event.character
        if char is None or not char.isprintable() or (char == " " and not filter_input.value):
            return
        filter_input.focus()
        filter_input.insert_text_at_cursor(char)
        event.stop()
        event.prevent_default()

    def action_clear_filter(self) -> None:
        """Escape empties the filter."""
        filter_input = self.query_one("#filter", Input)
        filter_input.value = ""
        filter_input.focus()

    def on_screen_resume(self) -> None:
        """Back from a session: the streak may have grown."""
        self.refresh_today()

    def refresh_today(self) -> None:
        """The streak, today's minutes and what is due today, from the history."""
        status = self._status()
        self._show_due({} if status is None else {due.program: due.line() for due in status.due})
        today = self.query_one("#today", Static)
        if status is None:
            today.update("")
            return
        streak = status.current_streak
        today.update(
            f"Streak: {streak} day{'s' if streak != 1 else ''} - today: "
            f"{status.sessions_today} done, {status.minutes_today:g} min"
        )

    def _show_due(self, due: dict[str, str]) -> None:
        """Put "due today: 1 of 3 done" beside each prescribed program in the list."""
        if due == self._due:
            return
        changed = {
            key for key in due.keys() | self._due.keys() if due.get(key) != self._due.get(key)
        }
        self._due = due
        programs = self.query_one("#programs", OptionList)
        for index in range(programs.option_count):
            option = programs.get_option_at_index(index)
            entry = self.library.get(option.id) if option.id in changed else None
            if entry is not None:
                programs.replace_option_prompt_at_index(index, self._prompt(entry))

    def show_break(self, text: str) -> None:
        """The break banner: "Next break: micro-break in 7 min" (empty without reminders)."""
        self._break_text = text
        for banner in self.query("#break").results(Static):
            banner.update(text)
            banner.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the person types."""
        self._filter(event.input.value)

    def _filter(self, query: str) -> None:
        """Show the programs that match everything typed so far.

        A quick typist's keys reach the filter before its ``Changed`` messages
        reach this screen, so the list follows the filter's value now, never the
        older value a message carries, and Enter brings it up to date first.
        """
        if query == self._shown_query:
            return
        self._shown_query = query
        programs = self.query_one("#programs", OptionList)
        programs.clear_options()
        programs.add_options(self._options(query))
        if programs.option_count:
            programs.highlighted = 0
        self._show_no_match(query if not programs.option_count else "")

    def _show_no_match(self, query: str) -> None:
        no_match = self.query_one("#no-match", Static)
        no_match.update(literal(f"No program matches {query.strip()!r}.") if query else "")
        no_match.display = bool(query)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the highlighted program."""
        self.action_open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen program."""
        self._open(event.option.id)

    def action_move(self, by: int) -> None:
        """Up and down move through the list, wherever the focus is."""
        programs = self.query_one("#programs", OptionList)
        if not programs.option_count:
            return
        current = programs.highlighted if programs.highlighted is not None else -by
        programs.highlighted = max(0, min(programs.option_count - 1, current + by))

    def action_open(self) -> None:
        """Open the highlighted program (of the list for everything typed)."""
        self._filter(self.query_one("#filter", Input).value)
        options = self.query_one("#programs", OptionList)
        if options.highlighted is not None:
            self._open(options.get_option_at_index(options.highlighted).id)

    def _cannot_open(self, error: ProgramError) -> None:
        self.notify(
            str(error), title="This program cannot be opened", severity="error", markup=False
        )

    def _open(self, program_id: str | None) -> None:
        entry = self.library.get(program_id) if program_id else None
        if entry is None:
            return
        try:
            entry.load()  # now: listed from the cache, the file may have changed since
        except ProgramError as error:
            self._cannot_open(error)
            return
        except Exception as error:  # one bad file never stops the app (see coach.program.library)
            from coach.program.library import unexpected_problem

            self._cannot_open(unexpected_problem(entry.path, error))
            return
        from coach.tui.screens.program import ProgramScreen  # imports the program model

        day = None if self._today is None else self._today()
        first_day = None if self._first_day is None else self._first_day(entry.id)
        self.app.push_screen(ProgramScreen(entry, day, first_day))
