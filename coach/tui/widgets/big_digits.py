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

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
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


def render_lines(text: str, scale: int) -> list[str]:
    """``text`` drawn at ``scale``: each pixel ``scale`` columns wide and half-rows tall."""
    grid = pixels(text)
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


def height_at(scale: int) -> int:
    """How many rows the digits take at ``scale``."""
    return (GLYPH_ROWS * scale + 1) // 2


class BigDigits(Widget):
    """Large digits, centred in the widget, as big as its size allows."""

    DEFAULT_CSS = """
    BigDigits {
        width: 1fr;
        height: 1fr;
        min-height: 3;
    }
    """

    text: reactive[str] = reactive("", layout=False)
    """What is shown: digits and ``:``."""

    widest: reactive[str] = reactive("", layout=False)
    """The widest text this step will show (``"15:00"``): the scale is chosen for it,
    so the digits keep their size as the seconds go down."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text

    def scale_for(self, size: Size) -> int:
        """The scale the digits are drawn at in a widget of ``size``."""
        sample = self.widest if len(self.widest) >= len(self.text) else self.text
        return fitting_scale(sample or "0", size.width, size.height)

    def render(self) -> Content:
        """The digits, centred."""
        size = self.content_size
        if size.width <= 0 or size.height <= 0:
            return Content("")
        lines = render_lines(self.text or " ", self.scale_for(size))
        top = max(0, (size.height - len(lines)) // 2)
        padded = [""] * top + [line.center(size.width).rstrip() for line in lines]
        return Content("\n".join(padded[: size.height]))
