"""A 0-10 rating per session as a row of bars: Textual's Sparkline on a fixed scale.

Textual's ``Sparkline`` scales its bars between the lowest and highest value
of its data, so a steady pain of 2 would draw as a floor and a single session
as a full-height bar across the whole width. A rating means the same on every
day, so this chart keeps Sparkline's widget, CSS and colours (its
``sparkline--min-color`` and ``sparkline--max-color`` component classes) and
draws one column per session on the check-in's own scale, 0 to 10: 0 is the
lowest bar, 10 the full block, and a session that was not rated is a gap.
The numbers themselves are written beside the chart by the screen, so the
chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as TextualRenderResult
from textual.color import Color
from textual.widgets import Sparkline

from coach.history.records import SYMPTOM_MAX

BARS = "▁▂▃▄▅▆▇█"


def bar_levels(value: int, height: int) -> int:
    """How many eighths of a cell high ``value`` (0-10) stands in ``height`` rows, from 1.

    0 is one eighth (a visible floor, unlike a gap), 10 is every row full.
    """
    top = len(BARS) * height
    return 1 + round(max(0, min(value, SYMPTOM_MAX)) * (top - 1) / SYMPTOM_MAX)


def bar_rows(ratings: Sequence[int | None], height: int = 1) -> list[str]:
    """The chart as text, top row first: one column per rating, a space for None."""
    rows = []
    for row in reversed(range(height)):
        cells = []
        for value in ratings:
            if value is None:
                cells.append(" ")
                continue
            level = bar_levels(value, height) - row * len(BARS)
            cells.append(" " if level <= 0 else BARS[min(level, len(BARS)) - 1])
        rows.append("".join(cells))
    return rows


class _FixedScale:
    """The renderable: a label, :func:`bar_rows` (each bar coloured by its value), a caption."""

    def __init__(
        self,
        ratings: Sequence[int | None],
        height: int,
        low: Color,
        high: Color,
        label: str = "",
        caption: str = "",
    ) -> None:
        self.ratings = ratings
        self.height = height
        self.low = low
        self.high = high
        self.label = label
        self.caption = caption

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - len(self.label) - (len(self.caption) + 1 if self.caption else 0)
        shown = list(self.ratings)[-room:] if room > 0 else []
        for index, row in enumerate(bar_rows(shown, self.height)):
            yield Segment(self.label if index == self.height - 1 else " " * len(self.label))
            for char, value in zip(row, shown, strict=True):
                if value is None or char == " ":
                    yield Segment(char)
                else:
                    colour = self.low.blend(self.high, value / SYMPTOM_MAX)
                    yield Segment(char, Style(color=colour.rich_color))
            if self.caption and index == self.height - 1:
                yield Segment(" " + self.caption)
            if index < self.height - 1:
                yield Segment.line()


class SymptomChart(Sparkline):
    """Ratings (0-10, None for not rated), one column per session, the latest at the right
    when there are more than fit; after ``label`` and before ``caption`` (plain text: the
    screen's own words and numbers, never a program's), all on one widget's line."""

    DEFAULT_CSS = """
    SymptomChart {
        width: 1fr;
    }
    """

    def __init__(
        self,
        ratings: Sequence[int | None],
        *,
        label: str = "",
        caption: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__([float(v) for v in ratings if v is not None], id=id, classes=classes)
        self.ratings = tuple(ratings)
        """The ratings drawn, oldest first."""
        self.label = label
        """What the chart shows, padded to line the charts up (``Pain before``)."""
        self.caption = caption
        """Its numbers (``latest 2, median 2, highest 6``)."""

    def render(self) -> TextualRenderResult:
        """The label, the bars on the fixed 0-10 scale, the caption."""
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        return _FixedScale(
            self.ratings, max(1, self.size.height), low, high, self.label, self.caption
        )
