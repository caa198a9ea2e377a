"""Sign-in under attack (issue 16, item 3): it tells nothing, slows guessing down, and locks nobody out.

Each test reproduces an attack that worked before: account enumeration by time, locking a user out by failing
from elsewhere, a flat 15-minute lock instead of back-off, ``X-Forwarded-For`` believed from any loopback
peer, no word to the administrators, and what was typed as the e-mail kept in plain text. The race of
concurrent attempts is in ``test_sign_in_race.py``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from argon2 import extract_parameters
from fastapi.testclient import TestClient
from sqlalchemy import select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import clock
from app.api.app import create_app
from app.audit.models import AuditEntry
from app.monitoring.logs import uvicorn_options
from app.reminders.dispatcher import _build
from app.reminders.models import Reminder
from app.users.models import Role
from app.web.security import SIGN_IN_CSRF_COOKIE
from tests.builders import assert_problem
from tests.security import sign_in_fixtures
from tests.security.sign_in_fixtures import PASSWORD, START

site, person, argon2_checks = sign_in_fixtures.site, sign_in_fixtures.person, sign_in_fixtures.argon2_checks
FREE_FAILURES = 5  # Settings.sign_in_free_failures, by default

# Timing ---------------------------------------------------------------------------------------------------


def test_every_failure_costs_one_argon2_check_and_reads_the_same(site, person, argon2_checks):
    known = person("known@example.org")
    person("gone@example.org", active=False)
    person("nopassword@example.org", password=None)
    cases = {
        "unknown e-mail": ("nobody@example.org", PASSWORD),
        "wrong password": ("known@example.org", "not the password"),
        "deactivated": ("gone@example.org", PASSWORD),
        "no password set": ("nopassword@example.org", PASSWORD),
    }
    answers = {}
    for n, (label, (email, password)) in enumerate(cases.items()):
        argon2_checks.clear()
        with clock.frozen_at(START + timedelta(hours=n)):
            body = assert_problem(site.sign_in(f"192.0.2.{n + 1}", email, password), 401)
        assert len(argon2_checks) == 1, f"{label}: {len(argon2_checks)} Argon2 checks"
        # The stand-in hash costs what a real one does: same algorithm and parameters.
        assert extract_parameters(argon2_checks[0]) == extract_parameters(known.password_hash), label
        answers[label] = (body["status"], body["title"], body["detail"])
    assert len(set(answers.values())) == 1, answers


# Lock-out of a real user ------------------------------------------------------------------------------------


def test_fifty_failures_from_elsewhere_hold_the_user_back_at_most_the_account_cap(site, person, settings):
    person("victim@example.org", Role.ADMIN)
    at = START
    for _ in range(50):
        with clock.frozen_at(at):
            site.sign_in("203.0.113.66", "victim@example.org", "guess")
        at += timedelta(seconds=1)
    waited = 0
    with clock.frozen_at(at):
        answer = site.sign_in("198.51.100.7", "victim@example.org", PASSWORD)
    if answer.status_code == 429:
        assert_problem(answer, 429)
        waited = int(answer.headers["Retry-After"])
        with clock.frozen_at(at + timedelta(seconds=waited)):
            answer = site.sign_in("198.51.100.7", "victim@example.org", PASSWORD)
    assert answer.status_code == 201, answer.text
    assert waited <= settings.sign_in_account_max_delay_seconds


def test_from_an_address_used_lately_the_user_gets_in_while_the_attack_goes_on(site, person):
    person("target@example.org")
    with clock.frozen_at(START - timedelta(days=1)):
        assert site.sign_in("198.51.100.8", "target@example.org", PASSWORD).status_code == 201
    for second in range(300):  # one failure a second, each from a new address
        with clock.frozen_at(START + timedelta(seconds=second)):
            site.sign_in(f"10.0.{second // 256}.{second % 256}", "target@example.org", "guess")
            if second % 30 == 29:
                answer = site.sign_in("198.51.100.8", "target@example.org", PASSWORD)
                assert answer.status_code == 201, (second, answer.text)


# Back-off --------------------------------------------------------------------------------------------------


def test_waits_double_from_one_address_up_to_the_cap_and_are_forgotten_later(site, person, settings):
    person("typo@example.org")
    at = START
    with clock.frozen_at(at):
        for _ in range(FREE_FAILURES):
            assert site.sign_in("192.0.2.50", "typo@example.org", "wrong").status_code == 401
    waits = []
    for _ in range(11):
        with clock.frozen_at(at):
            refused = site.sign_in("192.0.2.50", "typo@example.org", "wrong")
        assert_problem(refused, 429)
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        with clock.frozen_at(at + timedelta(seconds=wait) - timedelta(milliseconds=500)):
            early = site.sign_in("192.0.2.50", "typo@example.org", "wrong")  # refused, and the wait is not extended
        assert early.status_code == 429 and early.headers["Retry-After"] == "1"
        at += timedelta(seconds=wait)
        with clock.frozen_at(at):
            assert site.sign_in("192.0.2.50", "typo@example.org", "wrong").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    later = at + timedelta(seconds=300) + timedelta(minutes=16)  # quiet for longer than failures are remembered
    with clock.frozen_at(later):
        assert site.sign_in("192.0.2.50", "typo@example.org", "wrong").status_code == 401
        assert site.sign_in("192.0.2.50", "typo@example.org", PASSWORD).status_code == 201


def test_the_page_says_how_long_to_wait_and_that_nothing_is_locked(site, person):
    person("page@example.org")
    browser = site.client("192.0.2.60")
    with clock.frozen_at(START):
        for _ in range(FREE_FAILURES + 1):
            browser.get("/sign-in")
            answer = browser.post(
                "/sign-in",
                data={
                    "email": "page@example.org",
                    "password": "wrong",
                    "csrf_token": browser.cookies[SIGN_IN_CSRF_COOKIE],
                },
            )
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins. For your security, wait 1 second before trying again" in answer.text
    assert "no account is locked" in answer.text and 'value="page@example.org"' in answer.text


# X-Forwarded-For --------------------------------------------------------------------------------------------


def _as_served(app, settings):
    """The ASGI stack ``agreements serve`` runs: uvicorn's own proxy-header handling as its options say, then ours."""
    options = uvicorn_options(settings)
    if options.get("proxy_headers", True):  # uvicorn's default
        return ProxyHeadersMiddleware(app, trusted_hosts=options.get("forwarded_allow_ips") or "127.0.0.1")
    return app


