"""The first app screens, driven with Pilot."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Static

from coach import paths
from coach.config.settings import Settings
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.program import ProgramScreen

NASTY_TITLE = "[bold red]Boom[/] [@click=app.quit]quit[/] [link=x]y"
NASTY_STEP = "Press [b]here[/b] and [@click=app.bell]ring[/]"


def nasty_program(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nasty.toml").write_text(
        "schema_version = 1\n[program]\n"
        'id = "aaa-nasty"\n'
        f"title = '{NASTY_TITLE}'\n"
        "summary = '[italic]not italic[/italic]'\n"
        "precautions = ['[blink]careful[/blink]']\n"
        '[[exercise]]\nid = "a"\n'
        "name = '[reverse]Name[/reverse]'\n"
        f"instructions = ['{NASTY_STEP}']\n"
        "duration = 5\n"
    )
    (folder / "broken.toml").write_text("schema_version = 1\n[program]\nid = '[red]x'\n")


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_home_lists_programs_and_broken_files_literally() -> None:
    nasty_program(paths.user_programs_dir())
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#programs", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(NASTY_TITLE in prompt for prompt in prompts)
        assert any("[italic]not italic[/italic]" in prompt for prompt in prompts)
        assert any("Typist micro-break" in prompt for prompt in prompts)
        broken = app.screen.query_one("#broken", Static)
        assert "broken.toml" in text_of(broken) and "'[red]x'" in text_of(broken)
        # The nasty program sorts first; opening it must not run its [@click] action.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)
        shown = "\n".join(text_of(w) for w in app.screen.query(Static))
        assert NASTY_TITLE in shown
        assert NASTY_STEP in shown
        assert "[blink]careful[/blink]" in shown and "[reverse]Name[/reverse]" in shown
        await pilot.click(offset=(5, 2))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running
        await pilot.press("q")
    assert not app.is_running


async def test_program_screen_shows_precautions_and_exercises() -> None:
    app = CoachApp(AppContext(library=load_library(), settings=Settings()))
    async with app.run_test(size=(100, 40)) as pilot:
        options = app.screen.query_one("#programs", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("median-nerve-glide")
        await pilot.press("enter")
        await pilot.pause()
        shown = "\n".join(text_of(w) for w in app.screen.query(Static))
        assert "Precautions" in shown and "Consult your doctor" in shown
        assert (
            "Heat" in shown
            and "Sources" in shown
            and "Exercises to Help Numbness in Arms & Hands" in shown
        )
