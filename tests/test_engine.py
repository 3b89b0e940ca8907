"""The engine on a fake clock: no test here sleeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from coach.program.model import Program
from coach.program.timeline import build_timeline
from coach.session.engine import Event, SessionResult
from tests.helpers import Session, program, programs


def simple() -> Program:
    # steps: prep 5 | hold 10 | rest 2 | hold 10 | rest(after) 10 | prep 5 | work 20
    return program(
        {"id": "a", "reps": 2, "hold": 10, "rest_between_reps": 2},
        {"id": "b", "duration": 20},
    )


async def test_runs_every_step_on_time() -> None:
    s = Session(simple())
    await s.start()
    result = await s.finish()
    assert result.completed and result.active_seconds == 62 and result.elapsed_seconds == 62
    assert s.started() == [
        (0, 0, 0),
        (1, 5, 5),
        (2, 15, 15),
        (3, 17, 17),
        (4, 27, 27),
        (5, 37, 37),
        (6, 42, 42),
    ]
    assert s.names()[0] == "session_started" and s.names()[-1] == "session_completed"


async def test_pause_moves_every_later_deadline_by_the_time_paused() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(8)  # 3 s into the first hold
    s.runner.pause()
    assert s.runner.paused and s.runner.remaining() == 7
    await s.clock.advance(100)
    assert s.runner.index == 1 and s.runner.remaining() == 7  # frozen while paused
    s.runner.resume()
    result = await s.finish()
    assert [start for _, start, _ in s.started()] == [0, 5, 115, 117, 127, 137, 142]
    assert result.active_seconds == 62 and result.elapsed_seconds == 162
    resumed = s.of("resumed")[0]
    assert resumed.data["paused_seconds"] == 100 and resumed.index == 1


async def test_pause_twice_and_resume_twice_are_harmless() -> None:
    s = Session(simple())
    await s.start()
    s.runner.pause()
    s.runner.pause()
    await s.clock.advance(10)
    s.runner.resume()
    s.runner.resume()
    await s.finish()
    assert len(s.of("paused")) == 1 and len(s.of("resumed")) == 1
    assert s.started()[-1][1] == 52


@pytest.mark.parametrize("index", range(7))
async def test_skip_at_every_step(index: int) -> None:
    s = Session(simple())
    await s.start()
    offsets = s.timeline.offsets()
    await s.clock.advance(offsets[index] + 1)
    assert s.runner.index == index
    s.runner.skip_step()
    await s.clock.settle()
    result = await s.finish()
    assert result.completed and result.skipped_steps == (index,)
    skipped = s.of("skipped")[0]
    assert skipped.index == index and skipped.data["what"] == "step"
    # the next step starts at once and the rest keep their lengths
    starts = dict((i, planned) for i, planned, _ in s.started())
    if index + 1 < 7:
        assert starts[index + 1] == offsets[index] + 1
    assert result.active_seconds == pytest.approx(62 - (s.timeline.steps[index].seconds - 1))


async def test_skip_exercise_skips_its_rest_too() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(6)  # in the first hold of exercise a
    s.runner.skip_exercise()
    result = await s.finish()
    assert result.skipped_steps == (1, 2, 3, 4)
    assert [i for i, _, _ in s.started()] == [0, 1, 5, 6]
    assert s.started()[2][1] == 6
    assert "exercise_completed" in s.names()  # only for b
    assert [e.step.exercise for e in s.of("exercise_completed")] == ["b"]  # type: ignore[union-attr]


async def test_skip_the_last_step_completes_the_session() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(50)
    s.runner.skip_step()
    result = await s.finish()
    assert result.completed and s.runner.index == 7
    assert s.clock.monotonic() == 1050


@pytest.mark.parametrize("index", range(7))
async def test_back_late_in_a_step_restarts_it(index: int) -> None:
    s = Session(simple())
    await s.start()
    offsets = s.timeline.offsets()
    into = min(3.0, s.timeline.steps[index].seconds - 0.5)
    await s.clock.advance(offsets[index] + into)
    s.runner.back()
    await s.clock.settle()
    result = await s.finish()
    if into >= 2:
        restarted = [planned for i, planned, _ in s.started() if i == index]
        assert restarted == [offsets[index], offsets[index] + into]
        assert result.active_seconds == pytest.approx(62 + into)
    assert s.of("back")[0].index == index


@pytest.mark.parametrize("index", range(1, 7))
async def test_back_early_in_a_step_goes_to_the_one_before(index: int) -> None:
    s = Session(simple())
    await s.start()
    offsets = s.timeline.offsets()
    await s.clock.advance(offsets[index] + 1)
    s.runner.back()
    await s.clock.settle()
    assert s.runner.index == index - 1
    assert s.of("back")[0].data["to_index"] == index - 1
    result = await s.finish()
    assert result.completed
    assert [i for i, _, _ in s.started()].count(index - 1) == 2


async def test_back_at_the_very_first_step_restarts_it() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(1)
    s.runner.back()
    await s.clock.settle()
    assert s.runner.index == 0 and s.runner.remaining() == 5


async def test_controls_while_paused_keep_the_pause() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(8)
    s.runner.pause()
    s.runner.skip_step()
    await s.clock.advance(30)
    assert s.runner.paused and s.runner.index == 2 and s.runner.remaining() == 2
    s.runner.resume()
    await s.clock.advance(2)
    assert s.runner.index == 3


async def test_stop_ends_partial_with_the_step_it_was_in() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(20)
    s.runner.stop("SIGTERM")
    result = await s.task  # type: ignore[misc]
    assert not result.completed and result.stop_reason == "SIGTERM" and result.last_index == 3
    last = s.events[-1]
    assert (
        last.name == "session_stopped"
        and last.data["status"] == "partial"
        and last.data["reason"] == "SIGTERM"
    )
    assert last.index == 3 and last.data["active_seconds"] == 20


async def test_stop_while_paused_counts_only_active_time() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(10)
    s.runner.pause()
    await s.clock.advance(60)
    s.runner.stop()
    result = await s.task  # type: ignore[misc]
    assert result.active_seconds == 10 and result.elapsed_seconds == 70


async def test_controls_before_start_and_after_end_are_ignored() -> None:
    s = Session(simple())
    s.runner.pause()
    s.runner.skip_step()
    s.runner.back()
    await s.start()
    result = await s.finish()
    assert result.completed and result.skipped_steps == ()
    s.runner.skip_step()
    s.runner.back()
    s.runner.pause()
    assert s.events[-1].name == "session_completed"


async def test_suspend_mid_hold_pauses_at_that_step_instead_of_racing() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(8)  # 3 s into the 10 s hold (step 1)
    await s.clock.suspend(3600)  # lid closed for an hour
    assert s.runner.paused and s.runner.index == 1
    paused = s.of("paused")[0]
    assert paused.data["reason"] == "suspend" and paused.index == 1
    assert paused.data["asleep_seconds"] == pytest.approx(3600 - 0, abs=MAX_SLEEP_TOL)
    # From the engine's last look (the step's start: it wakes at least every 5 s).
    assert s.runner.remaining() == pytest.approx(10)
    assert [i for i, _, _ in s.started()] == [0, 1]  # nothing raced ahead
    s.runner.resume()
    result = await s.finish()
    assert result.completed
    assert [i for i, _, _ in s.started()] == list(range(7))
    assert result.active_seconds == pytest.approx(62, abs=0.01)


MAX_SLEEP_TOL = 5.0


async def test_a_short_delay_is_not_a_suspend() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(4)
    await s.clock.suspend(2)  # woke 1 s late: within the threshold
    assert not s.runner.paused
    result = await s.finish()
    assert result.completed and not s.of("paused")
    late = [actual - planned for _, planned, actual in s.started()]
    assert max(late) == 1 and late.count(1) == 1  # the one late start, no drift after it


async def test_a_stall_under_the_suspend_threshold_never_races_through_holds() -> None:
    """4.5 s without the event loop (under the 5 s threshold) across four 1 s holds."""
    s = Session(program({"id": "a", "reps": 4, "hold": 1}, prep=1))
    await s.start()
    await s.clock.advance(1.5)  # half-way through the first hold (step 1)
    await s.clock.suspend(4.5)  # stalled: the holds' ends all went by unseen
    assert s.runner.paused and s.runner.index == 1
    assert s.of("paused")[0].data["reason"] == "suspend"
    assert not s.of("rep_completed") and not s.of("exercise_completed")
    assert s.runner.remaining() == pytest.approx(1)  # the hold, from when it was last seen
    s.runner.resume()
    result = await s.finish()
    assert result.completed and len(s.of("rep_completed")) == 4
    assert result.active_seconds == pytest.approx(5, abs=0.01)  # every hold, once


async def test_a_stall_in_a_listener_is_caught_at_the_next_step() -> None:
    """A listener that blocks (a slow disk) past the next step's end pauses there too."""
    s = Session(program({"id": "a", "reps": 3, "hold": 1}, prep=1))

    def slow_disk(event: Event) -> None:
        if event.name == "rep_completed" and event.index == 1:
            s.clock._now += 3  # the write took 3 s: the next hold went by meanwhile

    s.runner.add_listener(slow_disk)
    await s.start()
    await s.clock.advance(2.2)
    assert s.runner.paused and s.runner.index == 2
    assert len(s.of("rep_completed")) == 1
    assert s.runner.remaining() == pytest.approx(1)  # the whole hold, again


