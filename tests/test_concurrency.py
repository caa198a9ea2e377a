"""Real concurrent sessions on the backend under test: two conflicting transitions, exactly one wins.

These tests use a database of their own (committed data, several connections), unlike the rolled-back
transaction of the other tests.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.agreements.models import Agreement
from app.api.app import create_app
from app.db import get_for_update, make_engine, unit_of_work
from app.users.models import User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.engine import TransitionNotAllowed
from app.workflow.models import TransitionEvent
from tests.builders import SET_UP, Cast, advance, cast, draft_agreement, ensure_screening_list
from tests.support import scratch_database

API = "/api/v1"
_emails = itertools.count()


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database of this test's own."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def _people(session: Session) -> Cast:
    def make_user(*roles):
        email = f"concurrent{next(_emails)}@example.org"
        return create_user(session, UserCreate(email=email, full_name="Concurrent", roles=list(roles)), actor=SET_UP)

    return cast(make_user)


def _in_review(live: sessionmaker[Session], count: int) -> tuple[Cast, list[int]]:
    with unit_of_work(live) as session:
        ensure_screening_list(session)  # approval needs a sanctions list (issue 21)
        people = _people(session)
        ids = []
        for _ in range(count):
            agreement = draft_agreement(session, people)
            advance(session, agreement, "submit_for_review", people)
            ids.append(agreement.id)
    return people, ids


def _events(live: sessionmaker[Session], agreement_id: int, trigger: str) -> int:
    with unit_of_work(live, write=False) as session:
        stmt = select(func.count()).where(
            TransitionEvent.entity_type == "agreement",
            TransitionEvent.entity_id == agreement_id,
            TransitionEvent.trigger == trigger,
        )
        return session.scalar(stmt)


def _fire(live, agreement_id: int, trigger: str, user_id: int, comment: str | None = None) -> None:
    with unit_of_work(live) as session:
        actor = session.get(User, user_id)
        agreement = get_for_update(session, Agreement, agreement_id, "agreement")
        engine.fire(session, "agreement", agreement, trigger, Actor.person(actor), comment)


def test_a_conflicting_transition_waits_for_the_first_and_is_then_refused(live):
    people, (agreement_id,) = _in_review(live, 1)
    approved, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def approve() -> None:
        with unit_of_work(live) as session:
            actor = session.get(User, people.second_lawyer.id)
            agreement = get_for_update(session, Agreement, agreement_id, "agreement")
            engine.fire(session, "agreement", agreement, "approve", Actor.person(actor))
            approved.set()
            release.wait(20)  # hold the lock, uncommitted, while the other transaction tries

    def request_changes() -> None:
        approved.wait(20)
        try:
            _fire(live, agreement_id, "request_changes", people.lawyer.id, "Fix clause 4")
            outcome["second"] = "fired"
        except TransitionNotAllowed as exc:
            outcome["second"] = exc

    threads = [threading.Thread(target=approve), threading.Thread(target=request_changes)]
    for thread in threads:
        thread.start()
    assert approved.wait(20)
    time.sleep(0.5)
    assert threads[1].is_alive(), "the second transition should wait for the first one's lock"
    release.set()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcome["second"], TransitionNotAllowed)
    assert "that is approved;" in outcome["second"].detail
    assert (_events(live, agreement_id, "approve"), _events(live, agreement_id, "request_changes")) == (1, 0)


def _clients(live, settings) -> tuple[TestClient, TestClient]:
    app = create_app(settings, live)
    return TestClient(app, raise_server_exceptions=False), TestClient(app, raise_server_exceptions=False)


def _token(live, user_id: int) -> dict[str, str]:
    with unit_of_work(live) as session:
        _, secret = create_token(session, session.get(User, user_id), "concurrency")
    return {"Authorization": f"Bearer {secret}"}


def _together(*calls):
    """Run the calls at the same instant from several threads; their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(20)
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_over_http_exactly_one_of_two_conflicting_transitions_wins(live, settings):
    people, ids = _in_review(live, 8)
    approver, reviewer = _token(live, people.second_lawyer.id), _token(live, people.lawyer.id)
    first, second = _clients(live, settings)
    with first, second:
        for agreement_id in ids:
            url = f"{API}/agreements/{agreement_id}/transitions"
            approve, changes = _together(
                lambda url=url: first.post(f"{url}/approve", json={}, headers=approver),
                lambda url=url: second.post(f"{url}/request_changes", json={"comment": "Clause 4"}, headers=reviewer),
            )
            codes = sorted([approve.status_code, changes.status_code])
            assert codes == [200, 409], (approve.text, changes.text)
            loser = changes if approve.status_code == 200 else approve
            assert loser.headers["content-type"].startswith("application/problem+json")
            fired = _events(live, agreement_id, "approve") + _events(live, agreement_id, "request_changes")
            assert fired == 1


def test_over_http_a_retry_racing_the_original_is_answered_once(live, settings):
    people, ids = _in_review(live, 5)
    approver = _token(live, people.second_lawyer.id)
    first, second = _clients(live, settings)
    with first, second:
        for agreement_id in ids:
            url = f"{API}/agreements/{agreement_id}/transitions/approve"
            headers = {**approver, "Idempotency-Key": f"approve-{agreement_id}"}
            one, two = _together(
                lambda url=url, headers=headers: first.post(url, json={}, headers=headers),
                lambda url=url, headers=headers: second.post(url, json={}, headers=headers),
            )
            assert (one.status_code, two.status_code) == (200, 200), (one.text, two.text)
            assert one.json() == two.json()
            assert [r.headers.get("Idempotent-Replayed") for r in (one, two)].count("true") == 1
            assert _events(live, agreement_id, "approve") == 1
