"""Keeping obligations current from the agreement and partnership pages: fulfil, waive, reopen, and every refusal."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.obligations.models import Obligation
from app.users.models import Role
from app.web.security import FLASH_COOKIE
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.models import TransitionEvent
from tests.builders import Cast, advance, cast, database_snapshot, draft_agreement

OBLIGATION_FORM = re.compile(r'<form method="post" action="/obligations/(\d+)/transitions/(\w+)"')


def _today():
    return clock.today(get_settings().zone)


def _active_agreement(session: Session, people: Cast) -> Agreement:
    """An agreement in force (through review, approval and signature) with its obligations open."""
    agreement = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, trigger, people)
    session.commit()
    assert agreement.status == "active"
    return agreement


def _obligation(session: Session, agreement: Agreement) -> Obligation:
    return session.scalars(
        select(Obligation).where(Obligation.agreement_id == agreement.id).order_by(Obligation.id)
    ).first()


def _fresh(session: Session, obligation: Obligation) -> Obligation:
    session.expire_all()
    return session.get(Obligation, obligation.id)


def _events(session: Session, obligation: Obligation) -> int:
    stmt = select(func.count()).select_from(TransitionEvent)
    stmt = stmt.where(TransitionEvent.entity_type == "obligation", TransitionEvent.entity_id == obligation.id)
    return session.scalar(stmt)


def _rows(session: Session) -> dict:
    """Every row of every table but the sign-in tokens (a request notes when its token was last used)."""
    snapshot = database_snapshot(session)
    snapshot.pop("api_tokens")
    return snapshot


def _flash(response) -> str:
    return unquote(response.cookies.get(FLASH_COOKIE) or "")


@pytest.fixture
def people(make_user) -> Cast:
    return cast(make_user)


def test_a_manager_marks_an_obligation_fulfilled_from_the_agreement_page(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    manager = sign_in(user=people.manager)
    url = f"/agreements/{agreement.id}"

    page = manager.get(url)
    assert page.status_code == 200
    offered = set(OBLIGATION_FORM.findall(page.text))
    assert (str(obligation.id), "fulfil") in offered
    assert (str(obligation.id), "waive") in offered  # the project manager who owns the partnership may waive
    assert not {trigger for _, trigger in offered} & {"mark_overdue", "reopen", "fulfil_occurrence"}
    assert "Mark fulfilled…" in page.text and "Date it was done" in page.text and "Evidence" in page.text
    assert "Reopen" not in page.text  # only legal officers and admins may reopen; unavailable actions are not shown

    before = _events(session, obligation)
    data = {
        "fulfilled_on": _today().isoformat(),
        "evidence": "Narrative report received",
        "version": str(obligation.version),
        "next": f"{url}#obligations",
    }
    response = manager.post(f"/obligations/{obligation.id}/transitions/fulfil", data)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"{url}#obligations"
    assert "Obligation marked fulfilled" in _flash(response)

    done = _fresh(session, obligation)
    assert done.status == "fulfilled"
    assert done.fulfilled_on == _today()
    assert done.evidence_note == "Narrative report received"
    assert _events(session, obligation) == before + 1

    after = manager.get(url)
    assert "Obligation marked fulfilled" in after.text
    assert (str(obligation.id), "fulfil") not in set(OBLIGATION_FORM.findall(after.text))


def test_waiving_without_a_reason_says_so_and_writes_nothing(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    lawyer = sign_in(user=people.lawyer)
    url = f"/agreements/{agreement.id}"
    assert "Waive…" in lawyer.get(url).text
    snapshot = _rows(session)

    data = {"reason": "  ", "version": str(obligation.version), "next": f"{url}#obligations"}
    response = lawyer.post(f"/obligations/{obligation.id}/transitions/waive", data)

    assert response.status_code == 422, response.text[:500]
    assert "Waive obligation was not done" in response.text
    assert "Reason for waiving is required: why the obligation no longer applies." in response.text
    assert f'id="obligation-{obligation.id}"' in response.text and "That was not done" in response.text
    assert '<details class="disclosure obligation-action" open>' in response.text
    assert _rows(session) == snapshot
    assert _fresh(session, obligation).status == "open"

    data["reason"] = "The event was cancelled"
    waived = lawyer.post(f"/obligations/{obligation.id}/transitions/waive", data)
    assert waived.status_code == 303 and "Obligation waived" in _flash(waived)
    assert _fresh(session, obligation).status == "waived"
    assert "Waived: The event was cancelled" in lawyer.get(url).text


def test_a_refused_fulfilment_keeps_what_was_typed_and_gives_the_engine_reason(
    session: Session, people, sign_in
) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    manager = sign_in(user=people.manager)
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    snapshot = _rows(session)

    data = {"fulfilled_on": tomorrow, "evidence": "Typed evidence", "next": f"/agreements/{agreement.id}"}
    response = manager.post(f"/obligations/{obligation.id}/transitions/fulfil", data)

    assert response.status_code == 409, response.text[:500]
    assert f"The date it was done ({tomorrow}) is in the future." in response.text
    assert ">Typed evidence</textarea>" in response.text and f'value="{tomorrow}"' in response.text
    assert _rows(session) == snapshot


def test_a_stale_page_and_a_wrong_state_are_explained_in_words(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    lawyer = sign_in(user=people.lawyer)
    url = f"/obligations/{obligation.id}/transitions"
    stale_version = str(obligation.version)
    fulfil = {"fulfilled_on": _today().isoformat(), "next": f"/agreements/{agreement.id}"}
    assert lawyer.post(f"{url}/fulfil", fulfil | {"version": stale_version}).status_code == 303

    stale = lawyer.post(f"{url}/waive", {"reason": "No longer needed", "version": stale_version, "next": "/x"})
    assert stale.status_code == 412
    assert "Someone changed this obligation meanwhile" in stale.text  # shown on an error page: "/x" is no page of it

    again = lawyer.post(f"{url}/fulfil", fulfil)
    assert again.status_code == 409
    assert "It cannot be done while the obligation is fulfilled" in again.text
    assert "'fulfilled'" not in again.text

    reopen = lawyer.post(f"{url}/reopen", {"comment": "", "next": f"/agreements/{agreement.id}"})
    assert reopen.status_code == 422
    assert "Reason for reopening is required" in reopen.text
    assert _fresh(session, obligation).status == "fulfilled"
    reopened = lawyer.post(f"{url}/reopen", {"comment": "The report was incomplete"})
    assert reopened.status_code == 303 and "Obligation reopened" in _flash(reopened)
    assert _fresh(session, obligation).status == "open"


def test_the_partnership_page_offers_the_same_actions_and_comes_back_to_itself(
    session: Session, people, sign_in
) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    lawyer = sign_in(user=people.lawyer)
    url = f"/partnerships/{agreement.partnership_id}"

    page = lawyer.get(url)
    offered = set(OBLIGATION_FORM.findall(page.text))
    assert {(str(obligation.id), "fulfil"), (str(obligation.id), "waive")} <= offered
    assert f'name="next" value="{url}#obligations"' in page.text

    refused = lawyer.post(f"/obligations/{obligation.id}/transitions/waive", {"next": f"{url}#obligations"})
    assert refused.status_code == 422
    assert "<h1>" + agreement.partnership.title in refused.text.replace("<h1>\n", "<h1>")
    assert "Waive obligation was not done" in refused.text
    assert "Reason for waiving is required" in refused.text

    data = {"fulfilled_on": _today().isoformat(), "next": f"{url}#obligations"}
    response = lawyer.post(f"/obligations/{obligation.id}/transitions/fulfil", data)
    assert response.status_code == 303 and response.headers["location"] == f"{url}#obligations"
    assert _fresh(session, obligation).status == "fulfilled"


@pytest.mark.parametrize("elsewhere", ["https://evil.example/steal", "//evil.example/steal", "/\\evil.example", ""])
def test_next_pointing_elsewhere_is_ignored(session: Session, people, sign_in, elsewhere: str) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    manager = sign_in(user=people.manager)
    data = {"fulfilled_on": _today().isoformat(), "next": elsewhere}
    response = manager.post(f"/obligations/{obligation.id}/transitions/fulfil", data)
    assert response.status_code == 303
    assert response.headers["location"] == f"/agreements/{agreement.id}#obligations"


def test_a_viewer_or_a_manager_not_on_the_partnership_sees_no_action_and_is_refused(
    session: Session, people, sign_in, make_user
) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    outsiders = (make_user(Role.VIEWER), make_user(Role.PROJECT_MANAGER))
    before = _events(session, obligation)
    data = {"fulfilled_on": _today().isoformat(), "next": f"/agreements/{agreement.id}"}
    for outsider in outsiders:
        browser = sign_in(user=outsider)
        for url in (f"/agreements/{agreement.id}", f"/partnerships/{agreement.partnership_id}"):
            page = browser.get(url)
            assert page.status_code == 200
            assert obligation.description in page.text
            assert "/obligations/" not in page.text and "Mark fulfilled" not in page.text
        response = browser.post(f"/obligations/{obligation.id}/transitions/fulfil", data)
        assert response.status_code == 403
        assert "Not allowed" in response.text
    assert _events(session, obligation) == before and _fresh(session, obligation).status == "open"


def test_an_action_the_role_may_not_take_is_refused_with_the_reason(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    engine.fire(session, "obligation", obligation, "waive", Actor.person(people.lawyer), payload={"reason": "Void"})
    session.commit()
    manager = sign_in(user=people.manager)
    snapshot = _rows(session)
    response = manager.post(f"/obligations/{obligation.id}/transitions/reopen", {"comment": "Needed after all"})
    assert response.status_code == 403
    assert "only an admin or a legal officer may do this" in response.text
    assert _rows(session) == snapshot


def test_without_the_csrf_token_nothing_is_done(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    manager = sign_in(user=people.manager)
    data = {"fulfilled_on": _today().isoformat()}
    response = manager.post(f"/obligations/{obligation.id}/transitions/fulfil", data, csrf=False)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert _fresh(session, obligation).status == "open"


def test_an_unknown_obligation_or_action_is_not_found(session: Session, people, sign_in) -> None:
    agreement = _active_agreement(session, people)
    obligation = _obligation(session, agreement)
    admin = sign_in(Role.ADMIN)
    assert admin.post("/obligations/999999/transitions/fulfil", {"fulfilled_on": "2026-01-01"}).status_code == 404
    assert admin.post(f"/obligations/{obligation.id}/transitions/approve", {}).status_code == 404
    assert admin.post(f"/obligations/{obligation.id}/transitions/FULFIL", {}).status_code in {404, 422}
    assert _fresh(session, obligation).status == "open"
