"""Fair adherence: each day judged by the schedule in force on it (phases, dates, days)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.cli.main import main
from coach.history.calendar import DaySchedule, Streaks, scheduled_adherence
from coach.history.prescribed import ProgramFacts, program_facts
from coach.history.records import SessionRecord
from coach.history.report import Report, build_report
from coach.history.report_md import report_markdown
from coach.history.schedules import schedule_in_force
from coach.program.loader import load_program
from tests.helpers import WriteProgram, history_with

START = date(2026, 11, 23)  # a Monday

EXERCISE = """
[[exercise]]
id = "grip"
name = "Grip"
reps = 10
hold = 3
"""

GRADED = (
    """
schema_version = 2

[program]
id = "graded"
title = "Graded strength"

[program.prescription]
start = 2026-11-23
weeks = 6

[program.schedule]
per_week = 3
"""
    + EXERCISE
    + """
[[phase]]
name = "Range of motion"
weeks = [1, 2]
schedule = { per_day = 2 }
"""
)


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def sessions(days: dict[int, int], program: str = "graded", **extra: object) -> list[SessionRecord]:
    """``{day offset: completed sessions}`` as records (each at 08:00 UTC plus its number)."""
    records = []
    for offset, count in sorted(days.items()):
        for n in range(count):
            started = datetime.combine(day(offset), datetime.min.time(), UTC) + timedelta(
                hours=8 + n
            )
            records.append(
                SessionRecord(
                    id=f"{program}-{offset}-{n}",
                    program=program,
                    title=program,
                    started_at=started,
                    utc_offset=0,
                    local_date=day(offset),
                    status="completed",
                    ended_at=started + timedelta(minutes=5),
                    active_seconds=300,
                    **extra,  # type: ignore[arg-type]
                )
            )
    return records


def report(records: list[SessionRecord], today: date, facts: dict[str, ProgramFacts]) -> Report:
    return build_report(
        records,
        start=None,
        today=today,
        streaks=Streaks(0, 0),
        generated_at=datetime(2027, 1, 1, tzinfo=UTC),
        facts=facts,
    )


def test_each_week_is_judged_by_its_phase(write_program: WriteProgram) -> None:
    loaded = load_program(write_program(GRADED))
    on = schedule_in_force(loaded, day(0))
    assert on(day(0)) == DaySchedule(per_day=2)
    assert on(day(14)) == DaySchedule(per_week=3)
    assert on(day(-1)) is None and on(day(42)) is None  # outside the prescription

    # Two a day through weeks 1-2, three a week in weeks 3-4, none yet in week 5;
    # the sessions recorded say per_week = 3 (the latest schedule).
    done = {n: 2 for n in range(14)} | {14: 1, 16: 1, 18: 1, 21: 1, 23: 1, 25: 1}
    records = sessions(done, per_week=3)
    today = day(30)  # Wednesday of week 5
    graded = report(records, today, {"graded": program_facts(loaded, day(0))}).programs[0]
    assert [(w.monday, w.counted, w.prescribed) for w in graded.weeks] == [
        (day(0), 14, 14),
        (day(7), 14, 14),
        (day(14), 3, 3),
        (day(21), 3, 3),
        (day(28), 0, 2),  # Mon-Wed: 3/7 of 3 a week, rounded up
    ]
    assert graded.overall is not None
    assert (graded.overall.done, graded.overall.prescribed) == (34, 36)
    assert graded.in_force == "3 a week"
    # Per phase: weeks 1-2 at 2 a day, then the program's 3 a week.
    assert [(p.phase, p.first_day, p.last_day, p.schedule) for p in graded.phases] == [
        ("Range of motion", day(0), day(13), "2 a day"),
        (None, day(14), day(30), "3 a week"),
    ]
    assert [(p.adherence.done, p.adherence.prescribed) for p in graded.phases] == [
        (28, 28),
        (6, 8),
    ]

    # Judged by the latest recorded schedule alone, weeks 1-2 would be 3 of 3 a week.
    unfair = report(records, today, {}).programs[0]
    assert unfair.weeks[0].prescribed == 3


def test_prescription_end_ends_adherence(write_program: WriteProgram) -> None:
    loaded = load_program(write_program(GRADED))
    done = {n: 2 for n in range(14)} | {35: 3, 44: 1, 50: 1}  # days 44 and 50: after it ended
    records = sessions(done)
    graded = report(records, day(55), {"graded": program_facts(loaded, day(0))}).programs[0]
    # Weeks 3-5 were prescribed and missed; the weeks after its end are not judged.
    # (Days 44 and 50 still show what was done those weeks: 1 each, nothing prescribed.)
    assert [(w.monday, w.counted, w.prescribed) for w in graded.weeks if w.prescribed] == [
        (day(0), 14, 14),
        (day(7), 14, 14),
        (day(14), 0, 3),
        (day(21), 0, 3),
        (day(28), 0, 3),
        (day(35), 3, 3),
    ]
    assert graded.completed == len(records)  # sessions after the end still show
    assert graded.in_force == "none: the prescription ended on 2027-01-03"


def test_days_only_count_the_listed_weekdays(write_program: WriteProgram) -> None:
    text = (
        """
    schema_version = 2

    [program]
    id = "mwf"
    title = "Mon Wed Fri"

    [program.schedule]
    per_day = 1
    days = ["mon", "wed", "fri"]
    """
        + EXERCISE
    )
    loaded = load_program(write_program(text))
    # Mon, Tue (not prescribed: does not count), Fri; then the next Mon and Wed.
    records = sessions({0: 1, 1: 1, 4: 1, 7: 1, 9: 1}, program="mwf")
    mwf = report(records, day(10), {"mwf": program_facts(loaded, None)}).programs[0]
    assert [(w.completed, w.counted, w.prescribed) for w in mwf.weeks] == [(3, 2, 3), (2, 2, 2)]
    assert mwf.in_force == "1 a day on mon, wed, fri"


def test_as_needed_has_no_adherence(write_program: WriteProgram) -> None:
    text = (
        """
    schema_version = 2

    [program]
    id = "flare"
    title = "Flare-up"

    [program.schedule]
    as_needed = true
    """
        + EXERCISE
    )
    loaded = load_program(write_program(text))
    records = sessions({0: 1, 3: 2}, program="flare")
    facts = {"flare": program_facts(loaded, None)}
    flare = report(records, day(5), facts).programs[0]
    assert [(w.completed, w.prescribed) for w in flare.weeks] == [(3, 0)]
    assert flare.overall is None
    assert flare.in_force == "as needed"
    markdown = report_markdown(report(records, day(5), facts))
    assert "| as needed | - | 3/0 |" not in markdown
    assert (
        "| Flare-up (flare) | - | none (the program's schedule applies every day) | - | "
        "as needed | Grip 1 x 10 | - |" in markdown
    )


def test_a_protocol_counts_from_its_first_session(write_program: WriteProgram) -> None:
    text = GRADED.replace("start = 2026-11-23\nweeks = 6", "weeks = 2", 1)
    loaded = load_program(write_program(text))
    on = schedule_in_force(loaded, day(3))  # first session on the Thursday
    assert on(day(2)) is None
    assert on(day(3)) == DaySchedule(per_day=2)
    assert on(day(16)) == DaySchedule(per_day=2) and on(day(17)) is None
    assert schedule_in_force(loaded, None)(day(3)) is None  # no session yet: nothing due


def test_scheduled_adherence_with_rest_days_and_days() -> None:
    three_weekdays = DaySchedule(per_week=2, days=frozenset({0, 2, 5}))
    weeks = scheduled_adherence(
        {day(0): 1, day(1): 4, day(5): 1}, lambda _: three_weekdays, day(0), day(6), {5}
    )
    # Saturday is a rest day: Mon and Wed share 2 a week; Tuesday is not a prescribed
    # day (its sessions do not count); Saturday's session still counts toward the week.
    assert [(w.done, w.prescribed) for w in weeks] == [(2, 2)]
    assert (
        scheduled_adherence({day(0): 1}, lambda _: DaySchedule(as_needed=True), day(0), day(6))[
            0
        ].prescribed
        == 0
    )


def test_coach_report_judges_by_the_program_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "graded.toml").write_text(GRADED, encoding="utf-8")
    data = tmp_path / "data"
    done = {n: 2 for n in range(14)} | {14: 1, 16: 1, 18: 1}
    history_with(data, *sessions(done, per_week=3)).close()
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(programs))
    with freeze_time(datetime.combine(day(20), datetime.min.time(), UTC) + timedelta(hours=12)):
        assert main(["report", "--since", "all"]) == 0
    text = capsys.readouterr().out
    assert "|  |  |  | All phases |  |  | 31/31 (100%) |" in text
    # Weeks 1-2 at 2 a day; week 3 (to today, its Sunday) at 3 a week.
    assert (
        f"| Range of motion | {day(0)} to {day(13)} | 2 a day | Grip: 1 x 10 reps, hold 3s | 28/28 (100%) |"
        in text
    )
    assert (
        f"| - | {day(14)} to {day(20)} | 3 a week | Grip: 1 x 10 reps, hold 3s | 3/3 (100%) |"
        in text
    )
    assert f"| {day(0)} | 14 | 14/14 |" in text


@settings(max_examples=300, deadline=None)
@given(
    per_week=st.lists(st.integers(1, 20), min_size=1, max_size=3),
    days=st.lists(st.none() | st.frozensets(st.integers(0, 6), min_size=1), min_size=3, max_size=3),
    rest_days=st.frozensets(st.integers(0, 6)),
    first=st.integers(0, 13),
    length=st.integers(0, 40),
    done=st.dictionaries(st.integers(0, 60), st.integers(0, 5)),
)
def test_a_week_prescribes_its_days_shares_rounded_up(
    per_week: list[int],
    days: list[frozenset[int] | None],
    rest_days: frozenset[int],
    first: int,
    length: int,
    done: dict[int, int],
) -> None:
    """Per-week shares summed exactly (a reference in fractions), schedules changing mid-week."""
    schedules = [DaySchedule(per_week=n, days=d) for n, d in zip(per_week, days, strict=False)]

    def schedule_on(when: date) -> DaySchedule:
        return schedules[(when - START).days // 5 % len(schedules)]  # a change every 5 days

    start, end = day(first), day(first + length)
    completed = {day(n): count for n, count in done.items()}
    weeks = scheduled_adherence(completed, schedule_on, start, end, rest_days)
    for week in weeks:
        share, counted = Fraction(0), 0
        when = week.start
        while when <= week.end:
            schedule = schedule_on(when)
            assert schedule.per_week is not None
            if schedule.prescribes_on(when, rest_days):
                share += Fraction(schedule.per_week, schedule.working_days_a_week(rest_days))
                counted += completed.get(when, 0)
            elif schedule.prescribes_on(when):
                counted += completed.get(when, 0)  # a rest day's session counts toward its week
            when += timedelta(days=1)
        assert week.prescribed == math.ceil(share)
        assert week.done == min(counted, math.ceil(share))
    assert sum((w.end - w.start).days + 1 for w in weeks) == length + 1
