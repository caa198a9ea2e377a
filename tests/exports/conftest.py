"""A small portfolio to export: organisations of several kinds and countries, partnerships, an agreement in force."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.organisations.models import Organisation, OrganisationKind
from app.partnerships.models import Partnership, PartyRole
from tests.builders import Cast, advance, cast, draft_agreement, formalising_partnership, organisation, partnership
from tests.web.conftest import sign_in  # noqa: F401  (the pages' signed-in browser, for the page tests here)

EVIL_NAME = '=HYPERLINK("http://evil.example","click")'


@dataclass
class Portfolio:
    """What the exports tests look for."""

    people: Cast
    kenyan: Organisation
    evil: Organisation
    ivorian: Organisation
    joint: Partnership
    solo: Partnership
    formal: Partnership
    in_force: Agreement
    draft: Agreement


@pytest.fixture
def portfolio(session, make_user) -> Portfolio:
    people = cast(make_user)
    kenyan = organisation(
        session,
        "Kituo Cha Sheria",
        short_name="KCS",
        region="East Africa",
        registration_number="KE-REG-77",
        website="https://kituochasheria.example.org",
        email="info@kituo.example.org",
        area_codes=["migrant_health", "humanitarian"],
        contacts=[
            {"name": "Otieno", "email": "otieno@kituo.example.org"},
            {"name": "Amina Wanjiru", "title": "Head", "email": "amina@kituo.example.org", "is_focal_point": True},
        ],
    )
    evil = organisation(session, EVIL_NAME, country_code="FR", kind=OrganisationKind.THINK_TANK, notes="-2+3")
    ivorian = organisation(
        session, "Université Félix Houphouët-Boigny", country_code="CI", kind=OrganisationKind.ACADEMIC
    )
    joint = partnership(
        session,
        people.manager,
        (kenyan, PartyRole.LEAD_PARTNER),
        (ivorian, PartyRole.CO_PARTNER),
        title="Health desks on the corridor",
        area_codes=["migrant_health"],
        legal_officer_id=people.lawyer.id,
    )
    solo = partnership(session, people.admin, evil, title="Think tank talks", area_codes=["policy_dialogue"])
    formal = formalising_partnership(session, people)
    in_force = draft_agreement(session, people, formal)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, in_force, trigger, people)
    draft = draft_agreement(session, people, formal, end=clock.today(get_settings().zone) + timedelta(days=30))
    session.commit()
    return Portfolio(people, kenyan, evil, ivorian, joint, solo, formal, in_force, draft)


def read_csv(content: bytes) -> list[dict[str, str]]:
    """The rows of an exported CSV (which must start with a UTF-8 BOM)."""
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> tuple[list[str], list[dict[str, object]], object]:
    """The header, the rows (as dicts of cell values) and the sheet of an exported workbook."""
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    return header, rows, sheet
