"""The session's progress as one line: ``━━━━━━╸──────``, done in colour and heavy, to do light.

Textual's ``ProgressBar`` redraws itself every second for its ETA even when
the ETA is hidden; this line redraws only when the number of half cells it
fills changes (about every 2.5 s of a 5-minute session at 120 columns), and
its two strokes tell done from to-do without colour (``NO_COLOR``).
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget


def filled_halves(done: float, total: float, width: int) -> int:
    """How many half cells of ``width`` cells ``done`` of ``total`` fills (0 to 2 x width)."""
    if total <= 0 or width <= 0:
        return 0
    share = min(1.0, max(0.0, done / total))
    return int(share * 2 * width)


def draw(halves: int, width: int) -> tuple[str, str]:
    """The done part and the to-do part of a line of ``width`` cells with ``halves`` filled."""
    whole, half = divmod(halves, 2)
    done = "━" * whole + ("╸" if half else "")
    return done, "─" * (width - len(done))


class ProgressLine(Widget):
    """How much of the session is done, redrawn only when what it shows changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"progress-line--done", "progress-line--todo"}

    DEFAULT_CSS = """
    ProgressLine {
        height: 1;
        width: 1fr;
    }
    ProgressLine > .progress-line--done {
        color: $accent;
    }
    ProgressLine > .progress-line--todo {
        color: $foreground 25%;
    }
    """

    def __init__(self, total: float, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = total
        self.done = 0.0
        self._halves = 0

    def update(self, done: float) -> None:
        """Set how many seconds are done; redraws only when a half cell more is filled."""
        self.done = done
        halves = filled_halves(done, self.total, self.content_size.width)
        if halves != self._halves:
            self._halves = halves
            self.refresh()

    def on_resize(self) -> None:
        """A new width: a new number of half cells, drawn now (even while paused)."""
        self._halves = filled_halves(self.done, self.total, self.content_size.width)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """The one line, filled for the width it has now."""
        width = self.content_size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        done, todo = draw(filled_halves(self.done, self.total, width), width)
        done_style = self.get_component_rich_style("progress-line--done")
        todo_style = self.get_component_rich_style("progress-line--todo")
        return Strip([Segment(done, done_style), Segment(todo, todo_style)], width)
