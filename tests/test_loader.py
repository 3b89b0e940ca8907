"""Every rule of the program format, on good and bad files, with the line each error names."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from coach.program.loader import MAX_FILE_BYTES, ProgramError, load_program, parse_program
from coach.program.timeline import build_timeline
from tests.helpers import WriteProgram

HEADER = """\
schema_version = 1

[program]
id = "p"
title = "P"
"""


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    return [str(issue) for issue in caught.value.issues]


def only_error(path: Path) -> str:
    found = errors_of(path)
    assert len(found) == 1, found
    return found[0]


def test_a_full_program_loads(write_program: WriteProgram) -> None:
    path = write_program(
        """
        schema_version = 1
        [program]
        id = "wrist-care"
        title = "Wrist care"
        summary = "s"
        description = "d"
        audience = ["typist", "musician"]
        author = "A. Physio"
        version = "1.2"
        sources = ["Exercises to Help Numbness in Arms & Hands"]
        precautions = ["Stop if it hurts."]
        prep = "3s"
        switch_sides = 2
        rest_between_exercises = "0s"
        [program.schedule]
        per_day = 2
        [program.checkin]
        pain = true
        stop_above = 5

        [[exercise]]
        id = "heat"
        name = "Heat"
        duration = "15m"

        [[exercise]]
        id = "ext"
        name = "Wrist extension stretch"
        instructions = ["Straight elbow", "Pull the fingers back"]
        cue = "Gently pull back"
        equipment = []
        precautions = ["Gently"]
        sides = "each"
        sets = 2
        reps = 5
        hold = 15
        rest_between_reps = 0.5
        rest_between_sets = "1m"
        prep = 0
        switch_sides = "10s"
        rest_after = 0

        [[exercise]]
        id = "curl"
        name = "Wrist curl"
        reps = 10
        tempo = [{ phase = "Curl", seconds = 4 }, { phase = "Lower", seconds = "4s" }]
        """
    )
    loaded = load_program(path)
    program = loaded.program
    assert program.id == "wrist-care"
    assert program.info.prep == 3.0 and program.info.switch_sides == 2.0
    assert program.info.schedule is not None and program.info.schedule.per_day == 2
    assert program.info.checkin is not None and program.info.checkin.stop_above == 5
    heat, ext, curl = program.exercises
    assert heat.duration == 900.0
    assert ext.hold == 15.0 and ext.rest_between_sets == 60.0 and ext.sides == "each"
    assert program.exercise_switch(ext) == 10.0 and program.exercise_prep(ext) == 0.0
    assert program.exercise_switch(heat) == 2.0 and program.exercise_rest_after(heat) == 0.0
    assert curl.tempo is not None and [p.seconds for p in curl.tempo] == [4.0, 4.0]
    assert len(loaded.sha256) == 64


def test_defaults(write_program: WriteProgram) -> None:
    program = load_program(
        write_program(HEADER + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = 1\n')
    ).program
    assert (program.info.prep, program.info.switch_sides, program.info.rest_between_exercises) == (
        5,
        5,
        10,
    )
    exercise = program.exercises[0]
    assert (
        exercise.sides,
        exercise.sets,
        exercise.rest_between_reps,
        exercise.rest_between_sets,
    ) == ("none", 1, 0, 30)


def test_unknown_key_suggests_near_miss_with_line_and_column(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '\n[[exercise]]\nid = "a"\nname = "A"\nreps = 2\n  hodl = 15\n')
    assert (
        only_error(path)
        == f"{path}:11:3: unknown key 'hodl' in [[exercise]] (did you mean 'hold'?)"
    )


def test_unknown_key_far_from_any_lists_the_allowed_ones(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER + 'colour = "red"\n[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n'
    )
    message = only_error(path)
    assert message.startswith(
        f"{path}:6:1: unknown key 'colour' in [program]; allowed keys: id, title"
    )


def test_unknown_top_level_and_nested_table_keys(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + '[program.schedule]\nper_dya = 1\n[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n'
        + "bogus = 1\n"
    )
    found = errors_of(path)
    assert any(
        ":7:1: unknown key 'per_dya' in [program.schedule] (did you mean 'per_day'?)" in e
        for e in found
    )
    assert any(":12:1: unknown key 'bogus' in [[exercise]]" in e for e in found)


def test_missing_required_key_points_at_its_table_header(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '\n[[exercise]]\nid = "a"\nreps = 2\nhold = 3\n')
    assert only_error(path) == f"{path}:7:1: missing required key 'name' in [[exercise]]"


def test_missing_program_title(write_program: WriteProgram) -> None:
    path = write_program(
        'schema_version = 1\n[program]\nid = "x"\n[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert only_error(path) == f"{path}:2:1: missing required key 'title' in [program]"


def test_schema_version_required(write_program: WriteProgram) -> None:
    path = write_program(
        '[program]\nid = "x"\ntitle = "X"\n[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert only_error(path) == (
        f"{path}:1: missing schema_version = 1 at the top of the file (or schema_version = 2, "
        "for a file that uses what version 2 adds)"
    )


def test_newer_schema_version_is_refused(write_program: WriteProgram) -> None:
    path = write_program(HEADER.replace("schema_version = 1", "schema_version = 3"))
    message = only_error(path)
    assert message.startswith(f"{path}:1:1: written for a newer coach")
    assert "reads versions 1 and 2" in message


# "1" and 1.0 get their own message: tests/test_mistakes.py.
@pytest.mark.parametrize("value", ['"3"', "0", "true", "0.5"])
def test_schema_version_must_be_one(write_program: WriteProgram, value: str) -> None:
    path = write_program(
        HEADER.replace("schema_version = 1", f"schema_version = {value}")
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert only_error(path).startswith(f"{path}:1:1: schema_version must be 1")


def test_wrong_types_are_never_coerced(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + 'audience = "typist"\n[[exercise]]\nid = "a"\nname = 5\nsets = "3"\nreps = 2.0\nhold = true\n'
    )
    found = errors_of(path)
    assert (
        f"{path}:6:1: program.audience: expected a list, e.g. [\"...\"], got text ('typist')"
        in found
    )
    assert f"{path}:9:1: exercise[1].name: expected text in quotes, got a whole number (5)" in found
    assert f"{path}:10:1: exercise[1].sets: expected a whole number, got text ('3')" in found
    assert f"{path}:11:1: exercise[1].reps: expected a whole number, got a number (2.0)" in found
    assert any(e.startswith(f"{path}:12:1: exercise[1].hold: expected a duration") for e in found)


@pytest.mark.parametrize("slug", ["Wrist", "-wrist", "wrist_stretch", "wrist stretch", "", "wrïst"])
def test_bad_slugs(write_program: WriteProgram, slug: str) -> None:
    path = write_program(
        HEADER.replace('id = "p"', f'id = "{slug}"')
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert "is not a valid id" in only_error(path)
    assert only_error(path).startswith(f"{path}:4:1: program.id:")


def test_bad_exercise_slug(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '[[exercise]]\nid = "A!"\nname = "A"\nduration = 1\n')
    assert only_error(path).startswith(f"{path}:7:1: exercise[1].id: 'A!' is not a valid id")


def test_duplicate_exercise_ids(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n[[exercise]]\nid = "a"\nname = "B"\nduration = 1\n'
    )
    assert only_error(path) == f"{path}:11:1: duplicate exercise id 'a' (also used by exercise 1)"


def test_duplicate_ids_reported_alongside_other_errors(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n[[exercise]]\nid = "a"\nname = "B"\nduration = -1\n'
    )
    found = errors_of(path)
    assert len(found) == 2
    assert "duplicate exercise id 'a'" in found[0] and "negative" in found[1]


def test_no_exercises(write_program: WriteProgram) -> None:
    path = write_program(HEADER)
    assert only_error(path) == f"{path}:1: a program needs at least one [[exercise]] table"


def test_empty_exercise_list(write_program: WriteProgram) -> None:
    path = write_program(HEADER.replace("[program]", "exercise = []\n[program]"))
    assert "a program needs at least one [[exercise]] table" in only_error(path)


def test_reps_without_hold_or_tempo(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '[[exercise]]\nid = "a"\nname = "A"\nreps = 5\n')
    assert only_error(path).startswith(f"{path}:9:1: reps needs hold = D")


def test_hold_without_reps(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '[[exercise]]\nid = "a"\nname = "A"\nhold = 5\n')
    assert only_error(path).startswith(f"{path}:9:1: hold needs reps = N")


def test_no_pacing_at_all_points_at_the_exercise(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '[[exercise]]\nid = "a"\nname = "A"\n')
    assert only_error(path).startswith(f"{path}:6:1: no pacing: give duration = D")


def test_hold_with_tempo(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = 5\ntempo = [{ phase = "Up", seconds = 1 }]\n'
    )
    assert only_error(path).startswith(f"{path}:11:1: give hold or tempo, not both")


@pytest.mark.parametrize(
    "other", ["reps = 2", "hold = 3", 'tempo = [{ phase = "Up", seconds = 1 }]']
)
def test_duration_with_reps_hold_or_tempo(write_program: WriteProgram, other: str) -> None:
    path = write_program(HEADER + f'[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n{other}\n')
    found = errors_of(path)
    key = other.split()[0]
    assert any(e.startswith(f"{path}:10:1: duration cannot be combined with {key}") for e in found)


@pytest.mark.parametrize(
    ("pacing", "line"),
    [
        ("duration = 0", 9),
        ('duration = "0s"', 9),
        ("reps = 2\nhold = 0", 10),
        ('reps = 2\ntempo = [{ phase = "Up", seconds = 0 }]', 10),
    ],
)
def test_zero_work_durations(write_program: WriteProgram, pacing: str, line: int) -> None:
    path = write_program(HEADER + f'[[exercise]]\nid = "a"\nname = "A"\n{pacing}\n')
    message = only_error(path)
    assert message.startswith(f"{path}:{line}:1:")
    assert "work must last more than 0 seconds" in message


@pytest.mark.parametrize("pacing", ["duration = -5", 'duration = "-5s"', "reps = 2\nhold = -1"])
def test_negative_durations(write_program: WriteProgram, pacing: str) -> None:
    path = write_program(HEADER + f'[[exercise]]\nid = "a"\nname = "A"\n{pacing}\n')
    assert "negative" in only_error(path) or "not a duration" in only_error(path)


def test_rests_and_prep_may_be_zero_but_not_negative(write_program: WriteProgram) -> None:
    good = write_program(
        HEADER.replace(
            'title = "P"', 'title = "P"\nprep = 0\nswitch_sides = 0\nrest_between_exercises = 0'
        )
        + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = 1\nrest_between_reps = 0\nrest_between_sets = 0\n'
    )
    load_program(good)
    bad = write_program(
        HEADER + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = 1\nrest_between_sets = -1\n',
        "bad.toml",
    )
    assert only_error(bad).startswith(f"{bad}:11:1: exercise[1].rest_between_sets:")


@pytest.mark.parametrize("count", ["sets = 0", "reps = 0\nhold = 1", "sets = -2"])
def test_counts_are_at_least_one(write_program: WriteProgram, count: str) -> None:
    path = write_program(
        HEADER
        + '[[exercise]]\nid = "a"\nname = "A"\nreps = 1\nhold = 1\n'.replace(
            "reps = 1\nhold = 1\n", ""
        )
        + count
        + ("\nreps = 1\nhold = 1" if "reps" not in count else "")
        + "\n"
    )
    assert "must be at least 1" in only_error(path)


def test_unknown_sides_lists_allowed_values(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER + '[[exercise]]\nid = "a"\nname = "A"\nsides = "top"\nduration = 1\n'
    )
    assert only_error(path) == (
        f"{path}:9:1: exercise[1].sides: unknown value 'top'; "
        "allowed: none, both, left, right, each, alternate"
    )


def test_both_hands_together_needs_version_2(write_program: WriteProgram) -> None:
    exercise = '[[exercise]]\nid = "a"\nname = "A"\nsides = "both"\nreps = 2\nhold = 3\n'
    path = write_program(HEADER + exercise)
    assert only_error(path) == (
        f'{path}:9:1: sides = "both" needs schema_version = 2 at the top of the file '
        "(this file says 1)"
    )
    path = write_program(HEADER.replace("schema_version = 1", "schema_version = 2") + exercise)
    program = load_program(path).program
    assert program.exercises[0].sides == "both"
    steps = build_timeline(program).steps
    # One pass, as for "none", every step marked as both hands.
    assert [(s.kind, s.side) for s in steps] == [("prep", None), ("work", "both"), ("work", "both")]


@pytest.mark.parametrize("char", ["\\u001b", "\\u0007", "\\r", "\\u0000", "\\u009b", "\\u007f"])
def test_control_characters_are_rejected(write_program: WriteProgram, char: str) -> None:
    path = write_program(
        HEADER.replace('title = "P"', f'title = "P{char}[2J"')
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    message = only_error(path)
    assert message.startswith(f"{path}:5:1: program.title: control character U+")


def test_control_characters_in_nested_text(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + '[[exercise]]\nid = "a"\nname = "A"\ninstructions = ["ok", "bad\\u001b]0;x\\u0007"]\nduration = 1\n'
    )
    assert only_error(path).startswith(
        f"{path}:9:1: exercise[1].instructions[2]: control character U+001B"
    )


def test_newlines_and_tabs_are_fine(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER.replace('title = "P"', 'title = "P"\ndescription = """\nline one\n\tindented\n"""')
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert "\tindented" in load_program(path).program.info.description


def test_markup_in_text_is_kept_literally(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER.replace('title = "P"', 'title = "[bold]P[/bold] [@click=app.quit]x[/]"')
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert load_program(path).program.title == "[bold]P[/bold] [@click=app.quit]x[/]"


def test_files_over_one_mebibyte_are_refused_before_reading(write_program: WriteProgram) -> None:
    path = write_program(HEADER + "# " + "x" * MAX_FILE_BYTES + "\n")
    message = only_error(path)
    assert message.startswith(f"{path}: file is ") and "1 MiB" in message


def test_toml_syntax_error_names_line_and_column(write_program: WriteProgram) -> None:
    path = write_program(HEADER + '[[exercise]]\nid = "a"\nname = \n')
    message = only_error(path)
    assert message.startswith(f"{path}:8:8: not valid TOML:")
    assert "Traceback" not in message


def test_toml_duplicate_key(write_program: WriteProgram) -> None:
    path = write_program(HEADER + 'title = "Again"\n')
    assert only_error(path).startswith(f"{path}:6:")


def test_missing_file_and_folder_and_binary(tmp_path: Path) -> None:
    assert only_error(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: no such file"
    assert only_error(tmp_path) == f"{tmp_path}: is a folder, not a program file"
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"schema_version = 1\n\xff\xfe")
    assert only_error(binary) == f"{binary}:2: not UTF-8 text (byte 0xff)"


def test_every_error_is_reported_in_line_order(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER.replace('id = "p"', 'id = "P"')
        + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhodl = 1\n[[exercise]]\nid = "b"\nname = "B"\nsides = "up"\nduration = 0\n'
    )
    found = errors_of(path)
    lines = [int(e.split(":")[1]) for e in found]
    assert lines == sorted(lines)
    assert len(found) >= 4


def test_schedule_needs_exactly_one_frequency(write_program: WriteProgram) -> None:
    body = '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    both = write_program(HEADER + "[program.schedule]\nper_day = 1\nper_week = 3\n" + body)
    assert (
        only_error(both)
        == f"{both}:6:1: [program.schedule]: give exactly one of per_day or per_week"
    )
    neither = write_program(HEADER + "[program.schedule]\n" + body, "n.toml")
    assert "exactly one" in only_error(neither)


def test_checkin_threshold_range(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER
        + "[program.checkin]\npain = true\nstop_above = 11\n"
        + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert only_error(path) == f"{path}:8:1: program.checkin.stop_above: must be at most 10, got 11"


def test_dotted_keys_get_their_line(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER + "schedule.per_dya = 2\n" + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n'
    )
    assert only_error(path).startswith(f"{path}:6:1: unknown key 'per_dya' in [program.schedule]")


def test_parse_program_is_the_same_without_a_file() -> None:
    program = parse_program(
        HEADER + '[[exercise]]\nid = "a"\nname = "A"\nduration = 1\n', Path("x.toml")
    )
    assert program.exercises[0].duration == 1.0


# --- limits: nesting, numbers, per-field bounds, the session's size -------------------------------


def after_name(message: str) -> str:
    """A message without the folder and name of the file: ``LINE:COL: text``."""
    return message.partition("program.toml:")[2]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("a = " + "[" * 5000 + "]" * 5000, 6),  # tomllib alone: RecursionError
        ("a = " + "{ b = " * 3000 + "1" + " }" * 3000, 6),
        ("a = " + "[" * 33 + "]" * 33, 6),
        ("[" + ".".join(["t"] * 40) + "]\nx = 1", 6),  # a dotted header
        ("x" + ".y" * 5000 + " = 1", 6),  # a dotted key
        ("[" + ".".join(["t"] * 20) + "]\n" + ".".join(["u"] * 20) + " = 1", 6),  # together
    ],
)
def test_nesting_deeper_than_32_is_refused_with_its_line(
    write_program: WriteProgram, body: str, line: int
) -> None:
    message = after_name(only_error(write_program(HEADER + body + "\n")))
    assert message.startswith(f"{line}:")
    assert "nested more than 32 levels deep" in message and "a program needs 4" in message


def test_nesting_of_32_is_not_refused_for_its_depth(write_program: WriteProgram) -> None:
    top_level = "a = " + "[" * 32 + "]" * 32 + "\n"
    found = errors_of(write_program(top_level + HEADER))
    assert not any("nested" in message for message in found)
    assert any("unknown key 'a'" in message for message in found)


def test_brackets_in_strings_and_comments_are_not_nesting(write_program: WriteProgram) -> None:
    deep = "[" * 100
    text = (
        HEADER + f'summary = "{deep}"\ndescription = """\n{deep}\n"""\nauthor = \'{deep}\'\n'
        f"# {deep}\n[[exercise]]\nid = \"a\"\nname = 'A'\nduration = 5\n"
    )
    path = write_program(text)
    assert load_program(path).program.info.summary == deep


def test_a_number_of_thousands_of_digits_is_refused(write_program: WriteProgram) -> None:
    path = write_program(HEADER + "[[exercise]]\nid = 'a'\nname = 'A'\nreps = " + "9" * 5000 + "\n")
    assert after_name(only_error(path)) == "9: a number of more than 4,300 digits"


@pytest.mark.parametrize(
    ("pacing", "expected"),
    [
        ("reps = 1001\nhold = 1", "exercise[1].reps: at most 1,000 reps are allowed, got 1001"),
        (
            "sets = 10000\nduration = 1",
            "exercise[1].sets: at most 1,000 sets are allowed, got 10000",
        ),
        (
            "reps = 1000000000000000000\nhold = 1",
            "exercise[1].reps: at most 1,000 reps are allowed, got 1000000000000000000",
        ),
        (
            "duration = '25h'",
            "exercise[1].duration: 25h is longer than 24h, the limit for any one duration in a program",
        ),
        ("duration = 1e300", "exercise[1].duration: "),
        (
            "reps = 2\nhold = 1\nrest_between_reps = 86401",
            "exercise[1].rest_between_reps: 24h1s is longer than 24h",
        ),
        ("duration = 1e400", "exercise[1].duration: inf is not a finite duration"),
        ("duration = '" + "9" * 98 + "h'", "is longer than 24h"),
    ],
)
def test_per_field_bounds_name_the_limit_and_the_key(
    write_program: WriteProgram, pacing: str, expected: str
) -> None:
    path = write_program(HEADER + "[[exercise]]\nid = 'a'\nname = 'A'\n" + pacing + "\n")
    message = after_name(only_error(path))
    assert re.match(r"(9|10|11):1: ", message)
    assert expected in message


def test_a_day_of_one_duration_is_allowed(write_program: WriteProgram) -> None:
    path = write_program(
        HEADER + "prep = 0\n[[exercise]]\nid = 'a'\nname = 'A'\nduration = '24h'\n"
    )
    assert load_program(path).program.exercises[0].duration == 86400


def test_a_session_over_a_day_is_refused_at_the_exercise_that_passes_the_limit(
    write_program: WriteProgram,
) -> None:
    exercises = "".join(
        f"[[exercise]]\nid = 'e{i}'\nname = 'E'\nduration = '10h'\n" for i in range(3)
    )
    message = after_name(only_error(write_program(HEADER + exercises)))
    # The third exercise (line 14) takes the 20h and its prep and rests past 24h.
    assert message == (
        "14:1: the session would last 30h35s, more than the limit of 24h for one "
        "session (this exercise, of 10h5s, takes it over)"
    )


def test_a_session_over_100000_steps_is_refused(write_program: WriteProgram) -> None:
    exercises = "".join(
        f"[[exercise]]\nid = 'e{i}'\nname = 'E'\nsets = 1000\nreps = 1000\nhold = 0.001\n"
        "rest_between_sets = 0\n"
        for i in range(2)
    )
    started = time.process_time()
    message = after_name(only_error(write_program(HEADER + exercises)))
    assert time.process_time() - started < 0.5  # arithmetic, not a million steps
    assert message == (
        "6:1: the session would have 2,000,003 steps, more than the limit of "
        "100,000 for one session (this exercise, with 1,000,002, takes it over)"
    )


def test_the_130_byte_file_of_ten_to_the_eighteen_reps_is_refused_quickly(
    write_program: WriteProgram,
) -> None:
    started = time.process_time()
    message = only_error(
        write_program(HEADER + "[[exercise]]\nid='a'\nname='A'\nreps=1000000000000000000\nhold=1\n")
    )
    assert "at most 1,000 reps" in message
    assert time.process_time() - started < 0.5  # CPU time: a loaded machine does not fail it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[info]\nid = "p"\ntitle = "P"\n[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n',
            "2:1: unknown table [info] in the top level (did you mean [program]?)",
        ),
        (
            HEADER + '[[exercises]]\nid = "a"\nname = "A"\nduration = 5\n',
            "6:1: unknown table [[exercises]] in the top level (did you mean [[exercise]]?)",
        ),
        (
            HEADER + '[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n[exercise.checkin]\n',
            "10:1: unknown table [exercise.checkin] in [[exercise]]; tables here: [[exercise.tempo]]",
        ),
        (
            HEADER + '[[exercise]]\nid = "a"\nname = "A"\nreps = 1\n'
            '[[exercise.phases]]\nphase = "Up"\nseconds = 2\n',
            "10:1: unknown table [[exercise.phases]] in [[exercise]] (did you mean [[exercise.tempo]]?)",
        ),
        (
            HEADER + '[step]\nid = "a"\n',
            "6:1: unknown table [step] in the top level (did you mean [[exercise]]?)",
        ),
        (
            HEADER + '[program.titles]\nx = 1\n[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n',
            "6:1: unknown table [program.titles] in [program]; tables here: [program.schedule], "
            "[program.checkin]",
        ),
    ],
)
def test_other_spellings_of_the_tables_are_refused_with_the_right_name(
    tmp_path: Path, text: str, expected: str
) -> None:
    """pydantic's populate_by_name once let the field names (info, exercises) through."""
    path = tmp_path / "p.toml"
    path.write_text(text if text.startswith("schema") else "schema_version = 1\n" + text)
    found = [error.split(":", 1)[1] for error in errors_of(path)]
    assert any(error.startswith(expected) for error in found), found
    assert not any(error.endswith("allowed keys: ") for error in found)


