"""``GET /metrics``: well-formed Prometheus text with the right numbers, and only for admins or the scraper."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app import __version__, clock
from app.api.app import create_app
from app.db import make_engine
from app.monitoring.exposition import CONTENT_TYPE, Family, escape_label_value, render
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import Role
from app.workflow.models import TransitionEvent
from tests.builders import advance, assert_problem, cast, draft_agreement
from tests.monitoring.promtext import parse, series, value

METRICS_TOKEN = "scrape-me-5b1d2e"
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nope"


@pytest.fixture
def admin_headers(auth) -> dict[str, str]:
    return auth(Role.ADMIN)[1]


def scrape(client, headers) -> dict:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE
    return parse(response.text)[0]


def test_the_text_is_well_formed_with_every_family_typed(client, admin_headers):
    response = client.get("/metrics", headers=admin_headers)
    samples, types = parse(response.text)
    assert types["agreements_reminders"] == "gauge"
    assert types["agreements_transitions_total"] == "counter"
    assert types["agreements_http_requests_total"] == "counter"
    assert types["agreements_http_request_duration_seconds"] == "histogram"
    assert value(samples, "agreements_build_info", version=__version__) == 1
    assert value(samples, "agreements_database_up") == 1
    statuses = {dict(labels)["status"] for labels in series(samples, "agreements_reminders")}
    assert statuses == {status.value for status in ReminderStatus}  # all present, zero or not
    assert {"agreements_partnerships", "agreements_agreements", "agreements_reminders_due_now"} <= set(types)
    assert "agreements_reminders_oldest_due_seconds" in types


def test_label_values_are_escaped():
    text = render([Family("x_total", "counter", "Help with \\ and\nnewline").add(3, route='a"b\\c\nd')])
    assert 'route="a\\"b\\\\c\\nd"' in text
    assert escape_label_value('"') == '\\"'
    samples, _ = parse(text)
    assert value(samples, "x_total", route='a"b\\c\nd') == 3


def _reminder(session, agreement, status: ReminderStatus, send_at, n: int) -> Reminder:
    row = Reminder(
        dedupe_key=f"metrics-test-{agreement.id}-{n}",
        series=f"metrics-test-{agreement.id}",
        subject_type="agreement",
        subject_id=agreement.id,
        partnership_id=agreement.partnership_id,
        kind=ReminderKind.END_DATE,
        due_on=agreement.end_date,
        send_at=send_at,
        recipient_email=f"person{n}@example.org",
        status=status,
    )
    session.add(row)
    return row


def test_the_numbers_follow_a_built_portfolio(client, session, make_user, admin_headers):
    before = scrape(client, admin_headers)
    last_event = session.scalar(select(func.max(TransitionEvent.id))) or 0
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve"):
        advance(session, agreement, trigger, people)
    session.commit()
    middle = scrape(client, admin_headers)

    fired = Counter(
        (entity, trigger)
        for entity, trigger in session.execute(
            select(TransitionEvent.entity_type, TransitionEvent.trigger).where(TransitionEvent.id > last_event)
        )
    )
    assert fired[("agreement", "submit_for_review")] == 1 and fired[("agreement", "approve")] == 1
    assert fired[("partnership", "start_formalising")] == 1
    for labels, count in series(middle, "agreements_transitions_total").items():
        key = (dict(labels)["workflow"], dict(labels)["trigger"])
        assert count - value(before, "agreements_transitions_total", **dict(labels)) == fired[key], key
    stage_delta = {
        dict(labels)["stage"]: count - value(before, "agreements_partnerships", **dict(labels))
        for labels, count in series(middle, "agreements_partnerships").items()
    }
    assert stage_delta["formalising"] == 1 and sum(stage_delta.values()) == 1
    status_delta = {
        dict(labels)["status"]: count - value(before, "agreements_agreements", **dict(labels))
        for labels, count in series(middle, "agreements_agreements").items()
    }
    assert status_delta[agreement.status] == 1 and sum(status_delta.values()) == 1

    now = clock.now()
    plan = [
        (ReminderStatus.PLANNED, now - timedelta(days=3)),  # the stuck one: three days late
        (ReminderStatus.PLANNED, now - timedelta(minutes=5)),
        (ReminderStatus.PLANNED, now + timedelta(days=2)),
        (ReminderStatus.FAILED, now - timedelta(days=1)),
        (ReminderStatus.SENT, now - timedelta(days=1)),
        (ReminderStatus.SENT, now - timedelta(days=2)),
    ]
    for n, (status, send_at) in enumerate(plan):
        _reminder(session, agreement, status, send_at, n)
    session.commit()
    after = scrape(client, admin_headers)
    for status in ReminderStatus:
        delta = value(after, "agreements_reminders", status=status) - value(
            middle, "agreements_reminders", status=status
        )
        assert delta == sum(1 for planned, _ in plan if planned is status), status
    assert value(after, "agreements_reminders_due_now") - value(middle, "agreements_reminders_due_now") == 2
    late = value(after, "agreements_reminders_oldest_due_seconds")
    assert 3 * 86400 <= late < 3 * 86400 + 120


def test_http_counters_move_by_route_template(client, session, make_user, admin_headers):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    pid = agreement.partnership_id
    for _ in range(2):
        assert client.get(f"/api/v1/partnerships/{pid}", headers=admin_headers).status_code == 200
    assert client.get("/api/v1/partnerships/987654321", headers=admin_headers).status_code == 404
    samples = scrape(client, admin_headers)
    route = "/api/v1/partnerships/{partnership_id}"
    assert value(samples, "agreements_http_requests_total", method="GET", route=route, status="200") == 2
    assert value(samples, "agreements_http_requests_total", method="GET", route=route, status="404") == 1
    routes = {dict(labels)["route"] for labels in series(samples, "agreements_http_requests_total")}
    assert not any(re.search(r"/\d+(/|$)", r) for r in routes), routes  # templates, never raw paths
    assert value(samples, "agreements_http_request_duration_seconds_count", method="GET", route=route) == 3
    buckets = sorted(
        (float(dict(labels)["le"].replace("+Inf", "inf")), count)
        for labels, count in series(samples, "agreements_http_request_duration_seconds_bucket").items()
        if dict(labels)["route"] == route
    )
    assert buckets[-1] == (float("inf"), 3)
    assert [count for _, count in buckets] == sorted(count for _, count in buckets)  # cumulative
    assert value(samples, "agreements_http_request_duration_seconds_sum", method="GET", route=route) > 0
    assert client.get("/no/such/page/123").status_code == 404
    later = scrape(client, admin_headers)
    assert value(later, "agreements_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert value(later, "agreements_http_requests_total", method="GET", route="/metrics", status="200") == 1


def test_no_token_is_a_401_challenge(client):
    response = client.get("/metrics")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "agreements_" not in response.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER])
def test_a_non_admin_token_is_refused(client, auth, role):
    response = client.get("/metrics", headers=auth(role)[1])
    assert_problem(response, 403)
    assert "agreements_" not in response.text


def test_an_unknown_token_is_a_401(client):
    assert_problem(client.get("/metrics", headers={"Authorization": "Bearer agr_nottherealone"}), 401)


@pytest.fixture
def scraper(settings, session_factory):
    configured = settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    with TestClient(create_app(configured, session_factory), raise_server_exceptions=False) as client:
        yield client


def test_the_metrics_token_opens_the_metrics(scraper, client):
    samples = scrape(scraper, {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert value(samples, "agreements_database_up") == 1
    assert_problem(scraper.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"}), 401)
    assert_problem(scraper.get("/metrics", headers={"Authorization": "Bearer \xe9-not-ascii".encode("latin-1")}), 401)
    # Without the setting, the same secret is just an unknown token.
    assert_problem(client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}), 401)
    # The metrics token opens /metrics only, not the API.
    assert_problem(scraper.get("/api/v1/me", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}), 401)


def test_a_database_that_is_down_is_reported_not_hidden(settings):
    configured = settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    engine = make_engine(UNREACHABLE, connect_args={"connect_timeout": 5})
    try:
        with TestClient(create_app(configured, sessionmaker(bind=engine)), raise_server_exceptions=False) as client:
            samples = scrape(client, {"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert value(samples, "agreements_database_up") == 0
            assert value(samples, "agreements_build_info", version=__version__) == 1
            assert not series(samples, "agreements_reminders")
            # An admin token cannot be checked without the database: unavailable, not allowed nor refused.
            assert_problem(client.get("/metrics", headers={"Authorization": "Bearer agr_whatever"}), 503)
    finally:
        engine.dispose()
