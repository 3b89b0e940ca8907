"""`coach remind` end to end: the real command, second-long breaks, its --exec hook and signals."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # real processes in real time

HOOK = (
    f"{sys.executable} -c \"import os, time; open(os.environ['HOOK_FILE'], 'a').write("
    'f\'{time.time()} {os.environ[\\"COACH_BREAK_KIND\\"]} '
    '{os.environ[\\"COACH_BREAK_PROGRAM\\"] or \\"-\\"} '
    '{os.environ[\\"COACH_BREAK_LENGTH\\"]}\\\\n\')"'
)


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(
        COACH_DATA_DIR=str(tmp_path / "data"),
        COACH_CONFIG_FILE=str(tmp_path / "none.toml"),
        HOOK_FILE=str(tmp_path / "hook.txt"),
        COACH_BREAKS__IDLE_DETECTION="false",
        **settings,
    )
    return env


def remind(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "coach", "remind", "--json", "--no-notify", "--no-bell", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def events(process: subprocess.Popen[str]) -> Iterator[dict[str, object]]:
    assert process.stdout is not None
    for line in process.stdout:
        yield json.loads(line)


def wait_for_lines(path: Path, count: int, timeout: float = 30.0) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            rows = [line.split() for line in path.read_text().splitlines()]
            if len(rows) >= count:
                return rows
        time.sleep(0.05)
    raise AssertionError(f"the hook ran {path.read_text() if path.exists() else 'never'}")


def test_remind_exec_runs_the_hook_on_time_with_the_break_in_its_environment(
    tmp_path: Path,
) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="2s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__REST__EVERY="1h",
    )
    process = remind(env, "--exec", HOOK)
    try:
        stream = events(process)
        first = next(stream)
        assert first["event"] == "waiting" and first["kind"] == "micro"
        waited_from = time.time()
        # Meanwhile status bars see the same next break.
        status = subprocess.run(
            [sys.executable, "-m", "coach", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        upcoming = json.loads(status.stdout)["next_break"]
        assert upcoming["kind"] == "micro" and 0 <= upcoming["due_in_seconds"] <= 2
        rows = wait_for_lines(tmp_path / "hook.txt", 3)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    times = [float(row[0]) for row in rows]
    assert [row[1:] for row in rows[:3]] == [["micro", "-", "1"]] * 3
    # The first break 2 s after start, then one every 3 s (2 s of work after each 1 s break).
    assert times[0] - waited_from == pytest.approx(2.0, abs=1.0)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap == pytest.approx(3.0, abs=0.5) for gap in gaps[:2]), gaps
    assert json.loads(out.splitlines()[-1])["event"] == "stopped"
    # It saved its state, and counted what it reminded of.
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "history.db")
    (reminded,) = db.execute("SELECT count(*) FROM breaks WHERE outcome = 'reminded'").fetchone()
    assert reminded >= 3
    # No host runs now: status says so with a null next break.
    status = subprocess.run(
        [sys.executable, "-m", "coach", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(status.stdout)["next_break"] is None


def test_remind_once_waits_for_one_break_and_exits(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="1s",
        COACH_BREAKS__REST__EVERY="1s",
        COACH_BREAKS__REST__LENGTH="2s",
    )
    process = remind(env, "--once", "--exec", HOOK)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    kinds = [e["kind"] for e in map(json.loads, out.splitlines()) if e["event"] == "break"]
    assert kinds == ["rest"]  # both due together: the rest break wins
    rows = wait_for_lines(tmp_path / "hook.txt", 1)
    assert rows[0][1:] == ["rest", "rest-break", "2"]


def test_sigint_ends_it_cleanly_and_a_second_reminder_is_refused(tmp_path: Path) -> None:
    env = environment(tmp_path)
    first = remind(env)
    try:
        assert next(events(first))["event"] == "waiting"
        second = remind(env)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 1 and "already running" in err
    finally:
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=20)
    assert first.returncode == 0, err
    assert "Traceback" not in err


def test_a_bad_break_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = environment(tmp_path, COACH_BREAKS__MICRO__EVERY="soon")
    process = remind(env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "COACH_BREAKS__MICRO__EVERY" in err and "Traceback" not in err
    env = environment(tmp_path, COACH_BREAKS__REST__PROGRAM="no-such-program")
    process = remind(env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "no program 'no-such-program'" in err
