"""Calendar logic: which day a session counts for, streaks and adherence.

The local time zone is set with ``TZ`` and ``time.tzset()`` (the ``zone``
fixture), because :func:`coach.history.calendar.local_day` reads the computer's zone.
freezegun is used only where "now" matters and never across a
daylight-saving change: its fake ``astimezone()`` goes through dateutil,
which gets the repeated autumn hour wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from coach.history.calendar import (
    DEFAULT_DAY_START,
    Adherence,
    Streaks,
    daily_adherence,
    local_day,
    streaks,
    utc_offset_seconds,
    week_start,
    weekday_numbers,
    weekly_adherence,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

SAT, SUN = 5, 6
WEEKEND = frozenset({SAT, SUN})


def at(
    zone_info: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """A wall-clock time in ``zone_info`` (``fold=1`` for the second pass of a repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone_info, fold=fold)


# --------------------------------------------------------------------------- local_day


def test_local_day_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 3, 10, 12, 0))  # noqa: DTZ001


def test_weekday_numbers() -> None:
    assert weekday_numbers(["sat", " Sun "]) == {5, 6}
    assert weekday_numbers([]) == frozenset()
    with pytest.raises(ValueError, match="'funday' is not a weekday"):
        weekday_numbers(["mon", "funday"])


def test_the_default_day_start_is_four_in_the_morning() -> None:
    assert clock(4, 0) == DEFAULT_DAY_START


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (0, 0, date(2026, 3, 9)),
        (1, 0, date(2026, 3, 9)),  # 1 a.m. counts for the evening before
        (3, 59, date(2026, 3, 9)),
        (4, 0, date(2026, 3, 10)),  # 04:00 exactly starts the new day
        (4, 1, date(2026, 3, 10)),
        (23, 59, date(2026, 3, 10)),
    ],
)
def test_the_day_starts_at_four(
    zone: Callable[[str], None], hour: int, minute: int, expected: date
) -> None:
    zone("Europe/Berlin")
    assert local_day(at(BERLIN, 2026, 3, 10, hour, minute)) == expected


