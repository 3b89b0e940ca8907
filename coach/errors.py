"""Errors that cheap commands need to catch without importing what raises them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from coach.text import visible


class UsageError(Exception):
    """A command asked for something it cannot do (a bad ``--since``): said as
    ``coach COMMAND: ...``, exit status 2, by :func:`coach.cli.main.main`."""


class SettingsError(Exception):
    """Settings that cannot be used; ``str()`` names the source of each problem.

    One line per problem, such as ``PATH:LINE: breaks.micro.every: ...``,
    ``COACH_BREAKS__MICRO__EVERY: ...`` or ``--set breaks.micro.every: ...``.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        given = (problems,) if isinstance(problems, str) else tuple(problems)
        # A value, a key or a file name in a problem can hold anything: shown, never obeyed.
        self.problems: tuple[str, ...] = tuple(visible(line) for line in given)
        """Each problem, as a line for a person, safe to print."""
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class ProgramIssue:
    """One problem in one program file."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        """``PATH:LINE:COL: message``, safe to print: a file name can hold anything."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return visible(f"{where}: {self.message}", newlines=False)


class ProgramError(Exception):
    """A program file that cannot be used; ``issues`` lists every problem found.

    Defined here, not in :mod:`coach.program.loader`, so the library can list broken
    files from its cache without importing pydantic; the loader re-exports both.
    """

    def __init__(self, issues: list[ProgramIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @property
    def path(self) -> Path:
        """The file the problems are in."""
        return self.issues[0].path
