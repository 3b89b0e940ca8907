"""The app's start: what comes before the first frame, and what just after it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Static

from coach import paths
from coach.cli.main import build_parser, main, no_arguments
from coach.program import library_cache
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from coach.tui.screens.help import NoticeScreen
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.program import ProgramScreen

PROGRAM = (
    'schema_version = 1\n[program]\nid = "mine"\ntitle = "Mine"\n'
    '[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n'
)


def test_plain_coach_skips_the_parser_and_means_the_same() -> None:
    assert vars(build_parser().parse_args([])) == vars(no_arguments())


def test_before_the_first_frame_no_pydantic_and_no_history(tmp_path: Path) -> None:
    """The first frame needs Textual, the cached listing and the theme; nothing heavier."""
    load_library(cache=paths.library_cache_file())  # warm the cache, as any earlier start does
    code = (
        "import sys\n"
        "from textual.app import App\n"
        "from coach.program import library_cache\n"
        "from coach.tui.app import CoachApp\n"
        "library_cache.RACY_SECONDS = 0\n"  # this test's bundled files may be new
        "def ready(self):\n"
        "    seen = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_settings'})\n"
        "    later = sorted({'coach.history.store', 'coach.config.settings', 'coach.program.loader', 'coach.status'} & set(sys.modules))\n"
        "    print(type(self.screen).__name__, seen, later)\n"
        "    self.exit()\n"
        "CoachApp.on_ready = ready\n"
        "real = App.run\n"
        "App.run = lambda self, **kw: real(self, headless=True, size=(100, 30))\n"
        "from coach.cli.main import main\n"
        "sys.argv = ['coach']\n"
        "sys.exit(main())\n"
    )
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "HomeScreen [] []"


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    real = App.run

    def run(self: App[Any], **_: Any) -> Any:
        return real(self, headless=True, size=(100, 30))

    monkeypatch.setattr(CoachApp, "run", run)


@pytest.mark.usefixtures("headless")
def test_bad_settings_found_after_the_first_frame_end_the_app_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntheme = "nord"\n\n[cues]\ncountdown = "soon"\n')
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coach: bad setting:\n") and f"{config}:5: cues.countdown" in err


@pytest.mark.usefixtures("headless")
def test_bad_history_settings_also_end_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_HISTORY__DAY_START", "25:00")
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    assert main([]) == 2
    assert "COACH_HISTORY__DAY_START" in capsys.readouterr().err


def test_a_theme_set_in_an_unusual_way_is_read_before_the_first_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[ui]\ntheme = 3\n")
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    monkeypatch.setattr(CoachApp, "run", lambda self, **_: pytest.fail("the app started"))
    assert main([]) == 2
    assert f"{config}:2: ui.theme" in capsys.readouterr().err


async def test_the_history_opens_after_the_first_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    app = CoachApp(AppContext(library=load_library(), theme="textual-light", open_history=True))
    assert app.theme == "textual-light" and app.store is None
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.store is not None and app.store.folder == tmp_path / "data"
        assert isinstance(app.screen, NoticeScreen)  # the first start
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Streak: 0 days" in str(app.screen.query_one("#today", Static).render())
        await app.workers.wait_for_complete(w for w in app.workers if w.group == "settings")
        assert app.settings.ui.theme == "textual-dark" and app.theme == "textual-dark"
        await pilot.press("f2")
        await pilot.pause()
        assert type(app.screen).__name__ == "ProgressScreen"
    app.store.close()


async def test_a_history_that_cannot_be_opened_is_said_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the history folder should be")
    monkeypatch.setenv("COACH_DATA_DIR", str(blocker))
    app = CoachApp(AppContext(library=load_library(), open_history=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.store is None and isinstance(app.screen, HomeScreen)
        assert any("history cannot be used" in str(n.message) for n in app._notifications)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # no history: no progress


async def test_a_program_broken_since_the_list_was_read_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(library_cache, "RACY_SECONDS", 0.0)
    folder = paths.user_programs_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(PROGRAM)
    cache = paths.library_cache_file()
    load_library(cache=cache)
    listed = load_library(cache=cache)  # from the cache: not read yet
    (folder / "mine.toml").write_text(PROGRAM.replace("duration = 5", "duration = 0"))
    app = CoachApp(AppContext(library=listed, theme="textual-dark"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m", "i", "n", "e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("mine.toml:8:1:" in m and "more than 0 seconds" in m for m in messages)
        (folder / "mine.toml").write_text(PROGRAM)  # fixed: opens now
        listed.entries[0]._loaded = None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)
