"""The history store: every session, in SQLite, safe against crashes and other processes.

This module owns the database connection and everything about it: the file
(``history.db`` in the data folder), its PRAGMAs (WAL, a busy timeout,
foreign keys, full fsync on commit), and every write, each in an explicit
``BEGIN IMMEDIATE`` transaction that is retried while another process holds
the write lock. Nothing else opens the database. Beside it in
:mod:`coach.history`: the records it keeps (``records``), the numbered
schema migrations (``schema``), the advisory locks (``locks``) and the
reading of export files (``exchange``).

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
import gc
import json
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, TypeVar

from coach.files import LinkRefused, open_private, private_folder, read_regular_file, write_private
from coach.history.exchange import MAX_LINE_BYTES, session_from_json
from coach.history.locks import SessionClaim, lock_path, session_is_alive
from coach.history.records import (
    EARLIEST,
    EXPORT_FORMAT,
    EXPORT_VERSION,
    LATEST,
    MAX_ACTIVE_SECONDS,
    MAX_COUNT,
    MAX_ELAPSED_SECONDS,
    MAX_PLANNED_SECONDS,
    NEXT_DAY_ANSWERS,
    ExerciseRecord,
    HistoryError,
    NextDay,
    SessionRecord,
    check_symptoms,
    parse_utc_text,
    utc_text,
)
from coach.history.schema import SCHEMA_VERSION, migrate, schema_version
from coach.text import first_unsafe, json_text, visible

_T = TypeVar("_T")

_GOOD_DAY = (
    f"(+local_date BETWEEN '{EARLIEST}' AND '{LATEST}' AND date(local_date) IS local_date "
    f"AND +started_at BETWEEN '{EARLIEST}' AND '{LATEST.year + 1}')"
)
"""SQL true for a row whose day and start coach handles. The unary ``+`` keeps SQLite
from choosing an index for these bounds (they hold for every row): with them, a query
for some weeks (``local_date >= ?``) searched ``sessions_by_start`` from 1970 and read
every session, 76 ms instead of 10 over 20 years of history (bench/progress_screen.py)."""

DB_NAME = "history.db"

BUSY_TIMEOUT_MS = 5_000
"""How long SQLite itself waits for another process's write lock, per attempt."""

WRITE_PATIENCE = 120.0
"""How long a write keeps retrying before it gives up (seconds)."""

READ_PATIENCE = 10.0
"""How long opening or reading the history waits for another process (seconds): a
database held by a stuck process gives a message, never a hang."""

RECOVERY_HINT = (
    "`coach doctor --check-history` checks it, `coach doctor --salvage FILE` saves every "
    "session still readable (then `coach import FILE` into a new history)"
)
"""What to do about a damaged history, said with every message about one."""


def _is_busy(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


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
    "sync_journals": "file, computer, name, head, tail, offset, lines, read_at",
}


_ADDED_IN = {
    ("exercise_totals", ""): 2,
    ("breaks", ""): 3,
    ("break_state", ""): 3,
    ("session_exercises", "load"): 4,
    ("session_exercises", "effort"): 4,
    ("sessions", "phase"): 5,
    ("sessions", "program_hash"): 6,
    ("sessions", "symptoms_before"): 6,
    ("sessions", "symptoms_after"): 6,
    ("sessions", "next_day"): 6,
    ("session_exercises", "done_count"): 6,
    ("session_exercises", "hold_seconds"): 7,
    ("session_exercises", "duration_seconds"): 7,
    ("session_exercises", "rest_waited"): 7,
    ("sessions", "computer"): 8,
    ("sync_journals", ""): 8,
}
"""The schema version that added a table (``""``) or a column: an older history lacks it."""


def _check_schema(path: Path, db: sqlite3.Connection, version: int = SCHEMA_VERSION) -> None:
    """Raise a damaged :class:`HistoryError` unless every table has the columns coach reads
    (those a history at ``version`` has: one not yet upgraded is not damaged)."""
    for table, columns in _TABLES.items():
        if _ADDED_IN.get((table, ""), 0) > version:
            continue
        if columns is None:
            columns = _SESSION_COLUMNS if table == "sessions" else _EXERCISE_COLUMNS
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        missing = [
            name
            for name in columns.split(", ")
            if name not in have and _ADDED_IN.get((table, name), 0) <= version
        ]
        if missing:
            what = "is missing" if not have else f"has no column {missing[0]}"
            raise HistoryError(
                f"{path} is damaged or not a coach history: table {table} {what}. "
                f"{RECOVERY_HINT}; or move it away to start a new history.",
                damaged=True,
            )


