"""Fixtures and builders for the data-quality tests: complete records, and a signed-in browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.organisations.models import Organisation, OrganisationKind
from app.partnerships.models import Partnership
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.quality.rules import CHECKS
from app.users.models import User
from tests.builders import Cast, advance, draft_agreement, formalising_partnership, organisation, partnership
from tests.web.conftest import sign_in  # noqa: F401  (the pages' fixture, for the page tests here)

WEIGHTS = {entity: {check.name: check.weight for check in checks} for entity, checks in CHECKS.items()}


def today() -> date:
    return clock.today(get_settings().zone)


def expected_score(entity: str, applicable: set[str], failed: set[str]) -> float:
    """100 x passed weight / applicable weight, as the rules define it, rounded like the service."""
    weights = WEIGHTS[entity]
    total = sum(weights[name] for name in applicable)
    return round(100 * (total - sum(weights[name] for name in failed)) / total, 1)


def complete_organisation(session: Session, name: str | None = None, **fields: Any) -> Organisation:
    """A CSO with everything the rules expect: region, registration, website, an area and a focal point."""
    values: dict[str, Any] = {
        "kind": OrganisationKind.NATIONAL_CSO,
        "region": "East Africa",
        "registration_number": "REG-001",
        "website": "https://partner.example.org",
        "area_codes": ["migrant_health"],
        "contacts": [{"name": "Amina Otieno", "email": "amina@partner.example.org", "is_focal_point": True}],
    }
    values.update(fields)
    made = organisation(session, name, **values)
    if "region" in fields and fields["region"] is None:  # no region at all (its country's is derived otherwise)
        made.region = None
        session.flush()
    return made


def complete_partnership(session: Session, owner: User, *orgs: Organisation, **fields: Any) -> Partnership:
    """An ad hoc partnership with a title, objectives, an area and a project with dates."""
    first = today()
    values: dict[str, Any] = {
        "objectives": "Refer migrants to health services",
        "area_codes": ["migrant_health"],
        "project": {"name": "Health referrals", "start_date": first, "end_date": first + timedelta(days=365)},
    }
    values.update(fields)
    return partnership(session, owner, *orgs, **values)


def make_informal(session: Session, created: Partnership, actor: User) -> None:
    """Name each party's focal point and record an undertaking (the partnership becomes informal)."""
    for party in created.parties:
        party.focal_point_id = party.organisation.contacts[0].id
    undertaking = UndertakingCreate(given_on=today(), given_by="The director", scope="Joint referrals", form="verbal")
    record_undertaking(session, created.id, undertaking, actor)
    session.commit()


def formal_agreement(session: Session, people: Cast) -> Agreement:
    """An MOU in force (submitted, approved, signed, activated): its partnership is formal."""
    owner = formalising_partnership(session, people)
    owner.objectives = "Work together"
    session.commit()
    agreement = draft_agreement(session, people, owner)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, trigger, people)
    session.commit()
    return agreement


@pytest.fixture
def people(make_user: Callable[..., User]) -> Cast:
    from tests.builders import cast

    return cast(make_user)
