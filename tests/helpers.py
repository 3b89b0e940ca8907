"""Helpers several test modules share: a session record, a quick program, a history."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from coach.clock import FakeClock
from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore
from coach.program.model import Program
from coach.program.timeline import build_timeline
from coach.session.engine import Event, SessionResult, SessionRunner

REPO = Path(__file__).resolve().parent.parent

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
"""When the sessions of :func:`record` start, unless told otherwise."""

WriteProgram = Callable[..., Path]
"""The ``write_program`` fixture: ``write_program(text, name="program.toml") -> Path``."""


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable for this process, as a user's folder without write access is.

    A plain user gets ``chmod 500``. Root writes anywhere whatever the mode
    (CI runs as root), so for root the folder is bind-mounted read-only onto
    itself instead; where that is not allowed either, the test is skipped.
    """
    if os.geteuid() != 0:
        mode = folder.stat().st_mode & 0o777
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    target = str(folder)
    mounted = subprocess.run(["mount", "--bind", target, target], capture_output=True).returncode
    if mounted != 0:
        pytest.skip("root, and bind mounts are not allowed here")
    try:
        if subprocess.run(
            ["mount", "-o", "remount,bind,ro", target, target], capture_output=True
        ).returncode:
            pytest.skip("root, and a read-only remount is not allowed here")
        yield
    finally:
        subprocess.run(["umount", "--lazy", target], capture_output=True)  # open files too


def record(
    session_id: str = "s1",
    *,
    day: date = date(2026, 11, 20),
    status: str = "completed",
    started: datetime = T0,
    **changes: Any,
) -> SessionRecord:
    values: dict[str, Any] = {
        "id": session_id,
        "program": "wrist",
        "title": "Wrist stretches",
        "started_at": started,
        "utc_offset": 3600,
        "local_date": day,
        "status": status,
        "ended_at": started + timedelta(minutes=5),
        "active_seconds": 290.5,
        "planned_seconds": 300.0,
        "per_day": 2,
        "stop_above": 5,
        "pain_before": 3,
        "pain_after": 2,
        "note": "felt fine",
        "exercises": [
            ExerciseRecord("flexor", "Flexor stretch", 0, True, 2, 2, 10, 10, 0),
            ExerciseRecord("extensor", "Extensor stretch", 1, False, 1, 2, 5, 10, 3),
        ],
    }
    values.update(changes)
    return SessionRecord(**values)


QUICK = """
schema_version = 1
[program]
id = "quick"
title = "Quick"
prep = 0
rest_between_exercises = "0.1s"
"""


def quick_program(tmp_path: Path, exercises: int = 12) -> Path:
    text = QUICK + "".join(
        f'\n[[exercise]]\nid = "e{n}"\nname = "E{n}"\nreps = 2\nhold = "0.1s"\n'
        for n in range(exercises)
    )
    path = tmp_path / "quick.toml"
    path.write_text(textwrap.dedent(text))
    return path


def run_env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "COACH_DATA_DIR": str(data),
        "COACH_CUES__COUNTDOWN": "0",
        "PYTHONPATH": str(REPO),
    }


def history_with(folder: Path, *records: SessionRecord) -> HistoryStore:
    store = HistoryStore.in_folder(folder, now=lambda: T0)
    for item in records:
        store.save(item)
    return store


# --------------------------------------------------------------------------- programs


def program(*exercises: dict[str, Any], **info: Any) -> Program:
    data = {
        "schema_version": 1,
        "program": {"id": "p", "title": "P", **info},
        "exercise": [{"name": e["id"].upper(), **e} for e in exercises],
    }
    return Program.model_validate(data)


# Hypothesis strategies for programs (the timeline's and the engine's properties).
durations = st.one_of(st.integers(1, 120), st.floats(0.1, 90).map(lambda x: round(x, 2)))
rests = st.one_of(st.just(0), durations)
breaks = st.one_of(rests, st.just("as needed"))
"""A rest between reps, sets or exercises: also (version 2) "as needed"."""


