"""Damaged and corrupt histories: every command says so once, clearly, and never hangs.

Each variant is built on a real history of three sessions, then every command
runs on it as a subprocess with a timeout: a corrupt database gives exit
status 1 or 2, one message and no traceback; a damaged row is named while the
other sessions are still shown.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from coach.history.store import DB_NAME, HistoryStore
from tests.helpers import quick_program, record, run_env

pytestmark = pytest.mark.e2e  # real processes in real time

Variant = Callable[[Path], None]


def _good(data: Path) -> Path:
    """A history of three sessions, checkpointed (no -wal left), in ``data``."""
    with HistoryStore.in_folder(data) as store:
        for name in ("a", "b", "c"):
            store.save(record(name, started=record(name).started_at))
    path = data / DB_NAME
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    return path


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as out:
        out.seek(offset)
        out.write(data)


def _sql(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.close()


def truncated(data: Path) -> None:
    path = _good(data)
    os.truncate(path, 3000)


def random_pages(data: Path) -> None:
    path = _good(data)
    _overwrite(path, 4096, random.Random(1).randbytes(path.stat().st_size - 4096))


def zero_header(data: Path) -> None:
    _overwrite(_good(data), 0, bytes(100))


def random_file(data: Path) -> None:
    data.mkdir(parents=True)
    (data / DB_NAME).write_bytes(random.Random(2).randbytes(20_000))


def text_file(data: Path) -> None:
    data.mkdir(parents=True)
    (data / DB_NAME).write_text("these are my notes, not a database\n" * 200)


def bad_page_size(data: Path) -> None:
    _overwrite(_good(data), 16, b"\x00\x03")


def missing_table(data: Path) -> None:
    _sql(_good(data), "DROP TABLE session_exercises")


def missing_column(data: Path) -> None:
    _sql(_good(data), "ALTER TABLE sessions DROP COLUMN note")


def wrong_shape(data: Path) -> None:
    data.mkdir(parents=True)
    _sql(data / DB_NAME, "CREATE TABLE sessions (x)", "INSERT INTO sessions VALUES (1)")


def future_version(data: Path) -> None:
    _sql(_good(data), "PRAGMA user_version = 99")


def a_folder(data: Path) -> None:
    (data / DB_NAME).mkdir(parents=True)


def a_fifo(data: Path) -> None:
    data.mkdir(parents=True)
    os.mkfifo(data / DB_NAME)


def a_link(data: Path) -> None:
    target = _good(data.parent / "elsewhere")
    data.mkdir(parents=True)
    (data / DB_NAME).symlink_to(target)


def wal_a_link(data: Path) -> None:
    path = _good(data)
    (data.parent / "precious").write_text("keep me")
    path.with_name(DB_NAME + "-wal").symlink_to(data.parent / "precious")


CORRUPT: dict[str, Variant] = {
    "truncated": truncated,
    "random-pages": random_pages,
    "zero-header": zero_header,
    "random-file": random_file,
    "text-file": text_file,
    "bad-page-size": bad_page_size,
    "missing-table": missing_table,
    "missing-column": missing_column,
    "wrong-shape": wrong_shape,
    "future-version": future_version,
    "a-folder": a_folder,
    "a-fifo": a_fifo,
    "a-link": a_link,
    "wal-a-link": wal_a_link,
}
"""Databases no command can use: each gets one message and exit status 1 or 2."""


def garbled_note(data: Path) -> None:
    _sql(_good(data), "UPDATE sessions SET note = CAST(x'ff41' AS TEXT) WHERE id = 'b'")


def garbled_title_blob(data: Path) -> None:
    _sql(_good(data), "UPDATE sessions SET program_title = x'fffe' WHERE id = 'b'")


def year_9999(data: Path) -> None:
    _sql(
        _good(data),
        "UPDATE sessions SET started_at = '9999-12-31T23:30:00.000Z', "
        "local_date = '9999-12-31', ended_at = '9999-12-31T23:59:59.000Z' WHERE id = 'b'",
    )


def garbage_time(data: Path) -> None:
    _sql(_good(data), "UPDATE sessions SET started_at = 'yesterday' WHERE id = 'b'")


def text_offset(data: Path) -> None:
    _sql(_good(data), "UPDATE sessions SET utc_offset = 'east' WHERE id = 'b'")


def text_count(data: Path) -> None:
    _sql(_good(data), "UPDATE session_exercises SET sets_done = 'lots' WHERE session_id = 'b'")


def text_hold(data: Path) -> None:
    _sql(_good(data), "UPDATE session_exercises SET hold_seconds = 'long' WHERE session_id = 'b'")


def garbage_wal(data: Path) -> None:
    path = _good(data)
    path.with_name(DB_NAME + "-wal").write_bytes(random.Random(3).randbytes(50_000))


DAMAGED_ROW: dict[str, Variant] = {
    "garbled-note": garbled_note,
    "garbled-title-blob": garbled_title_blob,
    "year-9999": year_9999,
    "garbage-time": garbage_time,
    "text-offset": text_offset,
    "text-count": text_count,
    "text-hold": text_hold,
    "garbage-wal": garbage_wal,
}
"""Histories with one bad row (or a WAL SQLite ignores): the rest still shows."""

TIMEOUT = 60


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    program = quick_program(tmp_path, exercises=1)
    good = tmp_path / "good-export.json"
    with HistoryStore.in_folder(tmp_path / "other") as store:
        store.save(record("z"))
        with open(good, "w", encoding="utf-8") as out:
            store.write_export(out)
    return {
        "status": ["status"],
        "status-json": ["status", "--json"],
        "history": ["history"],
        "export": ["export", str(tmp_path / "out.json")],
        "import": ["import", str(good)],
        "report": ["report", "--since", "all"],
        "run": ["run", str(program), "--headless", "--quiet"],
        "doctor": ["doctor"],
        "remind": ["remind", "--once", "--no-notify", "--no-bell"],
    }


def _run_all(
    data: Path, commands: dict[str, list[str]]
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command at once (most of the time is waiting), each with a timeout."""
    env = run_env(data)
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "coach", *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in commands.items()
    }
    done = {}
    for name, process in running.items():
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"coach {' '.join(commands[name])} hung")
        done[name] = subprocess.CompletedProcess(commands[name], process.returncode, out, err)
    return done


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A history held by another process's exclusive transaction for the whole test."""
    data = tmp_path / "data"
    path = _good(data)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "db.execute(\"UPDATE sessions SET note = 'held'\")\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
    yield data
    holder.kill()
    holder.wait()


