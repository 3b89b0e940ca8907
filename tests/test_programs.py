"""The bundled programs: valid, sourced, carrying the texts' precautions and doses."""

from __future__ import annotations

import re

import pytest

from coach import paths
from coach.program.library import load_library
from coach.program.loader import load_program
from coach.program.model import Program
from coach.program.timeline import build_timeline

REFERENCE_FILES = {
    "000_bb3d7c0747c072c8.txt",
    "001_57700dc527e4d9f8.txt",
    "002_5ecf9a9c7f6fc402.txt",
    "003_21d2e2aa4731c918.txt",
    "004_561cb034870f0dae.txt",
}
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
    named = {
        name
        for source in program.info.sources
        for name in re.findall(r"\d{3}_[0-9a-f]{16}\.txt", source)
    }
    assert named and named <= REFERENCE_FILES
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
    assert glide.reps is not None and 10 <= glide.reps <= 15
    assert program.info.checkin is not None and program.info.checkin.stop_above is not None


def test_strength_program_uses_a_four_count_and_shrugs_in_range() -> None:
    program = load("hand-wrist-strength")
    tempos = [e for e in program.exercises if e.tempo is not None]
    four_counts = [e for e in tempos if any(p.seconds == 4 for p in e.tempo or [])]
    assert four_counts
    shrugs = next(e for e in program.exercises if "shrug" in e.id)
    assert shrugs.reps is not None and 8 <= shrugs.reps <= 12


def test_neck_reps_within_two_to_four() -> None:
    program = load("neck-range-of-motion")
    turns = [e for e in program.exercises if "turn" in e.id or "tilt" in e.id]
    assert turns
    assert all(e.reps is not None and 2 <= e.reps <= 4 for e in turns)
