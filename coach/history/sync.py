"""History on every computer through a folder the person already syncs.

The database never lives in the synced folder: SQLite's WAL files and a sync tool's
partial copies corrupt it. Instead each computer keeps, in that folder, one journal
of its own (``coach-<computer id>.jsonl``) that only it ever writes, and reads the
others' into its own database, merging by session id as ``coach import`` does. No
file there is written by two computers, so the sync tool never sees a conflict of
coach's making.

A journal is JSON lines. The first is a header::

    {"format": "coach-journal", "version": 1, "computer": "3f2a9c1be07d", "name": "laptop"}

and every other line is one session as ``coach export`` writes it, plus its
``"host"``. It only grows: a session written again (finished, or given its next-day
answer) is appended again, and the later copy wins the merge. Reading is
incremental: how far each journal was read is kept in the database, with hashes of
its header and of the bytes just before that point, so a journal grown by appends
(even when the sync tool replaced the file to do it) is read from where it was
left, and anything else from the start (merging twice adds nothing).

What sync tools do to files is expected:

- a journal caught half-copied ends in a cut line: it is read up to its last whole
  line and the rest read next time;
- conflict copies (``*.sync-conflict-*``, ``* (conflicted copy ...)``, ``*~``) are
  journals too and merged like them;
- a journal of a later format version is skipped, with a warning;
- a data folder copied to another computer (a copied home folder) would make two
  computers write one journal: each data folder's ``computer.json`` names the
  machine and folder it belongs to, and a copy takes a new id, and says so.

Only the standard library: this runs after each session, and in ``coach remind``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.files import private_folder, write_private
from coach.history.exchange import MAX_LINE_BYTES, session_from_json
from coach.history.records import SessionRecord
from coach.history.store import HistoryStore
from coach.text import json_text, visible

JOURNAL_FORMAT = "coach-journal"
JOURNAL_VERSION = 1
"""The journal layout this coach writes; a journal with a later one is skipped."""

COMPUTER_FILE = "computer.json"
"""In the data folder: this computer's sync id, and the machine and folder it is for."""

_TAIL_BYTES = 256
"""How many bytes before the read offset are hashed to tell a journal grown by appends."""

_CHUNK_LINES = 2000
"""Journal lines merged in one transaction."""

_JOURNAL_NAME = re.compile(r"^coach-(?P<id>[0-9a-f]{12})\.jsonl$")


@dataclass(frozen=True)
class Computer:
    """This computer, as its journal names it."""

    id: str
    """12 hex digits, made once per data folder."""
    name: str
    """The host name, shown by ``coach history`` and ``coach sync status``."""

    @property
    def journal(self) -> str:
        """The file name of its journal."""
        return f"coach-{self.id}.jsonl"


@dataclass
class SyncResult:
    """What one sync did."""

    written: int = 0
    """Sessions appended to this computer's journal."""
    added: int = 0
    """Sessions new here, from other computers' journals."""
    updated: int = 0
    """Sessions replaced by a later or more finished copy."""
    journals: int = 0
    """Other journals (and conflict copies) read."""
    read: int = 0
    """Session lines merged (new, updated or already here)."""
    warnings: list[str] = field(default_factory=list)
    """What was skipped, and why (each once per sync)."""

    def line(self) -> str:
        """One line for people."""
        return (
            f"wrote {self.written} session(s); read {self.journals} other journal(s): "
            f"{self.added} new, {self.updated} updated"
        )


class SyncError(Exception):
    """The sync folder cannot be used (missing, not a folder, not writable)."""


def _machine_id() -> str:
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        with contextlib.suppress(OSError):
            text = Path(path).read_text(encoding="ascii", errors="replace").strip()
            if text:
                return text
    return ""


