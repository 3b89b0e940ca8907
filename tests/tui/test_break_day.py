"""The app over a working day, on a fake clock: the warning banner, break over, the pause key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from coach.clock import FakeClock
from coach.tui.screens.breaks import BreakPrompt, PauseScreen, banner_changes_at, banner_text
from coach.tui.screens.home import HomeScreen
from tests.tui.test_break_prompts import banner, make_app, settle


@pytest.fixture(autouse=True)
def utc(zone: Any) -> None:
    zone("UTC")


def clock_at_ten() -> FakeClock:
    fake = FakeClock()
    fake.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    return fake


def test_the_banner_counts_down_the_warning_each_second() -> None:
    from coach.breaks.scheduler import Due

    due = Due("micro", 100.0, 20, None, None, 0, True)
    assert banner_text(due, 60.0, warning=30) == "Next break: micro-break in less than a minute"
    assert banner_changes_at(due, 60.0, 30) == 70.0
    assert banner_text(due, 70.0, warning=30) == "Micro-break in 30 s"
    assert banner_changes_at(due, 70.0, 30) == 71.0
    assert banner_text(due, 99.5, warning=30) == "Micro-break in 1 s"
    assert banner_text(due, 99.5, warning=0) == "Next break: micro-break in less than a minute"
    rest = Due("rest", 100.0, 300, None, None, 0, True)
    assert banner_text(rest, 80.0, warning=30) == "Rest break in 20 s"


async def test_the_banner_turns_to_the_warning_then_the_prompt(tmp_path: Path) -> None:
    clock = clock_at_ten()
    app, _ = make_app(tmp_path, clock, warning=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot, clock, 89)
        assert banner(app) == "Next break: micro-break in less than a minute"
        await settle(pilot, clock, 1)
        assert banner(app) == "Micro-break in 30 s"
        await settle(pilot, clock, 10)
        assert banner(app) == "Micro-break in 20 s"
        await settle(pilot, clock, 20)
        assert isinstance(app.screen, BreakPrompt)


async def test_a_plain_pause_ends_with_break_over_and_the_end_sound(tmp_path: Path) -> None:
    clock = clock_at_ten()
    app, _ = make_app(tmp_path, clock)
    played: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.break_watch is not None
        app.break_watch.play_end = lambda: played.append("end")
        await settle(pilot, clock, 120)
        assert isinstance(app.screen, BreakPrompt)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PauseScreen)
        await settle(pilot, clock, 19)
        assert played == []
        await settle(pilot, clock, 1)
        assert isinstance(app.screen, HomeScreen)
        assert played == ["end"]
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Break over: micro-break done") for m in messages), messages


async def test_f4_pauses_the_reminders_for_an_hour_and_again_resumes(tmp_path: Path) -> None:
    clock = clock_at_ten()
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert banner(app).startswith("Break reminders paused until ")
        state = store.break_state()
        assert state is not None and state["paused_until"] == "2026-11-21T11:00:00.000Z"
        await settle(pilot, clock, 30 * 60)
        assert isinstance(app.screen, HomeScreen)  # no prompt while paused
        await pilot.press("f4")
        await pilot.pause()
        assert banner(app) == "Next break: micro-break in 2 min"
        assert store.break_state()["paused_until"] is None  # type: ignore[index]
        await pilot.press("f4")  # paused again, and it comes back by itself
        await pilot.pause()
        await settle(pilot, clock, 3600)
        assert banner(app) == "Next break: micro-break in 2 min"
        await settle(pilot, clock, 120)
        assert isinstance(app.screen, BreakPrompt)


async def test_the_command_palette_offers_pausing_and_resuming(tmp_path: Path) -> None:
    clock = clock_at_ten()
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Pause break reminders until tomorrow" in titles
        assert "Resume break reminders" in titles
        command: Any = next(
            c for c in app.get_system_commands(app.screen) if c.title.endswith("tomorrow")
        )
        command.callback()
        await pilot.pause()
        state = store.break_state()
        assert state is not None and state["paused_until"] == "2026-11-22T04:00:00.000Z"


GLIDE = """\
schema_version = 2

[program]
id = "glide"
title = "Median nerve glide"

[program.schedule]
times = ["10:01", "15:00"]

[[exercise]]
id = "glide"
name = "Glide"
reps = 2
hold = 1
"""


async def test_the_app_announces_a_prescribed_session_at_its_time(tmp_path: Path) -> None:
    from coach import paths

    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "glide.toml").write_text(GLIDE, encoding="utf-8")
    clock = clock_at_ten()
    app, _ = make_app(tmp_path, clock, micro={"every": 3600, "length": 20})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        def said() -> list[str]:
            return [str(n.message) for n in app._notifications if n.title == "Prescribed session"]

        await settle(pilot, clock, 59)
        assert said() == []
        await settle(pilot, clock, 1)
        assert said() == ["Median nerve glide: 1 of 2 today"]
