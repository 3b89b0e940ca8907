"""Settings read without pydantic: the layers' raw text, and the app's theme.

:func:`quick_layers` reads the layers through
:func:`coach.config.layers.read_layers`, as the full loader does, with
standard-library sources (:class:`QuickSources`), for the quick readers here
and in :mod:`coach.status`.

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

from coach.config import layers
from coach.config.layers import Layer
from coach.files import read_regular_file
from coach.program.mistakes import without_bom
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
        text = without_bom(read_regular_file(path, MAX_QUICK_BYTES).decode("utf-8"))
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


class QuickSources:
    """Standard-library sources for :func:`coach.config.layers.read_layers`.

    Values stay as the layers give them (text from variables and ``--set``),
    and anything a quick reader should not judge raises :class:`Unusual`.
    """

    def defaults(self) -> Layer:
        return {}  # each quick reader knows its own defaults

    def file(self, path: Path) -> Layer:
        return layers.file_layer(path, read_config_file(path), "")

    def environment(self) -> Layer:
        layer: Layer = {}
        for key, variable in layers.env_variables().items():
            layers.place(key, os.environ[variable], layers.env_origin(variable), layer)
        return layer

    def overrides(self, given: Mapping[str, Any]) -> Layer:
        layer: Layer = {}
        for dotted, value in given.items():
            layers.place(layers.set_key(dotted), value, layers.SET, layer)
        return layer


def quick_layers(overrides: Mapping[str, str]) -> Layer:
    """Every layer as the full loader reads it, merged, unvalidated; raises :class:`Unusual`."""
    return layers.read_layers(QuickSources(), overrides)


def _theme(overrides: Mapping[str, str]) -> str:
    merged = quick_layers(overrides)
    if ("ui",) in merged:
        raise Unusual  # the section given as one value (JSON text, or not a table)
    entry = merged.get(("ui", "theme"))
    if entry is None:
        return DEFAULT_THEME
    if not isinstance(entry[0], str):
        raise Unusual
    return entry[0]


def quick_theme(overrides: Mapping[str, str]) -> str | None:
    """``ui.theme``, read quickly; None if the full loader should read the settings."""
    try:
        return _theme(overrides)
    except Unusual:
        return None
