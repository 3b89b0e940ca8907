"""Prescriptions and phases (format version 2): the dose in force on a day, and the rules."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from coach.cli.main import main
from coach.program.loader import ProgramError, load_program, parse_program
from coach.program.phases import on_day
from tests.helpers import Session, WriteProgram, exercises

START = datetime.date(2026, 11, 23)  # a Monday

GRADED = """\
schema_version = 2

[program]
id = "graded"
title = "Graded strength"

[program.prescription]
start = 2026-11-23
weeks = 6
patient = "J. S."
prescribed_by = "A. Physio"
review = 2026-12-21

[program.schedule]
per_week = 3

[[exercise]]
id = "grip"
name = "Grip"
reps = 10
hold = 3

[[exercise]]
id = "curl"
name = "Wrist curl"
reps = 10
tempo = [{ phase = "Curl", seconds = 4 }, { phase = "Lower", seconds = 4 }]

[[phase]]
name = "Range of motion"
weeks = [1, 2]
schedule = { per_day = 2 }
[phase.exercise.curl]
enabled = false

[[phase]]
name = "Load"
weeks = [4, 6]
[phase.exercise.curl]
reps = 15
load = "1 kg"
[phase.exercise.grip]
duration = 30
"""


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def test_each_day_gets_the_dose_of_its_phase(write_program: WriteProgram) -> None:
    program = load_program(write_program(GRADED)).program
    before = on_day(program, day(-1))
    assert (before.phase, before.week) == (None, None)
    assert [e.id for e in before.program.exercises] == ["grip", "curl"]

    first = on_day(program, day(0))
    assert first.phase is not None and first.phase.name == "Range of motion"
    assert first.week == 1 and [e.id for e in first.program.exercises] == ["grip"]
    schedule = first.program.info.schedule
    assert schedule is not None and schedule.per_day == 2  # the phase's own schedule
    assert on_day(program, day(13)).week == 2 and on_day(program, day(13)).phase is not None

    gap = on_day(program, day(14))  # week 3: no phase, the program as written
    assert (gap.phase, gap.week) == (None, 3)
    assert gap.program is program

    loaded = on_day(program, day(21))
    assert loaded.phase is not None and loaded.phase.name == "Load"
    grip, curl = loaded.program.exercises
    assert (curl.reps, curl.load, curl.tempo) == (15, "1 kg", program.exercises[1].tempo)
    # duration takes the place of reps and hold: the grip is one timed stretch now.
    assert (grip.duration, grip.reps, grip.hold) == (30, None, None)
    schedule = loaded.program.info.schedule
    assert schedule is not None and schedule.per_week == 3  # the program's

    assert on_day(program, day(41)).week == 6
    after = on_day(program, day(42))
    assert (after.phase, after.week) == (None, None)


def test_prescription_period_from_end_or_weeks(write_program: WriteProgram) -> None:
    by_end = GRADED.replace("weeks = 6\n", "end = 2027-01-03\n", 1)
    a = load_program(write_program(by_end, "a.toml")).program.info.prescription
    b = load_program(write_program(GRADED, "b.toml")).program.info.prescription
    assert a is not None and b is not None
    assert a.last_day == b.last_day == datetime.date(2027, 1, 3)
    assert a.total_weeks == b.total_weeks == 6
    open_ended = GRADED.replace("weeks = 6\n", "", 1)
    c = load_program(write_program(open_ended, "c.toml")).program.info.prescription
    assert c is not None and c.last_day is None and c.week_of(day(700)) == 101


def refused(text: str) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        parse_program(text, Path("p.toml"))
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_version_1_files_may_not_use_phases_or_a_prescription() -> None:
    text = GRADED.replace("schema_version = 2", "schema_version = 1")
    problems = refused(text)
    needs = "needs schema_version = 2 at the top of the file (this file says 1)"
    assert f"{line_of(text, '[program.prescription]')}: [program.prescription] {needs}" in problems
    assert f"{line_of(text, '[[phase]]')}: [[phase]] {needs}" in problems


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (
            ("weeks = [4, 6]", "weeks = [4, 7]"),
            "weeks = [4, 7]",
            "phase 'Load': week 7 is after the prescription's end (it runs 6 weeks)",
        ),
        (
            ("weeks = [4, 6]", "weeks = [2, 6]"),
            "weeks = [2, 6]",
            "phase 'Load': week 2 is also in phase 'Range of motion'; phases must not overlap",
        ),
        (
            ("weeks = [4, 6]", "weeks = [6, 4]"),
            "weeks = [6, 4]",
            "phase 'Load': weeks = [6, 4] ends before it starts; write [FIRST, LAST]",
        ),
        (
            ("[phase.exercise.grip]", "[phase.exercise.gripp]"),
            "[phase.exercise.gripp]",
            "phase 'Load': no exercise has the id 'gripp' (the program's: curl, grip)",
        ),
        (
            (
                "[phase.exercise.curl]\nenabled = false",
                "[phase.exercise.grip]\nenabled = false\n[phase.exercise.curl]\nenabled = false",
            ),
            "[[phase]]",
            "phase 'Range of motion' leaves out every exercise (enabled = false)",
        ),
        (
            ("duration = 30", "rep = 30"),
            "rep = 30",
            "unknown key 'rep' in [phase.exercise.ID] (did you mean 'reps'?)",
        ),
        (
            ("start = 2026-11-23", 'start = "2026-11-23"'),
            "start = ",
            "program.prescription.start: write the date without quotes, e.g. start = 2026-01-05",
        ),
        (
            ("start = 2026-11-23", "start = 2026-11-23T08:00:00"),
            "start = ",
            "program.prescription.start: expected a date without a time, e.g. "
            "start = 2026-01-05, got a date and time (2026-11-23T08:00:00)",
        ),
        (
            ("weeks = 6\n", "weeks = 6\nend = 2027-01-03\n"),
            "weeks = 6",
            "[program.prescription]: give end or weeks, not both",
        ),
        (
            ("weeks = 6\n", "end = 2026-11-01\n"),
            "end = 2026",
            "[program.prescription]: end (2026-11-01) is before start (2026-11-23)",
        ),
        (
            ("start = 2026-11-23", "start = 9999-12-01"),
            "start = ",
            "[program.prescription]: start = 9999-12-01 is not a date from 1900-01-01 to "
            "2999-12-31",
        ),
        (
            ("review = 2026-12-21", "review = 2026-11-01"),
            "review = ",
            "[program.prescription]: review (2026-11-01) is before start (2026-11-23)",
        ),
        (
            (
                GRADED[GRADED.index("[program.prescription]") : GRADED.index("[program.schedule]")],
                "",
            ),
            "[[phase]]",
            "[[phase]] needs [program.prescription] with start = DATE (or, for a protocol for "
            "anyone, weeks = N): a phase's weeks count from the prescription's start",
        ),
    ],
)
def test_phase_and_prescription_mistakes_name_the_line(
    change: tuple[str, str], needle: str, message: str
) -> None:
    old, new = change
    assert old in GRADED
    text = GRADED.replace(old, new, 1)
    assert f"{line_of(text, needle)}: {message}" in refused(text)


def test_a_dose_that_would_not_pace_is_refused_where_it_is_given() -> None:
    # tempo takes the place of hold; duration cannot be combined with it.
    text = GRADED.replace(
        "[phase.exercise.grip]\nduration = 30",
        '[phase.exercise.grip]\ntempo = [{ phase = "Up", seconds = 2 }]\nduration = 5',
    )
    (problem,) = refused(text)
    assert problem.startswith(
        f"{line_of(text, '[phase.exercise.grip]')}: phase 'Load': exercise 'grip' would not "
        "pace: duration cannot be combined with"
    ), problem


def test_a_phase_that_makes_the_session_too_long_is_refused() -> None:
    text = GRADED.replace("reps = 15\n", "reps = 1000\nsets = 1000\n")
    steps, length = refused(text)
    where = line_of(text, "reps = 1000") - 1  # the [phase.exercise.curl] line
    assert steps == (
        f"{where}: in phase 'Load': the session would have 2,001,003 steps, more than the "
        "limit of 100,000 for one session (exercise 'curl', with 2,001,000, takes it over)"
    )
    assert length.startswith(f"{where}: in phase 'Load': the session would last 2230h33m40s")


def test_plan_shows_the_phase_of_the_day_asked(
    write_program: WriteProgram, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write_program(GRADED))
    assert main(["plan", path, "--on", "2026-12-14"]) == 0
    out = capsys.readouterr().out
    assert "Prescribed from 2026-11-23 to 2027-01-03 (6 weeks) for J. S., by A. Physio" in out
    assert "Review: 2026-12-21" in out
    assert "On 2026-12-14 (week 4): phase 'Load' (weeks 4-6)" in out
    assert "2. Wrist curl: Load: 1 kg" in out

    assert main(["plan", path, "--on", "2026-11-24", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["phase"] == "Range of motion"
    assert {step["exercise"] for step in plan["steps"]} == {"grip"}

    assert main(["plan", path, "--on", "2026-12-09"]) == 0
    assert "On 2026-12-09 (week 3): no phase; the program as written" in capsys.readouterr().out
    assert main(["plan", path, "--on", "2027-02-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["phase"] is None


def test_validate_counts_the_phases(
    write_program: WriteProgram, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_program(GRADED)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok (graded, 2 exercises, 2 phases, 2:10)\n"


def test_plan_on_a_date_that_is_not_one_is_a_usage_error(
    write_program: WriteProgram, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write_program(GRADED))
    with pytest.raises(SystemExit) as exit_:
        main(["plan", path, "--on", "2026-02-30"])
    assert exit_.value.code == 2
    assert "'2026-02-30' is not a date: write YYYY-MM-DD" in capsys.readouterr().err


# --- any valid phased program: the plan's steps are the session's -----------------------------


@st.composite
def phased_programs(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, int, int]]]:
    """A version 2 program as TOML data, and its phases as (name, first week, last week)."""
    count = draw(st.integers(1, 3))
    exercise_list = [draw(exercises(i)) for i in range(count)]
    for exercise in exercise_list:
        exercise["name"] = exercise["id"].upper()
    weeks = draw(st.integers(1, 8))
    cuts = sorted(draw(st.sets(st.integers(1, weeks), min_size=1, max_size=4)))
    phases = []
    spans: list[tuple[str, int, int]] = []
    for index, first in enumerate(cuts):
        last = (cuts[index + 1] - 1) if index + 1 < len(cuts) else weeks
        if draw(st.booleans()):  # some weeks have no phase
            continue
        name = f"Phase {index + 1}"
        doses: dict[str, Any] = {}
        for exercise in exercise_list:
            dose: dict[str, Any] = {}
            if draw(st.booleans()):
                dose["sets"] = draw(st.integers(1, 4))
            if "reps" in exercise and draw(st.booleans()):
                dose["reps"] = draw(st.integers(1, 6))
            if "hold" in exercise and draw(st.booleans()):
                dose["hold"] = draw(st.integers(1, 60))
            if "duration" in exercise and draw(st.booleans()):
                dose["duration"] = draw(st.integers(1, 90))
            if draw(st.booleans()):
                dose["rest_between_sets"] = draw(st.integers(0, 30))
            if draw(st.booleans()):
                dose["load"] = draw(st.sampled_from(["red FlexBar", "1 kg", "soft putty"]))
            if draw(st.integers(0, 4)) == 0:
                dose["enabled"] = False
            if dose:
                doses[exercise["id"]] = dose
        phase: dict[str, Any] = {"name": name, "weeks": [first, last]}
        if doses:
            phase["exercise"] = doses
        phases.append(phase)
        spans.append((name, first, last))
    data: dict[str, Any] = {
        "schema_version": 2,
        "program": {
            "id": "phased",
            "title": "Phased",
            "prescription": {"start": START, "weeks": weeks},
        },
        "exercise": exercise_list,
    }
    if phases:
        data["phase"] = phases
    return data, spans


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phased_programs(), st.integers(-3, 60))
def test_plan_steps_equal_the_session_on_the_phase_dose(
    drawn: tuple[dict[str, Any], list[tuple[str, int, int]]], offset: int
) -> None:
    data, spans = drawn
    text = tomli_w.dumps(data)
    try:
        parse_program(text, Path("p.toml"))
    except ProgramError as error:
        # Only one rule may refuse these: every exercise of a phase switched off.
        assert all("leaves out every exercise" in issue.message for issue in error.issues), error
        assume(False)
    when = day(offset)
    week = offset // 7 + 1 if 0 <= offset < data["program"]["prescription"]["weeks"] * 7 else None
    expected_phase = next(
        (name for name, first, last in spans if week is not None and first <= week <= last), None
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phased.toml"
        path.write_text(text)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["plan", str(path), "--on", when.isoformat(), "--json"]) == 0
        plan = json.loads(out.getvalue())
        loaded = load_program(path).on(when)
    assert plan["phase"] == expected_phase
    assert (loaded.phase.name if loaded.phase else None) == expected_phase

    async def scenario() -> list[dict[str, Any]]:
        session = Session(loaded.program)
        await session.start()
        await session.finish()
        return [e.step.to_json() for e in session.events if e.name == "step_started"]  # type: ignore[union-attr]

    assert asyncio.run(scenario()) == plan["steps"]
    # The phase's dose, read from the data the program was written from.
    phase_data: dict[str, Any] = next(
        (p for p in data.get("phase", []) if p["name"] == expected_phase), {}
    )
    doses = phase_data.get("exercise", {})
    kept = [e["id"] for e in data["exercise"] if doses.get(e["id"], {}).get("enabled", True)]
    assert [e.id for e in loaded.program.exercises] == kept
    for exercise in loaded.program.exercises:
        dose = doses.get(exercise.id, {})
        written = next(e for e in data["exercise"] if e["id"] == exercise.id)
        assert _as_written(exercise.sets) == dose.get("sets", written["sets"])
        assert _as_written(exercise.reps) == dose.get("reps", written.get("reps"))
        assert exercise.load == dose.get("load")


def _as_written(value: Any) -> Any:
    """A count as a program file writes it: a number, or a range's table."""
    return value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value


