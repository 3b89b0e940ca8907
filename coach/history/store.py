"""The history store: every session, in SQLite, safe against crashes and other processes.

This module owns the database connection and everything about it: the file
(``history.db`` in the data folder), its PRAGMAs (WAL, a busy timeout,
foreign keys, full fsync on commit), the numbered schema migrations, and
every write, each in an explicit ``BEGIN IMMEDIATE`` transaction that is
retried while another process holds the write lock. Nothing else opens the
database.

How a session is kept (see :class:`coach.session.recording.HistoryRecorder`):

- a row is written when the session starts, with status ``running``, and
  rewritten as each exercise completes, so a crash loses at most the
  exercise in progress;
- a running session holds an advisory lock on ``running/<id>.lock`` beside
  the database. The kernel drops the lock when its process dies, however it
  dies, so a ``running`` row whose lock is free was abandoned: it is shown as
  ``partial`` and turned into one by the next writer. A session still
  running in another process keeps its lock and is not touched;
- if the database cannot be written at the end of a session, the session is
  spooled as JSON to ``unsaved/`` and added by the next process that opens
  the store for writing.

Times are stored as UTC text (``2026-11-21T08:30:00.000Z``, which sorts), with
the UTC offset and the local date at the start, both from the moment the
session started: they are never recomputed.

Only the standard library: ``coach status`` reads this on every shell prompt.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from coach.files import LinkRefused, open_private, private_folder, read_regular_file, write_private
from coach.text import UNSAFE, describe, first_unsafe, json_text, visible

DB_NAME = "history.db"
EXPORT_FORMAT = "coach-history"
EXPORT_VERSION = 1
BUSY_TIMEOUT_MS = 5_000
"""How long SQLite itself waits for another process's write lock, per attempt."""
WRITE_PATIENCE = 120.0
"""How long a write keeps retrying before it gives up (seconds)."""

READ_PATIENCE = 10.0
"""How long opening or reading the history waits for another process (seconds): a
database held by a stuck process gives a message, never a hang."""

EARLIEST = date(1970, 1, 1)
"""The first day coach keeps a session for (import refuses earlier ones)."""
LATEST = date(2999, 12, 31)
"""The last day coach keeps a session for: every command handles each day between,
with room to spare for a time zone or a week's arithmetic."""
MAX_PLANNED_SECONDS = 24 * 3600.0
"""The longest session a program can plan (programs are limited to 24 h)."""
MAX_ACTIVE_SECONDS = 2 * MAX_PLANNED_SECONDS
"""The most active time a session can hold: its plan, and as long again for steps
gone back to and done twice."""
MAX_ELAPSED_SECONDS = 7 * 24 * 3600.0
"""The longest a session can last from start to end, pauses included."""
MAX_COUNT = 10**9
"""The largest count (sets, reps, steps) a session can hold."""

_GOOD_DAY = (
    f"(local_date BETWEEN '{EARLIEST}' AND '{LATEST}' AND date(local_date) IS local_date "
    f"AND started_at BETWEEN '{EARLIEST}' AND '{LATEST.year + 1}')"
)
"""SQL true for a row whose day and start coach handles."""

RECOVERY_HINT = (
    "`coach doctor --check-history` checks it, `coach doctor --salvage FILE` saves every "
    "session still readable (then `coach import FILE` into a new history)"
)
"""What to do about a damaged history, said with every message about one."""

_T = TypeVar("_T")

Status = Literal["running", "completed", "partial"]
STATUSES: tuple[Status, ...] = ("running", "completed", "partial")


class HistoryError(Exception):
    """The history cannot be read or written; ``str()`` says why, for a person."""

    def __init__(self, message: str, *, busy: bool = False, damaged: bool = False) -> None:
        super().__init__(visible(message))  # paths and values in it can hold anything
        self.busy = busy
        """True when another process held the database longer than we waited."""
        self.damaged = damaged
        """True when the database is damaged or not a coach history (see :data:`RECOVERY_HINT`)."""
        self.cannot_write = False
        """True when the database could be read but not written (a read-only or full disk)."""


# --------------------------------------------------------------------------- records


@dataclass
class ExerciseRecord:
    """What was done of one exercise in one session."""

    exercise: str
    """The exercise's id in its program."""
    name: str
    position: int
    """Its place in the program, from 0."""
    completed: bool = False
    sets_done: int = 0
    sets_planned: int = 0
    reps_done: int = 0
    reps_planned: int = 0
    """Reps in all sets and sides (0 for an exercise held for a duration)."""
    skipped_steps: int = 0

    def to_json(self) -> dict[str, Any]:
        """The exercise as JSON, as ``coach history --format json`` and export write it."""
        return {
            "exercise": self.exercise,
            "name": self.name,
            "completed": self.completed,
            "sets_done": self.sets_done,
            "sets_planned": self.sets_planned,
            "reps_done": self.reps_done,
            "reps_planned": self.reps_planned,
            "skipped_steps": self.skipped_steps,
        }


@dataclass
class SessionRecord:
    """One session, as the history keeps it."""

    id: str
    """A UUID, the same on every computer the session is imported to."""
    program: str
    title: str
    started_at: datetime
    """When it started (timezone-aware)."""
    utc_offset: int
    """The computer's UTC offset at the start, in seconds."""
    local_date: date
    """The day it counts for: the local date at the start, less the day start."""
    status: Status = "running"
    ended_at: datetime | None = None
    active_seconds: float = 0.0
    """Time spent exercising: pauses are not counted."""
    planned_seconds: float = 0.0
    skipped_steps: int = 0
    stop_reason: str | None = None
    program_version: str = ""
    program_sha256: str = ""
    per_day: int | None = None
    """The program's schedule when the session ran (for adherence)."""
    per_week: int | None = None
    stop_above: int | None = None
    """The program's pain threshold, when it asks for a check-in."""
    pain_before: int | None = None
    pain_after: int | None = None
    note: str = ""
    exercises: list[ExerciseRecord] = field(default_factory=list)
    updated_at: datetime | None = None
    """When the row was last written (set by the store)."""
    host: str = ""
    pid: int | None = None

    @property
    def local_zone(self) -> timezone:
        """The fixed offset the session started in."""
        return timezone(timedelta(seconds=self.utc_offset))

    def to_json(self) -> dict[str, Any]:
        """The session as JSON: times in ISO 8601 with the offset where it happened."""
        zone = self.local_zone
        return {
            "id": self.id,
            "program": self.program,
            "title": self.title,
            "status": self.status,
            "started_at": iso_local(self.started_at, zone),
            "ended_at": None if self.ended_at is None else iso_local(self.ended_at, zone),
            "utc_offset": self.utc_offset,
            "local_date": self.local_date.isoformat(),
            "active_seconds": round(self.active_seconds, 3),
            "planned_seconds": round(self.planned_seconds, 3),
            "skipped_steps": self.skipped_steps,
            "stop_reason": self.stop_reason,
            "program_version": self.program_version,
            "program_sha256": self.program_sha256,
            "schedule": _schedule_json(self.per_day, self.per_week),
            "stop_above": self.stop_above,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "note": self.note,
            "exercises": [exercise.to_json() for exercise in self.exercises],
            "updated_at": None if self.updated_at is None else utc_text(self.updated_at),
        }


def _schedule_json(per_day: int | None, per_week: int | None) -> dict[str, int] | None:
    if per_day is not None:
        return {"per_day": per_day}
    if per_week is not None:
        return {"per_week": per_week}
    return None


def iso_local(instant: datetime, zone: timezone) -> str:
    """``instant`` in ISO 8601, to the second, with the offset of ``zone``."""
    return instant.astimezone(zone).isoformat(timespec="seconds")


