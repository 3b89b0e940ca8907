"""History schema 6: declined starts, symptoms, the next-day answer, the program hash
and each ranged exercise's count done; the migration from every earlier schema."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from coach.history.exchange import read_export, session_from_json
from coach.history.records import ExerciseRecord
from coach.history.schema import SCHEMA_VERSION, migrate, schema_version
from coach.history.store import DB_NAME, HistoryStore, salvage
from tests.helpers import history_with, read_only, record

HASH = "ab" * 32


def _full(session_id: str = "s1", **changes: Any) -> Any:
    """A session with every field schema 6 adds set."""
    values: dict[str, Any] = {
        "program_hash": HASH,
        "symptoms_before": {"pain": 3, "tingling": 4},
        "symptoms_after": {"pain": 2, "tingling": 5},
        "next_day": "worse",
        "exercises": [
            ExerciseRecord("flexor", "Flexor stretch", 0, True, 2, 2, 24, 30, 0, done_count=12),
            ExerciseRecord("extensor", "Extensor stretch", 1, False, 1, 2, 5, 10, 3),
        ],
    }
    values.update(changes)
    return record(session_id, **values)


def _old_history(path: Path, version: int) -> None:
    """A real SQLite file at schema ``version``, with two sessions and three exercise rows."""
    db = sqlite3.connect(path)
    migrate(db, version)
    for session_id, status in (("old", "completed"), ("cut", "partial")):
        db.execute(
            "INSERT INTO sessions (id, program_id, program_title, started_at, utc_offset, "
            "local_date, status, active_seconds, pain_before, pain_after, updated_at) VALUES "
            f"('{session_id}', 'wrist', 'Wrist', '2020-01-01T08:00:00.000Z', 0, '2020-01-01', "
            f"'{status}', 60, 4, 3, '2020-01-01T08:01:00.000Z')"
        )
    for session_id, position in (("old", 0), ("old", 1), ("cut", 0)):
        db.execute(
            "INSERT INTO session_exercises (session_id, position, exercise_id, name, completed, "
            f"reps_done) VALUES ('{session_id}', {position}, 'ex{position}', 'Ex', 1, 10)"
        )
    db.commit()
    db.close()


# --------------------------------------------------------------------------- migration


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_earlier_history_keeps_its_sessions_exercises_and_totals(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / DB_NAME
    _old_history(path, version)
    with HistoryStore(path) as store:
        assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION
        old, cut = sorted(store.sessions(), key=lambda s: s.id != "old")
        # The rebuild must not cascade the exercises away with the old sessions table.
        assert [e.exercise for e in old.exercises] == ["ex0", "ex1"]
        assert [e.exercise for e in cut.exercises] == ["ex0"]
        assert (old.pain_before, old.pain_after, old.status, cut.status) == (
            4,
            3,
            "completed",
            "partial",
        )
        assert (old.program_hash, old.symptoms_before, old.next_day) == (None, None, None)
        assert old.exercises[0].done_count is None
        for key in ("program_hash", "symptoms", "next_day"):
            assert key not in old.to_json()
        assert "done_count" not in old.exercises[0].to_json()
        before = {(t.exercise, t.sessions) for t in store.progress().exercises}
        # The triggers are back: a new session adds to the totals, a declined start not.
        store.save(_full("no", status="declined", exercises=[ExerciseRecord("ex0", "Ex", 0)]))
        store.save(_full("new", exercises=[ExerciseRecord("ex0", "Ex", 0)]))
        after = {(t.exercise, t.sessions) for t in store.progress().exercises}
    if version >= 2:  # totals began with schema 2
        assert ("ex0", 2) in before
    assert ("ex0", 3) in after
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"sessions_by_day", "sessions_running", "sessions_by_program_start"} <= indexes


def test_the_new_sessions_table_still_deletes_a_sessions_exercises_with_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / DB_NAME
    _old_history(path, SCHEMA_VERSION - 1)
    HistoryStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("DELETE FROM session_exercises WHERE session_id = 'old'")  # as _upsert does
    db.execute("DELETE FROM sessions WHERE id = 'cut'")
    assert db.execute("SELECT count(*) FROM session_exercises").fetchone() == (0,)


def test_the_schema_refuses_an_unknown_status_and_next_day(tmp_path: Path) -> None:
    store = history_with(tmp_path / "h", record("a"))
    store.close()
    db = sqlite3.connect(tmp_path / "h" / DB_NAME)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE sessions SET status = 'abandoned'")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE sessions SET next_day = 'awful'")
    db.execute("UPDATE sessions SET status = 'declined', next_day = 'same'")


def test_a_read_only_history_from_before_schema_6_reads_the_new_fields_as_none(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    _old_history(folder / DB_NAME, SCHEMA_VERSION - 1)
    with read_only(folder):
        store = HistoryStore(folder / DB_NAME)
        try:
            assert store.read_only is not None
            sessions = store.sessions()
            assert {s.program_hash for s in sessions} == {None}
            assert {e.done_count for s in sessions for e in s.exercises} == {None}
        finally:
            store.close()
    assert schema_version(sqlite3.connect(folder / DB_NAME)) == SCHEMA_VERSION - 1


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_salvage_reads_a_history_from_before_schema_6(tmp_path: Path, version: int) -> None:
    path = tmp_path / DB_NAME
    _old_history(path, version)
    export = tmp_path / "salvaged.json"
    with export.open("w", encoding="utf-8") as out:
        count, problems = salvage(path, out)
    assert (count, problems) == (2, [])
    sessions = {s.id: s for s in read_export(export)}
    assert sessions["old"].pain_before == 4 and sessions["old"].program_hash is None
    assert [e.done_count for e in sessions["old"].exercises] == [None, None]
    assert schema_version(sqlite3.connect(path)) == version


# --------------------------------------------------------------------------- records


def test_every_new_field_is_saved_and_read_back(tmp_path: Path) -> None:
    saved = _full(status="declined")
    store = history_with(tmp_path / "h", saved)
    (back,) = store.sessions()
    assert back.status == "declined"
    assert back.program_hash == HASH
    assert back.symptoms_before == {"pain": 3, "tingling": 4}
    assert back.symptoms_after == {"pain": 2, "tingling": 5}
    assert back.next_day == "worse"
    assert [e.done_count for e in back.exercises] == [12, None]
    assert back.to_json() == saved.to_json()


def test_history_json_shows_the_new_fields_only_where_there_are_some() -> None:
    data = _full().to_json()
    assert data["program_hash"] == HASH
    assert data["symptoms"] == {
        "before": {"pain": 3, "tingling": 4},
        "after": {"pain": 2, "tingling": 5},
    }
    assert data["next_day"] == "worse"
    assert data["exercises"][0]["done_count"] == 12
    assert "done_count" not in data["exercises"][1]
    plain = record().to_json()
    assert not {"program_hash", "symptoms", "next_day"} & set(plain)


def test_a_declined_start_never_counts_as_done(tmp_path: Path) -> None:
    from datetime import date

    day = date(2026, 11, 20)
    store = history_with(tmp_path / "h", record("a", day=day, status="declined", exercises=[]))
    assert store.completed_days() == []
    assert [d.completed for d in store.progress().days] in ([], [0])


# --------------------------------------------------------------------------- export and import


def test_export_then_import_carries_every_new_field(tmp_path: Path) -> None:
    import io

    work = history_with(
        tmp_path / "work",
        _full("a", status="declined"),
        _full("b", symptoms_before={"numbness": 1}, symptoms_after=None, next_day=None),
        record("c"),
    )
    out = io.StringIO()
    assert work.write_export(out) == 3
    streamed = json.loads(out.getvalue())
    assert streamed == work.export_json()  # SQLite's JSON and the records' agree
    file = tmp_path / "export.json"
    file.write_text(out.getvalue())
    home = history_with(tmp_path / "home")
    summary = home.merge(read_export(file))
    assert summary.added == 3
    assert [r.to_json() for r in home.sessions()] == [r.to_json() for r in work.sessions()]
    a = home.get("a")
    assert a is not None and a.status == "declined" and a.next_day == "worse"
    assert a.exercises[0].done_count == 12


def test_a_later_copy_with_the_next_day_answer_replaces_the_earlier(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import timedelta

    first = _full("a", next_day=None)
    home = history_with(tmp_path / "home", first)
    later = replace(first, next_day="better", updated_at=first.started_at + timedelta(days=1))
    summary = home.merge([session_from_json(later.to_json(), "session")])
    assert summary.updated == 1
    got = home.get("a")
    assert got is not None and got.next_day == "better"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"symptoms": {"before": {"itching": 2}, "after": {}}}, r"'itching' is not a symptom"),
        ({"symptoms": {"before": {"tingling": 11}, "after": {}}}, r"tingling: rate from 0 to 10"),
        ({"symptoms": {"before": {"tingling": True}, "after": {}}}, r"rate from 0 to 10"),
        ({"symptoms": {"during": {}}}, r"'during' is not before or after"),
        ({"symptoms": {"before": {"pain": 7}, "after": {}}}, r"is not pain_before \(3\)"),
        ({"symptoms": [1]}, r"session\.symptoms"),
        ({"next_day": "awful"}, r"'awful' is not one of better, same, worse"),
        ({"program_hash": "xyz"}, r"program_hash: expected 64 hex digits"),
        ({"status": "abandoned"}, r"not one of completed, partial, declined"),
    ],
)
def test_an_import_refuses_values_coach_could_not_have_recorded(
    change: dict[str, Any], message: str
) -> None:
    data = _full().to_json()
    data.update(change)
    with pytest.raises(ValueError, match=message):
        session_from_json(data, "session")


def test_an_import_refuses_a_negative_done_count() -> None:
    data = _full().to_json()
    data["exercises"][0]["done_count"] = -1
    with pytest.raises(ValueError, match=r"exercises\[0\]\.done_count"):
        session_from_json(data, "session")


def test_an_import_takes_pain_from_the_symptoms_when_only_they_give_it() -> None:
    data = _full().to_json()
    del data["pain_before"], data["pain_after"]
    back = session_from_json(data, "session")
    assert (back.pain_before, back.pain_after) == (3, 2)


# --------------------------------------------------------------------------- recording


def _recorder_for(store: HistoryStore) -> tuple[Any, Any]:
    from coach.program.loader import LoadedProgram
    from coach.session.recording import HistoryRecorder
    from tests.helpers import program

    p = program(
        {"id": "a", "reps": 2, "hold": 10, "rest_between_reps": 2},
        checkin={"stop_above": 4},
    )
    recorder = HistoryRecorder(store)
    recorder.start(LoadedProgram(p, Path("p.toml"), "0" * 64))
    return recorder, p


def test_a_recorded_session_keeps_the_resolved_programs_hash_and_symptoms(
    tmp_path: Path,
) -> None:
    from coach.program.model import program_hash
    from tests.helpers import program
    from tests.test_history import Recorded

    p = program({"id": "a", "duration": 5}, checkin={"stop_above": 4})
    store = HistoryStore(tmp_path / DB_NAME)

    async def run() -> None:
        session = Recorded(store, p)
        session.recorder.checkin(symptoms_before={"pain": 3, "tingling": 5})
        await session.start()
        await session.finish()
        session.recorder.checkin(symptoms_after={"pain": 2, "tingling": 6}, note="ok")

    import asyncio

    asyncio.run(run())
    (row,) = store.sessions()
    assert row.program_hash == program_hash(p)
    assert row.symptoms_before == {"pain": 3, "tingling": 5}
    assert row.symptoms_after == {"pain": 2, "tingling": 6}
    assert (row.pain_before, row.pain_after, row.note) == (3, 2, "ok")
    store.close()


def test_a_symptom_the_check_in_cannot_ask_is_refused_by_the_recorder(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / DB_NAME)
    recorder, _ = _recorder_for(store)
    with pytest.raises(ValueError, match="'itching' is not a symptom"):
        recorder.checkin(symptoms_before={"itching": 2})
    with pytest.raises(ValueError, match="rate from 0 to 10"):
        recorder.checkin(symptoms_before={"tingling": 11})
    store.close()


def test_a_declined_start_is_kept_with_its_ratings_and_never_counts(tmp_path: Path) -> None:
    from tests.helpers import T0

    store = HistoryStore(tmp_path / DB_NAME)
    recorder, _ = _recorder_for(store)
    recorder.checkin(symptoms_before={"pain": 8})
    kept = recorder.decline(T0)
    assert kept is not None
    (row,) = store.sessions()
    assert (row.status, row.stop_reason, row.pain_before) == ("declined", "declined", 8)
    assert row.ended_at == row.started_at and row.active_seconds == 0
    assert [e.completed for e in row.exercises] == [False]
    assert store.completed_days() == []
    store.close()


def test_the_next_day_question_is_asked_once_on_a_later_day_about_the_last_session(
    tmp_path: Path,
) -> None:
    from datetime import date

    from coach.session.recording import answer_next_day, next_day_session

    store = history_with(
        tmp_path / "h",
        record("mon", day=date(2026, 11, 16)),
        record("tue", day=date(2026, 11, 17), status="partial"),
        record("wed", day=date(2026, 11, 18), status="declined"),
    )
    # The same day as a session: not asked.
    assert next_day_session(store, "wrist", date(2026, 11, 18)) is None
    # Another program: nothing to ask about.
    assert next_day_session(store, "neck", date(2026, 11, 19)) is None
    asked = next_day_session(store, "wrist", date(2026, 11, 19))
    assert asked is not None and asked.id == "tue"  # a declined start did nothing to judge
    answer_next_day(store, asked, "worse")
    got = store.get("tue")
    assert got is not None and got.next_day == "worse"
    assert next_day_session(store, "wrist", date(2026, 11, 19)) is None  # answered: once
    with pytest.raises(ValueError, match="better, same or worse"):
        answer_next_day(store, got, "awful")  # type: ignore[arg-type]