def ranged(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, or a ``{ min, max, target }`` range of such values (target optional)."""

    @st.composite
    def a_range(draw: st.DrawFn) -> dict[str, Any]:
        low, high = sorted((draw(values), draw(values)))
        table: dict[str, Any] = {"min": low, "max": high}
        if draw(st.booleans()):
            table["target"] = draw(st.sampled_from([low, high]))
        return table

    return st.one_of(values, a_range())


@st.composite
def exercises(draw: st.DrawFn, index: int) -> dict[str, Any]:
    pacing = draw(st.sampled_from(["duration", "hold", "tempo"]))
    exercise: dict[str, Any] = {
        "id": f"e{index}",
        "sides": draw(st.sampled_from(["none", "left", "right", "each", "alternate"])),
        "sets": draw(ranged(st.integers(1, 4))),
        "rest_between_reps": draw(breaks),
        "rest_between_sets": draw(breaks),
    }
    if pacing == "duration":
        exercise["duration"] = draw(ranged(durations))
    else:
        exercise["reps"] = draw(ranged(st.integers(1, 6)))
        if pacing == "hold":
            exercise["hold"] = draw(ranged(durations))
        else:
            exercise["tempo"] = [
                {"phase": f"P{i}", "seconds": draw(durations)}
                for i in range(draw(st.integers(1, 3)))
            ]
    for key in ("prep", "switch_sides", "rest_after"):
        if draw(st.booleans()):
            exercise[key] = draw(breaks if key == "rest_after" else rests)
    return exercise


@st.composite
def programs(draw: st.DrawFn) -> Program:
    count = draw(st.integers(1, 5))
    return program(
        *[draw(exercises(i)) for i in range(count)],
        prep=draw(rests),
        switch_sides=draw(rests),
        rest_between_exercises=draw(breaks),
    )


# --------------------------------------------------------------------------- a session on a fake clock


class Session:
    """A runner on a fake clock, with its events."""

    def __init__(self, p: Program, countdown: int = 0, **kwargs: Any) -> None:
        self.clock = FakeClock()
        self.events: list[Event] = []
        self.timeline = build_timeline(p)
        self.runner = SessionRunner(
            self.timeline, self.clock, [self.events.append], countdown=countdown, **kwargs
        )
        self.task: asyncio.Task[SessionResult] | None = None

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self.runner.run())
        await self.clock.settle()

    async def finish(self) -> SessionResult:
        assert self.task is not None
        await self.clock.run_until_idle()
        return await self.task

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def started(self) -> list[tuple[int, float, float]]:
        return [
            (e.index, e.data["planned_start"], e.data["actual_start"])  # type: ignore[misc]
            for e in self.events
            if e.name == "step_started"
        ]

    def of(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]


# --------------------------------------------------------------------------- a real X server


def _has_libxss() -> bool:
    try:
        ctypes.CDLL("libXss.so.1")
        ctypes.CDLL("libX11.so.6")
    except OSError:
        return False
    return True


needs_xvfb = pytest.mark.skipif(
    shutil.which("Xvfb") is None or not _has_libxss(),
    reason="Xvfb or libXss is not installed here",
)


def start_xvfb(display: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb (on a free display unless one is named); return once it accepts clients."""
    read, write = os.pipe()
    argv = ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp"]
    if display is not None:
        argv.insert(1, display)
    server = subprocess.Popen(
        argv, pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    os.close(write)
    # Xvfb writes the number, then a newline, once it accepts clients; it dies
    # if the pipe is closed between the two writes, so read the whole line.
    answer = b""
    try:
        while not answer.endswith(b"\n"):
            chunk = os.read(read, 32)
            if not chunk:
                break
            answer += chunk
    finally:
        os.close(read)
    number = answer.decode().strip()
    if not number:
        server.kill()
        server.wait()
        pytest.fail("Xvfb did not start")
    return server, f":{number}"


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)
