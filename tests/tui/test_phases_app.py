"""The app runs the dose of the prescription's phase in force today (on the app's clock)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from coach import paths
from coach.clock import FakeClock
from coach.tui.screens.program import ProgramScreen
from coach.tui.screens.session import SessionScreen
from tests.test_phases import QUICK_PHASED
from tests.tui.helpers import make_app, shown


async def test_the_program_screen_and_the_session_follow_todays_phase(
    tmp_path: Path, clock: FakeClock
) -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The clock says 2026-11-21: a prescription that started on the 14th is in week 2.
    (folder / "quick-phased.toml").write_text(QUICK_PHASED.format(start="2026-11-14"))
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#programs", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("quick-phased")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProgramScreen)
        text = shown(screen)
        assert "Today (week 2): phase 'Later' (weeks 2-4)" in text
        assert "First" not in text and "1. Second - 3 x hold 0.1s" in text
        await pilot.press("enter")
        await pilot.pause()
        session = app.screen
        assert isinstance(session, SessionScreen)
        assert {step.exercise for step in session.timeline.steps} == {"second"}
        await clock.run_until_idle()
        await pilot.pause()
    (row,) = store.sessions()
    assert row.status == "completed"
    assert [(e.exercise, e.load, e.reps_planned) for e in row.exercises] == [
        ("second", "red FlexBar", 3)
    ]
