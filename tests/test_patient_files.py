"""Patient files (format version 2): a protocol adapted for one person without copying it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest import CaptureFixture

from coach import paths
from coach.cli.main import main
from coach.program.library import ProgramFolder, load_library
from coach.program.loader import ProgramError, load_program

BASE = """\
schema_version = 2

[program]
id = "tendon"
title = "Tendon glides"
summary = "Tendon gliding for the hand."
prep = 0

[program.schedule]
per_day = 2

[[exercise]]
id = "glide"
name = "Tendon glide"
sides = "affected"
reps = 10
hold = 3

[[exercise]]
id = "squeeze"
name = "Squeeze"
sides = "unaffected"
reps = 5
hold = 2

[[exercise]]
id = "stretch"
name = "Stretch"
reps = 3
hold = 15
"""

PATIENT = """\
schema_version = 2
extends = "./tendon.toml"

[program]
id = "tendon-for-js"
title = "Tendon glides for J. S."

[patient]
label = "J. S."
affected_side = "right"
notes = "Go gently after the cast comes off."

[adjust.glide]
reps = 6
load = "soft putty"

[adjust.stretch]
enabled = false
"""


def write(folder: Path, base: str = BASE, patient: str = PATIENT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tendon.toml").write_text(base, encoding="utf-8")
    path = folder / "js.toml"
    path.write_text(patient, encoding="utf-8")
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    return [f"{issue.path.name}:{issue.line}: {issue.message}" for issue in caught.value.issues]


def test_a_patient_file_inherits_adjusts_and_switches_off(tmp_path: Path) -> None:
    loaded = load_program(write(tmp_path))
    program = loaded.program
    assert program.id == "tendon-for-js" and program.title == "Tendon glides for J. S."
    # Inherited unless given: the summary, the prep, the schedule.
    assert program.info.summary == "Tendon gliding for the hand." and program.info.prep == 0
    assert program.info.schedule is not None and program.info.schedule.per_day == 2
    assert [e.id for e in program.exercises] == ["glide", "squeeze"]  # stretch switched off
    glide, squeeze = program.exercises
    assert (glide.reps, glide.hold, glide.load) == (6, 3, "soft putty")
    assert squeeze.reps == 5  # not adjusted
    assert loaded.extends is not None and loaded.extends.program.id == "tendon"
    assert loaded.sources == (tmp_path / "tendon.toml",) or loaded.sources[0].name == "tendon.toml"


@pytest.mark.parametrize(("affected", "other"), [("right", "left"), ("left", "right")])
def test_the_patient_s_sides_resolve_from_the_affected_side(
    tmp_path: Path, affected: str, other: str
) -> None:
    text = PATIENT.replace('affected_side = "right"', f'affected_side = "{affected}"')
    glide, squeeze = load_program(write(tmp_path, patient=text)).program.exercises
    assert (glide.sides, squeeze.sides) == (affected, other)


def test_patient_sides_without_an_affected_side_are_refused(tmp_path: Path) -> None:
    text = PATIENT.replace('affected_side = "right"\n', "")
    assert refused(write(tmp_path, patient=text)) == [
        "js.toml:8: tendon.toml uses the patient's sides (affected or unaffected, in glide, "
        'squeeze): give [patient] affected_side = "left" or "right"'
    ]
    # The protocol alone has no patient either: refused at its lines, saying what to do.
    problems = refused(tmp_path / "tendon.toml")
    assert problems[0].startswith("tendon.toml:15: sides = 'affected' needs the patient's")
    assert "write a patient file that extends this program" in problems[0]


def test_a_version_1_program_may_not_have_a_patient(tmp_path: Path) -> None:
    text = (
        "schema_version = 1\n"
        + BASE.split("\n", 1)[1].replace('"affected"', '"left"').replace('"unaffected"', '"right"')
        + '\n[patient]\nlabel = "J. S."\n'
    )
    path = tmp_path / "v1.toml"
    path.write_text(text, encoding="utf-8")
    assert any("[patient] needs schema_version = 2" in line for line in refused(path))


def test_an_ordinary_program_may_be_written_for_one_person(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(BASE + '\n[patient]\nlabel = "A. B."\naffected_side = "left"\n')
    glide, squeeze, _ = load_program(path).program.exercises
    assert (glide.sides, squeeze.sides) == ("left", "right")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("[adjust.glide]", "[adjust.glyde]"),
            "js.toml:13: [adjust.glyde]: tendon.toml has no exercise with that id (its "
            "exercises: glide, squeeze, stretch)",
        ),
        (
            ('extends = "./tendon.toml"', 'extends = "./nope.toml"'),
            "js.toml:2: extends './nope.toml': there is no file {folder}/nope.toml",
        ),
        (
            ('id = "tendon-for-js"', 'id = "tendon"'),
            "js.toml:5: a patient file needs its own id, not 'tendon' (the program it extends): "
            'for example id = "tendon-for-js"',
        ),
        (
            ("reps = 6", "reps = 6\nduraton = 5"),
            "js.toml:15: unknown key 'duraton' in [adjust.glide] (did you mean 'duration'?)",
        ),
        (
            ("schema_version = 2", "schema_version = 1"),
            "js.toml:1: a patient file (a file with extends) is version 2: write "
            "schema_version = 2 at the top of the file",
        ),
    ],
)
def test_a_mistake_in_the_patient_file_names_its_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, patient=PATIENT.replace(*change))
    assert refused(path) == [message.format(folder=tmp_path)]


def test_a_mistake_in_the_extended_file_names_that_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, base=BASE.replace("reps = 5", "reps = 0"))
    assert refused(path) == [
        f"js.toml:2: extends './tendon.toml': {tmp_path / 'tendon.toml'} has problems "
        "(below); fix them there",
        "tendon.toml:23: exercise[2].reps: must be at least 1, got 0",
    ]


def test_a_loop_of_patient_files_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, patient=PATIENT.replace("./tendon.toml", "./other.toml"))
    other = PATIENT.replace("./tendon.toml", "./js.toml").replace("tendon-for-js", "other")
    (tmp_path / "other.toml").write_text(other)
    problems = refused(path)
    assert problems[0].startswith("js.toml:2: extends './other.toml'")
    assert any("that file extends this one again (a loop)" in line for line in problems)


def test_a_patient_file_may_extend_another(tmp_path: Path) -> None:
    write(tmp_path)
    second = (
        PATIENT.replace("./tendon.toml", "./js.toml")
        .replace("tendon-for-js", "tendon-for-js-week-3")
        .replace("reps = 6", "reps = 8")
        .replace("[adjust.stretch]\nenabled = false\n", "")
    )
    path = tmp_path / "js3.toml"
    path.write_text(second)
    glide, squeeze = load_program(path).program.exercises
    assert (glide.reps, glide.load, glide.sides, squeeze.sides) == (
        8,
        "soft putty",
        "right",
        "left",
    )


def test_extends_finds_a_library_id_or_says_where_it_looked(tmp_path: Path) -> None:
    text = (
        PATIENT.replace("./tendon.toml", "hand-wrist-strength")
        .replace("[adjust.glide]\nreps = 6", "[adjust.grip-squeeze]\nreps = 6")
        .replace("[adjust.stretch]", "[adjust.shoulder-shrugs]")
    )
    path = tmp_path / "hws.toml"
    path.write_text(text)
    program = load_program(path).program
    grip = next(e for e in program.exercises if e.id == "grip-squeeze")
    assert grip.reps == 6 and "shoulder-shrugs" not in [e.id for e in program.exercises]
    path.write_text(text.replace("hand-wrist-strength", "hand-wrist-strenght"))
    (problem,) = refused(path)
    assert "extends 'hand-wrist-strenght': no program with that id in the library" in problem
    assert str(paths.bundled_programs_dir()) in problem


def test_an_adjustment_wins_over_the_protocol_s_phase(tmp_path: Path) -> None:
    text = (
        PATIENT.replace("./tendon.toml", "hand-wrist-graded")
        .replace("[adjust.glide]\nreps = 6\nload", "[adjust.wrist-flexion-curl]\nreps = 6\nload")
        .replace("[adjust.stretch]", "[adjust.shoulder-shrugs]")
    )
    path = tmp_path / "graded-js.toml"
    path.write_text(text)
    import datetime

    today = datetime.date(2026, 12, 1)
    week_3 = load_program(path).on(today, today - datetime.timedelta(days=14))
    assert week_3.phase_name == "Strength, no weight"
    curl = next(e for e in week_3.program.exercises if e.id == "wrist-flexion-curl")
    assert (curl.reps, curl.load) == (6, "soft putty")  # the phase's load gave way to the adjust
    assert "shoulder-shrugs" not in [e.id for e in week_3.program.exercises]


def test_validate_plan_and_run_show_and_pace_the_resolved_program(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, base=BASE.replace("hold = 3", "hold = 0.02").replace("hold = 2", "hold = 0.02")
    )
    assert main(["validate", str(path)]) == 0
    assert "ok (tendon-for-js, 2 exercises, adapts tendon" in capsys.readouterr().out
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Adapts tendon (tendon.toml)" in out
    assert "For J. S., affected side: right" in out
    assert "Notes: Go gently after the cast comes off." in out
    assert main(["run", str(path), "--headless", "--json", "--quiet"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    started = next(e for e in events if e["event"] == "session_started")
    assert started["program"] == "tendon-for-js"
    work = [
        (e["exercise"], e["side"])
        for e in events
        if e["event"] == "step_started" and e["kind"] == "work"
    ]
    assert work == [("glide", "right")] * 6 + [("squeeze", "left")] * 5


def test_the_library_lists_a_patient_file_and_follows_its_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "programs"
    write(folder)
    cache = tmp_path / "cache.json"
    library = load_library([ProgramFolder(folder, "user")], cache=cache)
    assert [e.id for e in library.entries] == ["tendon-for-js"]  # the protocol alone is broken
    entry = library.get("tendon-for-js")
    assert entry is not None and entry.listing.total_seconds == 6 * 3 + 10 + 5 * 2  # 10 s between
    # The protocol changes; the patient file's own bytes do not: the library sees it.
    base = folder / "tendon.toml"
    base.write_text(BASE.replace("hold = 2", "hold = 4"))
    os.utime(base, ns=(base.stat().st_mtime_ns + 10**9,) * 2)
    entry = load_library([ProgramFolder(folder, "user")], cache=cache).get("tendon-for-js")
    assert entry is not None and entry.listing.total_seconds == 6 * 3 + 10 + 5 * 4


@pytest.mark.parametrize(
    ("patient", "title"),
    [
        ('[patient]\nlabel = "J. S."\naffected_side = "right"\n', "Tendon glides, for J. S."),
        ('[patient]\naffected_side = "right"\n', "Tendon glides, for tendon-for-js"),
    ],
)
def test_a_patient_file_without_a_title_never_reads_as_its_protocol(
    tmp_path: Path, patient: str, title: str
) -> None:
    text = (
        'schema_version = 2\nextends = "./tendon.toml"\n[program]\nid = "tendon-for-js"\n' + patient
    )
    loaded = load_program(write(tmp_path, patient=text))
    assert loaded.program.title == title
    assert loaded.extends is not None and loaded.extends.program.title == "Tendon glides"
