"""Noting a token's last use never fails a read: the 503s right after ``agreements serve`` started (issue 18 #22).

On SQLite a read transaction that starts writing fails at once ("database is locked") when another connection
committed since it began, as the scheduler's start-up jobs and the other first requests do.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app import clock
from app.db import make_engine, unit_of_work
from app.users.models import ApiToken, Role, User
from app.users.schemas import UserCreate
from app.users.service import authenticate_token, create_token, create_user
from app.workflow.actor import Actor
from tests.support import migrated_scratch_database


def test_a_read_notes_the_token_use_even_when_another_writer_committed_meanwhile(
    database_url: str, tmp_path: Path
) -> None:
    with migrated_scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            system = Actor.system(reason="test")
            with unit_of_work(factory) as session:
                reader = create_user(
                    session, UserCreate(email="r@x.org", full_name="R", roles=[Role.VIEWER]), actor=system
                )
                token, secret = create_token(session, reader, "t")
            with unit_of_work(factory, write=False) as read:  # a GET's transaction
                assert read.scalar(select(User.id).where(User.id == reader.id)) == reader.id  # its snapshot begins
                with unit_of_work(factory) as other:  # e.g. the scheduler's first job, or another first request
                    create_user(other, UserCreate(email="o@x.org", full_name="O", roles=[Role.VIEWER]), actor=system)
                assert authenticate_token(read, secret).id == reader.id
            with unit_of_work(factory, write=False) as session:
                used = session.get(ApiToken, token.id).last_used_at
            assert used is not None and abs(used - clock.now()) < timedelta(minutes=1)
        finally:
            engine.dispose()


@pytest.mark.postgresql_only  # row locks held by a reader are PostgreSQL's; SQLite serialises writers by design
def test_requests_sharing_a_token_never_wait_for_each_other_to_note_its_use(database_url: str, tmp_path: Path) -> None:
    """The use is noted apart from the request: a request holding the token's row (a long report, say) does not
    make the next request with the same token wait for it; the next one skips the row, and the hint is kept."""
    with migrated_scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url, connect_args={"options": "-c lock_timeout=5000"})
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            with unit_of_work(factory) as session:
                person = UserCreate(email="i@x.org", full_name="I", roles=[Role.VIEWER])
                user = create_user(session, person, actor=Actor.system(reason="test"))
                token, secret = create_token(session, user, "integration")
            with unit_of_work(factory) as holder:  # another request that locked the token's row and is still busy
                holder.execute(select(ApiToken.id).where(ApiToken.id == token.id).with_for_update())
                with unit_of_work(factory, write=False) as request:
                    assert authenticate_token(request, secret).id == user.id  # no lock wait: lock_timeout not hit
            with unit_of_work(factory) as session:
                assert authenticate_token(session, secret).id == user.id  # the row free again: the use is noted
            with unit_of_work(factory, write=False) as session:
                assert session.get(ApiToken, token.id).last_used_at is not None
        finally:
            engine.dispose()


@pytest.mark.postgresql_only  # SQLite records the use apart: a read transaction there cannot start writing
def test_noting_a_use_takes_no_second_connection_from_the_pool(database_url: str, tmp_path: Path) -> None:
    """Each request holds one connection: noting the token's use must not wait for another (a full pool froze)."""
    with migrated_scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.5)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            with unit_of_work(factory) as session:
                person = UserCreate(email="p@x.org", full_name="P", roles=[Role.VIEWER])
                user = create_user(session, person, actor=Actor.system(reason="test"))
                _, secret = create_token(session, user, "integration")
            with unit_of_work(factory, write=False) as request:  # the pool's only connection
                assert authenticate_token(request, secret).id == user.id
            with unit_of_work(factory, write=False) as session:
                assert session.scalar(select(ApiToken.last_used_at)) is not None
        finally:
            engine.dispose()
