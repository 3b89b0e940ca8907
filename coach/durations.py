"""Durations as program files and settings write them.

A duration is a number of seconds (``15``, ``0.5``) or a string of hour,
minute and second parts in that order (``"15s"``, ``"1m30s"``, ``"2h"``,
``"0.5s"``). Internally every duration is a float number of seconds.
"""

from __future__ import annotations

import math
import re

_PART = r"(?:(?P<{0}>\d+(?:\.\d+)?)\s*{0})?"
_DURATION_RE = re.compile(
    r"^\s*" + r"\s*".join(_PART.format(unit) for unit in ("h", "m", "s")) + r"\s*$"
)

#: The pattern a duration string must match, for the JSON Schema.
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*h)?\s*(\d+(\.\d+)?\s*m)?\s*(\d+(\.\d+)?\s*s)?\s*$"

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}


class DurationError(ValueError):
    """A value that is not a duration."""


def parse_duration(value: object) -> float:
    """Return ``value`` in seconds.

    Accepts an int or float number of seconds or an h/m/s string. Raises
    :class:`DurationError` with a message meant for a person otherwise.
    Whether the duration may be zero is for the caller to decide.
    """
    if isinstance(value, bool):
        raise DurationError(f'expected a duration such as 15, "15s" or "1m30s", got {value!r}')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value.lower())
        if match is None or not any(match.groupdict().values()):
            raise DurationError(
                f"{value!r} is not a duration: write seconds as a number, or parts such as "
                '"15s", "1m30s", "0.5s", "2h" (hours, minutes, seconds, in that order)'
            )
        seconds = sum(
            float(amount) * _UNIT_SECONDS[unit]
            for unit, amount in match.groupdict().items()
            if amount is not None
        )
    else:
        raise DurationError(
            f'expected a duration such as 15, "15s" or "1m30s", got {type(value).__name__}'
        )
    if not math.isfinite(seconds):
        raise DurationError(f"{value!r} is not a finite duration")
    if seconds < 0:
        raise DurationError(f"a duration cannot be negative, got {value!r}")
    return seconds


def _number(value: float) -> str:
    """A float without a trailing ``.0`` and without float noise."""
    text = f"{round(value, 3):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def format_duration(seconds: float) -> str:
    """Write ``seconds`` the way a person would: ``"15s"``, ``"1m30s"``, ``"2h"``.

    The result always parses back to the same value (to the millisecond).
    """
    if seconds <= 0:
        return "0s"
    rounded = round(seconds, 3)
    hours, rest = divmod(rounded, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{int(hours)}h")
    if minutes:
        parts.append(f"{int(minutes)}m")
    if secs > 1e-9 or not parts:
        parts.append(f"{_number(secs)}s")
    return "".join(parts)


def format_clock(seconds: float) -> str:
    """A length for tables: ``"0:45"``, ``"12:05"``, ``"1:02:03"`` (rounded to the second)."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def json_seconds(seconds: float) -> int | float:
    """Seconds for JSON output: a whole number where the value is whole."""
    rounded = round(seconds, 6)
    return int(rounded) if rounded == int(rounded) else rounded
