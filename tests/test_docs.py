"""The documentation stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.cli.main import main
from tests.conftest import REPO


def blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.DOTALL)


def test_program_format_worked_example_and_its_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (REPO / "docs" / "program-format.md").read_text()
    example = blocks(doc, "toml")[0]
    path = tmp_path / "wrist-care.toml"
    path.write_text(example)
    assert main(["validate", "-q", str(path)]) == 0
    capsys.readouterr()
    assert main(["plan", str(path), "--steps"]) == 0
    assert capsys.readouterr().out == blocks(doc, "text")[0]


def test_program_format_limits_are_the_code_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.program import model as program
    from coach.program import nesting
    from coach.program.durations import MAX_DURATION_TEXT
    from coach.program.loader import MAX_FILE_BYTES

    doc = (REPO / "docs" / "program-format.md").read_text()
    limits = doc.split("## Limits", 1)[1].split("\n## ", 1)[0]
    assert program.MAX_SESSION_SECONDS == program.MAX_DURATION_SECONDS == 24 * 3600
    assert limits.count("at most 24 hours") == 2
    assert f"at most {program.MAX_STEPS:,} |" in limits
    assert f"at most {program.MAX_COUNT:,} each" in limits
    assert f"at most {MAX_DURATION_TEXT} characters" in limits
    assert f"at most {nesting.MAX_DEPTH} levels" in limits
    assert f"({MAX_FILE_BYTES:,} bytes)" in limits
    # The example error is what coach says about three exercises of 10 hours.
    header = 'schema_version = 1\n\n[program]\nid = "p"\ntitle = "P"\n'
    exercises = "".join(
        f"[[exercise]]\nid = 'e{i}'\nname = 'E'\nduration = '10h'\n" for i in range(3)
    )
    path = tmp_path / "wrist.toml"
    path.write_text(header + exercises)
    assert main(["validate", str(path)]) == 1
    message = capsys.readouterr().err.strip().replace(str(tmp_path) + "/", "")
    (example,) = blocks(limits, "text")
    assert message == example.strip()


def test_program_format_graded_example_and_its_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (REPO / "docs" / "program-format.md").read_text()
    (example,) = [block for block in blocks(doc, "toml") if "[[phase]]" in block]
    path = tmp_path / "graded.toml"
    path.write_text(example)
    (console,) = [block for block in blocks(doc, "console") if "coach plan graded.toml" in block]
    runs = re.split(r"^\$ coach (.*)\n", console, flags=re.MULTILINE)[1:]
    assert len(runs) == 4  # two commands, each with what it prints
    for command, printed in zip(runs[::2], runs[1::2], strict=True):
        argv = command.replace("graded.toml", str(path)).split()
        assert main(argv) == 0
        out = "\n".join(line.rstrip() for line in capsys.readouterr().out.splitlines())
        assert out.strip() == printed.strip(), command


def test_program_format_patient_file_example_and_its_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (REPO / "docs" / "program-format.md").read_text()
    section = doc.split("## Patient files", 1)[1].split("\n## ", 1)[0]
    patient, protocol = blocks(section, "toml")
    (tmp_path / "js-patient.toml").write_text(patient)
    (tmp_path / "tendon-glides.toml").write_text(protocol)
    (console,) = blocks(section, "console")
    command, printed = re.split(r"^\$ coach (.*)\n", console, flags=re.MULTILINE)[1:]
    argv = command.replace("js-patient.toml", str(tmp_path / "js-patient.toml")).split()
    assert main(argv) == 0
    out = "\n".join(line.rstrip() for line in capsys.readouterr().out.splitlines())
    assert out.strip() == printed.strip()
