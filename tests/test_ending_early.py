"""Saying "enough" from a range's minimum on: what ends, what counts, on a fake clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.history.store import HistoryStore
from coach.program.loader import LoadedProgram
from coach.program.model import Program
from coach.session.engine import EarlyEnd
from coach.session.recording import HistoryRecorder
from tests.helpers import Session, program, programs


def ranged_holds() -> Program:
    # steps: hold 7 | rest 1 | hold 7
    return program(
        {"id": "a", "reps": 2, "hold": {"min": 3, "max": 7}, "rest_between_reps": 1}, prep=0
    )


async def test_a_ranged_hold_may_end_from_its_minimum_and_counts_as_a_rep() -> None:
    s = Session(ranged_holds())
    await s.start()
    await s.clock.advance(2.5)
    assert s.runner.can_end_early() is None  # under the 3 s minimum
    assert s.runner.end_early() is None and s.runner.index == 0
    await s.clock.advance(1.5)
    early = s.runner.end_early()
    assert early is not None and (early.what, early.done, early.minimum) == ("hold", 4.0, 3)
    await s.clock.settle()
    assert s.runner.index == 1  # the rest starts now
    result = await s.finish()
    assert result.completed and result.skipped_steps == ()
    assert result.active_seconds == 4 + 1 + 7
    assert [e.index for e in s.of("rep_completed")] == [0, 2]
    ended = s.of("ended_early")[0]
    assert ended.to_json()["what"] == "hold" and ended.to_json()["done"] == 4.0


def ranged_reps(**extra: Any) -> Program:
    # one set: hold 5 | rest 1 | hold 5 | rest 1 | hold 5 | rest 1 | hold 5; then rest 10, again
    return program(
        {
            "id": "a",
            "sets": 2,
            "reps": {"min": 2, "max": 4},
            "hold": 5,
            "rest_between_reps": 1,
            "rest_between_sets": 10,
            **extra,
        },
        {"id": "b", "duration": 20},
        prep=0,
    )


async def test_a_set_may_end_once_its_reps_reach_the_minimum() -> None:
    s = Session(ranged_reps())
    await s.start()
    await s.clock.advance(6 + 2)  # in the second hold: one rep done
    assert s.runner.can_end_early() is None
    await s.clock.advance(6)  # in the third hold: two done
    early = s.runner.end_early()
    assert early is not None and (early.what, early.done) == ("set", 2)
    await s.clock.settle()
    step = s.runner.current
    assert step is not None and (step.kind, step.set) == ("rest", 1)  # the rest between sets
    assert s.runner.can_end_early() is None  # the next set has no reps done yet
    result = await s.finish()
    assert result.completed and result.skipped_steps == ()
    # The unfinished third rep is not counted; the set is, once; the second set runs in full.
    assert len(s.of("rep_completed")) == 2 + 4
    assert [e.step.set for e in s.of("set_completed") if e.step.exercise == "a"] == [1, 2]  # type: ignore[union-attr]


async def test_enough_in_the_rest_after_the_minimum_ends_the_set_too() -> None:
    s = Session(ranged_reps())
    await s.start()
    await s.clock.advance(5 + 1 + 5 + 0.5)  # in the rest after the second rep
    assert s.runner.current is not None and s.runner.current.kind == "rest"
    early = s.runner.end_early()
    assert early is not None and (early.what, early.done) == ("set", 2)


def ranged_sets(sides: str) -> Program:
    return program(
        {
            "id": "a",
            "sides": sides,
            "sets": {"min": 1, "max": 3},
            "reps": 2,
            "hold": 5,
            "rest_between_sets": 10,
        },
        {"id": "b", "duration": 20},
        prep=0,
    )


async def test_an_exercise_may_end_once_its_sets_reach_the_minimum() -> None:
    s = Session(ranged_sets("none"))
    await s.start()
    await s.clock.advance(5)  # in set 1's second hold
    assert s.runner.can_end_early() is None
    await s.clock.advance(5 + 3)  # in the rest after set 1
    early = s.runner.end_early()
    assert early is not None and (early.what, early.done) == ("exercise", 1)
    await s.clock.settle()
    step = s.runner.current
    assert step is not None and (step.kind, step.set) == ("rest", None)  # the rest after it
    result = await s.finish()
    assert result.completed and result.skipped_steps == ()
    completed = [e.step.exercise for e in s.of("exercise_completed")]  # type: ignore[union-attr]
    assert completed == ["a", "b"]
    assert len([e for e in s.of("set_completed") if e.step.exercise == "a"]) == 1  # type: ignore[union-attr]


async def test_with_each_side_enough_ends_this_side_and_the_other_follows() -> None:
    s = Session(ranged_sets("each"))
    await s.start()
    await s.clock.advance(10 + 3)  # left side: in the rest after set 1
    early = s.runner.end_early()
    assert early is not None and (early.what, early.done) == ("exercise", 1)
    await s.clock.settle()
    step = s.runner.current
    assert step is not None and (step.exercise, step.side) == ("a", "right")
    assert s.runner.can_end_early() is None  # the right side's sets are its own
    result = await s.finish()
    assert result.completed
    sides = [e.step.side for e in s.of("side_completed")]  # type: ignore[union-attr]
    assert sides == ["left", "right"]
    assert len([e for e in s.of("set_completed") if e.step.side == "right"]) == 3  # type: ignore[union-attr]


async def test_enough_while_paused_keeps_the_pause() -> None:
    s = Session(ranged_holds())
    await s.start()
    await s.clock.advance(5)
    s.runner.pause()
    await s.clock.advance(30)
    assert s.runner.end_early() is not None
    assert s.runner.paused and s.runner.index == 1
    s.runner.resume()
    result = await s.finish()
    assert result.active_seconds == 5 + 1 + 7


async def test_a_program_without_ranges_never_ends_early() -> None:
    s = Session(program({"id": "a", "reps": 3, "hold": 5, "sets": 2}, prep=0))
    await s.start()
    for _ in range(8):
        await s.clock.advance(3.7)
        assert s.runner.can_end_early() is None
    await s.finish()
    assert s.of("ended_early") == []


async def test_the_history_keeps_an_exercise_ended_early_as_completed(tmp_path: Path) -> None:
    p = ranged_reps()
    with HistoryStore.in_folder(tmp_path) as store:
        recorder = HistoryRecorder(store)
        recorder.start(LoadedProgram(program=p, path=tmp_path / "p.toml", sha256="0" * 64))
        s = Session(p)
        s.runner.add_listener(recorder)
        await s.start()
        await s.clock.advance(13)  # third hold of set 1
        s.runner.end_early()
        recorder.finish(await s.finish())
        (record,) = store.sessions()
    assert record.status == "completed" and record.skipped_steps == 0
    first, second = record.exercises
    assert first.completed and (first.reps_done, first.sets_done) == (6, 2)
    assert first.done_count == 6  # ranged reps: the count done is the reps done
    assert second.done_count is None  # not ranged
    (again,) = HistoryStore.in_folder(tmp_path).sessions()
    assert again.exercises[0].done_count == 6  # kept in the history, read back


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.lists(st.floats(0.1, 30), min_size=1, max_size=12))
def test_enough_at_any_moment_skips_nothing_and_completes_each_exercise_once(
    p: Program, gaps: list[float]
) -> None:
    import asyncio

    async def scenario() -> tuple[Session, list[EarlyEnd]]:
        s = Session(p)
        await s.start()
        ended: list[EarlyEnd] = []
        for gap in gaps:
            await s.clock.advance(gap)
            if (early := s.runner.end_early()) is not None:
                ended.append(early)
        await s.finish()
        return s, ended

    s, ended = asyncio.run(scenario())
    result_event = s.events[-1]
    assert result_event.name == "session_completed" and result_event.data["skipped_steps"] == 0
    completed = [e.step.exercise for e in s.of("exercise_completed")]  # type: ignore[union-attr]
    assert completed == [e.id for e in p.exercises]
    for early in ended:
        assert early.done >= early.minimum
    # Each set and rep is counted at most once.
    for name in ("rep_completed", "set_completed"):
        indexes = [e.index for e in s.of(name)]
        assert len(indexes) == len(set(indexes))
