from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.program import durations
from coach.program.durations import (
    DURATION_PATTERN,
    DurationError,
    format_clock,
    format_duration,
    json_seconds,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (15, 15.0),
        (0.5, 0.5),
        (0, 0.0),
        ("15s", 15.0),
        ("1m30s", 90.0),
        ("0.5s", 0.5),
        ("2h", 7200.0),
        ("1h2m3s", 3723.0),
        ("15m", 900.0),
        (" 1m 30s ", 90.0),
        ("1M30S", 90.0),
    ],
)
def test_parse_duration_accepts_numbers_and_hms_strings(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "s",
        "15",
        "15x",
        "1s1m",
        "1.5.5s",
        "-5s",
        "fifteen",
        True,
        None,
        [15],
        -1,
        float("inf"),
        float("nan"),
    ],
)
def test_parse_duration_rejects_everything_else(bad: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(bad)


def test_bare_string_number_is_not_guessed() -> None:
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration("15")


@given(st.floats(min_value=0, max_value=100 * 3600, allow_nan=False).map(lambda x: round(x, 3)))
def test_format_duration_round_trips(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, abs=1e-3)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(15, "15s"), (90, "1m30s"), (7200, "2h"), (0.5, "0.5s"), (0, "0s"), (3723, "1h2m3s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_clock_and_json_seconds() -> None:
    assert format_clock(45) == "0:45"
    assert format_clock(725) == "12:05"
    assert format_clock(3723) == "1:02:03"
    assert json_seconds(15.0) == 15 and isinstance(json_seconds(15.0), int)
    assert json_seconds(0.5) == 0.5


# --- hostile text: linear time, bounded length, huge values -------------------------------------


def _regex_reading(text: str) -> dict[str, str] | None:
    """What the old regular expression made of ``text`` (the language to keep)."""
    part = r"(?:(?P<{0}>\d+(?:\.\d+)?)\s*{0})?"
    pattern = re.compile(r"^\s*" + r"\s*".join(part.format(u) for u in ("h", "m", "s")) + r"\s*$")
    match = pattern.match(text.lower()) if len(text) < 12 else None
    if match is None or not any(match.groupdict().values()):
        return None
    return {unit: amount for unit, amount in match.groupdict().items() if amount is not None}


@given(st.text(alphabet="12.hmsHMS x\t\n\u00a0\u0663", max_size=10))
def test_the_scanner_accepts_what_the_old_regular_expression_accepted(text: str) -> None:
    expected = _regex_reading(text)
    if expected is None:
        with pytest.raises(DurationError):
            parse_duration(text)
    else:
        units = {"h": 3600.0, "m": 60.0, "s": 1.0}
        assert parse_duration(text) == sum(float(v) * units[k] for k, v in expected.items())


@given(st.text(alphabet="12.hmsHMS x\t", max_size=12))
def test_the_schema_pattern_accepts_the_same_strings(text: str) -> None:
    """DURATION_PATTERN (for editors) agrees with the parser, ignoring the at-least-one-part rule."""
    matched = re.match(DURATION_PATTERN, text.lower()) is not None
    if text.strip():
        assert matched == (_regex_reading(text) is not None)


def test_a_long_run_of_spaces_is_refused_quickly() -> None:
    started = time.process_time()
    with pytest.raises(DurationError, match="at most 100 characters, this text has 100,000"):
        parse_duration(" " * 99_999 + "x")
    assert time.process_time() - started < 0.5  # CPU time: a loaded machine does not fail it


def test_the_scanner_is_linear_even_without_the_length_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The length limit is a second guard: the scanner itself never backtracks."""
    monkeypatch.setattr(durations, "MAX_DURATION_TEXT", 10**7)
    started = time.process_time()
    for text in (
        " " * 100_000 + "x",
        "1" * 100_000 + "x",
        "1 " * 50_000 + "x",
        "1h" + " " * 100_000,
    ):
        with pytest.raises(DurationError):
            parse_duration(text + "1")
    assert time.process_time() - started < 0.5  # CPU time: a loaded machine does not fail it


@pytest.mark.parametrize(
    "hostile", [" " * 100_000 + "x", "1" * 100_000 + "x", "1h" + " " * 100_000 + "x", "1." * 50_000]
)
def test_the_schema_pattern_does_not_backtrack(hostile: str) -> None:
    """Editors run DURATION_PATTERN on what is typed; it must not be catastrophic."""
    started = time.process_time()
    assert re.match(DURATION_PATTERN, hostile) is None
    assert time.process_time() - started < 0.5  # CPU time: a loaded machine does not fail it


@pytest.mark.parametrize("huge", [10**400, "9" * 98 + "h", 1e308 * 10])
def test_huge_values_are_a_clear_error_or_a_number(huge: object) -> None:
    """Never OverflowError: too big for a float is 'not a finite duration'."""
    try:
        seconds = parse_duration(huge)
    except DurationError as error:
        assert "not a finite duration" in str(error)
        assert len(str(error)) < 200
    else:
        assert seconds > 1e100
