"""What is due today: the library's plans, ``coach status --json`` "due" and its plain lines."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from coach import paths
from coach.cli.main import main
from coach.history.calendar import Streaks, streaks
from coach.history.due import Due, due_today, from_plan, off_days
from coach.history.schedules import schedule_in_force
from coach.program import library_cache
from coach.program.due import schedule_on
from coach.program.library import load_library, plan_of
from coach.program.loader import load_program
from tests.helpers import WriteProgram, history_with
from tests.test_schedule_adherence import EXERCISE, GRADED, START, day, sessions

PROTOCOL = GRADED.replace("start = 2026-11-23\nweeks = 6", "weeks = 2", 1)
MWF = """
schema_version = 2

[program]
id = "mwf"
title = "Mon Wed Fri"

[program.schedule]
per_day = 2
days = ["mon", "wed", "fri"]

[[exercise]]
id = "grip"
name = "Grip"
reps = 10
hold = 3
"""


@pytest.mark.parametrize("text", [GRADED, PROTOCOL, MWF])
@pytest.mark.parametrize("first", [None, START, START + timedelta(days=3)])
def test_a_plan_gives_the_schedule_the_program_does(
    write_program: WriteProgram, text: str, first: date | None
) -> None:
    loaded = load_program(write_program(text))
    plan = json.loads(json.dumps(plan_of(loaded.program)))  # as the cache keeps it
    in_force = schedule_in_force(loaded, first)
    for offset in range(-3, 50):
        assert from_plan(schedule_on(plan, day(offset), first)) == in_force(day(offset)), offset


def test_due_today_per_day_per_week_and_days(write_program: WriteProgram) -> None:
    graded = plan_of(load_program(write_program(GRADED, "g.toml")).program)
    mwf = plan_of(load_program(write_program(MWF, "m.toml")).program)
    programs = [("graded", "Graded", graded), ("mwf", "MWF", mwf), ("graded", "Other", mwf)]
    history = {"graded": (1, 3, START), "mwf": (0, 0, START)}
    assert due_today(programs, day(2), history) == [  # a Wednesday in week 1
        Due("graded", "Graded", 1, 2, None, 3),
        Due("mwf", "MWF", 0, 2, None, 0),
    ]
    tuesday = due_today(programs, day(15), history)  # week 3: 3 a week; mwf not on Tuesdays
    assert tuesday == [Due("graded", "Graded", 1, None, 3, 3), Due("mwf", "MWF", 0, 0, None, 0)]
    assert [entry.line() for entry in tuesday] == ["this week: 3 of 3 done", "nothing due today"]
    assert due_today(programs, day(2), {})[0].line() == "due today: 0 of 2 done"
    # Never done and no prescription: not prescribed to this person. After the end: nothing due.
    assert [entry.program for entry in due_today(programs, day(2), {})] == ["graded"]
    assert due_today(programs, day(42), history) == [Due("mwf", "MWF", 0, 2, None, 0)]


def test_status_json_says_what_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(library_cache, "RACY_SECONDS", 0.0)
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "graded.toml").write_text(GRADED, encoding="utf-8")
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(folder))
    data = tmp_path / "data"
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    history_with(data, *sessions({0: 2, 1: 1}, per_day=2)).close()
    load_library(cache=paths.library_cache_file())  # as the app and `coach run` do
    noon = datetime.combine(day(1), datetime.min.time(), UTC) + timedelta(hours=12)
    with freeze_time(noon):
        assert main(["status", "--json"]) == 0
        (due,) = json.loads(capsys.readouterr().out)["due"]
        assert due == {
            "program": "graded",
            "title": "Graded strength",
            "done_today": 1,
            "prescribed_today": 2,
            "per_week": None,
            "done_this_week": 3,
        }
        assert main(["status"]) == 0
        assert "Graded strength (graded): due today: 1 of 2 done" in capsys.readouterr().out
    # The file changed since the library checked it: status says nothing rather than guess.
    (folder / "graded.toml").write_text(GRADED.replace("weeks = 6", "weeks = 5"), "utf-8")
    with freeze_time(noon):
        assert main(["status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["due"] == []


def test_a_protocol_is_due_once_started(write_program: WriteProgram) -> None:
    protocol = plan_of(load_program(write_program(PROTOCOL)).program)
    programs = [("graded", "Graded", protocol)]
    assert due_today(programs, day(2), {}) == []  # never started: nothing due
    assert due_today(programs, day(2), {"graded": (0, 0, day(1))}) == [
        Due("graded", "Graded", 0, 2, None, 0)
    ]
    assert due_today(programs, day(15), {"graded": (0, 0, day(1))}) == []  # its 2 weeks are over


def test_a_protocol_is_due_from_its_first_session(write_program: WriteProgram) -> None:
    plan = plan_of(load_program(write_program(PROTOCOL)).program)
    programs = [("graded", "Graded", plan)]
    assert due_today(programs, day(2), {}) == []  # never begun: not due to anyone yet
    begun = {"graded": (0, 0, day(2))}
    assert due_today(programs, day(2), begun) == [Due("graded", "Graded", 0, 2, None, 0)]
    assert due_today(programs, day(16), begun) == []  # its 2 weeks are over


NO_SCHEDULE = MWF.replace('id = "mwf"', 'id = "free"').replace(
    '[program.schedule]\nper_day = 2\ndays = ["mon", "wed", "fri"]\n', ""
)


def test_weekdays_a_schedule_leaves_out_neither_make_nor_break_a_streak(
    write_program: WriteProgram,
) -> None:
    mwf = ("mwf", "MWF", plan_of(load_program(write_program(MWF, "m.toml")).program))
    free = ("free", "Free", plan_of(load_program(write_program(NO_SCHEDULE, "f.toml")).program))
    active = [day(n) for n in (0, 1, 2, 4, 7)]  # Mon, Tue, Wed, Fri, Mon
    off = off_days([mwf, free], {"mwf": START})
    assert [off(day(n)) for n in range(7)] == [False, True, False, True, False, True, True]
    assert streaks(active, day(8), off_day=off) == Streaks(current=4, longest=4)  # Tue not counted
    assert streaks(active, day(8)) == Streaks(current=1, longest=3)  # every day counts
    # A program followed with no schedule at all: any day is its day.
    assert not any(off_days([mwf, free], {"mwf": START, "free": START})(day(n)) for n in range(7))
    assert not any(off_days([mwf], {})(day(n)) for n in range(7))  # mwf never done: no say
    # A missed Wednesday still breaks it.
    assert streaks([day(0), day(4)], day(5), off_day=off).current == 1


def test_status_streak_skips_days_the_schedule_leaves_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(library_cache, "RACY_SECONDS", 0.0)
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "mwf.toml").write_text(MWF, encoding="utf-8")
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(folder))
    data = tmp_path / "data"
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    history_with(data, *sessions({0: 2, 2: 2, 4: 2, 7: 1}, program="mwf")).close()
    load_library(cache=paths.library_cache_file())
    noon = datetime.combine(day(8), datetime.min.time(), UTC) + timedelta(hours=12)
    with freeze_time(noon):  # Tuesday: nothing due, and the weekend did not break the streak
        assert main(["status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
    assert (status["current_streak"], status["longest_streak"]) == (4, 4)
    assert status["due"][0]["prescribed_today"] == 0
    with freeze_time(noon):  # the report counts the streak the same way
        assert main(["report", "--since", "all"]) == 0
        assert "Current streak: 4 days (longest: 4 days)" in capsys.readouterr().out


PHASED_DAYS = (
    """
