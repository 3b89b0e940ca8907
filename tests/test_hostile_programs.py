"""Hostile program files: nothing a file says, or is called, crashes, hangs or floods coach.

A fuzz corpus as a test (issue 11): deep nesting, huge numbers, long runs of
spaces in durations, absurd counts, escape sequences and bidi marks in file
and key names, and TOML-ish garbage, through ``validate``, ``plan``,
``list`` and the library, in-process. Each case must end in well under a
second with exit status 0, 1 or 2, no traceback, and no raw control, C1 or
bidi character on the terminal. Special files (a FIFO, a link to
``/dev/zero``, a folder named ``x.toml``) run in a subprocess with a timeout,
so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.cli.main import main
from coach.program.library import ProgramFolder, load_library
from coach.text import UNSAFE
from tests.conftest import REPO

GOOD = (
    'schema_version = 1\n[program]\nid = "good"\ntitle = "Good"\n'
    '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = "15s"\n'
)

BASE = """\
schema_version = 1

[program]
id = "hostile"
title = "Hostile"
{program}

[[exercise]]
id = "a"
name = "A"
{exercise}
"""

HOSTILE_NAMES = [
    "plain.toml",
    "\x1b]52;c;aGVsbG8=\x07.toml",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H.toml",  # clear the screen
    "\x9b31m.toml",  # a C1 CSI
    "\u202egnp.toml",  # a bidi override
    "zero\u200bwidth.toml",
    "tab\tand\x7fdel.toml",
]

# Key names as TOML writes them (escapes inside a quoted key).
HOSTILE_KEYS = [
    '"\\u001b]52;c;aGVsbG8=\\u0007"',
    '"\\u001b[2J"',
    '"\\u009b31m"',
    '"\\u202eevil"',
    '"a\\u200bb"',
    "'literal\u202ekey'",
]

HUGE_NUMBERS = [
    "1" + "0" * 18,
    "1" + "0" * 30,
    "9" * 4000,
    "9" * 5000,
    "1e308",
    "1.7976931348623157e308",
    "1e400",
    "-1e400",
    "inf",
    "nan",
    "0x7fffffffffffffff",
    "1000",
    "1001",
]

DURATION_KEYS = ["hold", "rest_between_reps", "rest_between_sets", "prep", "rest_after"]
COUNT_KEYS = ["reps", "sets"]


def nesting(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "inline":
        return "{ k = " * depth + "1" + " }" * depth
    return "[" * depth + "{ k = 1 }" + "]" * depth


@st.composite
def hostile_programs(draw: st.DrawFn) -> str:
    """The text of a program file someone else wrote, meaning harm or by mistake."""
    kind = draw(
        st.sampled_from(
            ["nesting", "dotted", "number", "spaces", "counts", "key", "text", "garbage", "mixed"]
        )
    )
    program, exercise = "", 'reps = 2\nhold = "1s"'
    if kind == "nesting":
        depth = draw(st.sampled_from([1, 4, 31, 32, 33, 100, 1000, 5000]))
        shape = draw(st.sampled_from(["array", "inline", "mixed"]))
        where = draw(st.sampled_from(["program", "exercise"]))
        value = f"deep = {nesting(depth, shape)}"
        program, exercise = (
            (value, exercise) if where == "program" else ("", f"{exercise}\n{value}")
        )
    elif kind == "dotted":
        parts = draw(st.sampled_from([2, 31, 33, 1000, 20000]))
        as_header = draw(st.booleans())
        dotted = ".".join(["d"] * parts)
        exercise = f"{exercise}\n[{dotted}]\nx = 1" if as_header else f"{exercise}\n{dotted} = 1"
    elif kind == "number":
        key = draw(st.sampled_from([*DURATION_KEYS, *COUNT_KEYS, "duration"]))
        number = draw(st.sampled_from(HUGE_NUMBERS))
        exercise = (
            f"duration = {number}"
            if key == "duration"
            else f"{key} = {number}\n"
            + "\n".join(line for line in ("reps = 2", 'hold = "1s"') if not line.startswith(key))
        )
    elif kind == "spaces":
        spaces = draw(st.sampled_from([0, 1, 50, 99, 100, 320, 1000, 20000]))
        tail = draw(st.sampled_from(["x", "", "1s", "s", "1s x"]))
        key = draw(st.sampled_from(DURATION_KEYS))
        exercise = f'reps = 2\nhold = "1s"\n{key} = "{" " * spaces}{tail}"'.replace(
            'hold = "1s"\nhold', "hold"
        )
    elif kind == "counts":
        sets = draw(st.sampled_from([1, 999, 1000, 1001, 10**18]))
        reps = draw(st.sampled_from([1, 999, 1000, 1001, 10**18]))
        hold = draw(st.sampled_from(['"1s"', '"0.001s"', '"24h"', "86400.5", "1e-300"]))
        sides = draw(st.sampled_from(["none", "each", "alternate"]))
        exercise = f'sets = {sets}\nreps = {reps}\nhold = {hold}\nsides = "{sides}"'
    elif kind == "key":
        key = draw(st.sampled_from(HOSTILE_KEYS))
        where = draw(st.sampled_from(["program", "exercise", "table"]))
        if where == "program":
            program = f"{key} = 1"
        elif where == "exercise":
            exercise = f"{exercise}\n{key} = 1"
        else:
            exercise = f"{exercise}\n[{key}]\nx = 1"
    elif kind == "text":
        text = draw(st.sampled_from(["\\u001b[2J", "\\u009b", "\\u202e", "\\u200b", "ok"]))
        program = f'summary = "{text}"'
    elif kind == "garbage":
        return draw(st.text(alphabet="[]{}=\"'#.,\n \t0123456789abcehms\\_-+:", max_size=300))
    else:
        program = f'prep = "{" " * draw(st.integers(0, 200))}5s"'
        exercise = f"sets = 1000\nreps = 1000\nhold = {draw(st.sampled_from(HUGE_NUMBERS))}"
    return BASE.format(program=program, exercise=exercise)


def _check_output(out: str, err: str) -> None:
    for stream in (out, err):
        bad = UNSAFE.search(stream)
        assert bad is None, f"raw {bad[0]!r} reached the terminal: {stream[:300]!r}"
        assert "Traceback" not in stream


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
    code = main(list(argv))
    out, err = capsys.readouterr()
    _check_output(out, err)
    return code


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_programs(), name=st.sampled_from(HOSTILE_NAMES))
def test_hostile_program_files_never_crash_hang_or_leak_escapes(
    text: str,
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "programs"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(folder))

    started = time.process_time()  # CPU time: a loaded CI machine does not count
    assert _run(capsys, "validate", str(path)) in (0, 1)
    assert _run(capsys, "validate", str(folder)) in (0, 1)
    assert _run(capsys, "plan", str(path)) in (0, 1)
    assert _run(capsys, "plan", str(path), "--json") in (0, 1)
    assert _run(capsys, "list") == 0
    assert _run(capsys, "list", "--json") == 0
    library = load_library([ProgramFolder(folder, "COACH_PROGRAMS_PATH")])
    assert library.get("good") is not None  # one bad file never hides the others
    assert len(library.entries) + len(library.broken) == 2
    for broken in library.broken:
        for issue in broken.error.issues:
            assert UNSAFE.search(str(issue)) is None
    elapsed = time.process_time() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s of CPU for {text[:80]!r}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE.format(program="deep = " + nesting(5000, "array"), exercise="duration = 1"),
            "nested more than 32 levels deep",
        ),
        (
            BASE.format(program="", exercise="reps = 1000000000000000000\nhold = 1"),
            "at most 1,000 reps",
        ),
        (BASE.format(program="", exercise=f'duration = "{" " * 1000}x"'), "at most 100 characters"),
        (BASE.format(program="", exercise="duration = 1e308\nsets = 10"), "longer than 24h"),
    ],
)
def test_the_cases_the_tester_found_are_clear_errors(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "found.toml"
    path.write_text(text, encoding="utf-8")
    started = time.process_time()
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert expected in err and str(path) in err and out == ""
    assert time.process_time() - started < 1.0  # CPU time: a loaded machine does not fail it


def test_a_hostile_file_name_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "\x1b]52;c;aGk=\x07.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\\x1b]52;c;aGk=\\x07.toml: ok (good" in out


def test_list_shows_a_hostile_replaced_path_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "\u202esecond"
    for folder in (first, second):
        folder.mkdir()
        (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("COACH_PROGRAMS_PATH", os.pathsep.join([str(first), str(second)]))
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "replaces" in out and "<U+202E>second" in out and "\u202e" not in out


def test_an_unexpected_failure_in_one_file_is_a_broken_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong checking one file (here a MemoryError), the rest are listed."""
    import coach.program.loader

    real = coach.program.loader.parse_program

    def parse(text: str, path: Path, **options: bool):  # type: ignore[no-untyped-def]
        if path.name == "bad.toml":
            raise MemoryError("out of memory")
        return real(text, path, **options)

    monkeypatch.setattr(coach.program.loader, "parse_program", parse)
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.toml").write_text(GOOD.replace('"good"', '"bad"', 1), encoding="utf-8")
    library = load_library([ProgramFolder(tmp_path, "user")])
    assert [entry.id for entry in library.entries] == ["good"]
    (broken,) = library.broken
    assert "coach could not check this file (MemoryError: out of memory)" in str(broken.error)