def test_an_error_in_the_second_exercises_tempo_names_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    exercise = '[[exercise]]\nid = "{id}"\nname = "N"\nreps = 1\n'
    phase = '[[exercise.tempo]]\nphase = "Up"\nseconds = {seconds}\n'
    path.write_text(
        HEADER
        + exercise.format(id="one")
        + phase.format(seconds=2)
        + phase.format(seconds=2)
        + exercise.format(id="two")
        + phase.format(seconds=2)
        + phase.format(seconds='"soon"')
    )
    lines = path.read_text().splitlines()
    (error,) = errors_of(path)
    line = int(error.split(":")[1])
    assert lines[line - 1] == 'seconds = "soon"', (error, line)
    assert line == len(lines)


def test_load_and_effort_are_version_2_and_short(write_program: WriteProgram) -> None:
    exercise = (
        '[[exercise]]\nid = "curl"\nname = "Wrist curl"\nreps = 2\nhold = 3\n'
        'load = "red FlexBar"\neffort = "about 70% of your maximum"\n'
    )
    path = write_program(HEADER + exercise)
    with pytest.raises(ProgramError) as raised:
        load_program(path)
    assert [str(issue) for issue in raised.value.issues] == [
        f"{path}:11:1: load needs schema_version = 2 at the top of the file (this file says 1)",
        f"{path}:12:1: effort needs schema_version = 2 at the top of the file (this file says 1)",
    ]
    version_2 = HEADER.replace("schema_version = 1", "schema_version = 2")
    loaded = load_program(write_program(version_2 + exercise)).program.exercises[0]
    assert (loaded.load, loaded.effort) == ("red FlexBar", "about 70% of your maximum")
    long = write_program(version_2 + exercise.replace("red FlexBar", "x" * 81))
    assert only_error(long) == (
        f"{long}:11:1: exercise[1].load: at most 80 characters (it is shown beside the "
        "countdown and spoken), got 81"
    )
    empty = write_program(version_2 + exercise.replace('"red FlexBar"', '""'))
    assert only_error(empty) == f"{empty}:11:1: exercise[1].load: must not be empty"
