"""The history database's schema: numbered migrations, each run once, in order.

Only the standard library.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from coach.history.records import HistoryError

# --------------------------------------------------------------------------- migrations


def _migration_1(db: sqlite3.Connection) -> None:
    """Sessions and what was done of each exercise."""
    db.execute(
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            program_id TEXT NOT NULL,
            program_title TEXT NOT NULL,
            program_version TEXT NOT NULL DEFAULT '',
            program_sha256 TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            utc_offset INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'partial')),
            stop_reason TEXT,
            active_seconds REAL NOT NULL DEFAULT 0 CHECK (active_seconds >= 0),
            planned_seconds REAL NOT NULL DEFAULT 0,
            skipped_steps INTEGER NOT NULL DEFAULT 0,
            per_day INTEGER,
            per_week INTEGER,
            stop_above INTEGER,
            pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
            pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
            note TEXT NOT NULL DEFAULT '',
            host TEXT NOT NULL DEFAULT '',
            pid INTEGER,
            updated_at TEXT NOT NULL
        )
        """
    )
    # Covering indexes for what `coach status` and the progress views ask.
    db.execute("CREATE INDEX sessions_by_day ON sessions (local_date, status, active_seconds)")
    db.execute("CREATE INDEX sessions_by_program ON sessions (program_id, local_date)")
    db.execute("CREATE INDEX sessions_by_start ON sessions (started_at)")
    db.execute("CREATE INDEX sessions_running ON sessions (status) WHERE status = 'running'")
    db.execute(
        """
        CREATE TABLE session_exercises (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            exercise_id TEXT NOT NULL,
            name TEXT NOT NULL,
            completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
            sets_done INTEGER NOT NULL DEFAULT 0,
            sets_planned INTEGER NOT NULL DEFAULT 0,
            reps_done INTEGER NOT NULL DEFAULT 0,
            reps_planned INTEGER NOT NULL DEFAULT 0,
            skipped_steps INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (session_id, position)
        ) WITHOUT ROWID
        """
    )


_TOTALS_ADD = """
        CREATE TRIGGER exercise_totals_add AFTER INSERT ON session_exercises BEGIN
            INSERT INTO exercise_totals (program_id, exercise_id, name, position, sessions,
                                         completed, sets_done, reps_done)
            SELECT program_id, NEW.exercise_id, NEW.name, NEW.position, 1, NEW.completed,
                   NEW.sets_done, NEW.reps_done
            FROM sessions WHERE id = NEW.session_id
            ON CONFLICT (program_id, exercise_id) DO UPDATE SET
                name = max(name, excluded.name),
                position = min(position, excluded.position),
                sessions = sessions + 1,
                completed = completed + excluded.completed,
                sets_done = sets_done + excluded.sets_done,
                reps_done = reps_done + excluded.reps_done;
        END
"""
"""The trigger that adds an exercise row to ``exercise_totals`` (migrations 2 and 6)."""

_TOTALS_REMOVE = """
        CREATE TRIGGER exercise_totals_remove AFTER DELETE ON session_exercises BEGIN
            UPDATE exercise_totals SET
                sessions = sessions - 1,
                completed = completed - OLD.completed,
                sets_done = sets_done - OLD.sets_done,
                reps_done = reps_done - OLD.reps_done
            WHERE exercise_id = OLD.exercise_id
              AND program_id = (SELECT program_id FROM sessions WHERE id = OLD.session_id);
        END
"""
"""The trigger that takes an exercise row out of ``exercise_totals`` (migrations 2 and 6)."""


