"""The progress screen: a calendar in whole weeks, the prescription week by week, check-ins.

The history is built through the real store (phases with a schedule change,
symptoms, next-day answers, declined and partial sessions), the day comes from
a fake clock, and the screen is checked by its numbers and by snapshots at
80x24 and 120x40.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach import paths
from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.overview import first_monday, read_progress
from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.progress import ProgressScreen, calendar_lines, month_row
from coach.tui.widgets.symptom_chart import SymptomChart, bar_rows
from tests.tui.helpers import NASTY, shown

TODAY = date(2026, 11, 25)  # a Wednesday: its week is partial
START = date(2026, 11, 2)  # the prescription's first day, a Monday

PROGRAM = f"""\
schema_version = 2

[program]
id = "glides"
title = '{NASTY}'
prep = 0

[program.prescription]
start = {START.isoformat()}
weeks = 6

[program.schedule]
per_day = 2

[program.checkin]
ask = ["pain", "tingling"]
stop_above = 4
next_day = true

[[exercise]]
id = "glide"
name = "Tendon glide"
reps = 5
hold = 3

[[phase]]
name = "Early"
weeks = [1, 2]
schedule = {{ per_day = 3 }}
"""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Days are local: pin the time zone so the screen reads the same everywhere."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def session(day: date, n: int, status: str = "completed", **extra: Any) -> SessionRecord:
    started = datetime(day.year, day.month, day.day, 8 + 3 * n, tzinfo=UTC)
    return SessionRecord(
        id=f"glides-{day.isoformat()}-{n}",
        program="glides",
        title=NASTY,
        started_at=started,
        utc_offset=0,
        local_date=day,
        status=status,  # type: ignore[arg-type]
        ended_at=started + timedelta(minutes=5),
        active_seconds=300 if status != "declined" else 0,
        per_day=3 if day < START + timedelta(weeks=2) else 2,
        stop_above=4,
        exercises=[
            ExerciseRecord(
                "glide",
                "Tendon glide",
                0,
                completed=status == "completed",
                sets_done=1,
                sets_planned=1,
                reps_done=5,
                reps_planned=5,
            )
        ],
        **extra,
    )


def history(folder: Path, clock: FakeClock) -> HistoryStore:
    """Weeks 1-2 at 3 a day (one missed on each Wednesday), then 2 a day from week 3;
    pain easing from 3 to 1, one start declined at pain 6, one session stopped early,
    tingling asked from week 2, next-day answers now and then."""
    store = HistoryStore.in_folder(folder, now=clock.now)
    day = START
    count = 0
    while day <= TODAY:
        week = (day - START).days // 7 + 1
        per_day = 3 if week <= 2 else 2
        if day.weekday() == 2 and week <= 2:
            per_day -= 1  # a missed session
        for n in range(per_day):
            count += 1
            pain = 3 if week == 1 else (2 if week <= 3 else 1)
            symptoms = None if week == 1 else {"pain": pain, "tingling": 2 + (count % 3)}
            after = None if week == 1 else {"pain": max(0, pain - 1), "tingling": 1}
            store.save(
                session(
                    day,
                    n,
                    pain_before=pain,
                    pain_after=max(0, pain - 1),
                    symptoms_before=symptoms,
                    symptoms_after=after,
                    next_day=("better", "same")[count % 2] if n == per_day - 1 else None,
                )
            )
        day += timedelta(days=1)
    # A start declined above the limit, and a session stopped early.
    flare = date(2026, 11, 18)
    store.save(session(flare, 3, "declined", pain_before=6))
    store.save(session(flare, 4, "partial", pain_before=4, pain_after=5))
    return store


def app_for(tmp_path: Path) -> CoachApp:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "glides.toml").write_text(PROGRAM, encoding="utf-8")
    clock = FakeClock()
    clock.set_wall(datetime(TODAY.year, TODAY.month, TODAY.day, 18, 0, tzinfo=UTC))
    store = history(tmp_path / "data", clock)
    return CoachApp(
        AppContext(
            library=load_library(),
            settings=Settings(cues={"bell": False, "sounds": False, "speech": False}),
            clock=clock,
            store=store,
            notice=False,
            breaks=False,
        )
    )


async def opened(pilot: Any) -> None:
    await pilot.press("f2")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_progress_80x24(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=opened)


def test_progress_120x40(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(120, 40), run_before=opened)


async def test_the_screen_shows_the_weeks_the_prescription_and_the_flags(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        assert isinstance(app.screen, ProgressScreen)
        text = shown(app.screen)
        charts = {chart.id: chart.ratings for chart in app.screen.query(SymptomChart)}
    lines = text.splitlines()
    # No empty weeks before the first session: the calendar starts with its week.
    week_of = next(line for line in lines if line.startswith("Week of"))
    assert week_of.split()[2:] == ["2", "9", "16", "23"]
    assert "         Nov 2026" in lines  # over the first week
    rows = {line[:3]: line for line in lines if line[:3] in ("Mon", "Wed", "Thu", "Sun")}
    assert rows["Mon"].split()[1:] == ["3", "3", "2", "2"]
    # Week 2's Wednesday (18 Nov: 2 done, a declined start and a stop above the limit).
    assert rows["Wed"].split()[1:] == ["2", "2", "2!", "[2]"]
    # Today is a Wednesday: Thursday to Sunday of its week are still to come.
    assert rows["Thu"].split()[1:] == ["3", "3", "2"]
    assert rows["Sun"].split()[1:] == ["3", "3", "2"]
    # Weeks 1-2 prescribed 3 a day (21 a week), then 2 a day; this week so far: 3 days.
    heading = next(line for line in lines if "(glides), 2 a day today" in line)
    assert heading.startswith(NASTY)  # shown as text, never markup
    assert "60 of 62 (97%)" in heading
    done = next(line for line in lines if line.startswith("Done"))
    of = next(line for line in lines if line.startswith("Of"))
    assert done.split()[1:] == ["20", "20", "14", "6"]
    assert of.split()[1:] == ["21", "21", "14", "6"]
    assert "advised to stop above 4" in text
    assert "Pain above the limit (4) in 2 check-ins: 2026-11-18 (before 6, not started)" in text
    assert "2026-11-18 (after 5)" in text
    assert "Next day: 18 better, 6 same, 0 worse" in text
    pain_before = charts["chart-0-pain-before"]
    assert pain_before[:3] == (3, 3, 3) and pain_before[-1] == 1
    assert charts["chart-0-tingling-before"][0] is None  # not asked in week 1


def test_a_new_user_sees_only_this_week(tmp_path: Path) -> None:
    store = HistoryStore.in_folder(tmp_path)
    store.save(session(TODAY, 0))
    data = read_progress(store.path, TODAY, frozenset(), weeks=12)
    assert [week.monday for week in data.weeks] == [date(2026, 11, 23)]
    assert data.weeks[0].partial
    lines = calendar_lines(data)
    assert lines[1].split() == ["Week", "of", "23"]
    assert lines[4].split() == ["Wed", "[1]"]  # today
    assert lines[5] == "Thu"  # still to come: blank
    assert first_monday(TODAY, None, 12) == date(2026, 11, 23)


def test_month_labels_sit_over_the_week_a_month_starts_in(tmp_path: Path) -> None:
    store = HistoryStore.in_folder(tmp_path)
    store.save(session(date(2026, 12, 28), 0))
    data = read_progress(store.path, date(2027, 2, 3), frozenset(), weeks=12)
    row = month_row(data.weeks)
    # Weeks of Dec 28, Jan 4 ... Feb 1: January starts in the first week, February in the last.
    # (Weeks belong to the month of their Thursday: Dec 28's is Dec 31.)
    assert row.split() == ["Dec", "Jan", "2027", "Feb"]
    assert row.index("Jan") == 8 + 5 * 1 + 1 and row.index("Feb") == 8 + 5 * 5 + 1


def test_the_chart_keeps_a_fixed_scale() -> None:
    assert bar_rows([0, 5, 10, None, 2]) == ["▁▅█ ▂"]
    assert bar_rows([2, 2, 2]) == ["▂▂▂"]  # a steady 2 is not drawn as a floor
    assert bar_rows([10], height=2) == ["█", "█"]
    assert bar_rows([0], height=2) == [" ", "▁"]
