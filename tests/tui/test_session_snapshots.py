"""Snapshots of the session screen: every kind of step, three sizes, three looks.

A hold, the last 3 seconds, get ready, switch sides, a rest with the next
exercise shown, a tempo phase, paused, and a 15-minute duration step: each
at 80x24, 120x40 and 200x60, in the dark theme, the light theme and with
NO_COLOR, where the phase's border shape and words must carry what colour
does (72 pictures).
All on a fake clock (update with --snapshot-update).
"""

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
from coach.tui.screens.session import SessionScreen
from coach.tui.widgets.big_digits import BigDigits
from tests.tui.helpers import start

PROGRAM = """
schema_version = 1
[program]
id = "look"
title = "Wrist care"
prep = 5
switch_sides = 5
rest_between_exercises = 10

[[exercise]]
id = "stretch"
name = "Wrist extension stretch"
instructions = ["Arm straight out, palm down.", "With the other hand, bend the wrist down."]
cue = "Keep the elbow straight"
sides = "each"
reps = 2
hold = 15
rest_between_reps = 5

[[exercise]]
id = "grip"
name = "Ball squeeze"
instructions = ["Hold the ball in your palm.", "Squeeze, hold, then let go slowly."]
equipment = ["soft ball"]
cue = "Squeeze gently"
reps = 2
tempo = [
  { phase = "Squeeze", seconds = 4 },
  { phase = "Hold", seconds = 2 },
  { phase = "Release", seconds = 4 },
]

[[exercise]]
id = "heat"
name = "Heat"
instructions = ["A warm pack on the forearm."]
equipment = ["heat pack"]
cue = "Heat pack on the forearm"
duration = "15m"
"""

# Seconds from the start to each state (prep 0-5, left holds 5-20 and 25-40, switch
# 40-45, right 45-80, the rest before the squeeze 80-90, its prep 90-95, a rep 95-105,
# the heat's prep 125-130 and the heat 130-1030).
STATES = {
    "get-ready": (1.0, False),
    "hold": (8.0, False),
    "last-seconds": (18.0, False),
    "switch": (41.0, False),
    "rest-next": (82.0, False),
    "tempo": (100.0, False),
    "paused": (8.0, True),
    "duration": (131.0, False),
}
SIZES = [(80, 24), (120, 40), (200, 60)]
LOOKS = ["dark", "light", "no-color"]


def session_app(tmp_path: Path, look: str, monkeypatch: pytest.MonkeyPatch) -> CoachApp:
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "look.toml").write_text(PROGRAM)
    if look == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")
    clock = FakeClock()
    clock.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    theme = "textual-light" if look == "light" else "textual-dark"
    settings = Settings(
        cues={"bell": False, "speech": False, "countdown": 0},
        ui={"theme": theme},
    )
    store = HistoryStore.in_folder(tmp_path / "data", now=clock.now)
    return CoachApp(
        AppContext(
            library=load_library(),
            settings=settings,
            clock=clock,
            store=store,
            notice=False,
            breaks=False,
        )
    )


CASES = [(state, size, look) for state in STATES for size in SIZES for look in LOOKS]


@pytest.mark.parametrize(
    ("state", "size", "look"),
    CASES,
    ids=[f"{state}-{size[0]}x{size[1]}-{look}" for state, size, look in CASES],
)
def test_session_screen(
    snap_compare: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    state: str,
    size: tuple[int, int],
    look: str,
) -> None:
    at, paused = STATES[state]

    async def before(pilot: Any) -> None:
        await start(pilot, pilot.app, "look")
        await pilot.app.clock.advance(at)
        await pilot.pause()
        if paused:
            await pilot.press("space")
        pilot.app.screen.refresh_clock()
        await pilot.pause()

    app = session_app(tmp_path, look, monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize(
    ("size", "rows"), [((60, 20), 5), ((80, 24), 7), ((120, 40), 13), ((200, 60), 18)]
)
async def test_the_countdown_grows_with_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], rows: int
) -> None:
    app = session_app(tmp_path, "dark", monkeypatch)
    clock = app.clock
    assert isinstance(clock, FakeClock)
    async with app.run_test(size=size) as pilot:
        await start(pilot, app, "look")
        await clock.advance(8)  # a 15 s hold
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        digits = screen.query_one("#remaining", BigDigits)
        shown = [digits.render_line(y).text for y in range(digits.content_size.height)]
        drawn = [line for line in shown if line.strip()]
        assert len(drawn) >= rows, (size, len(drawn))
        # Every key of the footer is still on screen, whole.
        from textual.widgets._footer import FooterKey

        regions = {
            key.description: key.region
            for key in screen.query(FooterKey)
            if key.region.width and key.region.right <= size[0]
        }
        assert {"Pause", "Next", "Back", "Skip exercise", "Stop"} <= set(regions)
