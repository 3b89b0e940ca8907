from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.durations import (
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
