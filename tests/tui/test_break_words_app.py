"""The app's break prompts say what the break is: words, length and program agree.

Driven by keyboard on a fake clock, with the bundled library and the default
rest break (the 5-minute ``rest-break`` program).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from coach.clock import FakeClock
from coach.config.profiles import MICRO_IDEAS
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.breaks import BreakPrompt, PauseScreen
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.session import SessionScreen
from tests.tui.helpers import NASTY, shown


@pytest.fixture
def clock() -> FakeClock:
    fake = FakeClock()
    fake.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    return fake


def make_app(tmp_path: Path, clock: FakeClock, **breaks: Any) -> CoachApp:
    store = HistoryStore.in_folder(tmp_path / "data", now=clock.now)
    settings = Settings(
        cues={"bell": False, "sounds": False, "speech": False, "countdown": 0},
        breaks={"idle_detection": False, **breaks},
    )
    return CoachApp(
        AppContext(
            library=load_library(), settings=settings, clock=clock, store=store, notice=False
        )
    )


def lines(screen: BreakPrompt) -> list[str]:
    return [str(widget.render()) for widget in screen.query(".words").results(Static)]


async def test_the_rest_prompt_says_the_five_minutes_it_runs(
    tmp_path: Path, clock: FakeClock
) -> None:
    # The default rest break (5m, rest-break); micro-breaks out of the way.
    app = make_app(tmp_path, clock, micro={"every": 7200, "length": 20})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await clock.advance(50 * 60)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BreakPrompt) and screen.due.kind == "rest"
        assert screen.due.program == "rest-break" and screen.due.length == 300
        assert lines(screen) == [
            "5m: Stand up and stretch.",
            "Five minutes up from the desk: stand and loosen up, slow neck turns and tilts, "
            "wrist stretches and a palm-on-the-desk stretch.",
        ]
        text = shown(screen)
        assert "Time for a rest break" in text
        assert "coach run" not in text and "away from the desk" not in text
        await pilot.press("enter")
        await pilot.pause()
        session = app.screen
        assert isinstance(session, SessionScreen)
        assert session.loaded.program.id == "rest-break"
        assert session.timeline.total_seconds == 300  # the length the prompt said


async def test_a_program_of_another_length_is_said_so(tmp_path: Path, clock: FakeClock) -> None:
    app = make_app(
        tmp_path,
        clock,
        micro={"every": 7200, "length": 20},
        rest={"every": 60, "length": 300, "program": "wrist-forearm-stretches"},
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        assert isinstance(app.screen, BreakPrompt)
        first = lines(app.screen)[0]
        assert first == "5m: Wrist and forearm stretches (the program takes 9m)."


async def test_micro_breaks_turn_through_their_ideas_each_on_a_line(
    tmp_path: Path, clock: FakeClock
) -> None:
    app = make_app(
        tmp_path, clock, micro={"every": 60, "length": 20}, rest={"every": 7200, "length": 300}
    )
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(len(MICRO_IDEAS) + 1):
            await clock.advance(60)
            await pilot.pause()
            assert isinstance(app.screen, BreakPrompt)
            assert lines(app.screen)[0] == "20s away from the keys."
            seen.append(lines(app.screen)[1])
            await pilot.press("s")
            await pilot.pause()
    start = seen.index(MICRO_IDEAS[0])
    turned = [MICRO_IDEAS[(start + i) % len(MICRO_IDEAS)] for i in range(len(seen))]
    assert seen == turned and len(set(seen)) == len(MICRO_IDEAS)


async def test_the_pause_shows_the_idea_the_prompt_gave(tmp_path: Path, clock: FakeClock) -> None:
    app = make_app(
        tmp_path,
        clock,
        micro={"every": 60, "length": 20},
        rest={"every": 7200, "length": 300},
        micro_ideas=[NASTY],
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        assert isinstance(app.screen, BreakPrompt)
        assert lines(app.screen) == ["20s away from the keys.", NASTY]  # shown, never obeyed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PauseScreen)
        assert str(app.screen.query_one("#idea", Static).render()) == NASTY
        await clock.advance(20)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_no_ideas_gives_the_plain_words(tmp_path: Path, clock: FakeClock) -> None:
    app = make_app(
        tmp_path,
        clock,
        micro={"every": 60, "length": 20},
        rest={"every": 7200, "length": 300},
        micro_ideas=[],
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        assert isinstance(app.screen, BreakPrompt)
        assert lines(app.screen) == [
            "20s away from the keys.",
            "Let your hands rest and look into the distance.",
        ]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Days are local: pin the time zone so the snapshot reads the same everywhere."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_rest_prompt_snapshot(
    snap_compare: Any, tmp_path: Path, clock: FakeClock, utc: None
) -> None:
    async def before(pilot: Any) -> None:
        await pilot.pause()
        await clock.advance(50 * 60)
        await pilot.pause()

    app = make_app(tmp_path, clock, micro={"every": 7200, "length": 20})
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


# --------------------------------------------------------------------------- out of sight


class FakeNotifier:
    """Records what it is asked to send; fails when told to."""

    def __init__(self, works: bool = True) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.works = works
        self.last_failure: str | None = None if works else "no server \x1b[2J here"

    def send(self, title: str, body: str, *, urgency: str = "normal") -> bool:
        self.sent.append((title, body, urgency))
        return self.works


def app_with(
    tmp_path: Path, clock: FakeClock, notifier: FakeNotifier, micro: float = 60, rest: float = 7200
) -> CoachApp:
    store = HistoryStore.in_folder(tmp_path / "data", now=clock.now)
    settings = Settings(
        cues={"bell": False, "sounds": False, "speech": False, "countdown": 0},
        breaks={
            "idle_detection": False,
            "micro": {"every": micro, "length": 20},
            "rest": {"every": rest, "length": 300, "program": "rest-break"},
            "micro_ideas": ["Look far away."],
        },
    )
    return CoachApp(
        AppContext(
            library=load_library(),
            settings=settings,
            clock=clock,
            store=store,
            notice=False,
            notifier=notifier,
        )
    )


async def wait_for_workers(app: CoachApp, pilot: Any) -> None:
    assert app.break_watch is not None
    for worker in app.break_watch.notifying:
        await worker.wait()
    await pilot.pause()


async def test_a_break_due_out_of_sight_sends_the_desktop_notification(
    tmp_path: Path, clock: FakeClock
) -> None:
    from textual import events

    notifier = FakeNotifier()
    app = app_with(tmp_path, clock, notifier)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await clock.advance(60)  # in front: the prompt only
        await pilot.pause()
        assert isinstance(app.screen, BreakPrompt) and notifier.sent == []
        await pilot.press("s")
        app.post_message(events.AppBlur())  # the person went to another window
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BreakPrompt)  # the prompt waits for them too
        assert notifier.sent == [
            ("Time for a micro-break", "20s away from the keys.\nLook far away.", "normal")
        ]
        await pilot.press("s")
        app.post_message(events.AppFocus())  # back in front: prompts only again
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BreakPrompt) and len(notifier.sent) == 1


async def test_a_rest_break_out_of_sight_is_critical_with_no_cli_hint(
    tmp_path: Path, clock: FakeClock
) -> None:
    from textual import events

    notifier = FakeNotifier()
    app = app_with(tmp_path, clock, notifier, micro=7200, rest=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.post_message(events.AppBlur())
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        await wait_for_workers(app, pilot)
        assert notifier.sent == [
            (
                "Time for a rest break",
                "5m: Stand up and stretch.\nFive minutes up from the desk: stand and loosen up, "
                "slow neck turns and tilts, wrist stretches and a palm-on-the-desk stretch.",
                "critical",
            )
        ]


async def test_a_failed_notification_is_said_in_the_app(tmp_path: Path, clock: FakeClock) -> None:
    from textual import events

    notifier = FakeNotifier(works=False)
    app = app_with(tmp_path, clock, notifier)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.post_message(events.AppBlur())
        await pilot.pause()
        await clock.advance(60)
        await pilot.pause()
        await wait_for_workers(app, pilot)
        assert len(notifier.sent) == 1
        said = [n.message for n in app._notifications]
        # The reason comes from outside: shown, never obeyed.
        assert "The desktop notification failed: no server \\x1b[2J here" in said
