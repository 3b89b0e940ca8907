"""The patient handout: ``coach plan PROGRAM --format html|md``.

For a patient file (a protocol with phases, adapted for one person) the
handout shows the adjusted doses, the affected side, the patient's label and
notes; the HTML parses with html5lib's strict parser and prints (in headless
Chromium, where installed) on at most two pages of A4 and of Letter; hostile
text is shown as text; the Markdown is pinned.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import html5lib
import pytest
from pytest import CaptureFixture

from coach import paths
from coach.cli.main import main
from coach.history.records import SessionRecord
from coach.history.store import HistoryStore
from coach.program.handout import (
    ExerciseSheet,
    Handout,
    PhaseRow,
    handout_html,
    handout_markdown,
    md,
)
from coach.safety import LIMIT_ADVICE, NEXT_DAY_WORSE_ADVICE
from coach.text import visible
from tests.test_pinned_outputs import check

PROTOCOL = """\
schema_version = 2

[program]
id = "tendon-protocol"
title = "Tendon gliding (Wehbe)"
summary = "Tendon gliding for the hand, after a cast."
prep = 0
precautions = ["Stop if an exercise hurts.", "Move slowly: numbness can hide pain."]

[program.prescription]
weeks = 6

[program.schedule]
per_day = 3

[program.checkin]
ask = ["pain", "numbness"]
stop_above = 4
limits = { numbness = 3 }
next_day = true

[[exercise]]
id = "glide"
name = "Tendon glide"
instructions = ["Start with the fingers straight.", "Make a hook fist, then a full fist."]
equipment = ["a table"]
precautions = ["Never force a position."]
sides = "affected"
reps = 10
hold = 3

[[exercise]]
id = "squeeze"
name = "Ball squeeze"
sides = "unaffected"
sets = 2
reps = 5
hold = 2
load = "soft ball"

[[exercise]]
id = "stretch"
name = "Wrist stretch"
duration = 30

[[phase]]
name = "Gentle"
weeks = [1, 2]
schedule = { per_day = 2 }
[phase.exercise.glide]
reps = 5
[phase.exercise.squeeze]
sets = 1
[phase.exercise.stretch]
enabled = false
"""

PATIENT = """\
schema_version = 2
extends = "./tendon-protocol.toml"

[program]
id = "tendon-for-js"
title = "Tendon gliding for J. S."

[program.prescription]
start = 2026-11-23
weeks = 6
prescribed_by = "A. Physio"
review = 2026-12-21

[patient]
label = "J. S."
affected_side = "right"
notes = "Go gently after the cast comes off."

[adjust.glide]
reps = 8
load = "soft putty"
"""


def write(folder: Path, protocol: str = PROTOCOL, patient: str = PATIENT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tendon-protocol.toml").write_text(protocol, encoding="utf-8")
    path = folder / "js.toml"
    path.write_text(patient, encoding="utf-8")
    return path


def handout(capsys: CaptureFixture[str], path: Path | str, form: str) -> str:
    assert main(["plan", str(path), "--format", form]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def strict(page: str) -> object:
    """The page parsed by html5lib's strict parser (it raises on any parse error)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def text_of(page: str) -> str:
    tree = strict(page)
    body = tree.find("body")  # type: ignore[attr-defined]
    return " ".join(" ".join(body.itertext()).split())


