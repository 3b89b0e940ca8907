"""The documentation stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.cli import main
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
