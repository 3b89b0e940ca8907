"""How deeply a TOML document nests, found without recursion and before it is parsed.

``tomllib`` parses an array inside an array (or an inline table inside one)
by calling itself, so a file of ``a = [[[[...]]]]`` a few hundred deep raises
``RecursionError``; a key of thousands of dotted parts (``a.b.c...``) takes
it time that grows with the square of their number; and a document that does
parse can still be too deep for every recursive walk after it (pydantic, the
loader's checks, the settings' layers). Program files and settings files may
come from someone else, so both are checked here first:

- :func:`too_deep_in_toml` scans the text once, knowing TOML's four kinds of
  string and its comments well enough to skip them, and finds the first
  ``[`` or ``{`` nested deeper than :data:`MAX_DEPTH`, or the first key with
  more than :data:`MAX_DEPTH` dotted parts, before ``tomllib`` sees the text;
- :func:`too_deep_in_data` walks parsed data with a stack of its own and
  finds the first table or list deeper than the limit (a table header's
  parts and a key's dotted parts add up, which only the parsed data shows).

A real program nests 4 deep (``[[exercise]]``, its table, ``tempo``, a
phase); a settings file 2. Only the standard library: ``coach status``
imports this through :mod:`coach.config.quick`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_DEPTH = 32
"""Tables and lists nested deeper than this are refused, and so are longer dotted keys."""

Path = tuple[str | int, ...]

# One token: a whole string of any of the four kinds (an unclosed one runs to its
# line's end, or for a multi-line one the text's end), a comment, or one of the
# characters that matter here. In each string body every character matches
# exactly one alternative, so the pattern cannot backtrack.
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r'|"(?:[^"\\\n]|\\.)*"?'
    r"|'''.*?(?:'''|\Z)"
    r"|'[^'\n]*'?"
    r"|#[^\n]*"
    r"|[\[\]{}.=,\n]",
    re.DOTALL,
)


def depth_message(needed: str) -> str:
    """What is wrong with a document that is too deep; ``needed`` says what a real one needs."""
    return (
        f"nested more than {MAX_DEPTH} levels deep (tables, lists or dotted keys inside each "
        f"other); coach reads no deeper, and {needed}"
    )


def _position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``index`` in ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def too_deep_in_toml(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """The (line, column) where ``text`` first nests deeper than ``limit``, or None.

    Counts ``[`` and ``{`` outside strings and comments (a table header's
    brackets count too, but close at once), and the dots in a run of text
    between two of ``= , [ ] { }`` or line ends (so a dotted key's parts; a
    number has at most one dot). Linear in the length of ``text``; text that
    is not TOML gives an answer too, and ``tomllib`` then says what is wrong.
    """
    depth = 0
    dots = 0
    for token in _TOKEN.finditer(text):
        char = token[0][0]
        if char in "\"'#":
            continue  # a string or a comment
        if char == ".":
            dots += 1
            if dots >= limit:  # a key of more than `limit` parts
                return _position(text, token.start())
            continue
        dots = 0
        if char in "[{":
            depth += 1
            if depth > limit:
                return _position(text, token.start())
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def too_deep_in_data(data: object, limit: int = MAX_DEPTH) -> Path | None:
    """The path of the first table or list nested deeper than ``limit``, or None.

    ``data`` itself (the document) is level 0: in ``a = [[1]]`` the inner
    list, at ``("a", 0)``, is level 2. Walks with its own stack, so no depth
    is too much for it.
    """
    stack: list[tuple[object, Path]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, Mapping):
            children: list[tuple[object, Path]] = [
                (item, (*path, str(key))) for key, item in value.items()
            ]
        elif isinstance(value, list | tuple):
            children = [(item, (*path, index)) for index, item in enumerate(value)]
        else:
            continue
        if len(path) > limit:
            return path
        stack.extend(reversed(children))
    return None
