"""The agreement page offers a courtesy translation of the signed version to those who may edit the partnership:
a new, not binding version bound to the signed text's hash; refusals come back as a flash, nothing is written."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import DocumentVersion
from app.users.models import Role
from tests.builders import cast, signed_generated_agreement


def _versions(session: Session, agreement_id: int) -> list[DocumentVersion]:
    session.expire_all()
    stmt = select(DocumentVersion).where(DocumentVersion.agreement_id == agreement_id).order_by(DocumentVersion.number)
    return list(session.scalars(stmt))


def test_the_owner_renders_a_courtesy_translation_from_the_agreement_page(session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement, number = signed_generated_agreement(session, people)
    signed = next(v for v in _versions(session, agreement.id) if v.number == number)
    owner = sign_in(user=people.manager)
    page = owner.get(f"/agreements/{agreement.id}")
    action = f"/agreements/{agreement.id}/versions/{number}/translations"
    assert page.status_code == 200 and action in page.text
    assert '<option value="fr">' in page.text and '<option value="en">' not in page.text.split(action)[1][:2000]

    done = owner.post(action, {"language": "fr"})
    assert done.status_code == 303 and done.headers["location"].endswith("#versions")
    translation = _versions(session, agreement.id)[-1]
    assert translation.courtesy_of_sha256 == signed.sha256 and translation.language == "fr"
    assert "Traduction de courtoisie" in translation.body
    shown = owner.get(f"/agreements/{agreement.id}")
    assert "Courtesy translation, not binding" in shown.text

    again = owner.post(action, {"language": "en"})  # the signed language itself: refused, nothing written
    assert again.status_code == 303 and len(_versions(session, agreement.id)) == translation.number


def test_a_viewer_is_offered_nothing_and_refused(session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement, number = signed_generated_agreement(session, people)
    before = len(_versions(session, agreement.id))
    viewer = sign_in(Role.VIEWER)
    action = f"/agreements/{agreement.id}/versions/{number}/translations"
    assert action not in viewer.get(f"/agreements/{agreement.id}").text
    refused = viewer.post(action, {"language": "es"})
    assert refused.status_code in (303, 403) and len(_versions(session, agreement.id)) == before
    assert viewer.post(action, {"language": "es"}, csrf=False).status_code == 403


def test_an_agreement_signed_in_two_languages_is_offered_and_gets_a_bilingual_version(
    session, make_user, sign_in
) -> None:
    from tests.builders import draft_agreement

    people = cast(make_user)
    agreement = draft_agreement(session, people)
    agreement.languages = ["en", "fr"]
    agreement.partnership.objectives = "To cooperate on the protection of migrants"
    session.commit()
    owner = sign_in(user=people.manager)
    page = owner.get(f"/agreements/{agreement.id}")
    assert '<option value="en+fr">' in page.text
    done = owner.post(
        f"/agreements/{agreement.id}/versions",
        {"template": "mou", "language": "en+fr"},
    )
    assert done.status_code == 303, done.text
    version = _versions(session, agreement.id)[-1]
    assert version.language == "en+fr" and "<!-- language: fr -->" in version.body
