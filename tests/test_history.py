"""The history store: schema, migrations, recording, crashes, several processes, import."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time as systime
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.clock import FakeClock
from coach.history.exchange import ExportError, read_export
from coach.history.records import ExerciseRecord, HistoryError, SessionRecord
from coach.history.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from coach.history.store import DB_NAME, HistoryStore
from coach.program.loader import LoadedProgram, load_program
from coach.program.model import Program
from coach.program.timeline import build_timeline
from coach.session.engine import SessionRunner
from coach.session.recording import HistoryRecorder
from tests.conftest import REPO
from tests.helpers import (
    T0,
    WriteProgram,
    history_with,
    program,
    quick_program,
    read_only,
    record,
    run_env,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.in_folder(tmp_path / "data", now=lambda: T0) as opened:
        yield opened


# --------------------------------------------------------------------------- the store


def test_a_new_store_is_wal_with_the_latest_schema(store: HistoryStore) -> None:
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(db) == SCHEMA_VERSION
    assert store.integrity_problems() == []


def test_save_and_read_back_every_field(store: HistoryStore) -> None:
    original = record()
    store.save(original)
    (found,) = store.sessions()
    assert found.to_json() == original.to_json()
    assert found.exercises == original.exercises
    assert found.updated_at == T0


def test_history_json_has_the_documented_fields(store: HistoryStore) -> None:
    store.save(record())
    data = store.sessions()[0].to_json()
    documented = {"id", "program", "status", "started_at", "ended_at", "local_date"}
    documented |= {"active_seconds", "pain_before", "pain_after", "note", "exercises"}
    assert documented <= set(data)
    # ISO 8601 with the offset where the session happened (+01:00 here).
    assert data["started_at"] == "2026-11-20T10:30:00+01:00"
    assert data["exercises"][0] == {
        "exercise": "flexor",
        "name": "Flexor stretch",
        "completed": True,
        "sets_done": 2,
        "sets_planned": 2,
        "reps_done": 10,
        "reps_planned": 10,
        "skipped_steps": 0,
    }


def test_saving_again_replaces_the_session_and_its_exercises(store: HistoryStore) -> None:
    store.save(record(status="running"))
    store.save(record(exercises=[ExerciseRecord("flexor", "Flexor stretch", 0, True)]))
    (found,) = store.sessions()
    assert found.status == "completed"
    assert [e.exercise for e in found.exercises] == ["flexor"]
    assert store.count() == 1


def test_filters_by_day_and_program(store: HistoryStore) -> None:
    store.save(record("a", day=date(2026, 11, 1)))
    store.save(record("b", day=date(2026, 11, 10), program="neck"))
    store.save(record("c", day=date(2026, 11, 20)))
    assert [r.id for r in store.sessions(since=date(2026, 11, 10))] == ["b", "c"]
    assert [r.id for r in store.sessions(program="wrist")] == ["a", "c"]
    assert [r.id for r in store.sessions(until=date(2026, 11, 9))] == ["a"]


def test_progress_totals(store: HistoryStore) -> None:
    store.save(record("a", day=date(2026, 11, 16), active_seconds=120))
    store.save(record("b", day=date(2026, 11, 16), active_seconds=60, status="partial"))
    store.save(record("c", day=date(2026, 11, 23), active_seconds=180, program="neck"))
    progress = store.progress()
    assert [(d.day, d.sessions, d.completed, d.minutes) for d in progress.days] == [
        (date(2026, 11, 16), 2, 1, 3.0),
        (date(2026, 11, 23), 1, 1, 3.0),
    ]
    assert progress.weeks() == [(date(2026, 11, 16), 2, 1, 3.0), (date(2026, 11, 23), 1, 1, 3.0)]
    wrist = next(p for p in progress.programs if p.program == "wrist")
    assert (wrist.sessions, wrist.completed, wrist.minutes) == (2, 1, 3.0)
    flexor = next(e for e in progress.exercises if (e.program, e.exercise) == ("wrist", "flexor"))
    assert (flexor.sessions, flexor.completed, flexor.reps_done) == (2, 2, 20)
    assert len(progress.pain) == 3


def _totals_by_join(store: HistoryStore) -> list[Any]:
    # A date filter makes progress() sum the exercise rows instead of the running totals.
    return store.progress(since=date(1, 1, 1)).exercises


def test_running_exercise_totals_always_match_the_rows(store: HistoryStore) -> None:
    rng = random.Random(7)
    for n in range(60):
        item = record(
            f"s{rng.randrange(25)}",  # often the same id again: a rewrite
            program=rng.choice(["wrist", "neck"]),
            status=rng.choice(["running", "completed", "partial"]),
            exercises=[
                ExerciseRecord(
                    rng.choice(["a", "b", "c"]) + str(position),
                    f"Exercise {n}",
                    position,
                    rng.random() < 0.5,
                    rng.randrange(3),
                    2,
                    rng.randrange(10),
                    10,
                )
                for position in range(rng.randrange(4))
            ],
        )
        if rng.random() < 0.3:
            store.merge([item])
        else:
            store.save(item)
        # (Names are labels: a rewritten session may leave an older spelling in the totals.)
        fast = [replace(total, name="") for total in store.progress().exercises]
        slow = [replace(total, name="") for total in _totals_by_join(store)]
        assert sorted(fast, key=repr) == sorted(slow, key=repr)
    assert store.progress(program="neck").exercises == [
        total for total in store.progress().exercises if total.program == "neck"
    ]


# --------------------------------------------------------------------------- migrations


def _fill(db: sqlite3.Connection, version: int) -> int:
    """Rows as a database at ``version`` would hold them; returns how many sessions."""
    if version == 0:
        return 0
    # Version 1's shape, written with plain SQL as an old coach would have.
    db.execute(
        "INSERT INTO sessions (id, program_id, program_title, started_at, utc_offset, "
        "local_date, status, active_seconds, updated_at) VALUES "
        "('old', 'wrist', 'Wrist', '2020-01-01T08:00:00.000Z', 0, '2020-01-01', 'completed', "
        "60, '2020-01-01T08:01:00.000Z')"
    )
    db.execute(
        "INSERT INTO session_exercises (session_id, position, exercise_id, name, completed) "
        "VALUES ('old', 0, 'flexor', 'Flexor', 1)"
    )
    return 1


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_each_migration_on_an_in_memory_database(version: int) -> None:
    db = sqlite3.connect(":memory:")
    migrate(db, version)
    rows = _fill(db, version)
    MIGRATIONS[version](db)
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == rows
    if version == 1:
        # Migration 2 computes the running totals from the rows already there.
        totals = db.execute(
            "SELECT program_id, exercise_id, sessions, completed FROM exercise_totals"
        ).fetchall()
        assert totals == [("wrist", "flexor", 1, 1)]


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_opening_an_old_database_upgrades_it_and_keeps_every_row(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, version)
    rows = _fill(db, version)
    db.commit()
    db.close()
    with HistoryStore(path) as store:
        assert store.count() == rows
        assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION
        if rows:
            (old,) = store.sessions()
            assert old.id == "old" and old.exercises[0].completed


def test_a_database_from_a_newer_coach_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="newer coach"):
        HistoryStore(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    path.write_text("hello, this is not SQLite" * 100)
    with pytest.raises(HistoryError, match="not a coach history database"):
        HistoryStore(path)


# --------------------------------------------------------------------------- recording


def _loaded(p: Program) -> LoadedProgram:
    return LoadedProgram(p, Path("p.toml"), "0" * 64)


class Recorded:
    """A session on a fake clock, recorded into a store."""

    def __init__(self, store: HistoryStore, p: Program, **kwargs: Any) -> None:
        self.clock = FakeClock()
        self.clock.set_wall(kwargs.pop("wall", T0))
        loaded = kwargs.pop("loaded", None) or _loaded(p)
        self.recorder = HistoryRecorder(store, **kwargs)
        self.runner = SessionRunner(build_timeline(p), self.clock, [self.recorder], countdown=0)
        self.recorder.start(loaded)
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self.runner.run())
        await self.clock.settle()

    async def advance(self, seconds: float) -> None:
        await self.clock.advance(seconds)

    async def finish(self) -> None:
        assert self.task is not None
        await self.clock.run_until_idle()
        self.recorder.finish(await self.task)


def three() -> Program:
    # a: prep 5, 2 reps x hold 10 (rest 2 between), rest 10 | b: prep 5, 20 | c: prep 5, 5
    return program(
        {"id": "a", "reps": 2, "hold": 10, "rest_between_reps": 2},
        {"id": "b", "duration": 20},
        {"id": "c", "duration": 5, "sides": "each"},
        schedule={"per_week": 3},
        checkin={"stop_above": 4},
    )


async def test_a_recorded_session_is_written_at_start_and_after_each_exercise(
    store: HistoryStore,
) -> None:
    session = Recorded(store, three())
    await session.start()
    (row,) = store.sessions()
    assert row.status == "running"
    assert [e.completed for e in row.exercises] == [False, False, False]
    assert (row.per_week, row.stop_above) == (3, 4)
    await session.advance(5 + 10 + 2 + 10 + 1)  # exercise a done
    (row,) = store.sessions()
    assert [e.completed for e in row.exercises] == [True, False, False]
    assert (row.exercises[0].reps_done, row.exercises[0].reps_planned) == (2, 2)
    assert row.active_seconds == pytest.approx(27)
    await session.finish()
    (row,) = store.sessions()
    assert row.status == "completed"
    assert [e.completed for e in row.exercises] == [True, True, True]
    assert (row.exercises[2].sets_done, row.exercises[2].sets_planned) == (2, 2)
    assert row.ended_at == row.started_at + timedelta(seconds=row.active_seconds)
    assert not store.lock_path(row.id).exists()


async def test_a_stopped_session_is_partial_with_what_was_done(store: HistoryStore) -> None:
    session = Recorded(store, three())
    await session.start()
    await session.advance(5 + 10 + 1)  # one rep of a
    session.runner.stop()
    await session.finish()
    (row,) = store.sessions()
    assert row.status == "partial"
    assert row.stop_reason == "user"
    assert (row.exercises[0].completed, row.exercises[0].reps_done) == (False, 1)


async def test_skips_are_counted_and_going_back_does_not_count_a_rep_twice(
    store: HistoryStore,
) -> None:
    session = Recorded(store, three())
    await session.start()
    await session.advance(5 + 10 + 1)  # rep 1 done, in the rest
    session.runner.back()  # back to rep 1 (early in the rest)
    await session.clock.settle()
    await session.advance(11)  # rep 1 again
    session.runner.skip_exercise()  # skip the rest of a
    await session.clock.settle()
    await session.finish()
    (row,) = store.sessions()
    a = row.exercises[0]
    assert (a.completed, a.reps_done) == (False, 1)
    assert a.skipped_steps >= 2
    assert row.skipped_steps == a.skipped_steps
    assert (row.status, row.stop_reason) == ("partial", "skipped")  # an exercise was skipped


async def test_pauses_are_not_active_time(store: HistoryStore) -> None:
    session = Recorded(store, program({"id": "a", "duration": 10}, prep=0))
    await session.start()
    await session.advance(4)
    session.runner.pause()
    await session.advance(100)
    session.runner.resume()
    await session.finish()
    (row,) = store.sessions()
    assert row.active_seconds == pytest.approx(10)


async def test_the_local_date_uses_the_day_start(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    systime.tzset()
    try:
        night = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
        session = Recorded(store, program({"id": "a", "duration": 1}), wall=night)
        await session.start()
        await session.finish()
        late = Recorded(
            store, program({"id": "a", "duration": 1}), wall=night, day_start=time(1, 0)
        )
        await late.start()
        await late.finish()
    finally:
        monkeypatch.undo()
        systime.tzset()
    assert sorted(r.local_date for r in store.sessions()) == [
        date(2026, 11, 20),
        date(2026, 11, 21),
    ]


async def test_a_checkin_before_and_after_is_recorded(store: HistoryStore) -> None:
    session = Recorded(store, three())
    session.recorder.checkin(pain_before=3)
    await session.start()
    await session.finish()
    session.recorder.checkin(pain_after=5, note="tight at the end")
    (row,) = store.sessions()
    assert (row.pain_before, row.pain_after, row.note) == (3, 5, "tight at the end")


async def test_a_failing_write_is_made_good_or_spooled_and_added_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    store = HistoryStore.in_folder(tmp_path)
    session = Recorded(store, three(), warn=warnings.append)

    def broken(record: SessionRecord, patience: float | None = None) -> None:
        raise HistoryError("disk full")

    monkeypatch.setattr(store, "save", broken)
    await session.start()
    await session.finish()
    assert any("disk full" in w for w in warnings)
    spooled = list((tmp_path / "unsaved").glob("*.json"))
    assert len(spooled) == 1
    monkeypatch.undo()
    store.close()
    with HistoryStore.in_folder(tmp_path) as again:
        (row,) = again.sessions()
        assert row.status == "completed"
        assert all(e.completed for e in row.exercises)
    assert not list((tmp_path / "unsaved").glob("*.json"))


def test_an_abandoned_running_session_reads_as_partial_and_is_reaped(
    store: HistoryStore,
) -> None:
    store.save(record("dead", status="running"))
    store.save(record("alive", status="running"))
    claim = store.claim("alive")
    try:
        states = {r.id: r.status for r in store.sessions()}
        assert states == {"dead": "partial", "alive": "running"}
        assert store.reap_abandoned() == ["dead"]
        raw = dict(sqlite3.connect(store.path).execute("SELECT id, status FROM sessions"))
        assert raw == {"dead": "partial", "alive": "running"}
    finally:
        claim.release()
    assert store.reap_abandoned() == ["alive"]


# --------------------------------------------------------------------------- several processes

_WRITER = """
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore

