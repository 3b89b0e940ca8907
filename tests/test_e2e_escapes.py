"""No escape sequence from outside text reaches a real terminal (tmux).

A program file whose *name* holds an OSC 52 clipboard write, a program whose
*key name* holds a screen clear, and a session in the history (as an older
coach could import it) whose title, exercise name and note hold OSC, CSI, C1
and bidi characters: the app (library with its broken-file list, progress
screen) and the plain commands (`list`, `validate`, `history`, `status`,
`report`) all run in tmux with every byte they write recorded (`pipe-pane`).
None of the hostile sequences may appear in that stream; tmux, which is told
to honour clipboard writes, must hold no buffer afterwards; and the screen
shows each one as visible text instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore
from tests.conftest import REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def hostile(tag: str) -> str:
    """Text that would write the clipboard, retitle the window and clear the screen."""
    return (
        f"{tag}\x1b]52;c;WkFQ\x07\x1b]0;{tag}-title\x07\x1b[2J{tag}-csi"
        f"\x9b3J{tag}-c1\u202e{tag}-bidi\u200b"
    )


def forbidden(tag: str) -> list[bytes]:
    """The byte sequences of :func:`hostile` that must never reach the terminal."""
    return [
        b"\x1b]52;",
        f"\x1b]0;{tag}-title".encode(),
        f"\x1b[2J{tag}-csi".encode(),
        "\x9b".encode(),  # C1 CSI, as UTF-8
        "\u202e".encode(),
        "\u200b".encode(),
    ]


BROKEN_NAME = hostile("ZFILE") + ".toml"

KEY_PROGRAM = r"""
schema_version = 1
[program]
id = "key-trap"
title = "Key trap"
"\u001b]52;c;WkFQ\u0007\u001b[2JZKEY-csi\u202e" = 1
[[exercise]]
id = "a"
name = "A"
duration = 1
"""

GOOD_PROGRAM = """
schema_version = 1
[program]
id = "fine"
title = "A fine program"
[[exercise]]
id = "a"
name = "Squeeze"
duration = 1
"""


@dataclass
class Pane:
    """One command in its own tmux server, every byte it writes kept in ``raw``."""

    tmux: list[str]
    raw_file: Path

    def keys(self, *names: str) -> None:
        subprocess.run([*self.tmux, "send-keys", *names], check=True)

    def screen(self) -> str:
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-S", "-200"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def raw(self) -> bytes:
        return self.raw_file.read_bytes() if self.raw_file.exists() else b""

    def buffers(self) -> str:
        return subprocess.run(
            [*self.tmux, "list-buffers"], capture_output=True, text=True, check=False
        ).stdout


def wait_for(read: Callable[[], str], text: str, timeout: float = 25) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = read()
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


@pytest.fixture
def world(tmp_path: Path) -> dict[str, str]:
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / BROKEN_NAME).write_text("not = [valid", encoding="utf-8")
    (programs / "key-trap.toml").write_text(KEY_PROGRAM, encoding="utf-8")
    (programs / "fine.toml").write_text(GOOD_PROGRAM, encoding="utf-8")
    data = tmp_path / "data"
    # A session as an older coach could have imported it: its text unchecked.
    started = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with HistoryStore.in_folder(data) as store:
        store.save(
            SessionRecord(
                id=str(uuid.uuid4()),
                program="imported",
                title=hostile("ZTITLE"),
                started_at=started,
                utc_offset=0,
                local_date=date(2026, 11, 20),
                status="completed",
                ended_at=started,
                active_seconds=60,
                pain_before=2,
                pain_after=1,
                note=hostile("ZNOTE"),
                exercises=[
                    ExerciseRecord("x", hostile("ZEXERCISE"), 0, True, 1, 1, 0, 0),
                ],
            )
        )
    # coach stores text as it would show it; an older coach stored it raw. Put the raw
    # text back with SQLite itself, so that what is tested here is the showing.
    import sqlite3

    with sqlite3.connect(data / "history.db") as db:
        db.execute(
            "UPDATE sessions SET program_title = ?, note = ?", (hostile("ZTITLE"), hostile("ZNOTE"))
        )
        db.execute("UPDATE session_exercises SET name = ?", (hostile("ZEXERCISE"),))
        db.execute("UPDATE exercise_totals SET name = ?", (hostile("ZEXERCISE"),))
        assert db.execute("SELECT note FROM sessions").fetchone()[0] == hostile("ZNOTE")
    return {
        "HOME": os.environ["HOME"],
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "COACH_PROGRAMS_PATH": str(programs),
        "COACH_DATA_DIR": str(data),
        "COACH_CACHE_DIR": str(tmp_path / "cache"),
        "COACH_CONFIG_FILE": str(tmp_path / "none.toml"),
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", ""),
        "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", ""),
    }


@pytest.fixture
def run_in_tmux(tmp_path: Path, world: dict[str, str]) -> Iterator[Callable[..., Pane]]:
    servers: list[list[str]] = []

    def start(*argv: str) -> Pane:
        name = f"coach-esc-{uuid.uuid4().hex[:8]}"
        tmux = ["tmux", "-L", name, "-f", "/dev/null"]
        servers.append(tmux)
        raw_file = tmp_path / f"{name}.raw"
        command = " ".join(
            [f"{key}={shlex.quote(value)}" for key, value in world.items()]
            + [shlex.quote(sys.executable), "-m", "coach", *map(shlex.quote, argv)]
        )
        # The command waits for a line so that recording starts before its first byte.
        shell = f"read go; env {command}; echo; echo DONE-$?; sleep 60"
        subprocess.run(
            [*tmux, "new-session", "-d", "-x", "120", "-y", "40", "sh", "-c", shell], check=True
        )
        subprocess.run([*tmux, "set-option", "-g", "set-clipboard", "on"], check=True)
        subprocess.run(
            [*tmux, "pipe-pane", "-o", f"cat >> {shlex.quote(str(raw_file))}"], check=True
        )
        pane = Pane(tmux, raw_file)
        pane.keys("Enter")
        return pane

    yield start
    for tmux in servers:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def assert_clean(pane: Pane, *tags: str) -> None:
    raw = pane.raw()
    assert raw, "nothing was recorded from the pane"
    for tag in tags:
        for sequence in forbidden(tag):
            assert sequence not in raw, f"{sequence!r} reached the terminal"
    assert pane.buffers() == "", "something wrote the clipboard (a tmux buffer)"


def test_the_app_shows_hostile_names_and_history_as_text(run_in_tmux: Callable[..., Pane]) -> None:
    pane = run_in_tmux()
    wait_for(pane.screen, "Numbness can hide pain")  # the first-start safety notice
    pane.keys("Enter")
    shown = wait_for(pane.screen, "Broken program files")
    wait_for(pane.screen, "A fine program")
    shown = pane.screen()
    # The file name, shown as text (the list folds it at the box's width).
    flat = "".join(line.strip().strip("│").strip() for line in shown.splitlines())
    assert "ZFILE\\x1b]52;c;WkFQ\\x07" in flat and "<U+202E>ZFILE-bidi<U+200B>" in flat
    assert "Key trap" not in shown.split("Broken program files")[0]  # refused, not listed
    pane.keys("F2")
    wait_for(pane.screen, "Sessions completed each day")
    pane.keys("End")  # the programs and exercises are further down
    shown = wait_for(pane.screen, "ZEXERCISE")
    flat = "".join(line.strip() for line in shown.splitlines())
    assert "ZTITLE\\x1b]52;c;WkFQ\\x07" in flat
    pane.keys("Escape")
    time.sleep(0.5)
    pane.keys("C-q")
    wait_for(pane.screen, "DONE-")
    assert_clean(pane, "ZFILE", "ZKEY", "ZTITLE", "ZEXERCISE")


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (("list",), "ZFILE"),
        (("list", "--json"), "ZFILE"),
        (("validate", "PROGRAMS"), "ZKEY"),
        (("history",), "ZNOTE"),
        (("history", "--format", "json"), "ZNOTE"),
        (("history", "--format", "csv"), "ZNOTE"),
        (("status",), "ZTITLE"),
        (("report",), "ZNOTE"),
    ],
)
def test_plain_commands_print_hostile_text_visibly(
    run_in_tmux: Callable[..., Pane],
    world: dict[str, str],
    argv: tuple[str, ...],
    expect: str,
) -> None:
    programs = world["COACH_PROGRAMS_PATH"]
    pane = run_in_tmux(*(programs if arg == "PROGRAMS" else arg for arg in argv))
    shown = wait_for(pane.screen, "DONE-")
    assert expect in shown
    assert_clean(pane, "ZFILE", "ZKEY", "ZTITLE", "ZEXERCISE", "ZNOTE")
