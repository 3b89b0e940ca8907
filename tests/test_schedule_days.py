"""Schedule days, times and as_needed (format version 2): accepted, and refused at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.cli.main import main
from coach.program.loader import ProgramError, parse_program
from coach.program.model import Schedule

BASE = """\
schema_version = 2

[program]
id = "timed"
title = "Timed"

[program.schedule]
SCHEDULE

[[exercise]]
id = "glide"
name = "Median nerve glide"
reps = 10
hold = 2
"""


def schedule_of(lines: str) -> Schedule:
    schedule = parse_program(BASE.replace("SCHEDULE", lines), Path("p.toml")).info.schedule
    assert schedule is not None
    return schedule


def refused(lines: str, version: int = 2) -> list[str]:
    text = BASE.replace("SCHEDULE", lines)
    text = text.replace("schema_version = 2", f"schema_version = {version}")
    with pytest.raises(ProgramError) as caught:
        parse_program(text, Path("p.toml"))
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def test_days_and_times_are_kept_and_times_set_per_day() -> None:
    schedule = schedule_of('days = ["mon", "thu"]\ntimes = ["08:00", "13:00", "18:30"]')
    assert schedule.days == ["mon", "thu"]
    assert schedule.times == ["08:00", "13:00", "18:30"]
    assert (schedule.paced_per_day, schedule.paced_per_week) == (3, None)


def test_per_week_with_days_and_per_day_agreeing_with_times() -> None:
    weekly = schedule_of('per_week = 2\ndays = ["tue", "fri", "sun"]')
    assert (weekly.paced_per_week, weekly.days) == (2, ["tue", "fri", "sun"])
    daily = schedule_of('per_day = 2\ntimes = ["07:00", "19:00"]')
    assert daily.paced_per_day == 2


def test_as_needed_has_no_target() -> None:
    schedule = schedule_of("as_needed = true")
    assert schedule.as_needed
    assert (schedule.paced_per_day, schedule.paced_per_week) == (None, None)
    assert schedule_of('as_needed = true\ndays = ["mon"]').days == ["mon"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "as_needed = true\nper_day = 3",
            "9: [program.schedule] as_needed = true has no target: remove per_day (or as_needed)",
        ),
        (
            'as_needed = true\ntimes = ["08:00"]',
            "9: [program.schedule] as_needed = true has no target: remove times (or as_needed)",
        ),
        (
            'per_day = 1\ndays = ["mon", "mon"]',
            "9: [program.schedule] days lists a day twice; give each day once",
        ),
        (
            "per_day = 1\ndays = []",
            '9: [program.schedule] days needs at least one day, e.g. ["mon", "thu"]',
        ),
        (
            'per_day = 1\ndays = ["monday"]',
            "9: program.schedule.days[1]: Input should be 'mon', 'tue'",
        ),
        (
            'times = ["8:00"]',
            "8: [program.schedule] times: '8:00' is not a 24-hour time; "
            'write "HH:MM", e.g. "08:00"',
        ),
        (
            'times = ["24:00"]',
            "8: [program.schedule] times: '24:00' is not a 24-hour time; "
            'write "HH:MM", e.g. "08:00"',
        ),
        (
            'times = ["13:00", "08:00"]',
            "8: [program.schedule] times must be earliest first: 08:00, 13:00",
        ),
        (
            'times = ["08:00", "08:00"]',
            "8: [program.schedule] times lists a time twice; give each time once",
        ),
        (
            'per_week = 3\ntimes = ["08:00"]',
            "9: [program.schedule] times say when each day's sessions are due: "
            "use per_day, not per_week",
        ),
        (
            'per_day = 3\ntimes = ["08:00", "13:00"]',
            "8: [program.schedule] per_day = 3 but times lists 2; "
            "make them agree or leave per_day out",
        ),
    ],
)
def test_a_wrong_schedule_is_refused_at_its_line(lines: str, message: str) -> None:
    found = refused(lines)
    assert any(message in issue for issue in found), found
    assert all(issue.split(":")[0] in {"8", "9"} for issue in found), found


@pytest.mark.parametrize(
    ("lines", "key", "line"),
    [
        ('per_day = 1\ndays = ["mon"]', "days", 9),
        ('times = ["08:00"]', "times", 8),
        ("as_needed = true", "as_needed", 8),
    ],
)
def test_a_version_1_file_may_not_use_them(lines: str, key: str, line: int) -> None:
    assert (
        f"{line}: {key} in [program.schedule] needs schema_version = 2 at the top of the file "
        "(this file says 1)"
    ) in refused(lines, version=1)


@pytest.mark.parametrize(
    ("lines", "shown"),
    [
        (
            'days = ["mon", "thu"]\ntimes = ["08:00", "13:00"]',
            "Schedule: 2 a day on mon, thu at 08:00, 13:00",
        ),
        ('per_week = 2\ndays = ["tue", "fri", "sun"]', "Schedule: 2 a week on tue, fri, sun"),
        ("as_needed = true", "Schedule: as needed"),
    ],
)
def test_plan_shows_days_times_and_as_needed(
    lines: str, shown: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(BASE.replace("SCHEDULE", lines), encoding="utf-8")
    assert main(["plan", str(path)]) == 0
    assert shown in capsys.readouterr().out.splitlines()


def test_plan_adds_no_line_for_a_plain_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(BASE.replace("SCHEDULE", "per_day = 2"), encoding="utf-8")
    assert main(["plan", str(path)]) == 0
    assert "Schedule:" not in capsys.readouterr().out


PHASED = """\
schema_version = 2

[program]
id = "phased"
title = "Phased"

[program.prescription]
weeks = 4

[[exercise]]
id = "glide"
name = "Median nerve glide"
reps = 10
hold = 2

[[phase]]
name = "Early"
weeks = [1, 2]
schedule = SCHEDULE
"""


def test_a_phase_schedule_takes_the_keys_and_is_refused_at_its_line() -> None:
    text = PHASED.replace("SCHEDULE", '{ days = ["mon"], times = ["09:00"] }')
    phase = parse_program(text, Path("p.toml")).phases[0]
    assert phase.schedule is not None
    assert (phase.schedule.days, phase.schedule.paced_per_day) == (["mon"], 1)
    with pytest.raises(ProgramError) as caught:
        parse_program(PHASED.replace("SCHEDULE", '{ times = ["9:00"] }'), Path("p.toml"))
    assert [(i.line, "'9:00' is not a 24-hour time" in i.message) for i in caught.value.issues] == [
        (19, True)
    ]
