"""coach.text: the one sanitiser for text shown in a terminal, in JSON and in notifications."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from coach.text import UNSAFE, describe, first_unsafe, json_text, visible

KEPT = {"\n", "\t", "\u00ad"}  # newline, tab and the soft hyphen are shown as they are
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def test_unsafe_is_every_control_format_and_separator_character() -> None:
    """The hard-coded class matches this Python's Unicode tables both ways."""
    missing, extra = [], []
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        matched = UNSAFE.match(char) is not None
        if category in UNSAFE_CATEGORIES and char not in KEPT and not matched:
            missing.append(f"U+{code:04X}")
        # Newer Unicode versions may add format characters: unassigned (Cn) here.
        if matched and category not in UNSAFE_CATEGORIES | {"Cn"}:
            extra.append(f"U+{code:04X}")
    assert missing == [] and extra == []


def test_no_character_unsafe_is_printable() -> None:
    """So ``str.isprintable()``, quicker, can clear a text before UNSAFE is searched
    (:func:`first_unsafe` does: the export asks it of every line)."""
    printable = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if UNSAFE.match(chr(code)) is not None and chr(code).isprintable()
    ]
    assert printable == []


def test_visible_shows_escape_sequences_bidi_and_zero_width_as_text() -> None:
    hostile = "a\x1b]52;c;WkFQ\x07b\x9b2Jc\u202ed\u200be\ufeff\u2028f\x00"
    assert visible(hostile) == (
        "a\\x1b]52;c;WkFQ\\x07b\\x9b2Jc<U+202E>d<U+200B>e<U+FEFF><U+2028>f\\x00"
    )
    assert visible("two\nlines\tand tab") == "two\nlines\tand tab"
    assert visible("two\nlines\tand tab", newlines=False) == "two lines\tand tab"
    assert visible("a\tb", newlines=False, tabs=False) == "a b"
    assert visible("Zoë's ✋ wrist — 15 s") == "Zoë's ✋ wrist — 15 s"
    assert visible("\ud800") == "<U+D800>"  # a lone surrogate cannot even be printed
    assert describe("\x7f") == "\\x7f" and describe("\U000e0041") == "<U+E0041>"


def test_first_unsafe_finds_the_first_one() -> None:
    assert first_unsafe("fine text\nwith a tab\t") is None
    assert first_unsafe("x\u202ey\x1b") == "\u202e"


@given(st.text())
def test_visible_never_leaves_an_unsafe_character(text: str) -> None:
    shown = visible(text)
    assert UNSAFE.search(shown) is None
    assert UNSAFE.search(visible(text, newlines=False, tabs=False) + "\n") is None
    if UNSAFE.search(text) is None:
        assert shown == text  # safe text is never changed


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_json_text_is_safe_to_print_and_decodes_to_the_same_data(data: object) -> None:
    encoded = json_text(data)
    assert UNSAFE.search(encoded) is None
    assert "\n" not in encoded
    assert json.loads(encoded) == data
    assert json.loads(json_text(data, indent=2)) == data


def test_messages_on_standard_error_never_carry_raw_escapes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file name holding an OSC 52 clipboard write, in every message that names it."""
    import os
    import subprocess
    import sys

    hostile = tmp_path / "bad\x1b]52;c;QQ==\x07\u202e.json"
    hostile.write_text("not json")
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path / "data\x1b[2J")}
    for argv in (["import", str(hostile)], ["export", str(tmp_path / "no\x1b[2J" / "x.json")]):
        result = subprocess.run(
            [sys.executable, "-m", "coach", *argv], capture_output=True, env=env, check=False
        )
        assert result.returncode != 0
        assert b"\x1b" not in result.stderr and "\u202e".encode() not in result.stderr
        assert b"\\x1b" in result.stderr  # named, made visible
