"""Hostile settings: every setting, every layer, every odd value works or is a clear error.

Each setting is given hostile values (huge numbers, long runs of spaces,
control and bidi characters, deep nesting, wrong types, NaN and infinity,
empty text, a million characters) through a ``COACH_*`` variable, ``--set``
and the config file, and a cheap command runs in-process: it exits 0, or 2
with the usual ``coach: bad setting:`` message; never a traceback, a hang,
or a raw control character on the terminal.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.cli.main import main
from coach.config import settings as coach_settings
from coach.text import UNSAFE

LEAVES = [".".join(key) for key, _ in coach_settings._leaf_fields()]
SECTIONS = ["cues", "breaks", "breaks.micro", "breaks.rest", "history", "ui"]
KEYS = [*LEAVES, *SECTIONS, "nope", "breaks.nope", "cues.bell.deeper"]

HOSTILE_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1" + "0" * 30,
    "9" * 400,
    "9" * 5000,
    "9" * 98 + "h",
    "nan",
    "inf",
    "-inf",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    "[1]",
    '["sat", 1]',
    '{"every": 1e999}',
    '{"every": "' + " " * 1000 + 'x"}',
    " " * 320 + "x",
    " " * 100_000 + "1s",
    "1m30s",
    "\x1b[2J",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x9b31m",
    "\u202eevil",
    "a\u200bb",
    "[" * 5000,
    "[" * 5000 + "]" * 5000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    "x" * 1_000_000,
    "25:61",
    "sat,sun,\x1b",
]

# The same, as TOML values for the config file (strings, and the numbers as numbers).
HOSTILE_TOML = [
    *(json.dumps(text) for text in HOSTILE_TEXT if len(text) < 200_000),
    "1e308",
    "-1e308",
    "inf",
    "nan",
    "9" * 5000,
    "1" + "0" * 30,
    "[" * 5000 + "]" * 5000,
    "[" * 33 + "]" * 33,
    "{ a = " * 3000 + "1" + " }" * 3000,
    "[[], {}]",
    "1979-05-27T07:32:00Z",
    "true",
]


def _check(code: int, out: str, err: str) -> None:
    assert code in (0, 2), (code, err[:500])
    if code == 2:
        assert err.startswith("coach: bad setting:\n"), err[:500]
    for stream in (out, err):
        bad = UNSAFE.search(stream)
        assert bad is None, f"raw {bad[0]!r} reached the terminal: {stream[:300]!r}"
        assert "Traceback" not in stream


def _commands(capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    started = time.process_time()
    for argv in (
        ["config", "show"],
        ["config", "show", "--json"],
        ["status"],
        ["status", "--json"],
    ):
        code = main([*argv[:1], *extra, *argv[1:]] if extra else argv)
        out, err = capsys.readouterr()
        _check(code, out, err)
    assert time.process_time() - started < 2.0  # CPU time: a loaded machine does not fail it


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative data_dir lands in the test's folder, not the repository."""
    monkeypatch.chdir(tmp_path)


def _variable(key: str) -> str:
    return "COACH_" + key.upper().replace(".", "__")


@FUZZ
@given(key=st.sampled_from(KEYS), value=st.sampled_from(HOSTILE_TEXT))
def test_hostile_environment_variables(
    key: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with monkeypatch.context() as patch:
        patch.setenv(_variable(key), value)
        _commands(capsys)


@FUZZ
@given(key=st.sampled_from(KEYS), value=st.sampled_from(HOSTILE_TEXT))
def test_hostile_set_overrides(key: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.process_time()
    for argv in ([f"--set={key}={value}", "config", "show"], [f"--set={key}={value}", "status"]):
        code = main(argv)
        out, err = capsys.readouterr()
        _check(code, out, err)
    assert time.process_time() - started < 2.0  # CPU time: a loaded machine does not fail it


@FUZZ
@given(key=st.sampled_from(KEYS), value=st.sampled_from(HOSTILE_TOML))
def test_hostile_config_files(
    key: str,
    value: str,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    *table, name = key.split(".")
    text = (f"[{'.'.join(table)}]\n" if table else "") + f"{name} = {value}\n"
    config = isolated_home / "hostile.toml"
    config.write_text(text, encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setenv("COACH_CONFIG_FILE", str(config))
        _commands(capsys)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[cues]\nbell = " + "[" * 5000 + "]" * 5000 + "\n", 2),
        ("\n\n[ui]\ntheme = " + "{ a = " * 40 + "1" + " }" * 40 + "\n", 4),
        ("[" + ".".join(["t"] * 40) + "]\n", 1),
    ],
)
def test_a_deeply_nested_config_file_is_refused_with_its_line(
    text: str,
    line: int,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = isolated_home / "deep.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    for argv in (["config", "show"], ["status"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"coach: bad setting:\n{config}:{line}:")
        assert "nested more than 32 levels deep" in err


@pytest.mark.parametrize("special", ["fifo", "device", "folder"])
def test_a_config_file_that_is_not_a_file_is_refused_without_waiting(
    special: str,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = isolated_home / "coach.toml"
    if special == "fifo":
        import os

        os.mkfifo(config)
    elif special == "device":
        config.symlink_to("/dev/zero")
    else:
        config.mkdir()
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    started = time.monotonic()
    assert main(["config", "show"]) == 2
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "not a settings file" in err
    assert time.monotonic() - started < 2.0


def test_a_setting_value_with_escapes_is_shown_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_UI__THEME", "\x1b]52;c;aGk=\x07")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "\\x1b]52;c;aGk=\\x07" in out
