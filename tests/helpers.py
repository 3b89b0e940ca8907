"""Helpers several test modules share: a session record, a quick program, a history."""

from __future__ import annotations

import contextlib
import os
import subprocess
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore

REPO = Path(__file__).resolve().parent.parent

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
"""When the sessions of :func:`record` start, unless told otherwise."""


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
