"""The real `coach` app in a real terminal (tmux): pick a program, start, pause, finish."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PROGRAM = """
schema_version = 1
[program]
id = "e2e-quick"
title = "Zebra quick break"
summary = "For the end-to-end test"
prep = 1
[[exercise]]
id = "a"
name = "Squeeze the ball"
cue = "Squeeze gently, then let go"
reps = 2
hold = 3
"""


@pytest.fixture
def terminal(
    tmp_path: Path,
) -> Iterator[tuple[Callable[..., None], Callable[[], str], dict[str, str]]]:
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "quick.toml").write_text(PROGRAM)
    env = {
        "HOME": os.environ["HOME"],
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "COACH_PROGRAMS_PATH": str(programs),
        "COACH_DATA_DIR": str(tmp_path / "data"),
        "COACH_CONFIG_FILE": str(tmp_path / "none.toml"),
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "COACH_CUES__COUNTDOWN": "0",
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", ""),
        "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", ""),
    }
    socket = f"coach-e2e-{uuid.uuid4().hex[:8]}"
    command = " ".join(
        [f"{key}={shlex.quote(value)}" for key, value in env.items()]
        + [shlex.quote(sys.executable), "-m", "coach"]
    )
    tmux = ["tmux", "-L", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "100", "-y", "30", "env " + command], check=True
    )

    def keys(*names: str) -> None:
        subprocess.run([*tmux, "send-keys", *names], check=True)

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=False
        ).stdout

    try:
        yield keys, screen, env
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def wait_for(
    screen: Callable[[], str], text: str, timeout: float = 20, gone: str | None = None
) -> str:
    """Poll the pane until ``text`` shows (and ``gone``, if given, no longer does)."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown and (gone is None or gone not in shown):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_the_app_in_tmux_runs_and_records_a_session(terminal: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    keys, screen, env = terminal
    wait_for(screen, "Numbness can hide pain")  # the safety notice, on the first start
    keys("Enter")
    # The library shows behind the notice too: wait for the notice to go first.
    wait_for(screen, "Type to filter", gone="Numbness can hide pain")
    wait_for(screen, "Hand and wrist strength")  # the home screen lists the programs
    keys("z", "e", "b", "r", "a")  # type to filter
    shown = wait_for(screen, "Zebra quick break")
    assert "Hand and wrist strength" not in shown
    keys("Enter")  # open it
    wait_for(screen, "Squeeze the ball")
    keys("Enter")  # start
    shown = wait_for(screen, "GET READY")
    # The countdown in large block digits, readable from a metre away.
    assert sum("█" in line for line in shown.splitlines()) >= 7, shown
    keys("Space")  # pause
    wait_for(screen, "Paused")
    time.sleep(1.5)  # paused: the session must not move on
    assert "GET READY" in screen()
    keys("Space")
    shown = wait_for(screen, "HOLD")  # the work: its phase word and its cue
    assert "Squeeze gently, then let go" in shown and "Rep 1 of 2" in shown
    wait_for(screen, "Session complete", timeout=30)
    status = subprocess.run(
        [sys.executable, "-m", "coach", "status", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    last = json.loads(status.stdout)["last_session"]
    assert (last["program"], last["status"]) == ("e2e-quick", "completed")
    # Paused for 1.5 s, but only active time counts (about 1 + 2 x 3 s).
    assert last["active_seconds"] < 8.4
