"""The library's cache: what each program file said when it was last checked.

Checking a program file needs pydantic (about 100 ms to import, before any
checking), yet the app's first screen only lists each program's id, title,
summary, audience and length, and each broken file's problems. This module
keeps those in one JSON file in the cache folder
(:func:`coach.paths.library_cache_file`), so a start where no program file
has changed reads no program file and imports no pydantic.

The cache never changes an answer; when in doubt it is a miss, and the file
is checked again:

- an entry is used only if the file's size, modification and change times,
  inode and device are all as they were when it was checked. The change time
  cannot be set by hand, so even a copy that keeps the old modification time
  (``cp -p``, ``rsync -t``) counts as a change;
- and only if the file had been left alone for :data:`RACY_SECONDS` before it
  was checked: a file system stores times to a tick (up to 2 s on FAT), so a
  change made in the same tick as the check could keep every time the same
  (git calls such entries "racy");
- and only while the code that decided it is the same: this coach's version,
  the size and time of each of its checking modules, and where pydantic is
  installed (see :func:`_rules`);
- a patient file's entry (one that ``extends`` another) is used only if every
  file and folder its program depends on
  (:attr:`coach.program.loader.LoadedProgram.depends_on`: the files it
  extends, and for an ``extends`` by id the folders searched and the files
  read there) has the stamp it had, and had been left alone as above; and, in
  the library, only if the folders searched are still its first folders. A
  patient file with problems is never kept (the file it names may appear);
- a cache file that cannot be read, is not JSON or has an unexpected shape
  is ignored as a whole; a malformed entry is a miss;
- it is written to a temporary file that then replaces the old one in one
  rename, so a reader sees the old cache or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from coach import __version__
from coach.errors import ProgramError, ProgramIssue
from coach.text import UNSAFE

FORMAT = 1
"""The layout of the cache file; a file with another number is ignored."""

RACY_SECONDS = 3.0
"""An entry is trusted only if its file was last changed this long before the check."""

_RULE_MODULES = (
    "errors.py",
    "files.py",
    "text.py",
    "program/due.py",
    "program/durations.py",
    "program/library.py",
    "program/library_cache.py",
    "program/loader.py",
    "program/mistakes.py",
    "program/model.py",
    "program/nesting.py",
    "program/phases.py",
    "program/positions.py",
    "program/timeline.py",
)
"""The modules whose code decides what a program file says (and how long it lasts)."""


Stamp = tuple[int, int, int, int, int]
"""A file's identity: size, modification time, change time (ns), inode, device."""


class ProgramListing(NamedTuple):
    """What the library lists about a valid program, without the program itself.

    (A NamedTuple, like :class:`FileCheck`: a quarter of a dataclass's cost to
    define, and this module is imported before the app's first frame.)
    """

    id: str
    title: str
    summary: str
    audience: tuple[str, ...]
    total_seconds: float
    """The length of a session, as :func:`coach.program.timeline.build_timeline` counts it."""
    plan: dict[str, Any] | None = None
    """Its schedules over time (:func:`coach.program.due.plan_of`), for what is due today."""


Outcome = ProgramListing | ProgramError
"""What checking a program file gives: its listing, or its problems."""


class FileCheck(NamedTuple):
    """When a file was looked at, and what it looked like then."""

    checked_ns: int
    """``time.time_ns()`` just before the file was looked at."""
    stamp: Stamp


def stamp_of(path: Path) -> FileCheck | None:
    """The file's identity now, or None if it cannot be looked at."""
    checked_ns = time.time_ns()  # before the stat: see RACY_SECONDS
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return FileCheck(checked_ns, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))


def _rules() -> str | None:
    """What decided the entries: None (no caching) if it cannot be told."""
    here = Path(__file__).resolve().parent.parent  # coach/, as the names above are
    parts = [__version__, f"python {sys.version_info[0]}.{sys.version_info[1]}"]
    try:
        for name in _RULE_MODULES:
            st = os.stat(here / name)
            parts.append(f"{name} {st.st_size} {st.st_mtime_ns}")
        # Where pydantic lives, and when it was installed there (an upgrade
        # writes new files), without importing it.
        from importlib.util import find_spec

        for package in ("pydantic", "pydantic_core"):
            spec = find_spec(package)
            if spec is None or spec.origin is None:
                return None
            st = os.stat(spec.origin)
            parts.append(f"{spec.origin} {st.st_size} {st.st_mtime_ns} {st.st_ino}")
    except (OSError, ImportError, ValueError):
        return None
    return "\n".join(parts)


