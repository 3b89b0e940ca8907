"""Import refuses what would break coach later, and reads in bounded memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.cli.main import main
from coach.history.exchange import ExportError, read_export
from coach.history.store import HistoryStore
from tests.helpers import history_with, record, run_env


def _file(tmp_path: Path, *sessions: dict[str, Any]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"format": "coach-history", "version": 1, "sessions": sessions}))
    return path


def _session(**changes: Any) -> dict[str, Any]:
    data = record("x").to_json()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"started_at": "9999-12-31T10:00:00+00:00"}, "from 1970-01-01 to 2999-12-31"),
        ({"local_date": "9999-12-31"}, "from 1970-01-01 to 2999-12-31"),
        ({"local_date": "2026-01-01"}, "not the day of started_at"),
        ({"ended_at": "2026-11-20T09:00:00+01:00"}, "negative duration"),
        ({"ended_at": "2026-12-20T09:00:00+01:00"}, "at most 168 h"),
        ({"active_seconds": -1}, "from 0 to"),
        ({"planned_seconds": 2778 * 3600}, "from 0 to 86400"),
        ({"note": "hi \x1b]52;c;aGk=\x07"}, r"\\x1b"),
        ({"title": "abc\u202edef"}, "<U\\+202E>"),
        ({"program": "wrist\u200b"}, "<U\\+200B>"),
        ({"exercises": [{"exercise": "a\x9b", "completed": True}]}, r"exercises\[0\]"),
    ],
)
def test_refused(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        read_export(_file(tmp_path, _session(**changes)))


def test_what_coach_records_it_imports_back(tmp_path: Path) -> None:
    long = record("long", planned_seconds=2778 * 3600.0, active_seconds=1e7, note="a\x1bb")
    long.title = "T\u202eU\x7fV"  # neither escaped by SQLite's JSON: found as they are
    long.ended_at = long.started_at + timedelta(days=30)
    with history_with(tmp_path / "a", long) as store:
        path = tmp_path / "out.json"
        with open(path, "w", encoding="utf-8") as out:
            store.write_export(out)
    (back,) = read_export(path)
    assert back.planned_seconds == 24 * 3600 and back.active_seconds == 48 * 3600
    assert back.note == "a\\x1bb"
    assert back.title == "T<U+202E>U\\x7fV"


def test_the_same_id_for_another_session_is_reported_not_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    history_with(data, record("x"), record("y")).close()
    later = _session(updated_at="2027-01-01T00:00:00.000Z", note="added later")
    other = record("y", program="other").to_json()
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    assert main(["import", str(_file(tmp_path, later, other))]) == 1
    err = capsys.readouterr().err
    assert "1 updated" in err and "y (program other, here wrist)" in err
    with HistoryStore.in_folder(data) as store:
        assert store.get("x").note == "added later"  # type: ignore[union-attr]
        assert store.get("y").program == "wrist"  # type: ignore[union-attr]


def test_a_huge_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    header = b'{"format": "coach-history", "version": 1, "sessions": [\n{"id": "'
    with open(path, "wb") as out:
        out.write(header)
        out.truncate(len(header) + 300 * 1024**2)  # a 300 MiB line (sparse: no disk used)
    script = (
        "import resource, sys\n"
        "from coach.cli.main import main\n"
        "status = main(['import', sys.argv[1]])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        env=run_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "longer than 16 MiB" in result.stderr, result.stderr
    peak_mib = int(result.stdout.strip()) / 1024
    assert peak_mib < 150, peak_mib  # reading the line would take over 300
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 < 400


def test_a_2999_session_works_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    late = _session(
        id="late",
        started_at="2999-12-31T10:00:00-12:00",
        ended_at="2999-12-31T11:00:00-12:00",
        utc_offset=-12 * 3600,
        local_date="2999-12-31",
        updated_at="2999-12-31T23:00:00.000Z",
    )
    assert main(["import", str(_file(tmp_path, late))]) == 0
    for argv in (["status"], ["status", "--json"], ["history"], ["report", "--since", "all"]):
        assert main(argv) == 0, argv
    assert main(["export", str(tmp_path / "o.json")]) == 0
    capsys.readouterr()
    assert len(read_export(tmp_path / "o.json")) == 1
