"""A small portfolio built through the services and the workflow engine, each step back-dated, with known figures.

Day 0 is ``START`` (08:00 UTC). Organisations: A (national CSO, KE, "East Africa"), B (academic, FR, "Europe"),
C (UN agency, KE, no region), D (private sector, BR, "South America").

- P1: A; areas humanitarian + migrant_health; ad hoc since day 0.
- P2: A, B; humanitarian; ad hoc day 0, informal day 10 (a second undertaking on day 12 is no new stay).
- P3: B, C, D; research_data; ad hoc day 0, informal day 20, formalising day 25, formal day 40 (an MOU in force,
  ending 45 days after TODAY; its four obligations fell due on day 40 and are still open, so overdue).
- P4: D; no area; ad hoc day 0, dormant day 30.

Completed stays: ad hoc 10, 20, 30 days (median 20); informal 5 (median 5); formalising 15 (median 15).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.organisations.models import AreaOfEngagement, Organisation, OrganisationKind
from app.partnerships.models import Partnership, PartyRole
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import Cast, advance, draft_agreement, organisation, partnership

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)


def day(n: float) -> datetime:
    """``n`` days after the start."""
    return START + timedelta(days=n)


@dataclass
class Small:
    """The portfolio's rows, for the tests that need ids."""

    people: Cast
    orgs: dict[str, Organisation]
    partnerships: dict[str, Partnership]


def _undertaking(session, people: Cast, target: Partnership, when: datetime) -> None:
    with clock.frozen_at(when):
        data = UndertakingCreate(given_on=when.date(), given_by="The director", scope="Joint work", form="verbal")
        record_undertaking(session, target.id, data, people.manager)
        session.commit()


def _areas(session, *codes: str) -> list[AreaOfEngagement]:
    return list(session.scalars(select(AreaOfEngagement).where(AreaOfEngagement.code.in_(codes))))


@pytest.fixture
def small_portfolio(session, make_user) -> Small:
    people = Cast(
        make_user(Role.PROJECT_MANAGER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.ADMIN),
    )
    focal = [{"name": "Focal Point", "title": "Director", "email": "focal@example.org"}]
    orgs = {
        "A": organisation(session, "Alpha Association", kind=OrganisationKind.NATIONAL_CSO, region="East Africa"),
        "B": organisation(
            session,
            "Beta University",
            kind=OrganisationKind.ACADEMIC,
            country_code="FR",
            region="Europe",
            contacts=focal,
        ),
        "C": organisation(session, "Gamma UN Office", kind=OrganisationKind.UN_AGENCY, contacts=focal),
        "D": organisation(
            session,
            "Delta Logistics",
            kind=OrganisationKind.PRIVATE_SECTOR,
            country_code="BR",
            region="South America",
            contacts=focal,
        ),
    }
    with clock.frozen_at(day(0)):
        p1 = partnership(session, people.manager, orgs["A"], area_codes=["humanitarian", "migrant_health"])
        p2 = partnership(
            session, people.manager, orgs["A"], (orgs["B"], PartyRole.CO_PARTNER), area_codes=["humanitarian"]
        )
        p3 = partnership(
            session,
            people.manager,
            orgs["B"],
            (orgs["C"], PartyRole.CO_PARTNER),
            (orgs["D"], PartyRole.DONOR),
            area_codes=["research_data"],
            legal_officer_id=people.lawyer.id,
        )
        p4 = partnership(session, people.manager, orgs["D"])
    _undertaking(session, people, p2, day(10))
    _undertaking(session, people, p2, day(12))
    _undertaking(session, people, p3, day(20))
    for party, org in zip(p3.parties, [orgs["B"], orgs["C"], orgs["D"]], strict=True):
        party.focal_point_id = org.contacts[0].id
    session.commit()
    with clock.frozen_at(day(25)):
        engine.fire(session, "partnership", p3, "start_formalising", Actor.person(people.manager))
        session.commit()
    with clock.frozen_at(day(30)):
        engine.fire(session, "partnership", p4, "go_dormant", Actor.person(people.manager))
        session.commit()
    with clock.frozen_at(day(40)):
        mou = draft_agreement(session, people, p3, end=TODAY + timedelta(days=45))
        for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
            advance(session, mou, trigger, people)
        session.commit()
    assert p3.stage == "formal" and p4.stage == "dormant" and p2.stage == "informal"
    return Small(people, orgs, {"P1": p1, "P2": p2, "P3": p3, "P4": p4})