# --- a session runs today's phase -----------------------------------------------------------

QUICK_PHASED = """\
schema_version = 2
[program]
id = "quick-phased"
title = "Quick phased"
prep = 0
rest_between_exercises = "0.1s"
[program.prescription]
start = {start}
weeks = 4
[[exercise]]
id = "first"
name = "First"
reps = 2
hold = "0.1s"
[[exercise]]
id = "second"
name = "Second"
reps = 1
hold = "0.1s"
[[phase]]
name = "Later"
weeks = [2, 4]
[phase.exercise.first]
enabled = false
[phase.exercise.second]
reps = 3
load = "red FlexBar"
"""


def _today() -> datetime.date:
    from coach.clock import SystemClock
    from coach.history.calendar import local_day

    return local_day(SystemClock().now())  # the default day start, 04:00


def test_a_headless_session_paces_todays_phase(write_program: WriteProgram, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import run_env

    start = _today() - datetime.timedelta(days=7)  # week 2: phase "Later"
    path = write_program(QUICK_PHASED.format(start=start.isoformat()))
    env = {
        **run_env(tmp_path / "data"),
        "COACH_CONFIG_FILE": str(tmp_path / "none.toml"),
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__SOUNDS": "false",
        "COACH_CUES__BELL": "false",
    }
    run = [sys.executable, "-m", "coach", "run", str(path), "--headless", "--no-record"]
    done = subprocess.run(
        [*run, "--json"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    events = [json.loads(line) for line in done.stdout.splitlines()]
    started = next(e for e in events if e["event"] == "session_started")
    assert started["phase"] == "Later"
    exercises = [e for e in events if e["event"] == "exercise_started"]
    assert [(e["exercise"], e.get("load")) for e in exercises] == [("second", "red FlexBar")]
    work = [e for e in events if e["event"] == "step_started" and e["kind"] == "work"]
    assert [e["rep"] for e in work] == [1, 2, 3]

    plain = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "Phase: Later (week 2)" in plain.stdout
    assert "Load: red FlexBar" in plain.stdout