def _exercise_columns_in(db: sqlite3.Connection) -> str:
    """:data:`_EXERCISE_COLUMNS` as a history not yet upgraded can give them: a column a
    later schema added reads as NULL (what it would hold after the upgrade)."""
    return _columns_in(db, "session_exercises", _EXERCISE_COLUMNS)


def _session_columns_in(db: sqlite3.Connection) -> str:
    """:data:`_SESSION_COLUMNS`, as :func:`_exercise_columns_in` gives the exercises'."""
    return _columns_in(db, "sessions", _SESSION_COLUMNS)


def _columns_in(db: sqlite3.Connection, table: str, columns: str) -> str:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    return ", ".join(name if name in have else f"NULL AS {name}" for name in columns.split(", "))


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


_SESSION_COLUMNS = (
    "id, program_id, program_title, program_version, program_sha256, started_at, ended_at, "
    "utc_offset, local_date, status, stop_reason, active_seconds, planned_seconds, "
    "skipped_steps, per_day, per_week, stop_above, pain_before, pain_after, note, host, pid, "
    "updated_at, phase, program_hash, symptoms_before, symptoms_after, next_day, computer"
)
_EXERCISE_COLUMNS = (
    "session_id, position, exercise_id, name, completed, sets_done, sets_planned, "
    "reps_done, reps_planned, skipped_steps, load, effort, done_count, hold_seconds, "
    "duration_seconds, rest_waited"
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
                _check_schema(self.path, db, version)  # one not yet upgraded is read as it is
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
        # Written here: this computer's journal carries it (coach.history.sync).
        stamped = replace(record, updated_at=self.now(), computer=None)
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
        # Written here: this computer's journal carries it (coach.history.sync).
        stamped = replace(record, updated_at=self.now(), computer=None)
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
        with_exercises: bool = True,
    ) -> list[SessionRecord]:
        """Sessions (with their exercises, unless ``with_exercises`` is false: then their lists
        are empty and no exercise row is read: several times as fast, for the report's
        sums and the progress screen's calendar), oldest first; abandoned ones read as
        partial."""
        where, params = _filters(since=since, until=until, program=program, ids=ids)
        cells = self._cells
        with collector_paused():
            with self._reading() as db:
                query = (
                    f"SELECT {_session_columns_in(db) if self.read_only else _SESSION_COLUMNS} "
                    f"FROM sessions {where} ORDER BY started_at, id"
                )
                rows = _plain_rows(db, query, params)
                if rows is None:  # some text is not UTF-8: read again, cell by cell
                    rows = []
                    for row in db.execute(query, params):
                        garbled, cells.garbled = cells.garbled, 0
                        rows.append((tuple(row), bool(garbled)))
                exercises: dict[str, list[ExerciseRecord]] = {}
                bad_exercises: set[str] = set()
                cursor = db.cursor()
                cursor.row_factory = None  # plain tuples: 400,000 rows read twice as fast
                inside = f"WHERE session_id IN (SELECT id FROM sessions {where})" if where else ""
                if not with_exercises:
                    inside, params = "WHERE 0", []  # the sessions alone: no exercise row is read
                cursor.execute(
                    # A read-only history may be one not yet upgraded (its new columns read NULL).
                    f"SELECT {_exercise_columns_in(db) if self.read_only else _EXERCISE_COLUMNS} "
                    f"FROM session_exercises {inside} "
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
                    record = _session_from_row(row, exercises.get(row[0], []))
                except (TypeError, ValueError, KeyError, OverflowError) as error:
                    self._problem(row[0], f"{error}; left out")
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

    def exercises_done(
        self, *, since: date | None = None, until: date | None = None
    ) -> list[ExerciseDone]:
        """What was done of each exercise, summed in SQL (``coach report`` over years of
        history reads no exercise row into Python): one :class:`ExerciseDone` per
        program, exercise, phase and load, declined sessions left out."""
        where, params = _filters(since=since, until=until, program=None, ids=None)
        inside = where.replace("WHERE", "AND", 1)
        with self._reading() as db:
            # A read-only history not yet upgraded lacks the later columns: they read NULL.
            have = {row[1] for row in db.execute("PRAGMA table_info(session_exercises)")}
            load, count, duration, waited = (
                f"e.{name}" if name in have else "NULL"
                for name in ("load", "done_count", "duration_seconds", "rest_waited")
            )
            rows = db.execute(
                "SELECT s.program_id, e.exercise_id, max(e.name), min(e.position), s.phase, "
                f"{load}, min(s.local_date), count(*), total(e.completed), "
                "total(e.skipped_steps > 0), total(e.sets_done), total(e.sets_planned), "
                f"total(e.reps_done), total(e.reps_planned), group_concat({count}), "
                # Time worked as paced (schema 7), and the sets of older rows without it.
                f"total(e.sets_done * {duration}), total(e.sets_planned * {duration}), "
                f"count({duration}), total(iif({duration} IS NULL, e.sets_done, 0)), "
                f"total(iif({duration} IS NULL, e.sets_planned, 0)), "
                f"total({waited}), count({waited}) "
                "FROM sessions AS s JOIN session_exercises AS e ON e.session_id = s.id "
                f"WHERE s.status != 'declined' {inside} "
                f"GROUP BY s.program_id, e.exercise_id, s.phase, {load} "
                "ORDER BY s.program_id, min(e.position), min(s.started_at)",
                params,
            ).fetchall()
        done = []
        for row in rows:
            try:
                done.append(
                    ExerciseDone(
                        program=str(row[0]),
                        exercise=str(row[1]),
                        name=str(row[2]),
                        position=int(row[3]),
                        phase=None if row[4] is None else str(row[4]),
                        load=None if row[5] is None else str(row[5]),
                        first_day=date.fromisoformat(row[6]),
                        sessions=int(row[7]),
                        completed=int(row[8]),
                        skipped=int(row[9]),
                        sets_done=int(row[10]),
                        sets_planned=int(row[11]),
                        reps_done=int(row[12]),
                        reps_planned=int(row[13]),
                        counts=tuple(int(n) for n in str(row[14]).split(",")) if row[14] else (),
                        paced_seconds_done=float(row[15]),
                        paced_seconds_planned=float(row[16]),
                        paced_sessions=int(row[17]),
                        unpaced_sets_done=int(row[18]),
                        unpaced_sets_planned=int(row[19]),
                        rest_waited=float(row[20]),
                        rest_sessions=int(row[21]),
                    )
                )
            except (TypeError, ValueError):
                line = visible(f"program {row[0]}: damaged rows of exercise {row[1]!r}, left out")
                if line not in self.problems:
                    self.problems.append(line)
        return done

    def exercise_counts(
        self, *, since: date | None = None, until: date | None = None
    ) -> dict[str, tuple[int, int]]:
        """For each session with exercises, (exercises completed, exercises), counted in
        SQL."""
        where, params = _filters(since=since, until=until, program=None, ids=None)
        with self._reading() as db:
            # One row (a JSON object) rather than one per session: each row Python's sqlite3
            # returns is a tuple made and the interpreter's lock given up and taken back.
            (joined,) = db.execute(
                "SELECT json_group_object(session_id, json_array(done, n)) FROM ("
                "SELECT session_id, total(completed) AS done, count(*) AS n "
                f"FROM session_exercises WHERE session_id IN (SELECT id FROM sessions {where}) "
                "GROUP BY session_id)",
                params,
            ).fetchone()
        return {str(key): (int(done), int(n)) for key, (done, n) in json.loads(joined).items()}

    def completed_days(self) -> list[date]:
        """Every day with a completed session (what streaks are made of)."""
        with self._reading() as db:
            return _completed_days(db)

    def first_day(self, program: str) -> date | None:
        """The local day of ``program``'s first session with an exercise done (a
        protocol's weeks count from it; a start quit at once does not), or None."""
        with self._reading() as db:
            row = db.execute(
                "SELECT min(local_date) FROM sessions WHERE program_id = ? AND (status = "
                "'completed' OR (status = 'partial' AND EXISTS (SELECT 1 FROM "
                "session_exercises AS e WHERE e.session_id = sessions.id AND e.completed = 1)))",
                (program,),
            ).fetchone()
        return _day(row[0]) if row else None

    def completed_on(self, program: str, day: date) -> int:
        """How many sessions of ``program`` were completed on the local day ``day``."""
        with self._reading() as db:
            row = db.execute(
                "SELECT count(*) FROM sessions WHERE program_id = ? AND local_date = ? "
                "AND status = 'completed'",
                (program, day.isoformat()),
            ).fetchone()
        return int(row[0])

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
                DayTotal(date.fromisoformat(row[0]), row[1], row[2], row[3] / 60, row[4])
                for row in db.execute(
                    "SELECT local_date, count(*) FILTER (WHERE status != 'declined'), "
                    "count(*) FILTER (WHERE status = 'completed'), total(active_seconds), "
                    f"count(*) FILTER (WHERE status = 'declined') FROM sessions {where} "
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
                    row[7],
                )
                for row in db.execute(
                    "SELECT program_id, (SELECT program_title FROM sessions AS latest "
                    "WHERE latest.program_id = s.program_id ORDER BY started_at DESC LIMIT 1), "
                    "count(*) FILTER (WHERE status != 'declined'), "
                    "count(*) FILTER (WHERE status = 'completed'), total(active_seconds), "
                    "min(local_date), max(local_date), count(*) FILTER (WHERE status = 'declined') "
                    "FROM sessions AS s "
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
                    f"WHERE s.status != 'declined' {exercise_where} "
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

    # --- sync (coach.history.sync) ------------------------------------------------------------

    _UNJOURNALED = (
        "FROM sessions WHERE computer IS NULL AND status != 'running' "
        "AND journaled_at IS NOT updated_at"
    )

    def unjournaled(self, limit: int = 500) -> list[tuple[SessionRecord, str]]:
        """Up to ``limit`` sessions written here (not running) whose latest version this
        computer's journal does not carry yet, oldest write first; each with its
        ``updated_at`` as stored (for :meth:`mark_journaled`)."""
        with self._reading() as db:
            stored = {
                str(row[0]): str(row[1])
                for row in db.execute(
                    f"SELECT id, updated_at {self._UNJOURNALED} ORDER BY updated_at LIMIT ?",
                    (limit,),
                )
            }
        if not stored:
            return []
        order = {session_id: n for n, session_id in enumerate(stored)}
        records = sorted(self.sessions(ids=list(stored)), key=lambda r: order[r.id])
        return [(record, stored[record.id]) for record in records]

    def count_unjournaled(self) -> int:
        """How many sessions written here this computer's journal lacks."""
        with self._reading() as db:
            return int(db.execute(f"SELECT count(*) {self._UNJOURNALED}").fetchone()[0])

    def mark_journaled(self, written: Iterable[tuple[SessionRecord, str]]) -> int:
        """These versions are in this computer's journal now (a row written again since
        is left to be journaled again); how many rows were marked."""
        pairs = [(stored, record.id, stored) for record, stored in written]

        def work(db: sqlite3.Connection) -> int:
            before = db.total_changes
            db.executemany(
                "UPDATE sessions SET journaled_at = ? WHERE id = ? AND updated_at = ?", pairs
            )
            return db.total_changes - before

        marked: int = self._write(work)
        return marked

    def journal_again(self) -> None:
        """Every session written here is to be appended to this computer's journal again
        (the journal is not the one it wrote)."""
        self._write(
            lambda db: db.execute(
                "UPDATE sessions SET journaled_at = NULL WHERE computer IS NULL "
                "AND journaled_at IS NOT NULL"
            )
        )

    def journal_reads(self) -> dict[str, dict[str, Any]]:
        """How far each other computer's journal has been read, by file name."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT file, computer, name, head, tail, offset, lines, read_at FROM sync_journals"
            ).fetchall()
        return {str(row["file"]): dict(row) for row in rows}

    def note_journal_read(self, read: dict[str, Any]) -> None:
        """Keep how far a journal has been read (``file``, ``computer``, ``name``,
        ``head``, ``tail``, ``offset``, ``lines``)."""

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO sync_journals "
                "(file, computer, name, head, tail, offset, lines, read_at) "
                "VALUES (:file, :computer, :name, :head, :tail, :offset, :lines, :read_at)",
                {**read, "read_at": utc_text(self.now())},
            )

        self._write(work)

    def computers(self) -> dict[str | None, int]:
        """How many sessions each computer's journal gave (None: written here)."""
        with self._reading() as db:
            rows = db.execute("SELECT computer, count(*) FROM sessions GROUP BY computer")
            return {row[0]: int(row[1]) for row in rows}

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
        where, params = _filters(since=since, until=until, program=None, ids=None)
        sql = f"SELECT kind, outcome, count(*) FROM breaks {where} GROUP BY kind, outcome"
        with self._reading() as db:
            rows = db.execute(sql, params).fetchall()
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
            for session_id, line in db.execute(_EXPORT_SQL.replace("{good}", _EXPORTABLE)):
                if line is None:
                    self._problem(session_id, "damaged, or dated where coach cannot: not exported")
                    continue
                if count:
                    out.write(",\n")
                out.write(_importable_line(line))
                count += 1
        out.write("\n]}\n")
        return count

    def merge(
        self, records: Iterable[SessionRecord], *, computer: str | None = None
    ) -> MergeSummary:
        """Add sessions by id, all in one transaction; an id already here is never duplicated.

        A session already here is replaced only by a more finished copy of
        itself (completed beats partial beats running) or, at the same status,
        by one written later (a check-in added on the other computer). An id
        already here for a different session (another program, start, day or
        exercises) is left alone and listed in ``conflicts``. ``records`` may
        be a generator (:func:`iter_export`): it is read once, inside the
        transaction, so an error in it writes nothing.

        ``computer``: the sync id of the computer whose journal the records come
        from (:mod:`coach.history.sync`), kept on each row added or replaced; None
        for an import, whose sessions this computer's journal then carries.
        """

        def work(db: sqlite3.Connection) -> MergeSummary:
            summary = MergeSummary()
            for record in records:
                row = db.execute(
                    "SELECT status, updated_at, program_id, started_at, utc_offset, local_date, "
                    "program_sha256 FROM sessions WHERE id = ?",
                    (record.id,),
                ).fetchone()
                record = replace(record, computer=computer)
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
    """Sessions run (completed or partial); declined starts are not among them."""
    completed: int
    minutes: float
    declined: int = 0
    """Starts declined because of pain."""


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
    declined: int = 0
    """Starts declined because of pain (not among ``sessions``)."""


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
class ExerciseDone:
    """What was done of one exercise of one program in one phase with one load, over some
    sessions (declined ones left out)."""

    program: str
    exercise: str
    name: str
    position: int
    phase: str | None
    load: str | None
    first_day: date
    sessions: int
    """Sessions that included it."""
    completed: int
    """Sessions in which it was completed."""
    skipped: int
    """Sessions in which some of it was skipped."""
    sets_done: int
    sets_planned: int
    reps_done: int
    reps_planned: int
    counts: tuple[int, ...] = ()
    """The count done of a ranged exercise, for each session that recorded one."""
    paced_seconds_done: float = 0.0
    """Seconds of work done (sets done x the duration paced), over the sessions that
    recorded the duration paced (schema 7 on; an exercise timed by ``duration``)."""
    paced_seconds_planned: float = 0.0
    paced_sessions: int = 0
    """How many sessions recorded the duration paced."""
    unpaced_sets_done: int = 0
    """Sets done in the sessions that did not record a duration (older ones, or reps)."""
    unpaced_sets_planned: int = 0
    rest_waited: float = 0.0
    """Seconds taken in its as-needed rests, over the sessions that recorded them."""
    rest_sessions: int = 0


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


def _if_set(key: str, column: str) -> str:
    """SQL for ``,"key":value`` when ``column`` is not NULL, else nothing: a key added to an
    object's text, as to_json leaves a None out (``json_patch`` did it, parsing the object
    again: for each of the 400,000 exercise rows of a 20-year history)."""
    return f"iif({column} IS NULL, '', ',\"{key}\":' || json_quote({column}))"


_EXPORT_SQL = f"""
SELECT id, CASE WHEN {{good}} THEN rtrim(json_object(
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
    -- the last value a text (the note, ending in a quote): rtrim takes off only the brace
    'note', note), '}}')
    || ',"exercises":' || coalesce((
        -- each object's text, its last value a whole number (skipped_steps) so rtrim
        -- takes off only its closing brace, then the keys set
        SELECT '[' || group_concat(rtrim(json_object(
            'exercise', exercise_id, 'name', name,
            'completed', json(iif(completed, 'true', 'false')),
            'sets_done', sets_done, 'sets_planned', sets_planned,
            'reps_done', reps_done, 'reps_planned', reps_planned,
            'skipped_steps', skipped_steps), '}}')
            || {_if_set("load", "load")} || {_if_set("effort", "effort")}
            || {_if_set("done_count", "done_count")}
            || {_if_set("hold_seconds", "hold_seconds")}
            || {_if_set("duration_seconds", "duration_seconds")}
            || {_if_set("rest_waited", "rest_waited")} || '}}', ',') || ']'
        FROM (SELECT * FROM session_exercises WHERE session_id = sessions.id ORDER BY position)
    ), '[]')
    || ',"updated_at":' || json_quote(updated_at)
    || {_if_set("phase", "phase")} || {_if_set("program_hash", "program_hash")}
    || iif(symptoms_before IS NULL AND symptoms_after IS NULL, '',
           ',"symptoms":' || json_object('before', json(coalesce(symptoms_before, '{{}}')),
                                         'after', json(coalesce(symptoms_after, '{{}}'))))
    || {_if_set("next_day", "next_day")} || '}}' END
FROM sessions ORDER BY started_at, id
"""
"""Each session's id and JSON line, or NULL for one that fails ``{good}`` (the test a row
must pass to be written): one pass, for the test reads each session's exercises too."""


_TEXT_COLUMNS = ("id", "program_id", "program_title", "program_version", "program_sha256", "note")
_COUNT_COLUMNS = ("sets_done", "sets_planned", "reps_done", "reps_planned", "skipped_steps")
_EXPORTABLE = (
    f"coalesce({_GOOD_DAY} "
    + "".join(f"AND typeof({column}) = 'text' " for column in _TEXT_COLUMNS)
    + "AND typeof(stop_reason) IN ('text', 'null') AND typeof(phase) IN ('text', 'null') "
    "AND typeof(program_hash) IN ('text', 'null') "
    + "".join(
        f"AND ({column} IS NULL OR (json_valid({column}) AND json_type({column}) = 'object')) "
        for column in ("symptoms_before", "symptoms_after")
    )
    + "AND (next_day IS NULL OR next_day IN ('better', 'same', 'worse')) "
    "AND typeof(utc_offset) = 'integer' AND abs(utc_offset) <= 64800 "
    "AND typeof(skipped_steps) = 'integer' AND skipped_steps >= 0 "
    "AND julianday(updated_at) IS NOT NULL "
    "AND (ended_at IS NULL OR julianday(ended_at) IS NOT NULL) "
    "AND NOT EXISTS (SELECT 1 FROM session_exercises AS e WHERE e.session_id = sessions.id "
    "AND NOT (typeof(e.exercise_id) = 'text' AND typeof(e.name) = 'text' "
    "AND typeof(e.load) IN ('text', 'null') AND typeof(e.effort) IN ('text', 'null') "
    "AND (e.done_count IS NULL OR (typeof(e.done_count) = 'integer' AND e.done_count >= 0)) "
    + "".join(
        f"AND (e.{column} IS NULL OR (typeof(e.{column}) IN ('integer', 'real') "
        f"AND e.{column} BETWEEN 0 AND {MAX_ACTIVE_SECONDS})) "
        for column in ("hold_seconds", "duration_seconds", "rest_waited")
    )
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
    if first_unsafe(line) is None and _ESCAPED_CONTROL.search(line) is None:
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


_RANK = {"running": 0, "partial": 1, "completed": 2, "declined": 2}


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
        f"({', '.join('?' for _ in range(29))})",
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
            None if record.phase is None else visible(record.phase),
            record.program_hash,
            _symptoms_text(record.symptoms_before),
            _symptoms_text(record.symptoms_after),
            record.next_day,
            record.computer,
        ),
    )
    db.executemany(
        f"INSERT INTO session_exercises ({_EXERCISE_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                None if exercise.load is None else visible(exercise.load),
                None if exercise.effort is None else visible(exercise.effort),
                exercise.done_count,
                exercise.hold_seconds,
                exercise.duration_seconds,
                exercise.rest_waited,
            )
            for exercise in record.exercises
        ],
    )


