"""The bundled programs: valid, sourced, carrying the texts' precautions and doses."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from coach import paths
from coach.program.library import load_library
from coach.program.loader import load_program
from coach.program.model import CountRange, Program
from coach.program.timeline import build_timeline

# How ../shared/reference/README.md says to cite each text: by title, never by file name
# (a person reading a program cannot look up an internal file name).
REFERENCE_TITLES = {
    "Muscle Weakness in Hands: What to Do?",
    "Background on weakness and numbness of the hands and arms",
    "What Is Muscle Weakness?",
    "Exercises to Help Numbness in Arms & Hands",
    "Strength Training for Nerve Damage in the Hands & Neck",
}
FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt|shared/reference|\b00[0-4]\b")
BUNDLED = sorted(paths.bundled_programs_dir().glob("*.toml"))


def load(program_id: str) -> Program:
    return load_program(paths.bundled_programs_dir() / f"{program_id}.toml").program


def test_at_least_seven_bundled_programs_all_valid() -> None:
    assert len(BUNDLED) >= 7
    library = load_library()
    assert library.broken == []
    for required in (
        "typist-micro-break",
        "wrist-forearm-stretches",
        "neck-range-of-motion",
        "median-nerve-glide",
        "hand-wrist-strength",
        "musician-warm-up",
        "musician-practice-break",
    ):
        assert library.get(required) is not None, required


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_each_program_names_its_sources_and_carries_the_precautions(path) -> None:  # type: ignore[no-untyped-def]
    program = load_program(path).program
    assert program.id == path.stem
    cited = {
        title for title in REFERENCE_TITLES for s in program.info.sources if s.startswith(title)
    }
    assert cited, program.info.sources
    for source in program.info.sources:
        assert source.startswith((*REFERENCE_TITLES, "Dose:", "Coach's choice")), source
    # Comments too: a physiotherapist reading the file cannot look up "003" either.
    everything = path.read_text(encoding="utf-8").split("\n")
    assert not [line for line in everything if FILE_NAME.search(line)], path.name
    precautions = " ".join(program.info.precautions).lower()
    assert "doctor" in precautions
    assert "stop" in precautions and "hurt" in precautions
    assert "numbness" in precautions and "slowly" in precautions
    for sign in ("sudden weakness", "one side", "slurred speech", "confusion"):
        assert sign in precautions, (path.name, sign)


def test_typist_micro_break_is_one_to_two_minutes() -> None:
    assert 60 <= build_timeline(load("typist-micro-break")).total_seconds <= 120


def test_wrist_stretches_dose_from_003() -> None:
    program = load("wrist-forearm-stretches")
    by_id = {e.id: e for e in program.exercises}
    stretches = [e for e in program.exercises if "extension" in e.id or "flexion" in e.id]
    assert len(stretches) >= 2, list(by_id)
    for exercise in stretches:
        assert exercise.hold == 15 and exercise.reps == 5 and exercise.sides == "each"


def test_median_nerve_glide_has_heat_before_and_ice_after() -> None:
    program = load("median-nerve-glide")
    first, *middle, last = program.exercises
    assert "heat" in first.id and first.duration == 15 * 60
    assert "ice" in last.id and last.duration == 20 * 60
    glide = middle[0]
    # "10 to 15 repetitions a day", as the range it is: paced at 15, enough from 10.
    assert glide.reps == CountRange(min=10, max=15) and glide.paced_reps == 15
    assert program.info.checkin is not None and program.info.checkin.stop_above is not None


def test_strength_program_uses_a_four_count_and_shrugs_in_range() -> None:
    program = load("hand-wrist-strength")
    tempos = [e for e in program.exercises if e.tempo is not None]
    four_counts = [e for e in tempos if any(p.seconds == 4 for p in e.tempo or [])]
    assert four_counts
    shrugs = next(e for e in program.exercises if "shrug" in e.id)
    assert shrugs.paced_reps is not None and 8 <= shrugs.paced_reps <= 12


def test_neck_reps_within_two_to_four() -> None:
    program = load("neck-range-of-motion")
    turns = [e for e in program.exercises if "turn" in e.id or "tilt" in e.id]
    assert turns
    assert all(e.paced_reps is not None and 2 <= e.paced_reps <= 4 for e in turns)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_each_description_speaks_to_the_person_doing_it(path: Path) -> None:
    """Where a dose is coach's own choice is said in sources, not to the person exercising."""
    info = load_program(path).program.info
    text = f"{info.summary} {info.description}".lower()
    for phrase in (
        "coach's choice",
        "coach's gentle",
        "the texts give",
        "source text",
        "the text's",
    ):
        assert phrase not in text, (path.name, phrase)


def test_the_graded_program_starts_with_range_of_motion_and_adds_load_later() -> None:
    """As the strength-training text says: range of motion for a period, then strength."""
    loaded = load("hand-wrist-graded")
    prescription = loaded.info.prescription
    assert prescription is not None and prescription.start is None  # weeks from the first session
    assert [(p.name, p.weeks) for p in loaded.phases] == [
        ("Range of motion", [1, 2]),
        ("Strength, no weight", [3, 4]),
        ("Light weight", [5, 6]),
    ]
    on = load_program(paths.bundled_programs_dir() / "hand-wrist-graded.toml").on
    today = datetime.date(2026, 12, 1)
    weeks = {week: on(today, today - datetime.timedelta(days=7 * (week - 1))) for week in (1, 3, 5)}
    first = [e.id for e in weeks[1].program.exercises]
    assert first and all("warm-up" in e.name.lower() for e in weeks[1].program.exercises)
    curls = {
        w: next(e for e in d.program.exercises if e.id == "wrist-flexion-curl")
        for w, d in weeks.items()
        if w > 1
    }
    assert curls[3].load is not None and "no weight" in curls[3].load
    assert curls[5].load is not None and "small can" in curls[5].load
    assert any(p.seconds == 4 for p in curls[5].tempo or [])  # the four count
    assert "shoulder-shrugs" not in [e.id for e in weeks[3].program.exercises]
    shrugs = next(e for e in weeks[5].program.exercises if e.id == "shoulder-shrugs")
    assert shrugs.reps == CountRange(min=8, max=12, target=10)  # "eight to 12 times"
