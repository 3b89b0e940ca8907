"""The home screen says what a prescribed program asks of today, and counts a session done."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from coach import paths
from coach.clock import FakeClock
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.session import SessionScreen
from tests.test_phases import QUICK_PHASED
from tests.tui.helpers import current, make_app, start

THRICE_DAILY = QUICK_PHASED.replace("weeks = 4\n", "weeks = 4\n[program.schedule]\nper_day = 3\n")


def prompt(app: object, program_id: str) -> str:
    options = app.screen.query_one("#programs", OptionList)  # type: ignore[attr-defined]
    return str(options.get_option(program_id).prompt)


async def test_home_shows_due_today_beside_a_prescribed_program(
    tmp_path: Path, clock: FakeClock
) -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The clock says 2026-11-21, in week 2 of a prescription that started on the 14th.
    (folder / "quick-phased.toml").write_text(THRICE_DAILY.format(start="2026-11-14"))
    (folder / "ended.toml").write_text(
        THRICE_DAILY.format(start="2026-10-01").replace('"quick-phased"', '"ended"')
    )
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "due today: 0 of 3 done" in prompt(app, "quick-phased")
        assert "due" not in prompt(app, "ended")  # its four weeks are over
        await start(pilot, app, "quick-phased")
        assert isinstance(current(app), SessionScreen)
        await clock.run_until_idle()
        await pilot.pause()
        await pilot.press("escape")  # the summary, back to the program
        await pilot.pause()
        await pilot.press("escape")  # back home
        await pilot.pause()
        assert isinstance(current(app), HomeScreen)
        assert "due today: 1 of 3 done" in prompt(app, "quick-phased")
    assert [row.status for row in store.sessions()] == ["completed"]