def _migration_2(db: sqlite3.Connection) -> None:
    """Running totals per exercise, and each program's sessions in time order.

    Summing 400,000 exercise rows for the progress view took about 0.5 s on
    20 years of history; triggers keep the sums as rows come and go, so the
    view reads a few dozen rows instead. A session's exercises are always
    deleted before the session itself (see ``_upsert``), so the trigger can
    still find the session's program.
    """
    db.execute(
        """
        CREATE TABLE exercise_totals (
            program_id TEXT NOT NULL,
            exercise_id TEXT NOT NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            sessions INTEGER NOT NULL DEFAULT 0,
            completed INTEGER NOT NULL DEFAULT 0,
            sets_done INTEGER NOT NULL DEFAULT 0,
            reps_done INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (program_id, exercise_id)
        ) WITHOUT ROWID
        """
    )
    db.execute(_TOTALS_ADD)
    db.execute(_TOTALS_REMOVE)
    db.execute(
        """
        INSERT INTO exercise_totals (program_id, exercise_id, name, position, sessions,
                                     completed, sets_done, reps_done)
        SELECT s.program_id, e.exercise_id, max(e.name), min(e.position), count(*),
               total(e.completed), total(e.sets_done), total(e.reps_done)
        FROM session_exercises AS e JOIN sessions AS s ON s.id = e.session_id
        GROUP BY s.program_id, e.exercise_id
        """
    )
    db.execute("CREATE INDEX sessions_by_program_start ON sessions (program_id, started_at)")


