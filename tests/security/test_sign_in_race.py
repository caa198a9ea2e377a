"""Concurrent wrong passwords for one account, on the backend under test: no more are checked than the limit.

Before, the failures were rows counted after the fact in the request's transaction: on PostgreSQL twenty
simultaneous attempts all read "no failure yet" and 16 to 19 of them were checked against a limit of 5. The
attempt is now counted, under locked counter rows, and committed before the password is checked.

These tests use a database of their own (committed data, several connections).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app import clock, migrate
from app.api.app import create_app
from app.db import make_engine, unit_of_work
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.security import sign_in_fixtures
from tests.security.sign_in_fixtures import PASSWORD, START, TOKEN
from tests.support import scratch_database

THREADS = 20
LIMIT = 5  # Settings.sign_in_free_failures, by default
argon2_checks = sign_in_fixtures.argon2_checks


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database of this test's own."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def _all_at_once(calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(30)
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.parametrize("same_address", [False, True], ids=["from-20-addresses", "from-one-address"])
def test_twenty_simultaneous_wrong_passwords_check_no_more_than_the_limit(live, settings, argon2_checks, same_address):
    with unit_of_work(live) as session:
        create_user(session, UserCreate(email="raced@example.org", full_name="Raced", roles=[Role.VIEWER],
                                        password=PASSWORD), actor=SET_UP)  # fmt: skip
    app = create_app(settings, live)
    clients = [
        TestClient(app, raise_server_exceptions=False, client=("192.0.2.1" if same_address else f"198.18.0.{n}", 4000))
        for n in range(1, THREADS + 1)
    ]
    argon2_checks.clear()
    with clock.frozen_at(START):
        answers = _all_at_once(
            [lambda c=c: c.post(TOKEN, json={"email": "raced@example.org", "password": "wrong"}) for c in clients]
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [401] * LIMIT + [429] * (THREADS - LIMIT), statuses
        assert len(argon2_checks) == LIMIT
        assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)
        # The right password, at the same instant, from a new address: still refused (the account must wait).
        late = TestClient(app, raise_server_exceptions=False, client=("198.51.100.99", 4000))
        assert late.post(TOKEN, json={"email": "raced@example.org", "password": PASSWORD}).status_code == 429
