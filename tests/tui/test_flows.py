"""The session's flows, driven with Pilot on a fake clock: stopping, quitting, escaping,
the summary's heading, and a session that is not recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from coach import paths
from coach.clock import FakeClock
from coach.tui.screens.checkin import PainScreen
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.program import ProgramScreen
from coach.tui.screens.session import ConfirmStop, SessionScreen
from coach.tui.screens.summary import SummaryScreen
from tests.tui.helpers import current, header_settled, make_app, shown, start, write


async def test_the_stop_question_pauses_and_go_on_resumes(tmp_path: Path, clock: FakeClock) -> None:
    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        session = app.screen
        assert isinstance(session, SessionScreen)
        await clock.advance(3)  # 1 s into the first 5 s hold
        await pilot.pause()
        left = session.runner.remaining()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop) and session.runner.paused
        await clock.advance(60)  # reading the question is not exercise
        await pilot.pause()
        assert session.runner.remaining() == pytest.approx(left)
        await pilot.press("n")
        await pilot.pause()
        assert not session.runner.paused and current(app) is session
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    (row,) = store.sessions()
    assert row.status == "completed"
    assert row.active_seconds == pytest.approx(session.timeline.total_seconds, abs=0.01)


async def test_a_session_paused_before_the_question_stays_paused(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir())
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        session = app.screen
        assert isinstance(session, SessionScreen)
        await pilot.press("space")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert session.runner.paused and current(app) is session


async def test_ctrl_q_in_a_session_asks_then_keeps_it_and_quits(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await clock.advance(10)
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop)
        assert "quit coach" in shown(app.screen) and "kept" in shown(app.screen)
        assert app.is_running
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
    assert not app.is_running
    (row,) = store.sessions()
    assert row.status == "partial" and row.stop_reason == "user"
    assert row.active_seconds == pytest.approx(10, abs=0.01)  # what was done, not 0:00


async def test_ctrl_q_on_the_stop_question_quits_after_stopping(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop)
        await pilot.press("ctrl+q")  # impatient: quit, please
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmStop)
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
    assert not app.is_running
    (row,) = store.sessions()
    assert row.status == "partial"


async def test_ctrl_q_on_the_library_quits_at_once(tmp_path: Path, clock: FakeClock) -> None:
    app, _ = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_escape_on_the_pain_question_goes_back_and_starts_nothing(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir(), extra="[program.checkin]\nstop_above = 4\n")
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, PainScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)
        await clock.advance(30)
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)
    assert store.sessions() == []


async def test_keys_typed_after_the_summary_go_to_the_library(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape", *"rest")  # escape, then typing straight on
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#filter", Input).value == "rest"
    assert len(store.sessions()) == 1  # the program did not start again


@pytest.mark.parametrize(
    ("keys", "heading", "status"),
    [
        ((), "Session complete. Well done.", "completed"),
        (("s", "s"), "Session ended: every exercise was skipped (kept as partial).", "partial"),
        (("s",), "Session ended: 1 of 2 exercises skipped (kept as partial).", "partial"),
        (("q", "y"), "Session stopped: what you did is kept (partial).", "partial"),
    ],
)
async def test_the_summary_heading_agrees_with_the_history(
    tmp_path: Path, clock: FakeClock, keys: tuple[str, ...], heading: str, status: str
) -> None:
    write(paths.user_programs_dir())
    app, store = make_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await clock.run_until_idle()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert str(app.screen.query_one("#heading", Static).render()) == heading
    (row,) = store.sessions()
    assert row.status == status


async def test_no_record_asks_nothing_and_says_once_that_nothing_is_kept(
    tmp_path: Path, clock: FakeClock
) -> None:
    write(paths.user_programs_dir(), extra="[program.checkin]\nstop_above = 4\n")
    app, store = make_app(tmp_path, clock, record=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        assert isinstance(app.screen, SessionScreen)  # no pain question
        await pilot.press("q")
        await pilot.pause()
        assert "kept" not in shown(app.screen)
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = shown(app.screen)
        assert str(app.screen.query_one("#heading", Static).render()) == "Session stopped."
        assert "kept" not in text and text.count("Not recorded") == 1
        assert not app.screen.query(Input)  # no pain, no note
    assert store.sessions() == []


async def test_speech_that_fails_in_a_session_is_told_and_kept_for_doctor(
    tmp_path: Path, clock: FakeClock
) -> None:
    from coach.session.cues import last_problems

    write(paths.user_programs_dir())
    speak = tmp_path / "speak"
    speak.write_text("#!/bin/sh\necho 'ALSA lib pcm.c: Unknown PCM default' >&2\n")
    speak.chmod(0o755)
    app, _ = make_app(tmp_path, clock, cues={"speech": True, "speech_command": str(speak)})
    told: list[tuple[str, str]] = []
    notify = app.notify

    def spy(message: str, **options: object) -> None:
        told.append((str(options.get("title", "")), message))
        notify(message, **options)  # type: ignore[arg-type]

    app.notify = spy  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        # This session ends at once on the fake clock: let its header settle first.
        await header_settled(pilot, app)
        await clock.run_until_idle()
        for _ in range(100):  # the speech worker finishing, in real time
            await pilot.pause(0.05)
            if isinstance(app.screen, SummaryScreen):
                break
        assert isinstance(app.screen, SummaryScreen)
        await header_settled(pilot, app)  # and the summary's, before the app closes
    assert any(
        title == "Speech or sounds failed" and "Unknown PCM default" in message
        for title, message in told
    ), told
    found = last_problems(tmp_path / "data")
    assert found is not None and "Unknown PCM default" in found[1][0]
