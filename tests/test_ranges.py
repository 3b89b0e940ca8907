"""Ranges (format version 2): ``{ min, max, target }`` for counts, durations and schedules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest import CaptureFixture

from coach.cli.main import main
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


# --- an exercise's counts and lengths ---------------------------------------------------------

GRIP = """\
schema_version = 2

[program]
id = "grip"
title = "Grip"

[[exercise]]
id = "squeeze"
name = "Putty squeeze"
sets = { min = 2, max = 3 }
reps = { min = 10, max = 15 }
hold = { min = "3s", max = "7s", target = "5s" }

[[exercise]]
id = "heat"
name = "Heat"
duration = { min = "10m", max = "15m" }
"""


def test_an_exercise_paces_each_range_at_its_target() -> None:
    squeeze, heat = parse_program(GRIP, Path("p.toml")).exercises
    assert (squeeze.paced_sets, squeeze.paced_reps, squeeze.paced_hold) == (3, 15, 5.0)
    assert heat.paced_duration == 15 * 60
    assert squeeze.ranged and heat.ranged
    assert not parse_program(BASE, Path("p.toml")).exercises[0].ranged


def test_plan_shows_each_range_and_what_it_paces(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = tmp_path / "grip.toml"
    path.write_text(GRIP, encoding="utf-8")
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2-3 (paced 3)" in out and "10-15 (paced 15)" in out
    assert "hold 3s-7s (paced 5s)" in out
    assert "10m-15m (paced 15m) of work" in out


def test_plan_json_steps_follow_the_target(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    path = tmp_path / "grip.toml"
    path.write_text(GRIP, encoding="utf-8")
    assert main(["plan", str(path), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    holds = [s for s in steps if s["exercise"] == "squeeze" and s["kind"] == "work"]
    assert len(holds) == 3 * 15 and {s["seconds"] for s in holds} == {5.0}
    heat = [s["seconds"] for s in steps if s["exercise"] == "heat" and s["kind"] == "work"]
    assert heat == [15 * 60]


@pytest.mark.parametrize(
    ("written", "replacement", "message"),
    [
        (
            "reps = { min = 10, max = 15 }",
            "reps = { min = 15, max = 10 }",
            "11: exercise[1].reps: min (15) is more than max (10)",
        ),
        (
            'hold = { min = "3s", max = "7s", target = "5s" }',
            'hold = { min = "3s", max = "7s", target = "9s" }',
            "12: exercise[1].hold: target (9s) is not from min (3s) to max (7s)",
        ),
        (
            "sets = { min = 2, max = 3 }",
            "sets = { min = 2, most = 3 }",
            "10: unknown key 'most' in the range exercise[1].sets; allowed keys: min, max, target",
        ),
    ],
)
def test_a_wrong_exercise_range_is_refused_at_its_line(
    written: str, replacement: str, message: str
) -> None:
    assert message in refused(GRIP.replace(written, replacement))


def test_a_version_1_exercise_may_not_use_a_range() -> None:
    text = GRIP.replace("schema_version = 2", "schema_version = 1")
    assert refused(text) == [
        f"{line}: a range for {key} needs schema_version = 2 at the top of the file "
        "(this file says 1)"
        for line, key in [(10, "sets"), (11, "reps"), (12, "hold"), (17, "duration")]
    ]


def test_an_exercise_named_like_a_ranged_key_is_not_a_range() -> None:
    text = GRIP.replace('id = "heat"', 'id = "hold"') + (
        "\n[program.prescription]\nstart = 2026-11-23\n\n"
        '[[phase]]\nname = "P"\nweeks = [1, 1]\n[phase.exercise.hold]\nrpes = 3\n'
    )
    (problem,) = refused(text.replace("[program]\n", "[program]\n", 1))
    assert "unknown key 'rpes' in [phase.exercise.ID]" in problem
    assert "range" not in problem
