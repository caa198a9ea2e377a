"""Pages: each party's signature recorded on its own (wet-ink scan, electronic), and a party's withdrawal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.users.models import Role
from tests.builders import advance, cast, draft_agreement

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _fresh(session: Session, agreement: Agreement) -> Agreement:
    session.expire_all()
    return session.get(Agreement, agreement.id)


def test_parties_sign_one_by_one_on_the_page_then_one_withdraws(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people, notice=20)
    for trigger in ("submit_for_review", "approve"):
        advance(session, agreement, trigger, people)
    session.commit()
    sha = agreement.approved_sha256
    first, second = signing_parties(agreement)
    url = f"/agreements/{agreement.id}"
    viewer = sign_in(Role.VIEWER)
    page = viewer.get(url).text
    assert 'id="party-signing"' in page and "Awaited" in page and "Record the signature of" not in page
    refused = viewer.post(f"{url}/signing/organisation/electronic", {"typed_name": "X"})
    assert refused.status_code == 403

    lawyer = sign_in(user=people.lawyer)
    page = lawyer.get(url).text
    assert page.count("Record the signature of") == 3 and sha in page
    stale = lawyer.post(f"{url}/signing/{first.id}/electronic",
                        {"typed_name": "Amina", "signatory_title": "Director", "consent": "yes",
                         "version_sha256": "0" * 64})  # fmt: skip
    assert stale.status_code == 303 and _fresh(session, agreement).signatures == []
    done = lawyer.post(f"{url}/signing/{first.id}/electronic",
                       {"typed_name": "Amina", "signatory_title": "Director", "consent": "yes",
                        "version_sha256": sha})  # fmt: skip
    assert done.status_code == 303
    signature = _fresh(session, agreement).signatures[0]
    assert signature.method == "electronic" and sha in signature.consent_text
    today = clock.today(get_settings().zone).isoformat()
    for key in ("organisation", str(second.id)):
        response = lawyer.post(
            f"{url}/signing/{key}/wet-ink",
            {"signatory_name": f"Signer {key}", "signatory_title": "Head", "signed_on": today, "version_sha256": sha},
            files={"file": ("scan.png", PNG, "image/png")},
        )
        assert response.status_code == 303
    agreement = _fresh(session, agreement)
    assert agreement.status == "active" and len(agreement.signatures) == 3
    page = lawyer.get(url).text
    assert "Download the signed PDF" in page and "A party withdraws" in page
    pdf = lawyer.get(f"{url}/signed.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    response = lawyer.post(f"{url}/withdrawals", {"party_id": str(first.id), "reason": "Office closed"})
    assert response.status_code == 303
    expected = clock.today(get_settings().zone) + timedelta(days=20)
    page = lawyer.get(url).text
    assert "Withdraws on" in page
    assert _fresh(session, agreement).status == "active"
    from app.agreements.withdrawals import withdrawals_by_party

    assert withdrawals_by_party(session, agreement)[first.id].effective_on == expected