def test_the_handout_of_a_patient_file_shows_the_adjusted_doses(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    path = write(tmp_path)
    page = handout(capsys, path, "html")
    text = text_of(page)
    assert "Tendon gliding for J. S." in text
    assert "For J. S." in text and "Affected side right" in text
    assert "Prescribed by A. Physio" in text and "Review 2026-12-21" in text
    assert "Period 2026-11-23 to 2027-01-03 (6 weeks)" in text
    assert "Notes: Go gently after the cast comes off." in text
    assert "Adapted from Tendon gliding (Wehbe)" in text
    # The phase's schedule and dates, and the weeks after it.
    assert "Gentle Weeks 1-2 2026-11-23 to 2026-12-06 2 a day" in text
    assert "As written Weeks 3-6 and after week 6 3 a day" in text
    # The glide: the patient's 8 reps with their putty, on the right, in every week
    # (an adjustment wins over the phase's 5, as `coach plan --on` paces it).
    assert (
        "1. Tendon glide 8 reps, hold 3s, right side (your affected side); load: soft putty" in text
    )
    # The squeeze: one set in the phase, two after it, on the other side.
    assert (
        "Weeks 1-2 (Gentle): 5 reps, hold 2s, left side (your unaffected side); "
        "load: soft ball" in text
    )
    assert (
        "Weeks 3-6 and after week 6: 2 sets of 5 reps, hold 2s, left side (your unaffected "
        "side); rest 30s between sets; load: soft ball" in text
    )
    assert "Weeks 1-2 (Gentle): not in these weeks" in text  # the stretch
    assert "1. Start with the fingers straight." not in text  # an <ol>: numbered by HTML
    assert "Start with the fingers straight. Make a hook fist, then a full fist." in text
    assert "You need: a table" in text and "Never force a position." in text
    # The check-in's limits and coach's safety notice, in the words the app uses.
    assert LIMIT_ADVICE.format(symptom="pain", limit=4) in text
    assert LIMIT_ADVICE.format(symptom="numbness", limit=3) in text
    assert NEXT_DAY_WORSE_ADVICE in text
    assert "Move slowly: numbness can hide pain." in text
    assert "slurred speech or confusion" in text
    assert "@media print" in page and "@page" in page and "<script" not in page


def test_the_markdown_handout_is_pinned(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    text = handout(capsys, write(tmp_path), "md")
    # Plain text stays plain: nothing escaped that Markdown would read as text.
    assert "Adapted from:** Tendon gliding (Wehbe)" in text
    assert "\\" not in text
    check("handout.md", text)


def test_a_protocol_without_a_start_counts_from_the_first_session(
    capsys: CaptureFixture[str],
) -> None:
    text = text_of(handout(capsys, "hand-wrist-graded", "html"))
    assert "Period 6 weeks, counted from your first session" in text
    assert "Range of motion Weeks 1-2 1 a day" in text  # weeks, no dates yet


@pytest.mark.parametrize(
    "program", [p.stem for p in sorted(paths.bundled_programs_dir().glob("*.toml"))]
)
def test_every_bundled_program_s_handout_is_strict_html(
    capsys: CaptureFixture[str], program: str
) -> None:
    text = text_of(handout(capsys, program, "html"))
    assert "Before you start" in text


HOSTILE = "<script>alert(1)</script> [bold red]B[/] [@click=app.quit]q[/] *x* `y` a|b &amp; _z_"
CONTROLS = "bell\x07 clear\x1b[2J csi\x9b31m"


def test_hostile_text_is_shown_as_text(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    quoted = HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\u001b")
    protocol = (
        PROTOCOL.replace('title = "Tendon gliding (Wehbe)"', f'title = "{quoted}"')
        .replace('name = "Tendon glide"', f'name = "{quoted}"')
        .replace('"Never force a position."', f'"{quoted}"')
    )
    patient = PATIENT.replace(
        'notes = "Go gently after the cast comes off."', f'notes = "{quoted}"'
    )
    path = write(tmp_path, protocol, patient)
    page = handout(capsys, path, "html")
    assert "<script>" not in page and "\x1b" not in page
    text = text_of(page)
    shown = visible(HOSTILE, newlines=False)
    # The protocol's title, the name, its precaution and the notes, exactly as written.
    assert text.count(shown) == 4
    assert f"Adapted from {shown}" in text
    markdown = handout(capsys, path, "md")
    assert "<script>" not in markdown
    assert md(HOSTILE) in markdown


def test_control_characters_are_made_visible() -> None:
    # The loader refuses control characters in program text; the writers would
    # still never pass one on (a file from an older coach, a future field).
    sheet = ExerciseSheet(1, CONTROLS, [(None, CONTROLS)], [CONTROLS], [CONTROLS], [CONTROLS])
    data = Handout(
        CONTROLS,
        CONTROLS,
        CONTROLS,
        [(CONTROLS, CONTROLS)],
        CONTROLS,
        [PhaseRow(CONTROLS, CONTROLS, CONTROLS, CONTROLS)],
        [sheet],
        [CONTROLS],
        [CONTROLS],
        CONTROLS,
        [[CONTROLS], ["-", CONTROLS]],
    )
    for page in (handout_html(data), handout_markdown(data)):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", page)
    assert text_of(handout_html(data)).count(visible(CONTROLS)) == 20  # every field, once


@pytest.mark.parametrize(
    ("plain", "written"),
    [
        ("Tendon gliding (Wehbe)", "Tendon gliding (Wehbe)"),
        ("hand-wrist-strength", "hand-wrist-strength"),
        ("snake_case_name", "snake_case_name"),
        ("1. a list?", "1\\. a list?"),
        ("# a heading?", "\\# a heading?"),
        ("- an item?", "\\- an item?"),
        ("> a quote?", "\\> a quote?"),
        ("*bold* and _emphasis_", "\\*bold\\* and \\_emphasis\\_"),
        ("[a link](x) `code` a|b <b>", "\\[a link\\](x) \\`code\\` a\\|b \\<b\\>"),
        ("&amp; & co", "\\&amp; & co"),
        ("bell\x07", "bell\\\\x07"),  # visible() writes \\x07; Markdown shows its backslash
    ],
)
def test_markdown_escapes_only_what_markdown_would_misread(plain: str, written: str) -> None:
    assert md(plain) == written


def test_the_handout_goes_without_json_and_steps(capsys: CaptureFixture[str]) -> None:
    assert main(["plan", "typist-micro-break", "--format", "md", "--json"]) == 2
    assert "goes without --json and --steps" in capsys.readouterr().err


def test_a_protocol_s_dates_count_from_the_first_session_recorded(
    capsys: CaptureFixture[str],
) -> None:
    first = date(2026, 11, 2)
    started = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with HistoryStore.in_folder(paths.default_data_dir()) as store:
        store.save(
            SessionRecord(
                id="first",
                program="hand-wrist-graded",
                title="Graded",
                started_at=started,
                utc_offset=0,
                local_date=first,
                status="completed",
                ended_at=started + timedelta(minutes=10),
            )
        )
    text = text_of(handout(capsys, "hand-wrist-graded", "html"))
    assert "Period 2026-11-02 to 2026-12-13 (6 weeks), counted from your first session" in text
    assert "Range of motion Weeks 1-2 2026-11-02 to 2026-11-15 1 a day" in text


@pytest.mark.e2e
def test_plain_plan_does_not_load_the_handout() -> None:
    code = (
        "import io, sys, contextlib\nfrom coach.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['plan', 'typist-micro-break']) == 0\n"
        "print('coach.program.handout' in sys.modules)\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['plan', 'typist-micro-break', '--format', 'html']) == 0\n"
        "print('coach.program.handout' in sys.modules, 'textual' in sys.modules,"
        " 'rich' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "True", "False", "False"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (.ci/run installs it)")
@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("program", ["hand-wrist-graded", "hand-wrist-strength", "patient"])
def test_the_handout_prints_on_at_most_two_pages(
    tmp_path: Path, capsys: CaptureFixture[str], paper: str, program: str
) -> None:
    ref = str(write(tmp_path / "files")) if program == "patient" else program
    page = handout(capsys, ref, "html")
    # The handout leaves the paper to the printer; here each size is asked for.
    page = page.replace("@page{", f"@page{{size:{paper};", 1)
    source = tmp_path / "handout.html"
    source.write_text(page, encoding="utf-8")
    pdf = tmp_path / "handout.pdf"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            source.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert 1 <= pages <= 2, f"{program} on {paper}: {pages} pages"