def test_a_custom_day_start(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    midnight = clock(0, 0)
    assert local_day(at(BERLIN, 2026, 3, 10, 0, 0), midnight) == date(2026, 3, 10)
    assert local_day(at(BERLIN, 2026, 3, 9, 23, 59), midnight) == date(2026, 3, 9)
    half_past_five = clock(5, 30)
    assert local_day(at(BERLIN, 2026, 3, 10, 5, 29), half_past_five) == date(2026, 3, 9)
    assert local_day(at(BERLIN, 2026, 3, 10, 5, 30), half_past_five) == date(2026, 3, 10)
    # The default would have put 05:00 on the new day.
    assert local_day(at(BERLIN, 2026, 3, 10, 5, 0)) == date(2026, 3, 10)
    assert local_day(at(BERLIN, 2026, 3, 10, 5, 0), half_past_five) == date(2026, 3, 9)


def test_the_local_zone_decides_not_the_instants_own_offset(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    # 23:30 in New York on the 9th is 05:30 on the 10th in Berlin.
    assert local_day(at(NEW_YORK, 2026, 3, 9, 23, 30)) == date(2026, 3, 10)
    assert local_day(datetime(2026, 3, 10, 2, 30, tzinfo=UTC)) == date(2026, 3, 9)  # 03:30 CET


def test_a_session_across_midnight_counts_for_the_day_it_started(
    zone: Callable[[str], None],
) -> None:
    zone("Europe/Berlin")
    started = at(BERLIN, 2026, 3, 10, 23, 40)
    ended = started + timedelta(minutes=50)  # 00:30 on the 11th
    assert ended.date() == date(2026, 3, 11)
    assert local_day(started) == date(2026, 3, 10)
    assert local_day(ended) == date(2026, 3, 10)  # still before 04:00
    # With the day starting at midnight the end falls on the next day, but a
    # session is dated by its start only.
    assert local_day(started, clock(0, 0)) == date(2026, 3, 10)
    assert local_day(ended, clock(0, 0)) == date(2026, 3, 11)
    # One across the day start itself.
    early = at(BERLIN, 2026, 3, 11, 3, 50)
    assert local_day(early) == date(2026, 3, 10)
    assert local_day(early + timedelta(minutes=20)) == date(2026, 3, 11)


# --------------------------------------------------------------------------- daylight saving


def _walk(start: datetime, hours: int, step_minutes: int = 5) -> list[datetime]:
    """Instants every ``step_minutes`` from ``start`` (UTC), for ``hours`` hours."""
    first = start.astimezone(UTC)
    return [first + timedelta(minutes=n) for n in range(0, hours * 60 + 1, step_minutes)]


def _check_boundaries(
    instants: list[datetime],
    day_start: clock = DEFAULT_DAY_START,
    changes_at: clock | None = None,
) -> list[date]:
    """The days the instants count for, checking that days never go back, never skip,
    and change only when the wall clock reads ``changes_at`` (``day_start`` by default)."""
    changes_at = changes_at or day_start
    days = [local_day(instant, day_start) for instant in instants]
    for before, after, instant in zip(days, days[1:], instants[1:], strict=False):
        assert after >= before, f"{instant} went back from {before} to {after}"
        assert (after - before).days <= 1, f"{instant} skipped a day"
        if after != before:
            wall = instant.astimezone()
            assert (wall.hour, wall.minute) == (changes_at.hour, changes_at.minute), (
                f"the day changed at {wall}, not at {changes_at}"
            )
    return days


@pytest.mark.parametrize(
    ("name", "tz", "change", "day_length_hours"),
    [
        # Spring forward (02:00 -> 03:00): the day that holds the change is 23 h long.
        ("Europe/Berlin", BERLIN, (2026, 3, 29), 23),
        ("America/New_York", NEW_YORK, (2026, 3, 8), 23),
        # Fall back (03:00 -> 02:00 in Berlin, 02:00 -> 01:00 in New York): 25 h long.
        ("Europe/Berlin", BERLIN, (2026, 10, 25), 25),
        ("America/New_York", NEW_YORK, (2026, 11, 1), 25),
    ],
)
def test_daylight_saving_keeps_the_boundary_at_four_on_the_wall_clock(
    zone: Callable[[str], None],
    name: str,
    tz: ZoneInfo,
    change: tuple[int, int, int],
    day_length_hours: int,
) -> None:
    zone(name)
    change_day = date(*change)
    the_day_before = change_day - timedelta(days=1)
    # From noon two days before to noon the day after: every day appears once, in order.
    two_days_before = change_day - timedelta(days=2)
    start = at(tz, two_days_before.year, two_days_before.month, two_days_before.day, 12, 0)
    instants = _walk(start, 72)
    days = _check_boundaries(instants)
    assert sorted(set(days)) == [
        change_day - timedelta(days=2),
        the_day_before,
        change_day,
        change_day + timedelta(days=1),
    ]
    # The change happens before 04:00, so it falls in the day before's day
    # (04:00 on the eve to 04:00 on the change day), which is 23 or 25 h long;
    # the change day itself runs 04:00 to 04:00 after the change: 24 h.
    lengths = {day: sum(d == day for d in days) * 5 / 60 for day in set(days)}
    assert lengths[the_day_before] == day_length_hours
    assert lengths[change_day] == 24  # 04:00 to 04:00, both after the change
    # 04:00 on the wall clock on the change day, in both directions, starts it.
    assert local_day(at(tz, *change, 4, 0)) == change_day
    assert local_day(at(tz, *change, 3, 59)) == the_day_before


def test_spring_forward_in_berlin(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    # 01:30 CET, then the clock jumps from 02:00 to 03:00.
    assert local_day(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == date(2026, 3, 28)
    assert local_day(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == date(2026, 3, 28)  # 03:30 CEST
    assert local_day(datetime(2026, 3, 29, 2, 0, tzinfo=UTC)) == date(2026, 3, 29)  # 04:00 CEST
    assert utc_offset_seconds(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == 3600
    assert utc_offset_seconds(datetime(2026, 3, 29, 2, 0, tzinfo=UTC)) == 7200


def test_fall_back_in_berlin_counts_both_passes_of_the_repeated_hour_once(
    zone: Callable[[str], None],
) -> None:
    zone("Europe/Berlin")
    first_pass = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert first_pass.astimezone().utcoffset() == timedelta(hours=2)
    assert second_pass.astimezone().utcoffset() == timedelta(hours=1)
    assert local_day(first_pass) == local_day(second_pass) == date(2026, 10, 24)
    assert local_day(datetime(2026, 10, 25, 2, 59, tzinfo=UTC)) == date(2026, 10, 24)  # 03:59 CET
    assert local_day(datetime(2026, 10, 25, 3, 0, tzinfo=UTC)) == date(2026, 10, 25)  # 04:00 CET


def test_new_york_changes(zone: Callable[[str], None]) -> None:
    zone("America/New_York")
    # Spring: 01:59 EST -> 03:00 EDT; 04:00 EDT is 08:00 UTC.
    assert local_day(datetime(2026, 3, 8, 7, 59, tzinfo=UTC)) == date(2026, 3, 7)
    assert local_day(datetime(2026, 3, 8, 8, 0, tzinfo=UTC)) == date(2026, 3, 8)
    # Autumn: 01:59 EDT -> 01:00 EST; 04:00 EST is 09:00 UTC.
    assert local_day(datetime(2026, 11, 1, 8, 59, tzinfo=UTC)) == date(2026, 10, 31)
    assert local_day(datetime(2026, 11, 1, 9, 0, tzinfo=UTC)) == date(2026, 11, 1)
    assert utc_offset_seconds(datetime(2026, 11, 1, 9, 0, tzinfo=UTC)) == -5 * 3600
    assert utc_offset_seconds(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == -4 * 3600


def test_a_day_start_inside_the_skipped_hour(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    # 02:30 never shows on the wall clock on 29 March; the day starts at 03:00.
    day_start = clock(2, 30)
    assert local_day(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), day_start) == date(2026, 3, 28)
    assert local_day(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), day_start) == date(2026, 3, 29)
    days = _check_boundaries(_walk(at(BERLIN, 2026, 3, 28, 12, 0), 24), day_start, clock(3, 0))
    assert sorted(set(days)) == [date(2026, 3, 28), date(2026, 3, 29)]


def test_a_day_start_inside_the_repeated_hour_never_goes_back(
    zone: Callable[[str], None],
) -> None:
    zone("Europe/Berlin")
    day_start = clock(2, 30)
    earlier = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 02:45 CEST
    later = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET
    assert local_day(later, day_start) >= local_day(earlier, day_start)


# --------------------------------------------------------------------------- time-zone change


def test_a_time_zone_change_keeps_stored_dates(zone: Callable[[str], None]) -> None:
    zone("Asia/Tokyo")
    # Sessions at 08:00 in Tokyo on three mornings, dated when they started.
    starts = [at(TOKYO, 2026, 3, day, 8, 0) for day in (8, 9, 10)]
    stored = [local_day(start) for start in starts]
    assert stored == [date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)]
    assert utc_offset_seconds(starts[0]) == 9 * 3600

    # The computer moves to New York: 08:00 in Tokyo was 19:00 the evening before.
    zone("America/New_York")
    assert [local_day(start) for start in starts] == [
        date(2026, 3, 7),
        date(2026, 3, 8),
        date(2026, 3, 9),
    ]
    assert utc_offset_seconds(starts[0]) == -5 * 3600
    # Streaks use the stored dates: the 10th is still done, and the next morning
    # in New York (the 10th there) sees a streak of three that includes today.
    today = local_day(at(NEW_YORK, 2026, 3, 10, 9, 0))
    assert today == date(2026, 3, 10)
    assert streaks(stored, today) == Streaks(current=3, longest=3)
    # The day after, the 10th (done, in Tokyo) keeps the streak: had the dates
    # been recomputed in New York, the last one would be the 9th and it would be over.
    tomorrow = today + timedelta(days=1)
    assert streaks(stored, tomorrow) == Streaks(current=3, longest=3)
    assert streaks([local_day(start) for start in starts], tomorrow) == Streaks(0, 3)


def test_flying_east_does_not_double_count_a_day(zone: Callable[[str], None]) -> None:
    zone("America/New_York")
    evening = at(NEW_YORK, 2026, 3, 9, 20, 0)
    stored = local_day(evening)
    zone("Asia/Tokyo")
    # 20:00 in New York is 10:00 the next morning in Tokyo; a session done
    # later that Tokyo morning counts for the 10th, and the stored 9th stays.
    morning = at(TOKYO, 2026, 3, 10, 11, 0)
    assert local_day(morning) == date(2026, 3, 10)
    assert streaks({stored, local_day(morning)}, date(2026, 3, 10)) == Streaks(2, 2)


# --------------------------------------------------------------------------- now


@freeze_time("2026-03-10 00:30:00")  # 01:30 in Berlin
def test_at_half_past_one_today_is_still_yesterday(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    today = local_day(datetime.now(UTC))
    assert today == date(2026, 3, 9)
    # A session done yesterday evening keeps the streak going without one "today".
    assert streaks([date(2026, 3, 8), date(2026, 3, 9)], today) == Streaks(2, 2)


@freeze_time("2026-03-10 03:00:00")  # 04:00 in Berlin
def test_at_four_today_is_the_new_day(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")
    today = local_day(datetime.now(UTC))
    assert today == date(2026, 3, 10)
    assert streaks([date(2026, 3, 8), date(2026, 3, 9)], today) == Streaks(2, 2)
    assert streaks([date(2026, 3, 8)], today) == Streaks(0, 1)


# --------------------------------------------------------------------------- streaks

MON = date(2026, 3, 9)  # a Monday
assert MON.weekday() == 0


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def test_an_empty_history_has_no_streak() -> None:
    assert streaks([], MON) == Streaks(0, 0)
    assert streaks([], MON, WEEKEND) == Streaks(0, 0)


def test_a_session_today_counts() -> None:
    assert streaks([MON], MON) == Streaks(1, 1)


def test_today_without_a_session_does_not_break_the_streak() -> None:
    thursday = MON + timedelta(days=3)
    assert streaks(days_from(MON, 3), thursday) == Streaks(3, 3)  # Mon-Wed, today Thu


def test_a_missing_working_day_breaks_the_streak() -> None:
    friday = MON + timedelta(days=4)
    # Mon-Wed done, Thu missed, today Fri: the run is over.
    assert streaks(days_from(MON, 3), friday) == Streaks(0, 3)
    # Done again today: a new run of one.
    assert streaks([*days_from(MON, 3), friday], friday) == Streaks(1, 3)


def test_duplicate_days_count_once() -> None:
    assert streaks([MON, MON, MON + timedelta(days=1)], MON + timedelta(days=1)) == Streaks(2, 2)


def test_rest_days_do_not_break_a_streak() -> None:
    friday = MON + timedelta(days=4)
    next_monday = MON + timedelta(days=7)
    active = [*days_from(MON, 5), next_monday]  # Mon-Fri, then Monday: weekend off
    assert streaks(active, next_monday, WEEKEND) == Streaks(6, 6)
    # Without rest days the weekend breaks it.
    assert streaks(active, next_monday) == Streaks(1, 5)
    # On Monday before exercising, Friday's streak still stands across the weekend.
    assert streaks(days_from(MON, 5), next_monday, WEEKEND) == Streaks(5, 5)
    # On Saturday and Sunday too.
    assert streaks(days_from(MON, 5), friday + timedelta(days=1), WEEKEND) == Streaks(5, 5)
    assert streaks(days_from(MON, 5), friday + timedelta(days=2), WEEKEND) == Streaks(5, 5)


def test_a_session_on_a_rest_day_does_not_extend_a_streak() -> None:
    saturday = MON + timedelta(days=5)
    sunday = MON + timedelta(days=6)
    active = [*days_from(MON, 5), saturday, sunday]
    assert streaks(active, sunday, WEEKEND) == Streaks(5, 5)
    # Nor does it start one, nor bridge a missed working day.
    assert streaks([saturday], sunday, WEEKEND) == Streaks(0, 0)
    friday = MON + timedelta(days=4)
    bridged = [*days_from(MON, 4), saturday, sunday]  # Friday missed
    assert streaks(bridged, sunday, WEEKEND) == Streaks(0, 4)
    assert streaks([friday, saturday], saturday, WEEKEND) == Streaks(1, 1)


def test_a_missing_day_after_a_rest_day_breaks_the_streak() -> None:
    tuesday = MON + timedelta(days=8)
    # Mon-Fri, weekend off, next Monday missed, today Tuesday.
    assert streaks(days_from(MON, 5), tuesday, WEEKEND) == Streaks(0, 5)


def test_only_one_working_day_a_week() -> None:
    only_mondays = frozenset(range(1, 7))
    mondays = [MON + timedelta(weeks=n) for n in range(4)]
    assert streaks(mondays, mondays[-1], only_mondays) == Streaks(4, 4)
    # A missed Monday breaks it.
    gapped = [mondays[0], mondays[2], mondays[3]]
    assert streaks(gapped, mondays[-1], only_mondays) == Streaks(2, 2)
    assert streaks(mondays[:2], mondays[2] + timedelta(days=1), only_mondays) == Streaks(0, 2)


def test_every_day_a_rest_day_means_no_streaks() -> None:
    assert streaks(days_from(MON, 10), MON + timedelta(days=9), range(7)) == Streaks(0, 0)


def test_longest_and_current_differ() -> None:
    old_run = days_from(MON, 5)
    new_run = days_from(MON + timedelta(days=10), 2)
    today = MON + timedelta(days=11)
    assert streaks(old_run + new_run, today) == Streaks(2, 5)
    assert streaks(old_run + new_run, today + timedelta(days=1)) == Streaks(2, 5)
    assert streaks(old_run + new_run, today + timedelta(days=2)) == Streaks(0, 5)


def test_future_dates_count_toward_the_longest_streak_only() -> None:
    today = MON
    assert streaks(days_from(today + timedelta(days=1), 3), today) == Streaks(0, 3)
    # Yesterday and today, then two days from a wrong clock: one run of four.
    active = days_from(today - timedelta(days=1), 4)
    assert streaks(active, today) == Streaks(2, 4)
    # A future day is not "today": it does not keep yesterday's streak alive either.
    assert streaks([today - timedelta(days=2), today + timedelta(days=1)], today) == Streaks(0, 1)


@given(
    active=st.sets(st.dates(date(2026, 1, 1), date(2026, 4, 30)), max_size=60),
    today=st.dates(date(2026, 1, 1), date(2026, 5, 10)),
    rest=st.frozensets(st.integers(0, 6), max_size=7),
)
def test_current_never_exceeds_longest(
    active: set[date], today: date, rest: frozenset[int]
) -> None:
    found = streaks(active, today, rest)
    assert 0 <= found.current <= found.longest
    working = {day for day in active if day.weekday() not in rest}
    assert found.longest <= len(working)
    assert found.current <= len({day for day in working if day <= today})


@given(
    n=st.integers(1, 400),
    today=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    done_today=st.booleans(),
)
def test_n_consecutive_days_make_a_streak_of_n(n: int, today: date, done_today: bool) -> None:
    last = today if done_today else today - timedelta(days=1)
    active = [last - timedelta(days=k) for k in range(n)]
    assert streaks(active, today) == Streaks(current=n, longest=n)
    # The day after the day after, the run is over but remembered.
    assert streaks(active, last + timedelta(days=2)) == Streaks(current=0, longest=n)


# --------------------------------------------------------------------------- adherence


def counts(**by_offset: int) -> dict[date, int]:
    """``counts(d0=1, d3=2)``: sessions on MON + 0 days and MON + 3 days."""
    return {MON + timedelta(days=int(key[1:])): value for key, value in by_offset.items()}


def test_week_start() -> None:
    assert week_start(MON) == MON
    assert week_start(MON + timedelta(days=6)) == MON
    assert week_start(MON + timedelta(days=7)) == MON + timedelta(days=7)


def test_daily_adherence_caps_extra_sessions() -> None:
    result = daily_adherence(counts(d0=3, d2=1), 2, MON, MON + timedelta(days=2))
    assert [(a.start, a.end, a.done, a.prescribed) for a in result] == [
        (MON, MON, 2, 2),  # three done, two count
        (MON + timedelta(days=1), MON + timedelta(days=1), 0, 2),
        (MON + timedelta(days=2), MON + timedelta(days=2), 1, 2),
    ]
    assert [a.ratio for a in result] == [1.0, 0.0, 0.5]
    # The extra session on Monday does not make up for Tuesday.
    assert sum(a.done for a in result) == 3


def test_daily_adherence_rest_days_prescribe_nothing() -> None:
    saturday = MON + timedelta(days=5)
    result = daily_adherence(counts(d4=1, d5=2), 1, MON + timedelta(days=4), saturday, WEEKEND)
    assert [(a.done, a.prescribed) for a in result] == [(1, 1), (0, 0)]
    assert result[1].ratio is None


def test_daily_adherence_of_an_empty_range() -> None:
    assert daily_adherence(counts(d0=1), 1, MON, MON - timedelta(days=1)) == []


def test_weekly_adherence_needs_exactly_one_schedule() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        weekly_adherence({}, MON, MON)
    with pytest.raises(ValueError, match="exactly one"):
        weekly_adherence({}, MON, MON, per_day=1, per_week=3)


def test_weekly_adherence_per_day() -> None:
    # Wednesday of one week to Tuesday of the next, two a day, weekend off.
    start = MON + timedelta(days=2)
    end = MON + timedelta(days=8)
    done = counts(d2=2, d3=5, d4=1, d7=2)
    weeks = weekly_adherence(done, start, end, per_day=2, rest_days=WEEKEND)
    assert weeks == [
        Adherence(start, MON + timedelta(days=6), done=5, prescribed=6),  # Wed-Fri: 2+2+1
        Adherence(MON + timedelta(days=7), end, done=2, prescribed=4),  # Mon-Tue: 2+0
    ]


def test_weekly_adherence_per_week_full_and_partial_weeks() -> None:
    # Thursday to the Wednesday two weeks later, three a week, no rest days.
    start = MON + timedelta(days=3)
    end = MON + timedelta(days=16)
    done = {start: 1, start + timedelta(days=1): 4, MON + timedelta(days=8): 2}
    weeks = weekly_adherence(done, start, end, per_week=3)
    assert [(w.start, w.end) for w in weeks] == [
        (start, MON + timedelta(days=6)),
        (MON + timedelta(days=7), MON + timedelta(days=13)),
        (MON + timedelta(days=14), end),
    ]
    # Thu-Sun is 4 of 7 days: ceil(3 * 4 / 7) = 2; five done, two count.
    assert (weeks[0].done, weeks[0].prescribed) == (2, 2)
    assert (weeks[1].done, weeks[1].prescribed) == (2, 3)
    # Mon-Wed: ceil(3 * 3 / 7) = 2, none done.
    assert (weeks[2].done, weeks[2].prescribed) == (0, 2)


def test_weekly_adherence_per_week_with_rest_days() -> None:
    # Three a week over five working days; a partial week Thu-Sun has two
    # working days: ceil(3 * 2 / 5) = 2. A session on a rest day counts (any
    # day of the week will do for a weekly schedule).
    start = MON + timedelta(days=3)
    end = MON + timedelta(days=6)
    weeks = weekly_adherence(counts(d5=1, d6=1), start, end, per_week=3, rest_days=WEEKEND)
    assert weeks == [Adherence(start, end, done=2, prescribed=2)]
    # A week of rest days only prescribes nothing.
    weekend = weekly_adherence(
        counts(d5=1),
        MON + timedelta(days=5),
        MON + timedelta(days=6),
        per_week=3,
        rest_days=WEEKEND,
    )
    assert weekend == [Adherence(MON + timedelta(days=5), MON + timedelta(days=6), 0, 0)]
    assert weekend[0].ratio is None
    # Every day a rest day: nothing is ever prescribed.
    never = weekly_adherence(
        counts(d0=1), MON, MON + timedelta(days=6), per_week=3, rest_days=range(7)
    )
    assert [(w.done, w.prescribed) for w in never] == [(0, 0)]


def test_weekly_adherence_per_week_never_prescribes_more_than_per_week() -> None:
    weeks = weekly_adherence({}, MON, MON + timedelta(days=6), per_week=10)
    assert weeks[0].prescribed == 10
    weeks = weekly_adherence({}, MON, MON, per_week=10)
    assert weeks[0].prescribed == 2  # ceil(10 / 7)


def test_weekly_adherence_per_day_rest_days_prescribe_nothing() -> None:
    weeks = weekly_adherence({}, MON, MON + timedelta(days=6), per_day=2, rest_days=WEEKEND)
    assert weeks[0].prescribed == 10


def test_weekly_per_day_adherence_agrees_with_daily_adherence() -> None:
    done = counts(d0=1, d1=1, d2=1, d3=1, d5=1)  # Friday missed, Saturday done
    end = MON + timedelta(days=6)
    days = daily_adherence(done, 1, MON, end, WEEKEND)
    (week,) = weekly_adherence(done, MON, end, per_day=1, rest_days=WEEKEND)
    assert (week.done, week.prescribed) == (
        sum(d.done for d in days),
        sum(d.prescribed for d in days),
    )
