"""The footer is built again when the keys it shows change, and only then."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from coach.tui.widgets.footer import KeysFooter


class CountingFooter(KeysFooter):
    builds = 0

    def compose(self) -> ComposeResult:
        CountingFooter.builds += 1
        yield from super().compose()


class Plain(Static, can_focus=True):
    pass


class WithKey(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "app.bell", "Extra")]


class Over(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Plain("over")


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Plain("one", id="one")
        yield Plain("two", id="two")
        yield WithKey("three", id="three")
        yield CountingFooter()


def keys(app: App[None]) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def test_the_footer_is_built_again_only_when_its_keys_change() -> None:
    app = Keys()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert "Quit" in keys(app) and "Extra" not in keys(app)
        built = CountingFooter.builds
        app.query_one("#two").focus()  # the same keys: nothing to build
        await pilot.pause()
        assert CountingFooter.builds == built
        app.query_one("#three").focus()  # a key more: built again, and shown
        await pilot.pause()
        assert CountingFooter.builds == built + 1
        assert "Extra" in keys(app)
        app.query_one("#one").focus()  # and gone again
        await pilot.pause()
        assert CountingFooter.builds == built + 2
        assert "Extra" not in keys(app)
        app.push_screen(Over())  # the footer below loses its focus, not its keys
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert CountingFooter.builds == built + 2
        assert "Quit" in keys(app)
