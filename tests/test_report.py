"""``coach report`` over a real history: every number against the hand-worked figures of
:mod:`tests.report_history`, valid HTML, a first printed page in Chromium, pinned
Markdown and CSV."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from coach.cli.main import main
from coach.history.calendar import Streaks
from coach.history.prescribed import program_facts
from coach.history.report import Report, build_report
from coach.history.report_html import css_string
from coach.history.report_text import md
from coach.history.store import HistoryStore
from coach.program.loader import load_program
from tests.report_history import HOSTILE_NOTE, NOW, PROGRAM, START, TODAY, day, write_history

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with the history, and the program in the library."""
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "graded-grip.toml").write_text(PROGRAM, encoding="utf-8")
    data = tmp_path / "data"
    write_history(data)
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    monkeypatch.setenv("COACH_PROGRAMS_PATH", str(programs))
    return tmp_path


@pytest.fixture
def report(folders: Path) -> Report:
    loaded = load_program(folders / "programs" / "graded-grip.toml")
    store = HistoryStore.in_folder(folders / "data")
    try:
        records = store.sessions()
        facts = {"graded-grip": program_facts(loaded, store.first_day("graded-grip"))}
    finally:
        store.close()
    return build_report(
        records,
        start=None,
        today=TODAY,
        streaks=Streaks(0, 8),
        generated_at=NOW,
        facts=facts,
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with freeze_time(NOW):
        assert main(["report", *argv]) == 0
    return capsys.readouterr().out


# --------------------------------------------------------------------------- the numbers


def test_totals_and_the_first_page(report: Report) -> None:
    assert (report.start, report.end) == (START, TODAY)
    assert report.patients == ["J. D. <patient>"] and report.prescribers == ["A. Physio"]
    # 12 + 13 + 5 completed, the partial of day 9, the declined of day 2.
    assert (report.completed, report.partial, report.declined) == (30, 1, 1)
    assert report.active_days == 6 + 7 + 5
    assert report.minutes == pytest.approx((30 * 300 + 2 * 120) / 60)
    (program,) = report.programs
    assert program.title == "Graded grip (Wehbe)"
    assert program.versions == ["1", "2"]
    assert program.facts is not None
    assert (program.facts.start, program.facts.last_day, program.facts.review) == (
        START,
        day(27),
        day(28),
    )
    assert program.in_force == "3 a week"


def test_adherence_per_phase_across_the_schedule_change(report: Report) -> None:
    (program,) = report.programs
    rows = [
        (p.phase, p.first_day, p.last_day, p.schedule, p.adherence.done, p.adherence.prescribed)
        for p in program.phases
    ]
    assert rows == [
        ("Gentle", day(0), day(13), "2 a day", 11 + 13, 14 + 14),
        # Week 3 in full (3 of 3); week 4 to today, Wednesday: ceil(3 * 3 / 7) = 2, 1 done.
        ("Load", day(14), day(23), "3 a week", 3 + 1, 3 + 2),
    ]
    assert program.overall is not None
    assert (program.overall.done, program.overall.prescribed) == (28, 33)
    assert [(w.monday, w.completed, w.counted, w.prescribed) for w in program.weeks] == [
        (day(0), 12, 11, 14),
        (day(7), 13, 13, 14),
        (day(14), 4, 3, 3),
        (day(21), 1, 1, 2),
    ]
    # Each phase's dose, as its file gives it.
    assert [d.text for d in program.phases[0].doses] == [
        "1 x 8-12 reps, hold 3s, each side",
        "1 x 1m",
    ]
    assert [d.text for d in program.phases[1].doses] == [
        "2 x 8-12 reps, hold 3s, each side, red putty",
        "1 x 2m",
    ]


def test_nothing_is_judged_before_the_start_or_after_the_end(folders: Path) -> None:
    loaded = load_program(folders / "programs" / "graded-grip.toml")
    facts = {"graded-grip": program_facts(loaded, START)}
    store = HistoryStore.in_folder(folders / "data")
    records = store.sessions()
    store.close()
    # A report over a longer period, made long after the prescription's end.
    later = build_report(
        records,
        start=day(-14),
        end=day(41),
        today=day(60),
        streaks=Streaks(0, 0),
        generated_at=NOW,
        facts=facts,
    )
    (program,) = later.programs
    assert [(p.first_day, p.last_day) for p in program.phases] == [
        (day(0), day(13)),
        (day(14), day(27)),
    ]
    # Week 4 now in full: 3 prescribed, 1 done; nothing before day 0 or after day 27.
    assert [(p.adherence.done, p.adherence.prescribed) for p in program.phases] == [
        (24, 28),
        (4, 6),
    ]
    assert [w.prescribed for w in program.weeks] == [14, 14, 3, 3]
    assert program.in_force == "none: the prescription ended on 2026-12-20"


def test_symptoms(report: Report) -> None:
    (program,) = report.programs
    pain, tingling = program.symptoms
    assert (pain.symptom, pain.limit, len(pain.points)) == ("pain", 5, 9)
    assert pain.weekly == [
        (day(0), 6.0, 4.5),  # before 6, 6, 7 (declined); after 5, 4
        (day(7), 4.0, 2.0),  # 4, 4, 3; 3, 2, 2
        (day(14), 2.5, 1.0),  # 3, 2; 1, 1
        (day(21), 2.0, 0.0),
    ]
    assert pain.above == 3  # 6, 6 and the declined start at 7
    assert pain.trend() == (
        "before: median 6 in the first week, 2 in the last; after: median 4.5 in the first "
        "week, 0 in the last; 3 sessions above the limit of 5"
    )
    assert (tingling.limit, tingling.points) == (3, [(day(2), 4, None), (day(7), 2, 1)])
    assert tingling.weekly == [(day(0), 4.0, None), (day(7), 2.0, 1.0)]
    assert tingling.above == 1


def test_exercises_done_against_prescribed(report: Report) -> None:
    (program,) = report.programs
    grip, heat = program.exercises
    # 26 sessions in Gentle (the declined one left out), 5 in Load.
    assert (grip.sessions, grip.completed, grip.skipped) == (31, 31, 0)
    assert (grip.reps_done, grip.reps_planned) == (26 * 20 - 4 + 5 * 40, 26 * 20 + 5 * 40)
    assert (grip.sets_done, grip.sets_planned) == (26 * 2 + 5 * 4, 26 * 2 + 5 * 4)
    assert grip.seconds_done is None
    assert sorted(grip.counts) == [16] + [20] * 25 + [40] * 5
    assert grip.loads == [("red putty", 5)]
    assert grip.prescribed == [
        "Gentle: 1 x 8-12 reps, hold 3s, each side",
        "Load: 2 x 8-12 reps, hold 3s, each side, red putty",
    ]
    assert (grip.rest_waited, grip.rest_sessions) == (75.5, 2)
    assert grip.per_side and not heat.per_side  # "each side": its counts are of both
    # Heat: the partial session of day 9 did not get to it. Gentle's sessions kept no
    # duration: the phase's 1m counts; Load's kept the 90 s they paced, not the file's 2m.
    assert (heat.sessions, heat.completed, heat.skipped) == (31, 30, 1)
    assert (heat.seconds_done, heat.seconds_planned) == (25 * 60 + 5 * 90, 26 * 60 + 5 * 90)
    assert heat.counts == [] and heat.loads == [] and heat.rest_sessions == 0


def test_notes_and_next_day_answers(report: Report) -> None:
    assert [(r.local_date, r.next_day, r.note) for r in report.annotated] == [
        (day(0), "worse", ""),
        (day(7), "better", ""),
        (day(9), None, "stopped: phone rang"),
        (day(16), None, HOSTILE_NOTE),
    ]
    assert len(report.sessions) == 32


def test_program_and_until_pick_the_sessions(
    folders: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = run(capsys, "--since", "2026-11-30", "--until", "2026-12-06", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["date"] for row in rows} == {str(day(n)) for n in range(7, 14)}
    assert len(rows) == 14
    assert run(capsys, "--program", "other", "--format", "csv").count("\n") == 1
    both = run(capsys, "--program", "other", "--program", "graded-grip", "--format", "csv")
    assert both.count("\n") == 1 + 32  # the last 12 weeks (from 2026-09-23) hold them all
    with freeze_time(NOW):
        assert main(["report", "--since", "2026-12-06", "--until", "2026-12-01"]) == 2
    assert "--until (2026-12-01) is before --since (2026-12-06)" in capsys.readouterr().err


# --------------------------------------------------------------------------- the writers


def check_pinned(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_PINNED"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_PINNED=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed"


def test_markdown_and_csv_are_pinned(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check_pinned("report-graded.md", run(capsys, "--since", "all"))
    check_pinned("report-sessions.csv", run(capsys, "--since", "all", "--format", "csv"))
    check_pinned(
        "report-exercises.csv",
        run(capsys, "--since", "all", "--format", "csv", "--by", "exercise"),
    )


def test_markdown_reads_as_plain_text() -> None:
    assert md("Tendon gliding (Wehbe)") == "Tendon gliding (Wehbe)"
    assert md("hand-wrist-strength 1.5 kg!") == "hand-wrist-strength 1.5 kg!"
    assert md("snake_case_id") == "snake_case_id"
    # What Markdown would misread is escaped.
    assert md("*star* _under_ `code` [link](x) <b> a|b") == (
        "\\*star\\* \\_under\\_ \\`code\\` \\[link\\](x) \\<b\\> a\\|b"
    )
    assert md("# heading") == "\\# heading" and md("- item") == "\\- item"
    assert md("1. first") == "1\\. first" and md("&copy;") == "\\&copy;"
    assert "\\(" not in md("(a) -b- c.d")


def test_csv_cells_never_run_as_formulas(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(capsys, "--since", "all", "--format", "csv"))))
    (hostile,) = [row for row in rows if row["note"].startswith("'")]
    assert hostile["note"] == "'" + HOSTILE_NOTE
    assert hostile["pain_before"] == "2" and hostile["pain_after"] == "1"
    declined = [row for row in rows if row["status"] == "declined"]
    assert [(r["pain_before"], r["tingling_before"], r["pain_after"]) for r in declined] == [
        ("7", "4", "")
    ]


def test_css_strings_are_escaped() -> None:
    assert css_string('a"b</style>') == '"a\\000022b\\00003c\\00002fstyle\\00003e"'
    assert css_string("J. D.") == '"J\\00002e\\000020D\\00002e"'


def _html(capsys: pytest.CaptureFixture[str]) -> str:
    return run(capsys, "--since", "all", "--format", "html")


def test_html_passes_a_strict_parser(folders: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html5lib = pytest.importorskip("html5lib")
    page = _html(capsys)
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page)  # raises at the first parse error
    assert parser.errors == []
    # No script, no link, no network; the data escaped.
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "J. D. &lt;patient&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert page.count("<figure") == page.count("<figcaption>") == 4  # pain, tingling, weeks, dose
    assert "limit 5</text>" in page and "limit 3</text>" in page
    assert "Weekly medians: week of 2026-11-23: 6 before, 4.5 after;" in page
    assert "week of 2026-12-14: 1 completed, 1 of 2 prescribed." in page
    assert "Load, weeks 3-4: Grip squeeze 2 x 8-12 reps, hold 3s, each side, red putty" in page
    # The first page's summary table, then the appendix on pages of its own.
    first = page[: page.index("</section>")]
    assert "All phases" in first and "28/33 (85%)" in first and "24/28 (86%)" in first
    assert "Current streak: 0 days (longest: 8 days)" in first
    assert 'class="appendix"' in page and "break-before:page" in page
    assert "@page{size:auto;" in page and "@top-left{content:" in page


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _first_page(browser: str, page: Path, pdf: Path) -> tuple[str, tuple[float, float], int]:
    pypdf = pytest.importorskip("pypdf")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={pdf.parent / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = pypdf.PdfReader(pdf)
    box = reader.pages[0].mediabox
    return reader.pages[0].extract_text(), (float(box.width), float(box.height)), len(reader.pages)


@pytest.mark.skipif(_chromium() is None, reason="no Chromium here (.ci/run installs it)")
@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("letter", (612, 792))])
def test_chromium_prints_the_summary_and_charts_on_page_one(
    folders: Path, capsys: pytest.CaptureFixture[str], paper: str, size: tuple[int, int]
) -> None:
    browser = _chromium()
    assert browser is not None
    page = _html(capsys)
    # The printer's paper, as a print dialog would choose it (the page itself says auto).
    page = page.replace("</head>", f"<style>@page{{size:{paper}}}</style></head>", 1)
    path = folders / "report.html"
    path.write_text(page, encoding="utf-8")
    text, found, pages = _first_page(browser, path, folders / f"report-{paper}.pdf")
    assert (round(found[0]), round(found[1])) == size
    flat = re.sub(r"\s+", " ", text)
    # The page header: the patient and the period.
    assert "J. D. <patient> · 2026-11-23 to 2026-12-16" in flat and "page 1 of" in flat
    for expected in (
        "Summary",
        "Sessions completed: 30 (1 stopped early, 1 declined)",
        "All phases 28/33 (85%)",
        "Symptom trend",
        "Charts",
        "Pain, Graded grip (Wehbe), 0 to 10",
        "Tingling, Graded grip (Wehbe), 0 to 10",
        "Sessions per week, Graded grip (Wehbe): completed (bars)",
        "1 completed, 1 of 2 prescribed.",  # the last chart's caption ends on page 1
    ):
        assert expected in flat, expected
    assert "Appendix" not in flat
    assert pages >= 3


def test_the_store_sums_exercises_as_the_records_do(folders: Path) -> None:
    from coach.history.report import exercises_done

    store = HistoryStore.in_folder(folders / "data")
    try:
        records = store.sessions()
        in_sql = store.exercises_done(), store.exercise_counts()
        since = (
            store.exercises_done(since=day(14), until=day(16)),
            store.exercise_counts(since=day(14), until=day(16)),
        )
    finally:
        store.close()
    in_python = exercises_done(records)
    key = lambda row: (row.program, row.exercise, row.phase or "", row.load or "")  # noqa: E731
    assert sorted(in_sql[0], key=key) == sorted(in_python[0], key=key)
    assert in_sql[1] == in_python[1]
    # Days 14 and 16: two Load sessions, both done in full.
    assert [(r.exercise, r.phase, r.sessions, r.reps_done) for r in since[0]] == [
        ("grip", "Load", 2, 80),
        ("heat", "Load", 2, 0),
    ]
    assert since[1] == {"s-14-0": (2, 2), "s-16-0": (2, 2)}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_report_holds_the_cycle_collector_off_and_leaves_it_as_found(
    folders: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    enabled: bool,
) -> None:
    import gc

    import coach.history.report

    seen = []

    def building(*args: Any, **kwargs: Any) -> Report:
        seen.append(gc.isenabled())
        return build_report(*args, **kwargs)

    monkeypatch.setattr(coach.history.report, "build_report", building)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        out = run(capsys, "--format", "md")
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert "Exercise report" in out
    assert seen == [False]  # off while the report is built (and written)
    assert after is enabled  # and as it was found once it is done
