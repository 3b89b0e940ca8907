"""The timeline semantics: worked examples for every ``sides`` value, and properties."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.program.model import MAX_SESSION_SECONDS, MAX_STEPS, Program
from coach.program.timeline import TimelineTooLarge, build_timeline, exercise_size, session_size
from tests.helpers import durations, program, programs


def rows(p: Program) -> list[tuple[Any, ...]]:
    return [
        (s.kind, s.exercise, s.side, s.set, s.rep, s.phase, s.seconds)
        for s in build_timeline(p).steps
    ]


def test_none_sides_with_sets_reps_and_rests() -> None:
    p = program(
        {
            "id": "a",
            "sets": 2,
            "reps": 2,
            "hold": 15,
            "rest_between_reps": 3,
            "rest_between_sets": 20,
        }
    )
    assert rows(p) == [
        ("prep", "a", None, None, None, None, 5),
        ("work", "a", None, 1, 1, "Hold", 15),
        ("rest", "a", None, 1, 1, None, 3),
        ("work", "a", None, 1, 2, "Hold", 15),
        ("rest", "a", None, 1, None, None, 20),
        ("work", "a", None, 2, 1, "Hold", 15),
        ("rest", "a", None, 2, 1, None, 3),
        ("work", "a", None, 2, 2, "Hold", 15),
    ]


def test_left_and_right_are_one_pass_on_that_side() -> None:
    for side in ("left", "right"):
        p = program({"id": "a", "sides": side, "reps": 2, "hold": 1}, prep=0)
        assert rows(p) == [
            ("work", "a", side, 1, 1, "Hold", 1),
            ("work", "a", side, 1, 2, "Hold", 1),
        ]


def test_each_side_does_left_then_switch_then_right() -> None:
    p = program({"id": "a", "sides": "each", "reps": 2, "hold": 15}, prep=2, switch_sides=4)
    assert rows(p) == [
        ("prep", "a", None, None, None, None, 2),
        ("work", "a", "left", 1, 1, "Hold", 15),
        ("work", "a", "left", 1, 2, "Hold", 15),
        ("switch", "a", "right", None, None, None, 4),
        ("work", "a", "right", 1, 1, "Hold", 15),
        ("work", "a", "right", 1, 2, "Hold", 15),
    ]


def test_each_side_with_sets_rests_within_each_side() -> None:
    p = program(
        {
            "id": "a",
            "sides": "each",
            "sets": 2,
            "duration": 10,
            "rest_between_sets": 5,
            "switch_sides": 0,
        },
        prep=0,
    )
    assert rows(p) == [
        ("work", "a", "left", 1, None, None, 10),
        ("rest", "a", "left", 1, None, None, 5),
        ("work", "a", "left", 2, None, None, 10),
        ("work", "a", "right", 1, None, None, 10),
        ("rest", "a", "right", 1, None, None, 5),
        ("work", "a", "right", 2, None, None, 10),
    ]


def test_alternate_puts_left_then_right_phases_in_each_rep() -> None:
    tempo = [{"phase": "Turn", "seconds": 2}, {"phase": "Back", "seconds": 1}]
    p = program(
        {"id": "a", "sides": "alternate", "reps": 2, "tempo": tempo, "rest_between_reps": 1}, prep=0
    )
    assert rows(p) == [
        ("work", "a", "left", 1, 1, "Turn", 2),
        ("work", "a", "left", 1, 1, "Back", 1),
        ("work", "a", "right", 1, 1, "Turn", 2),
        ("work", "a", "right", 1, 1, "Back", 1),
        ("rest", "a", None, 1, 1, None, 1),
        ("work", "a", "left", 1, 2, "Turn", 2),
        ("work", "a", "left", 1, 2, "Back", 1),
        ("work", "a", "right", 1, 2, "Turn", 2),
        ("work", "a", "right", 1, 2, "Back", 1),
    ]


def test_rest_after_each_exercise_but_the_last_with_overrides() -> None:
    p = program(
        {"id": "heat", "duration": 900, "prep": 0},
        {"id": "glide", "reps": 1, "hold": 5, "rest_after": 30},
        {"id": "ice", "duration": 1200},
        rest_between_exercises=10,
    )
    assert rows(p) == [
        ("work", "heat", None, 1, None, None, 900),
        ("rest", "heat", None, None, None, None, 10),
        ("prep", "glide", None, None, None, None, 5),
        ("work", "glide", None, 1, 1, "Hold", 5),
        ("rest", "glide", None, None, None, None, 30),
        ("prep", "ice", None, None, None, None, 5),
        ("work", "ice", None, 1, None, None, 1200),
    ]
    timeline = build_timeline(p)
    assert timeline.total_seconds == 900 + 10 + 5 + 5 + 30 + 5 + 1200
    assert timeline.offsets()[:3] == [0, 900, 910]


def test_plan_json_shape() -> None:
    p = program({"id": "a", "reps": 1, "hold": 0.5}, prep=0)
    assert build_timeline(p).to_json() == {
        "program": "p",
        "total_seconds": 0.5,
        "steps": [
            {
                "kind": "work",
                "exercise": "a",
                "side": None,
                "set": 1,
                "rep": 1,
                "phase": "Hold",
                "seconds": 0.5,
            }
        ],
    }


# --- properties -------------------------------------------------------------------------------


def _expected(p: Program) -> tuple[float, dict[str, int]]:
    """Total length and step counts worked out from the counts alone, not from the steps."""
    total = 0.0
    counts = {"prep": 0, "switch": 0, "work": 0, "rest": 0}
    for index, e in enumerate(p.exercises):
        prep, switch = p.exercise_prep(e), p.exercise_switch(e)
        passes = 2 if e.sides == "each" else 1
        per_pass_side = 2 if e.sides == "alternate" else 1
        reps, sets = e.paced_reps or 1, e.paced_sets
        if e.paced_duration is not None:
            phases = [e.paced_duration]
        elif e.paced_hold is not None:
            phases = [e.paced_hold]
        else:
            assert e.tempo is not None
            phases = [phase.seconds for phase in e.tempo]
        rep_time = per_pass_side * sum(phases)
        set_time = reps * rep_time + (reps - 1) * e.rest_between_reps
        pass_time = sets * set_time + (sets - 1) * e.rest_between_sets
        total += prep + passes * pass_time + (passes - 1) * switch
        counts["prep"] += prep > 0
        counts["switch"] += (passes - 1) * (switch > 0)
        counts["work"] += passes * sets * reps * per_pass_side * len(phases)
        counts["rest"] += passes * sets * (reps - 1) * (e.rest_between_reps > 0)
        counts["rest"] += passes * (sets - 1) * (e.rest_between_sets > 0)
        if index < len(p.exercises) - 1:
            after = p.exercise_rest_after(e)
            total += after
            counts["rest"] += after > 0
    return total, counts


@settings(max_examples=300, deadline=None)
@given(programs())
def test_total_is_the_sum_of_steps_and_matches_the_counts(p: Program) -> None:
    timeline = build_timeline(p)
    expected_total, expected_counts = _expected(p)
    assert math.isclose(timeline.total_seconds, math.fsum(s.seconds for s in timeline.steps))
    assert math.isclose(timeline.total_seconds, expected_total, rel_tol=1e-9)
    counts = {kind: sum(1 for s in timeline.steps if s.kind == kind) for kind in expected_counts}
    assert counts == expected_counts


@settings(max_examples=200, deadline=None)
@given(programs())
def test_steps_are_positive_ordered_and_well_labelled(p: Program) -> None:
    timeline = build_timeline(p)
    assert all(step.seconds > 0 for step in timeline.steps)
    offsets = timeline.offsets()
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert [s.exercise_index for s in timeline.steps] == sorted(
        s.exercise_index for s in timeline.steps
    )
    by_id = {e.id: e for e in p.exercises}
    for step in timeline.steps:
        exercise = by_id[step.exercise]
        if step.kind == "work":
            assert step.set is not None and 1 <= step.set <= exercise.paced_sets
            assert (step.rep is None) == (exercise.duration is not None)
            assert (step.side is None) == (exercise.sides == "none")
        elif step.kind == "switch":
            assert exercise.sides == "each" and step.side == "right"
        elif step.kind == "prep":
            assert (step.side, step.set, step.rep) == (None, None, None)
        assert step.phase is None or step.kind == "work"


# --- sizes by arithmetic, and the limits -------------------------------------------------------

# Durations with float noise (0.1, 1/3...) and tiny rests, so that adding them up
# in another order than the steps' would show.
noisy_durations = st.one_of(
    durations, st.floats(1e-3, 300, allow_nan=False), st.sampled_from([0.1, 0.2, 1 / 3, 1e-9])
)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_session_size_is_exactly_what_build_timeline_lays_out(p: Program) -> None:
    timeline = build_timeline(p)
    size = session_size(p)
    assert size.steps == len(timeline.steps)
    assert size.seconds == timeline.total_seconds  # the same float, not merely close
    for index in range(len(p.exercises)):
        assert exercise_size(p, index).seconds == timeline.exercise_seconds(index)
        assert exercise_size(p, index).steps == sum(
            1 for step in timeline.steps if step.exercise_index == index
        )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_session_size_is_exact_with_float_noise(data: st.DataObject) -> None:
    reps = data.draw(st.integers(1, 5))
    phases = data.draw(st.lists(noisy_durations, min_size=1, max_size=3))
    p = program(
        {
            "id": "a",
            "sides": data.draw(st.sampled_from(["none", "each", "alternate"])),
            "sets": data.draw(st.integers(1, 3)),
            "reps": reps,
            "tempo": [{"phase": f"P{i}", "seconds": s} for i, s in enumerate(phases)],
            "rest_between_reps": data.draw(st.one_of(st.just(0), noisy_durations)),
        },
        {"id": "b", "duration": data.draw(noisy_durations)},
        prep=data.draw(st.one_of(st.just(0), noisy_durations)),
    )
    timeline = build_timeline(p)
    assert session_size(p).seconds == timeline.total_seconds
    assert session_size(p).steps == len(timeline.steps)


def test_build_timeline_refuses_a_session_over_the_step_limit() -> None:
    # Each exercise is within its own bounds; 101 of them make 101,000 steps.
    many = [{"id": f"e{i}", "reps": 1000, "hold": 0.01} for i in range(101)]
    p = program(*many, prep=0, rest_between_exercises=0)
    assert session_size(p).steps == 101_000 > MAX_STEPS
    started = time.process_time()
    with pytest.raises(TimelineTooLarge, match="101,000 steps"):
        build_timeline(p)
    assert time.process_time() - started < 0.5  # refused before laying anything out


def test_build_timeline_refuses_a_session_over_a_day() -> None:
    p = program({"id": "a", "sets": 2, "duration": "24h"}, prep=0)
    assert session_size(p).seconds == 2 * 86400 + 30 > MAX_SESSION_SECONDS
    with pytest.raises(TimelineTooLarge, match="over the limits"):
        build_timeline(p)
