"""What a due break says (coach.breaks.words), the micro-break ideas setting, and the
bundled rest-break program that the rest break runs by default."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coach import paths
from coach.breaks.host import BreakHost
from coach.breaks.remind import Reminder, config_from_json
from coach.breaks.scheduler import BreakPolicy, Due, KindPolicy
from coach.breaks.words import BreakProgram, IdeaTurns, break_words
from coach.clock import FakeClock
from coach.config.profiles import MICRO_IDEAS, PROFILES
from coach.config.settings import BreakSettings, Settings
from coach.history.store import HistoryStore
from coach.program.loader import load_program
from coach.program.timeline import build_timeline

REST_BREAK = paths.bundled_programs_dir() / "rest-break.toml"


def due(kind: str = "rest", length: float = 300, program: str | None = None) -> Due:
    return Due(kind, 0.0, length, program, None, 0, True)  # type: ignore[arg-type]


def test_a_rest_break_with_its_program_names_it_with_no_hint_unless_asked() -> None:
    program = BreakProgram("Stand up and stretch", 300, "Five minutes up from the desk.")
    title, lines = break_words(due(program="rest-break"), program=program)
    assert title == "Time for a rest break"
    assert lines == ["5m: Stand up and stretch.", "Five minutes up from the desk."]
    _, cli = break_words(due(program="rest-break"), program=program, cli_hint=True)
    assert cli[-1] == "Run it: coach run rest-break"


def test_a_program_longer_or_shorter_than_the_break_says_its_own_length() -> None:
    nine = BreakProgram("Wrist and forearm stretches", 540)
    assert break_words(due(program="w"), program=nine)[1] == [
        "5m: Wrist and forearm stretches (the program takes 9m)."
    ]
    # Unknown to the host: the id (or the policy's title), and no length it cannot know.
    assert break_words(due(program="w"))[1] == ["5m: w."]


def test_a_break_without_a_program_says_where_to_go() -> None:
    assert break_words(due()) == (
        "Time for a rest break",
        ["5m up and away from the desk.", "Stand up and step away from the desk: rest your "
         "hands and your eyes."],
    )  # fmt: skip
    title, lines = break_words(due("micro", 20), idea="Circle your wrists.")
    assert title == "Time for a micro-break"
    assert lines == ["20s away from the keys.", "Circle your wrists."]


def test_ideas_turn_in_order_and_restarts_start_elsewhere() -> None:
    turns = IdeaTurns(["a", " ", "b", "c"], start=4)
    assert [turns.next() for _ in range(4)] == ["b", "c", "a", "b"]  # the blank one left out
    assert IdeaTurns([]).next() is None
    at_ten = IdeaTurns.starting_at(MICRO_IDEAS, datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    at_ten_one = IdeaTurns.starting_at(MICRO_IDEAS, datetime(2026, 1, 5, 10, 1, tzinfo=UTC))
    assert at_ten.next() != at_ten_one.next()


def test_micro_ideas_default_from_the_texts_and_are_checked() -> None:
    assert Settings().breaks.micro_ideas == list(MICRO_IDEAS)
    text = " ".join(MICRO_IDEAS).lower()
    for idea in ("wrists", "shake out", "palm flat on the desk", "into the distance"):
        assert idea in text
    assert all("," not in idea and len(idea) <= 120 for idea in MICRO_IDEAS)
    assert BreakSettings(micro_ideas=["  Look far away.  "]).micro_ideas == ["Look far away."]
    for bad, said in (
        ([""], "blank"),
        (["two\nlines"], "one line"),
        (["x" * 121], "at most 120"),
        (["x"] * 51, "at most 50"),
    ):
        with pytest.raises(ValueError, match=said):
            BreakSettings(micro_ideas=bad)


def test_the_rest_break_runs_the_bundled_five_minute_program_by_default() -> None:
    assert Settings().breaks.rest.program == "rest-break"
    assert PROFILES["typist"]["rest"]["program"] == "rest-break"
    program = load_program(REST_BREAK).program
    assert build_timeline(program).total_seconds == Settings().breaks.rest.length == 300
    ids = [exercise.id for exercise in program.exercises]
    assert ids == [
        "stand-up",
        "neck-turns",
        "ear-to-shoulder-tilts",
        "wrist-extension-stretch",
        "wrist-flexion-stretch",
        "palm-on-desk-stretch",
    ]
    by_id = {exercise.id: exercise for exercise in program.exercises}
    # Doses inside the texts': 2 to 4 neck movements a side, 15 s wrist holds.
    for neck in ("neck-turns", "ear-to-shoulder-tilts"):
        reps = by_id[neck].paced_reps
        assert reps is not None and 2 <= reps <= 4
    for stretch in ("wrist-extension-stretch", "wrist-flexion-stretch", "palm-on-desk-stretch"):
        assert by_id[stretch].hold == 15 and by_id[stretch].sides == "each"
    # Where it holds fewer than the text's five, the sources say so.
    assert any("this break does 2" in source for source in program.info.sources)


def test_remind_says_the_same_words_with_the_cli_hint(tmp_path: Path) -> None:
    store = HistoryStore.in_folder(tmp_path / "data")
    clock = FakeClock(start=0.0)
    policy = BreakPolicy(
        micro=KindPolicy(every=7200, length=20),
        rest=KindPolicy(every=60, length=300, program="rest-break"),
    )
    out = io.StringIO()
    program = BreakProgram("Stand up and stretch", 300, "Five minutes up.")
    reminder = Reminder(
        BreakHost(store, policy, clock),
        out=out,
        json_lines=True,
        once=True,
        programs={"rest-break": program},
    )

    async def go() -> None:
        task = asyncio.create_task(reminder.run())
        await clock.advance(61)
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    store.close()
    (fired,) = [e for e in map(json.loads, out.getvalue().splitlines()) if e["event"] == "break"]
    assert fired["message"] == (
        "Time for a rest break: 5m: Stand up and stretch. Five minutes up. "
        "Run it: coach run rest-break"
    )
    assert fired["program"] == "rest-break" and fired["length_seconds"] == 300


def test_the_remind_config_carries_the_programs_and_ideas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coach.cli.main import main

    assert main(["--set", "breaks.micro_ideas=Look far away.", "remind", "--print-config"]) == 0
    config = config_from_json(json.loads(capsys.readouterr().out))
    assert config.micro_ideas == ("Look far away.",)
    assert list(config.programs) == ["rest-break"]
    assert config.programs["rest-break"].title == "Stand up and stretch"
    assert config.programs["rest-break"].seconds == 300