schema_version = 2

[program]
id = "phased"
title = "Phased days"

[program.prescription]
start = 2026-11-25
weeks = 4

[program.schedule]
per_day = 1
days = ["sat"]
"""
    + EXERCISE
    + """
[[phase]]
name = "Early"
weeks = [1, 2]
schedule = { per_day = 2, days = ["mon", "wed", "fri"] }

[[phase]]
name = "Later"
weeks = [3, 3]
schedule = { per_day = 1, days = ["tue", "thu"] }
"""
)


def _off_by_the_rule(
    followed: list[tuple[dict[str, object], date]], when: date
) -> bool:  # the docstring's rule, day by day, as the test's own reference
    excluded = False
    for plan, first in followed:
        schedule = from_plan(schedule_on(plan, when, first))
        if schedule is None:
            if "weeks" not in plan:
                return False
            continue
        if schedule.days is None or when.weekday() in schedule.days:
            return False
        excluded = True
    return excluded


@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_off_days_over_phases_and_dates_match_the_rule_day_by_day(
    write_program: WriteProgram, order: str
) -> None:
    # A Wednesday start (weeks turn on Wednesdays), phases with their own weekdays, a
    # protocol counted from its first day, and a program with one schedule throughout:
    # the answers (worked out once per weekday and week) are the rule's for every day,
    # whatever order the days are asked in.
    phased = plan_of(load_program(write_program(PHASED_DAYS, "p.toml")).program)
    protocol = plan_of(load_program(write_program(PROTOCOL, "g.toml")).program)
    mwf = plan_of(load_program(write_program(MWF, "m.toml")).program)
    programs = [("phased", "P", phased), ("graded", "G", protocol), ("mwf", "M", mwf)]
    firsts = {"phased": day(-10), "graded": day(9), "mwf": day(30)}
    days = [day(n) for n in range(-14, 60)]
    if order == "backward":
        days.reverse()
    elif order == "shuffled":
        random.Random(7).shuffle(days)
    for firsts_now in ({"phased": day(-10)}, {"phased": day(-10), "graded": day(9)}, firsts):
        off = off_days(programs, firsts_now)
        followed = [(plan, firsts_now[name]) for name, _, plan in programs if name in firsts_now]
        answers = {when: off(when) for when in days}
        assert answers == {when: _off_by_the_rule(followed, when) for when in days}
    # It is not all one answer: week 1 (Early) leaves Sundays out, week 3 (Later) Sundays
    # and Mondays, week 4 (the program's own schedule) all but Saturdays; after the end
    # the program has no say.
    off = off_days(programs[:1], {"phased": day(-10)})
    assert [off(day(n)) for n in (6, 7, 20, 21, 22, 25, 26, 40)] == [
        True,
        False,
        True,
        True,
        False,
        True,
        False,
        False,
    ]


def test_a_malformed_plan_counts_every_day_even_outside_its_prescription(
    write_program: WriteProgram,
) -> None:
    # A cache entry without its schedule cannot say which days are off: every day counts,
    # as it did when each day's schedule was asked for, before and after the prescription.
    phased = plan_of(load_program(write_program(PHASED_DAYS, "p.toml")).program)
    mwf = plan_of(load_program(write_program(MWF, "m.toml")).program)
    broken = {key: value for key, value in phased.items() if key != "schedule"}
    off = off_days([("phased", "P", broken), ("mwf", "M", mwf)], {"phased": day(0), "mwf": day(0)})
    assert not any(off(day(n)) for n in range(-14, 60))
    assert off_days([("mwf", "M", mwf)], {"mwf": day(0)})(day(1))  # mwf alone leaves Tuesday
