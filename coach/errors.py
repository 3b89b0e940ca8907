"""Errors that cheap commands need to catch without importing what raises them."""

from __future__ import annotations

from collections.abc import Iterable


class SettingsError(Exception):
    """Settings that cannot be used; ``str()`` names the source of each problem.

    One line per problem, such as ``PATH:LINE: breaks.micro.every: ...``,
    ``COACH_BREAKS__MICRO__EVERY: ...`` or ``--set breaks.micro.every: ...``.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        """Each problem, as a line for a person."""
        super().__init__("\n".join(self.problems))
