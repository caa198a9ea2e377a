"""Builders of test data that go through the services, as the application does, and small shared checks."""

from __future__ import annotations

import itertools
from typing import Any

from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Base
from app.organisations.models import Organisation, OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate
from app.organisations.service import create_organisation
from app.partnerships.models import Partnership, PartyRole
from app.partnerships.schemas import PartnershipCreate, PartyInput
from app.partnerships.service import create_partnership
from app.users.models import User

_numbers = itertools.count(1)
PROBLEM_JSON = "application/problem+json"


def organisation(
    session: Session,
    legal_name: str | None = None,
    *,
    kind: OrganisationKind = OrganisationKind.NATIONAL_CSO,
    country_code: str = "KE",
    contacts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Organisation:
    """A committed organisation with a unique name unless one is given."""
    data = OrganisationCreate(
        legal_name=legal_name or f"Organisation {next(_numbers)}",
        kind=kind,
        country_code=country_code,
        contacts=[ContactCreate(**contact) for contact in contacts or []],
        **fields,
    )
    created = create_organisation(session, data)
    session.commit()
    return created


def partnership(
    session: Session,
    actor: User,
    *parties: Organisation | tuple[Organisation, PartyRole],
    title: str | None = None,
    **fields: Any,
) -> Partnership:
    """A committed partnership opened by ``actor``; bare organisations take part as lead partners."""
    party_inputs = [
        PartyInput(organisation_id=party.id, role=PartyRole.LEAD_PARTNER)
        if isinstance(party, Organisation)
        else PartyInput(organisation_id=party[0].id, role=party[1])
        for party in parties
    ]
    data = PartnershipCreate(title=title or f"Partnership {next(_numbers)}", parties=party_inputs, **fields)
    created = create_partnership(session, data, actor)
    session.commit()
    return created


def database_snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a refused request wrote nothing at all."""
    snapshot = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table)).all()
        snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def assert_problem(response: Response, status: int, *fields: str) -> dict[str, Any]:
    """Check a problem+json response with ``status`` whose ``errors`` name each of ``fields``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers["content-type"]
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"] and body["detail"]
    named = {error["field"] for error in body.get("errors", [])}
    for field in fields:
        assert field in named, f"{field!r} not among the fields named by {body}"
    for error in body.get("errors", []):
        assert error["reason"], error
    return body
