"""Break prompts in the app, driven by keyboard on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Digits, Static

from coach import paths
from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.breaks import BreakPrompt, PauseScreen, banner_changes_at, banner_text
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.session import SessionScreen
from tests.tui.helpers import NASTY, shown, write


@pytest.fixture
def clock() -> FakeClock:
    fake = FakeClock()
    fake.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    return fake


def make_app(tmp_path: Path, clock: FakeClock, **breaks: Any) -> tuple[CoachApp, HistoryStore]:
    store = HistoryStore.in_folder(tmp_path / "data", now=clock.now)
    settings = Settings(
        cues={"bell": False, "sounds": False, "speech": False, "countdown": 0},
        breaks={
            "idle_detection": False,
            "micro": {"every": 120, "length": 20},
            "rest": {"every": 3600, "length": 300, "program": None},
            **breaks,
        },
    )
    app = CoachApp(
        AppContext(
            library=load_library(), settings=settings, clock=clock, store=store, notice=False
        )
    )
    return app, store


def banner(app: CoachApp) -> str:
    widget = app._home.query_one("#break", Static)
    return str(widget.render()) if widget.display else ""


async def settle(pilot: Any, clock: FakeClock, seconds: float) -> None:
    await clock.advance(seconds)
    await pilot.pause()


async def test_prompt_postpone_skip_and_start_a_plain_pause(
    tmp_path: Path, clock: FakeClock
) -> None:
    app, store = make_app(tmp_path, clock, postpone=300, max_postpones=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert banner(app) == "Next break: micro-break in 2 min"
        await settle(pilot, clock, 30)
        assert banner(app) == "Next break: micro-break in 2 min"
        await settle(pilot, clock, 30)
        assert banner(app) == "Next break: micro-break in less than a minute"
        await settle(pilot, clock, 60)
        # Due: the prompt, with the three answers.
        assert isinstance(app.screen, BreakPrompt)
        assert "Time for a micro-break" in shown(app.screen)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert banner(app) == "Next break: micro-break in 5 min"
        await settle(pilot, clock, 300)
        # Put off once already: the limit is one, so now it insists.
        assert isinstance(app.screen, BreakPrompt)
        assert app.screen.query_one("#postpone", Button).disabled
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, BreakPrompt)  # refused
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await settle(pilot, clock, 120)
        assert isinstance(app.screen, BreakPrompt)
        await pilot.press("enter")  # start: no program, so a plain pause
        await pilot.pause()
        assert isinstance(app.screen, PauseScreen)
        assert app.screen.query_one("#remaining", Digits).value == "20"
        await settle(pilot, clock, 5)
        assert app.screen.query_one("#remaining", Digits).value == "15"
        await settle(pilot, clock, 15)
        assert isinstance(app.screen, HomeScreen)
        # The next one is due `every` after this one ended.
        assert banner(app) == "Next break: micro-break in 2 min"
    counts = store.break_counts()
    assert counts == {("micro", "postponed"): 1, ("micro", "skipped"): 1, ("micro", "taken"): 1}


async def test_a_break_with_a_program_starts_a_session_of_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir(), id="aaa", title=NASTY)
    app, store = make_app(tmp_path, clock, rest={"every": 180, "length": 30, "program": "aaa"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot, clock, 120)
        assert isinstance(app.screen, BreakPrompt)
        await pilot.press("s")  # skip the micro-break
        await pilot.pause()
        await settle(pilot, clock, 60)
        # The rest break, with its program's title shown literally.
        assert isinstance(app.screen, BreakPrompt)
        assert app.screen.due.kind == "rest"
        assert NASTY in shown(app.screen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.loaded.program.id == "aaa"
        await settle(pilot, clock, 5)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")  # stop: a stopped session is not a break
        await pilot.pause()
    assert ("rest", "taken") in store.break_counts()


async def test_a_completed_session_starts_the_break_timers_again(
    tmp_path: Path, clock: FakeClock
) -> None:
    app, _ = make_app(tmp_path, clock, micro={"every": 120, "length": 20})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot, clock, 100)
        # About a minute and a half of steps.
        app.start_session(app.library.get("typist-micro-break").load())  # type: ignore[union-attr]
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await settle(pilot, clock, 40)  # the break falls due mid-session: no prompt
        assert isinstance(app.screen, SessionScreen)
        await settle(pilot, clock, 120)  # the session has ended
        assert not isinstance(app.screen, SessionScreen | BreakPrompt)
        await pilot.press("escape")  # leave the summary
        await pilot.pause()
        assert not isinstance(app.screen, BreakPrompt)
        assert banner(app).startswith("Next break: micro-break in")
        # Due two minutes after the session's end: it started at 100 s and took 88 s.
        due, now = 100 + 88 + 120, 100 + 40 + 120
        await settle(pilot, clock, due - now - 1)
        assert not isinstance(app.screen, BreakPrompt)
        await settle(pilot, clock, 1)
        assert isinstance(app.screen, BreakPrompt)


def test_banner_text_and_when_it_changes() -> None:
    from coach.breaks.scheduler import Due

    due = Due("rest", 1000.0, 300.0, None, None, 0, True)
    assert banner_text(due, 0.0) == "Next break: rest break in 17 min"
    assert banner_changes_at(due, 0.0) == 1000.0 - 16 * 60
    assert banner_text(due, 1000.0 - 16 * 60) == "Next break: rest break in 16 min"
    assert banner_text(due, 950.0) == "Next break: rest break in less than a minute"
    assert banner_text(due, 939.0) == "Next break: rest break in 2 min"
    assert banner_changes_at(due, 939.0) == 940.0
    assert banner_changes_at(due, 950.0) == 1000.0
    assert banner_text(due, 1000.0) == "Break due now: rest break"
    assert banner_changes_at(due, 1000.0) is None
    assert banner_text(None, 0.0) == "" and banner_changes_at(None, 0.0) is None


async def test_the_daily_limit_is_said_once(tmp_path: Path, clock: FakeClock) -> None:
    app, _ = make_app(tmp_path, clock, daily_limit=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot, clock, 120)
        assert isinstance(app.screen, BreakPrompt)
        await pilot.press("s")
        await pilot.pause()
        await settle(pilot, clock, 40)
        said = [n.message for n in app._notifications if "at work today" in n.message]
        assert said == ["2m30s at work today: time to stop for the day?"]


async def test_after_a_suspend_the_app_starts_the_timers_fresh(
    tmp_path: Path, clock: FakeClock
) -> None:
    app, _ = make_app(tmp_path, clock, micro={"every": 600, "length": 20})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot, clock, 300)
        await clock.suspend(3 * 3600)  # the lid closed for three hours
        await pilot.pause()
        await settle(pilot, clock, 1)
        assert not isinstance(app.screen, BreakPrompt)  # nothing stale
        assert banner(app) == "Next break: micro-break in 10 min"