def this_computer(data_dir: Path) -> tuple[Computer, str | None]:
    """This data folder's computer, made on first use; and a warning when the folder
    was copied from another machine or place (it then takes a new id, so two computers
    never write one journal)."""
    file = data_dir / COMPUTER_FILE
    host = socket.gethostname() or "computer"
    machine = _machine_id()
    where = os.path.realpath(data_dir)
    saved: dict[str, Any] | None = None
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(loaded, dict) and _JOURNAL_NAME.match(f"coach-{loaded.get('id')}.jsonl"):
            saved = loaded
    warning = None
    if saved is not None:
        same_machine = saved.get("machine") == machine if machine else saved.get("host") == host
        if same_machine and saved.get("folder") == where:
            return Computer(str(saved["id"]), host), None
        warning = (
            f"this data folder was copied from {visible(str(saved.get('host')))} "
            f"({visible(str(saved.get('folder')))}); it now syncs as a computer of its own, "
            "so the two never write one journal"
        )
    computer = Computer(uuid.uuid4().hex[:12], host)
    private_folder(data_dir)
    record = {"id": computer.id, "host": host, "machine": machine, "folder": where}
    write_private(file, json.dumps(record, indent=2) + "\n")
    return computer, warning


def is_journal(name: str) -> bool:
    """Whether a file in the sync folder is a journal, or a sync tool's copy of one."""
    return name.startswith("coach-") and ".jsonl" in name and not name.endswith(".tmp")


def _header(computer: Computer) -> str:
    return json_text(
        {
            "format": JOURNAL_FORMAT,
            "version": JOURNAL_VERSION,
            "computer": computer.id,
            "name": computer.name,
        }
    )


