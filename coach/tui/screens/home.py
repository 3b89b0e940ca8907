"""The home screen: the program library, with broken files and their errors."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from coach.durations import format_clock
from coach.library import Library
from coach.timeline import build_timeline
from coach.tui.screens.program import ProgramScreen


class HomeScreen(Screen[None]):
    """Every program in the library; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library

    def compose(self) -> ComposeResult:
        yield Header()
        options = []
        for entry in self.library.entries:
            program = entry.loaded.program
            length = format_clock(build_timeline(program).total_seconds)
            audience = ", ".join(program.info.audience) or "everyone"
            # Program text is data: Content() never parses it as markup.
            prompt = Content.assemble(
                Content(program.title).stylize("bold"),
                Content(f"  {length}  ({audience})"),
                "\n",
                Content(program.info.summary or " "),
            )
            options.append(Option(prompt, id=entry.id))
        yield OptionList(*options, id="programs")
        if self.library.broken:
            lines = [str(issue) for broken in self.library.broken for issue in broken.error.issues]
            yield Static(
                Content(f"Broken program files ({len(self.library.broken)}):\n" + "\n".join(lines)),
                id="broken",
            )
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen program."""
        self._open(event.option.id)

    def action_open(self) -> None:
        """Open the highlighted program."""
        options = self.query_one("#programs", OptionList)
        if options.highlighted is not None:
            self._open(options.get_option_at_index(options.highlighted).id)

    def _open(self, program_id: str | None) -> None:
        entry = self.library.get(program_id) if program_id else None
        if entry is not None:
            self.app.push_screen(ProgramScreen(entry))
