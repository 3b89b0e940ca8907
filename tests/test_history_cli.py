"""The history commands end to end: a real recorded run, then status, history and report."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach.cli.main import main
from tests.helpers import quick_program, run_env


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder holding one real, completed headless session of `quick`."""
    data = tmp_path / "data"
    program = quick_program(tmp_path, exercises=2)
    subprocess.run(
        [sys.executable, "-m", "coach", "run", str(program), "--headless", "--quiet"],
        env=run_env(data),
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    return data


def test_status_json_after_a_real_session(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["current_streak"] == 1
    assert status["longest_streak"] == 1
    assert status["sessions_today"] == 1
    assert status["minutes_today"] >= 0
    assert status["next_break"] is None
    last = status["last_session"]
    assert (last["program"], last["status"]) == ("quick", "completed")


def test_status_with_no_history_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "none"))
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["current_streak"], status["last_session"]) == (0, None)
    assert main(["status"]) == 0
    assert "none yet" in capsys.readouterr().out
    assert main(["history"]) == 0
    assert "No sessions" in capsys.readouterr().out
    assert not (tmp_path / "none").exists()


def test_history_formats(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--format", "json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)
    assert session["program"] == "quick" and session["status"] == "completed"
    assert [e["exercise"] for e in session["exercises"]] == ["e0", "e1"]
    assert all(e["completed"] and e["reps_done"] == 2 for e in session["exercises"])
    assert main(["history", "--format", "csv"]) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (row["program"], row["exercises_completed"], row["exercises"]) == ("quick", "2", "2")
    assert main(["history"]) == 0
    table = capsys.readouterr().out
    assert "quick" in table and "completed" in table and "2/2" in table
    assert main(["history", "--program", "other", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["history", "--since", "tomorrow-ish"]) == 2
    assert "--since" in capsys.readouterr().err


def test_report_markdown_and_html(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report"]) == 0
    text = capsys.readouterr().out
    assert "# Exercise report" in text and "Quick (quick)" in text
    assert "not an assessment or a diagnosis" in text
    assert "| Week of (Monday) | Completed | Counted / prescribed |" in text
    assert main(["report", "--since", "all"]) == 0
    assert "Quick (quick)" in capsys.readouterr().out
    out = tmp_path / "report.html"
    assert main(["report", "--format", "html", "-o", str(out), "--since", "7d"]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Quick (quick)" in page
