"""Headless sessions end to end: the real `coach run` in a subprocess, with the real clock.

The programs are a few seconds long; the engine's own logic is tested on a
fake clock in test_engine.py.
"""

from __future__ import annotations

import io
import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest

from coach.clock import FakeClock
from coach.program.loader import load_program
from coach.session.cues import CueOptions
from coach.session.headless import EXIT_STOPPED, run_session
from coach.session.recording import MemoryRecorder

SHORT = """\
schema_version = 1
[program]
id = "short"
title = "Short"
prep = 0.3
rest_between_exercises = 0.2
precautions = ["Stop if it hurts."]
[[exercise]]
id = "squeeze"
name = "Squeeze"
instructions = ["Hold the ball.", "Squeeze, then let go."]
cue = "Squeeze gently"
equipment = ["soft ball"]
precautions = ["Not with a fresh injury."]
sides = "each"
switch_sides = 0.2
reps = 2
tempo = [{ phase = "Squeeze", seconds = 0.2 }, { phase = "Release", seconds = 0.2 }]
[[exercise]]
id = "heat"
name = "Heat"
duration = 0.4
"""

LONG = SHORT.replace("duration = 0.4", 'duration = "10m"')


@pytest.fixture(autouse=True)
def notice_already_seen() -> None:
    """The safety notice shows on a data folder's first run; these tests are not about it."""
    from coach.paths import default_data_dir
    from coach.safety import mark_notice_seen

    mark_notice_seen(default_data_dir())


@pytest.fixture
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return path


@pytest.fixture
def long(tmp_path: Path) -> Path:
    path = tmp_path / "long.toml"
    path.write_text(LONG)
    return path


