"""What the app's tests share: a small program to write, an app to drive, and ways to look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import OptionList, Static

from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.widgets.big_digits import BigDigits

PROGRAM = """
schema_version = 1
[program]
id = "{id}"
title = '{title}'
prep = 2
rest_between_exercises = 3
{extra}
[[exercise]]
id = "a"
name = '{name}'
instructions = ['{instruction}']
reps = 2
hold = 5
rest_between_reps = 1
[[exercise]]
id = "b"
name = "Second"
duration = 4
"""

NASTY = "[bold red]Boom[/] [@click=app.quit]quit[/]"


def write(
    folder: Path,
    *,
    id: str = "aaa",
    title: str = "Quick one",
    extra: str = "",
    name: str = "First",
    instruction: str = "Hold it",
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{id}.toml").write_text(
        PROGRAM.format(id=id, title=title, extra=extra, name=name, instruction=instruction)
    )


def make_app(
    tmp_path: Path, clock: FakeClock, *, record: bool = True, cues: dict[str, object] | None = None
) -> tuple[CoachApp, HistoryStore]:
    """An app on ``clock`` with its history in ``tmp_path``; quiet unless ``cues`` say otherwise."""
    store = HistoryStore.in_folder(tmp_path / "data")
    quiet = {"bell": False, "sounds": False, "speech": False, "countdown": 0}
    settings = Settings(cues={**quiet, **(cues or {})})
    return (
        CoachApp(
            AppContext(
                library=load_library(),
                settings=settings,
                clock=clock,
                store=store,
                notice=False,
                breaks=False,  # tests/tui/test_breaks.py has them; here their timer would only wait
                record=record,
            )
        ),
        store,
    )


async def start(pilot: object, app: CoachApp, program_id: str = "aaa") -> None:
    """Highlight the program, then the two keys: open it, start it."""
    options = app.screen.query_one("#programs", OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = ids.index(program_id)
    await pilot.press("enter", "enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def shown(screen: object) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static))  # type: ignore[attr-defined]


def digits(app: CoachApp) -> str:
    return app.screen.query_one("#remaining", BigDigits).text


def current(app: App[Any]) -> Screen[Any]:
    """The screen in front now (a call, so a type checker does not keep an earlier answer)."""
    return app.screen


async def header_settled(pilot: Any, app: App[Any]) -> None:
    """Wait (in real time, briefly) until the screen in front shows its header's title.

    Textual's Header sets its title in a callback after it mounts, and fails if
    its screen has gone by then; a flow that leaves a screen within one refresh
    (a session that ends at once on a fake clock, an app that closes on arrival)
    waits for this first.
    """
    from textual.widgets._header import HeaderTitle

    for _ in range(200):
        await pilot.pause(0.02)
        titles = app.screen.query(HeaderTitle)  # none yet while the header composes
        if any(str(title.render()).strip() for title in titles):
            await pilot.pause()
            return