def test_x_forwarded_for_from_an_untrusted_loopback_peer_does_not_escape_the_limit(site, settings):
    tight = {"sign_in_free_failures_per_client": 3}
    attacker = TestClient(_as_served(site.app(**tight), settings), raise_server_exceptions=False,
                          client=("127.0.0.1", 40000))  # fmt: skip
    statuses = []
    with clock.frozen_at(START):
        for n in range(4):  # a new account and a new made-up address each time
            answer = attacker.post(
                "/api/v1/auth/token",
                json={"email": f"sprayed{n}@example.org", "password": "guess"},
                headers={"X-Forwarded-For": f"198.18.0.{n + 1}", "X-Forwarded-Proto": "https"},
            )
            statuses.append(answer.status_code)
        page = attacker.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert statuses == [401, 401, 401, 429]
    assert "secure" not in page.headers["set-cookie"].lower()  # the scheme is not believed either


def test_x_forwarded_for_from_a_trusted_proxy_names_the_nearest_untrusted_client(site, settings):
    tight = {"sign_in_free_failures_per_client": 3, "trusted_proxies": ["10.0.0.0/8"]}
    proxy = TestClient(_as_served(site.app(**tight), settings), raise_server_exceptions=False,
                       client=("10.1.2.3", 40000))  # fmt: skip

    def attempt(n: int, chain: str) -> int:
        body = {"email": f"behind{n}@example.org", "password": "guess"}
        return proxy.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": chain}).status_code

    with clock.frozen_at(START):
        # The client writes made-up hops on the left; the proxies append the real one on the right.
        spoofed = [attempt(n, f"6.6.6.{n}, 198.51.100.20, 10.9.9.9") for n in range(4)]
        other = attempt(9, "198.51.100.21")
        page = proxy.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert spoofed == [401, 401, 401, 429] and other == 401
    assert "secure" in page.headers["set-cookie"].lower()


def test_forwarded_client_rules():
    from app.api.proxies import forwarded_client, parse_networks

    trusted = parse_networks(["127.0.0.1", "10.0.0.0/8", "::1"])
    assert forwarded_client("203.0.113.5", ["1.2.3.4"], trusted) == "203.0.113.5"
    assert forwarded_client("127.0.0.1", ["1.2.3.4"], trusted) == "1.2.3.4"
    assert forwarded_client("::ffff:127.0.0.1", ["1.2.3.4, 10.0.0.2"], trusted) == "1.2.3.4"
    assert forwarded_client("127.0.0.1", ["6.6.6.6, 1.2.3.4", "10.0.0.7"], trusted) == "1.2.3.4"
    assert forwarded_client("127.0.0.1", ["1.2.3.4, not-an-address"], trusted) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["10.0.0.5"], trusted) == "10.0.0.5"  # everyone trusted: the first
    assert forwarded_client("127.0.0.1", [], trusted) == "127.0.0.1"


# Alerts and what is kept -------------------------------------------------------------------------------------

ALERTS = {"sign_in_alert_failures": 8, "sign_in_alert_account_failures": 4, "sign_in_alert_window_minutes": 10}


