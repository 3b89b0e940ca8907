"""Hostile import files: `coach import` refuses what it cannot keep, and keeps nothing that
breaks another command.

Each example is an export file built from a valid session with hostile
changes (dates at the ends of the calendar, control and bidi characters,
huge, negative and non-finite numbers, wrong types, deep nesting, the same
id twice with different content, torn lines, garbage). It is imported into a
fresh history in-process; the import may succeed or be refused (exit 1 or 2),
never raise, and take under a second. Then every command that reads history
must still work: status (three forms), history (three formats), report (two
formats) and an export whose file imports back into another fresh history.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.cli.main import main
from coach.text import first_unsafe

BASE: dict[str, Any] = {
    "id": "0b0e4c1e-0000-4000-8000-000000000001",
    "program": "wrist-forearm-stretches",
    "title": "Wrist and forearm stretches",
    "status": "completed",
    "started_at": "2026-11-20T09:00:00+01:00",
    "ended_at": "2026-11-20T09:09:00+01:00",
    "utc_offset": 3600,
    "local_date": "2026-11-20",
    "active_seconds": 540,
    "planned_seconds": 540,
    "skipped_steps": 0,
    "stop_reason": None,
    "program_version": "1",
    "program_sha256": "",
    "schedule": {"per_day": 2},
    "stop_above": 5,
    "pain_before": 3,
    "pain_after": 2,
    "note": "felt fine",
    "exercises": [
        {
            "exercise": "extension",
            "name": "Wrist extension stretch",
            "completed": True,
            "sets_done": 1,
            "sets_planned": 1,
            "reps_done": 10,
            "reps_planned": 10,
            "skipped_steps": 0,
        }
    ],
    "updated_at": "2026-11-20T08:09:00.000Z",
}

HOSTILE_TEXT = st.sampled_from(
    [
        "\x1b]52;c;WkFQ\x07",
        "\x1b[2J",
        "\x9b31m",
        "\u202eevil",
        "zero\u200bwidth",
        "\x00",
        "=1+2",  # a spreadsheet formula, for the CSV
        "<script>alert(1)</script>",
        "[bold red]markup[/]",
        "x" * 100_000,
        "",
        " ",
        "\ud800",
    ]
)
HOSTILE_TIME = st.sampled_from(
    [
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+00:00",
        "1970-01-01T00:00:00+00:00",
        "2999-12-31T23:59:59+00:00",
        "1969-12-31T23:59:59+00:00",
        "2026-11-20T09:00:00",  # no offset
        "2026-02-30T09:00:00+00:00",
        "not a time",
        "",
    ]
)
HOSTILE_DATE = st.sampled_from(
    ["9999-12-31", "0001-01-01", "1970-01-01", "2999-12-31", "2026-13-01", "yesterday", ""]
)
HOSTILE_NUMBER: st.SearchStrategy[object] = st.sampled_from(
    [
        -1,
        -0.5,
        0,
        10**18,
        10**400,
        1e308,
        -1e308,
        86_400,
        86_400 * 3,
        10_000_000,
        2**63,
        True,
        "60",
        None,
        [],
    ]
)
FIELDS_TEXT = ["id", "program", "title", "note", "stop_reason", "program_version"]
FIELDS_TIME = ["started_at", "ended_at", "updated_at"]
FIELDS_NUMBER = [
    "active_seconds",
    "planned_seconds",
    "skipped_steps",
    "utc_offset",
    "stop_above",
    "pain_before",
    "pain_after",
]
EXERCISE_NUMBERS = ["sets_done", "sets_planned", "reps_done", "reps_planned", "skipped_steps"]


@st.composite
def hostile_session(draw: st.DrawFn) -> dict[str, Any]:
    session = copy.deepcopy(BASE)
    session["id"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            session[draw(st.sampled_from(FIELDS_TEXT))] = draw(HOSTILE_TEXT)
        elif kind == 1:
            session[draw(st.sampled_from(FIELDS_TIME))] = draw(HOSTILE_TIME)
        elif kind == 2:
            session["local_date"] = draw(HOSTILE_DATE)
        elif kind == 3:
            session[draw(st.sampled_from(FIELDS_NUMBER))] = draw(HOSTILE_NUMBER)
        elif kind == 4:
            exercise = copy.deepcopy(BASE["exercises"][0])
            session["exercises"] = [exercise]
            choice = draw(st.integers(0, 2))
            if choice == 0:
                exercise[draw(st.sampled_from(EXERCISE_NUMBERS))] = draw(HOSTILE_NUMBER)
            elif choice == 1:
                exercise["name"] = draw(HOSTILE_TEXT)
            else:
                session["exercises"] = [exercise] * draw(st.integers(0, 300))
        elif kind == 5:
            session["status"] = draw(st.sampled_from(["running", "partial", "done", "", None]))
        else:
            session["schedule"] = draw(
                st.sampled_from([{"per_week": 0}, {"per_day": 10**12}, {"x": 1}, [], "daily"])
            )
    return session


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def hostile_file(draw: st.DrawFn) -> bytes:
    sessions = draw(st.lists(hostile_session(), min_size=0, max_size=4))
    twin_wanted = draw(st.booleans())
    if sessions and twin_wanted:
        # The same id again, with other content.
        twin = copy.deepcopy(sessions[0])
        twin["program"] = "another-program"
        sessions.append(twin)
    lines = [json.dumps(s, ensure_ascii=draw(st.booleans())) for s in sessions]
    header = '{"format": "coach-history", "version": 1, "sessions": [\n'
    text = header + ",\n".join(lines) + "\n]}\n"
    damage = draw(st.integers(0, 5))
    if damage == 1:
        text = text[: draw(st.integers(0, len(text)))]  # torn by a sync tool or a full disk
    elif damage == 2:
        text = text.replace(
            '"sessions": [', '"sessions": [' + nested(draw(st.integers(1, 50_000))) + ",", 1
        )
    elif damage == 3:
        text = text.replace('"version": 1', f'"version": {draw(HOSTILE_NUMBER)!r}', 1)
    elif damage == 4:
        text = draw(st.sampled_from(["", "null", "[]", "{}", "NaN", "\x00" * 10, "{" * 10_000]))
    data = text.encode("utf-8", "surrogatepass")
    if damage == 5:
        data = data[:10] + b"\xff\xfe" + data[10:]  # not UTF-8
    return data


def texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def assert_keepable(session: dict[str, Any]) -> None:
    """What import let in is what coach itself could have recorded."""
    for text in texts(session):
        assert first_unsafe(text) is None, f"unsafe text kept: {text!r}"
    assert 1970 <= int(session["local_date"][:4]) <= 2999
    assert 1970 <= int(session["started_at"][:4]) <= 2999
    assert 0 <= session["planned_seconds"] <= 24 * 3600
    assert session["active_seconds"] >= 0
    for exercise in session["exercises"]:
        for key in EXERCISE_NUMBERS:
            assert exercise[key] >= 0


@contextmanager
def fresh_history() -> Iterator[Path]:
    saved = os.environ.get("COACH_DATA_DIR")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COACH_DATA_DIR"] = str(Path(folder) / "data")
        try:
            yield Path(folder)
        finally:
            if saved is None:
                os.environ.pop("COACH_DATA_DIR", None)
            else:
                os.environ["COACH_DATA_DIR"] = saved


def timed(argv: list[str]) -> int:
    """Run ``argv``; it must take under a second of CPU (waiting on a busy CI is not counted)."""
    start = time.process_time()
    status = main(argv)
    used = time.process_time() - start
    assert used < 1.0, f"{argv} took {used:.2f} s of CPU"
    return status


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=hostile_file())
def test_hostile_imports_never_break_a_command(
    data: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_history() as folder:
        source = folder / "in.json"
        source.write_bytes(data)
        status = timed(["import", str(source)])
        assert status in (0, 1, 2)
        for argv in (
            ["status"],
            ["status", "--json"],
            ["status", "--oneline"],
            ["history"],
            ["history", "--format", "json"],
            ["history", "--format", "csv"],
            ["report"],
            ["report", "--format", "html"],
        ):
            assert timed(argv) == 0, argv
        exported = folder / "out.json"
        assert timed(["export", str(exported)]) == 0
        sessions = json.loads(exported.read_text(encoding="utf-8"))["sessions"]
        capsys.readouterr()
        for session in sessions:
            assert_keepable(session)
        with fresh_history():
            # Whatever coach keeps, it can import back.
            assert timed(["import", str(exported)]) == 0, capsys.readouterr().err
            assert timed(["export", "-"]) == 0
            again = json.loads(capsys.readouterr().out)["sessions"]
    assert [s["id"] for s in again] == [s["id"] for s in sessions]
