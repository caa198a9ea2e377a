"""The clock: aware UTC now, today in a timezone, and freezing time for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import clock


def test_now_is_aware_utc_and_current():
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_frozen_at_fixes_now_in_utc_and_restores_it():
    instant = datetime(2030, 7, 14, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with clock.frozen_at(instant):
        assert clock.now() == instant
        assert clock.now().tzinfo is UTC
        assert clock.now().hour == 7
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


def test_frozen_at_nests_and_restores_after_an_error():
    outer = datetime(2030, 1, 1, tzinfo=UTC)
    inner = datetime(2040, 1, 1, tzinfo=UTC)
    with clock.frozen_at(outer):
        with pytest.raises(RuntimeError), clock.frozen_at(inner):
            assert clock.now() == inner
            raise RuntimeError("boom")
        assert clock.now() == outer
    assert clock.now().year == datetime.now(UTC).year


def test_frozen_at_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"), clock.frozen_at(datetime(2030, 1, 1)):
        pass


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", date(2030, 12, 31)),
        ("Asia/Tokyo", date(2031, 1, 1)),
        ("Pacific/Kiritimati", date(2031, 1, 1)),
        ("America/New_York", date(2030, 12, 31)),
        ("Pacific/Pago_Pago", date(2030, 12, 31)),
    ],
)
def test_today_is_the_calendar_date_in_the_given_timezone(zone, expected):
    with clock.frozen_at(datetime(2030, 12, 31, 18, 30, tzinfo=UTC)):
        assert clock.today(ZoneInfo(zone)) == expected


def test_today_just_after_midnight_utc_is_still_yesterday_to_the_west():
    with clock.frozen_at(datetime(2030, 3, 1, 0, 15, tzinfo=UTC)):
        assert clock.today(ZoneInfo("UTC")) == date(2030, 3, 1)
        assert clock.today(ZoneInfo("America/Sao_Paulo")) == date(2030, 2, 28)