def coach(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "COACH_CUES__SOUNDS": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "coach", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


def test_json_session_events_timing_and_exit_code(short: Path) -> None:
    process = coach("run", str(short), "--headless", "--json")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert all("event" in e and isinstance(e["t"], float | int) for e in events)
    assert events[0]["event"] == "session_started" and events[-1]["event"] == "session_completed"
    assert events[0]["precautions"] == ["Stop if it hurts."]
    # Each exercise's words come just before its first step.
    exercises = [i for i, e in enumerate(events) if e["event"] == "exercise_started"]
    assert [events[i]["exercise"] for i in exercises] == ["squeeze", "heat"]
    squeeze = events[exercises[0]]
    assert squeeze["instructions"] == ["Hold the ball.", "Squeeze, then let go."]
    assert squeeze["cue"] == "Squeeze gently" and squeeze["equipment"] == ["soft ball"]
    assert squeeze["precautions"] == ["Not with a fresh injury."]
    assert all(events[i + 1]["event"] == "step_started" for i in exercises)
    events = [e for e in events if e["event"] != "exercise_started"]
    plan = subprocess.run(
        [sys.executable, "-m", "coach", "plan", str(short), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    planned = json.loads(plan.stdout)["steps"]
    started = [e for e in events if e["event"] == "step_started"]
    keys = ("kind", "exercise", "side", "set", "rep", "phase", "seconds")
    assert [{k: e[k] for k in keys} for e in started] == planned
    # Each step starts when planned (generous bounds: this is a shared CI machine).
    lateness = [e["actual_start"] - e["planned_start"] for e in started]
    assert all(0 <= late < 0.25 for late in lateness), lateness
    assert events[-1]["t"] == pytest.approx(json.loads(plan.stdout)["total_seconds"], abs=0.25)
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)


def test_plain_session_prints_one_line_per_step_and_a_summary(short: Path) -> None:
    process = coach("run", str(short), "--headless")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert lines[:3] == ["Short: 13 steps, 0:03", "Precautions:", "  - Stop if it hurts."]
    first = lines.index("Exercise 1 of 2: Squeeze")
    assert lines[first + 1 : first + 6] == [
        "  1. Hold the ball.",
        "  2. Squeeze, then let go.",
        "  Equipment: soft ball",
        "  Precaution: Not with a fresh injury.",
        "Squeeze: get ready 0.3s",
    ]
    work = lines.index("Squeeze, left, rep 1/2: Squeeze 0.2s")
    assert lines[work + 1] == "  Cue: Squeeze gently"  # with the first work of each side
    assert lines.count("  Cue: Squeeze gently") == 2
    assert "Squeeze, right: switch sides 0.2s" in lines
    assert "Exercise 2 of 2: Heat" in lines
    assert lines[-1].startswith("Session complete:")
    steps = [line for line in lines if line.startswith(("Squeeze,", "Squeeze:", "Heat:"))]
    assert len(steps) == 13
    assert "Before you start" not in out  # the notice was seen already


def test_sigterm_mid_session_stops_cleanly_as_partial(long: Path) -> None:
    process = coach("run", str(long), "--headless", "--json")
    assert process.stdout is not None
    for line in process.stdout:
        event = json.loads(line)
        if (
            event["event"] == "step_started"
            and event["exercise"] == "heat"
            and event["kind"] == "work"
        ):
            break
    process.send_signal(signal.SIGTERM)
    rest, err = process.communicate(timeout=10)
    assert process.returncode == 128 + signal.SIGTERM, err
    last = json.loads(rest.splitlines()[-1])
    assert last["event"] == "session_stopped"
    assert (
        last["reason"] == "SIGTERM" and last["status"] == "partial" and last["exercise"] == "heat"
    )
    assert "Traceback" not in err


def test_sigint_exit_code(long: Path) -> None:
    process = coach("run", str(long), "--headless")
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.readline()
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=10)
    assert process.returncode == 130, err
    assert rest.splitlines()[-1].startswith("Session interrupted after")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_keys_on_a_terminal(long: Path) -> None:
    """space pauses, space resumes, n skips, q stops; the terminal is restored."""
    leader, follower = pty.openpty()
    env = {
        **os.environ,
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "COACH_CUES__SOUNDS": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "run", str(long), "--headless", "--json"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    os.close(follower)
    assert process.stdout is not None
    events: list[dict[str, object]] = []

    def until(name: str) -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            events.append(json.loads(line))
            if events[-1]["event"] == name:
                return
        raise AssertionError(f"no {name} in {events}")

    until("step_started")
    os.write(leader, b" ")
    until("paused")
    os.write(leader, b" ")
    until("resumed")
    os.write(leader, b"n")
    until("skipped")
    os.write(leader, b"q")
    until("session_stopped")
    process.wait(timeout=10)
    os.close(leader)
    assert process.returncode == EXIT_STOPPED
    assert events[-1]["reason"] == "user"


def test_stdout_closed_early_stops_the_session(long: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        f"{sys.executable} -m coach run {long} --headless --json --quiet | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30  # it did not run the 10-minute session


def test_bad_program_and_unknown_id(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SHORT.replace("reps = 2", "reps = 0"))
    process = coach("run", str(bad), "--headless")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1 and f"{bad}:" in err
    process = coach("run", "no-such-program", "--headless")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "no program 'no-such-program'" in err


async def test_run_session_with_a_fake_clock_records_everything(short: Path) -> None:
    clock = FakeClock()
    recorder = MemoryRecorder()
    out = io.StringIO()
    loaded = load_program(short)
    task = __import__("asyncio").ensure_future(
        run_session(
            loaded, json_mode=True, out=out, stdin=io.StringIO(), clock=clock, recorder=recorder
        )
    )
    await clock.run_until_idle()
    result = await task
    assert result.completed and recorder.result == result and recorder.loaded == loaded
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    engine_lines = [line for line in lines if line["event"] != "exercise_started"]
    assert [line["event"] for line in engine_lines] == [e.name for e in recorder.events]
    assert lines[-1]["active_seconds"] == pytest.approx(3.0)


@pytest.mark.parametrize("json_mode", [False, True])
async def test_a_suspend_with_no_keyboard_goes_on_by_itself(long: Path, json_mode: bool) -> None:
    """No terminal on stdin: nobody can press space, so the session resumes after 5 s."""
    import asyncio

    from coach.session.headless import RESUME_AFTER_SUSPEND

    clock = FakeClock()
    recorder = MemoryRecorder()
    out = io.StringIO()
    loaded = load_program(long)
    task = asyncio.ensure_future(
        run_session(
            loaded,
            json_mode=json_mode,
            out=out,
            stdin=io.StringIO(),
            clock=clock,
            recorder=recorder,
        )
    )
    await clock.advance(60)  # into the 10-minute heat
    await clock.suspend(3600)  # the laptop slept for an hour

    def last() -> str:
        return recorder.events[-1].name

    assert last() == "paused"
    await clock.advance(RESUME_AFTER_SUSPEND - 0.1)
    assert last() == "paused"  # a get-ready first
    await clock.advance(0.2)
    assert last() == "resumed"
    await clock.run_until_idle()
    result = await asyncio.wait_for(task, 10)  # a session that waits for ever fails here
    assert result.completed
    # The hour asleep and the get-ready are not exercise; the heat is given whole.
    assert 600 < result.active_seconds < 600 + 3.0 + 6
    if not json_mode:
        text = out.getvalue()
        assert "asleep or stalled for 1h" in text and "going on in 5 s" in text
        assert "Press space" not in text


@pytest.mark.parametrize("year", [9999, 1900])
async def test_a_clock_far_off_runs_the_session_but_records_nothing(
    short: Path, tmp_path: Path, year: int
) -> None:
    """A session dated 9999 would break every later command: it is run, not recorded."""
    import asyncio
    from datetime import UTC, datetime

    from coach.history.store import HistoryStore
    from coach.session.recording import HistoryRecorder

    clock = FakeClock(wall=datetime(year, 12, 31, 23, 59, 58, tzinfo=UTC))
    warnings: list[str] = []
    with HistoryStore.in_folder(tmp_path / "data") as store:
        recorder = HistoryRecorder(store, warn=warnings.append)
        task = asyncio.ensure_future(
            run_session(
                load_program(short),
                out=io.StringIO(),
                stdin=io.StringIO(),
                clock=clock,
                recorder=recorder,
            )
        )
        await clock.run_until_idle()
        result = await asyncio.wait_for(task, 10)
        recorder.checkin(pain_after=2, note="fine")
        assert result.completed
        assert store.sessions() == []
    assert len(warnings) == 1 and f"clock says {year}-12-31" in warnings[0]
    assert "not recorded" in warnings[0]


CHECKIN = """
schema_version = 1
[program]
id = "checked"
title = "Checked"
prep = 0
[program.checkin]
stop_above = 4
[[exercise]]
id = "a"
name = "A"
duration = "0.2s"
"""


def _terminal_run(
    tmp_path: Path,
    answers: list[tuple[bytes, bytes]],
    text: str = CHECKIN,
    name: str = "checked.toml",
) -> tuple[int | None, str]:
    """Run ``text`` (`checked`) with a terminal on stdin; answer each (prompt, answer) once it
    shows."""
    program = tmp_path / name
    program.write_text(text)
    leader, follower = pty.openpty()
    env = {
        **os.environ,
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "COACH_CUES__COUNTDOWN": "0",
        "COACH_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "run", str(program), "--headless"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(follower)
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + 30
    for prompt, answer in answers:
        while seen.count(prompt) < 1:
            assert time.monotonic() < deadline, seen
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, seen
            seen += chunk
        seen = seen.replace(prompt, b"<asked>", 1)
        os.write(leader, answer)
    out, err = process.communicate(timeout=30)
    os.close(leader)
    assert b"Traceback" not in err, err
    return process.returncode, (seen + out).decode()


def test_checkin_on_a_terminal_is_recorded_with_the_stop_advice(tmp_path: Path) -> None:
    from coach.history.store import HistoryStore

    code, out = _terminal_run(
        tmp_path,
        [
            (b"pain do you have now?", b"eleven\n"),
            (b"Please type a whole number", b"2\n"),
            (b"after the session?", b"6\n"),
            (b"A note for your history", b"stiff wrist\n"),
        ],
    )
    assert code == 0
    assert "Your pain is 6/10, above 4" in out and "doctor or physiotherapist" in out
    with HistoryStore.in_folder(tmp_path / "data") as store:
        (row,) = store.sessions()
    assert (row.pain_before, row.pain_after, row.note) == (2, 6, "stiff wrist")


def test_pain_above_the_limit_before_starting_asks_first(tmp_path: Path) -> None:
    code, out = _terminal_run(tmp_path, [(b"pain do you have now?", b"7\n"), (b"[y/N]", b"\n")])
    assert code == EXIT_STOPPED
    assert "Your pain is 7/10, above 4" in out and "Not started." in out
    assert "Session complete" not in out


def _run_tiny(
    tmp_path: Path, *, json_mode: bool, data_dir: Path | None, record: bool = True
) -> list[str]:
    from coach.history.store import HistoryStore
    from coach.session.headless import run_headless
    from coach.session.recording import HistoryRecorder

    path = tmp_path / "checked.toml"
    path.write_text(CHECKIN)
    out = io.StringIO()
    store = HistoryStore.in_folder(tmp_path / "history") if record else None
    try:
        status = run_headless(
            load_program(path),  # not a terminal
            out=out,
            json_mode=json_mode,
            recorder=None if store is None else HistoryRecorder(store),
            stdin=io.StringIO(),
            data_dir=data_dir,
            cues=CueOptions(
                bell=False,
                speech=False,
                speech_command=None,
                notify_long_rests=0,
                quiet=True,
                countdown=0,
            ),
        )
    finally:
        if store is not None:
            store.close()
    assert status == 0
    return out.getvalue().splitlines()


def test_the_safety_notice_shows_once_per_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = _run_tiny(tmp_path, json_mode=False, data_dir=folder)
    assert first[0] == "Before you start"
    assert any("Numbness can hide pain" in line for line in first)
    assert (folder / "safety-notice-seen").exists()
    again = _run_tiny(tmp_path, json_mode=False, data_dir=folder)
    assert "Before you start" not in again
    other = tmp_path / "other"
    events = [json.loads(line) for line in _run_tiny(tmp_path, json_mode=True, data_dir=other)]
    assert events[0]["event"] == "safety_notice" and "Numbness" in events[0]["text"]
    events = [json.loads(line) for line in _run_tiny(tmp_path, json_mode=True, data_dir=other)]
    assert all(event["event"] != "safety_notice" for event in events)


def test_a_check_in_that_cannot_be_asked_is_said_to_be_skipped(tmp_path: Path) -> None:
    lines = _run_tiny(tmp_path, json_mode=False, data_dir=None)
    assert lines[0] == "Pain check-in skipped: no terminal to ask on."
    events = [json.loads(line) for line in _run_tiny(tmp_path, json_mode=True, data_dir=None)]
    assert events[0] == {"event": "checkin_skipped", "t": 0, "reason": "no terminal"}
    assert events[1]["event"] == "session_started"


def test_no_record_says_once_that_nothing_is_kept_and_asks_nothing(tmp_path: Path) -> None:
    lines = _run_tiny(tmp_path, json_mode=False, data_dir=None, record=False)
    kept = [line for line in lines if "Not recorded" in line or "kept" in line]
    assert kept == ["Not recorded: nothing of this session is kept, so no check-in is asked."]
    events = [
        json.loads(line)
        for line in _run_tiny(tmp_path, json_mode=True, data_dir=None, record=False)
    ]
    assert events[0] == {"event": "checkin_skipped", "t": 0, "reason": "not recorded"}


def _speak_with(tmp_path: Path, script: str, folder: Path) -> None:
    from coach.session.headless import run_headless

    command = tmp_path / "speak"
    command.write_text(f"#!/bin/sh\ncat > /dev/null\n{script}\n")
    command.chmod(0o755)
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    status = run_headless(
        load_program(path),
        json_mode=True,
        stdin=io.StringIO(),
        out=io.StringIO(),
        data_dir=folder,
        cues=CueOptions(
            bell=False,
            speech=True,
            speech_command=str(command),
            notify_long_rests=0,
            quiet=False,
            countdown=0,
            sounds=False,
        ),
    )
    assert status == 0


def test_speech_failures_are_said_and_kept_for_doctor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """espeak-ng with no sound card says so on stderr and exits 0: the person is told."""
    from coach.cli.doctor import collect_checks
    from coach.config.settings import Settings
    from coach.session.cues import last_problems

    folder = tmp_path / "data"
    _speak_with(tmp_path, "echo 'ALSA lib confmisc.c: cannot find card 0' >&2", folder)
    assert "coach: speech: " in capsys.readouterr().err
    found = last_problems(folder)
    assert found is not None and "cannot find card 0" in found[1][0]
    checks = {c.name: c for c in collect_checks(Settings(data_dir=folder), environ={})}
    assert checks["session cues"].ok is False
    assert "cannot find card 0" in checks["session cues"].detail
    _speak_with(tmp_path, "exit 0", folder)  # a session where speech works clears it
    assert last_problems(folder) is None
    checks = {c.name: c for c in collect_checks(Settings(data_dir=folder), environ={})}
    assert checks["session cues"].ok is True


@pytest.mark.parametrize("json_mode", [False, True])
async def test_the_dose_is_printed_with_its_exercise(tmp_path: Path, json_mode: bool) -> None:
    import asyncio

    path = tmp_path / "curl.toml"
    path.write_text(
        'schema_version = 2\n[program]\nid = "curl"\ntitle = "Curls"\nprep = 0\n'
        '[[exercise]]\nid = "a"\nname = "Wrist curl"\nreps = 1\nhold = 1\n'
        'load = "red FlexBar"\neffort = "a gentle squeeze"\n'
        '[[exercise]]\nid = "b"\nname = "Rest the hand"\nduration = 1\n'
    )
    clock = FakeClock()
    out = io.StringIO()
    task = asyncio.ensure_future(
        run_session(
            load_program(path),
            json_mode=json_mode,
            out=out,
            stdin=io.StringIO(),
            clock=clock,
            recorder=MemoryRecorder(),
        )
    )
    await clock.run_until_idle()
    await task
    if json_mode:
        started = [
            json.loads(line) for line in out.getvalue().splitlines() if '"exercise_started"' in line
        ]
        assert [(s.get("load"), s.get("effort")) for s in started] == [
            ("red FlexBar", "a gentle squeeze"),
            (None, None),  # no dose: no keys, as in version 1
        ]
        assert "load" not in started[1]
    else:
        text = out.getvalue()
        assert "  Load: red FlexBar\n  Effort: a gentle squeeze\n" in text
        assert text.count("Load:") == 1


RANGED = """\
schema_version = 2
[program]
id = "ranged"
title = "Ranged"
prep = 0
[[exercise]]
id = "squeeze"
name = "Putty squeeze"
reps = { min = 1, max = 40 }
hold = 0.5
"""


class _PlainTerminal:
    """``coach run FILE --headless`` with a terminal on stdin and no cues; its lines as read."""

    def __init__(self, path: Path) -> None:
        self.leader, follower = pty.openpty()
        env = {
            **os.environ,
            "COACH_CUES__SPEECH": "false",
            "COACH_CUES__BELL": "false",
            "COACH_CUES__SOUNDS": "false",
            "COACH_CUES__COUNTDOWN": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coach", "run", str(path), "--headless"],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        os.close(follower)
        self.lines: list[str] = []

    def until(self, text: str) -> None:
        """Read lines until one holds ``text``."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if text in line:
                return
        raise AssertionError(f"no {text!r} in {self.lines}")

    def press(self, keys: bytes) -> None:
        os.write(self.leader, keys)

    def finish(self) -> int:
        """Wait for the end; the exit status."""
        self.process.wait(timeout=10)
        os.close(self.leader)
        return self.process.returncode


def test_e_on_a_terminal_says_enough_from_the_lower_number(tmp_path: Path) -> None:
    """``e`` before the first rep says from when; after it, ends the set, counted as done."""
    path = tmp_path / "ranged.toml"
    path.write_text(RANGED)
    run = _PlainTerminal(path)
    run.until("From the lower number on, press e for enough")
    run.until("rep 1/40")
    run.press(b"e")
    run.until("Not yet: enough counts from the lower number (reps: 1-40).")
    run.until("rep 2/40")
    run.press(b"e")
    run.until("Enough: 1 rep this set (1-40), counted as done.")
    run.until("Session complete")
    assert run.finish() == 0, run.process.stderr.read()  # type: ignore[union-attr]
    assert "  Reps: 1-40 (paced 40)" in run.lines
    assert not any("rep 3/40" in line for line in run.lines)


def test_an_as_needed_rest_on_a_terminal_waits_for_enter(tmp_path: Path) -> None:
    path = tmp_path / "rests.toml"
    path.write_text(
        RANGED.replace("reps = { min = 1, max = 40 }", 'reps = 2\nrest_between_reps = "as needed"')
    )
    run = _PlainTerminal(path)
    run.until("rep 1/2: rest as needed. Take as long as you need; press space or Enter")
    run.press(b"\r")
    run.until("Rested ")
    run.until("Session complete")
    assert run.finish() == 0


WAITS_BETWEEN = """\
schema_version = 2
[program]
id = "waits"
title = "Waits"
prep = 0
rest_between_exercises = "as needed"
[[exercise]]
id = "squeeze"
name = "Putty squeeze"
reps = 1
hold = 0.5
[[exercise]]
id = "shake"
name = "Shake out"
duration = 0.5
"""


def _history_json() -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "coach", "history", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return cast(list[dict[str, Any]], json.loads(done.stdout))


def test_the_history_keeps_how_long_an_as_needed_rest_took(tmp_path: Path) -> None:
    path = tmp_path / "waits.toml"
    path.write_text(WAITS_BETWEEN)
    run = _PlainTerminal(path)
    run.until("rest as needed. Take as long as you need")
    run.press(b" ")
    run.until("Session complete")
    assert run.finish() == 0
    (session,) = _history_json()
    squeeze, shake = session["exercises"]
    assert session["status"] == "completed"
    assert 0 < squeeze["rest_waited"] < 10  # the rest after it belongs to it
    assert squeeze["hold_seconds"] == 0.5 and "duration_seconds" not in squeeze
    assert shake["duration_seconds"] == 0.5 and "rest_waited" not in shake


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_kill_during_an_as_needed_rest_keeps_what_was_done(
    tmp_path: Path, how: signal.Signals
) -> None:
    """The exercise before the wait is kept; the session reads as partial, not lost."""
    path = tmp_path / "waits.toml"
    path.write_text(WAITS_BETWEEN)
    run = _PlainTerminal(path)
    run.until("rest as needed. Take as long as you need")
    # The exercise's end was written before the rest began (and before this line).
    run.process.send_signal(how)
    run.process.wait(timeout=10)
    os.close(run.leader)
    (session,) = _history_json()  # a killed run's row is reaped as partial here
    assert session["status"] == "partial"
    assert [e["completed"] for e in session["exercises"]] == [True, False]
    if how == signal.SIGTERM:
        assert run.process.returncode == 128 + signal.SIGTERM
        assert session["stop_reason"] == "SIGTERM"
