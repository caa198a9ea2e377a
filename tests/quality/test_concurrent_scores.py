"""Two transactions changing the same record's inputs at once: the second waits for the first's score row, then
recomputes from what it committed; neither fails, and the stored scores end as the computation says."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine, unit_of_work
from app.organisations.schemas import ContactCreate
from app.organisations.service import add_contact
from app.quality import live, service, tracking
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.quality.conftest import complete_organisation, today
from tests.support import scratch_database


@pytest.fixture
def own_database(database_url, settings, tmp_path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database of this test's own (committed data, several connections)."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def test_two_writers_of_one_organisation_both_land_and_the_score_counts_both(own_database):
    with unit_of_work(own_database) as session:
        admin = create_user(session, UserCreate(email="admin@example.org", full_name="Admin", roles=[Role.ADMIN]),
                            actor=SET_UP)  # fmt: skip
        organisation_id = complete_organisation(session, "Alpha Relief", contacts=[]).id
    settled, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with unit_of_work(own_database) as session:
                ann = ContactCreate(name="Ann", email="ann@alpha.example.org", is_focal_point=True)
                add_contact(session, organisation_id, ann, actor=admin)
                tracking.settle(session)  # the score row is written (and, on PostgreSQL, locked), not committed
                settled.set()
                release.wait(20)
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        settled.wait(20)
        try:
            with unit_of_work(own_database) as session:
                add_contact(session, organisation_id, ContactCreate(name="Ben"), actor=admin)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert settled.wait(20)
    time.sleep(0.5)
    release.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with unit_of_work(own_database, write=False) as session:
        assert service.summary(session, today()) == live.summary(session, today())
        assert service.records_to_fix(session, today()) == live.records_to_fix(session, today())
        organisations = service.summary(session, today()).entities[0]
        counted = {check.name: check.failing for check in organisations.checks}
        assert counted["contact"] == 0 and counted["focal_point"] == 0 and counted["contact_emails"] == 1
