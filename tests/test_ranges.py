"""Ranges (format version 2): ``{ min, max, target }`` for counts, durations and schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.program.loader import ProgramError, parse_program
from coach.program.model import CountRange, SecondsRange, lowest, paced

BASE = """\
schema_version = 2

[program]
id = "ranged"
title = "Ranged"

[program.schedule]
per_day = { min = 3, max = 5 }

[[exercise]]
id = "glide"
name = "Median nerve glide"
reps = 10
hold = 2
"""


def refused(text: str) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        parse_program(text, Path("p.toml"))
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def test_a_range_is_paced_at_its_target_or_else_its_max() -> None:
    assert paced(CountRange(min=10, max=15)) == 15
    assert paced(CountRange(min=10, max=15, target=12)) == 12
    assert lowest(CountRange(min=10, max=15, target=12)) == 10
    assert paced(SecondsRange.model_validate({"min": "3s", "max": "7s"})) == 7.0
    assert (paced(4), lowest(4)) == (4, 4)


def test_a_schedule_may_prescribe_a_range_of_sessions() -> None:
    schedule = parse_program(BASE, Path("p.toml")).info.schedule
    assert schedule is not None
    assert schedule.per_day == CountRange(min=3, max=5)
    assert (schedule.paced_per_day, schedule.paced_per_week) == (5, None)
    weekly = BASE.replace(
        "per_day = { min = 3, max = 5 }", "per_week = { min = 2, max = 4, target = 3 }"
    )
    schedule = parse_program(weekly, Path("p.toml")).info.schedule
    assert schedule is not None and schedule.paced_per_week == 3


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{ min = 5, max = 3 }", "8: program.schedule.per_day: min (5) is more than max (3)"),
        (
            "{ min = 3, max = 5, target = 6 }",
            "8: program.schedule.per_day: target (6) is not from min (3) to max (5)",
        ),
        (
            "{ min = 3, max = 5, tagret = 4 }",
            "8: unknown key 'tagret' in the range program.schedule.per_day "
            "(did you mean 'target'?)",
        ),
        ("{ max = 5 }", "8: missing required key 'min' in the range program.schedule.per_day"),
        ("{ min = 0, max = 5 }", "8: program.schedule.per_day.min: must be at least 1, got 0"),
        ('"3-5"', "8: program.schedule.per_day: expected a whole number, got text ('3-5')"),
    ],
)
def test_a_wrong_range_is_refused_at_its_line(written: str, message: str) -> None:
    text = BASE.replace("{ min = 3, max = 5 }", written)
    assert refused(text) == [message]


def test_a_version_1_file_may_not_use_a_range() -> None:
    text = BASE.replace("schema_version = 2", "schema_version = 1")
    assert refused(text) == [
        "8: a range for per_day needs schema_version = 2 at the top of the file (this file says 1)"
    ]