def _migration_3(db: sqlite3.Connection) -> None:
    """Breaks: what became of each one, and the break timers that hosts share.

    ``break_state`` has one row: the scheduler's state as JSON (see
    :meth:`coach.breaks.scheduler.BreakScheduler.to_state`), written by ``coach remind``
    and the app in one transaction with what they read, and read by
    ``coach status`` for ``next_break``.
    """
    db.execute(
        """
        CREATE TABLE breaks (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('micro', 'rest')),
            outcome TEXT NOT NULL
                CHECK (outcome IN ('taken', 'reminded', 'postponed', 'skipped', 'natural')),
            at TEXT NOT NULL,
            local_date TEXT NOT NULL,
            program_id TEXT
        )
        """
    )
    db.execute("CREATE INDEX breaks_by_day ON breaks (local_date, outcome)")
    db.execute(
        """
        CREATE TABLE break_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )


def _migration_4(db: sqlite3.Connection) -> None:
    """The dose of each exercise as the program gave it: its load and effort (version 2).

    Earlier rows have neither (NULL), which is what they had.
    """
    db.execute("ALTER TABLE session_exercises ADD COLUMN load TEXT")
    db.execute("ALTER TABLE session_exercises ADD COLUMN effort TEXT")


def _migration_5(db: sqlite3.Connection) -> None:
    """The prescription's phase whose dose each session had (version 2).

    Earlier rows have none (NULL), which is what they had.
    """
    db.execute("ALTER TABLE sessions ADD COLUMN phase TEXT")


def _migration_6(db: sqlite3.Connection) -> None:
    """Declined starts, symptoms, the next-day answer, the resolved program's hash and
    each ranged exercise's count done (version 2).

    ``status`` gains ``declined``: SQLite cannot change a CHECK constraint, so both tables
    are rebuilt. The migration runs inside the caller's transaction, where foreign keys
    cannot be switched off; dropping ``sessions`` while ``session_exercises`` refers to it
    would delete every exercise row (ON DELETE CASCADE), so the child is copied and dropped
    first, each new table refers to the new ``sessions_new``, and the renames at the end
    carry that reference over. Rows are copied with the triggers gone, so
    ``exercise_totals`` (already right) is left alone; the triggers and indexes are then
    made again as migrations 1 and 2 made them.

    ``symptoms_before`` and ``symptoms_after`` hold JSON objects of ratings
    (``{"pain": 2, "tingling": 4}``); pain stays in ``pain_before``/``pain_after`` too,
    so everything that read pain reads it as before. Earlier rows have NULL.
    """
    db.execute(
        """
        CREATE TABLE sessions_new (
            id TEXT PRIMARY KEY,
            program_id TEXT NOT NULL,
            program_title TEXT NOT NULL,
            program_version TEXT NOT NULL DEFAULT '',
            program_sha256 TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            utc_offset INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'completed', 'partial', 'declined')),
            stop_reason TEXT,
            active_seconds REAL NOT NULL DEFAULT 0 CHECK (active_seconds >= 0),
            planned_seconds REAL NOT NULL DEFAULT 0,
            skipped_steps INTEGER NOT NULL DEFAULT 0,
            per_day INTEGER,
            per_week INTEGER,
            stop_above INTEGER,
            pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
            pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
            note TEXT NOT NULL DEFAULT '',
            host TEXT NOT NULL DEFAULT '',
            pid INTEGER,
            updated_at TEXT NOT NULL,
            phase TEXT,
            program_hash TEXT,
            symptoms_before TEXT CHECK (symptoms_before IS NULL OR json_valid(symptoms_before)),
            symptoms_after TEXT CHECK (symptoms_after IS NULL OR json_valid(symptoms_after)),
            next_day TEXT CHECK (next_day IN ('better', 'same', 'worse'))
        )
        """
    )
    columns = (
        "id, program_id, program_title, program_version, program_sha256, started_at, "
        "ended_at, utc_offset, local_date, status, stop_reason, active_seconds, "
        "planned_seconds, skipped_steps, per_day, per_week, stop_above, pain_before, "
        "pain_after, note, host, pid, updated_at, phase"
    )
    db.execute(f"INSERT INTO sessions_new ({columns}) SELECT {columns} FROM sessions")
    db.execute(
        """
        CREATE TABLE session_exercises_new (
            session_id TEXT NOT NULL REFERENCES sessions_new (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            exercise_id TEXT NOT NULL,
            name TEXT NOT NULL,
            completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
            sets_done INTEGER NOT NULL DEFAULT 0,
            sets_planned INTEGER NOT NULL DEFAULT 0,
            reps_done INTEGER NOT NULL DEFAULT 0,
            reps_planned INTEGER NOT NULL DEFAULT 0,
            skipped_steps INTEGER NOT NULL DEFAULT 0,
            load TEXT,
            effort TEXT,
            done_count INTEGER CHECK (done_count >= 0),
            PRIMARY KEY (session_id, position)
        ) WITHOUT ROWID
        """
    )
    exercise_columns = (
        "session_id, position, exercise_id, name, completed, sets_done, sets_planned, "
        "reps_done, reps_planned, skipped_steps, load, effort"
    )
    db.execute(
        f"INSERT INTO session_exercises_new ({exercise_columns}) "
        f"SELECT {exercise_columns} FROM session_exercises"
    )
    # Child first (its triggers go with it; a DROP fires none), then the parent, which
    # nothing refers to any more.
    db.execute("DROP TABLE session_exercises")
    db.execute("DROP TABLE sessions")
    db.execute("ALTER TABLE sessions_new RENAME TO sessions")
    db.execute("ALTER TABLE session_exercises_new RENAME TO session_exercises")
    db.execute("CREATE INDEX sessions_by_day ON sessions (local_date, status, active_seconds)")
    db.execute("CREATE INDEX sessions_by_program ON sessions (program_id, local_date)")
    db.execute("CREATE INDEX sessions_by_start ON sessions (started_at)")
    db.execute("CREATE INDEX sessions_running ON sessions (status) WHERE status = 'running'")
    db.execute("CREATE INDEX sessions_by_program_start ON sessions (program_id, started_at)")
    db.execute(_TOTALS_ADD)
    db.execute(_TOTALS_REMOVE)


_TOTALS_ADD_7 = """
        CREATE TRIGGER exercise_totals_add AFTER INSERT ON session_exercises BEGIN
            INSERT INTO exercise_totals (program_id, exercise_id, name, position, sessions,
                                         completed, sets_done, reps_done)
            SELECT program_id, NEW.exercise_id, NEW.name, NEW.position, 1, NEW.completed,
                   NEW.sets_done, NEW.reps_done
            FROM sessions WHERE id = NEW.session_id AND status != 'declined'
            ON CONFLICT (program_id, exercise_id) DO UPDATE SET
                name = max(name, excluded.name),
                position = min(position, excluded.position),
                sessions = sessions + 1,
                completed = completed + excluded.completed,
                sets_done = sets_done + excluded.sets_done,
                reps_done = reps_done + excluded.reps_done;
        END
"""
"""The trigger that adds an exercise row to ``exercise_totals``, from migration 7 on: a
declined start's exercises were never begun, so they are left out."""

_TOTALS_REMOVE_7 = """
        CREATE TRIGGER exercise_totals_remove AFTER DELETE ON session_exercises
        WHEN (SELECT status FROM sessions WHERE id = OLD.session_id) != 'declined' BEGIN
            UPDATE exercise_totals SET
                sessions = sessions - 1,
                completed = completed - OLD.completed,
                sets_done = sets_done - OLD.sets_done,
                reps_done = reps_done - OLD.reps_done
            WHERE exercise_id = OLD.exercise_id
              AND program_id = (SELECT program_id FROM sessions WHERE id = OLD.session_id);
        END
"""
"""The trigger that takes an exercise row out of ``exercise_totals``, from migration 7
on. A session's exercises are deleted while the session row still holds the status they
were added under (see ``_upsert``), so the two triggers agree."""


def _migration_7(db: sqlite3.Connection) -> None:
    """The dose paced of each exercise held or timed, the time spent in its as-needed
    rests, and totals without declined starts (version 2).

    ``hold_seconds`` is the hold of each rep and ``duration_seconds`` the work of each
    set, as the session paced them (a range's target); ``rest_waited`` is the seconds
    the person took in the exercise's as-needed rests (pauses left out). Earlier rows
    have NULL, which is what they had.

    A declined start keeps its program's exercises (none begun); ``exercise_totals``
    counted them as sessions of each exercise. The triggers now leave them out, and the
    totals are summed again without them.
    """
    db.execute("ALTER TABLE session_exercises ADD COLUMN hold_seconds REAL")
    db.execute("ALTER TABLE session_exercises ADD COLUMN duration_seconds REAL")
    db.execute("ALTER TABLE session_exercises ADD COLUMN rest_waited REAL")
    db.execute("DROP TRIGGER exercise_totals_add")
    db.execute("DROP TRIGGER exercise_totals_remove")
    db.execute(_TOTALS_ADD_7)
    db.execute(_TOTALS_REMOVE_7)
    db.execute("DELETE FROM exercise_totals")
    db.execute(
        """
        INSERT INTO exercise_totals (program_id, exercise_id, name, position, sessions,
                                     completed, sets_done, reps_done)
        SELECT s.program_id, e.exercise_id, max(e.name), min(e.position), count(*),
               total(e.completed), total(e.sets_done), total(e.reps_done)
        FROM session_exercises AS e JOIN sessions AS s ON s.id = e.session_id
        WHERE s.status != 'declined'
        GROUP BY s.program_id, e.exercise_id
        """
    )


def _migration_8(db: sqlite3.Connection) -> None:
    """Sync through a shared folder (:mod:`coach.history.sync`).

    ``computer`` on ``sessions``: the sync id of the computer whose journal gave the
    row as it is, NULL when it was written here (then this computer's journal carries
    it). ``journaled_at``: the ``updated_at`` of the version this computer last wrote
    to its journal; every write of the row clears it, so a row needs writing while the
    two differ. ``sync_journals``: how far each other computer's journal has been
    read, and the hashes that tell the same file grown from another one.
    """
    db.execute("ALTER TABLE sessions ADD COLUMN computer TEXT")
    db.execute("ALTER TABLE sessions ADD COLUMN journaled_at TEXT")
    db.execute(
        "CREATE INDEX sessions_to_journal ON sessions (updated_at) WHERE computer IS NULL "
        "AND status != 'running' AND journaled_at IS NOT updated_at"
    )
    db.execute(
        """
        CREATE TABLE sync_journals (
            file TEXT PRIMARY KEY,
            computer TEXT NOT NULL,
            name TEXT NOT NULL,
            head TEXT NOT NULL,
            tail TEXT NOT NULL,
            offset INTEGER NOT NULL,
            lines INTEGER NOT NULL,
            read_at TEXT NOT NULL
        )
        """
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
    _migration_7,
    _migration_8,
)
"""Schema changes in order: ``MIGRATIONS[n]`` takes a database from version n to n + 1.

Never edit one that has shipped; add the next. Each is tested on a database
full of rows of the version before it.
"""
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    """The schema version a database is at (0 for a new, empty one)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring ``db`` up to schema ``target`` inside the caller's transaction; returns the start.

    Raises :class:`HistoryError` for a database from a newer coach.
    """
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise HistoryError(
            f"the history was written by a newer coach (schema {current}; this coach knows "
            f"up to {SCHEMA_VERSION}); upgrade coach to read it. Nothing was changed."
        )
    for version in range(current, target):
        MIGRATIONS[version](db)
        db.execute(f"PRAGMA user_version = {version + 1}")
    return current
