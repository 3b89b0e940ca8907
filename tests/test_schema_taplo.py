"""`coach schema` in Taplo, the TOML tooling editors use: every program coach reads passes,
and a mistake is reported at its key, as the physiotherapist's editor would show it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coach.program.loader import load_program
from tests.conftest import REPO
from tests.helpers import QUICK
from tests.test_docs import blocks
from tests.test_patient_files import PATIENT
from tests.test_phases import GRADED, QUICK_PHASED

# The test extra installs it beside this Python.
TAPLO = shutil.which("taplo", path=str(Path(sys.executable).parent)) or shutil.which("taplo")

pytestmark = pytest.mark.skipif(
    TAPLO is None, reason="taplo is not installed (pip install '.[test]')"
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema as `coach schema` prints it now (not the copy in docs/)."""
    path = tmp_path_factory.mktemp("schema") / "coach-program.schema.json"
    subprocess.run(
        [sys.executable, "-m", "coach", "schema", "-o", str(path)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    return path


def lint(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TAPLO), "lint", "--no-auto-config", "--colors", "never", "--schema", schema.as_uri()]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=120,
    )


def every_program(folder: Path) -> list[Path]:
    """The bundled programs, the documentation's and the tests' own, written to ``folder``."""
    texts = {path.name: path.read_text() for path in sorted((REPO / "programs").glob("*.toml"))}
    doc = (REPO / "docs" / "program-format.md").read_text()
    for index, block in enumerate(blocks(doc, "toml")):
        if 'id = "tendon-glides"' in block or "extends =" in block:
            # The patient file example and the protocol it extends, by their names.
            texts["js-patient.toml" if "extends =" in block else "tendon-glides.toml"] = block
        elif "schema_version" in block and "[[exercise]]" in block:
            texts[f"doc-{index}.toml"] = block
    texts["graded.toml"] = GRADED
    texts["quick-phased.toml"] = QUICK_PHASED.format(start="2026-11-23")
    texts["patient.toml"] = (
        PATIENT.replace("./tendon.toml", "hand-wrist-strength")
        .replace("[adjust.glide]", "[adjust.grip-squeeze]")
        .replace("[adjust.stretch]", "[adjust.shoulder-shrugs]")
    )
    texts["quick.toml"] = QUICK + '\n[[exercise]]\nid = "a"\nname = "A"\nreps = 2\nhold = "0.1s"\n'
    paths = [folder / name for name in texts]
    for path in paths:
        path.write_text(texts[path.name])
    for path in paths:
        if path.name != "tendon-glides.toml":  # a protocol with patient sides: read via its patient
            load_program(path)  # each is a program coach reads
    return paths


def test_every_program_coach_reads_passes_taplo(schema: Path, tmp_path: Path) -> None:
    files = every_program(tmp_path)
    assert len(files) >= 10
    done = lint(schema, *files)
    assert done.returncode == 0, done.stderr
    assert f"total={len(files)}" in done.stderr  # Taplo found and read each one


def test_taplo_names_the_key_of_a_patient_file_mistake(schema: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad-patient.toml"
    path.write_text(PATIENT.replace('affected_side = "right"', 'affected_side = "middle"'))
    done = lint(schema, path)
    assert done.returncode != 0
    assert re.search(r"bad-patient\.toml:10:\d+", done.stderr), done.stderr


def test_taplo_names_the_key_of_a_mistake(schema: Path, tmp_path: Path) -> None:
    bad = (
        GRADED.replace('patient = "J. S."', "patient = 3")
        .replace("weeks = [4, 6]", "weeks = [4]")
        .replace("duration = 30", 'duration = 30\ncolour = "red"')
    )
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    done = lint(schema, path)
    assert done.returncode != 0
    lines = {n: line for n, line in enumerate(bad.splitlines(), 1)}

    def reported(needle: str) -> bool:
        line = next(n for n, text in lines.items() if text.startswith(needle))
        return re.search(rf"bad\.toml:{line}:\d+", done.stderr) is not None

    assert '3 is not of type "string"' in done.stderr and reported("patient = 3")
    assert "less than 2 items" in done.stderr and reported("weeks = [4]")
    assert "'colour' was unexpected" in done.stderr