class LibraryCache:
    """The cache file, read once; :meth:`save` writes it back if anything changed."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._rules = _rules()
        self._entries: dict[str, dict[str, Any]] = {}
        self._seen: set[str] = set()
        self._changed = False
        if self._rules is not None:
            self._entries = self._read()

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError, RecursionError):
            self._changed = self.file.exists()  # rewrite a corrupt cache
            return {}
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("rules") != self._rules
            or not isinstance(data.get("files"), dict)
        ):
            self._changed = True
            return {}
        files: dict[str, Any] = data["files"]
        return {key: value for key, value in files.items() if isinstance(value, dict)}

    def recall(
        self, path: Path, check: FileCheck | None, folders: list[Path] | None = None
    ) -> Outcome | None:
        """What ``path`` said when it was checked, if it cannot have changed since.

        ``folders``: the library's folders, in order; a patient file found by id in
        other folders is a miss. None: not checked (``coach status``, which reads
        no settings for them)."""
        if check is None or self._rules is None:
            return None
        key = os.path.abspath(path)
        self._seen.add(key)
        entry = self._entries.get(key)
        if entry is None or entry.get("stamp") != list(check.stamp):
            return None
        checked_ns = entry.get("checked_ns")
        _, mtime_ns, ctime_ns, _, _ = check.stamp
        if not isinstance(checked_ns, int) or checked_ns - max(mtime_ns, ctime_ns) < (
            RACY_SECONDS * 1e9
        ):
            return None
        if "depends" in entry and not _still(entry, checked_ns, folders):
            return None
        try:
            if "program" in entry:
                return _listing_from_json(entry["program"])
            return _error_from_json(path, entry["issues"])
        except (KeyError, TypeError, ValueError):
            return None

    def remember(
        self,
        path: Path,
        check: FileCheck | None,
        outcome: Outcome,
        depends: tuple[Path, ...] | None = None,
    ) -> None:
        """Keep what checking ``path`` (looked at as ``check``) gave; ``depends``: for a
        patient file, what its program depends on (stamped now, after the check)."""
        if check is None or self._rules is None:
            return
        key = os.path.abspath(path)
        self._seen.add(key)
        entry: dict[str, Any] = {"stamp": list(check.stamp), "checked_ns": check.checked_ns}
        if depends is not None:
            entry["depends"] = [[os.path.abspath(item), _stamp_now(item)] for item in depends]
            entry["searched"] = [os.path.abspath(item) for item in depends if item.is_dir()]
        if isinstance(outcome, ProgramListing):
            entry["program"] = {
                "id": outcome.id,
                "title": outcome.title,
                "summary": outcome.summary,
                "audience": list(outcome.audience),
                "total_seconds": outcome.total_seconds,
                "plan": outcome.plan,
            }
        else:
            entry["issues"] = [
                [issue.message, issue.line, issue.column] for issue in outcome.issues
            ]
        self._entries[key] = entry
        self._changed = True

    def save(self, folders: list[Path]) -> None:
        """Write the cache back if anything changed; entries for files that are
        gone from ``folders`` (the folders just read) are dropped. Never raises:
        without a cache, coach is only slower."""
        listed = {os.path.abspath(folder) for folder in folders}
        for key in list(self._entries):
            if key not in self._seen and os.path.dirname(key) in listed:
                del self._entries[key]
                self._changed = True
        if not self._changed or self._rules is None:
            return
        text = json.dumps(
            {"format": FORMAT, "rules": self._rules, "files": self._entries},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        from coach.files import private_folder, write_private

        try:
            private_folder(self.file.parent)
            # No fsync: a cache torn by a crash is not JSON, and so ignored.
            write_private(self.file, text, fsync=False)
        except OSError:
            return
        self._changed = False


def _stamp_now(path: Path) -> list[int] | None:
    check = stamp_of(path)
    return None if check is None else list(check.stamp)


def _still(entry: dict[str, Any], checked_ns: int, folders: list[Path] | None) -> bool:
    """Whether what a patient file's program depends on is as it was (and was then
    settled: left alone :data:`RACY_SECONDS` before the patient file was checked)."""
    depends, searched = entry.get("depends"), entry.get("searched")
    if not isinstance(depends, list) or not isinstance(searched, list):
        return False
    if folders is not None:
        first = [os.path.abspath(folder) for folder in folders[: len(searched)]]
        if first != searched:
            return False
    for item in depends:
        if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
            return False
        now = _stamp_now(Path(item[0]))
        if now != item[1]:
            return False
        if now is not None and checked_ns - max(now[1], now[2]) < RACY_SECONDS * 1e9:
            return False
    return True


def _text(value: object) -> str:
    if not isinstance(value, str) or UNSAFE.search(value):
        raise ValueError("not program text")
    return value


def _listing_from_json(data: Any) -> ProgramListing:
    audience = data["audience"]
    seconds = data["total_seconds"]
    if (
        not isinstance(audience, list)
        or isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds < float("inf")
    ):
        raise ValueError("malformed entry")
    listing = ProgramListing(
        id=_text(data["id"]),
        title=_text(data["title"]),
        summary=_text(data["summary"]),
        audience=tuple(_text(item) for item in audience),
        total_seconds=float(seconds),
        plan=_plan(data.get("plan")),
    )
    if not listing.id or not listing.title:
        raise ValueError("malformed entry")
    return listing


def _plan(data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("schedule"), dict | None):
        raise ValueError("malformed entry")
    return data


def fresh_listings(file: Path) -> list[tuple[Path, ProgramListing]]:
    """Every valid program the cache ``file`` lists whose file has not changed since.

    For ``coach status``, which reads no program file: a program changed
    since the library last checked it is left out until the library (the
    app, ``coach list``, a run) checks it again.
    """
    cache = LibraryCache(file)
    found = []
    for key, entry in list(cache._entries.items()):
        if "program" not in entry:
            continue
        path = Path(key)
        listing = cache.recall(path, stamp_of(path))
        if isinstance(listing, ProgramListing):
            found.append((path, listing))
    return found


def _error_from_json(path: Path, data: Any) -> ProgramError:
    if not isinstance(data, list) or not data:
        raise ValueError("malformed entry")
    issues = []
    for message, line, column in data:
        if not isinstance(message, str) or not all(
            number is None or (isinstance(number, int) and not isinstance(number, bool))
            for number in (line, column)
        ):
            raise ValueError("malformed entry")
        issues.append(ProgramIssue(path, message, line, column))
    return ProgramError(issues)
