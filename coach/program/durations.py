"""Durations as program files and settings write them.

A duration is a number of seconds (``15``, ``0.5``) or a string of hour,
minute and second parts in that order (``"15s"``, ``"1m30s"``, ``"2h"``,
``"0.5s"``). Internally every duration is a float number of seconds.

The string form is read by a hand-written scanner that looks at each
character once: a regular expression with optional parts separated by
``\\s*`` backtracks (320 spaces and an ``x`` took 7.7 s), and these strings
come from files and environment variables someone else may have written.
"""

from __future__ import annotations

import math

#: The pattern a duration string must match, for the JSON Schema.
#: Each part carries the spaces after it, so no run of spaces can be split
#: between two ``\s*`` in more than one way: editors run this pattern on every
#: keystroke, and a pattern with adjacent ``\s*`` backtracks on a long run of
#: spaces. It accepts the same strings as :func:`parse_duration`.
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*h\s*)?(\d+(\.\d+)?\s*m\s*)?(\d+(\.\d+)?\s*s\s*)?$"

MAX_DURATION_TEXT = 100
"""The longest duration string read, in characters; "1h30m" needs five."""

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}


class DurationError(ValueError):
    """A value that is not a duration."""


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _skip_digits(text: str, index: int) -> int:
    while index < len(text) and text[index].isdecimal():
        index += 1
    return index


def _part(text: str, index: int, unit: str) -> tuple[str, int] | None:
    """The number of a ``<number> <unit>`` part at ``index``, and where the part ends."""
    end = _skip_digits(text, index)
    if end == index:
        return None
    if end + 1 < len(text) and text[end] == "." and text[end + 1].isdecimal():
        end = _skip_digits(text, end + 1)
    after = _skip_spaces(text, end)
    if after < len(text) and text[after] == unit:
        return text[index:end], after + 1
    return None


def _parts(text: str) -> dict[str, str] | None:
    """The h, m and s amounts of ``text``, or None if it is not a duration string.

    Accepts what ``^\\s*(N\\s*h)?\\s*(N\\s*m)?\\s*(N\\s*s)?\\s*$`` (N a number
    such as ``15`` or ``0.5``) accepts, as Python's ``re`` reads ``\\s`` and
    ``\\d``, with at least one part. Taking each part where it matches is
    never wrong: a number followed by one unit can match no other part.
    """
    found: dict[str, str] = {}
    index = _skip_spaces(text, 0)
    for unit in ("h", "m", "s"):
        part = _part(text, index, unit)
        if part is not None:
            found[unit], index = part
            index = _skip_spaces(text, index)
    return found if found and index == len(text) else None


def parse_duration(value: object) -> float:
    """Return ``value`` in seconds.

    Accepts an int or float number of seconds or an h/m/s string. Raises
    :class:`DurationError` with a message meant for a person otherwise.
    Whether the duration may be zero, and how long it may be, is for the
    caller to decide.
    """
    if isinstance(value, bool):
        raise DurationError(f'expected a duration such as 15, "15s" or "1m30s", got {value!r}')
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an int beyond any float
            raise DurationError(f"{_shown(value)} is not a finite duration") from None
    elif isinstance(value, str):
        if len(value) > MAX_DURATION_TEXT:
            raise DurationError(
                f"a duration is at most {MAX_DURATION_TEXT} characters, "
                f"this text has {len(value):,}"
            )
        parts = _parts(value.lower())
        if parts is None:
            raise DurationError(
                f"{value!r} is not a duration: write seconds as a number, or parts such as "
                '"15s", "1m30s", "0.5s", "2h" (hours, minutes, seconds, in that order)'
            )
        seconds = sum(float(amount) * _UNIT_SECONDS[unit] for unit, amount in parts.items())
    else:
        raise DurationError(
            f'expected a duration such as 15, "15s" or "1m30s", got {type(value).__name__}'
        )
    if not math.isfinite(seconds):
        raise DurationError(f"{_shown(value)} is not a finite duration")
    if seconds < 0:
        raise DurationError(f"a duration cannot be negative, got {_shown(value)}")
    return seconds


def _shown(value: object) -> str:
    """``repr(value)``, shortened: a number can have a million digits."""
    shown = repr(value) if not isinstance(value, int) else _int_text(value)
    return shown if len(shown) <= 40 else f"{shown[:20]}...{shown[-10:]}"


def _int_text(value: int) -> str:
    try:
        return repr(value)
    except ValueError:  # more digits than int-to-str conversion allows
        return f"a number of {value.bit_length():,} bits"


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
