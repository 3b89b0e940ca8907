"""History schema 7: the dose paced of each held or timed exercise, and how long its
as-needed rests took; recorded by a session, kept, exported and imported."""

from __future__ import annotations

import io
import json
import math
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach.history.exchange import read_export, session_from_json
from coach.history.records import ExerciseRecord
from coach.history.schema import migrate
from coach.history.store import DB_NAME, HistoryStore
from coach.program.loader import LoadedProgram, parse_program
from coach.session.recording import HistoryRecorder
from tests.helpers import Session, history_with, record


def _dosed(session_id: str = "s1") -> Any:
    return record(
        session_id,
        exercises=[
            ExerciseRecord("hold", "Flexor stretch", 0, True, 1, 1, 3, 3, 0, hold_seconds=7.5),
            ExerciseRecord(
                "heat", "Heat", 1, True, 2, 2, 0, 0, 0, duration_seconds=60.0, rest_waited=42.25
            ),
        ],
    )


def test_the_doses_and_the_wait_are_saved_read_back_and_shown(tmp_path: Path) -> None:
    saved = _dosed()
    store = history_with(tmp_path / "h", saved)
    (back,) = store.sessions()
    hold, heat = back.exercises
    assert (hold.hold_seconds, hold.duration_seconds, hold.rest_waited) == (7.5, None, None)
    assert (heat.hold_seconds, heat.duration_seconds, heat.rest_waited) == (None, 60.0, 42.25)
    first, second = back.to_json()["exercises"]
    assert first["hold_seconds"] == 7.5
    assert not {"duration_seconds", "rest_waited"} & set(first)
    assert (second["duration_seconds"], second["rest_waited"]) == (60.0, 42.25)


def test_export_writes_them_as_the_records_do_and_import_takes_them_back(
    tmp_path: Path,
) -> None:
    work = history_with(tmp_path / "work", _dosed("a"), record("b"))
    out = io.StringIO()
    assert work.write_export(out) == 2
    assert json.loads(out.getvalue()) == work.export_json()  # SQLite's JSON agrees
    file = tmp_path / "export.json"
    file.write_text(out.getvalue())
    home = history_with(tmp_path / "home")
    assert home.merge(read_export(file)).added == 2
    assert [r.to_json() for r in home.sessions()] == [r.to_json() for r in work.sessions()]


@pytest.mark.parametrize("key", ["hold_seconds", "duration_seconds", "rest_waited"])
@pytest.mark.parametrize("value", [-1, "7s", True, math.inf, 10**12])
def test_an_import_refuses_a_length_coach_could_not_have_recorded(key: str, value: Any) -> None:
    data = _dosed().to_json()
    data["exercises"][1][key] = value
    with pytest.raises(ValueError, match=rf"exercises\[1\]\.{key}"):
        session_from_json(data, "session")


def test_a_history_from_schema_6_reads_them_as_none(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, 6)
    db.execute(
        "INSERT INTO sessions (id, program_id, program_title, started_at, utc_offset, "
        "local_date, status, updated_at) VALUES ('old', 'wrist', 'Wrist', "
        "'2020-01-01T08:00:00.000Z', 0, '2020-01-01', 'completed', '2020-01-01T08:01:00.000Z')"
    )
    db.execute(
        "INSERT INTO session_exercises (session_id, position, exercise_id, name, completed) "
        "VALUES ('old', 0, 'ex', 'Ex', 1)"
    )
    db.commit()
    db.close()
    with HistoryStore(path) as store:
        ((exercise,),) = [s.exercises for s in store.sessions()]
    assert (exercise.hold_seconds, exercise.duration_seconds, exercise.rest_waited) == (
        None,
        None,
        None,
    )


PHASED = """\
schema_version = 2
[program]
id = "phased"
title = "Phased"
prep = 0
[program.prescription]
start = 2026-11-02
weeks = 4
[[phase]]
name = "Longer holds"
weeks = [1, 4]
[phase.exercise.stretch]
hold = { min = 10, max = 20, target = 15 }
[[exercise]]
id = "stretch"
name = "Flexor stretch"
reps = 2
hold = 5
rest_between_reps = 1
[[exercise]]
id = "rest"
name = "Shake out"
duration = 4
rest_between_sets = "as needed"
sets = 2
"""


def _phased(tmp_path: Path) -> LoadedProgram:
    path = tmp_path / "p.toml"
    whole = LoadedProgram(program=parse_program(PHASED, path), path=path, sha256="0" * 64)
    return whole.on(date(2026, 11, 10))