async def test_wall_clock_changes_have_no_effect() -> None:
    s = Session(simple())
    await s.start()
    await s.clock.advance(3)
    s.clock.set_wall(datetime(2030, 6, 1, 3, 0, tzinfo=UTC))
    await s.clock.advance(10)
    s.clock.set_wall(datetime(1999, 1, 1, tzinfo=UTC))
    result = await s.finish()
    assert result.completed and result.elapsed_seconds == 62
    assert [planned for _, planned, _ in s.started()] == [actual for _, _, actual in s.started()]


async def test_countdown_seconds_before_each_step_ends() -> None:
    s = Session(program({"id": "a", "reps": 1, "hold": 10}, prep=2), countdown=3)
    await s.start()
    await s.finish()
    counts = [(e.t, e.index, e.data["seconds_left"]) for e in s.of("countdown")]
    # prep 0-2 s (room for "1" only), hold 2-12 s
    assert counts == [(1, 0, 1), (9, 1, 3), (10, 1, 2), (11, 1, 1)]


async def test_countdown_resumes_where_it_was_after_a_pause() -> None:
    s = Session(program({"id": "a", "reps": 1, "hold": 10}, prep=0), countdown=3)
    await s.start()
    await s.clock.advance(7.5)  # "3" said at 7
    s.runner.pause()
    await s.clock.advance(20)
    s.runner.resume()
    await s.finish()
    assert [e.data["seconds_left"] for e in s.of("countdown")] == [3, 2, 1]
    assert [e.t for e in s.of("countdown")] == [7, 28, 29]


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        ("none", ["step:work:None:1", "rep", "set", "exercise"]),
        ("left", ["step:work:left:1", "rep", "set", "side", "exercise"]),
        ("right", ["step:work:right:1", "rep", "set", "side", "exercise"]),
        (
            "each",
            [
                "step:work:left:1",
                "rep",
                "set",
                "side",
                "step:switch:right:None",
                "step:work:right:1",
                "rep",
                "set",
                "side",
                "exercise",
            ],
        ),
        ("alternate", ["step:work:left:1", "step:work:right:1", "rep", "set", "exercise"]),
    ],
)
async def test_event_sequence_for_each_sides_value(sides: str, expected: list[str]) -> None:
    s = Session(program({"id": "a", "sides": sides, "reps": 1, "hold": 3}, prep=0, switch_sides=1))
    await s.start()
    await s.finish()
    seen = []
    for e in s.events:
        if e.name == "step_started":
            assert e.step is not None
            seen.append(f"step:{e.step.kind}:{e.step.side}:{e.step.rep}")
        elif e.name.endswith("_completed") and e.name != "session_completed":
            seen.append(e.name.removesuffix("_completed"))
    assert seen == expected


