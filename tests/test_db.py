"""The database layer on the backend under test: UTC timestamps, foreign keys, enum checks, units of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from app import db
from app.db import unit_of_work
from app.organisations.models import Contact, Organisation
from app.users.models import ApiToken, User


def _user(session, email: str, created_at: datetime) -> User:
    user = User(email=email, full_name=email, created_at=created_at)
    session.add(user)
    session.flush()
    return user


def test_an_aware_timestamp_comes_back_equal_and_in_utc(session, backend):
    tokyo = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Tokyo"))
    user = _user(session, "tokyo@example.org", tokyo)
    session.commit()
    session.expunge_all()

    stored = session.scalar(select(User.created_at).where(User.id == user.id))
    assert stored == tokyo
    assert stored.tzinfo is UTC
    assert (stored.hour, stored.minute, stored.microsecond) == (0, 30, 123456)
    raw = session.execute(text("SELECT created_at FROM users WHERE id = :id"), {"id": user.id}).scalar_one()
    if backend == "sqlite":
        assert str(raw).startswith("2026-03-01 00:30:15")  # naive UTC text, which sorts in time order
    else:
        assert raw == tokyo and raw.utcoffset() is not None


def test_timestamps_sort_and_compare_in_utc_whatever_zone_they_were_given_in(session):
    # 10:00 in New York is later than 20:00 in Tokyo on the same day, though its clock reading is smaller.
    new_york = _user(session, "ny@example.org", datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("America/New_York")))
    tokyo = _user(session, "tokyo@example.org", datetime(2026, 6, 1, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    ordered = session.scalars(
        select(User.id).where(User.id.in_([new_york.id, tokyo.id])).order_by(User.created_at)
    ).all()
    assert ordered == [tokyo.id, new_york.id]
    boundary = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    later = session.scalars(select(User.id).where(User.id.in_([new_york.id, tokyo.id]), User.created_at > boundary))
    assert later.all() == [new_york.id]
    same_instant = datetime(2026, 6, 1, 19, 0, tzinfo=timezone(timedelta(hours=5)))  # 14:00 UTC, 10:00 in New York
    assert session.scalar(select(User.id).where(User.created_at == same_instant)) == new_york.id


def test_a_naive_timestamp_is_refused(session):
    with pytest.raises(StatementError, match="naive datetime refused"):
        _user(session, "naive@example.org", datetime(2026, 3, 1, 9, 30))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "naive@example.org")) == 0


def test_null_timestamps_stay_null(session):
    user = _user(session, "nulls@example.org", datetime(2026, 1, 1, tzinfo=UTC))
    token = ApiToken(user=user, name="t", prefix="agr_x", token_hash="0" * 64, expires_at=None)
    session.add(token)
    session.flush()
    session.expire_all()
    assert session.get(ApiToken, token.id).expires_at is None


def test_foreign_keys_are_enforced(session):
    session.add(Contact(organisation_id=987_654, name="Orphan"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_enum_columns_refuse_unknown_values_in_the_database(session):
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO organisations (legal_name, kind, country_code, created_at, updated_at, version) "
                "VALUES ('Bad kind', 'pirate_ship', 'FR', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
    session.rollback()


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(session_factory, session):
    with unit_of_work(session_factory) as work:
        work.add(Organisation(legal_name="Committed", kind="other", country_code="FR"))
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as work:
        work.add(Organisation(legal_name="Rolled back", kind="other", country_code="FR"))
        work.flush()
        raise RuntimeError("stop")
    names = session.scalars(select(Organisation.legal_name)).all()
    assert names == ["Committed"]


def test_get_for_update_loads_a_row_with_eager_joins_or_says_it_does_not_exist(session, make_user):
    from app.db import get_for_update
    from app.errors import NotFound
    from app.partnerships.models import Partnership
    from app.users.models import Role
    from tests.builders import organisation, partnership

    created = partnership(session, make_user(Role.PROJECT_MANAGER), organisation(session))
    assert get_for_update(session, Partnership, created.id, "partnership") is created
    with pytest.raises(NotFound, match="partnership 999999 does not exist"):
        get_for_update(session, Partnership, 999_999, "partnership")


def test_the_postgresql_pool_is_sized_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """AGREEMENTS_DB_POOL_SIZE and friends reach the process-wide engine; nothing connects to build it."""
    from tests.support import clear_cached_settings

    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("AGREEMENTS_DB_POOL_SIZE", "12")
    monkeypatch.setenv("AGREEMENTS_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("AGREEMENTS_DB_POOL_TIMEOUT_SECONDS", "4.5")
    clear_cached_settings()
    try:
        pool = db.get_engine().pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (12, 3, 4.5)
    finally:
        monkeypatch.undo()
        clear_cached_settings()


def test_from_indexes_only_plans_the_block_from_index_bitmaps_then_puts_the_settings_back(session, backend):
    if backend == "sqlite":  # nothing to switch: the block runs as it is
        with db.from_indexes_only(session):
            assert session.scalar(select(func.count()).select_from(Organisation)) == 0
        return
    settings = "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), current_setting('jit')"
    before = tuple(session.execute(text(settings)).one())
    with db.from_indexes_only(session):
        assert tuple(session.execute(text(settings)).one()) == ("off", "off", "off")
        plan = "\n".join(session.scalars(text("EXPLAIN SELECT * FROM organisations WHERE id = 1")))
        assert "Bitmap" in plan and "Seq Scan" not in plan, plan
    assert tuple(session.execute(text(settings)).one()) == before
