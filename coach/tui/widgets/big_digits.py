"""The countdown in large digits drawn with block characters, scaled to the space it has.

Textual's ``Digits`` is three rows tall whatever the terminal's size; from a
metre away it cannot be read. :class:`BigDigits` draws ``0``-``9`` and ``:``
from a 3x5 bitmap font, each font pixel a square of ``scale`` columns by
``scale`` half-rows (a terminal cell is about twice as tall as it is wide,
and the half blocks ``▀`` ``▄`` give two pixels a cell), with the largest
scale that fits the widget: on the session screen at least 7 rows at 80x24
and at least 13 at 120x40, growing with the window (tests/tui checks both).
The font is ours (a few lines, no dependency, nothing to import before the
first frame).
"""

from __future__ import annotations

import functools

from rich.segment import Segment
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ":": (".", "#", ".", "#", "."),
    " ": ("...",),
}
"""Each glyph as five rows of pixels (``#`` on); a glyph may be narrower than three."""

GLYPH_ROWS = 5

_HALVES = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def pixels(text: str) -> list[list[bool]]:
    """The pixel rows of ``text`` at scale 1, one pixel of space between glyphs."""
    rows: list[list[bool]] = [[] for _ in range(GLYPH_ROWS)]
    for position, char in enumerate(text):
        glyph = FONT.get(char, FONT[" "])
        for row in range(GLYPH_ROWS):
            if position:
                rows[row].append(False)
            line = glyph[row] if row < len(glyph) else "." * len(glyph[0])
            rows[row].extend(dot == "#" for dot in line)
    return rows


def fitting_scale(text: str, width: int, height: int) -> int:
    """The largest scale at which ``text`` fits ``width`` columns by ``height`` rows (>= 1)."""
    columns = len(pixels(text)[0]) or 1
    return max(1, min(width // columns, (2 * height) // GLYPH_ROWS))


def _draw(grid: list[list[bool]], scale: int) -> list[str]:
    tall: list[list[bool]] = []
    for row in grid:
        wide = [dot for dot in row for _ in range(scale)]
        tall.extend([wide] * scale)
    if len(tall) % 2:
        tall.append([False] * len(tall[0]))
    return [
        "".join(_HALVES[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(tall[0::2], tall[1::2], strict=True)
    ]


@functools.lru_cache(maxsize=128)
def _glyph(char: str, scale: int) -> tuple[str, ...]:
    return tuple(_draw(pixels(char), scale))


def render_lines(text: str, scale: int) -> list[str]:
    """``text`` drawn at ``scale``: each pixel ``scale`` columns wide and half-rows tall.

    Glyphs are drawn once per scale and joined, with a pixel of space between.
    """
    glyphs = [_glyph(char, scale) for char in text]
    gap = " " * scale
    return [gap.join(glyph[row] for glyph in glyphs) for row in range(len(glyphs[0]))]


def height_at(scale: int) -> int:
    """How many rows the digits take at ``scale``."""
    return (GLYPH_ROWS * scale + 1) // 2


def _common_prefix(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` share (by halving: string compares are fast)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def changed_region(before: list[str], after: list[str]) -> Region | None:
    """The smallest region where two drawings with rows of equal widths differ, or None."""
    left, right, top, bottom = None, 0, None, 0
    for y, (old, new) in enumerate(zip(before, after, strict=True)):
        if old != new:
            start = _common_prefix(old, new)
            end = len(new) - _common_prefix(old[::-1], new[::-1])
            left = start if left is None else min(left, start)
            right = max(right, end)
            top = y if top is None else top
            bottom = y + 1
    if left is None or top is None:
        return None
    return Region(left, top, right - left, bottom - top)


class BigDigits(Widget):
    """Large digits, centred in the widget, as big as its size allows.

    Drawn with Textual's line API from rows made once per text. When the
    seconds change only the columns that differ are redrawn (``2:35`` to
    ``2:34`` is one glyph), which keeps a session's once-a-second frame cheap
    (``bench/app.py``).
    """

    DEFAULT_CSS = """
    BigDigits {
        width: 1fr;
        height: 1fr;
        min-height: 3;
    }
    """

    text: reactive[str] = reactive("", layout=False, repaint=False)
    """What is shown: digits and ``:``."""

    widest: reactive[str] = reactive("", layout=False, repaint=False)
    """The widest text this step will show (``"15:00"``): the scale is chosen for it,
    so the digits keep their size as the seconds go down."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[str] = []
        self._drawn_for: tuple[str, str, int, int] | None = None
        self._strips: dict[str, Strip] = {}
        self.text = text

    def scale_for(self, size: Size) -> int:
        """The scale the digits are drawn at in a widget of ``size``."""
        sample = self.widest if len(self.widest) >= len(self.text) else self.text
        return fitting_scale(sample or "0", size.width, size.height)

    def rows_for(self, size: Size) -> list[str]:
        """Every row of the widget's content at ``size``, each ``size.width`` wide."""
        key = (self.text, self.widest, size.width, size.height)
        if key != self._drawn_for:
            self._drawn_for = key
            if size.width <= 0 or size.height <= 0:
                self._rows = []
                return self._rows
            drawn = render_lines(self.text or " ", self.scale_for(size))
            top = max(0, (size.height - len(drawn)) // 2)
            rows = [""] * top + [line.center(size.width) for line in drawn]
            rows += [""] * (size.height - len(rows))
            self._rows = [row[: size.width].ljust(size.width) for row in rows[: size.height]]
        return self._rows

    def _redraw_changes(self) -> None:
        before = self._rows
        size = self.content_size
        after = self.rows_for(size)
        if len(before) != len(after) or any(
            len(old) != len(new) for old, new in zip(before, after, strict=True)
        ):
            self.refresh()
            return
        changed = changed_region(before, after)
        if changed is not None:
            self.refresh(changed)

    def watch_text(self) -> None:
        self._redraw_changes()

    def watch_widest(self) -> None:
        self._redraw_changes()

    def notify_style_update(self) -> None:
        """New colours (a new kind of step, the last seconds, the theme): new strips."""
        self._strips.clear()
        super().notify_style_update()

    def _strip(self, row: str) -> Strip:
        strip = self._strips.get(row)
        if strip is None:
            if len(self._strips) > 2 * len(self._rows) + 8:  # rows of old texts and sizes
                self._strips.clear()
            strip = Strip([Segment(row, self.rich_style)], len(row))
            background = self.background_colors[1]
            for line_filter in self.get_line_filters():  # NO_COLOR, ANSI themes
                strip = strip.apply_filter(line_filter, background)
            self._strips[row] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the digits, in the widget's colours."""
        size = self.content_size
        rows = self.rows_for(size)
        return self._strip(rows[y] if 0 <= y < len(rows) else " " * size.width)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in ``crop``, from strips made once per row and colour.

        The digits have no border, padding or tint, so Textual's per-line
        styling pass (most of a frame's cost when only a glyph changed) is
        left out; its line filters (``NO_COLOR``) are applied all the same.
        """
        size = self.content_size
        rows = self.rows_for(size)
        blank = " " * size.width
        strips = [
            self._strip(rows[y] if y < len(rows) else blank) for y in range(crop.y, crop.bottom)
        ]
        if crop.column_span != (0, size.width):
            strips = [strip.crop(crop.x, crop.right) for strip in strips]
        return strips
