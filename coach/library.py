"""The program library: bundled programs, the user's own, and ``COACH_PROGRAMS_PATH``.

Folders are searched from the highest priority down: the folders in
``COACH_PROGRAMS_PATH`` in the order given, then the user's programs folder,
then the bundled programs. The first program with a given id wins; a program
it hides is recorded in :attr:`LibraryEntry.replaces` so ``coach list`` can
say so. One bad file never stops the rest from loading: it is kept, with its
error, in :attr:`Library.broken`.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from coach import paths
from coach.loader import LoadedProgram, ProgramError, ProgramIssue, load_program

FolderKind = Literal["COACH_PROGRAMS_PATH", "user", "bundled"]


@dataclass(frozen=True, slots=True)
class ProgramFolder:
    """A folder the library reads, and which kind it is."""

    path: Path
    kind: FolderKind


@dataclass(slots=True)
class LibraryEntry:
    """A valid program in the library."""

    loaded: LoadedProgram
    folder: ProgramFolder
    replaces: list[Path] = field(default_factory=list)
    """Files with the same id that this one hides (e.g. the bundled program it replaces)."""

    @property
    def id(self) -> str:
        """The program's id."""
        return self.loaded.program.id

    @property
    def path(self) -> Path:
        """The program file."""
        return self.loaded.path


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
            return load_program(Path(ref).expanduser())
        entry = self.get(ref)
        if entry is not None:
            return entry.loaded
        for broken in self.broken:
            if broken.path.stem == ref:
                raise broken.error
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


def load_library(folders: list[ProgramFolder] | None = None) -> Library:
    """Read every ``*.toml`` file in the library's folders."""
    folders = program_folders() if folders is None else folders
    entries: dict[str, LibraryEntry] = {}
    broken: list[BrokenProgram] = []
    seen_dirs: set[Path] = set()
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
        in_this_folder: dict[str, Path] = {}
        for file in files:
            try:
                loaded = load_program(file)
            except ProgramError as error:
                broken.append(BrokenProgram(file, folder, error))
                continue
            ident = loaded.program.id
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
                entries[ident] = LibraryEntry(loaded, folder)
    ordered = sorted(entries.values(), key=lambda entry: entry.loaded.program.title.lower())
    return Library(ordered, broken, folders)
