"""A partnership ready for partner links: two parties with e-mail focal points, an agreement with clauses and
obligations per party."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from app import clock
from app.agreements import service as agreements
from app.agreements.models import Agreement, DocumentVersion
from app.config import get_settings
from app.obligations.models import Obligation
from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation
from app.partner_links.models import PartnerLink
from app.partner_links.service import issue_partner_link
from app.partnerships.models import Partnership
from tests.builders import Cast, draft_agreement, formalising_partnership

CLAUSED_TEXT = """# Memorandum of Understanding
Reference: PA-2026-0001

## 1. Purpose
The parties cooperate on migrant health.

## 2. Obligations of the parties
Each party reports every quarter.

### 2.1 Reporting
Reports are sent by e-mail.

## 3. Term
This memorandum runs for two years.
"""


@dataclass
class Scene:
    """What a partner link test needs."""

    partnership: Partnership
    agreement: Agreement
    version: DocumentVersion
    obligation: Obligation
    other_obligation: Obligation


def scene(session: Session, people: Cast) -> Scene:
    """A formalising partnership with two parties (focal points with e-mail), a draft with clauses, obligations."""
    created = formalising_partnership(session, people)
    first, second = (party.organisation for party in created.parties)
    first.contacts[0].email, first.contacts[0].name = "fatou@sahel.example.org", "Fatou Sow"
    second.contacts[0].email, second.contacts[0].name = "omar@imr.example.org", "Omar Ba"
    second.contacts[0].language = "fr"
    for contact in (first.contacts[0], second.contacts[0]):
        contact.is_focal_point = True
    session.commit()
    agreement = draft_agreement(session, people, created, complete=False)
    version = agreements.add_version(session, agreement.id, CLAUSED_TEXT, people.manager)
    due = clock.today(get_settings().zone) + timedelta(days=20)
    first_party, second_party = (party.id for party in created.parties)
    mine_data = ObligationCreate(party_id=first_party, description="Quarterly report", due_date=due)
    theirs_data = ObligationCreate(party_id=second_party, description="Host the workshop", due_date=due)
    mine = add_obligation(session, agreement.id, mine_data, people.manager)
    theirs = add_obligation(session, agreement.id, theirs_data, people.manager)
    session.commit()
    return Scene(created, agreement, version, mine, theirs)


def link_for(session: Session, people: Cast, found: Scene, party: int = 0, **options) -> tuple[PartnerLink, str]:
    """A committed link to the focal point of party ``party``; the token (the URL's last part)."""
    contact = found.partnership.parties[party].organisation.contacts[0]
    options.setdefault("document_version_id", found.version.id)
    link, url = issue_partner_link(session, found.partnership.id, contact.id, actor=people.lawyer, **options)
    session.commit()
    return link, url.rsplit("/", 1)[1]
