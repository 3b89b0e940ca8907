"""Protocols: a prescription with weeks and no start counts them from the first session."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pytest import CaptureFixture

from coach.cli.main import main
from coach.history.store import HistoryStore, first_session_day
from coach.paths import default_data_dir
from coach.program.loader import ProgramError, load_program, parse_program
from tests.helpers import record

PROTOCOL = """\
schema_version = 2

[program]
id = "graded"
title = "Graded"
prep = 0

[program.prescription]
weeks = 4

[[phase]]
name = "Gentle"
weeks = [1, 2]

[phase.exercise.curl]
reps = 2

[[exercise]]
id = "curl"
name = "Wrist curl"
reps = 5
hold = 1
"""


def refused(text: str) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        parse_program(text, Path("p.toml"))
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def protocol(tmp_path: Path) -> Path:
    path = tmp_path / "graded.toml"
    path.write_text(PROTOCOL, encoding="utf-8")
    return path


def test_a_protocol_counts_its_weeks_from_the_first_session(tmp_path: Path) -> None:
    loaded = load_program(protocol(tmp_path))
    prescription = loaded.program.info.prescription
    assert prescription is not None and prescription.start is None
    assert prescription.total_weeks == 4 and prescription.week_of(date(2026, 12, 1)) is None
    today = date(2026, 12, 10)
    # None recorded yet: today is week 1.
    fresh = loaded.on(today)
    assert (fresh.week, fresh.phase_name, fresh.counted_from) == (1, "Gentle", "today")
    assert fresh.program.exercises[0].reps == 2
    # Counted from the first session: 16 days on is week 3, past the phase.
    later = loaded.on(today, first_day=today - timedelta(days=16))
    assert (later.week, later.phase_name, later.counted_from) == (3, None, "first session")
    assert later.program.exercises[0].reps == 5
    assert later.as_written.info.prescription is not None
    assert later.as_written.info.prescription.start == today - timedelta(days=16)
    # On the day of the first session itself: counted from it, week 1.
    same = loaded.on(today, first_day=today)
    assert (same.week, same.counted_from) == (1, "first session")
    # None yet, a later day: counted from today, so that day's week (the plan's preview).
    ahead = loaded.on(today + timedelta(days=16), today=today)
    assert (ahead.week, ahead.phase_name, ahead.counted_from) == (3, None, "today")
    # After its four weeks, outside the prescription: the program as written.
    assert loaded.on(today, first_day=today - timedelta(days=40)).week is None


@pytest.mark.parametrize(
    ("table", "line"),
    [("", 8), ("end = 2027-01-01", 9)],
)
def test_with_no_start_a_prescription_needs_weeks(table: str, line: int) -> None:
    text = PROTOCOL.replace("weeks = 4", table)
    message = (
        "[program.prescription]: give start = DATE (the first day), or leave it out and "
        "give weeks = N, which then count from the first session"
    )
    assert f"{line}: {message}" in refused(text)


def test_the_first_session_day_is_read_and_never_created(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    assert first_session_day(folder, "graded") is None
    assert not folder.exists()  # a plan leaves no history behind
    with HistoryStore.in_folder(folder) as store:
        store.save(record("a", program="graded", day=date(2026, 11, 20), status="running"))
        store.save(record("b", program="graded", day=date(2026, 11, 22), status="partial"))
        store.save(record("c", program="graded", day=date(2026, 11, 25)))
        store.save(record("d", program="other", day=date(2026, 11, 1)))
        nothing_done = [replace(e, completed=False) for e in record("e").exercises]
        store.save(
            record(
                "e",
                program="graded",
                day=date(2026, 11, 21),
                status="partial",
                exercises=nothing_done,
            )
        )
    # A session still running, one quit before any exercise was done, or another
    # program's, does not start the weeks.
    assert first_session_day(folder, "graded") == date(2026, 11, 22)
    assert first_session_day(folder, "nothing") is None


def test_plan_shows_the_week_counted_from_the_first_session(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = protocol(tmp_path)
    # None recorded yet: the weeks count from today, so a day 15 days on is in week 3.
    ahead = datetime.now().astimezone().date() + timedelta(days=15)
    assert main(["plan", str(path), "--on", ahead.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "the weeks count from your first session; with none recorded yet, from today" in out
    assert f"On {ahead} (week 3): no phase" in out
    with HistoryStore.in_folder(default_data_dir()) as store:
        store.save(record("a", program="graded", day=date(2026, 11, 24)))
    assert main(["plan", str(path), "--on", "2026-12-10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["phase"] is None  # week 3
    assert main(["plan", str(path), "--on", "2026-12-10"]) == 0
    out = capsys.readouterr().out
    assert (
        "Prescribed from 2026-11-24 to 2026-12-21 (4 weeks), counted from your first session" in out
    )
    assert "On 2026-12-10 (week 3): no phase" in out


def test_a_run_paces_the_week_counted_from_the_first_session(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = tmp_path / "graded.toml"
    path.write_text(PROTOCOL.replace("hold = 1", "hold = 0.02"), encoding="utf-8")
    first = datetime.now().astimezone().date() - timedelta(days=16)  # week 3: as written
    with HistoryStore.in_folder(default_data_dir()) as store:
        store.save(record("a", program="graded", day=first))
    assert main(["run", str(path), "--headless", "--json", "--quiet"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    started = next(e for e in events if e["event"] == "session_started")
    assert "phase" not in started  # week 3 is in no phase
    holds = [e for e in events if e["event"] == "step_started" and e["kind"] == "work"]
    assert len(holds) == 5


def test_plan_reads_the_history_the_settings_name(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = protocol(tmp_path)
    other = tmp_path / "other-data"
    with HistoryStore.in_folder(other) as store:
        store.save(record("a", program="graded", day=date(2026, 11, 24)))
    assert main(["--set", f"data_dir={other}", "plan", str(path), "--on", "2026-12-10"]) == 0
    assert "On 2026-12-10 (week 3): no phase" in capsys.readouterr().out
