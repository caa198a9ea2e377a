"""The agreement pages name agreements by their reference: the page itself, its parent and its children."""

from __future__ import annotations

from app.agreements.models import AgreementKind
from tests.agreements.test_references import _child
from tests.builders import cast, draft_agreement


def test_an_extension_page_shows_its_reference_and_its_parent_s(session, make_user, sign_in):
    people = cast(make_user)
    mou = draft_agreement(session, people, complete=False)
    extension = _child(session, mou, AgreementKind.EXTENSION)
    session.commit()
    browser = sign_in(user=people.manager)
    page = browser.get(f"/agreements/{extension.id}").text
    assert f"{mou.reference}-EXT1" in page and f"{mou.reference} · {mou.title}" in page
    assert f"{extension.reference} · {extension.title}" in browser.get(f"/agreements/{mou.id}").text


def test_an_extension_page_shows_the_obligations_carried_over_from_its_parent(session, make_user, sign_in):
    people = cast(make_user)
    mou = draft_agreement(session, people)  # with one obligation per party and one of the organisation
    extension = _child(session, mou, AgreementKind.EXTENSION)
    session.commit()
    page = sign_in(user=people.manager).get(f"/agreements/{extension.id}").text
    carried = page.split('id="carried-obligations"')[1].split("</table>")[0]
    assert f"Carried over from {mou.reference}" in carried
    assert carried.count("<tr>") == 1 + len(mou.partnership.parties) + 1  # header, each party, the organisation
    assert "Report" in carried and "No obligations of its own yet" in page
    assert 'id="carried-obligations"' not in sign_in(user=people.manager).get(f"/agreements/{mou.id}").text
