"""The one setting the app's first frame needs, read without pydantic: the theme.

The full loader (:func:`coach.settings.load_settings`) costs about 100 ms of
imports (pydantic-settings), more than the rest of the app's start, and the
first frame needs only ``ui.theme``. :func:`quick_theme` reads it from the same
layers as the full loader (the shipped file, the user's file, ``COACH_*``
variables, ``--set``) in the same way, and answers None whenever anything
about it is unusual, so that the caller uses the full loader, and its proper
error messages, instead. The app reads the full settings just after its first
frame, and stops with the same message if they are bad
(:class:`coach.tui.app.CoachApp`); this is the theme's twin of
:func:`coach.status.quick_history_settings`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from coach import paths

DEFAULT_THEME = "textual-dark"
"""The theme when nothing sets one (as :class:`coach.settings.UISettings` says)."""


class _Unusual(Exception):
    """Something the quick reader does not handle: use the full loader."""


def _file_theme(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise _Unusual from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise _Unusual from None
    ui = data.get("ui", {})
    if not isinstance(ui, dict):
        raise _Unusual
    theme = ui.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise _Unusual
    return theme


def _theme(overrides: Mapping[str, str]) -> str:
    # Variable names in any case (the last one in sorted order wins), --set keys
    # with spaces around the dots: as the full loader reads them.
    environ = {name.upper(): value for name, value in sorted(os.environ.items())}
    given = {
        ".".join(part.strip() for part in key.split(".")): value for key, value in overrides.items()
    }
    if "COACH_UI" in environ or "ui" in given:
        raise _Unusual  # a whole section as JSON
    theme = DEFAULT_THEME
    for path in (paths.shipped_config_file(), paths.user_config_file()):
        found = _file_theme(path)
        if found is not None:
            theme = found
    theme = environ.get("COACH_UI__THEME", theme)
    return given.get("ui.theme", theme)


def quick_theme(overrides: Mapping[str, str]) -> str | None:
    """``ui.theme``, read quickly; None if the full loader should read the settings."""
    try:
        return _theme(overrides)
    except _Unusual:
        return None