def _alerts(session) -> list[Reminder]:
    return list(session.scalars(select(Reminder).where(Reminder.kind == "sign_in_alert").order_by(Reminder.id)))


def test_administrators_hear_of_a_burst_once_per_window(site, person, session):
    admins = [person("admin1@example.org", Role.ADMIN), person("admin2@example.org", Role.ADMIN)]
    person("former@example.org", Role.ADMIN, active=False)
    victim = person("victim@example.org", Role.VIEWER)
    with clock.frozen_at(START + timedelta(minutes=1)):
        for _ in range(12):  # five checked, seven refused: all twelve are failures
            site.sign_in("203.0.113.9", "victim@example.org", "guess", **ALERTS)
    alerts = _alerts(session)
    scopes = sorted((a.subject_type, a.subject_id, a.recipient_email) for a in alerts)
    assert scopes == sorted(
        [(kind, who, admin.email) for admin in admins for kind, who in (("sign_in_account", victim.id),
                                                                        ("sign_in_all", 0))]
    )  # fmt: skip
    assert {a.send_at for a in alerts} == {START + timedelta(minutes=1)} and {a.status for a in alerts} == {"planned"}

    with clock.frozen_at(START + timedelta(minutes=9)):  # same window: more failures, no more alerts
        for n in range(10):
            site.sign_in(f"203.0.113.{20 + n}", f"other{n}@example.org", "guess", **ALERTS)
    assert len(_alerts(session)) == 4
    with clock.frozen_at(START + timedelta(minutes=11)):  # the next window: a new burst, a new alert
        for n in range(8):
            site.sign_in(f"203.0.114.{n}", f"next{n}@example.org", "guess", **ALERTS)
    assert [a.subject_type for a in _alerts(session)[4:]] == ["sign_in_all", "sign_in_all"]


def test_what_was_typed_as_the_email_is_neither_kept_nor_logged_nor_sent(site, person, session, caplog):
    person("admin@example.org", Role.ADMIN)
    typed = "Hunter2-Secret!"  # a password typed in the e-mail box
    with caplog.at_level(logging.DEBUG), clock.frozen_at(START):
        for n in range(6):
            site.sign_in(f"198.51.100.{n + 1}", typed, "Hunter2-Secret!", **ALERTS)
    stored = session.execute(select(AuditEntry.changes)).scalars().all()
    assert typed.lower() not in str(stored).lower()
    from app.users.models import SignInThrottle  # the counters that replaced the attempt log

    assert not any(typed.lower() in key.lower() for key in session.scalars(select(SignInThrottle.key)))
    (alert,) = [a for a in _alerts(session) if a.subject_type == "sign_in_account"]
    email = _build(site.session_factory, [alert.id], site.settings, START)[alert.id]
    text = email.get_body(("plain",)).get_content()
    assert "an account name that does not exist" in text and "failed sign-ins" in email["Subject"]
    assert typed.lower() not in email.as_string().lower()
    assert typed.lower() not in caplog.text.lower() and "sign-in alert" in caplog.text


def test_the_alert_names_an_existing_account(site, person, session):
    person("admin@example.org", Role.ADMIN)
    person("finance@example.org", Role.VIEWER)
    with clock.frozen_at(START):
        for n in range(4):
            site.sign_in(f"198.51.100.{n + 1}", "Finance@Example.org ", "guess", **ALERTS)
    (alert,) = _alerts(session)
    email = _build(site.session_factory, [alert.id], site.settings, START)[alert.id]
    assert "for the account finance@example.org" in email.get_body(("plain",)).get_content()
    assert email["To"] == "admin@example.org" and email["Auto-Submitted"] == "auto-generated"


def test_served_app_believes_no_proxy_by_default(settings, session_factory):
    app = create_app(settings, session_factory)
    assert settings.trusted_proxies == [] and uvicorn_options(settings)["proxy_headers"] is False
    assert app.user_middleware[0].cls.__name__ == "TrustedProxyMiddleware"  # outermost: logs see the real client


def test_an_alert_that_could_not_be_sent_shows_on_the_admins_dashboard_as_what_it_is(site, person, session):
    from app.users.service import create_token
    from app.web.security import SESSION_COOKIE

    admin = person("admin@example.org", Role.ADMIN)
    person("finance@example.org", Role.VIEWER)
    with clock.frozen_at(START):
        for n in range(4):
            site.sign_in(f"198.51.100.{n + 1}", "finance@example.org", "guess", **ALERTS)
    (alert,) = _alerts(session)
    alert.status, alert.last_error = "failed", "relay refused"
    _, secret = create_token(session, admin, "dashboard")
    session.commit()
    browser = site.client("192.0.2.200")
    browser.cookies.set(SESSION_COOKIE, secret)
    page = browser.get("/dashboard").text
    assert "a burst of failed sign-ins" in page and "relay refused" in page and "no longer exists" not in page