folder, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with HistoryStore.in_folder(folder) as store:
    for n in range(count):
        record = SessionRecord(
            id=f"{name}-{n}", program="p", title="P", started_at=datetime.now(UTC),
            utc_offset=0, local_date=date(2026, 11, 21), status="running",
            exercises=[ExerciseRecord("a", "A", 0), ExerciseRecord("b", "B", 1)],
        )
        store.save(record)  # start
        record.exercises[0].completed = True
        store.save(record)  # an exercise done
        record.status = "completed"
        record.exercises[1].completed = True
        store.save(record)  # the end
        if n % 50 == 0:
            store.sessions(since=date(2026, 11, 21))  # readers too
"""


def test_four_processes_writing_250_sessions_each_lose_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), f"w{n}", "250"],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        assert "locked" not in err
    with HistoryStore.in_folder(tmp_path) as store:
        records = store.sessions()
        assert len(records) == 1000
        assert all(r.status == "completed" for r in records)
        assert all(e.completed for r in records for e in r.exercises)
        assert store.integrity_problems() == []


# --------------------------------------------------------------------------- kill -9


@pytest.mark.parametrize("seed", range(6))
def test_kill_9_at_a_random_moment_loses_no_completed_exercise(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = quick_program(tmp_path)
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "run", str(path), "--headless", "--json", "--quiet"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=run_env(data),
        text=True,
    )
    assert proc.stdout is not None
    kill_after = rng.randrange(1, 60)  # events, then a random extra moment
    completed: set[str] = set()
    for seen, line in enumerate(proc.stdout, start=1):
        event = json.loads(line)
        if event["event"] == "exercise_completed":
            completed.add(event["exercise"])
        if seen >= kill_after:
            break
    systime.sleep(rng.uniform(0, 0.15))  # land anywhere: mid-step, mid-write
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with HistoryStore.in_folder(data) as store:
        assert store.integrity_problems() == []
        (row,) = store.sessions()
        assert row.status == "partial"
        done = {e.exercise for e in row.exercises if e.completed}
        # Every exercise reported complete before the kill is in the history.
        assert completed <= done
        assert store.reap_abandoned() == [row.id]


def test_every_headless_session_is_recorded_unless_no_record(tmp_path: Path) -> None:
    path = quick_program(tmp_path, exercises=1)
    data = tmp_path / "data"
    command = [sys.executable, "-m", "coach", "run", str(path), "--headless", "--quiet"]
    subprocess.run([*command, "--no-record"], env=run_env(data), check=True, capture_output=True)
    assert not (data / DB_NAME).exists()
    subprocess.run(command, env=run_env(data), check=True, capture_output=True)
    with HistoryStore.in_folder(data) as store:
        (row,) = store.sessions()
        assert row.status == "completed" and row.program == "quick"
        assert row.program_sha256 and len(row.program_sha256) == 64


# --------------------------------------------------------------------------- export and import


def _export(store: HistoryStore, path: Path) -> Path:
    path.write_text(json.dumps(store.export_json()))
    return path


def test_the_streamed_export_is_the_same_document_as_the_records_give(tmp_path: Path) -> None:
    import io

    store = history_with(
        tmp_path / "h",
        record("a"),
        record("b", utc_offset=-5 * 3600, per_day=None, per_week=3, ended_at=None),
        record("c", utc_offset=5 * 3600 + 1800, per_day=None, stop_above=None, exercises=[]),
        record("d", note='tab\there, "quotes", \\ and \x1b[31m and \x9b and é', pain_after=None),
        record("e", status="partial", stop_reason="SIGTERM", active_seconds=12.3456789),
        record(
            "f",
            note="ends in braces }}",
            phase="Load {2}",
            exercises=[
                ExerciseRecord(
                    "grip", "Grip }", 0, True, 3, 3, 30, 30, 0, load="red band}", effort="RPE 6"
                ),
                ExerciseRecord("heat", "Heat", 1, True, 1, 1, 0, 0, 0, duration_seconds=0.5),
            ],
        ),
    )
    out = io.StringIO()
    assert store.write_export(out) == 6
    text = out.getvalue()
    assert "\x9b" not in text and "\x1b" not in text
    streamed = json.loads(text)
    built = store.export_json()
    assert streamed == built
    (tmp_path / "x.json").write_text(text)
    assert [r.to_json() for r in read_export(tmp_path / "x.json")] == streamed["sessions"]


def test_export_then_import_elsewhere_gives_the_same_history(tmp_path: Path) -> None:
    work = history_with(tmp_path / "work", record("a"), record("b", status="partial"))
    file = _export(work, tmp_path / "export.json")
    home = history_with(tmp_path / "home")
    summary = home.merge(read_export(file))
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert [r.to_json() for r in home.sessions()] == [r.to_json() for r in work.sessions()]


def test_import_is_idempotent_and_merges_by_id(tmp_path: Path) -> None:
    work = history_with(tmp_path / "work", record("a"), record("b"))
    file = _export(work, tmp_path / "export.json")
    home = history_with(tmp_path / "home", record("b"), record("c"))
    first = home.merge(read_export(file))
    second = home.merge(read_export(file))
    assert (first.added, first.unchanged) == (1, 1)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert sorted(r.id for r in home.sessions()) == ["a", "b", "c"]


def test_import_takes_the_more_finished_or_later_copy(tmp_path: Path) -> None:
    home = history_with(tmp_path / "home", record("a", status="partial"), record("b", note="old"))
    later = HistoryStore.in_folder(tmp_path / "work", now=lambda: T0 + timedelta(days=1))
    later.save(record("a"))
    later.save(record("b", note="added a note at work"))
    later.save(record("c"))
    summary = home.merge(read_export(_export(later, tmp_path / "e.json")))
    assert (summary.added, summary.updated) == (1, 2)
    by_id = {r.id: r for r in home.sessions()}
    assert by_id["a"].status == "completed"
    assert by_id["b"].note == "added a note at work"
    # And the older copy never wins back.
    older = home.merge(
        read_export(_export(history_with(tmp_path / "old", record("b")), tmp_path / "o"))
    )
    assert older.updated == 0


def _good_export() -> dict[str, Any]:
    return {
        "format": "coach-history",
        "version": 1,
        "sessions": [record("x").to_json(), record("y").to_json()],
    }


def _broken(change: str) -> Any:
    data = _good_export()
    session = data["sessions"][1]
    if change == "not-json":
        return "{not json"
    if change == "not-coach":
        return {"hello": 1}
    if change == "version":
        data["version"] = 99
    elif change == "missing-id":
        del session["id"]
    elif change == "bad-date":
        session["started_at"] = "yesterday"
    elif change == "no-offset":
        session["started_at"] = "2026-11-20T10:30:00"
    elif change == "pain":
        session["pain_after"] = 11
    elif change == "status":
        session["status"] = "done"
    elif change == "duplicate":
        session["id"] = "x"
    elif change == "exercise":
        session["exercises"][0]["completed"] = "yes"
    elif change == "sessions":
        data["sessions"] = {"x": 1}
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("not-json", "not valid JSON"),
        ("not-coach", "not a coach history export"),
        ("version", "export version 99"),
        ("missing-id", r"sessions\[1\]: missing 'id'"),
        ("bad-date", r"sessions\[1\].started_at: 'yesterday' is not an ISO 8601 time"),
        ("no-offset", "has no UTC offset"),
        ("pain", r"sessions\[1\].pain_after: pain is rated from 0 to 10"),
        ("status", r"sessions\[1\].status"),
        ("duplicate", "appears twice"),
        ("exercise", r"sessions\[1\].exercises\[0\].completed"),
        ("sessions", "must be a list"),
    ],
)
def test_a_bad_export_file_gets_a_clear_error_and_changes_nothing(
    tmp_path: Path, change: str, message: str
) -> None:
    from coach.cli.main import main

    data_dir = tmp_path / "data"
    with history_with(data_dir, record("kept")) as home:
        before = [r.to_json() for r in home.sessions()]
    file = tmp_path / "bad.json"
    broken = _broken(change)
    file.write_text(broken if isinstance(broken, str) else json.dumps(broken))
    with pytest.raises(ExportError, match=message):
        read_export(file)
    os.environ["COACH_DATA_DIR"] = str(data_dir)
    try:
        assert main(["import", str(file)]) == 1
    finally:
        del os.environ["COACH_DATA_DIR"]
    with HistoryStore.in_folder(data_dir) as home:
        assert [r.to_json() for r in home.sessions()] == before


def test_export_and_import_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.cli.main import main

    history_with(tmp_path / "work", record("a"), record("b")).close()
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "work"))
    file = tmp_path / "out" / "history.json"
    file.parent.mkdir()
    assert main(["export", str(file)]) == 0
    assert "exported 2 sessions" in capsys.readouterr().err
    assert [s["id"] for s in json.loads(file.read_text())["sessions"]] == ["a", "b"]
    assert not [p for p in file.parent.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "home"))
    assert main(["import", str(file)]) == 0
    assert "2 sessions added" in capsys.readouterr().err
    assert main(["import", str(file)]) == 0
    assert "0 sessions added, 0 updated, 2 already here" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.json")]) == 1
    assert "no such file" in capsys.readouterr().err


# --------------------------------------------------------------------------- found in review


async def test_a_busy_database_never_stalls_the_session(tmp_path: Path) -> None:
    store = HistoryStore.in_folder(tmp_path)
    warnings: list[str] = []
    session = Recorded(store, three(), warn=warnings.append)
    await session.start()
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    started = systime.monotonic()
    await session.advance(5 + 10 + 2 + 10 + 1)  # exercise a completes: a write
    assert systime.monotonic() - started < 3  # not SQLite's 5 s wait, not 120 s of retries
    assert any("busy" in w for w in warnings)
    blocker.execute("COMMIT")
    blocker.close()
    await session.finish()
    (row,) = store.sessions()
    assert row.status == "completed" and all(e.completed for e in row.exercises)
    store.close()


async def test_a_session_that_skipped_every_exercise_is_partial(store: HistoryStore) -> None:
    session = Recorded(store, three())
    await session.start()
    for _ in range(3):
        session.runner.skip_exercise()
        await session.clock.settle()
    await session.finish()
    (row,) = store.sessions()
    assert (row.status, row.stop_reason) == ("partial", "skipped")


async def test_a_session_that_skipped_one_exercise_is_partial(store: HistoryStore) -> None:
    session = Recorded(store, three())
    await session.start()
    session.runner.skip_exercise()  # the first of three
    await session.clock.settle()
    await session.finish()
    (row,) = store.sessions()
    assert (row.status, row.stop_reason) == ("partial", "skipped")
    assert [e.completed for e in row.exercises] == [False, True, True]


def test_a_spooled_session_beats_the_reaped_row(tmp_path: Path) -> None:
    long_lived = HistoryStore.in_folder(tmp_path)
    running = record("s", status="running", exercises=[ExerciseRecord("a", "A", 0)])
    long_lived.save(running)
    done = record("s", status="partial", exercises=[ExerciseRecord("a", "A", 0, True)])
    long_lived.spool(done)  # the end could not be written
    assert long_lived.reap_abandoned() == ["s"]  # meanwhile: reaped as partial
    with HistoryStore.in_folder(tmp_path) as fresh:
        (row,) = fresh.sessions()
        assert row.exercises[0].completed
    assert not list((tmp_path / "unsaved").iterdir())
    long_lived.close()


async def test_a_checkin_after_the_end_is_spooled_when_it_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = HistoryStore.in_folder(tmp_path)
    session = Recorded(store, three(), warn=lambda _: None)
    await session.start()
    await session.finish()

    def broken(record: SessionRecord, patience: float | None = None) -> None:
        raise HistoryError("disk full")

    monkeypatch.setattr(store, "save", broken)
    session.recorder.checkin(pain_after=7, note="sore")
    monkeypatch.undo()
    store.close()
    with HistoryStore.in_folder(tmp_path) as again:
        (row,) = again.sessions()
        assert (row.pain_after, row.note) == (7, "sore")


def test_a_lock_folder_that_cannot_be_made_does_not_stop_a_run(tmp_path: Path) -> None:
    path = quick_program(tmp_path, exercises=1)
    data = tmp_path / "data"
    data.mkdir()
    (data / "running").write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", str(path), "--headless", "--quiet"],
        env=run_env(data),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "cannot mark the session" in result.stderr
    with HistoryStore.in_folder(data) as store:
        assert store.sessions()[0].status == "completed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nested too deeply"),
        (
            '{"format": "coach-history", "version": 1, "sessions": [{"active_seconds": Infinity}]}',
            "Infinity is not a number",
        ),
    ],
)
def test_odd_export_files_get_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "odd.json"
    file.write_text(text)
    with pytest.raises(ExportError, match=message):
        read_export(file)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("started_at", "0005-01-01T10:00:00+00:00", "from 1970-01-01 to 2999-12-31"),
        ("local_date", "0005-01-01", "from 1970-01-01 to 2999-12-31"),
        ("stop_above", 2**70, "whole number"),
        ("schedule", {"per_day": -1}, "whole number from 1"),
        ("active_seconds", 1e300, "from 0 to"),
        ("note", "\ud800", "lone surrogate"),
    ],
)
def test_values_that_would_break_the_history_are_refused(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    data = _good_export()
    data["sessions"][1][field] = value
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data))
    with pytest.raises(ExportError, match=message):
        read_export(file)


def test_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not a regular file"):
        read_export(tmp_path)


def test_a_read_only_history_is_not_called_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_NAME
    HistoryStore(path).close()
    path.chmod(0o400)
    try:
        with read_only(folder):
            assert not os.access(path, os.W_OK)
            with pytest.raises(HistoryError) as raised:
                HistoryStore(path).save(record())
            assert "damaged" not in str(raised.value)
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- the dose (version 2)


async def test_the_dose_is_recorded_with_each_exercise(store: HistoryStore) -> None:
    dosed = program(
        {"id": "a", "reps": 1, "hold": 1, "load": "red FlexBar", "effort": "a gentle squeeze"},
        {"id": "b", "duration": 1},
        prep=0,
    )
    session = Recorded(store, dosed)
    await session.start()
    await session.finish()
    (row,) = store.sessions()
    assert [(e.load, e.effort) for e in row.exercises] == [
        ("red FlexBar", "a gentle squeeze"),
        (None, None),
    ]
    first, second = row.to_json()["exercises"]
    assert (first["load"], first["effort"]) == ("red FlexBar", "a gentle squeeze")
    assert "load" not in second and "effort" not in second  # as a version 1 session reads


def test_the_dose_travels_in_exports_and_imports(tmp_path: Path) -> None:
    dosed = record(
        exercises=[
            ExerciseRecord(
                "curl", "Wrist curl", 0, True, 1, 1, 10, 10, 0, load="1 kg", effort="slow"
            ),
            ExerciseRecord("rest", "Rest", 1, True, 1, 1, 0, 0, 0),
        ]
    )
    here = history_with(tmp_path / "a", dosed)
    source = _export(here, tmp_path / "export.json")
    exported = json.loads(source.read_text())["sessions"][0]["exercises"]
    assert exported[0]["load"] == "1 kg" and exported[0]["effort"] == "slow"
    assert "load" not in exported[1]  # the SQL export leaves a NULL out, as to_json does
    assert exported == [e.to_json() for e in dosed.exercises]
    there = history_with(tmp_path / "b")
    there.merge(read_export(source))
    (again,) = there.sessions()
    assert [(e.load, e.effort) for e in again.exercises] == [("1 kg", "slow"), (None, None)]


def test_an_import_refuses_a_dose_longer_than_a_program_allows() -> None:
    from coach.history.exchange import session_from_json
    from coach.program.model import MAX_DOSE_TEXT

    data = record().to_json()
    data["exercises"][0]["load"] = "x" * (MAX_DOSE_TEXT + 1)
    with pytest.raises(ValueError, match=r"exercises\[0\]\.load: 1 to 80 characters, got 81"):
        session_from_json(data, "session")


async def test_the_phase_and_its_schedule_are_recorded_with_the_session(
    store: HistoryStore, write_program: WriteProgram
) -> None:
    from tests.test_phases import GRADED, day

    written = load_program(write_program(GRADED))
    for offset, phase, schedule in [
        (1, "Range of motion", (2, None)),  # the phase's own schedule
        (15, None, (None, 3)),  # week 3: no phase
        (22, "Load", (None, 3)),  # the program's
    ]:
        loaded = written.on(day(offset))
        wall = T0 + timedelta(days=offset)  # so that the last row is this one
        session = Recorded(store, loaded.program, loaded=loaded, wall=wall)
        await session.start()
        await session.finish()
        row = store.sessions()[-1]
        assert (row.phase, (row.per_day, row.per_week)) == (phase, schedule)
        if phase is None:
            assert "phase" not in row.to_json()  # as a session before phases reads
        else:
            assert row.to_json()["phase"] == phase


def test_the_phase_travels_in_exports_and_imports(tmp_path: Path) -> None:
    import io

    phased, plain = record("p1", phase="Load"), record("p2")
    here = history_with(tmp_path / "a", phased, plain)
    streamed = io.StringIO()  # the export SQLite writes itself
    here.write_export(streamed)
    source = tmp_path / "export.json"
    source.write_text(streamed.getvalue())
    exported = {s["id"]: s for s in json.loads(source.read_text())["sessions"]}
    assert exported["p1"]["phase"] == "Load"
    assert "phase" not in exported["p2"]  # the SQL export leaves a NULL out, as to_json does
    assert exported == {s["id"]: s for s in here.export_json()["sessions"]}
    there = history_with(tmp_path / "b")
    there.merge(read_export(source))
    assert {s.id: s.phase for s in there.sessions()} == {"p1": "Load", "p2": None}


@pytest.mark.parametrize(
    ("phase", "message"),
    [("x" * 81, r"session\.phase: 1 to 80 characters, got 81"), (3, r"session\.phase")],
)
def test_an_import_refuses_a_phase_a_program_could_not_have(phase: object, message: str) -> None:
    from coach.history.exchange import session_from_json

    data = record().to_json()
    data["phase"] = phase
    with pytest.raises(ValueError, match=message):
        session_from_json(data, "session")


def test_a_history_from_before_phases_reads_none_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, 4)
    _fill(db, 4)
    db.commit()
    db.close()
    with HistoryStore(path) as store:
        (old,) = store.sessions()
        assert old.phase is None and "phase" not in old.to_json()
        store.save(record(phase="Load"))
        assert {s.phase for s in store.sessions()} == {None, "Load"}


def test_the_history_and_the_program_format_agree_on_the_dose_limit() -> None:
    from coach.history.records import MAX_DOSE_TEXT as history_limit
    from coach.program.model import MAX_DOSE_TEXT as program_limit

    assert history_limit == program_limit


def test_doctor_calls_a_history_not_yet_upgraded_sound(tmp_path: Path) -> None:
    from coach.history.store import check_history

    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, SCHEMA_VERSION - 1)  # an older coach's history, before its first open here
    _fill(db, SCHEMA_VERSION - 1)
    db.commit()
    db.close()
    assert check_history(path) == []


def test_a_read_only_history_not_yet_upgraded_is_read_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_NAME
    db = sqlite3.connect(path)
    migrate(db, SCHEMA_VERSION - 1)  # before the dose columns
    _fill(db, SCHEMA_VERSION - 1)
    db.commit()
    db.close()
    with read_only(folder):
        store = HistoryStore(path)
        try:
            assert store.read_only is not None
            (old,) = store.sessions()
            assert old.id == "old" and old.exercises[0].completed
            assert (old.exercises[0].load, old.exercises[0].effort) == (None, None)
        finally:
            store.close()
    assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION - 1  # nothing written


_COUNT_COLLECTIONS = """
import gc, json, sys
from datetime import date, timedelta
from pathlib import Path
from coach.history.store import HistoryStore
from tests.helpers import T0, record

store = HistoryStore.in_folder(Path(sys.argv[1]), now=lambda: T0)
store.merge(
    record(f"s{n:04d}", day=date(2026, 1, 1) + timedelta(days=n % 300), started=T0)
    for n in range(2000)
)
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
(gc.enable if sys.argv[2] == "on" else gc.disable)()
found = store.sessions()
after = gc.isenabled()
gc.callbacks.clear()
print(json.dumps({"sessions": len(found), "exercises": sum(len(s.exercises) for s in found),
                  "collections": len(collections), "after": after}))
"""


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_sessions_holds_the_cycle_collector_off_and_leaves_it_as_found(
    tmp_path: Path, enabled: bool
) -> None:
    # In a process of its own: the collector is process-wide, and other tests' threads
    # (the app's) switch it, and allocate, meanwhile.
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_COLLECTIONS, str(tmp_path), "on" if enabled else "off"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=120,
    )
    found = json.loads(done.stdout)
    assert (found["sessions"], found["exercises"]) == (2000, 4000)
    # Without the pause, a young-generation pass for every 700 new objects: about 20.
    # With it, at most the one that follows when the collector is switched back on.
    assert found["collections"] <= 1
    assert found["after"] is enabled
