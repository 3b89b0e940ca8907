"""Settings read without pydantic: the layers' raw text, and the app's theme.

:func:`read_config_file` and :func:`text_layers` give the files, ``COACH_*``
variables and ``--set`` overrides as the full loader reads them, for the
quick readers here and in :mod:`coach.status`.

The full loader (:func:`coach.config.settings.load_settings`) costs about 100 ms of
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
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coach import paths
from coach.files import read_regular_file
from coach.program.nesting import too_deep_in_data, too_deep_in_toml

DAY_START_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
"""A time of day as ``H:MM`` or ``HH:MM`` on a 24-hour clock (``history.day_start``)."""

DEFAULT_THEME = "textual-dark"
"""The theme when nothing sets one (as :class:`coach.config.settings.UISettings` says)."""


MAX_QUICK_BYTES = 1024 * 1024
"""A settings file larger than this is left to the full loader (which refuses it)."""


class Unusual(Exception):
    """Something a quick reader does not handle: use the full loader."""


def read_config_file(path: Path) -> dict[str, Any]:
    """A config file's TOML as a dict; ``{}`` when there is none.

    Raises :class:`Unusual` when it cannot be read or parsed: the full loader
    then says what is wrong, with the line.
    """
    try:
        text = read_regular_file(path, MAX_QUICK_BYTES).decode("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):  # including UnicodeDecodeError, FIFOs, devices, huge files
        raise Unusual from None
    if too_deep_in_toml(text) is not None:
        raise Unusual  # the full loader names the line
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        raise Unusual from None
    if too_deep_in_data(data) is not None:
        raise Unusual
    return data


def text_layers(overrides: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The ``COACH_*`` variables and the ``--set`` overrides, keyed as the full loader reads them.

    Variable names in any case (the last one in sorted order wins), and
    ``--set`` keys with spaces around the dots.
    """
    environ = {name.upper(): value for name, value in sorted(os.environ.items())}
    given = {
        ".".join(part.strip() for part in key.split(".")): value for key, value in overrides.items()
    }
    return environ, given


def _file_theme(path: Path) -> str | None:
    ui = read_config_file(path).get("ui", {})
    if not isinstance(ui, dict):
        raise Unusual
    theme = ui.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise Unusual
    return theme


def _theme(overrides: Mapping[str, str]) -> str:
    environ, given = text_layers(overrides)
    if "COACH_UI" in environ or "ui" in given:
        raise Unusual  # a whole section as JSON
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
    except Unusual:
        return None
