"""The program library: bundled programs, the user's own, and ``COACH_PROGRAMS_PATH``.

Folders are searched from the highest priority down: the folders in
``COACH_PROGRAMS_PATH`` in the order given, then the user's programs folder,
then the bundled programs. The first program with a given id wins; a program
it hides is recorded in :attr:`LibraryEntry.replaces` so ``coach list`` can
say so. One bad file never stops the rest from loading: it is kept, with its
error, in :attr:`Library.broken`.

Importing this module does not import pydantic: with a cache
(:mod:`coach.program.library_cache`), a library whose files have not changed is
listed without it, and each program is read in full only when it is asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from coach import paths
from coach.errors import ProgramError, ProgramIssue
from coach.program.library_cache import LibraryCache, Outcome, ProgramListing, stamp_of

if TYPE_CHECKING:
    from coach.program.loader import LoadedProgram
    from coach.program.model import Program, Schedule

FolderKind = Literal["COACH_PROGRAMS_PATH", "user", "bundled"]


@dataclass(frozen=True, slots=True)
class ProgramFolder:
    """A folder the library reads, and which kind it is."""

    path: Path
    kind: FolderKind


@dataclass(slots=True)
class LibraryEntry:
    """A valid program in the library."""

    listing: ProgramListing
    """Its id, title, summary, audience and length: what a list of programs shows."""
    path: Path
    """The program file."""
    folder: ProgramFolder
    replaces: list[Path] = field(default_factory=list)
    """Files with the same id that this one hides (e.g. the bundled program it replaces)."""
    _loaded: LoadedProgram | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The program's id."""
        return self.listing.id

    def load(self) -> LoadedProgram:
        """The whole program.

        An entry listed from the cache reads its file the first time, so this
        raises :class:`ProgramError` if the file has become invalid since the
        library was read.
        """
        if self._loaded is None:
            from coach.program.loader import load_program  # pydantic: only once a program is needed

            self._loaded = load_program(self.path)
        return self._loaded

    @property
    def loaded(self) -> LoadedProgram:
        """The whole program: :meth:`load`."""
        return self.load()


@dataclass(frozen=True, slots=True)
class BrokenProgram:
    """A file in a library folder that is not a valid program."""

    path: Path
    folder: ProgramFolder
    error: ProgramError


class UnknownProgramError(LookupError):
    """A program id that is not in the library."""

    def __init__(self, ref: str, suggestion: str | None) -> None:
        self.ref = ref
        self.suggestion = suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(
            f"no program {ref!r} in the library{hint}; `coach list` shows them all, "
            "and a path to a .toml file works too"
        )


@dataclass(slots=True)
class Library:
    """Every program coach can find, valid and broken."""

    entries: list[LibraryEntry]
    broken: list[BrokenProgram]
    folders: list[ProgramFolder]

    def get(self, program_id: str) -> LibraryEntry | None:
        """The program with ``program_id``, or None."""
        return next((entry for entry in self.entries if entry.id == program_id), None)

    def resolve(self, ref: str) -> LoadedProgram:
        """A program id from the library or a path to a ``.toml`` file.

        Raises :class:`ProgramError` for a bad file and :class:`UnknownProgramError`
        for an id the library does not have.
        """
        if looks_like_path(ref):
            from coach.program.loader import load_program

            return load_program(Path(ref).expanduser())
        entry = self.get(ref)
        if entry is not None:
            return entry.loaded
        for broken in self.broken:
            if broken.path.stem == ref:
                raise broken.error
        import difflib

        ids = [entry.id for entry in self.entries]
        close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.5)
        raise UnknownProgramError(ref, close[0] if close else None)


def looks_like_path(ref: str) -> bool:
    """Whether a PROGRAM argument names a file rather than a library id."""
    return (
        ref.endswith(".toml")
        or os.sep in ref
        or (os.altsep is not None and os.altsep in ref)
        or ref.startswith((".", "~"))
    )


def program_folders() -> list[ProgramFolder]:
    """The library's folders, highest priority first."""
    folders = [ProgramFolder(path, "COACH_PROGRAMS_PATH") for path in paths.extra_programs_dirs()]
    folders.append(ProgramFolder(paths.user_programs_dir(), "user"))
    folders.append(ProgramFolder(paths.bundled_programs_dir(), "bundled"))
    return folders


