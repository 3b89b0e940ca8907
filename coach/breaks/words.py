"""What a due break says: its title, its lines, the micro-break ideas, the CLI's hint.

Both hosts tell a person about a break with these words: ``coach remind``
(its line, its notification) and the app (its prompt, its notification when
the terminal is not in front). The words, the length and the program agree:
a break with a program names it, with the program's own length when that is
not the break's, so a 5-minute break never promises one thing and runs
another. Only the command line gets a ``coach run ...`` hint: inside the
app, the prompt's "Start now" runs it.

Micro-breaks without a program carry one short idea each, drawn from the
clinical texts (``breaks.micro_ideas``), turned in order by an
:class:`IdeaTurns` so that each break gets the next. Standard library only:
``coach remind`` imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coach.breaks.scheduler import Due
from coach.config.profiles import MICRO_IDEAS
from coach.program.durations import format_duration

__all__ = [
    "MICRO_IDEAS",
    "BreakProgram",
    "IdeaTurns",
    "break_words",
    "programs_from_json",
    "programs_json",
]

_AWAY = "Let your hands rest and look into the distance."
_UP = "Stand up and step away from the desk: rest your hands and your eyes."
_SAME_LENGTH = 1.0  # seconds: a program this close to the break's length is "the same"


@dataclass(frozen=True, slots=True)
class BreakProgram:
    """What the words need to know of a break's program, from the library."""

    title: str
    """The program's title (data from its file)."""

    seconds: float
    """How long the program takes."""

    summary: str = ""
    """Its one-line summary (data from its file); may be empty."""


def break_words(
    due: Due,
    *,
    program: BreakProgram | None = None,
    idea: str | None = None,
    cli_hint: bool = False,
) -> tuple[str, list[str]]:
    """A title and the lines (each a line of its own) that tell a person ``due`` is due.

    ``program`` describes ``due.program`` when the host knows it (its title
    otherwise falls back to ``due.program_title`` or the id); ``idea`` is a
    micro-break's idea (:class:`IdeaTurns`); ``cli_hint`` adds the command
    that runs the program (``coach remind``, never the app). Plain text: the
    program's title and summary come from a file, so callers show them as data.
    """
    length = format_duration(due.length)
    kind = "micro-break" if due.kind == "micro" else "rest break"
    title = f"Time for a {kind}"
    if not due.program:
        if due.kind == "micro":
            return title, [f"{length} away from the keys.", idea or _AWAY]
        return title, [f"{length} up and away from the desk.", _UP]
    name = (program.title if program else None) or due.program_title or due.program
    first = f"{length}: {name}"
    if program is not None and abs(program.seconds - due.length) >= _SAME_LENGTH:
        first += f" (the program takes {format_duration(program.seconds)})"
    lines = [first + "."]
    if program is not None and program.summary.strip():
        lines.append(program.summary.strip())
    if cli_hint:
        lines.append(f"Run it: coach run {due.program}")
    return title, lines


class IdeaTurns:
    """The micro-break ideas, one a break, in turn (see the module docstring)."""

    def __init__(self, ideas: Sequence[str], start: int = 0) -> None:
        self.ideas = tuple(idea for idea in ideas if idea.strip())
        """The ideas to turn through (empty: the plain micro-break words)."""
        self._turn = start

    @classmethod
    def starting_at(cls, ideas: Sequence[str], now: datetime) -> IdeaTurns:
        """Ideas that start turning at the minute ``now`` is in, so restarts vary."""
        return cls(ideas, start=int(now.timestamp() // 60))

    def next(self) -> str | None:
        """The next idea (None when there are none)."""
        if not self.ideas:
            return None
        idea = self.ideas[self._turn % len(self.ideas)]
        self._turn += 1
        return idea


def programs_json(entries: Mapping[str, BreakProgram]) -> dict[str, Any]:
    """The break programs as JSON-ready data (``coach remind --print-config`` writes it)."""
    return {
        program_id: {"title": p.title, "seconds": p.seconds, "summary": p.summary}
        for program_id, p in entries.items()
    }


def programs_from_json(data: Mapping[str, Any]) -> dict[str, BreakProgram]:
    """What :func:`programs_json` wrote."""
    return {
        str(program_id): BreakProgram(
            str(item["title"]), float(item["seconds"]), str(item.get("summary", ""))
        )
        for program_id, item in data.items()
    }
