"""The ``--set KEY=VALUE`` overrides every command takes (standard library only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    return parse_overrides(args.overrides)


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` items as a dict; raises SettingsError on one without ``=``."""
    from coach.errors import SettingsError  # not coach.config.settings: status must stay light

    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"--set {item}: expected KEY=VALUE, e.g. --set cues.bell=false")
        result[key.strip()] = value
    return result
