"""History as text: --since dates, the history table/CSV/JSON, and the adherence report."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from coach.history.calendar import Streaks
from coach.history.records import ExerciseRecord, SessionRecord, safe_text
from coach.history.report import Report, build_report
from coach.history.report_html import report_html
from coach.history.report_md import report_markdown
from coach.history.report_text import md
from coach.history.reports import (
    history_csv,
    history_json,
    history_table,
    parse_since,
)

TODAY = date(2026, 3, 11)  # a Wednesday
MON = date(2026, 3, 2)
WEEKEND = frozenset({5, 6})
BERLIN_WINTER = 3600
GENERATED = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)

# --------------------------------------------------------------------------- parse_since


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("  TODAY ", TODAY),
        ("yesterday", date(2026, 3, 10)),
        ("Yesterday", date(2026, 3, 10)),
        ("0d", TODAY),
        ("7d", date(2026, 3, 4)),
        ("7 d", date(2026, 3, 4)),
        ("7D", date(2026, 3, 4)),
        ("1d", date(2026, 3, 10)),
        ("4w", TODAY - timedelta(days=28)),
        ("3m", TODAY - timedelta(days=90)),
        ("1y", TODAY - timedelta(days=365)),
        ("2026-01-31", date(2026, 1, 31)),
        (" 2025-12-01 ", date(2025, 12, 1)),
        ("2027-01-01", date(2027, 1, 1)),  # a future date is still a date
    ],
)
def test_parse_since(text: str, expected: date) -> None:
    assert parse_since(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "7x", "-7d", "d", "7days", "2026-02-30", "31/01/2026", "last week"]
)
def test_parse_since_rejects_with_a_message(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_since(text, TODAY)
    assert str(raised.value) == (
        f"{text!r} is not a date: write YYYY-MM-DD, today, yesterday, or a span such as "
        "7d, 4w, 3m or 1y (that long ago)"
    )


@pytest.mark.parametrize("text", ["10000y", "99999999d"])
def test_parse_since_a_span_too_long(text: str) -> None:
    with pytest.raises(ValueError, match="further than the calendar"):
        parse_since(text, TODAY)


# --------------------------------------------------------------------------- records


def session(
    sid: str,
    day: date,
    hour: int = 8,
    *,
    program: str = "wrists",
    title: str = "Wrist stretches",
    status: str = "completed",
    minutes: float = 5.0,
    offset: int = BERLIN_WINTER,
    per_day: int | None = None,
    per_week: int | None = None,
    **extra: object,
) -> SessionRecord:
    zone = timezone(timedelta(seconds=offset))
    started = datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone)
    return SessionRecord(
        id=sid,
        program=program,
        title=title,
        started_at=started.astimezone(UTC),
        utc_offset=offset,
        local_date=day,
        status=status,  # type: ignore[arg-type]
        ended_at=started.astimezone(UTC) + timedelta(minutes=minutes),
        active_seconds=minutes * 60,
        per_day=per_day,
        per_week=per_week,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def two() -> list[SessionRecord]:
    return [
        session(
            "a1",
            date(2026, 3, 10),
            7,
            minutes=6.5,
            pain_before=3,
            pain_after=1,
            note="felt good",
            exercises=[
                ExerciseRecord("flex", "Wrist flexor stretch", 0, completed=True),
                ExerciseRecord("ext", "Wrist extensor stretch", 1, completed=False),
            ],
        ),
        session(
            "b2",
            date(2026, 3, 11),
            23,
            program="neck",
            title="Neck",
            status="partial",
            minutes=61.25,
            offset=9 * 3600,  # started in Tokyo
            pain_after=4,
            note="stopped: phone\nrang, and a note long enough to be cut short",
        ),
    ]


# --------------------------------------------------------------------------- history


def test_history_table(two: list[SessionRecord]) -> None:
    text = history_table(two)
    lines = text.splitlines()
    assert lines[0].split() == [
        "DATE",
        "TIME",
        "PROGRAM",
        "STATUS",
        "ACTIVE",
        "EXERCISES",
        "PAIN",
        "NOTE",
    ]
    assert lines[1].split() == [
        "2026-03-10",
        "07:00",
        "wrists",
        "completed",
        "6:30",
        "1/2",
        "3->1",
        "felt",
        "good",
    ]
    # Times in the zone the session started in; the note on one line, cut at 30.
    second = lines[2]
    assert second.split()[:7] == [
        "2026-03-11",
        "23:00",
        "neck",
        "partial",
        "1:01:15",
        "0/0",
        "?->4",
    ]
    assert second.endswith("stopped: phone rang, and a no…")
    assert "\n" not in second
    # The columns line up.
    assert lines[1].index("07:00") == lines[0].index("TIME") == second.index("23:00")
    assert lines[3] == ""
    assert lines[4] == "2 sessions (1 completed), 68 min of exercise"
    assert text.endswith("\n")


def test_history_table_pain_and_empty() -> None:
    assert history_table([]) == "No sessions recorded yet.\n"
    text = history_table([session("x", TODAY, pain_before=2)])
    assert "2->?" in text
    assert history_table([session("y", TODAY)]).splitlines()[1].split()[6] == "-"


def test_history_json(two: list[SessionRecord]) -> None:
    data = json.loads(history_json(two))
    assert [item["id"] for item in data] == ["a1", "b2"]
    assert data[0]["started_at"] == "2026-03-10T07:00:00+01:00"
    assert data[1]["started_at"] == "2026-03-11T23:00:00+09:00"
    assert data[1]["local_date"] == "2026-03-11"
    assert data[0]["exercises"][0] == {
        "exercise": "flex",
        "name": "Wrist flexor stretch",
        "completed": True,
        "sets_done": 0,
        "sets_planned": 0,
        "reps_done": 0,
        "reps_planned": 0,
        "skipped_steps": 0,
    }
    assert data == [record.to_json() for record in two]
    assert json.loads(history_json([])) == []


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_history_csv(two: list[SessionRecord]) -> None:
    text = history_csv(two)
    assert text.splitlines()[0] == (
        "id,program,title,status,started_at,ended_at,local_date,active_seconds,"
        "exercises_completed,exercises,skipped_steps,pain_before,pain_after,note"
    )
    rows = read_csv(text)
    assert rows[0] == {
        "id": "a1",
        "program": "wrists",
        "title": "Wrist stretches",
        "status": "completed",
        "started_at": "2026-03-10T07:00:00+01:00",
        "ended_at": "2026-03-10T07:06:30+01:00",
        "local_date": "2026-03-10",
        "active_seconds": "390.0",
        "exercises_completed": "1",
        "exercises": "2",
        "skipped_steps": "0",
        "pain_before": "3",
        "pain_after": "1",
        "note": "felt good",
    }
    assert rows[1]["pain_before"] == "" and rows[1]["pain_after"] == "4"
    assert rows[1]["note"].startswith("stopped: phone\nrang")  # a newline survives, quoted
    assert history_csv([]).count("\n") == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_quotes_cells_a_spreadsheet_would_run(start: str) -> None:
    formula = f'{start}HYPERLINK("http://x","y")'
    record = session("c", TODAY, program=formula, title=formula, note=formula)
    (row,) = read_csv(history_csv([record]))
    for column in ("program", "title", "note"):
        # Quoted, and a carriage return made visible like any control character.
        assert row[column] == "'" + safe_text(formula, newlines=True)
    # Other text is left alone, even with a formula character later on.
    plain = session("d", TODAY, program="wrists", title="A = B", note="2+2 @home")
    (row,) = read_csv(history_csv([plain]))
    assert (row["program"], row["title"], row["note"]) == ("wrists", "A = B", "2+2 @home")


def test_csv_quotes_a_formula_in_the_id() -> None:
    (row,) = read_csv(history_csv([session('=HYPERLINK("http://x")', TODAY)]))
    assert not row["id"].startswith("=")


# --------------------------------------------------------------------------- the report


@pytest.fixture
def month() -> list[SessionRecord]:
    """Two weeks of a small history, oldest first (weekend off):

    - wrists, one a day: Mon 2 done, Tue 3 done twice, Wed 4 done, Thu 5 stopped
      early only, Fri 6 done; Mon 9 and Tue 10 done; Wed 11 (today) nothing yet;
    - neck, three a week: Wed 4 done, Sat 7 done (a weekend day counts for a
      weekly schedule), Mon 9 done;
    - breathing, no schedule: Thu 5 done.
    """

    def day(offset: timedelta) -> date:
        return MON + offset

    one: dict[str, Any] = {"per_day": 1, "stop_above": 5}
    three: dict[str, Any] = {"per_week": 3}
    return [
        session("w1", day(timedelta(0)), 7, **one),
        session("w2", day(timedelta(1)), 7, **one),
        session("w3", day(timedelta(1)), 18, **one),
        session("w4", day(timedelta(2)), 7, **one),
        session("n1", day(timedelta(2)), 12, program="neck", title="Neck", minutes=10, **three),
        session("w5", day(timedelta(3)), 7, status="partial", minutes=2, **one),
        session("b1", day(timedelta(3)), 9, program="breathing", title="Breathing", minutes=3),
        session("w6", day(timedelta(4)), 7, **one, pain_before=2, pain_after=6),
        session("n2", day(timedelta(5)), 10, program="neck", title="Neck", minutes=10, **three),
        session("w7", day(timedelta(7)), 7, **one, note="new band"),
        session("n3", day(timedelta(7)), 12, program="neck", title="Neck", minutes=10, **three),
        session("w8", day(timedelta(8)), 7, **one),
    ]


def build(records: list[SessionRecord], start: date | None = MON) -> Report:
    return build_report(
        records,
        start=start,
        today=TODAY,
        streaks=Streaks(2, 7),
        rest_days=WEEKEND,
        generated_at=GENERATED,
    )


def test_build_report_totals(month: list[SessionRecord]) -> None:
    report = build(month)
    assert (report.start, report.end) == (MON, TODAY)
    assert report.streaks == Streaks(2, 7)
    assert report.completed == 11
    assert report.partial == 1
    # 2, 3, 4, 5 (breathing), 6, 7 (neck on Saturday), 9 and 10; not Thursday's partial.
    assert report.active_days == 8
    assert report.minutes == pytest.approx(7 * 5 + 2 + 3 * 10 + 3)
    assert [p.program for p in report.programs] == ["wrists", "neck", "breathing"]
    assert [record.id for record in report.annotated] == ["w7"]
    assert [record.id for record in report.sessions] == [record.id for record in month]


def test_build_report_per_day_adherence(month: list[SessionRecord]) -> None:
    wrists = build(month).programs[0]
    assert (wrists.completed, wrists.partial) == (7, 1)
    # No program file: judged by the schedule its latest session recorded.
    assert wrists.in_force == "1 a day"
    assert wrists.last_day == date(2026, 3, 10)
    # Week 1: Mon, Tue (two, one counts), Wed, Fri = 4 of 5 working days.
    # Week 2 so far (Mon-Wed): Mon, Tue = 2 of 3 (today is not over, but it is prescribed).
    assert [(w.monday, w.completed, w.counted, w.prescribed) for w in wrists.weeks] == [
        (MON, 5, 4, 5),
        (date(2026, 3, 9), 2, 2, 3),
    ]
    assert wrists.overall is not None
    assert (wrists.overall.start, wrists.overall.end) == (MON, TODAY)
    assert (wrists.overall.done, wrists.overall.prescribed) == (6, 8)
    (pain,) = wrists.symptoms
    assert (pain.symptom, pain.limit, pain.points) == ("pain", 5, [(date(2026, 3, 6), 2, 6)])
    assert pain.above == 1


def test_build_report_per_week_adherence(month: list[SessionRecord]) -> None:
    neck = build(month).programs[1]
    assert neck.in_force == "3 a week"
    # From its first session, Wed 4: three working days of five -> ceil(9 / 5) = 2
    # prescribed, two done (Wed and Sat). Mon 9 - Wed 11: again 2, one done.
    # Each week is named by its Monday, as everywhere in the report.
    assert [(w.monday, w.counted, w.prescribed) for w in neck.weeks] == [
        (MON, 2, 2),
        (date(2026, 3, 9), 1, 2),
    ]
    assert neck.overall is not None
    assert (neck.overall.start, neck.overall.done, neck.overall.prescribed) == (
        date(2026, 3, 4),
        3,
        4,
    )


def test_build_report_without_a_schedule(month: list[SessionRecord]) -> None:
    breathing = build(month).programs[2]
    assert breathing.in_force == "no schedule"
    assert breathing.phases == [] and breathing.overall is None
    assert [(w.monday, w.completed, w.prescribed) for w in breathing.weeks] == [(MON, 1, 0)]
    assert (breathing.completed, breathing.minutes) == (1, 3.0)


def test_build_report_start_defaults_to_the_first_session(month: list[SessionRecord]) -> None:
    report = build(month[3:], start=None)
    assert report.start == date(2026, 3, 4)
    assert build([], start=None).start == TODAY


def test_report_text_has_the_numbers(month: list[SessionRecord]) -> None:
    month[0].exercises = [ExerciseRecord("flex", "Wrist flexor stretch", 0, True, 2, 2, 30, 30, 0)]
    report = build(month)
    text = report_markdown(report)
    assert "- Sessions completed: 11 (1 stopped early, 0 declined)" in text
    assert "- Current streak: 2 days (longest: 7 days)" in text
    assert "## Wrist stretches (wrists)" in text
    assert "- Adherence: 6/8 (75%)" in text
    assert "| 2026-03-02 | 5 | 4/5 |" in text
    assert "| 2026-03-09 | 2 | 2/3 |" in text
    assert "- Adherence: 3/4 (75%)" in text  # neck
    assert "- Adherence: -" in text  # breathing
    assert "| Wrist flexor stretch | - | 1 of 1 | 30 of 30 reps, 2 of 2 sets | - | - | 0 |" in text
    assert "### Pain (0-10, limit 5)" in text
    assert "| 2026-03-09 | 07:00 | wrists | - | - | new band |" in text
    page = report_html(report)
    assert "<li>Adherence: 6/8 (75%)</li>" in page
    assert '<tr><td>2026-03-02</td><td class="n">5</td><td class="n">4/5</td></tr>' in page
    assert '<td class="flag">pain 2-&gt;6</td>' in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</body></html>")


def test_an_empty_report() -> None:
    report = build([], start=MON)
    assert report.programs == [] and report.completed == 0
    assert "No sessions were recorded in this period." in report_markdown(report)
    assert "No sessions were recorded in this period." in report_html(report)


# --------------------------------------------------------------------------- hostile text

HOSTILE = "<script>alert(1)</script> [bold]x[/bold] **y** \x1b[31m\x9b2J\x07 & \"q\" 'a'"


@pytest.fixture
def hostile() -> list[SessionRecord]:
    return [
        session(
            "h1",
            TODAY,
            program="<b>prog</b>\x1b]0;title\x07",
            title=HOSTILE,
            per_day=1,
            pain_before=1,
            note=HOSTILE + "\n# Injected heading\n<img src=x onerror=alert(2)>",
            exercises=[ExerciseRecord("e", HOSTILE, 0, completed=True)],
        )
    ]


def hostile_report(records: list[SessionRecord]) -> Report:
    return build(records)


def test_html_escapes_program_text(hostile: list[SessionRecord]) -> None:
    page = report_html(hostile_report(hostile))
    assert "<script" not in page.lower()
    assert "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&quot;q&quot;" in page and "&amp;" in page
    assert "\\x1b[31m" in page and "\\x9b2J" in page  # made visible
    assert "\x9b" not in page
    # The only tags are coach's own.
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p"} | {
        *("br", "b", "ul", "li", "table", "tr", "th", "td", "section", "div", "dl", "dt", "dd"),
        "span",
        *("figure", "figcaption", "svg", "line", "text", "circle", "rect", "polyline"),
    }


def test_markdown_escapes_program_text(hostile: list[SessionRecord]) -> None:
    text = report_markdown(hostile_report(hostile))
    # Every < > of the text is backslash-escaped, so no HTML reaches a Markdown renderer
    # (coach's own "1->2" is no tag).
    assert re.findall(r"(?<![\\-])[<>]", text) == []
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\[bold\\]x\\[/bold\\]" in text
    assert "\\*\\*y\\*\\*" in text and "**y**" not in text
    # A newline in a note cannot start a heading of its own.
    assert not any(line.startswith("# Injected") for line in text.splitlines())
    assert md("a|b") == "a\\|b"  # table cells stay cells
    assert "\x9b" not in text
    assert r"\\x1b\[31m" in text  # made visible, then its \ and [ escaped


def test_history_table_makes_control_characters_visible(hostile: list[SessionRecord]) -> None:
    text = history_table(hostile)
    assert "\\x1b]0;title\\x07" in text
    assert "\x9b" not in text and "\n# Injected" not in text


@pytest.mark.parametrize(
    "render",
    [
        pytest.param(lambda r: report_html(hostile_report(r)), id="html"),
        pytest.param(lambda r: report_markdown(hostile_report(r)), id="markdown"),
        pytest.param(history_table, id="table"),
        pytest.param(history_json, id="json"),
        pytest.param(
            history_csv,
            id="csv",
        ),
    ],
)
def test_no_raw_control_characters_in_any_output(
    hostile: list[SessionRecord], render: object
) -> None:
    text = render(hostile)  # type: ignore[operator]
    assert "\x1b" not in text
    assert "\x07" not in text
