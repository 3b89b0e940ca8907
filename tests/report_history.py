"""A four-week graded prescription and its history, for the report's tests.

Written through the real :class:`~coach.history.store.HistoryStore`. Every
figure the tests check is worked out by hand in the comments below, from the
sessions this module records.

The prescription starts on Monday 2026-11-23 (day 0) and runs 4 weeks; the
report is made on Wednesday 2026-12-16 (day 23, week 4).

- Phase "Gentle" (weeks 1-2): 2 a day. Grip 1 x 8-12 reps (paced 10) each
  side, hold 3s; heat 1 x 1m.
  Week 1: 2 completed a day on days 0, 1, 3, 4; day 2 one completed and one
  declined; day 5 three completed (only 2 count); day 6 none.
  Counted 2+2+1+2+2+2+0 = 11 of 14; 12 completed.
  Week 2: 2 a day on days 7-13, but on day 9 one is partial (heat not done):
  13 of 14, 13 completed. Gentle: 24 of 28.
- Phase "Load" (weeks 3-4): 3 a week. Grip 2 x 8-12 each side, red putty;
  heat 1 x 2m. These sessions record the dose paced (schema 7): a hold of 3 s,
  and heat of 90 s (as a patient file could have shortened it), which wins over
  the file's 2m; the grip's as-needed rests took 45 s (day 14) and 30.5 s (day 16).
  Week 3: days 14, 16, 18, 19 (4, 3 count): 3 of 3. Week 4 so far
  (Mon-Wed, 3 of 7 days of 3 a week, rounded up: 2): day 21: 1 of 2. Load: 4 of 5.
  All: 28 of 33.
- The check-in asks pain (limit 5) and tingling (limit 3), and next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.store import HistoryStore

START = date(2026, 11, 23)
TODAY = START + timedelta(days=23)
NOW = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)

PROGRAM = """
schema_version = 2

[program]
id = "graded-grip"
title = "Graded grip (Wehbe)"
version = "2"

[program.prescription]
start = 2026-11-23
weeks = 4
patient = "J. D. <patient>"
prescribed_by = "A. Physio"
review = 2026-12-21

[program.checkin]
ask = ["pain", "tingling"]
limits = { pain = 5, tingling = 3 }
next_day = true

[program.schedule]
per_week = 3

[[exercise]]
id = "grip"
name = "Grip squeeze"
sides = "each"
reps = { min = 8, max = 12 }
hold = 3

[[exercise]]
id = "heat"
name = "Heat"
duration = "1m"

[[phase]]
name = "Gentle"
weeks = [1, 2]
schedule = { per_day = 2 }

[[phase]]
name = "Load"
weeks = [3, 4]

[phase.exercise.grip]
sets = 2
load = "red putty"

[phase.exercise.heat]
duration = "2m"
"""

HOSTILE_NOTE = "=1+2 <b>bold</b> *star* Tendon gliding (Wehbe) hand-wrist"


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def _record(
    offset: int,
    n: int,
    *,
    status: str = "completed",
    pain: tuple[int | None, int | None] | None = None,
    tingling: tuple[int | None, int | None] | None = None,
    rest: float | None = None,
    **changes: object,
) -> SessionRecord:
    load_phase = offset >= 14
    started = datetime.combine(day(offset), datetime.min.time(), UTC) + timedelta(
        hours=8 + 3 * n, minutes=15
    )
    sets = 4 if load_phase else 2
    grip = ExerciseRecord(
        "grip",
        "Grip squeeze",
        0,
        completed=status != "declined",
        sets_done=0 if status == "declined" else sets,
        sets_planned=sets,
        reps_done=0 if status == "declined" else sets * 10,
        reps_planned=sets * 10,
        load="red putty" if load_phase else None,
        done_count=None if status == "declined" else sets * 10,
        # Sessions from week 3 on were recorded by a coach that keeps the dose paced.
        hold_seconds=3.0 if load_phase else None,
        rest_waited=rest,
    )
    heat = ExerciseRecord(
        "heat",
        "Heat",
        1,
        completed=status == "completed",
        sets_done=1 if status == "completed" else 0,
        sets_planned=1,
        skipped_steps=1 if status == "partial" else 0,
        duration_seconds=90.0 if load_phase else None,
    )
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for name, pair in (("pain", pain), ("tingling", tingling)):
        if pair is not None:
            if pair[0] is not None:
                before[name] = pair[0]
            if pair[1] is not None:
                after[name] = pair[1]
    values: dict[str, object] = {
        "id": f"s-{offset:02d}-{n}",
        "program": "graded-grip",
        "title": "Graded grip (Wehbe)",
        "started_at": started,
        "utc_offset": 0,
        "local_date": day(offset),
        "status": status,
        "ended_at": started + timedelta(minutes=5),
        "active_seconds": 300.0 if status == "completed" else 120.0,
        "planned_seconds": 300.0,
        "program_version": "2" if load_phase else "1",
        "phase": "Load" if load_phase else "Gentle",
        "per_day": None if load_phase else 2,
        "per_week": 3 if load_phase else None,
        "stop_above": 5,
        "pain_before": before.get("pain"),
        "pain_after": after.get("pain"),
        "symptoms_before": before or None,
        "symptoms_after": after or None,
        "exercises": [grip, heat],
    }
    values.update(changes)
    return SessionRecord(**values)  # type: ignore[arg-type]


def sessions() -> list[SessionRecord]:
    """The history, as described in the module's docstring."""
    records = []
    # Week 1.
    records += [
        _record(0, 0, pain=(6, 5)),
        _record(0, 1, pain=(6, 4), next_day="worse"),
        _record(1, 0),
        _record(1, 1),
        _record(2, 0),
        _record(2, 1, status="declined", pain=(7, None), tingling=(4, None)),
        _record(3, 0),
        _record(3, 1),
        _record(4, 0),
        _record(4, 1),
        _record(5, 0),
        _record(5, 1),
        _record(5, 2),
    ]
    # The first on day 3 ended the grip at 16 reps with "enough": done, 16 counted.
    first_on_3 = records[6]
    first_on_3.exercises[0].reps_done = 16
    first_on_3.exercises[0].done_count = 16
    # Week 2.
    for offset in range(7, 14):
        for n in range(2):
            status = "partial" if (offset, n) == (9, 1) else "completed"
            extra: dict[str, object] = {}
            if (offset, n) == (7, 0):
                extra = {"pain": (4, 3), "tingling": (2, 1), "next_day": "better"}
            elif (offset, n) == (8, 0):
                extra = {"pain": (4, 2)}
            elif (offset, n) == (10, 0):
                extra = {"pain": (3, 2)}
            elif (offset, n) == (9, 1):
                extra = {"note": "stopped: phone rang"}
            records.append(_record(offset, n, status=status, **extra))  # type: ignore[arg-type]
    # Weeks 3 and 4.
    records += [
        _record(14, 0, pain=(3, 1), rest=45.0),
        _record(16, 0, pain=(2, 1), note=HOSTILE_NOTE, rest=30.5),
        _record(18, 0),
        _record(19, 0),
        _record(21, 0, pain=(2, 0)),
    ]
    return records


def write_history(folder: Path) -> None:
    """Record :func:`sessions` in a history in ``folder``."""
    store = HistoryStore.in_folder(folder, now=lambda: NOW)
    try:
        for record in sessions():
            store.save(record)
    finally:
        store.close()