def load_library(
    folders: list[ProgramFolder] | None = None, *, cache: Path | None = None
) -> Library:
    """Read every ``*.toml`` file in the library's folders.

    Without ``cache`` every file is read and checked. With it (a file such as
    :func:`coach.paths.library_cache_file`), a file that has not changed since
    it was last checked is listed from the cache, unread; the cache is updated
    with the rest.
    """
    folders = program_folders() if folders is None else folders
    store = None if cache is None else LibraryCache(cache)
    entries: dict[str, LibraryEntry] = {}
    broken: list[BrokenProgram] = []
    seen_dirs: set[Path] = set()
    read: list[Path] = []
    for folder in folders:
        try:
            resolved = folder.path.resolve()
        except OSError:
            continue
        if resolved in seen_dirs or not folder.path.is_dir():
            continue
        seen_dirs.add(resolved)
        try:
            files = sorted(folder.path.glob("*.toml"))
        except OSError:
            continue
        read.append(folder.path)
        in_this_folder: dict[str, Path] = {}
        for file in files:
            loaded = None
            if store is None:
                outcome, loaded, _ = _check(file)
            else:
                check = stamp_of(file)
                recalled = store.recall(file, check, [item.path for item in folders])
                if recalled is None:
                    outcome, loaded, cacheable = _check(file)
                    if cacheable:
                        depends = (
                            None
                            if loaded is None or loaded.extends is None
                            else (loaded.depends_on)
                        )
                        store.remember(file, check, outcome, depends)
                else:
                    outcome = recalled
            if isinstance(outcome, ProgramError):
                broken.append(BrokenProgram(file, folder, outcome))
                continue
            ident = outcome.id
            if ident in in_this_folder:
                issue = ProgramIssue(
                    file,
                    f"duplicate program id {ident!r}: {in_this_folder[ident]} in the same "
                    "folder already uses it",
                )
                broken.append(BrokenProgram(file, folder, ProgramError([issue])))
                continue
            in_this_folder[ident] = file
            if ident in entries:
                entries[ident].replaces.append(file)
            else:
                entries[ident] = LibraryEntry(outcome, file, folder, _loaded=loaded)
    if store is not None:
        store.save(read)
    ordered = sorted(entries.values(), key=lambda entry: entry.listing.title.lower())
    return Library(ordered, broken, folders)


def unexpected_problem(file: Path, error: Exception) -> ProgramError:
    """A clear, one-line error for a file whose check failed in a way coach did not foresee.

    The library, ``coach validate`` and ``coach plan`` turn any such failure
    (a ``RecursionError``, ``MemoryError``, ``OverflowError``...) into this,
    so one file never stops coach: it is reported as broken, with the cause.
    """
    kind = type(error).__name__
    detail = str(error)
    if len(detail) > 200:
        detail = detail[:200] + "..."
    cause = f"{kind}: {detail}" if detail else kind
    return ProgramError(
        [ProgramIssue(file, f"coach could not check this file ({cause}); please report it")]
    )


def _check(file: Path) -> tuple[Outcome, LoadedProgram | None, bool]:
    """Read and check one program file (this is where pydantic is imported).

    Returns the outcome, the program when it is valid, and whether the
    outcome may be cached (not when the check failed unexpectedly: it may be
    a passing shortage, such as memory; nor for a patient file's problems).
    """
    from coach.program.loader import load_program
    from coach.program.timeline import session_size

    try:
        loaded = load_program(file)
        program = loaded.program
        listing = ProgramListing(
            id=program.id,
            title=program.title,
            summary=program.info.summary,
            audience=tuple(program.info.audience),
            total_seconds=session_size(program).seconds,
            plan=plan_of(loaded.as_written),
        )
    except ProgramError as error:
        # A patient file's problems may be in (or be the lack of) the file it extends,
        # which may appear or be mended with this file unchanged: not kept.
        return error, None, not _names_a_base(file)
    except Exception as error:  # anything but KeyboardInterrupt and SystemExit
        return unexpected_problem(file, error), None, False
    # A patient file is kept with what it depends on (LoadedProgram.depends_on).
    return listing, loaded, True


def _names_a_base(file: Path) -> bool:
    """Whether ``file`` is (or may be) a patient file: one that ``extends`` another."""
    from coach.files import NotARegularFile, read_regular_file
    from coach.program.loader import is_patient_file

    try:
        # Never opened plainly: a FIFO would block, a device never end.
        data = read_regular_file(file, 1 << 20)
    except NotARegularFile:
        return False  # its problem is what it is, whatever else appears
    except OSError:
        return True
    return is_patient_file(data.decode("utf-8", errors="replace"))


_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _schedule_json(schedule: Schedule | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    return {
        "per_day": None if schedule.as_needed else schedule.paced_per_day,
        "per_week": None if schedule.as_needed else schedule.paced_per_week,
        "days": None
        if schedule.days is None
        else sorted(_WEEKDAY_NAMES.index(name) for name in schedule.days),
        "as_needed": schedule.as_needed,
    }


def plan_of(program: Program) -> dict[str, Any]:
    """``program``'s schedules over time (the program as written, before any phase),
    as plain data for :func:`coach.program.due.schedule_on`."""
    prescription = program.info.prescription
    plan: dict[str, Any] = {"schedule": _schedule_json(program.info.schedule)}
    if prescription is not None:
        last = prescription.last_day
        plan["start"] = None if prescription.start is None else prescription.start.isoformat()
        plan["last"] = None if last is None else last.isoformat()
        plan["weeks"] = prescription.weeks  # a protocol's, counted from the first session
        plan["phases"] = [
            [phase.first_week, phase.last_week, _schedule_json(phase.schedule)]
            for phase in program.phases
        ]
    return plan
