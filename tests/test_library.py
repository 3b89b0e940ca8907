"""The library: folders, priorities, replacements and broken files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coach import paths
from coach.program.library import UnknownProgramError, load_library
from coach.program.loader import ProgramError
from tests.helpers import WriteProgram


def program_text(ident: str, title: str = "T") -> str:
    return (
        f'schema_version = 1\n[program]\nid = "{ident}"\ntitle = "{title}"\n'
        '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )


@pytest.fixture
def user_dir() -> Path:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True)
    return folder


def test_bundled_programs_are_found_and_home_is_isolated(isolated_home: Path) -> None:
    assert str(paths.user_programs_dir()).startswith(str(isolated_home))
    library = load_library()
    assert len(library.entries) >= 7
    assert all(entry.folder.kind == "bundled" for entry in library.entries)
    assert library.broken == []


def test_user_program_replaces_bundled_one(user_dir: Path) -> None:
    (user_dir / "mine.toml").write_text(program_text("typist-micro-break", "My micro-break"))
    library = load_library()
    entry = library.get("typist-micro-break")
    assert entry is not None
    assert entry.loaded.program.title == "My micro-break"
    assert entry.folder.kind == "user"
    assert entry.replaces == [paths.bundled_programs_dir() / "typist-micro-break.toml"]


def test_programs_path_comes_first_in_order(
    tmp_path: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "x.toml").write_text(program_text("shared", "From first"))
    (second / "x.toml").write_text(program_text("shared", "From second"))
    (user_dir / "x.toml").write_text(program_text("shared", "From user"))
    (second / "only.toml").write_text(program_text("only-second"))
    monkeypatch.setenv("COACH_PROGRAMS_PATH", os.pathsep.join([str(first), "", str(second)]))
    library = load_library()
    entry = library.get("shared")
    assert entry is not None and entry.loaded.program.title == "From first"
    assert entry.folder.kind == "COACH_PROGRAMS_PATH"
    assert entry.replaces == [second / "x.toml", user_dir / "x.toml"]
    assert library.get("only-second") is not None


def test_one_bad_file_never_stops_the_rest(user_dir: Path) -> None:
    (user_dir / "good.toml").write_text(program_text("good"))
    (user_dir / "bad.toml").write_text(program_text("bad").replace("duration = 1", "hodl = 1"))
    (user_dir / "syntax.toml").write_text("schema_version = = 1\n")
    (user_dir / "notes.txt").write_text("not a program")
    library = load_library()
    assert library.get("good") is not None
    broken = {b.path.name: b for b in library.broken}
    assert set(broken) == {"bad.toml", "syntax.toml"}
    assert "did you mean 'hold'" in str(broken["bad.toml"].error)
    assert len(library.entries) >= 8


def test_duplicate_id_in_one_folder_is_reported(user_dir: Path) -> None:
    (user_dir / "a.toml").write_text(program_text("same"))
    (user_dir / "b.toml").write_text(program_text("same"))
    library = load_library()
    assert library.get("same") is not None and library.get("same").path.name == "a.toml"  # type: ignore[union-attr]
    assert [b.path.name for b in library.broken] == ["b.toml"]
    assert "duplicate program id 'same'" in str(library.broken[0].error)


def test_missing_folders_are_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(tmp_path / "does-not-exist"))
    assert len(load_library().entries) >= 7


def test_resolve_by_id_path_and_unknown(write_program: WriteProgram) -> None:
    library = load_library()
    assert library.resolve("neck-range-of-motion").program.id == "neck-range-of-motion"
    path = write_program(program_text("from-file"))
    assert library.resolve(str(path)).program.id == "from-file"
    with pytest.raises(UnknownProgramError, match="did you mean 'neck-range-of-motion'"):
        library.resolve("neck-range-of-moton")
    with pytest.raises(ProgramError, match="no such file"):
        library.resolve("./missing.toml")


def test_resolve_a_broken_library_file_by_its_name_gives_its_error(user_dir: Path) -> None:
    (user_dir / "mine.toml").write_text(program_text("mine").replace('id = "a"', 'id = "A"'))
    with pytest.raises(ProgramError, match="is not a valid id"):
        load_library().resolve("mine")