def utc_text(instant: datetime) -> str:
    """``instant`` as stored: UTC, milliseconds, a ``Z``; text order is time order."""
    if instant.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_utc_text(text: str) -> datetime:
    """The inverse of :func:`utc_text`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def safe_text(text: str, *, newlines: bool = False) -> str:
    """``text`` made safe to print (see :func:`coach.text.visible`); newlines become spaces
    unless ``newlines`` is true."""
    return visible(text, newlines=newlines)


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
    db.execute(
        """
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
    )
    db.execute(
        """
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
    )
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


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_1,
    _migration_2,
    _migration_3,
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


# --------------------------------------------------------------------------- the store


def describe_open_error(path: Path, error: sqlite3.Error) -> str:
    """Why a database could not be used, without calling a full disk "damaged"."""
    name = getattr(error, "sqlite_errorname", "")
    text = visible(str(error), newlines=False)
    if (
        name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT"))
        or "not a database" in text
        or "malformed" in text
    ):
        return (
            f"{path} is not a coach history database or is damaged ({text}). {RECOVERY_HINT}; "
            "or move it away to start a new history."
        )
    if any(words in text for words in ("no such table", "no such column", "has no column")) or (
        "already exists" in text
    ):
        return (
            f"{path} does not hold the tables coach keeps ({text}): it is damaged or not a "
            f"coach history. {RECOVERY_HINT}; or move it away to start a new history."
        )
    if _is_busy(error):
        return (
            f"the history {path} is busy: another process has held it for more than "
            f"{READ_PATIENCE:g} s ({text}); try again when it is done"
        )
    return f"cannot use the history {path}: {text}"


def _damaged(path: Path, error: sqlite3.Error) -> HistoryError:
    """The one message for a database that cannot be used, with the recovery hint if damaged."""
    message = describe_open_error(path, error)
    found = HistoryError(message, busy=_is_busy(error), damaged=RECOVERY_HINT in message)
    found.cannot_write = _cannot_write(error) and not found.damaged
    return found


_TABLES = {
    "sessions": None,  # filled in below, from _SESSION_COLUMNS
    "session_exercises": None,
    "exercise_totals": (
        "program_id, exercise_id, name, position, sessions, completed, sets_done, reps_done"
    ),
    "breaks": "id, kind, outcome, at, local_date, program_id",
    "break_state": "id, state, updated_at",
}


def _check_schema(path: Path, db: sqlite3.Connection) -> None:
    """Raise a damaged :class:`HistoryError` unless every table has the columns coach reads."""
    for table, columns in _TABLES.items():
        if columns is None:
            columns = _SESSION_COLUMNS if table == "sessions" else _EXERCISE_COLUMNS
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        missing = [name for name in columns.split(", ") if name not in have]
        if missing:
            what = "is missing" if not have else f"has no column {missing[0]}"
            raise HistoryError(
                f"{path} is damaged or not a coach history: table {table} {what}. "
                f"{RECOVERY_HINT}; or move it away to start a new history.",
                damaged=True,
            )


def _cannot_write(error: sqlite3.Error) -> bool:
    """Whether ``error`` says the database cannot be written now (read-only, full, I/O)."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return True
    text = str(error).lower()
    return any(
        words in text
        for words in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open")
    )


def check_database_file(path: Path) -> None:
    """Refuse what SQLite must not open as ``history.db``: a link, a folder, a FIFO.

    Checked for the database and its ``-wal`` and ``-shm`` files, with
    ``lstat``: a link there would have SQLite write through it, a FIFO would
    make it wait forever. Raises :class:`HistoryError`.
    """
    import stat

    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            continue
        except OSError as error:
            raise HistoryError(
                f"cannot use the history {candidate}: {error.strerror or error}"
            ) from None
        if stat.S_ISLNK(info.st_mode):
            raise HistoryError(str(LinkRefused(candidate)))
        if stat.S_ISDIR(info.st_mode):
            raise HistoryError(
                f"{candidate} is a folder, not a history database; move it away to start "
                "a new history"
            )
        if not stat.S_ISREG(info.st_mode):
            raise HistoryError(
                f"{candidate} is not a regular file (a device or a FIFO), so not a history "
                "database; move it away to start a new history"
            )


class _TextCells:
    """SQLite's text as ``str``: invalid UTF-8 (a garbled cell) decoded with U+FFFD, counted."""

    def __init__(self) -> None:
        self.garbled = 0
        """How many cells so far were not valid UTF-8."""

    def __call__(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.garbled += 1
            return data.decode("utf-8", "replace")


def _probe(db: sqlite3.Connection) -> None:
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()


def connect_read_only(path: Path, timeout: float = READ_PATIENCE) -> sqlite3.Connection:
    """A read-only connection, even on a read-only or full disk.

    SQLite's WAL mode needs a ``-shm`` file beside the database that a
    read-only folder cannot hold and a full disk cannot grow. In order:
    ``mode=ro``; then ``mode=ro`` in exclusive locking mode, where SQLite
    keeps the WAL index in memory instead of ``-shm``; then
    ``immutable=1``, which reads the database file alone. Raises
    ``sqlite3.Error`` from the first when none works.
    """
    uri = path.resolve().as_uri()
    first: sqlite3.Error | None = None
    for query, exclusive in (("mode=ro", False), ("mode=ro", True), ("immutable=1", False)):
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=timeout, isolation_level=None)
            db.text_factory = _TextCells()
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if exclusive:
                db.execute("PRAGMA locking_mode = EXCLUSIVE")
            _probe(db)
        except sqlite3.Error as error:
            if db is not None:
                db.close()
            first = first or error
            name = getattr(error, "sqlite_errorname", "")
            if _is_busy(error) or name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
                raise
            continue
        return db
    assert first is not None
    raise first


def _is_busy(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _has_lock_support() -> bool:
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return False
    return True


class SessionClaim:
    """An advisory lock that says "this session is running in this process".

    Held for the whole session; the kernel releases it when the process
    ends, even on ``kill -9``, which is how others tell an abandoned session.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        if not _has_lock_support():
            return
        import fcntl

        try:
            private_folder(path.parent)
            fd = open_private(path)
        except LinkRefused as error:
            raise HistoryError(str(error)) from None
        except OSError as error:
            raise HistoryError(
                f"cannot mark the session as running ({path}: {error.strerror or error}); "
                "if coach stops unexpectedly, the session will still read as running"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise HistoryError(f"{path}: another process already runs this session") from None
        self._fd = fd

    def release(self) -> None:
        """Drop the lock and its file."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


HOSTS_LOCK = "breaks.lock"
"""Every process that keeps the break timers (``coach remind``, the app) holds a
shared lock on this file in the data folder while it runs."""


def lock_is_held(path: Path, *, shared: bool = False, unreadable: bool = True) -> bool:
    """Whether some process holds the advisory lock on ``path`` (POSIX; False elsewhere).

    ``shared``: its holders lock it shared, so the probe asks for it alone. A
    missing file is not held; one that cannot be opened reads as ``unreadable``.
    The probe's own lock, if it got one, goes with the descriptor it closes.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return unreadable
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if shared else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def hosts_running(folder: Path) -> bool:
    """Whether some process (``coach remind`` or the app) keeps the break timers now."""
    return lock_is_held(folder / HOSTS_LOCK, shared=True, unreadable=False)


def lock_path(folder: Path, session_id: str) -> Path:
    """The lock file a running session holds, in the data folder ``folder``."""
    return folder / "running" / f"{session_id}.lock"


def session_is_alive(lock_path: Path, record_host: str, record_pid: int | None) -> bool:
    """Whether the process that runs a ``running`` session still runs.

    With advisory locks (POSIX): the session's lock file is still locked.
    Elsewhere: the same host and a process with that id exists.
    """
    if _has_lock_support():
        # A lock file that cannot be opened: cannot tell, so leave the session alone.
        return lock_is_held(lock_path, unreadable=True)
    if record_host != socket.gethostname() or record_pid is None:
        return False
    return _pid_exists(record_pid)


def _pid_exists(pid: int) -> bool:  # pragma: no cover - only where fcntl is missing
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)
        if not handle:
            return False
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_SESSION_COLUMNS = (
    "id, program_id, program_title, program_version, program_sha256, started_at, ended_at, "
    "utc_offset, local_date, status, stop_reason, active_seconds, planned_seconds, "
    "skipped_steps, per_day, per_week, stop_above, pain_before, pain_after, note, host, pid, "
    "updated_at"
)
_EXERCISE_COLUMNS = (
    "session_id, position, exercise_id, name, completed, sets_done, sets_planned, "
    "reps_done, reps_planned, skipped_steps"
)


class HistoryStore:
    """The history database. Open it, use it, ``close()`` it (or use ``with``).

    ``now`` gives the wall-clock time for ``updated_at`` (tests pass a fake).
    One store per thread: SQLite connections are not shared between threads.
    """

    def __init__(
        self,
        path: Path,
        *,
        now: Callable[[], datetime] | None = None,
        create: bool = True,
        patience: float = WRITE_PATIENCE,
    ) -> None:
        self.path = path
        self.now = now or (lambda: datetime.now(UTC))
        self.patience = patience
        self.read_only: str | None = None
        """Why this store can only read (a read-only or full disk), or None when it can write."""
        self.problems: list[str] = []
        """Damaged rows met while reading, one line each naming the session (then left out
        or shown with U+FFFD for text that was not UTF-8)."""
        self._cells = _TextCells()
        if create:
            try:
                private_folder(path.parent)
            except OSError as error:
                raise HistoryError(
                    f"cannot create the history folder {path.parent}: {error.strerror or error}"
                ) from None
        check_database_file(path)
        if not path.exists():
            if not create:
                raise FileNotFoundError(path)
            try:
                # Made here, 0600 whatever the umask; SQLite gives its -wal and -shm the same mode.
                os.close(open_private(path, os.O_RDWR | os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass  # another process made it first
            except OSError as error:
                raise HistoryError(
                    f"cannot create the history {path}: {error.strerror or error}"
                ) from None
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            self._db = self._open_read_only("the history folder is read-only")
            return
        try:
            self._db = self._connect()
        except HistoryError as error:
            if not error.cannot_write:
                raise
            # A full disk cannot grow -shm: reading still works without it.
            self._db = self._open_read_only(str(error), error)
            return
        if create:
            self._add_unsaved()

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as error:
            raise HistoryError(f"cannot open the history {path}: {error}") from None
        db.row_factory = sqlite3.Row
        db.text_factory = self._cells
        self._db = db
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = FULL")  # a commit survives power loss
            version = self._retry(lambda: schema_version(db), READ_PATIENCE)
            if version != SCHEMA_VERSION:
                self._write(lambda db: migrate(db))
            if self._retry(lambda: db.execute("PRAGMA journal_mode").fetchone()[0]) != "wal":
                self._retry(lambda: db.execute("PRAGMA journal_mode = WAL"))
            _check_schema(path, db)
        except sqlite3.Error as error:
            db.close()
            raise _damaged(path, error) from None
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self, why: str, error: HistoryError | None = None) -> sqlite3.Connection:
        try:
            db = connect_read_only(self.path)
            db.row_factory = sqlite3.Row
            db.text_factory = self._cells
            version = schema_version(db)
            if version > SCHEMA_VERSION:
                migrate(db)  # raises: a newer coach's history
            if version != 0:
                _check_schema(self.path, db)
        except HistoryError:
            raise
        except sqlite3.Error as problem:
            if error is not None and not _is_busy(problem):
                raise error from None
            raise _damaged(self.path, problem) from None
        self.read_only = why
        return db

    @classmethod
    def in_folder(cls, data_dir: Path, **kwargs: Any) -> HistoryStore:
        """The store in ``data_dir`` (``history.db``), created if missing."""
        return cls(data_dir / DB_NAME, **kwargs)

    @property
    def folder(self) -> Path:
        """The data folder the database is in."""
        return self.path.parent

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ----------------------------------------------------------------------

    def _retry(self, action: Callable[[], Any], patience: float | None = None) -> Any:
        deadline = time.monotonic() + (self.patience if patience is None else patience)
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    raise HistoryError(
                        f"cannot write the history {self.path}: {error}"
                        + (" (another coach kept it busy too long)" if _is_busy(error) else ""),
                        busy=_is_busy(error),
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except sqlite3.Error as error:
                raise _damaged(self.path, error) from None

    def _write(
        self, work: Callable[[sqlite3.Connection], _T], *, patience: float | None = None
    ) -> _T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction, retrying while busy.

        With ``patience``, give up (``HistoryError(busy=True)``) after that many
        seconds instead of :attr:`patience`; SQLite's own wait is cut to match.
        """

        if self.read_only is not None:
            raise HistoryError(
                f"cannot write the history {self.path}: {self.read_only}; nothing is recorded"
            )

        def attempt() -> _T:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._db)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            return result

        if patience is None or patience * 1000 >= BUSY_TIMEOUT_MS:
            result: _T = self._retry(attempt)
            return result
        self._db.execute(f"PRAGMA busy_timeout = {int(patience * 1000)}")
        try:
            result = self._retry(attempt, patience)
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return result

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries; a damaged page is a :class:`HistoryError`."""
        self._retry(lambda: self._db.execute("BEGIN"), READ_PATIENCE)
        try:
            yield self._db
        except sqlite3.Error as error:
            raise _damaged(self.path, error) from None
        finally:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("COMMIT")

    # --- writing ---------------------------------------------------------------------------

    def lock_path(self, session_id: str) -> Path:
        """The lock file a running session holds."""
        return lock_path(self.folder, session_id)

    def claim(self, session_id: str) -> SessionClaim:
        """Mark ``session_id`` as running in this process until ``release()``."""
        return SessionClaim(self.lock_path(session_id))

    def save(self, record: SessionRecord, *, patience: float | None = None) -> None:
        """Write ``record`` and its exercises, replacing what was there (idempotent).

        ``patience``: how long to wait for another process's write lock (see
        :meth:`_write`); a session in progress waits only briefly.
        """
        stamped = replace(record, updated_at=self.now())
        self._write(lambda db: _upsert(db, stamped), patience=patience)
        record.updated_at = stamped.updated_at

    def reap_abandoned(self) -> list[str]:
        """Turn ``running`` sessions whose process has gone into ``partial``; returns their ids."""
        if self.read_only is not None:
            return []
        with self._reading() as db:
            candidates = db.execute(
                "SELECT id, host, pid, updated_at FROM sessions WHERE status = 'running'"
            ).fetchall()
        dead = [
            row
            for row in candidates
            if not session_is_alive(self.lock_path(row["id"]), row["host"], row["pid"])
        ]
        if not dead:
            return []

        def work(db: sqlite3.Connection) -> None:
            for row in dead:
                # The last write is the last moment known to have happened.
                db.execute(
                    "UPDATE sessions SET status = 'partial', stop_reason = "
                    "coalesce(stop_reason, 'abandoned'), ended_at = coalesce(ended_at, ?) "
                    "WHERE id = ? AND status = 'running'",
                    (row["updated_at"], row["id"]),
                )

        self._write(work)
        for row in dead:
            with contextlib.suppress(OSError):
                self.lock_path(row["id"]).unlink()
        return [row["id"] for row in dead]

    def spool(self, record: SessionRecord) -> Path:
        """Keep a session the database would not take, to be added on the next open.

        Raises OSError when even that fails (and leaves no partial file).
        """
        folder = private_folder(self.folder / "unsaved")
        target = folder / f"{record.id}.json"
        stamped = replace(record, updated_at=self.now())
        write_private(target, json_text(stamped.to_json()))
        return target

    def _add_unsaved(self) -> None:
        """Add spooled sessions: each is the newest word on its session unless that completed."""
        folder = self.folder / "unsaved"
        if not folder.is_dir() or folder.is_symlink():
            return
        for file in sorted(folder.glob("*.json")):
            if file.is_symlink():
                continue
            try:
                # A regular file of bounded size only: a FIFO here must not hang every start.
                data = read_regular_file(file, MAX_LINE_BYTES).decode("utf-8")
                record = session_from_json(json.loads(data), "")

                def work(db: sqlite3.Connection, record: SessionRecord = record) -> None:
                    row = db.execute(
                        "SELECT status FROM sessions WHERE id = ?", (record.id,)
                    ).fetchone()
                    if row is None or row["status"] != "completed" or record.status == "completed":
                        _upsert(db, record)

                self._write(work)
            except (OSError, ValueError, HistoryError):
                continue  # leave it there for a person to look at
            file.unlink(missing_ok=True)

    # --- reading ---------------------------------------------------------------------------

    def get(self, session_id: str) -> SessionRecord | None:
        """One session, or None."""
        found = self.sessions(ids=[session_id])
        return found[0] if found else None

    def sessions(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        program: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[SessionRecord]:
        """Sessions (with their exercises), oldest first; abandoned ones read as partial."""
        where, params = _filters(since=since, until=until, program=program, ids=ids)
        cells = self._cells
        with self._reading() as db:
            rows: list[tuple[sqlite3.Row, bool]] = []
            for row in db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions {where} ORDER BY started_at, id",
                params,
            ):
                garbled, cells.garbled = cells.garbled, 0
                rows.append((row, bool(garbled)))
            exercises: dict[str, list[ExerciseRecord]] = {}
            bad_exercises: set[str] = set()
            cursor = db.cursor()
            cursor.row_factory = None  # plain tuples: 400,000 rows read twice as fast
            inside = f"WHERE session_id IN (SELECT id FROM sessions {where})" if where else ""
            cursor.execute(
                f"SELECT {_EXERCISE_COLUMNS} FROM session_exercises {inside} "
                "ORDER BY session_id, position",
                params,
            )
            for row in cursor:
                try:
                    exercise = _exercise_from_row(row)
                except (TypeError, ValueError):
                    bad_exercises.add(str(row[0]))
                    continue
                exercises.setdefault(row[0], []).append(exercise)
            cells.garbled = 0
        records = []
        for row, garbled in rows:
            try:
                record = _session_from_row(row, exercises.get(row["id"], []))
            except (TypeError, ValueError, KeyError, OverflowError) as error:
                self._problem(row["id"], f"{error}; left out")
                continue
            if garbled:
                self._problem(record.id, "text that is not UTF-8, shown with \ufffd")
            if record.id in bad_exercises:
                self._problem(record.id, "a damaged exercise row, left out")
            records.append(record)
        for record in records:
            if record.status == "running" and not session_is_alive(
                self.lock_path(record.id), record.host, record.pid
            ):
                record.status = "partial"
        return records

    def _problem(self, session_id: Any, what: str) -> None:
        line = f"session {visible(str(session_id), newlines=False)}: {what}"
        if line not in self.problems:
            self.problems.append(line)

    def completed_days(self) -> list[date]:
        """Every day with a completed session (what streaks are made of)."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT DISTINCT local_date FROM sessions WHERE status = 'completed'"
            ).fetchall()
        return _days(row[0] for row in rows)

    def count(self) -> int:
        """How many sessions the history holds."""
        with self._reading() as db:
            return int(db.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` and foreign keys; empty when all is well."""
        with self._reading() as db:
            problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
            problems = [problem for problem in problems if problem != "ok"]
            problems += [str(tuple(row)) for row in db.execute("PRAGMA foreign_key_check")]
        return problems

    def progress(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        program: str | None = None,
    ) -> Progress:
        """Totals per day, per program and per exercise, and the pain trend.

        Minutes count every session (a partial one's exercise is still
        exercise); ``completed`` counts the sessions that were finished.
        """
        where, params = _filters(since=since, until=until, program=program, ids=None)
        # Rows whose day coach cannot handle (damaged, or from an old import) are left out.
        where = f"{where} AND {_GOOD_DAY}" if where else f"WHERE {_GOOD_DAY}"
        with self._reading() as db:
            days = [
                DayTotal(date.fromisoformat(row[0]), row[1], row[2], row[3] / 60)
                for row in db.execute(
                    "SELECT local_date, count(*), count(*) FILTER (WHERE status = 'completed'), "
                    f"total(active_seconds) FROM sessions {where} "
                    "GROUP BY local_date ORDER BY local_date",
                    params,
                )
            ]
            programs = [
                ProgramTotal(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4] / 60,
                    date.fromisoformat(row[5]),
                    date.fromisoformat(row[6]),
                )
                for row in db.execute(
                    "SELECT program_id, (SELECT program_title FROM sessions AS latest "
                    "WHERE latest.program_id = s.program_id ORDER BY started_at DESC LIMIT 1), "
                    "count(*), count(*) FILTER (WHERE status = 'completed'), "
                    f"total(active_seconds), min(local_date), max(local_date) FROM sessions AS s "
                    f"{where} GROUP BY program_id ORDER BY count(*) DESC, program_id",
                    params,
                )
            ]
            if since is None and until is None:
                # The running totals (migration 2) answer at once.
                exercise_rows = db.execute(
                    "SELECT program_id, exercise_id, name, sessions, completed, sets_done, "
                    "reps_done FROM exercise_totals WHERE sessions > 0"
                    + (" AND program_id = ?" if program is not None else "")
                    + " ORDER BY program_id, position",
                    [] if program is None else [program],
                ).fetchall()
            else:
                exercise_where = where.replace("WHERE", "AND", 1) if where else ""
                exercise_rows = db.execute(
                    "SELECT s.program_id, e.exercise_id, max(e.name), count(*), "
                    "total(e.completed), total(e.sets_done), total(e.reps_done) "
                    "FROM sessions AS s JOIN session_exercises AS e ON e.session_id = s.id "
                    f"WHERE 1 {exercise_where} "
                    "GROUP BY s.program_id, e.exercise_id ORDER BY s.program_id, min(e.position)",
                    params,
                ).fetchall()
            exercises = [
                ExerciseTotal(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]), int(row[6]))
                for row in exercise_rows
            ]
            pain = [
                PainPoint(date.fromisoformat(row[0]), row[1], row[2], row[3], row[4])
                for row in db.execute(
                    "SELECT local_date, program_id, pain_before, pain_after, stop_above "
                    f"FROM sessions {where}{' AND' if where else ' WHERE'} "
                    "(pain_before IS NOT NULL OR pain_after IS NOT NULL) ORDER BY started_at",
                    params,
                )
            ]
        return Progress(days=days, programs=programs, exercises=exercises, pain=pain)

    # --- breaks ----------------------------------------------------------------------------

    def update_breaks(
        self,
        action: Callable[[dict[str, Any] | None, datetime | None], BreakUpdate],
        *,
        patience: float | None = None,
    ) -> BreakUpdate:
        """Read the break state and the end of the latest completed session, act, write back.

        All in one transaction, so ``coach remind`` and the app never undo
        each other's answers. ``action`` gets the saved state (None if there is
        none or it is unreadable) and returns the new state and the events to
        record.
        """

        def work(db: sqlite3.Connection) -> BreakUpdate:
            row = db.execute("SELECT state FROM break_state WHERE id = 1").fetchone()
            state = _json_object(row[0]) if row is not None else None
            ended = db.execute(
                "SELECT max(ended_at) FROM sessions WHERE status = 'completed'"
            ).fetchone()[0]
            update = action(state, None if ended is None else parse_utc_text(ended))
            db.execute(
                "INSERT INTO break_state (id, state, updated_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (json.dumps(update.state, allow_nan=False), utc_text(self.now())),
            )
            db.executemany(
                "INSERT INTO breaks (kind, outcome, at, local_date, program_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (e.kind, e.outcome, utc_text(e.at), e.local_date.isoformat(), e.program)
                    for e in update.events
                ],
            )
            return update

        return self._write(work, patience=patience)

    def break_state(self) -> dict[str, Any] | None:
        """The saved break state, or None."""
        with self._reading() as db:
            row = db.execute("SELECT state FROM break_state WHERE id = 1").fetchone()
        return None if row is None else _json_object(row[0])

    def break_counts(
        self, *, since: date | None = None, until: date | None = None
    ) -> dict[tuple[str, str], int]:
        """How many breaks of each (kind, outcome) between two local dates (inclusive)."""
        where, params = [], []
        if since is not None:
            where.append("local_date >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("local_date <= ?")
            params.append(until.isoformat())
        sql = "SELECT kind, outcome, count(*) FROM breaks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._reading() as db:
            rows = db.execute(sql + " GROUP BY kind, outcome", params).fetchall()
        return {(row[0], row[1]): int(row[2]) for row in rows}

    # --- export and import -----------------------------------------------------------------

    def export_json(self) -> dict[str, Any]:
        """All history as one JSON document (see :func:`read_export`)."""
        return {**self._export_header(), "sessions": [r.to_json() for r in self.sessions()]}

    def _export_header(self) -> dict[str, Any]:
        return _header(self.now())

    def write_export(self, out: TextIO) -> int:
        """Write :meth:`export_json` to ``out``, one session per line; returns how many.

        The same document, written as it is read: the standard library's
        JSON encoder is several times slower when asked to indent, and one
        session a line keeps the file readable and diffable anyway.
        """
        self.reap_abandoned()  # so that only sessions really running are written as such
        header = json_text(self._export_header())
        out.write(header[:-1] + ', "sessions": [\n')
        count = 0
        with self._reading() as db:
            # SQLite writes each session's JSON itself: about four times faster
            # than building records and encoding them (a test keeps the two equal).
            for (line,) in db.execute(_EXPORT_SQL.replace("{good}", _EXPORTABLE)):
                if count:
                    out.write(",\n")
                out.write(_importable_line(line))
                count += 1
            for (session_id,) in db.execute(f"SELECT id FROM sessions WHERE NOT {_EXPORTABLE}"):
                self._problem(session_id, "damaged, or dated where coach cannot: not exported")
        out.write("\n]}\n")
        return count

    def merge(self, records: Iterable[SessionRecord]) -> MergeSummary:
        """Add sessions by id, all in one transaction; an id already here is never duplicated.

        A session already here is replaced only by a more finished copy of
        itself (completed beats partial beats running) or, at the same status,
        by one written later (a check-in added on the other computer). An id
        already here for a different session (another program, start, day or
        exercises) is left alone and listed in ``conflicts``. ``records`` may
        be a generator (:func:`iter_export`): it is read once, inside the
        transaction, so an error in it writes nothing.
        """

        def work(db: sqlite3.Connection) -> MergeSummary:
            summary = MergeSummary()
            for record in records:
                row = db.execute(
                    "SELECT status, updated_at, program_id, started_at, utc_offset, local_date, "
                    "program_sha256 FROM sessions WHERE id = ?",
                    (record.id,),
                ).fetchone()
                if row is None:
                    _upsert(db, record)
                    summary.added += 1
                    continue
                different = _identity_differs(db, row, record)
                if different:
                    summary.conflicts.append(f"{record.id} ({different})")
                    continue
                # .get and str(): a damaged row (no CHECK constraints) is outranked, not a crash.
                mine = (_RANK.get(row["status"], -1), str(row["updated_at"]))
                theirs = (_RANK[record.status], utc_text(record.updated_at or record.started_at))
                if theirs > mine:
                    _upsert(db, record)
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            return summary

        result: MergeSummary = self._write(work)
        return result


@dataclass(frozen=True)
class DayTotal:
    """One day's sessions and minutes."""

    day: date
    sessions: int
    completed: int
    minutes: float


@dataclass(frozen=True)
class ProgramTotal:
    """One program's sessions and minutes."""

    program: str
    title: str
    sessions: int
    completed: int
    minutes: float
    first_day: date
    last_day: date


@dataclass(frozen=True)
class ExerciseTotal:
    """How often one exercise of one program was done."""

    program: str
    exercise: str
    name: str
    sessions: int
    """Sessions that included it."""
    completed: int
    """Sessions in which it was completed."""
    sets_done: int
    reps_done: int


@dataclass(frozen=True)
class PainPoint:
    """One check-in."""

    day: date
    program: str
    pain_before: int | None
    pain_after: int | None
    stop_above: int | None


@dataclass(frozen=True)
class Progress:
    """What the progress views show."""

    days: list[DayTotal]
    programs: list[ProgramTotal]
    exercises: list[ExerciseTotal]
    pain: list[PainPoint]

    def weeks(self) -> list[tuple[date, int, int, float]]:
        """(Monday, sessions, completed, minutes) for each week with a session."""
        totals: dict[date, list[float]] = {}
        for day in self.days:
            monday = day.day - timedelta(days=day.day.weekday())
            entry = totals.setdefault(monday, [0, 0, 0.0])
            entry[0] += day.sessions
            entry[1] += day.completed
            entry[2] += day.minutes
        return [(monday, int(a), int(b), c) for monday, (a, b, c) in sorted(totals.items())]


@dataclass(frozen=True)
class BreakRecord:
    """One break to record: what became of it, and when."""

    kind: str
    outcome: str
    at: datetime
    local_date: date
    program: str | None = None


@dataclass(frozen=True)
class BreakUpdate:
    """What :meth:`HistoryStore.update_breaks` writes: the new state and the events."""

    state: dict[str, Any]
    events: Sequence[BreakRecord] = ()


def _json_object(text: str) -> dict[str, Any] | None:
    """A JSON object from the database, or None if it is not one."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _local_time_sql(column: str) -> str:
    """SQL for a stored UTC time as ISO 8601 in the session's own offset, as to_json writes it."""
    return (
        f"strftime('%Y-%m-%dT%H:%M:%S', {column}, utc_offset || ' seconds') || "
        "printf('%s%02d:%02d', iif(utc_offset < 0, '-', '+'), abs(utc_offset) / 3600, "
        "abs(utc_offset) % 3600 / 60)"
    )


_ENDED_SQL = (
    "min(max(ended_at, started_at), strftime('%Y-%m-%dT%H:%M:%fZ', started_at, "
    f"'+{int(MAX_ELAPSED_SECONDS)} seconds'))"
)

_EXPORT_SQL = f"""
SELECT json_object(
    'id', id, 'program', program_id, 'title', program_title, 'status', status,
    'started_at', {_local_time_sql("started_at")},
    'ended_at', iif(ended_at IS NULL, NULL, {_local_time_sql(_ENDED_SQL)}),
    'utc_offset', utc_offset, 'local_date', local_date,
    'active_seconds', round(min(max(active_seconds, 0), {MAX_ACTIVE_SECONDS}), 3),
    'planned_seconds', round(min(max(planned_seconds, 0), {MAX_PLANNED_SECONDS}), 3),
    'skipped_steps', skipped_steps, 'stop_reason', stop_reason,
    'program_version', program_version, 'program_sha256', program_sha256,
    'schedule', json(CASE WHEN per_day IS NOT NULL THEN json_object('per_day', per_day)
                          WHEN per_week IS NOT NULL THEN json_object('per_week', per_week) END),
    'stop_above', stop_above, 'pain_before', pain_before, 'pain_after', pain_after,
    'note', note,
    'exercises', json((
        SELECT json_group_array(json_object(
            'exercise', exercise_id, 'name', name,
            'completed', json(iif(completed, 'true', 'false')),
            'sets_done', sets_done, 'sets_planned', sets_planned,
            'reps_done', reps_done, 'reps_planned', reps_planned,
            'skipped_steps', skipped_steps))
        FROM (SELECT * FROM session_exercises WHERE session_id = sessions.id ORDER BY position)
    )),
    'updated_at', updated_at
) FROM sessions WHERE {{good}} ORDER BY started_at, id
"""
"""Each session as its JSON line; ``{good}`` is the test a row must pass to be written."""


_TEXT_COLUMNS = ("id", "program_id", "program_title", "program_version", "program_sha256", "note")
_COUNT_COLUMNS = ("sets_done", "sets_planned", "reps_done", "reps_planned", "skipped_steps")
_EXPORTABLE = (
    f"coalesce({_GOOD_DAY} "
    + "".join(f"AND typeof({column}) = 'text' " for column in _TEXT_COLUMNS)
    + "AND typeof(stop_reason) IN ('text', 'null') "
    "AND typeof(utc_offset) = 'integer' AND abs(utc_offset) <= 64800 "
    "AND typeof(skipped_steps) = 'integer' AND skipped_steps >= 0 "
    "AND julianday(updated_at) IS NOT NULL "
    "AND (ended_at IS NULL OR julianday(ended_at) IS NOT NULL) "
    "AND NOT EXISTS (SELECT 1 FROM session_exercises AS e WHERE e.session_id = sessions.id "
    "AND NOT (typeof(e.exercise_id) = 'text' AND typeof(e.name) = 'text' "
    + "".join(
        f"AND typeof(e.{column}) = 'integer' AND e.{column} >= 0 " for column in _COUNT_COLUMNS
    )
    + ")), 0)"
)
"""SQL true for a row that :func:`session_from_json` would take back (the rest are named)."""

_ESCAPED_CONTROL = re.compile(r"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\[bfr]")


def _importable_line(line: str) -> str:
    """One exported session, its text shown as :func:`visible` does if it held unsafe
    characters (an older coach stored them): import refuses those, and must take back
    everything export writes."""
    if UNSAFE.search(line) is None and _ESCAPED_CONTROL.search(line) is None:
        return line
    return json_text(_visible_strings(json.loads(line)))


def _visible_strings(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {key: _visible_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_visible_strings(item) for item in value]
    return value


_RANK = {"running": 0, "partial": 1, "completed": 2}


@dataclass
class MergeSummary:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    """Ids already here for a different session, each with what differs: not merged."""


def _identity_differs(db: sqlite3.Connection, row: sqlite3.Row, record: SessionRecord) -> str:
    """What makes ``record`` another session than the stored ``row`` of its id ("" if none).

    A later copy of the same session (a check-in added, an exercise finished)
    changes none of these; times compare to the second, as exports hold them.
    """
    if row["program_id"] != record.program:
        return f"program {record.program}, here {row['program_id']}"
    if str(row["started_at"])[:19] != utc_text(record.started_at)[:19]:
        return f"started_at {utc_text(record.started_at)}, here {row['started_at']}"
    if row["utc_offset"] != record.utc_offset or row["local_date"] != record.local_date.isoformat():
        return f"day {record.local_date}, here {row['local_date']}"
    if (
        row["program_sha256"]
        and record.program_sha256
        and (row["program_sha256"] != record.program_sha256)
    ):
        return "another version of the program file"
    theirs = [exercise.exercise for exercise in record.exercises]
    mine = [
        found[0]
        for found in db.execute(
            "SELECT exercise_id FROM session_exercises WHERE session_id = ? ORDER BY position",
            (record.id,),
        )
    ]
    if theirs and mine and theirs != mine:
        return "other exercises"
    return ""


def _filters(
    *,
    since: date | None,
    until: date | None,
    program: str | None,
    ids: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append("local_date >= ?")
        params.append(since.isoformat())
    if until is not None:
        clauses.append("local_date <= ?")
        params.append(until.isoformat())
    if program is not None:
        clauses.append("program_id = ?")
        params.append(program)
    if ids is not None:
        clauses.append(f"id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _upsert(db: sqlite3.Connection, record: SessionRecord) -> None:
    """Write ``record``, within what import accepts: what coach records it can import back.

    Seconds are held to their bounds, an end to a week after the start,
    text to what :func:`coach.text.visible` shows; a day outside
    :data:`EARLIEST` to :data:`LATEST` is refused (a clock gone wrong).
    """
    updated = record.updated_at or record.started_at
    if not EARLIEST <= record.local_date <= LATEST or not (
        EARLIEST <= record.started_at.astimezone(UTC).date() <= LATEST
    ):
        raise HistoryError(
            f"session {record.id} starts on {record.local_date}, outside {EARLIEST} to "
            f"{LATEST}: is the computer's clock right? Not recorded"
        )
    ended = record.ended_at
    if ended is not None:
        ended = min(
            max(ended, record.started_at),
            record.started_at + timedelta(seconds=MAX_ELAPSED_SECONDS),
        )
    db.execute("DELETE FROM session_exercises WHERE session_id = ?", (record.id,))
    db.execute(
        f"INSERT OR REPLACE INTO sessions ({_SESSION_COLUMNS}) VALUES "
        f"({', '.join('?' for _ in range(23))})",
        (
            record.id,
            record.program,
            visible(record.title),
            visible(record.program_version),
            record.program_sha256,
            utc_text(record.started_at),
            None if ended is None else utc_text(ended),
            record.utc_offset,
            record.local_date.isoformat(),
            record.status,
            None if record.stop_reason is None else visible(record.stop_reason),
            min(max(0.0, record.active_seconds), MAX_ACTIVE_SECONDS),
            min(max(0.0, record.planned_seconds), MAX_PLANNED_SECONDS),
            min(max(0, record.skipped_steps), MAX_COUNT),
            record.per_day,
            record.per_week,
            record.stop_above,
            record.pain_before,
            record.pain_after,
            visible(record.note),
            visible(record.host),
            record.pid,
            utc_text(updated),
        ),
    )
    db.executemany(
        f"INSERT INTO session_exercises ({_EXERCISE_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                record.id,
                exercise.position,
                exercise.exercise,
                visible(exercise.name),
                int(exercise.completed),
                exercise.sets_done,
                exercise.sets_planned,
                exercise.reps_done,
                exercise.reps_planned,
                exercise.skipped_steps,
            )
            for exercise in record.exercises
        ],
    )


def _days(texts: Iterable[Any]) -> list[date]:
    """The days among ``texts`` that are dates coach handles (others are left out)."""
    days = []
    for text in texts:
        try:
            day = date.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        if EARLIEST <= day <= LATEST:
            days.append(day)
    return days


def _exercise_from_row(row: tuple[Any, ...]) -> ExerciseRecord:
    """An exercise from its row; TypeError or ValueError for a damaged one."""
    counts = [_stored_count(value) for value in row[5:]]
    if not isinstance(row[2], str) or not isinstance(row[3], str) or not isinstance(row[1], int):
        raise TypeError("not an exercise row")
    return ExerciseRecord(row[2], row[3], row[1], bool(row[4]), *counts)


def _stored_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{value!r} is not a count")
    return value


def _stored_time(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"{what} {text!r} is not a time")
    try:
        value = parse_utc_text(text)
    except ValueError:
        raise ValueError(f"{what} {visible(text, newlines=False)!r} is not a time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"{what} {text} is outside {EARLIEST} to {LATEST}, the days coach handles")
    return value


def _stored_number(value: Any, what: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{what} {value!r} is not a number")
    return min(max(0.0, float(value)), limit)


def _stored_optional_int(value: Any, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} {value!r} is out of range")
    return value


def _session_from_row(row: sqlite3.Row, exercises: list[ExerciseRecord]) -> SessionRecord:
    """A session from its row; ValueError or TypeError (naming the field) for a damaged one."""
    for key in ("id", "program_id", "program_title", "program_version", "program_sha256", "note"):
        if not isinstance(row[key], str):
            raise ValueError(f"{key} {row[key]!r} is not text")
    if row["status"] not in _RANK:
        raise ValueError(f"status {row['status']!r} is not one coach writes")
    if isinstance(row["utc_offset"], bool) or not isinstance(row["utc_offset"], int):
        raise ValueError(f"utc_offset {row['utc_offset']!r} is not a whole number")
    if abs(row["utc_offset"]) > 18 * 3600:
        raise ValueError(f"utc_offset {row['utc_offset']!r} is not a UTC offset")
    day = _days([row["local_date"]])
    if not day:
        raise ValueError(
            f"local_date {visible(str(row['local_date']), newlines=False)!r} is not a day "
            f"from {EARLIEST} to {LATEST}"
        )
    started = _stored_time(row["started_at"], "started_at")
    ended = None if row["ended_at"] is None else _stored_time(row["ended_at"], "ended_at")
    if ended is not None:
        ended = min(max(ended, started), started + timedelta(seconds=MAX_ELAPSED_SECONDS))
    return SessionRecord(
        id=row["id"],
        program=row["program_id"],
        title=row["program_title"],
        program_version=row["program_version"],
        program_sha256=row["program_sha256"],
        started_at=started,
        ended_at=ended,
        utc_offset=row["utc_offset"],
        local_date=day[0],
        status=row["status"],
        stop_reason=None if row["stop_reason"] is None else str(row["stop_reason"]),
        active_seconds=_stored_number(row["active_seconds"], "active_seconds", MAX_ACTIVE_SECONDS),
        planned_seconds=_stored_number(
            row["planned_seconds"], "planned_seconds", MAX_PLANNED_SECONDS
        ),
        skipped_steps=_stored_count(row["skipped_steps"]),
        per_day=_stored_optional_int(row["per_day"], "per_day", 1, MAX_COUNT),
        per_week=_stored_optional_int(row["per_week"], "per_week", 1, MAX_COUNT),
        stop_above=_stored_optional_int(row["stop_above"], "stop_above", 0, MAX_COUNT),
        pain_before=_stored_optional_int(row["pain_before"], "pain_before", 0, 10),
        pain_after=_stored_optional_int(row["pain_after"], "pain_after", 0, 10),
        note=row["note"],
        host=str(row["host"]),
        pid=row["pid"] if isinstance(row["pid"], int) else None,
        updated_at=_stored_time(row["updated_at"], "updated_at"),
        exercises=exercises,
    )


# --------------------------------------------------------------------------- quick reads


@dataclass(frozen=True)
class StatusRows:
    """What ``coach status`` needs, read in one snapshot."""

    completed_days: list[date]
    sessions_today: int
    seconds_today: float
    last: tuple[Any, ...] | None
    """(id, program, title, status, started_at, ended_at, utc_offset, local_date,
    active_seconds, host, pid) of the latest session."""
    break_state: dict[str, Any] | None = None
    """The saved break timers (None before any break reminder ran)."""


def read_status(path: Path, today: date) -> StatusRows | None:
    """The status figures, read-only and without the store's set-up; None with no history.

    For ``coach status`` on every prompt: no migrations, no writes, no files
    created when there is no history (SQLite may add its ``-wal``/``-shm``
    beside an existing one, as any reader does).
    """
    if not path.exists() and not path.is_symlink():
        return None
    check_database_file(path)
    try:
        db = connect_read_only(path)
    except sqlite3.Error as error:
        raise _damaged(path, error) from None
    version = 0
    try:
        db.execute("BEGIN")  # one snapshot for every query
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            migrate(db)  # raises: a newer coach's history
        if version == SCHEMA_VERSION:
            _check_schema(path, db)  # a few PRAGMAs: tens of microseconds
        days = _days(
            row[0]
            for row in db.execute(
                "SELECT DISTINCT local_date FROM sessions WHERE status = 'completed'"
            )
        )
        done, seconds = db.execute(
            "SELECT count(*) FILTER (WHERE status = 'completed'), total(active_seconds) "
            "FROM sessions WHERE local_date = ?",
            (today.isoformat(),),
        ).fetchone()
        last = db.execute(
            "SELECT id, program_id, program_title, status, started_at, ended_at, utc_offset, "
            f"local_date, active_seconds, host, pid FROM sessions WHERE {_GOOD_DAY} "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        state = None
        if version >= 3:
            row = db.execute("SELECT state FROM break_state WHERE id = 1").fetchone()
            state = None if row is None or not isinstance(row[0], str) else _json_object(row[0])
    except sqlite3.OperationalError as error:
        if "no such table" in str(error) and version == 0:
            return None  # created but never written
        raise _damaged(path, error) from None
    except sqlite3.Error as error:
        raise _damaged(path, error) from None
    finally:
        db.close()
    return StatusRows(days, done, seconds, last, state)


# --------------------------------------------------------------------------- damage


def check_history(path: Path, *, thorough: bool = False) -> list[str]:
    """What is wrong with the history at ``path``, read-only; empty when all is well.

    Checks the file, the schema, SQLite's ``quick_check`` (``integrity_check``
    when ``thorough``) and every session row. Never writes (``coach doctor``).
    """
    try:
        check_database_file(path)
        db = connect_read_only(path)
    except HistoryError as error:
        return [str(error)]
    except sqlite3.Error as error:
        return [describe_open_error(path, error)]
    try:
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            return [f"{path} was written by a newer coach (schema {version}); upgrade coach"]
        if version == 0:
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                return [f"{path} holds tables but no coach schema: it is not a coach history"]
            return []
        _check_schema(path, db)
        pragma = "integrity_check" if thorough else "quick_check"
        problems = [str(row[0]) for row in db.execute(f"PRAGMA {pragma}(20)")]
        problems = [f"SQLite {pragma}: {visible(p)}" for p in problems if p != "ok"]
    except HistoryError as error:
        return [str(error)]
    except sqlite3.Error as error:
        return [describe_open_error(path, error)]
    finally:
        db.close()
    with contextlib.suppress(HistoryError):
        _, damaged = salvage(path, None)
        problems += damaged
    return problems


def salvage(path: Path, out: TextIO | None) -> tuple[int, list[str]]:
    """Write every session still readable in ``path`` to ``out`` as an export.

    Read-only, row by row, so a damaged page or row costs only what is on
    it: rows are found from both ends of the table, each read alone, and
    one that cannot be read is named in the problems returned with the
    count written. ``out`` None: only count. Raises :class:`HistoryError`
    when the database cannot be opened at all.
    """
    check_database_file(path)
    try:
        db = connect_read_only(path)
    except sqlite3.Error as error:
        raise _damaged(path, error) from None
    cells = _TextCells()
    db.text_factory = cells
    db.row_factory = sqlite3.Row
    problems: list[str] = []
    try:
        rowids = _readable_rowids(db, problems)
        if out is not None:
            header = json_text({**_header(datetime.now(UTC)), "salvaged_from": str(path)})
            out.write(header[:-1] + ', "sessions": [\n')
        count = 0
        for rowid in sorted(rowids):
            try:
                row = db.execute(
                    f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE rowid = ?", (rowid,)
                ).fetchone()
                exercises = [
                    _exercise_from_row(tuple(found))
                    for found in db.execute(
                        f"SELECT {_EXERCISE_COLUMNS} FROM session_exercises "
                        "WHERE session_id = ? ORDER BY position",
                        (row["id"],),
                    )
                ]
                record = _session_from_row(row, exercises)
            except (sqlite3.Error, TypeError, ValueError, KeyError, OverflowError) as error:
                who = f"row {rowid}"
                with contextlib.suppress(Exception):
                    who = f"session {visible(str(row['id']), newlines=False)}"
                problems.append(f"{who}: {visible(str(error), newlines=False)}; not readable")
                continue
            if record.status == "running":
                record.status = "partial"
            if out is not None:
                out.write((",\n" if count else "") + json_text(_visible_strings(record.to_json())))
            count += 1
        if out is not None:
            out.write("\n]}\n")
    finally:
        db.close()
    if cells.garbled:
        problems.append(f"{cells.garbled} text cells were not UTF-8 (kept with \ufffd)")
    return count, problems


def _readable_rowids(db: sqlite3.Connection, problems: list[str]) -> set[int]:
    """The session rows that can be found, from the start and from the end of the table."""
    found: set[int] = set()
    for order in ("ASC", "DESC"):
        try:
            for (rowid,) in db.execute(f"SELECT rowid FROM sessions ORDER BY rowid {order}"):
                found.add(rowid)
        except sqlite3.Error as error:
            problems.append(f"sessions table: {visible(str(error), newlines=False)}")
            continue
        break
    return found


def _header(now: datetime) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_text(now),
        "host": socket.gethostname(),
    }


# --------------------------------------------------------------------------- reading exports


class ExportError(HistoryError):
    """An export file that cannot be imported; ``str()`` names the file and the place."""


MAX_EXPORT_BYTES = 2 * 1024**3
"""A larger file is not an export (20 years of history export to about 100 MiB)."""
MAX_LINE_BYTES = 16 * 1024**2
"""The longest line of an export as `coach export` writes it (one session a line); a
longer one is refused after reading that much, not the whole of it."""
MAX_DOCUMENT_BYTES = 64 * 1024**2
"""The largest export read whole, as one JSON document (not one session a line)."""
MAX_EXERCISES = 100_000
"""The most exercises a session can hold (programs have at most 100,000 steps)."""

_SESSIONS_OPEN = "["


def _not_finite(text: str) -> Any:
    raise ValueError(f"{text} is not a number an export can hold")


def read_export(path: Path) -> list[SessionRecord]:
    """Every session in an export file, checked; raises :class:`ExportError`."""
    return list(iter_export(path))


def check_export(path: Path) -> int:
    """Check a whole export file, keeping nothing but ids; how many sessions it holds."""
    count = 0
    for _ in iter_export(path):
        count += 1
    return count


def iter_export(path: Path) -> Iterator[SessionRecord]:
    """The sessions of an export file, checked one at a time, in bounded memory.

    An export as :meth:`HistoryStore.write_export` writes it (a header line,
    one session a line, then ``]}``) is read a line at a time, no line
    longer than :data:`MAX_LINE_BYTES`; any other JSON document is read
    whole if it is at most :data:`MAX_DOCUMENT_BYTES`. Raises
    :class:`ExportError` naming the file, the line and the field.
    """
    import stat

    try:
        # Looked at before it is opened: opening a FIFO would wait for a writer forever.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ExportError(f"{path}: not a regular file (give the file `coach export` wrote)")
        stream = open(path, "rb")  # noqa: SIM115 - closed below, and by the generator's end
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as error:
        raise ExportError(f"{path}: cannot read the file: {error.strerror or error}") from None
    with stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExportError(f"{path}: not a regular file (give the file `coach export` wrote)")
        if info.st_size > MAX_EXPORT_BYTES:
            raise ExportError(f"{path}: {info.st_size} bytes is too large for a coach export")
        first, whole = _bounded_line(stream, path, 1)
        header = _streamed_header(first) if whole else None
        if header is None:
            if info.st_size > MAX_DOCUMENT_BYTES:
                raise ExportError(
                    f"{path}: not written one session a line as `coach export` writes, and "
                    f"larger than the {MAX_DOCUMENT_BYTES // 1024**2} MiB a file read whole "
                    "may be"
                )
            stream.seek(0)
            data = _parse(path, _text(path, stream.read(MAX_DOCUMENT_BYTES + 1)), None)
            sessions = _check_header(path, data)
            seen: set[str] = set()
            for index, item in enumerate(sessions):
                yield _checked(path, item, f"sessions[{index}]", seen)
            return
        _check_header(path, {**header, "sessions": []})
        yield from _streamed_sessions(path, stream)


def _bounded_line(stream: Any, path: Path, number: int) -> tuple[bytes, bool]:
    """One line (at most :data:`MAX_LINE_BYTES`) and whether it ended before that limit."""
    line: bytes = stream.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        return line, False
    return line, line.endswith(b"\n") or len(line) < MAX_LINE_BYTES


def _text(path: Path, data: bytes, number: int | None = None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"{path}:{number}" if number is not None else str(path)
        raise ExportError(f"{where}: not a UTF-8 text file (byte {error.start})") from None


def _parse(path: Path, text: str, number: int | None) -> Any:
    try:
        return json.loads(text, parse_constant=_not_finite)
    except json.JSONDecodeError as error:
        line = error.lineno if number is None else number
        raise ExportError(f"{path}:{line}:{error.colno}: not valid JSON: {error.msg}") from None
    except ValueError as error:  # NaN or Infinity
        raise ExportError(f"{path}: {error}") from None
    except RecursionError:
        raise ExportError(f"{path}: nested too deeply to be a coach export") from None


def _streamed_header(line: bytes) -> dict[str, Any] | None:
    """The header of an export written one session a line, or None if ``line`` is not one."""
    text = line.strip()
    if not text.endswith(b"["):
        return None
    try:
        data = json.loads(text + b"]}", parse_constant=_not_finite)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("sessions") != []:
        return None
    return data


def _check_header(path: Path, data: Any) -> list[Any]:
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ExportError(
            f"{path}: not a coach history export (expected a JSON object with "
            f'"format": "{EXPORT_FORMAT}", as `coach export` writes)'
        )
    version = data.get("version")
    if version != EXPORT_VERSION:
        raise ExportError(
            f"{path}: export version {visible(repr(version))} is not one this coach reads "
            f"(it reads version {EXPORT_VERSION})"
        )
    sessions = data.get("sessions")
    if not isinstance(sessions, list):
        raise ExportError(f'{path}: "sessions" must be a list')
    return sessions


def _streamed_sessions(path: Path, stream: Any) -> Iterator[SessionRecord]:
    seen: set[str] = set()
    number = 1
    index = 0
    ended = False
    while True:
        number += 1
        raw, whole = _bounded_line(stream, path, number)
        if not whole:
            raise ExportError(
                f"{path}:{number}: a line longer than {MAX_LINE_BYTES // 1024**2} MiB is not "
                "a session coach exported; refused without reading the rest"
            )
        if not raw:
            break
        text = _text(path, raw, number).strip()
        if not text:
            continue
        if ended:
            raise ExportError(f"{path}:{number}: text after the end of the export")
        if text == "]}":
            ended = True
            continue
        item = _parse(path, text[:-1] if text.endswith(",") else text, number)
        yield _checked(path, item, f"sessions[{index}]", seen, number)
        index += 1
    if not ended:
        raise ExportError(f"{path}: the file ends before the export does (cut short?)")


def _checked(
    path: Path, item: Any, where: str, seen: set[str], number: int | None = None
) -> SessionRecord:
    place = f"{path}:{number}" if number is not None else str(path)
    try:
        record = session_from_json(item, where)
    except ValueError as error:
        raise ExportError(f"{place}: {visible(str(error), newlines=False)}") from None
    if record.id in seen:
        raise ExportError(f"{place}: {where}.id: {record.id} appears twice in the file")
    seen.add(record.id)
    return record


def _need(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise ValueError(f"{where}: missing {key!r}")
    value = data[key]
    if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
        raise ValueError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise ValueError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names[type(None)] = "null"
    names[list] = "a list"
    names[dict] = "an object"
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _optional(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if data.get(key) is None:
        return None
    return _need(data, key, kind, where)


def _time(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    text = _optional(data, key, str, where) if optional else _need(data, key, str, where)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}.{key}: {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ValueError(f"{where}.{key}: {text!r} has no UTC offset")
    try:
        day = value.astimezone(UTC).date()
    except OverflowError:
        day = date.min
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{where}.{key}: {text!r} is not a time from {EARLIEST} to {LATEST}")
    return value


_MAX_INT = MAX_COUNT


def _seconds(data: Mapping[str, Any], key: str, where: str, limit: float) -> float:
    value = _optional(data, key, (int, float), where) or 0
    if not 0 <= value <= limit:  # a huge int would not even fit a float
        raise ValueError(f"{where}.{key}: must be from 0 to {limit:.0f} s (got {value})")
    return float(value)


def _small_int(data: Mapping[str, Any], key: str, where: str, low: int) -> int | None:
    value = _optional(data, key, int, where)
    if value is not None and not low <= value <= _MAX_INT:
        raise ValueError(f"{where}.{key}: expected a whole number from {low}, got {value!r}")
    return value  # type: ignore[no-any-return]


def _check_text(value: Any, where: str) -> None:
    """Text must be storable and safe to show: no lone surrogates (from ``\\ud800``
    escapes), no control, bidi or zero-width character (see :data:`coach.text.UNSAFE`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{where}: text with an invalid character (a lone surrogate)"
            ) from None
        unsafe = first_unsafe(value)
        if unsafe is not None:
            raise ValueError(
                f"{where}: text with {describe(unsafe)}, a control, bidi or zero-width "
                "character, which coach does not keep"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")


def _pain(data: Mapping[str, Any], key: str, where: str) -> int | None:
    value = _optional(data, key, int, where)
    if value is not None and not 0 <= value <= 10:
        raise ValueError(f"{where}.{key}: pain is rated from 0 to 10 (got {value})")
    return value  # type: ignore[no-any-return]


def _count(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise ValueError(f"{where}.{key}: expected a whole number >= 0, got {value!r}")
    return value


def session_from_json(data: Any, where: str) -> SessionRecord:
    """A session from its JSON form (as exported); raises ValueError naming the bad field."""
    where = where or "session"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    _check_text(data, where)
    session_id = _need(data, "id", str, where)
    if not session_id.strip() or len(session_id) > 100:
        raise ValueError(f"{where}.id: {session_id!r} is not a session id")
    status = _need(data, "status", str, where)
    if status not in STATUSES:
        raise ValueError(f"{where}.status: {status!r} is not one of completed, partial")
    try:
        local_date = date.fromisoformat(_need(data, "local_date", str, where))
    except ValueError as error:
        if str(error).startswith(where):
            raise
        raise ValueError(f"{where}.local_date: {data['local_date']!r} is not a date") from None
    if not EARLIEST <= local_date <= LATEST:
        raise ValueError(
            f"{where}.local_date: {local_date.isoformat()} is not from {EARLIEST} to {LATEST}"
        )
    started_at = _time(data, "started_at", where)
    if abs((local_date - started_at.date()).days) > 2:
        raise ValueError(
            f"{where}.local_date: {local_date} is not the day of started_at "
            f"{started_at.isoformat()}"
        )
    ended_at = _time(data, "ended_at", where, optional=True)
    if ended_at is not None:
        lasted = (ended_at - started_at).total_seconds()
        if lasted < 0:
            raise ValueError(f"{where}.ended_at: before started_at (a negative duration)")
        if lasted > MAX_ELAPSED_SECONDS:
            raise ValueError(
                f"{where}.ended_at: {lasted / 3600:.0f} h after started_at; a session lasts "
                f"at most {MAX_ELAPSED_SECONDS / 3600:.0f} h, pauses included"
            )
    offset = data.get("utc_offset")
    if offset is None:
        delta = started_at.utcoffset()
        offset = int(delta.total_seconds()) if delta is not None else 0
    elif isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > 18 * 3600:
        raise ValueError(f"{where}.utc_offset: {offset!r} is not a UTC offset in seconds")
    _need(data, "active_seconds", (int, float), where)
    active = _seconds(data, "active_seconds", where, MAX_ACTIVE_SECONDS)
    schedule = _optional(data, "schedule", dict, where) or {}
    exercises = []
    items = _optional(data, "exercises", list, where) or []
    if len(items) > MAX_EXERCISES:
        raise ValueError(f"{where}.exercises: more than {MAX_EXERCISES:,} exercises")
    for index, item in enumerate(items):
        at = f"{where}.exercises[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{at}: expected an object")
        exercises.append(
            ExerciseRecord(
                exercise=_need(item, "exercise", str, at),
                name=_optional(item, "name", str, at) or item["exercise"],
                position=index,
                completed=_need(item, "completed", bool, at),
                sets_done=_count(item, "sets_done", at),
                sets_planned=_count(item, "sets_planned", at),
                reps_done=_count(item, "reps_done", at),
                reps_planned=_count(item, "reps_planned", at),
                skipped_steps=_count(item, "skipped_steps", at),
            )
        )
    return SessionRecord(
        id=session_id,
        program=_need(data, "program", str, where),
        title=_optional(data, "title", str, where) or data["program"],
        started_at=started_at,
        ended_at=ended_at,
        utc_offset=offset,
        local_date=local_date,
        # A session running elsewhere cannot be finished here.
        status="partial" if status == "running" else status,
        active_seconds=float(active),
        planned_seconds=_seconds(data, "planned_seconds", where, MAX_PLANNED_SECONDS),
        skipped_steps=_count(data, "skipped_steps", where),
        stop_reason=_optional(data, "stop_reason", str, where),
        program_version=_optional(data, "program_version", str, where) or "",
        program_sha256=_optional(data, "program_sha256", str, where) or "",
        per_day=_small_int(schedule, "per_day", f"{where}.schedule", 1),
        per_week=_small_int(schedule, "per_week", f"{where}.schedule", 1),
        stop_above=_small_int(data, "stop_above", where, 0),
        pain_before=_pain(data, "pain_before", where),
        pain_after=_pain(data, "pain_after", where),
        note=_optional(data, "note", str, where) or "",
        exercises=exercises,
        updated_at=_time(data, "updated_at", where, optional=True),
    )
