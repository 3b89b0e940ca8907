"""The TOML mistakes clinicians make by hand get a message that says what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import ProgramError
from coach.program.loader import load_program
from coach.program.mistakes import explain_syntax_error

HEADER = 'schema_version = 1\n[program]\nid = "p"\ntitle = "P"\n'
EXERCISE = '[[exercise]]\nid = "a"\nname = "A"\nduration = 5\n'


def _error_of(path: Path) -> str:
    with pytest.raises(ProgramError) as raised:
        load_program(path)
    (issue,) = raised.value.issues
    return str(issue).removeprefix(f"{path}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            HEADER.replace('"P"', "“Wrist stretches”") + EXERCISE,
            '4:9: curly quotes (“) are not TOML quotes: write straight quotes, "like this" '
            "(a word processor changes them as you type; save the file from a plain-text editor)",
            id="Word's curly double quotes",
        ),
        pytest.param(
            HEADER.replace('"P"', "‘Wrist’") + EXERCISE,
            '4:9: curly quotes (‘) are not TOML quotes: write straight quotes, "like this" '
            "(a word processor changes them as you type; save the file from a plain-text editor)",
            id="curly single quotes",
        ),
        pytest.param(
            HEADER + EXERCISE.replace("duration = 5", "reps = 10-15\nhold = 5"),
            "8:10: a range is written as a table: reps = { min = 10, max = 15 } (with "
            "schema_version = 2 at the top of the file), or one number: reps = 15",
            id="a range with a hyphen",
        ),
        pytest.param(
            HEADER + EXERCISE.replace("duration = 5", "reps = 10 – 15\nhold = 5"),
            "8:11: a range is written as a table: reps = { min = 10, max = 15 } (with "
            "schema_version = 2 at the top of the file), or one number: reps = 15",
            id="a range with an en dash",
        ),
        pytest.param(
            "// wrist program for Ms A\n" + HEADER + EXERCISE,
            "1:1: comments start with #, not //: write # my note",
            id="a // comment on its own line",
        ),
        pytest.param(
            HEADER + EXERCISE.replace("duration = 5", "duration = 5 // seconds"),
            "8:14: comments start with #, not //: write # my note",
            id="a // comment after a value",
        ),
        pytest.param(
            HEADER
            + EXERCISE
            + EXERCISE.replace('"a"', '"b"').replace("[[exercise]]", "[exercise]"),
            "9:10: [exercise] is written with two brackets, [[exercise]], once for each "
            "exercise: [exercise] with one bracket is a single table, and can appear only once",
            id="[exercise] after [[exercise]]",
        ),
        pytest.param(
            HEADER + EXERCISE.replace("[[exercise]]", "[exercise]"),
            "5:1: write [[exercise]] with two brackets: each exercise is one of a list, and "
            "[exercise] with one bracket is a single table",
            id="a single [exercise]",
        ),
        pytest.param(
            HEADER
            + '[[exercise]]\nid = "a"\nname = "A"\nreps = 2\n[exercise.tempo]\nphase = "Up"\nseconds = 2\n',
            "9:1: write [[exercise.tempo]] with two brackets: each phase is one of a list, and "
            "[exercise.tempo] with one bracket is a single table",
            id="a single [exercise.tempo]",
        ),
        pytest.param(
            HEADER.replace("schema_version = 1", 'schema_version = "1"') + EXERCISE,
            "1:1: schema_version is a whole number: write schema_version = 1, without quotes "
            "or a decimal point",
            id='schema_version = "1"',
        ),
        pytest.param(
            HEADER.replace("schema_version = 1", "schema_version = 1.0") + EXERCISE,
            "1:1: schema_version is a whole number: write schema_version = 1, without quotes "
            "or a decimal point",
            id="schema_version = 1.0",
        ),
        pytest.param(
            HEADER + '[program]\ntitle = "Q"\n' + EXERCISE,
            "5:9: [program] appears twice: each table can be written only once; put its keys "
            "together",
            id="[program] twice",
        ),
    ],
)
def test_a_hand_written_mistake_says_what_to_write(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    assert _error_of(path) == expected


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "program.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + EXERCISE).encode())
    loaded = load_program(path)
    assert loaded.program.id == "p"
    # Positions are still right after it: a bad value on line 8 is reported on line 8.
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + EXERCISE.replace("5", "-5")).encode())
    assert _error_of(path).startswith("8:")


def test_curly_quotes_inside_straight_ones_are_text(tmp_path: Path) -> None:
    path = tmp_path / "program.toml"
    path.write_text(HEADER.replace('"P"', '"It’s “gentle”"') + EXERCISE, encoding="utf-8")
    assert load_program(path).program.title == "It’s “gentle”"


def test_other_syntax_errors_keep_the_parsers_words() -> None:
    text = "[program\n"
    assert explain_syntax_error(text, "Expected ']' at the end of a table declaration", 1, 9) == (
        "not valid TOML: Expected ']' at the end of a table declaration"
    )
    assert explain_syntax_error("", "Invalid value", None, None) == "not valid TOML: Invalid value"


def test_a_settings_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.config.quick import quick_theme
    from coach.config.settings import load_settings

    config = tmp_path / "config.toml"
    config.write_bytes(b'\xef\xbb\xbf[ui]\ntheme = "nord"\n')
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    assert load_settings().ui.theme == "nord"
    assert quick_theme({}) == "nord"
