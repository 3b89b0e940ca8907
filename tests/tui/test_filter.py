"""The home screen's filter: every key typed, at any speed, spaces included."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.widgets import Input, OptionList, Static

from coach.config.settings import Settings
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.program import ProgramScreen


async def type_fast(app: CoachApp, text: str, *, to_app: bool = False) -> None:
    """All the keys at once, as a quick typist's arrive: no pause for the app between them.

    Posted to the screen or, with ``to_app``, to the app as the terminal driver
    does; each way showed one of the keys lost before (the first letter, and
    the space).
    """
    target = app if to_app else app.screen
    for char in text:
        key = "space" if char == " " else char
        target.post_message(events.Key(key, char))


async def test_the_filter_keeps_every_key_typed_quickly_spaces_too() -> None:
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_fast(app, "wrist and", to_app=True)
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).value == "wrist and"
        options = app.screen.query_one("#programs", OptionList)
        titles = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert titles and all("rist" in t.lower() for t in titles)


async def test_neck_typed_quickly_is_neck() -> None:
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_fast(app, "neck")
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).value == "neck"
        options = app.screen.query_one("#programs", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "neck-range-of-motion" in ids and "typist-micro-break" not in ids


async def test_no_match_says_so_and_escape_clears_the_filter() -> None:
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"zzqx")
        await pilot.pause()
        empty = app.screen.query_one("#no-match", Static)
        assert empty.display and str(empty.render()) == "No program matches 'zzqx'."
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).value == ""
        assert not app.screen.query_one("#no-match", Static).display
        assert app.screen.query_one("#programs", OptionList).option_count > 3
        assert app.is_running  # escape on the library never quits or opens anything


@pytest.mark.parametrize("turns", range(6))
async def test_letters_typed_while_the_first_is_handled_all_count(turns: int) -> None:
    # In tmux, "zebra" and Enter opened the wrong program: the keys after the
    # first were still on their way to the list when the first letter moved the
    # focus to the filter, so they were dropped; Enter opened the first match for
    # "z". Here the first letter gets ``turns`` turns of the event loop before the
    # rest arrive (one or two lost them before).
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_fast(app, "m", to_app=True)
        for _ in range(turns):
            await asyncio.sleep(0)
        await type_fast(app, "edian", to_app=True)
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen), app.screen
        assert app.screen.entry.id == "median-nerve-glide"


async def test_after_a_click_on_the_list_typing_still_filters() -> None:
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#programs", OptionList).focus()
        await pilot.pause()
        await pilot.press(*"neck")
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).value == "neck"
        assert app.screen.focused is app.screen.query_one("#filter", Input)
