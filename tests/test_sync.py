"""Sync through a shared folder: each computer's own journal, read into the others'."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.history.calendar import streaks
from coach.history.records import SessionRecord
from coach.history.store import HistoryStore
from coach.history.sync import Computer, Sync, SyncError, this_computer
from tests.helpers import T0, history_with, record, run_env


class Place:
    """One computer: its own data folder and history, and the shared folder."""

    def __init__(self, root: Path, name: str, shared: Path, ident: str) -> None:
        self.data = root / name
        ticks = iter(range(10**6))  # each write a second after the one before, anywhere
        self.store = HistoryStore.in_folder(
            self.data, now=lambda: T0 + timedelta(days=30, seconds=next(ticks) + _shift(name))
        )
        self.computer = Computer(ident, name)
        self.sync = Sync(self.store, shared, self.computer)

    def ids(self) -> list[str]:
        return [s.id for s in self.store.sessions()]


def _shift(name: str) -> int:
    return {"laptop": 0, "desktop": 100_000, "practice": 200_000}[name]


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


def places(tmp_path: Path, shared: Path, count: int) -> list[Place]:
    return [
        Place(tmp_path, name, shared, f"{n:012x}")
        for n, name in enumerate(["laptop", "desktop", "practice"][:count], start=1)
    ]


def _day(n: int) -> date:
    return date(2026, 11, 20) + timedelta(days=n)


def _session(session_id: str, n: int) -> SessionRecord:
    return record(session_id, day=_day(n), started=T0 + timedelta(days=n))


def test_sessions_on_each_of_three_computers_appear_on_all(tmp_path: Path, shared: Path) -> None:
    laptop, desktop, practice = places(tmp_path, shared, 3)
    laptop.store.save(_session("a", 0))
    desktop.store.save(_session("b", 1))
    practice.store.save(_session("c", 2))
    for place in (laptop, desktop, practice):
        place.sync.run()
    for place in (laptop, desktop, practice):
        result = place.sync.run()
        assert result.warnings == []
    assert laptop.ids() == desktop.ids() == practice.ids() == ["a", "b", "c"]
    assert sorted(os.listdir(shared)) == [f"coach-{n:012x}.jsonl" for n in (1, 2, 3)]
    # The streak agrees everywhere: three days in a row.
    for place in (laptop, desktop, practice):
        assert streaks(place.store.completed_days(), _day(2)).current == 3
    # Each knows where each session came from.
    got = {s.id: (s.computer, s.host) for s in desktop.store.sessions()}
    assert got["b"][0] is None and got["a"][0] == laptop.computer.id


def test_syncing_again_adds_nothing_twice_and_writes_nothing_new(
    tmp_path: Path, shared: Path
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    assert laptop.sync.run().written == 1
    first = desktop.sync.run()
    assert (first.added, first.written) == (1, 0)
    again = desktop.sync.run()
    assert (again.added, again.updated, again.written) == (0, 0, 0)
    assert laptop.sync.run().written == 0
    journal = shared / laptop.computer.journal
    assert len(journal.read_text().splitlines()) == 2  # the header and one session


def test_an_answer_given_on_another_computer_travels_back(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    desktop.sync.run()
    (copy,) = desktop.store.sessions()
    desktop.store.save(replace(copy, next_day="worse"))  # the next-day question, asked there
    assert desktop.sync.run().written == 1  # written there: its journal carries it now
    result = laptop.sync.run()
    assert result.updated == 1
    (back,) = laptop.store.sessions()
    assert back.next_day == "worse"


def test_a_cut_off_last_line_is_read_when_it_is_whole(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.store.save(_session("b", 1))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    whole = journal.read_bytes()
    journal.write_bytes(whole[:-40])  # the sync tool has copied most of it
    result = desktop.sync.run()
    assert result.added == 1 and result.warnings == []
    assert desktop.ids() == ["a"]
    journal.write_bytes(whole)  # the rest arrives
    assert desktop.sync.run().added == 1
    assert desktop.ids() == ["a", "b"]


def test_a_journal_replaced_by_a_longer_copy_is_read_from_where_it_was_left(
    tmp_path: Path, shared: Path
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    desktop.sync.run()
    laptop.store.save(_session("b", 1))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    copy = journal.with_name(".incoming")
    shutil.copy(journal, copy)
    os.replace(copy, journal)  # as Syncthing does: a new file, renamed over the old
    before = desktop.store.journal_reads()[journal.name]
    result = desktop.sync.run()
    assert (result.added, result.updated, result.read) == (1, 0, 1)  # b alone was read
    after = desktop.store.journal_reads()[journal.name]
    assert after["lines"] == before["lines"] + 1 == 2  # only the new line was read


def test_conflict_copies_are_merged_like_journals(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    for copy in (
        f"coach-{laptop.computer.id}.sync-conflict-20261203-101010-ABCDEFG.jsonl",
        f"coach-{laptop.computer.id} (conflicted copy 2026-12-03).jsonl",
        f"coach-{laptop.computer.id}.jsonl~",
    ):
        text = journal.read_text()
        (shared / copy).write_text(text)
    journal.unlink()
    laptop.store.save(_session("b", 1))
    laptop.sync.run()  # its journal gone, a new one holds a and b again
    result = desktop.sync.run()
    assert result.journals == 4 and result.added == 2
    assert desktop.ids() == ["a", "b"]


def test_a_journal_from_a_newer_coach_is_skipped_with_a_warning(
    tmp_path: Path, shared: Path
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    lines = journal.read_text().splitlines()
    header = json.loads(lines[0])
    header["version"] = 2
    journal.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    result = desktop.sync.run()
    assert result.added == 0
    assert result.warnings == [
        f"{journal.name}: written by a newer coach (journal version 2); skipped until this "
        "coach is upgraded"
    ]


def test_a_damaged_line_is_left_out_and_named(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.store.save(_session("b", 1))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    header, first, second = journal.read_text().splitlines()
    journal.write_text("\n".join([header, first.replace('"status"', '"state"'), second]) + "\n")
    result = desktop.sync.run()
    assert desktop.ids() == ["b"]
    (warning,) = result.warnings
    assert warning.startswith(f"{journal.name}: the line at byte {len(header) + 1}: ")
    assert "status" in warning


def test_a_copied_data_folder_takes_a_computer_id_of_its_own(tmp_path: Path) -> None:
    home = tmp_path / "home" / "data"
    home.mkdir(parents=True)
    first, warned = this_computer(home)
    assert warned is None and this_computer(home) == (first, None)
    copied = tmp_path / "copy" / "data"
    shutil.copytree(home, copied)  # a home folder copied to a new machine (or place)
    second, warning = this_computer(copied)
    assert second.id != first.id
    assert warning is not None and "copied from" in warning and str(home) in warning
    assert this_computer(copied) == (second, None)  # said once; it is its own now


def test_a_missing_sync_folder_is_a_clear_error(tmp_path: Path) -> None:
    store = history_with(tmp_path / "data")
    sync = Sync(store, tmp_path / "nowhere", Computer("0" * 12, "x"))
    with pytest.raises(SyncError, match="does not exist"):
        sync.run()


def test_a_crash_mid_write_leaves_a_cut_line_that_the_next_write_mends(
    tmp_path: Path, shared: Path
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    laptop.store.save(_session("b", 1))
    ((unwritten, _),) = laptop.store.unjournaled()
    with journal.open("a") as out:  # the process died half-way through b's line
        out.write(json.dumps(unwritten.to_json())[:50])
    desktop.sync.run()
    assert desktop.ids() == ["a"]  # the cut line waits
    assert laptop.sync.run().written == 1  # b again, whole, after the cut is taken away
    assert all(json.loads(line) for line in journal.read_text().splitlines())
    desktop.sync.run()
    assert desktop.ids() == ["a", "b"]


def test_a_kill_during_a_journal_write_loses_nothing_recorded(tmp_path: Path, shared: Path) -> None:
    """kill -9 while a large journal is being written: the history is whole, and the
    next sync writes what was missing."""
    data = tmp_path / "data"
    store = history_with(data, *[_session(f"s{n:05d}", n % 300) for n in range(3000)])
    store.close()
    script = (
        "import sys; from pathlib import Path\n"
        "from coach.history.store import HistoryStore\n"
        "from coach.history.sync import Sync, Computer\n"
        "store = HistoryStore.in_folder(Path(sys.argv[1]))\n"
        "print('ready', flush=True)\n"
        "Sync(store, Path(sys.argv[2]), Computer('a' * 12, 'x')).run()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(data), str(shared)],
        stdout=subprocess.PIPE,
        text=True,
        env=run_env(data),
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    journal = shared / f"coach-{'a' * 12}.jsonl"
    while not journal.exists() or journal.stat().st_size < 2000:
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    with HistoryStore.in_folder(data) as again:
        assert again.count() == 3000
        Sync(again, shared, Computer("a" * 12, "x")).run()
        assert again.unjournaled() == []
    reader = history_with(tmp_path / "other")
    Sync(reader, shared, Computer("b" * 12, "y")).run()
    assert reader.count() == 3000


def _reports() -> tuple[list[Any], Any, Callable[[Any], None]]:
    """What a SyncLoop reports, and a semaphore released at each report."""
    import threading

    seen: list[Any] = []
    arrived = threading.Semaphore(0)

    def report(outcome: Any) -> None:
        seen.append(outcome)
        arrived.release()

    return seen, arrived, report


# --------------------------------------------------------------------------- the command


def _coach(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env={
            **run_env(data),
            "COACH_CONFIG_FILE": str(data.parent / f"{data.name}.toml"),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sync_init_now_and_status(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    history_with(laptop, _session("a", 0)).close()
    not_yet = _coach(laptop, "sync", "now")
    assert not_yet.returncode == 1 and "coach sync init FOLDER" in not_yet.stderr
    init = _coach(laptop, "sync", "init", str(shared))
    assert init.returncode == 0, init.stderr
    assert f"set history.sync_dir = {shared}" in init.stdout
    assert "wrote 1 session(s)" in init.stdout
    assert _coach(desktop, "sync", "init", str(shared)).returncode == 0
    status = _coach(desktop, "sync", "status", "--json")
    data = json.loads(status.stdout)
    assert data["folder"] == str(shared) and data["sessions_by_computer"] != {}
    (other,) = [j for j in data["journals"] if j["file"] != data["journal"]]
    assert other["lines"] == 1 and other["waiting"] == 0
    plain = _coach(desktop, "sync", "status")
    assert "1 session line(s) read" in plain.stdout
    history = json.loads(_coach(desktop, "history", "--format", "json").stdout)
    assert [s["id"] for s in history] == ["a"]
    laptop_id = json.loads(_coach(laptop, "sync", "status", "--json").stdout)["computer"]
    assert history[0]["computer"] == laptop_id  # whose journal it came from
    table = _coach(desktop, "history").stdout
    assert "COMPUTER" in table.splitlines()[0] and laptop_id in table
    assert "COMPUTER" not in _coach(laptop, "history").stdout  # all done here: no column


def test_sync_init_refuses_a_folder_that_holds_the_history(tmp_path: Path) -> None:
    data = tmp_path / "Sync" / "coach-data"
    history_with(data).close()
    refused = _coach(data, "sync", "init", str(tmp_path / "Sync"))
    assert refused.returncode == 1
    assert "a sync tool copying a live SQLite database corrupts it" in refused.stderr
    missing = _coach(data, "sync", "init", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "is not a folder" in missing.stderr


def test_a_headless_session_is_synced_once_it_is_recorded(tmp_path: Path, shared: Path) -> None:
    program = tmp_path / "tiny.toml"
    program.write_text(
        'schema_version = 1\n[program]\nid = "tiny"\ntitle = "Tiny"\nprep = 0\n'
        '[[exercise]]\nid = "a"\nname = "A"\nduration = 0.1\n'
    )
    data = tmp_path / "data"
    ran = _coach(
        data, "run", str(program), "--headless", env={"COACH_HISTORY__SYNC_DIR": str(shared)}
    )
    assert ran.returncode == 0, ran.stderr
    (journal,) = shared.iterdir()
    header, line = journal.read_text().splitlines()
    assert json.loads(line)["program"] == "tiny" and json.loads(header)["format"] == "coach-journal"
    gone = _coach(
        data,
        "run",
        str(program),
        "--headless",
        env={"COACH_HISTORY__SYNC_DIR": str(tmp_path / "gone")},
    )
    assert gone.returncode == 0  # recorded all the same
    assert "the session is recorded here, not synced" in gone.stderr


def test_the_sync_loop_syncs_at_once_and_when_poked(tmp_path: Path, shared: Path) -> None:

    from coach.history.sync import SyncLoop, SyncResult

    data = tmp_path / "data"
    history_with(data, _session("a", 0)).close()
    seen, arrived, report = _reports()

    loop = SyncLoop(data, shared, report, every=3600).start()
    try:
        assert arrived.acquire(timeout=30)
        first = seen[0]
        assert isinstance(first, SyncResult) and first.written == 1
        with HistoryStore.in_folder(data) as store:
            store.save(_session("b", 1))
        loop.poke()  # a session was recorded
        assert arrived.acquire(timeout=30)
        second = seen[1]
        assert isinstance(second, SyncResult) and second.written == 1
    finally:
        loop.stop()
    broken = SyncLoop(data, tmp_path / "gone", report, every=3600).start()
    try:
        assert arrived.acquire(timeout=30)
        assert isinstance(seen[2], str) and "does not exist" in seen[2]
    finally:
        broken.stop()


def test_a_long_sync_says_how_far_it_has_gone(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.history import sync

    monkeypatch.setattr(sync, "_CHUNK_LINES", 2)  # as 2,000 are for years of sessions
    laptop, desktop = places(tmp_path, shared, 2)
    for n in range(5):
        laptop.store.save(_session(f"s{n}", n))
    said: list[str] = []
    laptop.sync.progress = said.append
    laptop.sync.run()
    assert said == [f"writing {laptop.computer.journal}: {n:,} sessions" for n in (2, 4, 5)]
    heard: list[str] = []
    desktop.sync.progress = heard.append
    assert desktop.sync.run().added == 5
    assert [line.split(": ")[1] for line in heard][-1].endswith("%, 5 sessions")
    assert heard[-1].startswith(f"reading {laptop.computer.journal}: 100%")
    assert len(heard) == 3


# --------------------------------------------------------------------------- report --from


def _report(data: Path, *args: str) -> str:
    done = _coach(data, "report", "--since", "all", *args)
    assert done.returncode == 0, done.stderr
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("Generated"))


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_report_from_files_gives_the_numbers_importing_them_would(
    tmp_path: Path, shared: Path, fmt: str
) -> None:
    patient = tmp_path / "patient"
    history_with(
        patient,
        _session("a", 0),
        record("b", day=_day(1), started=T0 + timedelta(days=1), status="partial"),
        record("c", day=_day(3), started=T0 + timedelta(days=3), pain_after=6, note="sore"),
    ).close()
    export = tmp_path / "export.json"
    assert _coach(patient, "export", str(export)).returncode == 0
    assert _coach(patient, "sync", "init", str(shared)).returncode == 0
    (journal,) = shared.iterdir()
    imported = tmp_path / "imported"
    assert _coach(imported, "import", str(export)).returncode == 0
    expected = _report(imported, "--format", fmt)
    assert "wrist" in expected
    reader = tmp_path / "clinician"
    for given in (export, shared, journal):
        assert _report(reader, "--format", fmt, "--from", str(given)) == expected, given
    assert not reader.exists()  # the clinician's own history was never opened


def test_report_from_something_that_is_not_coach_s_says_so(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("dear physio\n")
    said = _coach(tmp_path / "reader", "report", "--from", str(junk))
    assert said.returncode == 1 and f"cannot read {junk}" in said.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    said = _coach(tmp_path / "reader", "report", "--from", str(empty))
    assert said.returncode == 1 and "holds no coach journal" in said.stderr


def test_an_overlong_line_is_skipped_without_reading_it_whole(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.history import sync

    monkeypatch.setattr(sync, "MAX_LINE_BYTES", 4096)
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    header, line = journal.read_text().splitlines()
    journal.write_text("\n".join([header, "x" * 10_000, line]) + "\n")
    result = desktop.sync.run()
    assert desktop.ids() == ["a"]
    (warning,) = result.warnings
    assert f"the line at byte {len(header) + 1}: longer than coach writes" in warning


def test_a_session_whose_id_is_another_here_is_left_alone_and_said(
    tmp_path: Path, shared: Path
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    desktop.store.save(replace(_session("a", 0), program="neck"))
    laptop.sync.run()
    result = desktop.sync.run()
    assert [s.program for s in desktop.store.sessions()] == ["neck"]
    (warning,) = result.warnings
    assert "1 session(s) whose id is another session's here" in warning


def test_the_sync_loop_says_each_warning_once_while_it_lasts(tmp_path: Path, shared: Path) -> None:

    from coach.history.sync import SyncLoop, SyncResult

    (shared / f"coach-{'e' * 12}.jsonl").write_text(
        json.dumps({"format": "coach-journal", "version": 9, "computer": "e" * 12}) + "\n"
    )
    seen, arrived, report = _reports()

    loop = SyncLoop(tmp_path / "data", shared, report, every=3600).start()
    try:
        assert arrived.acquire(timeout=30)
        loop.poke()
        assert arrived.acquire(timeout=30)
    finally:
        loop.stop()
    first, second = seen
    assert isinstance(first, SyncResult) and isinstance(second, SyncResult)
    assert len(first.warnings) == 1 and "journal version 9" in first.warnings[0]
    assert second.warnings == []


# --------------------------------------------------------------------------- this computer's journal


def test_a_lost_journal_is_written_again_whole(tmp_path: Path, shared: Path) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    for n in range(3):
        laptop.store.save(_session(f"s{n}", n))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    journal.unlink()  # deleted by hand, or by the sync tool, before the desktop read it
    laptop.store.save(_session("s9", 9))
    assert laptop.sync.run().written == 4
    desktop.sync.run()
    assert desktop.ids() == ["s0", "s1", "s2", "s9"]


@pytest.mark.parametrize("damage", ["emptied", "cut header", "older copy"])
def test_a_journal_that_is_not_the_one_left_is_mended(
    tmp_path: Path, shared: Path, damage: str
) -> None:
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    older = journal.read_bytes()
    laptop.store.save(_session("b", 1))
    laptop.sync.run()
    journal.write_bytes({"emptied": b"", "cut header": older[:20], "older copy": older}[damage])
    laptop.sync.run()
    result = desktop.sync.run()
    assert result.warnings == [] and desktop.ids() == ["a", "b"]
    lines = journal.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "coach-journal"


def test_a_restored_backup_takes_back_what_its_journal_holds(tmp_path: Path, shared: Path) -> None:
    (laptop,) = places(tmp_path, shared, 1)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    laptop.store.close()
    backup = tmp_path / "backup"
    shutil.copytree(laptop.data, backup)
    again = HistoryStore.in_folder(laptop.data)
    again.save(_session("b", 1))
    Sync(again, shared, laptop.computer).run()
    again.close()
    shutil.rmtree(laptop.data)
    shutil.copytree(backup, laptop.data)  # the disk failed; last week's backup is back
    restored = HistoryStore.in_folder(laptop.data)
    result = Sync(restored, shared, laptop.computer).run()
    assert result.added == 1 and [s.id for s in restored.sessions()] == ["a", "b"]


def test_a_row_whose_time_is_written_otherwise_is_journaled_once(
    tmp_path: Path, shared: Path
) -> None:
    import sqlite3

    from coach.history.store import DB_NAME

    (laptop,) = places(tmp_path, shared, 1)
    laptop.store.save(_session("a", 0))
    db = sqlite3.connect(laptop.data / DB_NAME)
    db.execute("UPDATE sessions SET updated_at = '2026-11-20T09:30:00Z'")  # no milliseconds
    db.commit()
    db.close()
    assert laptop.sync.run().written == 1
    assert laptop.sync.run().written == 0
    assert len((shared / laptop.computer.journal).read_text().splitlines()) == 2


def test_a_skipped_long_line_is_not_read_again(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.history import sync

    monkeypatch.setattr(sync, "MAX_LINE_BYTES", 4096)
    laptop, desktop = places(tmp_path, shared, 2)
    laptop.store.save(_session("a", 0))
    laptop.sync.run()
    journal = shared / laptop.computer.journal
    with journal.open("a") as out:
        out.write("x" * 10_000 + "\n")
    assert len(desktop.sync.run().warnings) == 1
    again = desktop.sync.run()
    assert (again.warnings, again.read) == ([], 0)


def test_a_file_name_in_the_folder_is_shown_as_text(tmp_path: Path, shared: Path) -> None:
    (shared / "coach-\x1b]0;owned\x07\x1b[2J.jsonl").write_text("not a journal\n")
    said = _coach(tmp_path / "reader", "report", "--from", str(shared))
    assert "\x1b" not in said.stderr and "\x07" not in said.stderr
    assert "not a coach journal" in said.stderr


def test_an_older_history_that_cannot_be_written_says_it_cannot_sync(
    tmp_path: Path, shared: Path
) -> None:
    import sqlite3

    from coach.history.schema import migrate
    from coach.history.store import DB_NAME
    from tests.helpers import read_only

    folder = tmp_path / "data"
    folder.mkdir()
    db = sqlite3.connect(folder / DB_NAME)
    migrate(db, 7)  # before sync existed
    db.commit()
    db.close()
    with read_only(folder):
        store = HistoryStore(folder / DB_NAME)
        try:
            assert store.read_only is not None
            with pytest.raises(SyncError, match=r"cannot sync: the history .* cannot be written"):
                Sync(store, shared, Computer("a" * 12, "x")).run()
        finally:
            store.close()


def test_a_second_sync_at_once_leaves_the_work_to_the_first(tmp_path: Path, shared: Path) -> None:
    from coach.history.sync import _only_one, sync_history

    (laptop,) = places(tmp_path, shared, 1)
    laptop.store.save(_session("a", 0))
    with _only_one(laptop.data) as ours:  # another process is syncing this history
        assert ours
        for result in (laptop.sync.run(), sync_history(laptop.store, shared)):
            assert result.warnings == ["another coach is syncing this history; left to it"]
            assert result.written == 0
    assert laptop.sync.run().written == 1  # once it is done, this one writes