def _line(record: SessionRecord) -> str:
    return json_text({**record.to_json(), "host": record.host})


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Sync:
    """One history and one sync folder: write this computer's journal, read the others."""

    def __init__(
        self,
        store: HistoryStore,
        folder: Path,
        computer: Computer,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.folder = folder
        self.computer = computer
        self.progress = progress
        """Told how far a long sync has gone (a first sync of years of sessions)."""

    def check_folder(self) -> None:
        """Raise :class:`SyncError` unless the folder is a folder this computer can write."""
        if not self.folder.is_dir():
            raise SyncError(
                f"the sync folder {self.folder} does not exist (or is not a folder): "
                "create it, or set history.sync_dir to the folder your sync tool shares"
            )
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise SyncError(f"cannot write in the sync folder {self.folder}")

    def run(self) -> SyncResult:
        """Write, then read: one sync. Raises :class:`SyncError` for an unusable folder
        or a history that cannot be written."""
        _check_writable(self.store)
        with _only_one(self.store.folder) as ours:
            return self.run_locked() if ours else _busy()

    def run_locked(self) -> SyncResult:
        """:meth:`run`, with the data folder's sync lock already held."""
        _check_writable(self.store)
        self.check_folder()
        result = SyncResult()
        result.written = self.write(result)
        self.read(result)
        return result

    # --- this computer's journal ---------------------------------------------------------

    def write(self, result: SyncResult | None = None) -> int:
        """Append every session written here that the journal lacks; how many.

        The journal is first read from where this computer last left it: what it
        holds beyond that was written by this data folder before a backup was
        restored (merged back). If it is not the file this computer left (gone,
        emptied, cut short, an older copy put back by the sync tool, or a new
        sync folder), every session written here is appended again: merging
        twice adds nothing, and no other computer loses one.
        """
        result = SyncResult() if result is None else result
        path = self.folder / self.computer.journal
        name = self.computer.journal
        if not has_journal_header(path):
            # Header first, whole: a reader never sees a journal without one (a cut
            # header is only a half-copied file, read again later). Only this
            # computer writes this file, so what was there is only a bad copy of it.
            write_private(path, _header(self.computer) + "\n")
        self._mend_tail(path)
        journals = result.journals
        continued = self._read_one(name, self.store.journal_reads().get(name), result)
        result.journals = journals  # its own journal is not another computer's
        if not continued:
            self.store.journal_again()
        written = 0
        while batch := self.store.unjournaled(limit=_CHUNK_LINES):
            data = "".join(_line(record) + "\n" for record, _ in batch).encode("utf-8")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            written += len(batch)
            if self.store.mark_journaled(batch) == 0:
                break  # nothing could be marked: never append the same batch twice
            if self.progress is not None and (written > len(batch) or len(batch) == _CHUNK_LINES):
                self.progress(f"writing {name}: {written:,} sessions")
        if written or not continued:
            # Where this computer left its journal: the next sync goes on from here.
            self._note_end(path, name, written)
        return written

    def _note_end(self, path: Path, name: str, appended: int) -> None:
        """This computer left its journal here: its end, and the bytes before it."""
        before = self.store.journal_reads().get(name)
        with path.open("rb") as journal:
            head = journal.readline()
            size = journal.seek(0, os.SEEK_END)
            journal.seek(max(len(head), size - _TAIL_BYTES))
            tail = journal.read()
        self.store.note_journal_read(
            {
                "file": name,
                "computer": self.computer.id,
                "name": self.computer.name,
                "head": _digest(head),
                "tail": _digest(tail),
                "offset": size,
                "lines": (0 if before is None else int(before["lines"])) + appended,
            }
        )

    @staticmethod
    def _mend_tail(path: Path) -> None:
        """Cut a line left half-written by a crash (the database still has the session:
        it is written again)."""
        with path.open("rb+") as journal:
            size = journal.seek(0, os.SEEK_END)
            if size == 0:
                return
            journal.seek(size - 1)
            if journal.read(1) == b"\n":
                return
            start = max(0, size - (1 << 20))
            journal.seek(start)
            tail = journal.read()
            cut = tail.rfind(b"\n")
            journal.truncate(start + cut + 1 if cut >= 0 else 0)

    # --- the others' ----------------------------------------------------------------------

    def read(self, result: SyncResult) -> None:
        """Merge every other journal (and every conflict copy) into the history."""
        reads = self.store.journal_reads()
        try:
            names = sorted(entry.name for entry in os.scandir(self.folder) if entry.is_file())
        except OSError as error:
            raise SyncError(f"cannot read the sync folder {self.folder}: {error}") from None
        for name in names:
            if name == self.computer.journal or not is_journal(name):
                continue
            try:
                self._read_one(name, reads.get(name), result)
            except OSError as error:
                shown = visible(name, newlines=False)
                result.warnings.append(f"{shown}: cannot be read ({error.strerror or error})")

    def read_file(self, name: str, result: SyncResult) -> None:
        """Merge the one journal ``name`` in the folder (``coach report --from FILE``)."""
        self._read_one(name, self.store.journal_reads().get(name), result)

    def _read_one(self, name: str, before: dict[str, Any] | None, result: SyncResult) -> bool:
        """Merge one journal from where it was left (``before``); whether it went on
        from there (False: read from the start, or not read)."""
        path = self.folder / name
        shown = visible(name, newlines=False)  # a file name in a shared folder is data
        continued = False
        with path.open("rb") as journal:
            head = journal.readline(64 * 1024)
            if not head.endswith(b"\n"):
                return False  # half-copied: read again next time
            header = _parse_header(head)
            if header is None:
                result.warnings.append(f"{shown}: not a coach journal; skipped")
                return False
            version = header["version"]
            if version > JOURNAL_VERSION:
                result.warnings.append(
                    f"{shown}: written by a newer coach (journal version {version}); "
                    "skipped until this coach is upgraded"
                )
                return False
            position, lines = len(head), 0
            if before is not None and before["head"] == _digest(head):
                offset = int(before["offset"])
                journal.seek(max(len(head), offset - _TAIL_BYTES))
                tail = journal.read(max(0, offset - journal.tell()))
                if offset >= len(head) and _digest(tail) == before["tail"]:
                    # The same journal, grown (even as a new file): go on from there.
                    position, lines, continued = offset, int(before["lines"]), True
            journal.seek(position)
            computer = None if header["computer"] == self.computer.id else header["computer"]
            bad: list[str] = []
            conflicts: list[str] = []
            whole = True
            while whole:
                # A chunk at a time, each merged and its end noted: a journal of 20
                # years is never all in memory, and a kill loses at most one chunk.
                chunk: list[tuple[int, bytes]] = []
                while len(chunk) < _CHUNK_LINES:
                    line = journal.readline(MAX_LINE_BYTES)
                    if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
                        # Longer than coach writes: skipped, never all read into memory.
                        skipped = _skip_line(journal)
                        if skipped is None:
                            whole = False  # its end has not arrived yet
                            break
                        bad.append(f"the line at byte {position}: longer than coach writes")
                        position += len(line) + skipped
                        continue
                    if not line.endswith(b"\n"):
                        whole = False  # the end, or a cut line that waits for the next sync
                        break
                    chunk.append((position, line))
                    position += len(line)
                if not chunk:
                    break
                records = _records(chunk, bad)
                summary = self.store.merge(records, computer=computer)
                result.added += summary.added
                result.updated += summary.updated
                conflicts.extend(summary.conflicts)
                lines += len(records)
                result.read += len(records)
                # The bytes before the new end, from the file (a skipped line among them).
                journal.seek(max(len(head), position - _TAIL_BYTES))
                recent = journal.read(position - journal.tell())
                journal.seek(position)
                if self.progress is not None and (len(chunk) == _CHUNK_LINES or lines > len(chunk)):
                    size = max(position, os.fstat(journal.fileno()).st_size)
                    self.progress(f"reading {name}: {position / size:.0%}, {lines:,} sessions")
                self.store.note_journal_read(
                    {
                        "file": name,
                        "computer": header["computer"],
                        "name": header["name"],
                        "head": _digest(head),
                        "tail": _digest(recent),
                        "offset": position,
                        "lines": lines,
                    }
                )
        result.journals += 1
        if conflicts:
            result.warnings.append(
                f"{shown}: {len(conflicts)} session(s) whose id is another session's here, "
                f"left as they are: {', '.join(conflicts[:3])}"
            )
        if bad:
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            result.warnings.append(f"{shown}: {bad[0]}{more}")
        return continued


def sync_history(
    store: HistoryStore, folder: Path, progress: Callable[[str], None] | None = None
) -> SyncResult:
    """One sync of ``store`` through ``folder``, as this computer (made on first use).

    Raises :class:`SyncError` for an unusable folder; a data folder copied from
    another computer is said once in the warnings."""
    _check_writable(store)
    with _only_one(store.folder) as ours:
        if not ours:
            return _busy()
        # Inside the lock: the app and the reminder starting at once make one id.
        computer, copied = this_computer(store.folder)
        result = Sync(store, folder, computer, progress).run_locked()
    if copied is not None:
        result.warnings.insert(0, copied)
    return result


SYNC_EVERY = 300.0
"""Seconds between syncs while the app or ``coach remind`` runs."""


class SyncLoop:
    """Syncs on a thread of its own (its own connection): now, every :data:`SYNC_EVERY`
    seconds, and whenever :meth:`poke` asks (a session was just recorded).

    ``report`` gets each result, or the error's text, on that thread. Never raises:
    a sync folder that went away only makes the history this computer's for a while.
    """

    def __init__(
        self,
        data_dir: Path,
        folder: Path,
        report: Callable[[SyncResult | str], None] | None = None,
        every: float = SYNC_EVERY,
    ) -> None:
        self.data_dir = data_dir
        self.folder = folder
        self.report = report
        self.every = every
        self._poked = threading.Event()
        self._stopping = False
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._work, name="coach-sync", daemon=True)

    def start(self) -> SyncLoop:
        """Begin: the first sync runs at once."""
        self._poked.set()
        self._thread.start()
        return self

    def poke(self) -> None:
        """Sync soon (a session was just recorded)."""
        self._poked.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the sync in progress, if any (waiting at most ``timeout``)."""
        self._stopping = True
        self._poked.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            self._poked.wait(self.every)
            if self._stopping:
                return
            self._poked.clear()
            outcome: SyncResult | str
            try:
                with HistoryStore.in_folder(self.data_dir) as store:
                    outcome = sync_history(store, self.folder)
            except Exception as error:  # a sync must never stop the app
                outcome = f"cannot sync through {self.folder}: {error}"
            if isinstance(outcome, SyncResult):
                # Each warning once while it lasts (a newer journal, say), not every
                # few minutes; said again if it goes away and comes back.
                fresh = [line for line in outcome.warnings if line not in self._warned]
                self._warned = set(outcome.warnings)
                outcome.warnings = fresh
            if self.report is not None and not self._stopping:
                with contextlib.suppress(Exception):
                    self.report(outcome)


def journal_summaries(store: HistoryStore, folder: Path) -> list[dict[str, Any]]:
    """What ``coach sync status`` lists: each journal in the folder, how far it was read
    and whose it is (``file``, ``computer``, ``name``, ``lines``, ``read_at``, ``size``,
    ``waiting``: bytes not read yet)."""
    reads = store.journal_reads()
    found = []
    with contextlib.suppress(OSError):
        for entry in sorted(os.scandir(folder), key=lambda item: item.name):
            if not entry.is_file() or not is_journal(entry.name):
                continue
            read = reads.get(entry.name, {})
            size = entry.stat().st_size
            found.append(
                {
                    "file": entry.name,
                    "computer": read.get("computer"),
                    "name": read.get("name"),
                    "lines": read.get("lines", 0),
                    "read_at": read.get("read_at"),
                    "size": size,
                    "waiting": max(0, size - int(read.get("offset", 0))) if read else size,
                }
            )
    return found


def has_journal_header(path: Path) -> bool:
    """Whether ``path`` begins with a whole, valid journal header (False if it cannot be read)."""
    try:
        with path.open("rb") as journal:
            head = journal.readline(64 * 1024)
    except OSError:
        return False
    return head.endswith(b"\n") and _parse_header(head) is not None


def _busy() -> SyncResult:
    """What a sync does while another process holds the data folder's sync lock."""
    result = SyncResult()
    result.warnings.append("another coach is syncing this history; left to it")
    return result