async def test_a_session_records_the_dose_it_paced_and_the_rest_it_waited(
    tmp_path: Path,
) -> None:
    """The phase's hold (its target, not the file's 5 s) is what the history keeps."""
    loaded = _phased(tmp_path)
    p = loaded.program
    assert p.exercises[0].paced_hold == 15
    with HistoryStore.in_folder(tmp_path) as store:
        recorder = HistoryRecorder(store)
        recorder.start(loaded)
        s = Session(p, wait_as_needed=True)
        s.runner.add_listener(recorder)
        await s.start()
        await s.clock.advance(15 + 1 + 15 + 10 + 4 + 0.5)  # into the rest between sets
        assert s.runner.waiting
        await s.clock.advance(12)
        s.runner.go_on()
        recorder.finish(await s.finish())
        (kept,) = store.sessions()
    stretch, shake = kept.exercises
    assert (stretch.hold_seconds, stretch.duration_seconds, stretch.rest_waited) == (15, None, None)
    assert shake.duration_seconds == 4 and shake.hold_seconds is None
    assert shake.rest_waited == pytest.approx(12.5)
    assert kept.phase == "Longer holds"


async def test_without_a_terminal_an_as_needed_rest_records_no_wait(tmp_path: Path) -> None:
    loaded = _phased(tmp_path)
    with HistoryStore.in_folder(tmp_path) as store:
        recorder = HistoryRecorder(store)
        recorder.start(loaded)
        s = Session(loaded.program)
        s.runner.add_listener(recorder)
        await s.start()
        recorder.finish(await s.finish())
        (kept,) = store.sessions()
    assert [e.rest_waited for e in kept.exercises] == [None, None]  # it lasted 30 s, as planned
    assert kept.exercises[1].duration_seconds == 4


# --------------------------------------------------------------------------- declined starts


def _declined(session_id: str, day: date) -> Any:
    return record(session_id, day=day, status="declined", active_seconds=0.0)


def test_progress_counts_a_declined_start_apart_from_the_sessions_run(tmp_path: Path) -> None:
    day, later = date(2026, 11, 20), date(2026, 11, 21)
    store = history_with(
        tmp_path / "h",
        record("a", day=day),
        _declined("b", day),
        _declined("c", later),
        record("d", day=later, status="partial"),
    )
    progress = store.progress()
    assert [(d.day, d.sessions, d.completed, d.declined) for d in progress.days] == [
        (day, 1, 1, 1),
        (later, 1, 0, 1),
    ]
    (program,) = progress.programs
    assert (program.sessions, program.completed, program.declined) == (2, 1, 2)
    # Each exercise counts the two sessions run, with the totals table or without it.
    for shown in (progress, store.progress(since=day)):
        assert {(t.exercise, t.sessions) for t in shown.exercises} == {
            ("flexor", 2),
            ("extensor", 2),
        }
    assert progress.weeks()[0][1:3] == (2, 1)


def test_migration_7_takes_declined_starts_out_of_the_totals(tmp_path: Path) -> None:
    """A schema 6 history counted a declined start's exercises; after the upgrade it
    does not, and saving rows again keeps the totals right."""
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, 6)
    for session_id, status in (("a", "completed"), ("b", "declined")):
        db.execute(
            "INSERT INTO sessions (id, program_id, program_title, started_at, utc_offset, "
            "local_date, status, updated_at) VALUES "
            f"('{session_id}', 'wrist', 'Wrist', '2026-11-20T08:00:00.000Z', 0, '2026-11-20', "
            f"'{status}', '2026-11-20T08:01:00.000Z')"
        )
        db.execute(
            "INSERT INTO session_exercises (session_id, position, exercise_id, name) "
            f"VALUES ('{session_id}', 0, 'flexor', 'Flexor stretch')"
        )
    db.commit()
    counted = "SELECT sessions FROM exercise_totals WHERE exercise_id = 'flexor'"
    assert db.execute(counted).fetchone() == (2,)  # schema 6 counted the declined start
    db.close()
    with HistoryStore(path) as store:
        assert [(t.exercise, t.sessions) for t in store.progress().exercises] == [("flexor", 1)]
        declined = store.get("b")
        assert declined is not None
        store.save(declined)  # saved again: its rows deleted and added, uncounted both times
        store.save(record("c", exercises=[ExerciseRecord("flexor", "Flexor stretch", 0)]))
        assert [(t.exercise, t.sessions) for t in store.progress().exercises] == [("flexor", 2)]
