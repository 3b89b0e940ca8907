"""``[program.checkin]`` in version 2: ``ask``, ``limits``, ``next_day``; the program hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.program.loader import ProgramError, parse_program
from coach.program.model import Program, program_hash
from coach.program.phases import on_day

BASE = """\
schema_version = 2

[program]
id = "glide"
title = "Glide"

[program.checkin]
ask = ["pain", "tingling", "numbness"]
limits = { tingling = 3 }
next_day = true

[[exercise]]
id = "glide"
name = "Median nerve glide"
reps = 10
hold = 2
"""


def parsed(text: str) -> Program:
    return parse_program(text, Path("p.toml"))


def refused(text: str) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        parsed(text)
    return [f"{issue.line}: {issue.message}" for issue in caught.value.issues]


def test_a_checkin_asks_the_symptoms_named_with_their_limits() -> None:
    checkin = parsed(BASE).info.checkin
    assert checkin is not None
    assert checkin.asked == ("pain", "tingling", "numbness")
    assert checkin.limit("tingling") == 3
    assert (checkin.limit("pain"), checkin.limit("numbness")) == (None, None)
    assert checkin.next_day


def test_pain_true_is_ask_pain_and_stop_above_is_its_limit() -> None:
    v1 = "schema_version = 1\n" + BASE.split("\n", 1)[1].replace(
        'ask = ["pain", "tingling", "numbness"]\nlimits = { tingling = 3 }\nnext_day = true',
        "pain = true\nstop_above = 5",
    )
    checkin = parsed(v1).info.checkin
    assert checkin is not None
    assert (checkin.asked, checkin.limit("pain"), checkin.next_day) == (("pain",), 5, False)
    off = parsed(v1.replace("pain = true", "pain = false")).info.checkin
    assert off is not None and off.asked == ()


@pytest.mark.parametrize(
    ("written", "replacement", "message"),
    [
        (
            '"numbness"]',
            '"itching"]',
            "8: program.checkin.ask: 'itching' is not a symptom coach asks about; "
            'write any of "pain", "tingling", "numbness", "stiffness"',
        ),
        ('"numbness"]', '"tingling"]', "8: [program.checkin]: ask names 'tingling' twice"),
        ('"numbness"]', '"numbness"]\npain = true', "9: [program.checkin]: give ask"),
        (
            "{ tingling = 3 }",
            "{ stiffness = 3 }",
            "9: [program.checkin]: limits.stiffness is for a symptom not asked; "
            'add "stiffness" to ask',
        ),
        (
            "{ tingling = 3 }",
            "{ tingling = 11 }",
            "9: program.checkin.limits.tingling: must be at most 10",
        ),
        (
            "{ tingling = 3 }",
            "{ itching = 3 }",
            "9: unknown key 'itching' in [program.checkin] limits",
        ),
        (
            "{ tingling = 3 }",
            "{ pain = 3 }\nstop_above = 4",
            "9: [program.checkin]: give the pain limit once",
        ),
        (
            'ask = ["pain", "tingling", "numbness"]',
            "ask = []",
            "8: program.checkin.ask: must not be empty",
        ),
        ("next_day = true", 'next_day = "yes"', "10: program.checkin.next_day"),
    ],
)
def test_a_wrong_checkin_is_refused_at_its_line(
    written: str, replacement: str, message: str
) -> None:
    problems = refused(BASE.replace(written, replacement))
    assert any(problem.startswith(message) for problem in problems), problems


@pytest.mark.parametrize(("key", "line"), [("ask", 8), ("limits", 9), ("next_day", 10)])
def test_a_version_1_file_may_not_use_the_new_checkin_keys(key: str, line: int) -> None:
    problems = refused(BASE.replace("schema_version = 2", "schema_version = 1"))
    assert (
        f"{line}: {key} in [program.checkin] needs schema_version = 2 at the top of the file "
        "(this file says 1)"
    ) in problems


PHASED = """\
schema_version = 2

[program]
id = "graded"
title = "Graded"

[program.prescription]
start = 2026-01-05
weeks = 4

[[phase]]
name = "More"
weeks = [3, 4]
[phase.exercise.glide]
reps = 15

[[exercise]]
id = "glide"
name = "Median nerve glide"
reps = 10
hold = 2
"""


def test_the_program_hash_is_of_the_resolved_program() -> None:
    program = parsed(PHASED)
    import datetime

    early = on_day(program, datetime.date(2026, 1, 6)).program
    late = on_day(program, datetime.date(2026, 1, 20)).program
    assert program_hash(early) != program_hash(late)  # another dose, another hash
    # The same content gives the same hash, however it was read or spaced.
    respaced = parsed(PHASED.replace('title = "Graded"', 'title   =   "Graded"'))
    assert program_hash(respaced) == program_hash(program)
    assert len(program_hash(program)) == 64
    assert program_hash(parsed(PHASED.replace("reps = 10", "reps = 11"))) != program_hash(program)
