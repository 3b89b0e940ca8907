"""The coach app: the program library and each program's details.

Sessions, check-ins, progress and settings screens arrive with the engine and
history; this first version lets a person browse the library, read a
program's exercises and precautions, and see broken program files with
their errors.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from coach.library import Library
from coach.settings import Settings
from coach.tui.screens.home import HomeScreen


class CoachApp(App[None]):
    """The terminal exercise coach."""

    TITLE = "coach"
    SUB_TITLE = "exercises for hands, wrists, forearms and necks"
    CSS_PATH = "coach.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, *, library: Library, settings: Settings) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        if settings.ui.theme in self.available_themes:
            self.theme = settings.ui.theme

    def on_mount(self) -> None:
        """Open on the library."""
        self.push_screen(HomeScreen(self.library))
