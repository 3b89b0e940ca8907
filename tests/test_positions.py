"""Where keys stand in a TOML file: random documents written by tomli-w, and the edge cases.

Every error coach reports in a program file names a line; these tests keep
those lines right for nested arrays of tables (the second exercise's
``[[exercise.tempo]]`` counts from 0 again), implicit tables, dotted and
quoted keys, and values that span lines.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.program.positions import key_positions, locate

KEYS = st.sampled_from(["a", "b", "hold", "tempo", "exercise", "x-y", "k_2", "two words", "é"])


def documents() -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.just(0)
    table = st.recursive(
        st.dictionaries(KEYS, leaf, min_size=1, max_size=3),
        lambda inner: st.dictionaries(
            KEYS,
            leaf | inner | st.lists(inner, min_size=1, max_size=3),
            min_size=1,
            max_size=4,
        ),
        max_leaves=25,
    )
    return table


LONG = "a note too long to fit on one line, so that tomli-w writes [[tables]], not inline"


def numbered(data: Any, counter: itertools.count[int]) -> Any:
    """Every leaf a different number, so each leaf's line can be told; each table in a
    list gets a long note, so tomli-w writes the list as an array of tables."""
    if isinstance(data, dict):
        return {key: numbered(value, counter) for key, value in data.items()}
    if isinstance(data, list):
        return [{**numbered(value, counter), "note": LONG} for value in data]
    return next(counter) + 1000


def leaves(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], int]]:
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in leaves(value, (*path, key))]
    if isinstance(data, list):
        return [found for i, value in enumerate(data) for found in leaves(value, (*path, i))]
    return [(path, data)] if isinstance(data, int) else []


@settings(max_examples=150, deadline=None)
@given(documents())
def test_every_key_of_a_random_document_is_found_on_its_own_line(raw: dict[str, Any]) -> None:
    data = numbered(raw, itertools.count())
    text = tomli_w.dumps(data)
    assert "{" not in text  # every table is written as a table
    lines = text.splitlines()
    positions = key_positions(text)
    for path, value in leaves(data):
        found = positions.get(path)
        assert found is not None, (path, text)
        line, column = found
        assert re.search(rf"=\s*{value}\s*$", lines[line - 1]), (path, found, text)
        assert column == len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1


PROGRAM = """\
schema_version = 1
[program]
id = "p"
title = "P"

[[exercise]]
id = "one"
name = "One"
reps = 2
[[exercise.tempo]]
phase = "Up"
seconds = 2
[[exercise.tempo]]
phase = "Down"
seconds = 2

[[exercise]]
id = "two"
name = "Two"
reps = 2
[[exercise.tempo]]
phase = "Up"
seconds = -1
"""


def test_a_second_exercises_tempo_counts_from_zero_again() -> None:
    positions = key_positions(PROGRAM)
    assert positions[("exercise", 1, "tempo", 0, "seconds")] == (23, 1)
    assert positions[("exercise", 0, "tempo", 1, "seconds")] == (15, 1)
    assert ("exercise", 1, "tempo", 2, "seconds") not in positions


EDGES = [
    # (document, path, line)
    ("[a.b.c]\nx = 1\n", ("a", "b", "c", "x"), 2),  # implicit tables a and a.b
    ("[a]\nb.c = 1\n[a.d]\ne = 2\n", ("a", "d", "e"), 4),
    ("[[f]]\nn = 1\n[f.inner]\nm = 2\n[[f]]\nn = 3\n[f.inner]\nm = 4\n", ("f", 1, "inner", "m"), 8),
    ("[[f]]\n[[f.g]]\nx = 1\n[[f]]\n[[f.g]]\nx = 2\n[[f.g]]\nx = 3\n", ("f", 1, "g", 1, "x"), 8),
    ('"quoted key" = 1\n[ "t" . u ]\nv = 2\n', ("t", "u", "v"), 3),
    ('a = """\n[not.a.table]\nb = 1\n"""\nc = 2\n', ("c",), 5),
    ("a = [\n  1,\n  2,\n]\nb = { c = 1 }\nd = 3\n", ("d",), 6),
    ("a = 'it''s'\nb = 1 # [x]\n[t] # comment\nc = 1\n", ("t", "c"), 4),
]


def test_edge_cases() -> None:
    for document, path, line in EDGES:
        found = locate(key_positions(document), path)
        assert found is not None and found[0] == line, (document, path, found)
