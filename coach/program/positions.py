"""Find where keys and tables stand in a TOML document.

``tomllib`` gives values but not positions, and an error that says *where* is
what lets a physiotherapist fix a program file in seconds. This module scans
the text once, understanding just enough TOML (strings of all four kinds,
comments, brackets that span lines, table and array-of-tables headers, dotted
and quoted keys) to map each key path to its line and column.

Paths use the shape pydantic gives error locations: table names and keys as
strings, array-of-tables elements as 0-based integers, e.g.
``("exercise", 2, "hold")``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column

_BARE_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    """A one-pass scanner over TOML text; see :func:`key_positions`."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.positions: dict[Path, Position] = {}
        self.array_index: dict[Path, int] = {}
        """The current element of each array of tables, by its resolved path: the
        second exercise's ``tempo`` is ``("exercise", 1, "tempo")``, counted apart
        from the first's."""
        self.table: Path = ()
        self.depth = 0  # open [ and { in values that span lines
        self.open_string: str | None = None  # ''' or """ still open from an earlier line

    def run(self) -> dict[Path, Position]:
        for number, line in enumerate(self.lines, start=1):
            self._line(number, line)
        return self.positions

    def _line(self, number: int, line: str) -> None:
        index = 0
        if self.open_string is not None:
            end = _find_closing(line, 0, self.open_string)
            if end is None:
                return
            self.open_string = None
            index = end
        elif self.depth == 0:
            stripped_at = len(line) - len(line.lstrip())
            rest = line[stripped_at:]
            if rest.startswith("["):
                self._header(number, stripped_at, rest)
                return
            if rest and not rest.startswith("#"):
                index = self._key(number, line, stripped_at)
        self._value(line, index)

    def _header(self, number: int, column: int, rest: str) -> None:
        is_array = rest.startswith("[[")
        start = 2 if is_array else 1
        names, _ = _parse_key(rest, start)
        if not names:
            return
        resolved = self._resolve(names)
        if is_array:
            index = self.array_index.get(resolved, -1) + 1
            self.array_index[resolved] = index
            self.positions.setdefault(resolved, (number, column + 1))  # the array: its first
            resolved = (*resolved, index)
        self.table = resolved
        self.positions.setdefault(resolved, (number, column + 1))

    def _resolve(self, names: Sequence[str]) -> Path:
        """Insert the current element's index after each array of tables on the way."""
        path: list[str | int] = []
        for i, name in enumerate(names):
            path.append(name)
            index = self.array_index.get(tuple(path))
            if i < len(names) - 1 and index is not None:
                path.append(index)
        return tuple(path)

    def _key(self, number: int, line: str, column: int) -> int:
        names, end = _parse_key(line, column)
        if not names:
            return column
        path = (*self.table, *names)
        self.positions.setdefault(path, (number, column + 1))
        equals = line.find("=", end)
        return len(line) if equals < 0 else equals + 1

    def _value(self, line: str, index: int) -> None:
        """Track strings, comments and brackets in the rest of a line."""
        while index < len(line):
            char = line[index]
            if char == "#":
                return
            if char in "\"'":
                triple = line[index : index + 3]
                if triple in ('"""', "'''"):
                    end = _find_closing(line, index + 3, triple)
                    if end is None:
                        self.open_string = triple
                        return
                    index = end
                    continue
                end = _find_closing(line, index + 1, char)
                index = len(line) if end is None else end
                continue
            if char in "[{":
                self.depth += 1
            elif char in "]}":
                self.depth = max(0, self.depth - 1)
            index += 1


def _find_closing(line: str, start: int, quote: str) -> int | None:
    """Index just past the closing ``quote`` in ``line`` from ``start``, or None."""
    index = start
    escapes = quote.startswith('"')
    while index < len(line):
        if escapes and line[index] == "\\":
            index += 2
            continue
        if line.startswith(quote, index):
            end = index + len(quote)
            # A closing """ may be followed by up to two more quotes that belong to the string.
            while len(quote) == 3 and end < len(line) and line[end] == quote[0] and end - index < 5:
                end += 1
            return end
        index += 1
    return None


def _parse_key(text: str, index: int) -> tuple[list[str], int]:
    """Parse a (possibly dotted, possibly quoted) key; return its parts and where it ends."""
    parts: list[str] = []
    while True:
        while index < len(text) and text[index] in " \t":
            index += 1
        if index >= len(text):
            break
        char = text[index]
        if char in "\"'":
            end = _find_closing(text, index + 1, char)
            if end is None:
                break
            raw = text[index + 1 : end - 1]
            parts.append(
                raw.encode().decode("unicode_escape") if char == '"' and "\\" in raw else raw
            )
            index = end
        else:
            start = index
            while index < len(text) and text[index] in _BARE_KEY_CHARS:
                index += 1
            if index == start:
                break
            parts.append(text[start:index])
        while index < len(text) and text[index] in " \t":
            index += 1
        if index < len(text) and text[index] == ".":
            index += 1
            continue
        break
    return parts, index


def key_positions(text: str) -> dict[Path, Position]:
    """Map every key and table header path in ``text`` to its (line, column), both 1-based.

    A table header maps its own path (``("program", "schedule")``), an
    array-of-tables header maps its element (``("exercise", 0)``) and a key maps
    its full path (``("exercise", 0, "hold")``). Keys inside inline tables and
    arrays are not mapped; :func:`locate` falls back to the enclosing key.
    """
    return _Scanner(text).run()


def locate(positions: dict[Path, Position], path: Sequence[str | int]) -> Position | None:
    """The position of ``path``, or of its longest prefix that has one."""
    for length in range(len(path), 0, -1):
        found = positions.get(tuple(path[:length]))
        if found is not None:
            return found
    return None


_DECODE_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_DECODE_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def decode_error_position(
    error: tomllib.TOMLDecodeError, text: str
) -> tuple[str, int | None, int | None]:
    """A TOML syntax error as (message, line, column), read from tomllib's message."""
    message = str(error)
    match = _DECODE_AT.search(message)
    if match:
        return message[: match.start()], int(match.group(1)), int(match.group(2))
    if _DECODE_AT_END.search(message):
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        return _DECODE_AT_END.sub("", message), max(last_line, 1), None
    return message, None, None