def _parse_header(line: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if (
        not isinstance(data, dict)
        or data.get("format") != JOURNAL_FORMAT
        or isinstance(data.get("version"), bool)
        or not isinstance(data.get("version"), int)
        or not isinstance(data.get("computer"), str)
        or not re.fullmatch(r"[0-9a-f]{12}", data["computer"])
    ):
        return None
    name = data.get("name")
    data["name"] = visible(name) if isinstance(name, str) and name else data["computer"]
    return data


def _skip_line(journal: Any) -> int | None:
    """Read past the rest of an over-long line; how many bytes, or None if it has no end
    yet (the file is still arriving)."""
    skipped = 0
    while True:
        part = journal.readline(MAX_LINE_BYTES)
        skipped += len(part)
        if part.endswith(b"\n"):
            return skipped
        if len(part) < MAX_LINE_BYTES:
            return None


def _records(chunk: list[tuple[int, bytes]], bad: list[str]) -> list[SessionRecord]:
    """The sessions in whole lines (each with its byte offset in the journal); what was
    wrong with the lines left out goes to ``bad``."""
    records: list[SessionRecord] = []
    for offset, raw in chunk:
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            continue
        try:
            item = json.loads(text)
            record = session_from_json(item, "session")
        except (ValueError, RecursionError) as error:
            bad.append(f"the line at byte {offset}: {error}; left out")
            continue
        host = item.get("host")
        if isinstance(host, str):
            record.host = visible(host, newlines=False)[:255]
        records.append(record)
    return records


def _check_writable(store: HistoryStore) -> None:
    if store.read_only is not None:
        raise SyncError(
            f"cannot sync: the history {store.path} cannot be written ({store.read_only})"
        )


@contextlib.contextmanager
def _only_one(data_dir: Path) -> Iterator[bool]:
    """Hold the data folder's sync lock if no other process does (True), else False."""
    try:
        import fcntl
    except ImportError:  # no advisory locks here: go on
        yield True
        return
    private_folder(data_dir)
    fd = os.open(data_dir / "sync.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