def _symptoms_text(ratings: dict[str, int] | None) -> str | None:
    return None if ratings is None else json.dumps(ratings, sort_keys=True)


def first_session_day(folder: Path, program: str) -> date | None:
    """:meth:`HistoryStore.first_day` of the history in ``folder``, or None without one.

    Only read, never created: a plan or a run's dose leaves no history behind.
    """
    if not (folder / DB_NAME).is_file():
        return None
    try:
        with HistoryStore.in_folder(folder) as store:
            return store.first_day(program)
    except (HistoryError, OSError):
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off, for work that makes many objects and no garbage
    in a cycle: reading the history into records.

    Reading makes tens of thousands of objects and no reference cycle; the collector,
    woken by every 700 of them, walked the growing list again and again (three to seven
    full passes over a 20-year history, a quarter of the time ``sessions`` took). It is
    process-wide: another thread reading meanwhile leaves it as it found it, and it is
    switched back on only by whoever switched it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _plain_rows(
    db: sqlite3.Connection, query: str, params: Sequence[Any]
) -> list[tuple[tuple[Any, ...], bool]] | None:
    """The rows of ``query`` as plain tuples, with SQLite's own UTF-8 decoding (each
    marked not garbled), or None when some text is not UTF-8 (then the caller reads them
    with the counting ``_TextCells``). The store's decoder is Python called for every
    text cell: all 58,400 sessions of a 20-year history read in 0.74-0.90 of the time
    this way."""
    cells = db.text_factory
    db.text_factory = str
    try:
        cursor = db.cursor()
        cursor.row_factory = None
        return [(row, False) for row in cursor.execute(query, params).fetchall()]
    except sqlite3.OperationalError as error:
        if str(error).startswith("Could not decode to UTF-8"):
            return None
        raise
    finally:
        db.text_factory = cells


