"""The app's version 2 check-in, driven with Pilot on a fake clock: the next-day question,
every asked symptom before and after with a limit's advice, and a declined start."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from textual.widgets import Input

from coach import paths
from coach.clock import FakeClock
from coach.tui.screens.checkin import AdviceScreen, NextDayScreen, PainScreen
from coach.tui.screens.program import ProgramScreen
from coach.tui.screens.session import SessionScreen
from coach.tui.screens.summary import SummaryScreen
from tests.helpers import record
from tests.tui.helpers import PROGRAM, make_app, shown, start

CHECKIN = """[program.checkin]
ask = ["pain", "tingling"]
limits = { tingling = 3 }
stop_above = 6
next_day = true
"""


def _write() -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    text = PROGRAM.format(
        id="aaa", title="Quick one", extra=CHECKIN, name="First", instruction="Hold it"
    ).replace("schema_version = 1", "schema_version = 2")
    (folder / "aaa.toml").write_text(text)


async def test_next_day_then_each_symptom_before_and_after_with_the_limit_advice(
    tmp_path: Path, clock: FakeClock
) -> None:
    _write()
    app, store = make_app(tmp_path, clock)
    store.save(
        record(
            "last",
            program="aaa",
            day=date(2026, 11, 19),
            started=datetime(2026, 11, 19, 9, tzinfo=UTC),
        )
    )
    async with app.run_test(size=(80, 30)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, NextDayScreen)
        assert "better, the same or worse" in shown(app.screen)
        assert "2026-11-19" in shown(app.screen)
        await pilot.press("w")
        await pilot.pause()
        assert "ease off today" in shown(app.screen)
        assert "physiotherapist" in shown(app.screen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PainScreen)
        assert "how much pain" in shown(app.screen)
        await pilot.press("2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PainScreen)
        assert "how much tingling" in shown(app.screen)
        assert "the worst tingling" in shown(app.screen)
        await pilot.press("1", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)  # under every limit: no advice
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("3", "enter")  # pain after
        await pilot.pause()
        assert app.screen.query_one("#tingling-after", Input).has_focus
        await pilot.press("5", "enter")  # tingling after: above its limit of 3
        await pilot.pause()
        assert "Your tingling is 5/10, above 3, the limit this program sets" in shown(app.screen)
        await pilot.press(*"tingly", "enter")
        await pilot.pause()
    last = store.get("last")
    assert last is not None and last.next_day == "worse"
    (new,) = [s for s in store.sessions() if s.id != "last"]
    assert new.status == "completed"
    assert new.symptoms_before == {"pain": 2, "tingling": 1}
    assert new.symptoms_after == {"pain": 3, "tingling": 5}
    assert (new.pain_before, new.pain_after, new.note) == (2, 3, "tingly")
    assert new.program_hash is not None


async def test_a_start_declined_on_a_limits_advice_is_kept_as_declined(
    tmp_path: Path, clock: FakeClock
) -> None:
    _write()
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 30)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, PainScreen)  # no earlier session: no next-day question
        await pilot.press("7", "enter")
        await pilot.pause()
        await pilot.press("4", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AdviceScreen)
        text = shown(app.screen)
        assert "Your pain is 7/10, above 6" in text
        assert "Your tingling is 4/10, above 3" in text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)  # not started
    (row,) = store.sessions()
    assert row.status == "declined"
    assert row.symptoms_before == {"pain": 7, "tingling": 4}
    assert store.completed_days() == []
