"""The library's cache: the same answers as a full read, and never a stale one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time

from coach import paths
from coach.program import library, library_cache
from coach.program.library import Library, load_library
from coach.program.loader import ProgramError

PROGRAM = (
    'schema_version = 1\n[program]\nid = "{id}"\ntitle = "{title}"\nsummary = "Short"\n'
    'audience = ["typist", "desk"]\n'
    '[[exercise]]\nid = "a"\nname = "A"\nsides = "each"\nreps = 2\nhold = "15s"\n'
)


@pytest.fixture
def cache() -> Path:
    return paths.library_cache_file()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust entries for files changed just now (the tests write their files just now)."""
    monkeypatch.setattr(library_cache, "RACY_SECONDS", 0.0)


@pytest.fixture
def user_dir() -> Path:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file read and checked (rather than taken from the cache)."""
    seen: list[Path] = []
    real = library._check

    def counting(file: Path) -> object:
        seen.append(file)
        return real(file)

    monkeypatch.setattr(library, "_check", counting)
    return seen


def summary(found: Library) -> object:
    """Everything a listing says, as plain data."""
    return (
        [
            (
                e.id,
                e.listing.title,
                e.listing.summary,
                e.listing.audience,
                e.listing.total_seconds,
                e.path,
                e.folder.kind,
                e.replaces,
            )
            for e in found.entries
        ],
        [(b.path, b.folder.kind, [str(i) for i in b.error.issues]) for b in found.broken],
    )


def mixed_library(user_dir: Path) -> None:
    (user_dir / "mine.toml").write_text(PROGRAM.format(id="mine", title="Mine [b]x[/b]"))
    (user_dir / "same.toml").write_text(PROGRAM.format(id="mine", title="Twin"))
    (user_dir / "replace.toml").write_text(
        PROGRAM.format(id="typist-micro-break", title="My micro-break")
    )
    (user_dir / "broken.toml").write_text(
        PROGRAM.format(id="Bad Id", title="x").replace("hold", "hodl")
    )
    (user_dir / "notoml.toml").write_text("this is [not toml")


@pytest.mark.usefixtures("trusting")
def test_the_cache_lists_what_a_full_read_lists(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    mixed_library(user_dir)
    full = load_library()
    first = load_library(cache=cache)
    assert summary(first) == summary(full)
    assert cache.exists() and len(checks) >= 2 * 12  # both reads checked every file
    checks.clear()
    second = load_library(cache=cache)
    assert checks == []  # nothing changed, nothing read
    assert summary(second) == summary(full)
    broken = {b.path.name: [str(i) for i in b.error.issues] for b in second.broken}
    assert any("not valid TOML" in line and ":1:" in line for line in broken["notoml.toml"])
    assert any("did you mean 'hold'" in line for line in broken["broken.toml"])
    assert "duplicate program id 'mine'" in broken["same.toml"][0]


@pytest.mark.usefixtures("trusting")
def test_an_entry_from_the_cache_reads_its_program_when_asked(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    (user_dir / "mine.toml").write_text(PROGRAM.format(id="mine", title="Mine"))
    load_library(cache=cache)
    checks.clear()
    entry = load_library(cache=cache).get("mine")
    assert entry is not None and checks == []
    assert entry.load().program.title == "Mine"
    assert entry.loaded is entry.load()
    # Broken since it was listed: opening it says why.
    stale = load_library(cache=cache).get("mine")
    assert stale is not None
    (user_dir / "mine.toml").write_text("schema_version = 1\n")
    with pytest.raises(ProgramError, match="missing the \\[program\\] table"):
        stale.load()


@pytest.mark.usefixtures("trusting")
def test_a_changed_file_is_checked_again_even_with_its_old_size_and_time(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    program = user_dir / "mine.toml"
    program.write_text(PROGRAM.format(id="mine", title="Before"))
    old = program.stat()
    load_library(cache=cache)
    checks.clear()
    # Same size, and the modification time put back (as `cp -p` or `rsync -t` do):
    # the change time still moves, so the cache does not trust the entry.
    program.write_text(PROGRAM.format(id="mine", title="Behind"))
    os.utime(program, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert program.stat().st_size == old.st_size and program.stat().st_mtime_ns == old.st_mtime_ns
    entry = load_library(cache=cache).get("mine")
    assert checks == [program]
    assert entry is not None and entry.listing.title == "Behind"


def test_a_file_checked_just_after_it_changed_is_checked_again(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    # Within a timestamp tick of the check, a change could keep every time the
    # same: such ("racy") entries are not trusted until the file is older.
    (user_dir / "mine.toml").write_text(PROGRAM.format(id="mine", title="Mine"))
    load_library(cache=cache)
    checks.clear()
    load_library(cache=cache)
    assert user_dir / "mine.toml" in checks


@pytest.mark.usefixtures("trusting")
def test_new_and_deleted_files(user_dir: Path, cache: Path, checks: list[Path]) -> None:
    (user_dir / "mine.toml").write_text(PROGRAM.format(id="mine", title="Mine"))
    load_library(cache=cache)
    (user_dir / "mine.toml").unlink()
    (user_dir / "new.toml").write_text(PROGRAM.format(id="new", title="New"))
    checks.clear()
    found = load_library(cache=cache)
    assert checks == [user_dir / "new.toml"]
    assert found.get("mine") is None and found.get("new") is not None
    kept = json.loads(cache.read_text())["files"]
    assert str(user_dir / "mine.toml") not in kept and str(user_dir / "new.toml") in kept


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"format": 1, "rules": "x", "files": {}',
        b"\xff\xfe\x00",
        b"[]",
        b'{"format": 99, "files": {}}',
        b'{"format": 1, "rules": null, "files": []}',
        b"[" * 100_000,
    ],
)
def test_a_damaged_cache_is_ignored_and_rewritten(
    user_dir: Path, cache: Path, checks: list[Path], damage: bytes
) -> None:
    mixed_library(user_dir)
    full = summary(load_library())
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(damage)
    checks.clear()
    assert summary(load_library(cache=cache)) == full
    assert len(checks) >= 12  # every file checked
    assert json.loads(cache.read_text())["format"] == library_cache.FORMAT
    checks.clear()
    assert summary(load_library(cache=cache)) == full and checks == []


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Bell\u0007"),  # control characters never come from a valid program
        ("title", ""),
        ("title", 7),
        ("audience", "typist"),
        ("audience", [1]),
        ("total_seconds", "60"),
        ("total_seconds", True),
        ("total_seconds", -1),
        ("id", None),
        ("summary", None),
    ],
)
def test_a_malformed_entry_is_checked_again(
    user_dir: Path, cache: Path, checks: list[Path], field: str, value: object
) -> None:
    program = user_dir / "mine.toml"
    program.write_text(PROGRAM.format(id="mine", title="Mine"))
    load_library(cache=cache)
    data = json.loads(cache.read_text())
    data["files"][str(program)]["program"][field] = value
    cache.write_text(json.dumps(data))
    checks.clear()
    entry = load_library(cache=cache).get("mine")
    assert checks == [program]
    assert entry is not None and entry.listing.title == "Mine"


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("issues", [[], "x", [["message"]], [["m", "1", None]], [[1, 1, 1]]])
def test_a_malformed_error_entry_is_checked_again(
    user_dir: Path, cache: Path, checks: list[Path], issues: object
) -> None:
    program = user_dir / "bad.toml"
    program.write_text("schema_version = 1\n")
    load_library(cache=cache)
    data = json.loads(cache.read_text())
    data["files"][str(program)]["issues"] = issues
    cache.write_text(json.dumps(data))
    checks.clear()
    found = load_library(cache=cache)
    assert checks == [program]
    assert "missing the [program] table" in str(found.broken[0].error)


@pytest.mark.usefixtures("trusting")
def test_new_checking_rules_empty_the_cache(
    user_dir: Path, cache: Path, checks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_library(cache=cache)
    real = library_cache._rules()
    assert real is not None and "loader.py" in real and "pydantic" in real
    monkeypatch.setattr(library_cache, "_rules", lambda: real + "\nloader.py edited")
    checks.clear()
    load_library(cache=cache)
    assert len(checks) >= 7
    # Rules that cannot be told (a checking module is missing): no cache at all.
    monkeypatch.setattr(library_cache, "_rules", lambda: None)
    checks.clear()
    load_library(cache=cache)
    load_library(cache=cache)
    assert len(checks) >= 14


def test_a_cache_that_cannot_be_written_is_only_slower(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    found = load_library(cache=blocker / "library.json")
    assert len(found.entries) >= 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # no temporary left behind


@pytest.mark.usefixtures("trusting")
def test_listing_from_a_warm_cache_imports_neither_pydantic_nor_textual(
    user_dir: Path, cache: Path
) -> None:
    mixed_library(user_dir)
    load_library(cache=cache)
    code = (
        "import sys\n"
        "from coach.program import library_cache\n"
        "from coach import paths\n"
        "from coach.program.library import load_library\n"
        "library_cache.RACY_SECONDS = 0\n"
        "found = load_library(cache=paths.library_cache_file())\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('pydantic', 'textual', 'rich')))\n"
        "print(len(found.entries), len(found.broken), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    count, broken, heavy = result.stdout.split(" ", 2)
    assert int(count) >= 8 and broken == "3" and heavy.strip() == "[]"


# --------------------------------------------------------------------------- patient files

BASE = (
    'schema_version = 2\n[program]\nid = "tendon"\ntitle = "Tendon glides"\nprep = 0\n'
    "[program.schedule]\nper_day = 3\n"
    '[[exercise]]\nid = "glide"\nname = "Glide"\nreps = 10\nhold = 3\n'
)
PATIENT = (
    'schema_version = 2\nextends = "{ref}"\n[program]\nid = "tendon-for-js"\n'
    '[patient]\nlabel = "J. S."\n[adjust.glide]\nreps = 6\n'
)


def _seconds(found: Library, ident: str) -> float:
    entry = found.get(ident)
    assert entry is not None, [b.error for b in found.broken]
    return entry.listing.total_seconds


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("ref", ["./tendon.toml", "tendon"])
def test_a_patient_file_is_listed_from_the_cache_until_its_base_changes(
    user_dir: Path, cache: Path, checks: list[Path], ref: str
) -> None:
    base, patient = user_dir / "tendon.toml", user_dir / "js.toml"
    base.write_text(BASE)
    patient.write_text(PATIENT.format(ref=ref))
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 3
    checks.clear()
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 3
    assert checks == []  # nothing changed: neither file read
    base.write_text(BASE.replace("hold = 3", "hold = 5"))
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 5
    assert sorted(checks) == [patient, base]  # the patient file's own stamp did not move


@pytest.mark.usefixtures("trusting")
def test_a_patient_file_found_by_id_is_checked_again_when_another_file_may_be_found(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    (user_dir / "tendon.toml").write_text(BASE)
    (user_dir / "js.toml").write_text(PATIENT.format(ref="tendon"))
    load_library(cache=cache)
    checks.clear()
    # A file earlier in the folder now declares the id: it is the one found.
    (user_dir / "a-new.toml").write_text(BASE.replace("hold = 3", "hold = 7"))
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 7
    assert user_dir / "js.toml" in checks


@pytest.mark.usefixtures("trusting")
def test_a_patient_file_whose_base_is_missing_is_never_kept_broken(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    patient = user_dir / "js.toml"
    patient.write_text(PATIENT.format(ref="./tendon.toml"))
    first = load_library(cache=cache)
    assert [b.path for b in first.broken] == [patient]
    (user_dir / "tendon.toml").write_text(BASE)  # the patient file itself is unchanged
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 3


@pytest.mark.usefixtures("trusting")
def test_status_says_what_is_due_for_a_patient_file(
    user_dir: Path,
    cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coach.cli.main import main
    from tests.helpers import history_with, record

    data = tmp_path / "data"
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    (user_dir / "tendon.toml").write_text(BASE)
    (user_dir / "js.toml").write_text(PATIENT.format(ref="./tendon.toml"))
    load_library(cache=cache)  # as the app and `coach run` do
    today = date(2026, 11, 20)
    history_with(data, record("a", day=today, program="tendon-for-js", exercises=[])).close()
    with freeze_time("2026-11-20 12:00:00"):
        assert main(["status", "--json"]) == 0
    # Only a program with a session (or a prescription) is due: the patient's, from the cache.
    (entry,) = json.loads(capsys.readouterr().out)["due"]
    assert (entry["program"], entry["done_today"], entry["prescribed_today"]) == (
        "tendon-for-js",
        1,
        3,
    )


def test_every_module_of_the_program_package_is_among_the_checking_rules() -> None:
    """A change to any of them may change what a file says: the cache must notice."""
    package = Path(library_cache.__file__).parent
    modules = {f"program/{file.name}" for file in package.glob("*.py")}
    # Not read when a file is checked: the package's marker, and the handout's layout.
    modules -= {"program/__init__.py", "program/handout.py"}
    assert modules <= set(library_cache._RULE_MODULES)


@pytest.mark.usefixtures("trusting")
def test_a_patient_file_extending_a_link_follows_the_link_when_it_is_repointed(
    user_dir: Path, cache: Path, checks: list[Path]
) -> None:
    versions = user_dir.parent / "versions"
    versions.mkdir()
    (versions / "v1.toml").write_text(BASE)
    (versions / "v2.toml").write_text(BASE.replace("hold = 3", "hold = 7"))
    link = user_dir.parent / "current.toml"
    link.symlink_to(versions / "v1.toml")
    (user_dir / "js.toml").write_text(PATIENT.format(ref="../current.toml"))
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 3
    link.unlink()
    link.symlink_to(versions / "v2.toml")  # the clinic moves everyone to version 2
    assert _seconds(load_library(cache=cache), "tendon-for-js") == 6 * 7