def _completed_days(db: sqlite3.Connection) -> list[date]:
    """Every day with a completed session (what streaks are made of).

    One row, the days joined by spaces, rather than a row per day: a 20-year
    history has 7,300 of them, and Python's sqlite3 takes its lock back for each
    row, which costs most when another thread (the app's) is busy. A day not
    written ``YYYY-MM-DD`` (a damaged row) is left out, as ``_GOOD_DAY`` leaves
    it out; ``LIMIT -1`` keeps SQLite from testing that on each of the 58,400
    sessions rather than on the 7,300 days.
    """
    (joined,) = db.execute(
        "SELECT group_concat(day, ' ') FROM (SELECT DISTINCT local_date AS day FROM sessions "
        "WHERE status = 'completed' ORDER BY day LIMIT -1) WHERE date(day) IS day"
    ).fetchone()
    return _days(joined.split(" ") if joined else [])


def _day(text: Any) -> date | None:
    """``text`` as a day coach handles, or None."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return day if EARLIEST <= day <= LATEST else None


def _days(texts: Iterable[Any]) -> list[date]:
    """The days among ``texts`` that are dates coach handles (others are left out)."""
    return [day for day in map(_day, texts) if day is not None]


def _exercise_from_row(row: tuple[Any, ...]) -> ExerciseRecord:
    """An exercise from its row; TypeError or ValueError for a damaged one."""
    sets_done, sets_planned, reps_done, reps_planned, skipped = (
        _stored_count(value) for value in row[5:10]
    )
    if not isinstance(row[2], str) or not isinstance(row[3], str) or not isinstance(row[1], int):
        raise TypeError("not an exercise row")
    load, effort, done_count = row[10], row[11], row[12]
    if not isinstance(load, str | None) or not isinstance(effort, str | None):
        raise TypeError("not an exercise row")
    if done_count is not None:
        done_count = _stored_count(done_count)
    hold, duration, waited = (_stored_seconds(value) for value in row[13:16])
    return ExerciseRecord(
        row[2],
        row[3],
        row[1],
        bool(row[4]),
        sets_done,
        sets_planned,
        reps_done,
        reps_planned,
        skipped,
        load=load,
        effort=effort,
        done_count=done_count,
        hold_seconds=hold,
        duration_seconds=duration,
        rest_waited=waited,
    )


def _stored_seconds(value: Any) -> float | None:
    """A stored length in seconds (None stays None); ValueError for a damaged one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not an exercise row")
    if not 0 <= value <= MAX_ACTIVE_SECONDS:
        raise ValueError("not an exercise row")
    return float(value)


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


