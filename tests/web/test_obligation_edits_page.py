"""The agreement page edits and deletes the obligations of a draft, and says why a late due date is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.obligations.models import Obligation
from tests.builders import advance, cast, draft_agreement


def test_a_draft_s_obligation_is_edited_and_deleted_from_the_agreement_page(session, make_user, sign_in):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    obligation = session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()
    browser = sign_in(user=people.manager)
    page = browser.get(f"/agreements/{agreement.id}").text
    assert (
        f'action="/obligations/{obligation.id}/edit"' in page
        and f'action="/obligations/{obligation.id}/delete"' in page
    )

    late = (agreement.end_date + timedelta(days=10)).isoformat()
    form = {"description": "Final report", "due_date": late, "version": str(obligation.version)}
    refused = browser.post(f"/obligations/{obligation.id}/edit", form)
    assert refused.status_code == 422 and "after the agreement&#39;s end date" in refused.text
    saved = browser.post(f"/obligations/{obligation.id}/edit", form | {"survives_termination": "on"})
    assert saved.status_code == 303
    session.expire_all()
    assert (
        session.get(Obligation, obligation.id).description,
        str(session.get(Obligation, obligation.id).due_date),
    ) == (
        "Final report",
        late,
    )
    obligation_id = obligation.id
    assert browser.post(f"/obligations/{obligation_id}/delete", {}).status_code == 303
    session.expire_all()
    assert session.scalar(select(Obligation).where(Obligation.id == obligation_id)) is None


def test_the_edit_forms_are_gone_once_the_agreement_is_submitted(session, make_user, sign_in):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    advance(session, agreement, "submit_for_review", people)
    session.commit()
    obligation = session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()
    browser = sign_in(user=people.manager)
    assert (
        "/edit"
        not in browser.get(f"/agreements/{agreement.id}").text.split('id="obligations"')[1].split("</section>")[0]
    )
    refused = browser.post(f"/obligations/{obligation.id}/delete", {})
    assert refused.status_code == 409 and "draft" in refused.text
