"""Breaks over a working day, on a fake clock: warnings, holding for a pause in typing,
active time, pauses, working hours (across days, DST, a suspend), prescribed sessions."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coach.breaks.host import BreakHost
from coach.breaks.pause import PauseError, pause_until
from coach.breaks.remind import Reminder
from coach.breaks.scheduler import BreakPolicy, BreakScheduler, KindPolicy
from coach.breaks.sessions import (
    Prescribed,
    announcement,
    next_announcement,
    next_announcements,
)
from coach.clock import FakeClock
from coach.config.hours import HoursError, parse_hours
from coach.history.store import HistoryStore

MIN = 60.0
HOUR = 3600.0
POLICY = BreakPolicy(
    micro=KindPolicy(every=10 * MIN, length=20),
    rest=KindPolicy(every=50 * MIN, length=5 * MIN),
    start_on_pause=False,
)
# Monday 5 January 2026, 08:00 UTC.
MONDAY_8 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
OFFICE = parse_hours({"weekdays": ["09:00-12:30", "13:30-18:00"]})


@pytest.fixture
def utc(zone: Callable[[str], None]) -> None:
    zone("UTC")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    found = HistoryStore.in_folder(tmp_path / "data")
    yield found
    found.close()


def walk(scheduler: BreakScheduler, until: float) -> list[tuple[str, datetime]]:
    """Take every break as it falls due until ``until``; (kind, wall time) of each."""
    fired: list[tuple[str, datetime]] = []
    while (due := scheduler.next_due()).at <= until:
        wall = scheduler.to_wall(due.at)
        assert wall is not None
        scheduler.observe(due.at, wall.date().isoformat(), wall=wall)
        assert scheduler.due(due.at) is not None, due
        scheduler.taken(due.kind, due.at, outcome="reminded")
        fired.append((due.kind, wall))
    return fired


def at(hour: int, minute: int = 0, day: int = 5) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------- working hours


def test_hours_parse_with_a_weekday_shorthand_and_named_days_winning() -> None:
    hours = parse_hours({"weekdays": ["13:30-18:00", "09:00-12:30"], "fri": ["09:00-13:00"]})
    assert hours is not None
    assert hours[0] == ((540, 750), (810, 1080))  # sorted
    assert hours[4] == ((540, 780),)
    assert hours[5] == hours[6] == ()
    assert parse_hours({}) is None
    for bad in (
        {"mon": ["18:00-09:00"]},
        {"mon": ["9-5"]},
        {"mon": ["09:00-12:00", "11:00-13:00"]},
    ):
        with pytest.raises(HoursError):
            parse_hours(bad)
    with pytest.raises(HoursError, match="not a day"):
        parse_hours({"monday": ["09:00-12:00"]})


@pytest.mark.usefixtures("utc")
def test_no_break_outside_the_hours_and_fresh_timers_at_each_range() -> None:
    policy = BreakPolicy(POLICY.micro, KindPolicy(10 * HOUR, 5 * MIN), hours=OFFICE)
    scheduler = BreakScheduler.fresh(policy, 0.0, MONDAY_8)
    # Started at 08:00: the first break is ten minutes into the working day.
    assert scheduler.to_wall(scheduler.next_due().at) == at(9, 10)
    assert scheduler.due(30 * MIN) is None
    fired = walk(scheduler, 11 * HOUR)  # to 19:00
    times = [wall for _, wall in fired]
    assert times[0] == at(9, 10)
    # None in the lunch gap or after 18:00; the afternoon starts fresh at 13:30.
    assert all(at(9) <= t < at(12, 30) or at(13, 30) <= t < at(18) for t in times), times
    afternoon = [t for t in times if t >= at(13, 30)]
    assert afternoon[0] == at(13, 40)
    # The last morning break: 12:20:40 would be followed by one at 12:30:40, past the end.
    assert max(t for t in times if t < at(13)) < at(12, 30)


@pytest.mark.usefixtures("utc")
def test_friday_evening_the_next_break_is_monday_morning() -> None:
    friday = datetime(2026, 1, 9, 17, 55, tzinfo=UTC)
    scheduler = BreakScheduler.fresh(
        BreakPolicy(POLICY.micro, POLICY.rest, hours=OFFICE), 0.0, friday
    )
    assert scheduler.to_wall(scheduler.next_due().at) == datetime(2026, 1, 12, 9, 10, tzinfo=UTC)
    # Its state says so to `coach status` (the next break inside the hours).
    state = scheduler.to_state(0.0, friday, "boot")
    assert state["next"]["due_in"] == pytest.approx((2 * 24 + 15) * HOUR + 15 * MIN)


def test_a_daylight_saving_morning_keeps_the_hours_on_the_wall_clock(
    zone: Callable[[str], None],
) -> None:
    zone("Europe/Berlin")  # clocks go forward at 02:00 on Sunday 29 March 2026
    every_day = parse_hours({"every_day": ["09:00-18:00"]})
    saturday = datetime(2026, 3, 28, 17, 0, tzinfo=UTC)  # 18:00 in Berlin: the day's end
    scheduler = BreakScheduler.fresh(
        BreakPolicy(POLICY.micro, POLICY.rest, hours=every_day), 0.0, saturday
    )
    # 09:10 on Sunday is summer time (UTC+2): 07:10 UTC, 14 h 10 min later, not 15 h 10.
    first = scheduler.next_due().at
    assert scheduler.to_wall(first) == datetime(2026, 3, 29, 7, 10, tzinfo=UTC)
    assert first == pytest.approx(14 * HOUR + 10 * MIN)


@pytest.mark.usefixtures("utc")
def test_a_suspend_over_the_night_starts_the_timers_in_the_morning() -> None:
    evening = at(17, 50)
    scheduler = BreakScheduler.fresh(
        BreakPolicy(POLICY.micro, POLICY.rest, hours=OFFICE), 0.0, evening
    )
    # The laptop sleeps until 09:30 the next day; the host wakes late and says so.
    woke = (at(9, 30, day=6) - evening).total_seconds()
    scheduler.observe(woke, "2026-01-06", asleep=woke, wall=at(9, 30, day=6))
    assert scheduler.due(woke) is None
    assert scheduler.to_wall(scheduler.next_due().at) == at(9, 40, day=6)


# --------------------------------------------------------------------------- pauses


@pytest.mark.usefixtures("utc")
def test_a_pause_until_a_time_holds_every_break_and_they_come_back_fresh() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0, at(9))
    scheduler.pause(pause_until(["until", "10:00"], at(9)), 0.0)
    assert scheduler.paused(5 * MIN)
    assert scheduler.to_wall(scheduler.next_due().at) == at(10, 10)
    assert scheduler.wake_at() == HOUR  # the host wakes at the end to say so
    scheduler.observe(30 * MIN, "2026-01-05", wall=at(9, 30))
    assert scheduler.due(30 * MIN) is None
    scheduler.observe(HOUR, "2026-01-05", wall=at(10))
    assert scheduler.resumed_at == HOUR and scheduler.paused_until is None
    assert scheduler.timers["micro"].since == HOUR and scheduler.timers["rest"].since == HOUR


@pytest.mark.usefixtures("utc")
def test_pause_words_across_midnight_and_the_day_start() -> None:
    late = at(23, 0)
    assert pause_until(["tomorrow"], late) == at(4, 0, day=6)  # history.day_start
    # At 01:00 the day is still Monday's (it starts at 04:00): tomorrow is Tuesday 04:00.
    assert pause_until(["tomorrow"], at(1, 0, day=6)) == at(4, 0, day=6)
    assert pause_until(["until", "14:00"], at(15)) == at(14, day=6)  # passed: tomorrow's
    assert pause_until(["until", "00:30"], late) == at(0, 30, day=6)
    assert pause_until(["1h30m"], late) == at(0, 30, day=6)
    for bad in (["soon"], ["until", "25:00"], ["0s"], []):
        with pytest.raises(PauseError):
            pause_until(bad, late)


@pytest.mark.usefixtures("utc")
async def test_a_pause_set_elsewhere_is_said_then_the_reminders_resume(
    store: HistoryStore,
) -> None:
    clock = FakeClock(start=0.0, wall=at(9))
    out = io.StringIO()
    host = BreakHost(store, POLICY, clock)
    reminder = Reminder(host, out=out, json_lines=True)
    task = asyncio.create_task(reminder.run())
    await clock.advance(5 * MIN)
    # `coach pause until 10:00` elsewhere, then its SIGUSR1.
    other = BreakHost(store, POLICY, clock)
    other.pause(pause_until(["until", "10:00"], clock.now()))
    reminder.kick()
    await clock.advance(HOUR)  # to 10:05
    assert reminder.fired == []
    await clock.advance(10 * MIN)
    reminder.stop()
    await task
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    names = [e["event"] for e in events]
    assert names.index("paused") < names.index("resumed") < names.index("break")
    paused = next(e for e in events if e["event"] == "paused")
    assert paused["until"] == "2026-01-05T10:00:00+00:00"
    resumed = next(e for e in events if e["event"] == "resumed")
    assert resumed["at"].startswith("2026-01-05T10:00:00")
    assert [d.at for d in reminder.fired] == [HOUR + 10 * MIN]


# --------------------------------------------------------------------------- warnings


def make(
    store: HistoryStore, clock: FakeClock, policy: BreakPolicy, **kwargs: object
) -> tuple[Reminder, io.StringIO]:
    out = io.StringIO()
    host = BreakHost(store, policy, clock, idle=kwargs.pop("idle", None))  # type: ignore[arg-type]
    return Reminder(host, out=out, json_lines=True, **kwargs), out  # type: ignore[arg-type]


def events(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


class Notifier:
    name = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, title: str, body: str, *, urgency: str = "normal") -> bool:
        self.sent.append((title, urgency))
        return True


async def test_a_warning_comes_thirty_seconds_before_each_break(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    notifier = Notifier()
    reminder, out = make(store, clock, BreakPolicy(POLICY.micro, POLICY.rest), notifier=notifier)
    task = asyncio.create_task(reminder.run())
    await clock.advance(10 * MIN - 31)
    assert not any(e["event"] == "warning" for e in events(out))
    await clock.advance(1)
    warning = [e for e in events(out) if e["event"] == "warning"]
    assert len(warning) == 1
    assert warning[0]["kind"] == "micro" and warning[0]["due_in_seconds"] == 30
    assert warning[0]["message"] == "Micro-break in 30 s"
    await clock.advance(30)
    assert [d.at for d in reminder.fired] == [600.0]
    # The micro-break ends 20 s later: a line, and the end chime.
    await clock.advance(21)
    reminder.stop()
    await task
    names = [e["event"] for e in events(out)]
    assert names.count("warning") == 1 and names.index("warning") < names.index("break")
    over = next(e for e in events(out) if e["event"] == "break_over")
    assert over["kind"] == "micro" and over["at"] == "2026-01-05T09:10:20.000+00:00"
    assert ("Micro-break in 30 s", "low") in notifier.sent


async def test_warning_zero_turns_it_off_and_break_over_plays_the_end_sound(
    store: HistoryStore,
) -> None:
    clock = FakeClock(start=0.0)
    played: list[str] = []
    policy = BreakPolicy(POLICY.micro, POLICY.rest, warning=0)
    reminder, out = make(store, clock, policy, play_end=lambda: played.append("end"))
    task = asyncio.create_task(reminder.run())
    await clock.advance(10 * MIN + 19)
    assert played == []
    await clock.advance(1)
    assert played == ["end"]
    reminder.stop()
    await task
    assert not any(e["event"] == "warning" for e in events(out))


# --------------------------------------------------------------------------- a pause in typing


class ScriptedIdle:
    """Idle readings from a script: (from this clock reading on, seconds idle then)."""

    name = "script"
    fine = True

    def __init__(self, clock: FakeClock, script: list[tuple[float, float]]) -> None:
        self.clock = clock
        self.script = script

    def idle_seconds(self) -> float | None:
        now = self.clock.monotonic()
        start, idle = max((entry for entry in self.script if entry[0] <= now), default=(0, 0))
        return idle + (now - start) if idle >= 0 else 0.0


async def test_a_due_break_waits_for_a_pause_in_typing(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    # Typing (idle readings under a second) until 10:40, then hands off the keys.
    script = [(t, 0.0) for t in range(0, 640, 1)] + [(640.0, 0.0)]
    idle = ScriptedIdle(clock, script)
    policy = BreakPolicy(POLICY.micro, POLICY.rest, warning=0, start_on_pause=True)
    reminder, _ = make(store, clock, policy, idle=idle)
    task = asyncio.create_task(reminder.run())
    await clock.advance(10 * MIN + 30)
    assert reminder.fired == []  # due at 10:00, held while typing
    await clock.advance(14)
    reminder.stop()
    await task
    # It started once 3 s had passed without input: at 10:43.
    assert len(reminder.fired) == 1
    assert reminder.host.store.break_counts() == {("micro", "reminded"): 1}
    state = reminder.host.store.break_state()
    assert state is not None
    assert state["timers"]["micro"]["since_ago"] == pytest.approx(-20 + 1, abs=1.5)


async def test_max_wait_starts_the_break_anyway(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    idle = ScriptedIdle(clock, [(t, 0.0) for t in range(0, 2000)])  # never stops typing
    policy = BreakPolicy(POLICY.micro, POLICY.rest, warning=0, max_wait=2 * MIN)
    reminder, out = make(store, clock, policy, idle=idle)
    task = asyncio.create_task(reminder.run())
    await clock.advance(10 * MIN + 2 * MIN - 1)
    assert reminder.fired == []
    await clock.advance(2)
    reminder.stop()
    await task
    assert len(reminder.fired) == 1
    told = next(e for e in events(out) if e["event"] == "break")
    assert told["at"] == "2026-01-05T09:12:00.000+00:00"


# --------------------------------------------------------------------------- active time


def test_short_idle_stretches_neither_count_as_work_nor_reset_the_timer() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    scheduler.counting = "active"
    scheduler.observe(0.0, "2026-01-05")
    # Five minutes in, 15 s of reading (no input) seen by the host's samples.
    scheduler.observe(5 * MIN, "2026-01-05", inactive=15)
    assert scheduler.next_due().at == 10 * MIN + 15  # pushed back, not reset
    assert scheduler.work_seconds == 5 * MIN - 15
    assert scheduler.take_events() == []  # no natural break for a short stretch
    # A stretch as long as the micro-break is that break.
    assert scheduler.idle(6 * MIN, 20) == ["micro"]


async def test_the_reminder_samples_idle_time_and_the_break_moves_later(
    store: HistoryStore,
) -> None:
    clock = FakeClock(start=0.0)
    # Working, but reading for 15 s from 3:00 (no input).
    script = (
        [(t, 0.0) for t in range(0, 180)] + [(180.0, 0.0)] + [(t, 0.0) for t in range(195, 2000)]
    )
    idle = ScriptedIdle(clock, script)
    policy = BreakPolicy(POLICY.micro, POLICY.rest, warning=0, start_on_pause=False)
    reminder, _ = make(store, clock, policy, idle=idle)
    task = asyncio.create_task(reminder.run())
    await clock.advance(10 * MIN + 5)
    assert reminder.fired == []
    await clock.advance(20)
    reminder.stop()
    await task
    assert reminder.host.counting == "active"
    assert len(reminder.fired) == 1
    assert reminder.fired[0].at == pytest.approx(10 * MIN + 15, abs=5.5)


# --------------------------------------------------------------------------- prescribed sessions


GLIDE = Prescribed(
    "median-nerve-glide",
    "Median nerve glide",
    (8 * 60, 13 * 60, 18 * 60),
    {"schedule": {"per_day": 3, "per_week": None, "days": [0, 2, 4], "as_needed": False}},
)


@pytest.mark.usefixtures("utc")
def test_prescribed_times_only_on_their_days_and_not_once_done() -> None:
    found = next_announcement([GLIDE], at(9))
    assert found is not None and (found[0], found[2]) == (at(13), 1)
    found = next_announcement([GLIDE], at(18, 30))
    assert found is not None and (found[0], found[2]) == (at(8, day=6), 0)
    monday, tuesday = date(2026, 1, 5), date(2026, 1, 6)
    assert announcement(GLIDE, 0, monday, 0, None) == (0, 3)
    assert announcement(GLIDE, 0, tuesday, 0, None) is None  # not one of its days
    assert announcement(GLIDE, 1, monday, 3, None) is None  # all done today
    assert announcement(GLIDE, 0, monday, 1, None) is None  # ahead of the times
    assert announcement(GLIDE, 2, monday, 1, None) == (1, 3)


@pytest.mark.usefixtures("utc")
async def test_the_reminder_announces_a_prescribed_session_once_and_not_when_done(
    store: HistoryStore,
) -> None:
    from tests.helpers import record

    clock = FakeClock(start=0.0, wall=at(7, 59))
    reminder, out = make(
        store, clock, BreakPolicy(POLICY.micro, POLICY.rest, warning=0), prescribed=[GLIDE]
    )
    task = asyncio.create_task(reminder.run())
    await clock.advance(2 * MIN)
    said = [e for e in events(out) if e["event"] == "session_due"]
    assert [(e["program"], e["done_today"], e["prescribed_today"], e["message"]) for e in said] == [
        ("median-nerve-glide", 0, 3, "Median nerve glide: 1 of 3 today")
    ]
    for n in range(3):
        store.save(
            record(
                f"s{n}",
                program="median-nerve-glide",
                day=date(2026, 1, 5),
                started=at(9 + n),
                utc_offset=0,
            )
        )
    await clock.advance(6 * HOUR)  # past 13:00
    reminder.stop()
    await task
    assert len([e for e in events(out) if e["event"] == "session_due"]) == 1


# --------------------------------------------------------------------------- do-not-disturb


async def test_a_due_break_waits_while_do_not_disturb_is_on(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    quiet = [True]
    notifier = Notifier()
    policy = BreakPolicy(POLICY.micro, POLICY.rest)
    reminder, out = make(store, clock, policy, dnd=lambda: quiet[0], notifier=notifier)
    task = asyncio.create_task(reminder.run())
    await clock.advance(20 * MIN)
    assert reminder.fired == []
    quiet[0] = False
    await clock.advance(31)
    reminder.stop()
    await task
    assert len(reminder.fired) == 1
    names = [e["event"] for e in events(out)]
    assert names.index("paused") < names.index("resumed") < names.index("break")
    paused = next(e for e in events(out) if e["event"] == "paused")
    assert paused["until"] is None
    # No notification during do-not-disturb, not even the warning's.
    assert [title for title, _ in notifier.sent] == ["Time for a micro-break"]


@pytest.mark.usefixtures("utc")
async def test_programs_due_at_the_same_time_are_each_announced(store: HistoryStore) -> None:
    other = Prescribed("neck", "Neck range of motion", (8 * 60,))
    assert len(next_announcements([GLIDE, other], at(7))) == 2
    clock = FakeClock(start=0.0, wall=at(7, 59))
    policy = BreakPolicy(POLICY.micro, POLICY.rest, warning=0)
    reminder, out = make(store, clock, policy, prescribed=[GLIDE, other])
    task = asyncio.create_task(reminder.run())
    await clock.advance(2 * MIN)
    reminder.stop()
    await task
    said = [e["program"] for e in events(out) if e["event"] == "session_due"]
    assert said == ["median-nerve-glide", "neck"]