def _session_from_row(row: Sequence[Any], exercises: list[ExerciseRecord]) -> SessionRecord:
    """A session from its row (:data:`_SESSION_COLUMNS`, in order); ValueError or TypeError
    (naming the field) for a damaged one.

    The row is unpacked by position: a ``sqlite3.Row`` looks a name up by comparing it,
    ignoring case, with each column before it, and 29 columns looked up by name took a
    third of the time of reading a 20-year history.
    """
    (
        session_id, program, title, version, sha256, started_at, ended_at, utc_offset,
        local_date, status, stop_reason, active_seconds, planned_seconds, skipped_steps,
        per_day, per_week, stop_above, pain_before, pain_after, note, host, pid, updated_at,
        phase, program_hash, symptoms_before, symptoms_after, next_day, computer,
    ) = row  # fmt: skip
    texts = (session_id, program, title, version, sha256, note)
    for key, value in zip(_TEXT_COLUMNS, texts, strict=True):
        if not isinstance(value, str):
            raise ValueError(f"{key} {value!r} is not text")
    if status not in _RANK:
        raise ValueError(f"status {status!r} is not one coach writes")
    if isinstance(utc_offset, bool) or not isinstance(utc_offset, int):
        raise ValueError(f"utc_offset {utc_offset!r} is not a whole number")
    if abs(utc_offset) > 18 * 3600:
        raise ValueError(f"utc_offset {utc_offset!r} is not a UTC offset")
    day = _day(local_date)
    if day is None:
        raise ValueError(
            f"local_date {visible(str(local_date), newlines=False)!r} is not a day "
            f"from {EARLIEST} to {LATEST}"
        )
    started = _stored_time(started_at, "started_at")
    ended = None if ended_at is None else _stored_time(ended_at, "ended_at")
    if ended is not None:
        ended = min(max(ended, started), started + timedelta(seconds=MAX_ELAPSED_SECONDS))
    return SessionRecord(
        id=session_id,
        program=program,
        title=title,
        program_version=version,
        program_sha256=sha256,
        started_at=started,
        ended_at=ended,
        utc_offset=utc_offset,
        local_date=day,
        status=status,
        stop_reason=None if stop_reason is None else str(stop_reason),
        active_seconds=_stored_number(active_seconds, "active_seconds", MAX_ACTIVE_SECONDS),
        planned_seconds=_stored_number(planned_seconds, "planned_seconds", MAX_PLANNED_SECONDS),
        skipped_steps=_stored_count(skipped_steps),
        per_day=_stored_optional_int(per_day, "per_day", 1, MAX_COUNT),
        per_week=_stored_optional_int(per_week, "per_week", 1, MAX_COUNT),
        stop_above=_stored_optional_int(stop_above, "stop_above", 0, MAX_COUNT),
        pain_before=_stored_optional_int(pain_before, "pain_before", 0, 10),
        pain_after=_stored_optional_int(pain_after, "pain_after", 0, 10),
        note=note,
        host=str(host),
        pid=pid if isinstance(pid, int) else None,
        updated_at=_stored_time(updated_at, "updated_at"),
        exercises=exercises,
        phase=_stored_phase(phase),
        program_hash=_stored_hash(program_hash),
        symptoms_before=_stored_symptoms(symptoms_before, "symptoms_before"),
        symptoms_after=_stored_symptoms(symptoms_after, "symptoms_after"),
        next_day=_stored_next_day(next_day),
        computer=computer if isinstance(computer, str) else None,
    )


