"""What scripts and other programs read from coach, pinned byte for byte.

Headless JSON lines, ``plan --json``, ``status --json``, ``history --json``,
an export, and the exit status of each command, on a fixed program and a
fixed history (two sessions recorded on a fake clock), at a fixed time. A
refactoring must leave them all unchanged; a deliberate change to one of
these formats updates its file in ``tests/golden/`` with
``UPDATE_PINNED=1 pytest tests/test_pinned_outputs.py`` and says so
in the commit. Session ids are random: each is replaced by ``<session N>``,
pytest's temporary folders by ``<tmp>`` and the bundled programs' folder by
``<bundled>``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from coach import paths
from coach.cli.main import main
from coach.clock import FakeClock
from coach.history.store import HistoryStore
from coach.program.loader import load_program
from coach.session.headless import run_session
from coach.session.recording import HistoryRecorder

GOLDEN = Path(__file__).parent / "golden"

PROGRAM = """\
schema_version = 1
[program]
id = "pinned"
title = "Pinned wrist care"
prep = 3
rest_between_exercises = 5
precautions = ["Stop if it hurts."]
[program.checkin]
pain = true
stop_above = 4
[program.schedule]
per_day = 2
[[exercise]]
id = "squeeze"
name = "Ball squeeze"
instructions = ["Hold the ball.", "Squeeze, then let go."]
cue = "Squeeze gently"
equipment = ["soft ball"]
precautions = ["Not with a fresh injury."]
sides = "each"
switch_sides = 2
reps = 2
sets = 2
rest_between_sets = 4
tempo = [{ phase = "Squeeze", seconds = 2 }, { phase = "Release", seconds = 3 }]
[[exercise]]
id = "stretch"
name = "Wrist extension stretch"
instructions = ["Arm out, palm down."]
reps = 2
hold = 15
rest_between_reps = 5
[[exercise]]
id = "heat"
name = "Heat"
cue = "Heat pack on"
duration = "1m"
"""

NOW = "2026-11-25 18:00:00"  # a Wednesday
FOLDERS: list[str] = []


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    programs = paths.user_programs_dir()
    programs.mkdir(parents=True, exist_ok=True)
    (programs / "pinned.toml").write_text(PROGRAM)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "safety-notice-seen").touch()
    FOLDERS[:] = [str(tmp_path)]
    yield tmp_path


def record(folder: Path, when: datetime, stop_after: float | None) -> str:
    """A headless JSON session on a fake clock from ``when``; its JSON lines."""
    clock = FakeClock()
    clock.set_wall(when)
    store = HistoryStore.in_folder(folder / "data", now=clock.now)
    out = io.StringIO()
    loaded = load_program(paths.user_programs_dir() / "pinned.toml")

    async def run() -> None:
        task = asyncio.ensure_future(
            run_session(
                loaded,
                json_mode=True,
                out=out,
                stdin=io.StringIO(),
                clock=clock,
                recorder=HistoryRecorder(store),
            )
        )
        if stop_after is None:
            await clock.run_until_idle()
        else:
            await clock.advance(stop_after)
            os.kill(os.getpid(), __import__("signal").SIGTERM)
            await clock.run_until_idle()
        await task

    try:
        asyncio.run(run())
    finally:
        store.close()
    return out.getvalue()


def normalised(text: str) -> str:
    ids: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"<session {len(ids) + 1}>")

    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", name, text)
    # pytest's folders for this run: the home folder conftest gives it, and the test's
    for folder in (os.environ["HOME"], *FOLDERS):
        text = text.replace(folder, "<tmp>")
    return text.replace(str(paths.bundled_programs_dir()), "<bundled>")


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    text = normalised(text)
    if os.environ.get("UPDATE_PINNED"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_PINNED=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with freeze_time(NOW):
        status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_outputs_and_exit_statuses_are_pinned(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    completed = record(folder, datetime(2026, 11, 24, 8, 30, tzinfo=UTC), None)
    stopped = record(folder, datetime(2026, 11, 25, 12, 0, tzinfo=UTC), 40.0)
    check("headless-completed.jsonl", completed)
    check("headless-stopped.jsonl", stopped)
    statuses: dict[str, int] = {}
    program = str(paths.user_programs_dir() / "pinned.toml")
    for name, argv in {
        "plan.json": ["plan", "--json", program],
        "plan.txt": ["plan", program],
        "status.json": ["status", "--json"],
        "status.txt": ["status"],
        "status-oneline.txt": ["status", "--oneline"],
        "history.json": ["history", "--format", "json"],
        "history.txt": ["history"],
        "report.md": ["report"],
        "history.csv": ["history", "--format", "csv"],
        "list.json": ["list", "--json"],
        "validate.txt": ["validate", program],
    }.items():
        statuses[name], out, _ = run_cli(capsys, *argv)
        check(name, out)
    export = folder / "export.json"
    statuses["export"], _, _ = run_cli(capsys, "export", str(export))
    check("export.json", export.read_text(encoding="utf-8"))
    bad = folder / "bad.toml"
    bad.write_text('schema_version = 1\n[program]\nid = "bad"\n')
    statuses["validate bad"], _, err = run_cli(capsys, "validate", str(bad))
    check("validate-bad.txt", err)
    statuses["plan missing"], _, _ = run_cli(capsys, "plan", str(folder / "missing.toml"))
    statuses["run unknown id"], _, _ = run_cli(capsys, "run", "--headless", "no-such-program")
    statuses["import itself"], _, _ = run_cli(capsys, "import", str(export))
    statuses["bad --set"], _, _ = run_cli(capsys, "--set", "breaks.micro.every=soon", "status")
    check("exit-statuses.json", json.dumps(statuses, indent=2) + "\n")
