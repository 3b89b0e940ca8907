"""Text from outside the app, ready for a widget: never markup, never terminal control.

Program files, history rows (some imported from other computers), settings
values and file names reach the screen. :class:`textual.content.Content`
keeps such text from being read as markup (``[@click=app.quit]``), but it
passes control characters through to the terminal, where an ESC or a C1 CSI
starts an escape sequence (an OSC 52 clipboard write, a screen clear).
:func:`literal` is both: :func:`coach.text.visible`, then ``Content``.
"""

from __future__ import annotations

from textual.content import Content

from coach.text import visible


def literal(text: str) -> Content:
    """``text`` as content shown exactly: no markup, unsafe characters made visible."""
    return Content(visible(text))
