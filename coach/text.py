"""Text from outside, made safe to show: the one sanitiser for every output.

Program files, their names and keys, imported history, notes, settings and
environment values all end up on a terminal, in JSON a script prints, in a
notification or in a report. Printed raw, an ESC (``\\x1b``) or a C1 CSI
(``\\x9b``) starts an escape sequence that can clear the screen, retitle the
window or write the clipboard (OSC 52); a bidi override (U+202E) makes text
read in another order than it is stored (the "Trojan Source" trick); a
zero-width character hides a difference between two names that look alike.

What counts as unsafe (:data:`UNSAFE`): every control character (C0, DEL,
C1) except tab and newline, every Unicode *format* character (bidi
embeddings, overrides and isolates, marks, zero-width spaces and joiners,
the BOM, tag characters, invisible operators), the line and paragraph
separators U+2028 and U+2029, and lone surrogates. Soft hyphen (U+00AD) is a
format character too but is printed as a hyphen, hides nothing, and turns up
in text pasted from word processors, so it is left alone.

- :func:`visible` shows each unsafe character as text a person can read:
  ``\\x1b`` for a control character, ``<U+202E>`` for the rest. The TUI,
  plain output, reports and notifications use it.
- :func:`json_text` writes JSON whose unsafe characters are ``\\uXXXX``
  escapes: the data stays exact for a script, and the terminal sees none.
- :func:`first_unsafe` finds the first one, for the checks that refuse such
  text (the program loader, import).

Only the standard library and no Unicode tables at import time: ``coach
status`` imports this on every shell prompt. A test keeps :data:`UNSAFE`
equal to what :mod:`unicodedata` says for the running Python.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Unicode's format characters (category Cf) without U+00AD, as of Unicode 15.1,
# plus U+2028/U+2029 (Zl, Zp); tests/test_text.py checks this against unicodedata.
_FORMAT = (
    "\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"

UNSAFE = re.compile(f"[{_CONTROLS}{_FORMAT}{_SURROGATES}]")
"""One character that must not reach a terminal as it is (tab and newline excepted)."""

_UNSAFE_OR_NEWLINE = re.compile(f"[\n{_CONTROLS}{_FORMAT}{_SURROGATES}]")
_UNSAFE_OR_SPACE = re.compile(f"[\t\n{_CONTROLS}{_FORMAT}{_SURROGATES}]")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_FORMAT}{_SURROGATES}]")


def describe(char: str) -> str:
    """One unsafe character as a person can read it: ``\\x1b``, ``\\x9b`` or ``<U+202E>``."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def visible(text: str, *, newlines: bool = True, tabs: bool = True) -> str:
    """``text`` with every unsafe character shown as text (see :func:`describe`).

    ``newlines=False`` turns each newline into a space (for one-line output
    such as a table cell); ``tabs=False`` does the same to tabs.
    """
    pattern = UNSAFE if newlines and tabs else _UNSAFE_OR_NEWLINE if tabs else _UNSAFE_OR_SPACE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    char = match[0]
    if char in "\n\t":
        return " "
    return describe(char)


def first_unsafe(text: str) -> str | None:
    """The first unsafe character in ``text``, or None.

    ``isprintable()`` answers first: it is false for every character UNSAFE matches (a
    test keeps it so) and several times as quick as the search, which is left for texts
    it does not clear (a newline, a tab or an unsafe character).
    """
    if text.isprintable():
        return None
    found = UNSAFE.search(text)
    return None if found is None else found[0]


def _escape_json(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\u{code:04x}" if code <= 0xFFFF else json.dumps(match[0], ensure_ascii=True)[1:-1]


def json_safe(encoded: str) -> str:
    """Already-encoded JSON with DEL, C1 and format characters turned into ``\\u`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes only the controls below
    0x20; this escapes the rest of :data:`UNSAFE` the same way. The result
    decodes to the same data.
    """
    return _JSON_UNSAFE.sub(_escape_json, encoded) if _JSON_UNSAFE.search(encoded) else encoded


def json_text(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON that keeps non-ASCII text readable and is safe to print."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=indent))
