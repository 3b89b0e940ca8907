"""Rests "as needed" (format version 2): the session waits for the person, or lasts 30 s."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pytest import CaptureFixture

from coach.cli.main import main
from coach.clock import FakeClock
from coach.program.loader import ProgramError, load_program, parse_program
from coach.program.model import AS_NEEDED_SECONDS, AsNeeded, is_as_needed, json_schema
from coach.program.timeline import build_timeline
from coach.session.headless import run_session
from tests.helpers import Session

TEXT = """\
schema_version = 2

[program]
id = "rests"
title = "Rests"
prep = 0
rest_between_exercises = "as needed"

[[exercise]]
id = "squeeze"
name = "Putty squeeze"
sets = 2
reps = 2
hold = 5
rest_between_reps = 1
rest_between_sets = "as needed"

[[exercise]]
id = "shake"
name = "Shake out"
duration = 10
"""


def refused(text: str) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        parse_program(text, Path("p.toml"))
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def test_a_rest_may_be_as_needed_and_lasts_30_s_in_the_plan() -> None:
    program = parse_program(TEXT, Path("rests.toml"))
    squeeze = program.exercises[0]
    assert is_as_needed(squeeze.rest_between_sets) and squeeze.rest_between_sets == 30
    assert is_as_needed(program.info.rest_between_exercises)
    assert not is_as_needed(squeeze.rest_between_reps)
    steps = build_timeline(program).steps
    waits = [(s.kind, s.set) for s in steps if s.as_needed]
    assert waits == [("rest", 1), ("rest", None)]  # between sets, then after the exercise
    assert all(s.seconds == AS_NEEDED_SECONDS for s in steps if s.as_needed)
    # A program dumped and read again keeps the words, not 30 s.
    assert program.model_dump(by_alias=True)["exercise"][0]["rest_between_sets"] == "as needed"


def test_plan_says_what_an_as_needed_rest_does(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    path = tmp_path / "rests.toml"
    path.write_text(TEXT, encoding="utf-8")
    assert main(["plan", str(path), "--steps"]) == 0
    out = capsys.readouterr().out
    assert "with no terminal each lasts 30s" in out
    assert "Putty squeeze, set 1/2: rest as needed" in out
    assert main(["plan", str(path), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [s.get("as_needed", False) for s in steps if s["kind"] == "rest"] == [
        False,
        True,
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            '"as neded"',
            "16: exercise[1].rest_between_sets: 'as neded' is not a duration: write seconds as "
            'a number, or parts such as "15s", "1m30s", "0.5s", "2h" (hours, minutes, seconds, '
            'in that order); or write "as needed"',
        ),
        ("-3", "16: exercise[1].rest_between_sets: a duration cannot be negative, got -3"),
    ],
)
def test_a_wrong_rest_is_refused_at_its_line(written: str, message: str) -> None:
    text = TEXT.replace('rest_between_sets = "as needed"', f"rest_between_sets = {written}")
    assert refused(text) == [message]


def test_a_version_1_file_may_not_rest_as_needed() -> None:
    text = TEXT.replace("schema_version = 2", "schema_version = 1")
    needs = "needs schema_version = 2 at the top of the file (this file says 1)"
    assert refused(text) == [
        f'7: rest_between_exercises = "as needed" {needs}',
        f'16: rest_between_sets = "as needed" {needs}',
    ]


def test_the_editor_schema_offers_as_needed_for_rests_only() -> None:
    defs = json_schema()["$defs"]
    rest = defs["Exercise"]["properties"]["rest_between_sets"]
    assert {"const": "as needed"} in rest["anyOf"]
    prep = defs["Exercise"]["properties"]["prep"]
    assert {"const": "as needed"} not in prep.get("anyOf", [])


async def test_the_session_waits_at_an_as_needed_rest_until_the_person_goes_on() -> None:
    s = Session(parse_program(TEXT, Path("rests.toml")), wait_as_needed=True)
    await s.start()
    await s.clock.advance(5 + 1 + 5 + 0.5)  # into the rest between sets
    assert s.runner.waiting and s.runner.current is not None and s.runner.current.as_needed
    started = s.of("step_started")[-1]
    assert started.to_json()["waiting"] is True
    await s.clock.advance(200)  # far past 30 s: still resting
    assert s.runner.waiting and s.runner.index == 3
    s.runner.pause()
    await s.clock.advance(50)  # a pause is not rest
    s.runner.resume()
    await s.clock.advance(10)
    s.runner.ready_or_pause()  # space, at a rest that waits: ready
    await s.clock.settle()
    (ended,) = s.of("rest_ended")
    assert ended.data["seconds"] == pytest.approx(210.5) and ended.index == 3
    assert s.runner.index == 4 and not s.runner.waiting
    assert s.of("countdown") == []  # nothing counts down to a rest with no end
    await s.clock.advance(5 + 1 + 5 + 0.5)  # the second set, then the rest after it
    assert s.runner.waiting and s.runner.current is not None
    assert s.runner.current.set is None
    s.runner.go_on()
    result = await s.finish()
    assert result.completed and result.skipped_steps == ()
    # Active time: the steps as done, the rests as long as they were, the pause left out.
    assert result.active_seconds == pytest.approx(11 + 210.5 + 11 + 0.5 + 10)


async def test_with_nobody_to_say_so_an_as_needed_rest_lasts_30_s() -> None:
    s = Session(parse_program(TEXT, Path("rests.toml")))
    await s.start()
    result = await s.finish()
    assert result.completed and result.active_seconds == 11 + 30 + 11 + 30 + 10
    assert s.of("rest_ended") == []
    assert all("waiting" not in e.to_json() for e in s.of("step_started"))


async def test_space_elsewhere_still_pauses() -> None:
    s = Session(parse_program(TEXT, Path("rests.toml")), wait_as_needed=True)
    await s.start()
    await s.clock.advance(2)
    s.runner.ready_or_pause()
    assert s.runner.paused
    s.runner.go_on()  # not at a rest: nothing
    assert s.runner.index == 0 and s.of("rest_ended") == []


async def test_headless_with_no_terminal_rests_30_s(tmp_path: Path) -> None:
    path = tmp_path / "rests.toml"
    path.write_text(TEXT, encoding="utf-8")
    clock = FakeClock()
    out = io.StringIO()
    import asyncio

    task = asyncio.ensure_future(
        run_session(load_program(path), out=out, stdin=io.StringIO(), clock=clock, countdown=0)
    )
    await clock.run_until_idle()
    result = await asyncio.wait_for(task, 10)
    assert result.completed and result.active_seconds == 11 + 30 + 11 + 30 + 10
    assert "Putty squeeze, set 1/2: rest as needed 30s" in out.getvalue()


def test_as_needed_is_a_float_of_30_s() -> None:
    assert AsNeeded() == AS_NEEDED_SECONDS and is_as_needed(AsNeeded()) and not is_as_needed(30.0)


def test_an_as_needed_rest_survives_copy_and_pickle() -> None:
    import copy
    import pickle

    squeeze = parse_program(TEXT, Path("rests.toml")).exercises[0]
    for again in (copy.deepcopy(squeeze), pickle.loads(pickle.dumps(squeeze))):
        assert is_as_needed(again.rest_between_sets) and again == squeeze


def test_the_app_says_what_comes_next_is_a_rest_as_needed() -> None:
    from coach.tui.screens.session import next_text

    timeline = build_timeline(parse_program(TEXT, Path("rests.toml")))
    before = next(i for i, s in enumerate(timeline.steps) if s.as_needed) - 1
    assert next_text(timeline, before).startswith("Next: Rest as needed, then")


def test_only_the_exact_words_are_as_needed() -> None:
    text = TEXT.replace('rest_between_sets = "as needed"', 'rest_between_sets = "As Needed"')
    assert 'or write "as needed"' in refused(text)[0]