# --- special files: a FIFO, a link to /dev/zero, a folder named x.toml ---------------------------


@pytest.fixture
def special_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    os.mkfifo(folder / "fifo.toml")
    (folder / "zero.toml").symlink_to("/dev/zero")
    (folder / "folder.toml").mkdir()
    return folder


def _coach(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COACH_PROGRAMS_PATH": str(folder), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "coach", *argv],
        capture_output=True,
        text=True,
        timeout=30,  # a regression fails here instead of hanging the suite
        env=env,
        cwd=REPO,
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_list_names_each_special_file_and_lists_the_rest(special_folder: Path) -> None:
    result = _coach(special_folder, "list")
    assert result.returncode == 0, result.stderr
    assert "good" in result.stdout and "Traceback" not in result.stderr
    assert (
        f"{special_folder / 'fifo.toml'}: is a FIFO (a named pipe), not a program file"
        in result.stdout
    )
    assert f"{special_folder / 'zero.toml'}: is a device, not a program file" in result.stdout
    assert f"{special_folder / 'folder.toml'}: is a folder, not a program file" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_validate_refuses_special_files_without_waiting(special_folder: Path) -> None:
    result = _coach(special_folder, "validate", str(special_folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "good.toml: ok (good" in result.stdout
    assert "fifo.toml: is a FIFO" in result.stderr
    assert "zero.toml: is a device" in result.stderr
    assert "folder.toml: is a folder" in result.stderr
    assert "3 of 4 files have problems" in result.stderr
    for name in ("fifo.toml", "zero.toml"):
        single = _coach(special_folder, "validate", str(special_folder / name))
        assert single.returncode == 1 and single.stderr.count("\n") == 1, single.stderr
        plan = _coach(special_folder, "plan", str(special_folder / name))
        assert plan.returncode == 1 and "not a program file" in plan.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_the_library_and_its_cache_survive_special_files(
    special_folder: Path, tmp_path: Path
) -> None:
    """In-process too: the library opens nothing it cannot read without waiting."""
    folders = [ProgramFolder(special_folder, "user")]
    cache = tmp_path / "cache.json"
    for _ in range(2):  # the second time, from the cache
        started = time.monotonic()
        library = load_library(folders, cache=cache)
        assert time.monotonic() - started < 5
        assert [entry.id for entry in library.entries] == ["good"]
        assert sorted(broken.path.name for broken in library.broken) == [
            "fifo.toml",
            "folder.toml",
            "zero.toml",
        ]
