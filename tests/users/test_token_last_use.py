"""Noting a token's last use never fails a read: the 503s right after ``agreements serve`` started (issue 18 #22).

On SQLite a read transaction that starts writing fails at once ("database is locked") when another connection
committed since it began, as the scheduler's start-up jobs and the other first requests do.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
