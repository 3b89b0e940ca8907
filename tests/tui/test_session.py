"""Sessions in the app, driven by keyboard on a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList

from coach import paths
from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.checkin import AdviceScreen, PainScreen
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.program import ProgramScreen
from coach.tui.screens.session import ConfirmStop, SessionScreen, clock_digits
from coach.tui.screens.summary import SummaryScreen
from tests.tui.helpers import NASTY, digits, make_app, shown, start, write


def test_clock_digits() -> None:
    assert [clock_digits(s) for s in (15, 14.2, 0.2, 0, 65, 600)] == [
        "15",
        "15",
        "1",
        "0",
        "1:05",
        "10:00",
    ]


async def test_start_pause_skip_back_and_finish(tmp_path: Path, clock: FakeClock) -> None:
    from coach import paths

    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await start(pilot, app)
        assert isinstance(app.screen, SessionScreen)
        screen = app.screen
        assert "GET READY" in shown(screen) and "First (1 of 2)" in shown(screen)
        assert digits(app) == "2"
        await clock.advance(2.5)  # into rep 1's hold
        await pilot.pause()
        screen.refresh_clock()
        assert "HOLD" in shown(screen) and "Rep 1 of 2" in shown(screen)
        assert "Hold it" in shown(screen)
        assert digits(app) == "5"
        # Pause: time passes, the countdown does not.
        await pilot.press("space")
        await pilot.pause()
        assert "Paused" in shown(screen)
        await clock.advance(30)
        screen.refresh_clock()
        assert digits(app) == "5"
        await pilot.press("space")
        await pilot.pause()
        assert not screen.query_one("#paused").display
        # n skips to the rest; b early in it goes back to the hold.
        await pilot.press("n")
        await pilot.pause()
        assert "REST" in shown(screen) and "Next: Hold 5s (rep 2 of 2)" in shown(screen)
        await pilot.press("b")
        await pilot.pause()
        assert "HOLD" in shown(screen) and "Rep 1 of 2" in shown(screen)
        # s skips the rest of the first exercise.
        await pilot.press("s")
        await pilot.pause()
        assert "Second" in shown(screen)
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        # The first exercise was skipped: kept, but not as a completed session.
        assert "Session ended: 1 of 2 exercises skipped (kept as partial)." in shown(app.screen)
        assert "Streak: 0 days" in shown(app.screen)
        await pilot.press("escape")
        await pilot.pause()
        # Back to the library, not the program's page (where keys would start it again).
        assert isinstance(app.screen, HomeScreen)
    (row,) = store.sessions()
    assert (row.status, row.stop_reason, row.program) == ("partial", "skipped", "aaa")
    assert [e.completed for e in row.exercises] == [False, True]
    assert row.skipped_steps > 0


async def test_stop_asks_first_and_keeps_a_partial_session(
    tmp_path: Path, clock: FakeClock
) -> None:
    from coach import paths

    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop)
        await pilot.press("n")  # go on
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "Session stopped" in shown(app.screen)
    (row,) = store.sessions()
    assert row.status == "partial"


async def test_checkin_before_and_after_with_the_stop_advice(
    tmp_path: Path, clock: FakeClock
) -> None:
    from coach import paths

    write(paths.user_programs_dir(), extra="[program.checkin]\nstop_above = 4\n")
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, PainScreen)
        await pilot.press("1", "2", "enter")  # not 0-10: asked again
        await pilot.pause()
        assert isinstance(app.screen, PainScreen)
        app.screen.query_one(Input).value = ""
        await pilot.press("6", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AdviceScreen)
        assert "above 4" in shown(app.screen) and "doctor" in shown(app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)  # not started
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("7", "enter")
        await pilot.pause()
        assert "Your pain is 7/10, above 4" in shown(app.screen)
        await pilot.press(*"sore", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    # (Both started at the same fake instant: told apart by status, not order.)
    declined, row = sorted(store.sessions(), key=lambda s: s.status != "declined")
    # The start not made on the advice is kept too, as declined, with its rating.
    assert (declined.status, declined.pain_before) == ("declined", 6)
    assert (row.pain_before, row.pain_after, row.note) == (3, 7, "sore")


async def test_program_text_is_shown_literally_in_the_session(
    tmp_path: Path, clock: FakeClock
) -> None:
    from coach import paths

    write(paths.user_programs_dir(), title=NASTY, name=NASTY, instruction=f"Do {NASTY}")
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one("#programs", OptionList)
        assert any(
            NASTY in str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        )
        await start(pilot, app)
        await clock.advance(2.5)
        await pilot.pause()
        text = shown(app.screen)
        assert NASTY in text and f"Do {NASTY}" in text
        await pilot.click(offset=(10, 3))
        assert app.is_running


async def test_the_safety_notice_on_first_start_and_help(tmp_path: Path, clock: FakeClock) -> None:
    from coach.tui.screens.help import NoticeScreen

    store = HistoryStore.in_folder(tmp_path / "data")
    app = CoachApp(
        AppContext(
            library=load_library(), settings=Settings(), clock=clock, store=store, breaks=False
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NoticeScreen)
        text = shown(app.screen)
        assert "doctor" in text and "Numbness can hide pain" in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, NoticeScreen)
        text = shown(app.screen)
        assert "space      pause / resume" in text and "slurred speech" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    again = CoachApp(
        AppContext(
            library=load_library(), settings=Settings(), clock=clock, store=store, breaks=False
        )
    )
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, HomeScreen)  # seen once is enough


async def test_progress_opens_at_once_and_fills_in(tmp_path: Path, clock: FakeClock) -> None:
    from coach import paths
    from coach.tui.screens.progress import ProgressScreen

    write(paths.user_programs_dir(), title="Quick [b]one[/b]")
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await clock.run_until_idle()
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("f2")
        assert isinstance(app.screen, ProgressScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = shown(app.screen)
        assert "Streak: 1 days" in text
        assert "Quick [b]one[/b] (aaa): 1/1" in text
        assert "Sat" in text and "[1]" in text  # 2026-11-21 was a Saturday: today, one session
        assert "aaa: First: 1/1, 2 reps" in text


async def test_settings_show_sources_and_edit_the_user_file(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    from coach.tui.screens.settings import EditSetting, SettingsScreen

    config = tmp_path / "config.toml"
    config.write_text(
        "# my settings\n[cues]\nspeech = false  # quiet, please\n"
        '[breaks]\nmicro = { every = "10m", length = 20 }  # inline\n'
    )
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        keys = [item.key for item in app.screen.values]
        sources = {item.key: item.source for item in app.screen.values}
        assert sources["cues.speech"] == str(config)  # the screen shows "your config file"
        assert sources["cues.bell"] != str(config)  # the default, from the shipped file
        table = app.screen.query_one("#settings", DataTable)
        table.move_cursor(row=keys.index("breaks.micro.every"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditSetting)
        app.screen.query_one(Input).value = "soon"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditSetting)  # refused, with the reason
        assert "breaks.micro.every" in shown(app.screen)
        app.screen.query_one(Input).value = "7m"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        sources = {item.key: item.source for item in app.screen.values}
        assert sources["breaks.micro.every"] == str(config)
        assert app.settings.breaks.micro.every == 420  # the app read the settings again
        text = config.read_text()
        # Saved through `coach config set`'s code: the comments and the inline table stay.
        assert text == (
            "# my settings\n[cues]\nspeech = false  # quiet, please\n"
            '[breaks]\nmicro = { every = "7m", length = 20 }  # inline\n'
        )
        # r puts a setting back to its default, as `coach config unset` does.
        table.move_cursor(row=keys.index("cues.speech"))
        await pilot.press("r")
        await pilot.pause()
        sources = {item.key: item.source for item in app.screen.values}
        assert sources["cues.speech"] != str(config)
        assert app.settings.cues.speech is True
    text = config.read_text()
    assert (
        text == '# my settings\n[cues]\n[breaks]\nmicro = { every = "7m", length = 20 }  # inline\n'
    )
    assert tomllib.loads(text)["breaks"]["micro"]["every"] == "7m"


async def test_the_dose_is_shown_all_through_the_work(tmp_path: Path, clock: FakeClock) -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aaa.toml").write_text(
        'schema_version = 2\n[program]\nid = "aaa"\ntitle = "Curls"\nprep = 2\n'
        '[[exercise]]\nid = "a"\nname = "Wrist curl"\ncue = "Slowly"\nreps = 2\nhold = 5\n'
        'rest_between_reps = 1\nload = "[b]red[/b] FlexBar"\neffort = "a gentle squeeze"\n'
    )
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot, app)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        dose = "Slowly  ·  Load: [b]red[/b] FlexBar  ·  Effort: a gentle squeeze"
        assert "Load:" not in shown(screen)  # the get-ready shows no dose
        await clock.advance(3)
        await pilot.pause()
        assert dose in shown(screen)  # program text is data: the [b] is shown as typed
        await clock.advance(4.5)  # into the rest between reps (7 s to 8 s)
        await pilot.pause()
        assert "Load:" not in shown(screen)
        await clock.advance(1)  # the second rep
        await pilot.pause()
        assert dose in shown(screen)


async def test_enough_ends_a_ranged_set_from_its_lower_number(
    tmp_path: Path, clock: FakeClock
) -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aaa.toml").write_text(
        'schema_version = 2\n[program]\nid = "aaa"\ntitle = "Grip"\nprep = 2\n'
        '[[exercise]]\nid = "a"\nname = "Putty squeeze"\nreps = { min = 2, max = 4 }\n'
        "hold = 5\nrest_between_reps = 1\n"
        '[[exercise]]\nid = "b"\nname = "Shake out"\nduration = 10\n'
    )
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot, app)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        await clock.advance(3)  # rep 1's hold
        await pilot.pause()
        assert "Reps: 2-4 (paced 4)" in shown(screen)
        assert screen.check_action("enough", ())  # the footer offers it here
        await pilot.press("e")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert "Not yet: enough counts from the lower number (reps: 2-4)." in said
        assert "Rep 1 of 4" in shown(screen)
        await clock.advance(12)  # rep 3's hold (14 s to 19 s): two done
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert "Enough: 2 reps this set (2-4), counted as done." in said
        assert "Shake out" in shown(screen)
        assert not screen.check_action("enough", ())  # no range in this one
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    (record,) = store.sessions()
    assert record.status == "completed" and record.exercises[0].reps_done == 2
    assert record.exercises[0].done_count == 2  # the count done of the ranged reps


async def test_an_as_needed_rest_counts_up_until_enter(tmp_path: Path, clock: FakeClock) -> None:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aaa.toml").write_text(
        'schema_version = 2\n[program]\nid = "aaa"\ntitle = "Grip"\nprep = 2\n'
        '[[exercise]]\nid = "a"\nname = "Putty squeeze"\nreps = 2\nhold = 5\n'
        'rest_between_reps = "as needed"\n'
    )
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot, app)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        await clock.advance(2 + 5 + 64.5)  # 64.5 s into the rest
        await pilot.pause()
        screen.refresh_clock()
        assert "REST" in shown(screen) and "press space or Enter when you are ready" in shown(
            screen
        )
        assert digits(app) == "1:04"  # counting up, past the 30 s it would last unattended
        await pilot.press("enter")
        await pilot.pause()
        assert "HOLD" in shown(screen) and "Rep 2 of 2" in shown(screen)
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    (record,) = store.sessions()
    assert record.status == "completed"
    assert record.active_seconds == pytest.approx(2 + 5 + 64.5 + 5)