def _stored_symptoms(value: Any, what: str) -> dict[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not JSON")
    ratings = json.loads(value)
    if not isinstance(ratings, dict):
        raise ValueError(f"{what} is not a JSON object")
    return check_symptoms(ratings, what)


def _stored_next_day(value: Any) -> NextDay | None:
    if value is None or value in NEXT_DAY_ANSWERS:
        return value  # type: ignore[no-any-return]
    raise ValueError(f"next_day {value!r} is not better, same or worse")


def _stored_hash(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"program_hash {value!r} is not text")
    return value


def _stored_phase(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"phase {value!r} is not text")
    return value


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
    programs: dict[str, tuple[int, int, date | None]] = field(default_factory=dict)
    """For each program with a session: (completed today, completed this week
    (Monday to today), its first day with anything done), for what is due today."""


_PROGRAM_COUNTS = """
WITH RECURSIVE ids(id) AS (
    SELECT min(program_id) FROM sessions
    UNION ALL
    SELECT (SELECT min(program_id) FROM sessions WHERE program_id > ids.id)
    FROM ids WHERE ids.id IS NOT NULL
)
SELECT
    id,
    (SELECT count(*) FROM sessions WHERE program_id = ids.id AND local_date = :today
        AND status = 'completed'),
    (SELECT count(*) FROM sessions WHERE program_id = ids.id
        AND local_date BETWEEN :monday AND :today AND status = 'completed'),
    (SELECT local_date FROM sessions WHERE program_id = ids.id AND local_date IS NOT NULL
        AND status IN ('completed', 'partial') ORDER BY local_date LIMIT 1)
FROM ids WHERE id IS NOT NULL
"""
"""For each program with a session: completed today, completed from Monday to today, and
its first day with a completed or partial session. The program ids are found by skipping
through an index on ``program_id`` (one seek per program) and each number is a search
of one program's days in ``sessions_by_program``, so a 20-year history costs about what
a new one does (0.2 ms), where one GROUP BY over every session took 100 ms
(docs/benchmarks.md)."""


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
        days = _completed_days(db)
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
        monday = today - timedelta(days=today.weekday())
        programs: dict[str, tuple[int, int, date | None]] = {}
        for program, on_day, in_week, first in db.execute(
            _PROGRAM_COUNTS, {"today": today.isoformat(), "monday": monday.isoformat()}
        ):
            if isinstance(program, str):
                programs[program] = (int(on_day), int(in_week), _day(first))
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
    return StatusRows(days, done, seconds, last, state, programs)


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
        _check_schema(path, db, version)
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
                    f"SELECT {_session_columns_in(db)} FROM sessions WHERE rowid = ?", (rowid,)
                ).fetchone()
                exercises = [
                    _exercise_from_row(tuple(found))
                    for found in db.execute(
                        f"SELECT {_exercise_columns_in(db)} FROM session_exercises "
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
