"""Headless check-ins of version 2: every symptom asked, its limit's advice, the next-day
question, and a start declined because of pain kept as ``declined``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from coach.history.store import HistoryStore
from coach.session.headless import EXIT_STOPPED
from tests.helpers import history_with, record
from tests.test_headless import _terminal_run as terminal_run

SYMPTOMS = """
schema_version = 2
[program]
id = "glide"
title = "Glide"
prep = 0
[program.checkin]
ask = ["pain", "tingling", "numbness"]
limits = { tingling = 3 }
stop_above = 6
next_day = true
[[exercise]]
id = "a"
name = "A"
duration = "0.2s"
"""


def _terminal_run(tmp_path: Path, answers: list[tuple[bytes, bytes]]) -> tuple[int | None, str]:
    """Run ``glide`` with a terminal on stdin; answer each (prompt, answer) once it shows."""
    return terminal_run(tmp_path, answers, SYMPTOMS, "glide.toml")


def _earlier_session(tmp_path: Path) -> None:
    # Three days back: a later local day whatever the day start and the hour the test runs.
    started = datetime.now(UTC) - timedelta(days=3)
    history_with(
        tmp_path / "data",
        record("last", program="glide", started=started, day=started.date()),
    ).close()


def test_every_symptom_is_asked_with_its_limit_and_the_next_day_question(
    tmp_path: Path,
) -> None:
    _earlier_session(tmp_path)
    code, out = _terminal_run(
        tmp_path,
        [
            (b"better, the same or worse", b"w\n"),
            (b"how much pain do you have now?", b"2\n"),
            (b"how much tingling do you have now?", b"1\n"),
            (b"how much numbness do you have now?", b"\n"),
            (b"pain do you have now, after", b"3\n"),
            (b"tingling do you have now, after", b"5\n"),
            (b"numbness do you have now, after", b"0\n"),
            (b"A note for your history", b"tingly\n"),
        ],
    )
    assert code == 0
    assert "ease off today" in out and "talk to your physiotherapist" in out
    assert "Your tingling is 5/10, above 3, the limit this program sets" in out
    assert "doctor or physiotherapist" in out
    with HistoryStore.in_folder(tmp_path / "data") as store:
        last = store.get("last")
        (new,) = [s for s in store.sessions() if s.id != "last"]
    assert last is not None and last.next_day == "worse"
    assert new.status == "completed"
    assert new.symptoms_before == {"pain": 2, "tingling": 1}
    assert new.symptoms_after == {"pain": 3, "tingling": 5, "numbness": 0}
    assert (new.pain_before, new.pain_after, new.note) == (2, 3, "tingly")
    assert new.program_hash is not None and len(new.program_hash) == 64
    assert new.to_json()["symptoms"]["after"]["tingling"] == 5


def test_a_symptom_above_its_limit_before_starting_is_kept_as_declined(
    tmp_path: Path,
) -> None:
    code, out = _terminal_run(
        tmp_path,
        [
            (b"how much pain do you have now?", b"1\n"),
            (b"how much tingling do you have now?", b"4\n"),
            (b"how much numbness do you have now?", b"\n"),
            (b"[y/N]", b"\n"),
        ],
    )
    assert code == EXIT_STOPPED
    assert "Your tingling is 4/10, above 3" in out and "Not started." in out
    assert "better, the same or worse" not in out  # no earlier session to ask about
    with HistoryStore.in_folder(tmp_path / "data") as store:
        (row,) = store.sessions()
        assert store.completed_days() == []
    assert row.status == "declined"
    assert row.symptoms_before == {"pain": 1, "tingling": 4}