def _one_message(result: subprocess.CompletedProcess[str]) -> str:
    said = [line for line in result.stderr.splitlines() if line.startswith("coach")]
    assert len(said) == 1, result.stderr
    return said[0]


def _check_refused(name: str, result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, (name, result.stderr)
    assert result.returncode in (1, 2), (name, result.returncode, result.stdout, result.stderr)
    if name == "doctor":
        assert "missing history:" in result.stdout, result.stdout
    else:
        _one_message(result)


@pytest.mark.parametrize("variant", sorted(CORRUPT))
def test_a_corrupt_history_gives_one_message_from_every_command(
    tmp_path: Path, variant: str
) -> None:
    data = tmp_path / "data"
    CORRUPT[variant](data)
    for name, result in _run_all(data, _commands(tmp_path)).items():
        _check_refused(name, result)
    if variant in ("truncated", "random-pages", "zero-header", "random-file", "text-file"):
        assert "coach doctor --salvage" in _one_message(_run_all(data, {"s": ["status"]})["s"])
    if variant == "wal-a-link":
        assert (tmp_path / "precious").read_text() == "keep me"


def test_a_locked_history_times_out_with_a_message(tmp_path: Path, locked: Path) -> None:
    commands = _commands(tmp_path)
    del commands["doctor"]  # it reports the check (and exits 1) as the others do
    for name, result in _run_all(locked, commands).items():
        _check_refused(name, result)
        assert "busy" in result.stderr, (name, result.stderr)


@pytest.mark.parametrize("variant", sorted(DAMAGED_ROW))
def test_a_damaged_row_is_named_and_the_others_still_shown(tmp_path: Path, variant: str) -> None:
    data = tmp_path / "data"
    DAMAGED_ROW[variant](data)
    commands = _commands(tmp_path)
    del commands["remind"]  # waits for a break: it has nothing to say about rows
    results = _run_all(data, commands)
    for name, result in results.items():
        assert "Traceback" not in result.stderr + result.stdout, (name, result.stderr)
        assert result.returncode in (0, 1), (name, result.returncode, result.stderr)
    table = results["history"].stdout
    assert sum(line.startswith("2026-11-20") for line in table.splitlines()) >= 2, table
    if variant != "garbage-wal":
        assert "session b" in results["history"].stderr, results["history"].stderr
        assert results["history"].returncode == 1
    assert results["status"].returncode == 0, results["status"].stderr
    # What export wrote, import takes back.
    again = subprocess.run(
        [sys.executable, "-m", "coach", "import", str(tmp_path / "out.json")],
        env=run_env(tmp_path / "fresh"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert again.returncode == 0, again.stderr


def test_doctor_salvages_what_is_readable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    garbage_time(data)
    target = tmp_path / "saved.json"
    result = subprocess.run(
        [sys.executable, "-m", "coach", "doctor", "--salvage", str(target)],
        env=run_env(data),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert "salvaged 2 sessions" in result.stdout and "session b" in result.stdout
    assert target.stat().st_mode & 0o777 == 0o600
    check = subprocess.run(
        [sys.executable, "-m", "coach", "doctor", "--check-history"],
        env=run_env(data),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert check.returncode == 1 and "session b" in check.stdout, check.stdout


def test_completed_days_leave_out_days_not_written_as_dates(tmp_path: Path) -> None:
    # The days are read as one row joined by spaces: a damaged day holding a space,
    # another form of date, or a number must not turn into days of its own.
    from datetime import date

    store = HistoryStore(tmp_path / DB_NAME)
    for n, day in enumerate((date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23))):
        store.save(record(f"s{n}", day=day))
    store.save(record("declined", day=date(2026, 11, 22), status="declined"))
    for n in range(4):
        store.save(record(f"bad{n}", day=date(2026, 11, 24)))
    store.close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        for n, text in enumerate(("2026-11-01 2026-11-02", "20261103", 20261104, "2026-02-30")):
            db.execute("UPDATE sessions SET local_date = ? WHERE id = ?", (text, f"bad{n}"))
    db.close()
    with HistoryStore(tmp_path / DB_NAME) as store:
        assert sorted(store.completed_days()) == [
            date(2026, 11, 20),
            date(2026, 11, 21),
            date(2026, 11, 23),
        ]