async def test_completions_for_sets_and_reps() -> None:
    s = Session(
        program(
            {
                "id": "a",
                "sets": 2,
                "reps": 2,
                "tempo": [{"phase": "Up", "seconds": 1}, {"phase": "Down", "seconds": 1}],
            },
            prep=0,
        )
    )
    await s.start()
    await s.finish()
    assert len(s.of("rep_completed")) == 4 and len(s.of("set_completed")) == 2
    assert [(e.step.set, e.step.rep) for e in s.of("rep_completed") if e.step] == [
        (1, 1),
        (1, 2),
        (2, 1),
        (2, 2),
    ]


async def test_session_started_carries_the_wall_clock_start() -> None:
    s = Session(simple())
    await s.start()
    started = s.events[0]
    assert started.data["program"] == "p" and started.data["total_seconds"] == 62
    assert started.data["started_at"] == "2026-01-05T09:00:00+00:00"
    s.runner.stop()
    await s.task  # type: ignore[misc]


async def test_run_twice_is_refused() -> None:
    s = Session(simple())
    await s.start()
    with pytest.raises(RuntimeError):
        await s.runner.run()
    s.runner.stop()
    await s.task  # type: ignore[misc]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_step_started_events_equal_the_plan(p: Program) -> None:
    async def scenario() -> tuple[list[Event], SessionResult]:
        s = Session(p, countdown=3)
        await s.start()
        return s.events, await s.finish()

    events, result = asyncio.run(scenario())
    timeline = build_timeline(p)
    started = [e for e in events if e.name == "step_started"]
    assert [e.step for e in started] == list(timeline.steps)
    assert [e.data["planned_start"] for e in started] == pytest.approx(timeline.offsets())
    assert [e.data["actual_start"] for e in started] == pytest.approx(timeline.offsets())
    assert result.completed and result.active_seconds == pytest.approx(timeline.total_seconds)
    exercises = [e for e in events if e.name == "exercise_completed"]
    assert len(exercises) == len(p.exercises)


async def test_skip_and_back_at_a_switch_step() -> None:
    p = program({"id": "a", "sides": "each", "reps": 1, "hold": 10}, prep=0, switch_sides=6)
    # steps: work left 0-10 | switch 10-16 | work right 16-26
    s = Session(p)
    await s.start()
    await s.clock.advance(13)
    assert s.runner.current is not None and s.runner.current.kind == "switch"
    s.runner.back()  # 3 s into the switch: restart it
    await s.clock.advance(1)
    assert s.runner.index == 1 and s.runner.remaining() == 5
    s.runner.skip_step()  # skip the switch: the right side starts now
    await s.clock.settle()
    assert s.runner.current is not None and s.runner.current.side == "right"
    result = await s.finish()
    assert result.completed and result.skipped_steps == (1,)
    assert [planned for _, planned, _ in s.started()] == [0, 10, 13, 14]
    assert result.active_seconds == 24
