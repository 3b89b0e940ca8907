"""Snapshots of every screen at 80x24, on a fake clock (update with --snapshot-update)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from coach import paths
from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from tests.tui.helpers import NASTY, start, write


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Days are local: pin the time zone so snapshots read the same everywhere."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def app_for(
    tmp_path: Path, *, notice: bool = False, theme: str = "textual-dark", breaks: bool = False
) -> CoachApp:
    write(
        paths.user_programs_dir(),
        title=NASTY,
        name=NASTY,
        instruction=f"Do {NASTY}",
        extra="[program.checkin]\nstop_above = 4\n",
    )
    clock = FakeClock()
    clock.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    settings = Settings(
        cues={"bell": False, "sounds": False, "speech": False, "countdown": 0},
        ui={"theme": theme},
    )
    store = HistoryStore.in_folder(tmp_path / "data", now=clock.now)
    # Break reminders only where a test shows them: their timer would keep
    # run_until_idle going from break to break.
    return CoachApp(
        AppContext(
            library=load_library(),
            settings=settings,
            clock=clock,
            store=store,
            notice=notice,
            breaks=breaks,
        )
    )


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_home(snap_compare: Any, tmp_path: Path, theme: str) -> None:
    assert snap_compare(app_for(tmp_path, theme=theme, breaks=True), terminal_size=(80, 24))


def test_safety_notice(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path, notice=True), terminal_size=(80, 24))


def test_help(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), press=["?"])


def test_program_detail(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        options = pilot.app.screen.query_one("#programs")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("aaa")
        await pilot.press("enter")

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=before)


def test_pain_before(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        await start(pilot, pilot.app)
        await pilot.pause()  # the check-in screen settles (a loaded machine is slower)

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=before)


def test_summary_with_advice(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        await start(pilot, pilot.app)
        await pilot.press("3", "enter")
        await pilot.pause()
        await pilot.app.clock.run_until_idle()
        await pilot.pause()
        await pilot.press("7", "enter")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=before)


def test_progress(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        await start(pilot, pilot.app)
        await pilot.press("3", "enter")
        await pilot.pause()
        await pilot.app.clock.run_until_idle()
        await pilot.pause()
        await pilot.press("escape", "escape", "f2")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=before)


def test_settings(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), press=["f3"])


def test_break_prompt(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        await pilot.pause()
        await pilot.app.clock.advance(50 * 60)  # the rest break, with its program
        await pilot.pause()

    app = app_for(tmp_path, breaks=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
