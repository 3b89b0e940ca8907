"""The TOML mistakes people make when they write a program by hand, said in plain words.

A physiotherapist writing a program in a word processor or from memory makes
a few mistakes again and again, and TOML's parser names them in its own
terms ("Invalid value", "Invalid statement", "Cannot declare ('exercise',)
twice"). :func:`explain_syntax_error` looks at the place the parser stopped
and, when it is one of these, says what to write instead:

- curly quotes (“ ” ‘ ’), which word processors put in for straight ones;
- a range written as ``reps = 10-15`` (version 2 writes ``{ min = 10, max = 15 }``);
- a comment started with ``//`` instead of ``#``;
- an array of tables (``[[exercise]]``) written with one bracket, twice.

A byte-order mark at the start of the file (Windows editors add one) is not a
mistake: :func:`without_bom` takes it off before the file is read.
"""

from __future__ import annotations

import re

__all__ = ["explain_syntax_error", "without_bom"]

CURLY_QUOTES = "“”„‟‘’‚‛«»"
"""Quotes a word processor puts in for the straight ``"`` and ``'`` TOML needs."""

_RANGE = re.compile(
    r"^\s*(?P<key>[A-Za-z0-9_.\"'-]+)\s*=\s*(?P<low>\d+(?:\.\d+)?)\s*(?:-|–|—|to)\s*"
    r"(?P<high>\d+(?:\.\d+)?)\s*(?:#.*)?$"
)
RANGED_KEYS = frozenset({"reps", "sets", "hold", "duration", "per_day", "per_week"})
"""The keys that take a value or (version 2) a ``{ min, max, target }`` range."""

_TWICE = re.compile(r"^Cannot declare \((?P<parts>.*)\) twice$")
_PART = re.compile(r"'((?:[^'\\]|\\.)*)'")


def without_bom(text: str) -> str:
    """The text without a leading byte-order mark (U+FEFF), which TOML does not allow."""
    return text.removeprefix("\ufeff")


def explain_syntax_error(text: str, message: str, line: int | None, column: int | None) -> str:
    """A plainer message for a TOML syntax error at ``line``:``column`` (both 1-based).

    ``message`` is the parser's, without its position; it is returned as it
    is, after ``not valid TOML:``, when the mistake is none of the known ones.
    """
    plain = f"not valid TOML: {message}"
    if line is None:
        return plain
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return plain
    source = lines[line - 1]
    at = source[column - 1] if column is not None and 1 <= column <= len(source) else ""

    twice = _TWICE.match(message)
    if twice is not None:
        name = ".".join(part for part in _PART.findall(twice["parts"]))
        if name.split(".")[-1] in ("exercise", "tempo"):
            return (
                f"[{name}] is written with two brackets, [[{name}]], once for each "
                f"{'exercise' if name == 'exercise' else 'phase'}: [{name}] with one bracket "
                "is a single table, and can appear only once"
            )
        return f"[{name}] appears twice: each table can be written only once; put its keys together"
    if (at and at in CURLY_QUOTES) or (not at and any(q in source for q in CURLY_QUOTES)):
        return (
            f"curly quotes ({at or '“'}) are not TOML quotes: write straight quotes, "
            '"like this" (a word processor changes them as you type; save the file from a '
            "plain-text editor)"
        )
    stripped = source.lstrip()
    if stripped.startswith("//") or (
        at == "/" and column is not None and source[column : column + 1] == "/"
    ):
        return "comments start with #, not //: write # my note"
    found = _RANGE.match(source)
    if found is not None:
        key, low, high = found["key"], found["low"], found["high"]
        if key.split(".")[-1] in RANGED_KEYS:
            return (
                f"a range is written as a table: {key} = {{ min = {low}, max = {high} }} "
                f"(with schema_version = 2 at the top of the file), or one number: {key} = {high}"
            )
        return f"{key} takes one number, not a range: write, for example, {key} = {high}"
    return plain
