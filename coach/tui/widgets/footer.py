"""Textual's Footer, built again only when the keys it shows change.

Textual's ``Footer`` composes its keys anew whenever the screen says its
bindings changed: on every focus change, on a screen pushed over it (its
focused widget loses the focus), on widgets mounted below it. Each build
restyles every key one by one, 12-40 ms a build; opening the progress screen
built the home screen's footer once and its own three times, the same keys
each time (docs/benchmarks.md). This footer keeps what it last built, the
keys with their descriptions and whether each is enabled, and builds again
only when that differs.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What a footer on ``screen`` is built from: each active binding, shown or not
    (the command palette's key is shown from a binding that is not), enabled or not."""
    return tuple(
        (key, binding, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
    )


class KeysFooter(Footer):
    """:class:`textual.widgets.Footer`, rebuilt only when the keys it shows change."""

    _built: tuple[Hashable, ...] | None = None

    def compose(self) -> ComposeResult:
        """Textual's keys, remembering which were built."""
        self._built = shown_keys(self.screen) if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Build again if the keys to show are not those built (or about to be)."""
        if screen is self.screen and self._bindings_ready:
            wanted = shown_keys(screen)
            if wanted == self._built:
                return
            if screen.app.app_focus and self.is_attached:
                self._built = wanted  # Textual builds them after the next refresh
        super().bindings_changed(screen)
