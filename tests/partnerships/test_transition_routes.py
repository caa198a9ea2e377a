"""Stage changes over HTTP: what is available and why not, firing a trigger, and the history."""

from __future__ import annotations

from app.users.models import Role
from app.workflow.actor import Actor
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1/partnerships"


def test_available_fire_and_history(client, session, auth):
    manager, headers = auth(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session))

    options = {o["trigger"]: o for o in client.get(f"{API}/{created.id}/transitions", headers=headers).json()["items"]}
    assert options["go_dormant"] == {
        "trigger": "go_dormant",
        "dest": "dormant",
        "allowed": True,
        "reasons": [],
        "comment_required": False,
        "payload": [],
    }
    assert options["record_undertaking"]["allowed"] is False
    assert options["record_undertaking"]["reasons"] == ["no undertaking in principle has been recorded"]

    fired = client.post(
        f"{API}/{created.id}/transitions/go_dormant",
        json={"comment": "Quiet year"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert fired.status_code == 200, fired.text
    assert fired.json()["stage"] == "dormant"
    assert fired.headers["ETag"] == f'"{fired.json()["version"]}"'

    history = client.get(f"{API}/{created.id}/history", headers=headers).json()["items"]
    assert [(e["from_state"], e["to_state"], e["trigger"]) for e in history] == [
        (None, "ad_hoc", "create"),
        ("ad_hoc", "dormant", "go_dormant"),
    ]
    assert history[-1]["actor_id"] == manager.id and history[-1]["comment"] == "Quiet year"


def test_a_blocked_transition_names_its_reasons(client, session, auth):
    manager, headers = auth(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session))
    response = client.post(f"{API}/{created.id}/transitions/record_undertaking", json={}, headers=headers)
    body = assert_problem(response, 409, "trigger")
    assert body["errors"] == [{"field": "trigger", "reason": "no undertaking in principle has been recorded"}]


def test_someone_elses_partnership_cannot_be_moved(client, session, auth, make_user):
    owner = make_user(Role.PROJECT_MANAGER)
    created = partnership(session, owner, organisation(session))
    _, other_headers = auth(Role.PROJECT_MANAGER)
    response = client.post(f"{API}/{created.id}/transitions/go_dormant", json={}, headers=other_headers)
    assert_problem(response, 403)
    assert client.get(f"{API}/{created.id}", headers=other_headers).json()["stage"] == "ad_hoc"


def test_stage_on_a_past_date(session, make_user):
    from datetime import UTC, datetime, timedelta

    from app import clock
    from app.partnerships.service import stage_on
    from app.workflow import engine

    manager = make_user(Role.PROJECT_MANAGER)
    opened_at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    with clock.frozen_at(opened_at):
        created = partnership(session, manager, organisation(session))
    with clock.frozen_at(opened_at + timedelta(days=30)):
        engine.fire(session, "partnership", created, "go_dormant", Actor.person(manager))
    with clock.frozen_at(opened_at + timedelta(days=60)):
        engine.fire(session, "partnership", created, "revive", Actor.person(manager))
    session.commit()
    assert stage_on(session, created.id, opened_at - timedelta(seconds=1)) is None
    assert stage_on(session, created.id, opened_at + timedelta(days=1)) == "ad_hoc"
    assert stage_on(session, created.id, opened_at + timedelta(days=45)) == "dormant"
    assert stage_on(session, created.id, opened_at + timedelta(days=90)) == "ad_hoc"


def test_stage_on_a_day_over_http(client, session, auth):
    from datetime import datetime, time, timedelta

    from app import clock
    from app.config import get_settings

    manager, headers = auth(Role.PROJECT_MANAGER)
    zone = get_settings().zone
    opened = datetime.combine(clock.today(zone) - timedelta(days=10), time(23, 30), tzinfo=zone)
    with clock.frozen_at(opened):
        created = partnership(session, manager, organisation(session))
    with clock.frozen_at(opened + timedelta(days=2)):
        engine_fire = client.post(f"{API}/{created.id}/transitions/go_dormant", json={}, headers=headers)
        assert engine_fire.status_code == 200
    day = opened.date()
    asked = {d: client.get(f"{API}/{created.id}/stage", params={"on": d.isoformat()}, headers=headers).json()
             for d in (day - timedelta(days=1), day, day + timedelta(days=1), day + timedelta(days=2))}  # fmt: skip
    assert [a["stage"] for a in asked.values()] == [None, "ad_hoc", "ad_hoc", "dormant"]
    assert_problem(client.get(f"{API}/{created.id}/stage", params={"on": "2026-02-30"}, headers=headers), 422, "on")
