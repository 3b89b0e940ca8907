"""The break scheduler and its hosts, on a fake clock: cadence, collisions, answers, sleep."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.breaks.host import BreakHost, HostClaim
from coach.breaks.remind import Reminder
from coach.breaks.scheduler import (
    BreakPolicy,
    BreakScheduler,
    KindPolicy,
    next_break_now,
)
from coach.clock import FakeClock
from coach.history.locks import hosts_running
from coach.history.store import HistoryStore

MIN = 60.0
POLICY = BreakPolicy(
    micro=KindPolicy(every=10 * MIN, length=20),
    rest=KindPolicy(every=50 * MIN, length=5 * MIN, program="wrist-forearm-stretches"),
    postpone=5 * MIN,
    max_postpones=2,
    warning=0,  # warnings, holding for a pause: tests/test_breaks_day.py
    start_on_pause=False,
)
DAY = "2026-01-05"


def fired_times(scheduler: BreakScheduler, until: float) -> list[tuple[str, float]]:
    """Take every break as it falls due (as `coach remind` does) until ``until``."""
    fired: list[tuple[str, float]] = []
    while (due := scheduler.next_due()).at <= until:
        scheduler.observe(due.at, DAY)
        assert scheduler.due(due.at) == due
        scheduler.taken(due.kind, due.at, outcome="reminded")
        fired.append((due.kind, due.at))
    return fired


# --------------------------------------------------------------------------- the rules


def test_cadence_micro_breaks_every_ten_minutes_of_work_after_each_break() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    fired = fired_times(scheduler, 45 * MIN)
    # Each micro-break is due 10 min after the previous one ended (20 s later).
    assert fired == [("micro", 600.0), ("micro", 1220.0), ("micro", 1840.0), ("micro", 2460.0)]


def test_rest_break_comes_on_time_and_counts_as_a_micro_break() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    fired = fired_times(scheduler, 70 * MIN)
    assert ("rest", 3000.0) in fired
    after = [entry for entry in fired if entry[1] > 3000.0]
    # The next micro-break is 10 min after the rest break ended (at 55 min).
    assert after[0] == ("micro", 3300.0 + 600.0)


def test_when_both_fall_due_together_the_rest_break_wins() -> None:
    policy = BreakPolicy(KindPolicy(10 * MIN, 20), KindPolicy(30 * MIN, 5 * MIN))
    scheduler = BreakScheduler.fresh(policy, 0.0)
    scheduler.timers["micro"].since = 20 * MIN  # micro due at 30:00, rest due at 30:00
    due = scheduler.next_due()
    assert (due.kind, due.at) == ("rest", 30 * MIN)
    # Within a micro-break's length counts as together; the rest break comes early.
    scheduler.timers["micro"].since = 20 * MIN - 10
    due = scheduler.next_due()
    assert (due.kind, due.at) == ("rest", 30 * MIN - 10)
    # Further apart, the micro-break goes first.
    scheduler.timers["micro"].since = 20 * MIN - 30
    assert scheduler.next_due().kind == "micro"


def test_postpone_at_most_max_postpones_in_a_row_then_the_break_insists() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    due = scheduler.due(600.0)
    assert due is not None and due.can_postpone and due.postpones == 0
    assert scheduler.postpone("micro", 600.0)
    assert scheduler.due(600.0 + 299) is None
    due = scheduler.due(900.0)
    assert due is not None and due.kind == "micro" and due.postpones == 1 and due.can_postpone
    assert scheduler.postpone("micro", 900.0)
    due = scheduler.due(1200.0)
    assert due is not None and due.postpones == 2 and not due.can_postpone
    assert not scheduler.postpone("micro", 1200.0)
    assert scheduler.due(1200.0) is not None  # still due
    # Taking it clears the count: the next one may be put off again.
    scheduler.taken("micro", 1200.0)
    assert scheduler.timers["micro"].postpones == 0
    outcomes = [event.outcome for event in scheduler.take_events()]
    assert outcomes == ["postponed", "postponed", "taken"]


def test_skip_is_counted_and_starts_the_work_clock_again() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    scheduler.postpone("micro", 600.0)
    scheduler.skip("micro", 900.0)
    assert scheduler.next_due().at == 900.0 + 600.0
    assert scheduler.timers["micro"].postpones == 0
    assert [(e.kind, e.outcome, e.at) for e in scheduler.take_events()][-1] == (
        "micro",
        "skipped",
        900.0,
    )
    # Skipping a micro-break leaves the rest break where it was.
    assert scheduler.due_at("rest") == 3000.0


def test_a_completed_session_resets_every_timer() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    scheduler.postpone("micro", 600.0)
    assert scheduler.session_completed(700.0)
    assert scheduler.due_at("micro") == 700.0 + 600.0
    assert scheduler.due_at("rest") == 700.0 + 3000.0
    assert scheduler.timers["micro"].postpones == 0
    assert not scheduler.session_completed(650.0)  # an older session changes nothing


def test_idle_at_least_a_breaks_length_is_that_break_taken_naturally_once() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    assert scheduler.idle(600.0, 5.0) == []  # a pause in typing
    assert scheduler.idle(600.0, 25.0) == ["micro"]
    assert scheduler.due_at("micro") == 1200.0
    assert scheduler.due_at("rest") == 3000.0
    # Still away ten minutes later: the same absence, not another break...
    assert scheduler.idle(1200.0, 625.0) == ["rest"]  # ...but now long enough for a rest
    assert scheduler.due_at("micro") == 1800.0 and scheduler.due_at("rest") == 1200.0 + 3000.0
    events = [(e.kind, e.outcome) for e in scheduler.take_events()]
    assert events == [("micro", "natural"), ("rest", "natural")]


def test_long_sleep_starts_timers_fresh_and_short_one_does_not() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    scheduler.observe(590.0, DAY, asleep=10.0)  # shorter than any break
    assert scheduler.due_at("micro") == 600.0
    scheduler.observe(2000.0, DAY, asleep=1400.0)  # asleep 23 min: both fresh
    assert scheduler.due_at("micro") == 2600.0 and scheduler.due_at("rest") == 5000.0
    scheduler.observe(2700.0, DAY, asleep=60.0)  # a minute: the micro timer only
    assert scheduler.due_at("micro") == 3300.0 and scheduler.due_at("rest") == 5000.0
    assert scheduler.take_events() == []  # sleep is not a break taken


def test_work_time_and_the_daily_limit() -> None:
    policy = BreakPolicy(POLICY.micro, POLICY.rest, daily_limit=2 * 3600)
    scheduler = BreakScheduler.fresh(policy, 0.0)
    scheduler.observe(0.0, DAY)
    scheduler.observe(3600.0, DAY, asleep=1800.0)  # half of it asleep
    assert scheduler.work_seconds == 1800.0
    scheduler.observe(3600.0 + 1200, DAY, idle=600.0)  # ten of twenty minutes idle
    assert scheduler.work_seconds == 2400.0
    assert scheduler.limit_at() == 4800.0 + 4800.0
    assert not scheduler.limit_reached(9599.0)
    assert scheduler.limit_reached(9600.0)
    assert not scheduler.limit_reached(9700.0)  # once a day
    scheduler.observe(20000.0, "2026-01-06")
    assert scheduler.work_seconds == 0.0 and not scheduler.limit_told


@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(["observe", "idle", "take", "postpone", "skip", "session"]),
            st.floats(0, 4000),
            st.sampled_from(["micro", "rest"]),
        ),
        max_size=30,
    )
)
@settings(max_examples=200, deadline=None)
def test_state_round_trip_keeps_every_deadline(events: list[tuple[str, float, str]]) -> None:
    wall = datetime(2026, 1, 5, 9, tzinfo=UTC)
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    now = 0.0
    for action, step, kind in events:
        now += step
        if action == "observe":
            scheduler.observe(now, DAY)
        elif action == "idle":
            scheduler.idle(now, step)
        elif action == "take":
            scheduler.taken(kind, now)  # type: ignore[arg-type]
        elif action == "postpone":
            scheduler.postpone(kind, now)  # type: ignore[arg-type]
        elif action == "skip":
            scheduler.skip(kind, now)  # type: ignore[arg-type]
        else:
            scheduler.session_completed(now)
    state = json.loads(json.dumps(scheduler.to_state(now, wall, "boot-1")))
    # Read back in the same boot, 100 s later on the clock (wall moved differently).
    later, elapsed = BreakScheduler.from_state(
        POLICY, state, now + 100, wall + timedelta(hours=5), "boot-1"
    )
    assert elapsed == pytest.approx(100)
    for kind in ("micro", "rest"):
        assert later.due_at(kind) == pytest.approx(scheduler.due_at(kind) + 0, abs=0.01)  # type: ignore[arg-type]
        assert later.timers[kind].postpones == scheduler.timers[kind].postpones  # type: ignore[index]
    # Another boot: compared by the wall clock.
    _, elapsed = BreakScheduler.from_state(POLICY, state, 5.0, wall + timedelta(seconds=40), None)
    assert elapsed == pytest.approx(40)
    upcoming = next_break_now(state, now + 100, wall, "boot-1")
    assert upcoming is not None
    assert abs(upcoming["due_in_seconds"] - (scheduler.next_due().at - now - 100)) <= 0.51


def test_a_damaged_or_foreign_state_gives_fresh_timers() -> None:
    wall = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for state in (None, {}, {"version": 99}, {"version": 1, "saved": "x"}, {"version": 1}):
        scheduler, elapsed = BreakScheduler.from_state(POLICY, state, 50.0, wall, "b")
        assert scheduler.due_at("micro") == 650.0 and elapsed == 0.0
    assert next_break_now({"next": {"kind": "huge"}}, 0.0, wall, None) is None


# --------------------------------------------------------------------------- hosts


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    clock_store = HistoryStore.in_folder(tmp_path / "data")
    yield clock_store
    clock_store.close()


class Idle:
    """An idle probe the test sets by hand."""

    name = "test"

    def __init__(self) -> None:
        self.seconds: float | None = 0.0

    def idle_seconds(self) -> float | None:
        return self.seconds


def make_reminder(
    store: HistoryStore, clock: FakeClock, policy: BreakPolicy = POLICY, **kwargs: object
) -> tuple[Reminder, io.StringIO]:
    out = io.StringIO()
    host = BreakHost(store, policy, clock, idle=kwargs.pop("idle", None))  # type: ignore[arg-type]
    return Reminder(host, out=out, json_lines=True, **kwargs), out  # type: ignore[arg-type]


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_reminder_fires_each_break_on_time_on_a_fake_clock(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    reminder, out = make_reminder(store, clock)
    task = asyncio.create_task(reminder.run())
    await clock.advance(56 * MIN)
    reminder.stop()
    assert await task == 0
    fired = [(due.kind, due.at) for due in reminder.fired]
    assert fired == [
        ("micro", 600.0),
        ("micro", 1220.0),
        ("micro", 1840.0),
        ("micro", 2460.0),
        ("rest", 3000.0),
    ]
    events = [line["event"] for line in lines(out)]
    assert events.count("break") == 5 and events[-1] == "stopped"
    counts = store.break_counts()
    assert counts == {("micro", "reminded"): 4, ("rest", "reminded"): 1}


async def test_reminder_after_a_suspend_starts_fresh_instead_of_a_burst(
    store: HistoryStore,
) -> None:
    clock = FakeClock(start=0.0)
    reminder, _ = make_reminder(store, clock)
    task = asyncio.create_task(reminder.run())
    await clock.advance(5 * MIN)
    await clock.suspend(3 * 3600)  # the lid closed for three hours
    await clock.advance(1)
    # Seen at once on waking (not at the next break): status shows fresh timers.
    state = store.break_state()
    assert state is not None and state["saved"]["clock"] == 5 * MIN + 3 * 3600
    assert state["next"]["due_in"] == 600
    await clock.advance(9 * MIN - 1)
    assert reminder.fired == []  # nothing stale fired on waking
    await clock.advance(2 * MIN)
    reminder.stop()
    await task
    # One micro-break, ten minutes of work after waking up.
    woke = 5 * MIN + 3 * 3600
    assert [(d.kind, d.at) for d in reminder.fired] == [("micro", woke + 600)]


async def test_idle_counts_as_a_natural_break_and_nothing_fires(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    idle = Idle()
    reminder, out = make_reminder(store, clock, idle=idle)
    task = asyncio.create_task(reminder.run())
    await clock.advance(9 * MIN)
    idle.seconds = 60.0  # away for the last minute when the break falls due
    await clock.advance(1 * MIN)
    assert reminder.fired == []
    idle.seconds = 0.0
    await clock.advance(10 * MIN)
    reminder.stop()
    await task
    assert [(d.kind, d.at) for d in reminder.fired] == [("micro", 1200.0)]
    assert ("micro", "natural") in store.break_counts()
    assert any(line["event"] == "natural" for line in lines(out))


async def test_once_waits_for_one_break_and_exits(store: HistoryStore) -> None:
    clock = FakeClock(start=0.0)
    reminder, _ = make_reminder(store, clock, once=True)
    task = asyncio.create_task(reminder.run())
    await clock.settle()
    # It sleeps in steps of at most a minute: the event loop's timers stop while the
    # machine is suspended, so a longer step would notice a suspend that much later.
    assert clock.next_deadline == clock.monotonic() + 60
    await clock.advance(10 * MIN)
    assert task.done() and task.result() == 0
    assert [d.kind for d in reminder.fired] == ["micro"]


async def test_two_hosts_share_one_state(store: HistoryStore, tmp_path: Path) -> None:
    clock = FakeClock(start=0.0)
    first = BreakHost(store, POLICY, clock)
    first.sync()
    await clock.advance(10 * MIN)
    look = first.sync()
    assert look.due is not None and look.due.kind == "micro"
    with HistoryStore.in_folder(store.folder) as other_store:
        second = BreakHost(other_store, POLICY, clock)
        assert second.postpone("micro").answered
    # The first host sees the other's answer: nothing due for five minutes.
    assert first.sync().due is None
    await clock.advance(5 * MIN)
    assert first.sync().due is not None
    assert store.break_counts() == {("micro", "postponed"): 1}


async def test_a_restart_keeps_the_timers_and_a_long_absence_resets_them(
    store: HistoryStore,
) -> None:
    clock = FakeClock(start=0.0)
    host = BreakHost(store, POLICY, clock)
    host.sync()
    await clock.advance(8 * MIN)
    host.close()  # the host stops at 8 min
    await clock.advance(5)  # a restart
    host = BreakHost(store, POLICY, clock)
    look = host.sync()
    assert look.scheduler.due_at("micro") == 600.0
    host.close()
    await clock.advance(30 * MIN)  # then nothing ran for half an hour
    look = BreakHost(store, POLICY, clock).sync()
    now = clock.monotonic()
    assert (
        look.scheduler.due_at("micro") == now + 600 and look.scheduler.due_at("rest") == now + 3000
    )


async def test_a_session_completed_elsewhere_resets_the_reminder(store: HistoryStore) -> None:
    from coach.history.records import SessionRecord

    clock = FakeClock(start=0.0)
    host = BreakHost(store, POLICY, clock)
    host.sync()
    await clock.advance(9 * MIN)
    wall = clock.now()
    store.save(
        SessionRecord(
            id="s1",
            program="typist-micro-break",
            title="Typist micro-break",
            started_at=wall - timedelta(seconds=90),
            ended_at=wall,
            utc_offset=0,
            local_date=wall.date(),
            status="completed",
            active_seconds=90,
        )
    )
    look = host.sync()
    assert look.scheduler.due_at("micro") == clock.monotonic() + 600
    assert look.scheduler.due_at("rest") == clock.monotonic() + 3000


def test_hosts_running_follows_the_shared_lock(tmp_path: Path) -> None:
    assert not hosts_running(tmp_path)
    claim = HostClaim(tmp_path)
    other = HostClaim(tmp_path)  # shared: two hosts at once
    assert hosts_running(tmp_path)
    claim.release()
    assert hosts_running(tmp_path)
    other.release()
    assert not hosts_running(tmp_path)
    only = HostClaim(tmp_path, "remind.lock", exclusive=True)
    with pytest.raises(OSError):
        HostClaim(tmp_path, "remind.lock", exclusive=True)
    only.release()


def test_a_chosen_profile_sets_the_timings_you_did_not_set_yourself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coach.config.settings import explain_settings, load_settings

    monkeypatch.setenv("COACH_CONFIG_FILE", str(tmp_path / "coach.toml"))
    (tmp_path / "coach.toml").write_text('[breaks]\nprofile = "musician"\n')
    breaks = load_settings({"breaks.rest.every": "40m"}).breaks
    assert (breaks.micro.every, breaks.micro.length) == (900, 30)
    assert breaks.rest.program == "musician-practice-break"
    assert breaks.rest.every == 2400  # yours wins over the profile's
    sources = {item.key: item.source for item in explain_settings()}
    assert sources["breaks.micro.every"] == "profile musician"
    # The default profile is the built-in timings; "custom" keeps them too.
    assert load_settings({"breaks.profile": "typist"}).breaks.micro.every == 600
    assert load_settings({"breaks.profile": "custom"}).breaks.rest.every == 3000


def test_a_break_coach_remind_announced_is_offered_until_answered() -> None:
    scheduler = BreakScheduler.fresh(POLICY, 0.0)
    scheduler.taken("micro", 600.0, outcome="reminded")
    offer = scheduler.reminded(605.0)
    assert offer is not None and offer.kind == "micro" and offer.at == 600.0
    assert scheduler.reminded(620.0) is None  # the break would be over
    assert scheduler.postpone("micro", 605.0)
    assert scheduler.reminded(606.0) is None  # answered
    scheduler.taken("micro", 1000.0)
    assert scheduler.reminded(1001.0) is None  # taken in the app: nothing to offer


def test_with_titles_names_each_break_program() -> None:
    titled = POLICY.with_titles({"wrist-forearm-stretches": "Wrist and forearm stretches"})
    assert titled.rest.program_title == "Wrist and forearm stretches"
    assert titled.micro.program_title is None  # no program
    assert titled.rest.every == POLICY.rest.every and titled.postpone == POLICY.postpone
    assert POLICY.with_titles({}).rest.program_title is None
