"""The session screen's own widgets: what they draw, and that a second's redraw stays small."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region

from coach.tui.screens.session import minutes_left
from coach.tui.widgets.big_digits import BigDigits, changed_region, render_lines
from coach.tui.widgets.progress_line import ProgressLine, draw, filled_halves


class Holder(App[None]):
    def __init__(self, widget: Any) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def shown(widget: BigDigits) -> list[str]:
    size = widget.content_size
    return [strip.text for strip in widget.render_lines(Region(0, 0, size.width, size.height))]


def test_changed_region_is_the_glyph_that_changed() -> None:
    before = render_lines("2:35", 2)
    after = render_lines("2:34", 2)
    region = changed_region(before, after)
    assert region is not None
    # 2, :, 3 are unchanged: the region starts after them and covers only the last glyph.
    assert region.x >= len(render_lines("2:3", 2)[0])
    assert region.right <= len(after[0])
    assert changed_region(after, after) is None


async def test_big_digits_redraw_only_the_changed_columns() -> None:
    digits = BigDigits("2:35")
    digits.widest = "2:35"
    app = Holder(digits)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        marked: list[tuple[Region, ...]] = []
        original = digits.refresh

        def spy(*regions: Region, **options: Any) -> Any:
            marked.append(regions)
            return original(*regions, **options)

        digits.refresh = spy  # type: ignore[method-assign]
        digits.text = "2:34"
        await pilot.pause()
        assert len(marked) == 1 and len(marked[0]) == 1
        region = marked[0][0]
        assert 0 < region.width < digits.size.width // 3
        # What is drawn is the whole new number, centred, as a fresh widget would draw it.
        drawn = [row for row in shown(digits) if row.strip()]
        assert [row.strip() for row in drawn] == [
            line.strip() for line in render_lines("2:34", digits.scale_for(digits.content_size))
        ]
        left_margin = len(drawn[0]) - len(drawn[0].lstrip())
        right_margin = len(drawn[0]) - len(drawn[0].rstrip())
        assert abs(left_margin - right_margin) <= 1


async def test_big_digits_redraw_everything_when_the_width_changes() -> None:
    digits = BigDigits("10")
    app = Holder(digits)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        digits.text = "9"
        await pilot.pause()
        drawn = [row for row in shown(digits) if row.strip()]
        scale = digits.scale_for(digits.content_size)
        assert [row.strip() for row in drawn] == [line.strip() for line in render_lines("9", scale)]


def test_progress_line_fills_half_cells() -> None:
    assert filled_halves(0, 100, 10) == 0
    assert filled_halves(5, 100, 10) == 1
    assert filled_halves(50, 100, 10) == 10
    assert filled_halves(100, 100, 10) == 20
    assert filled_halves(500, 100, 10) == 20  # never past the end
    assert filled_halves(5, 0, 10) == 0
    assert draw(3, 5) == ("━╸", "───")
    assert draw(10, 5) == ("━━━━━", "")
    done, todo = draw(7, 40)
    assert len(done) + len(todo) == 40


async def test_progress_line_redraws_only_when_a_half_cell_more_is_done() -> None:
    line = ProgressLine(300)
    app = Holder(line)
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        redraws: list[int] = []
        original = line.refresh

        def spy(*regions: Region, **options: Any) -> Any:
            redraws.append(1)
            return original(*regions, **options)

        line.refresh = spy  # type: ignore[method-assign]
        for second in range(31):  # 30 s of 300 at 60 columns: 12 half cells
            line.update(float(second))
        assert len(redraws) == filled_halves(30, 300, line.content_size.width) == 12
        assert line.render_line(0).text.startswith("━" * 6)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "done"),
        (-1, "done"),
        (1, "1 min left"),
        (60, "1 min left"),
        (61, "2 min left"),
        (1030, "18 min left"),
    ],
)
def test_minutes_left(seconds: float, text: str) -> None:
    assert minutes_left(seconds) == text


async def test_progress_line_is_right_after_a_resize_even_when_nothing_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual may draw the frame after a resize before the widget hears of it: the line
    is drawn for the width it has when drawn, and never wider."""
    monkeypatch.setattr(ProgressLine, "on_resize", lambda self: None)  # not heard of yet
    line = ProgressLine(100)
    app = Holder(line)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        line.update(50.0)  # half done
        await pilot.pause()
        assert line.render_line(0).text.count("━") == line.content_size.width // 2
        for width in (80, 20):
            await pilot.resize_terminal(width, 5)
            await pilot.pause()
            drawn = line.render_line(0)
            assert len(drawn.text) == drawn.cell_length == line.content_size.width
            assert drawn.text.count("━") == line.content_size.width // 2  # paused: no update()
