"""Fixtures for the app's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coach.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    fake = FakeClock()
    fake.set_wall(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    return fake
