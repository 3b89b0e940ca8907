"""Where finished and interrupted sessions go.

The engine's events are what gets recorded. Until the history store exists,
:class:`SessionRecorder` is the interface it will implement and
:class:`NullRecorder` records nothing; :class:`MemoryRecorder` keeps events
in memory for tests.
"""

from __future__ import annotations

from typing import Protocol

from coach.engine import Event, SessionResult
from coach.loader import LoadedProgram


class SessionRecorder(Protocol):
    """Receives every event of one session, then how it ended."""

    def start(self, loaded: LoadedProgram) -> None:
        """A session of ``loaded`` is about to start."""

    def __call__(self, event: Event) -> None:
        """One event, as it happens (write through: a crash may come at any moment)."""

    def finish(self, result: SessionResult) -> None:
        """The session ended: completed, or stopped (partial)."""


class NullRecorder:
    """Records nothing (``--no-record``, and until the history store exists)."""

    def start(self, loaded: LoadedProgram) -> None:
        """Nothing to do."""

    def __call__(self, event: Event) -> None:
        """Nothing to do."""

    def finish(self, result: SessionResult) -> None:
        """Nothing to do."""


class MemoryRecorder:
    """Keeps everything in memory."""

    def __init__(self) -> None:
        self.loaded: LoadedProgram | None = None
        self.events: list[Event] = []
        self.result: SessionResult | None = None

    def start(self, loaded: LoadedProgram) -> None:
        """Remember the program."""
        self.loaded = loaded

    def __call__(self, event: Event) -> None:
        """Keep the event."""
        self.events.append(event)

    def finish(self, result: SessionResult) -> None:
        """Keep the result."""
        self.result = result
