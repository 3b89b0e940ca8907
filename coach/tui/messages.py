"""What screens tell the app: messages that bubble up, instead of screens reaching into it.

A screen never calls the app's methods or looks at its attributes; it posts
one of these, and :class:`coach.tui.app.CoachApp` handles it
(``on_start_session``, ``on_settings_changed``). What a screen needs from the
app it is given when it is made (the home screen's ``status`` reader).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from coach.program.loader import LoadedProgram


class StartSession(Message):
    """Start a session of this program: the check-in first, when the program asks for one."""

    def __init__(self, loaded: LoadedProgram) -> None:
        super().__init__()
        self.loaded = loaded


class SettingsChanged(Message):
    """The user's config file changed: read the settings again."""
