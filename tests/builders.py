"""Builders of test data that go through the services, as the application does, and small shared checks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements import service as agreements
from app.agreements.models import Agreement, AgreementKind
from app.agreements.rules import signing_parties, sources_of
from app.agreements.schemas import AgreementCreate
from app.config import get_settings
from app.db import Base
from app.obligations import service as obligations
from app.obligations.schemas import ObligationCreate
from app.organisations.models import AreaOfEngagement, Organisation, OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate
from app.organisations.service import create_organisation
from app.partnerships.models import Partnership, PartyRole
from app.partnerships.schemas import PartnershipCreate, PartyInput, UndertakingCreate
from app.partnerships.service import create_partnership, record_undertaking
from app.screening import loading as screening_loading
from app.screening import service as screening
from app.users.models import Role, User
from app.workflow import engine
from app.workflow.actor import Actor

_numbers = itertools.count(1)
SCREENING_LIST = Path(__file__).parent / "fixtures" / "screening" / "consolidated.xml"
"""A copy of the UN Consolidated List's structure with fictional entries (no test organisation matches them)."""
PROBLEM_JSON = "application/problem+json"

RECORDED_WITH_AGREEMENT = Actor.system(reason="obligation recorded with its agreement")
SET_UP = Actor.system(reason="a test's set-up")
"""The system, as a command sets up data (organisations) for a test."""


SYSTEM = Actor.system(reason="a test's automatic step")
"""The system, as the scheduler and agreement events fire what happens on its own."""


def acting(user: User | None) -> Actor:
    """The person ``user``, or the system when there is none (the happy path's automatic steps)."""
    return Actor.person(user) if user is not None else SYSTEM


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
    created = create_organisation(session, data, actor=SET_UP)
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


# agreements ------------------------------------------------------------------------------------------------


@dataclass
class Cast:
    """The people an agreement needs: a manager who owns it, two legal officers (four eyes) and an admin."""

    manager: User
    lawyer: User
    second_lawyer: User
    admin: User


def cast(make_user: Any) -> Cast:
    """Fresh users for each part."""
    return Cast(
        make_user(Role.PROJECT_MANAGER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.ADMIN),
    )


def formalising_partnership(session: Session, people: Cast, partners: int = 2) -> Partnership:
    """A committed partnership in ``formalising``: partners with focal points, an area, an undertaking."""
    orgs = [organisation(session, contacts=[{"name": f"Focal {i}", "title": "Director"}]) for i in range(partners)]
    created = partnership(session, people.manager, *orgs, legal_officer_id=people.lawyer.id)
    for party, org in zip(created.parties, orgs, strict=True):
        party.focal_point_id = org.contacts[0].id
    created.areas = [session.scalars(select(AreaOfEngagement)).first()]
    today = clock.today(get_settings().zone)
    undertaking = UndertakingCreate(given_on=today, given_by="The director", scope="Joint work", form="verbal")
    record_undertaking(session, created.id, undertaking, people.manager)
    engine.fire(session, "partnership", created, "start_formalising", Actor.person(people.manager))
    session.commit()
    return created


def draft_agreement(
    session: Session,
    people: Cast,
    owner: Partnership | None = None,
    *,
    kind: AgreementKind = AgreementKind.MOU,
    parent: Agreement | None = None,
    effective: date | None = None,
    end: date | None = None,
    notice: int = 30,
    complete: bool = True,
) -> Agreement:
    """A committed draft whose submission guards all pass (unless ``complete`` is false: no version, no obligations)."""
    owner = owner or formalising_partnership(session, people)
    today = clock.today(get_settings().zone)
    data = AgreementCreate(
        partnership_id=owner.id,
        kind=kind,
        title=f"{kind.value.upper()} {next(_numbers)}",
        parent_id=parent.id if parent else None,
        effective_date=effective or today - timedelta(days=5),
        end_date=end or today + timedelta(days=365),
        notice_period_days=notice,
    )
    created = agreements.create_agreement(session, data, people.manager)
    if complete:
        for party in [None, *signing_parties(created)]:
            obligation = ObligationCreate(party_id=party.id if party else None, description="Report", due_date=today)
            obligations.add_obligation(session, created.id, obligation, RECORDED_WITH_AGREEMENT)
        agreements.add_version(session, created.id, f"The text of {created.title} & <annexes>", people.manager)
    session.commit()
    return created


def signatures_for(agreement: Agreement, signed_on: date | None = None) -> list[dict[str, Any]]:
    """A signature payload for every party and for the organisation."""
    day = (signed_on or clock.today(get_settings().zone)).isoformat()
    parties = [None, *(party.id for party in signing_parties(agreement))]
    return [
        {"party_id": party_id, "signatory_name": f"Signatory {party_id}", "signatory_title": "Head", "signed_on": day}
        for party_id in parties
    ]


def withdrawal_payload(agreement: Agreement) -> dict[str, Any]:
    """The first partner party gives notice today; it takes effect once the notice period has run."""
    today = clock.today(get_settings().zone)
    return {
        "party_id": str(signing_parties(agreement)[0].id),
        "notice_given_on": today.isoformat(),
        "effective_on": (today + timedelta(days=agreement.notice_period_days)).isoformat(),
        "reason": "The partner closes its office",
    }


def happy_step(agreement: Agreement, trigger: str, people: Cast) -> tuple[User | None, str | None, dict | None]:
    """Who fires ``trigger`` on the happy path, with which comment and payload."""
    today = clock.today(get_settings().zone)
    steps: dict[str, tuple[User | None, str | None, dict | None]] = {
        "submit_for_review": (people.manager, None, None),
        "request_changes": (people.lawyer, "Tighten the data protection clause", None),
        "approve": (people.lawyer, None, {"version_sha256": getattr(agreement.latest_version, "sha256", None)}),
        "record_signatures": (people.lawyer, None, {"signatures": signatures_for(agreement)}),
        "activate": (None, None, None),
        "suspend": (people.lawyer, "Audit pending", None),
        "resume": (people.lawyer, None, None),
        "expire": (None, None, None),
        "terminate": (
            people.lawyer,
            None,
            {
                "reason": "The partner closed its office",
                "termination_date": (today + timedelta(days=agreement.notice_period_days)).isoformat(),
            },
        ),
        "supersede": (None, None, None),
        "cancel": (people.manager, "No longer needed", None),
        "withdraw_party": (people.lawyer, None, withdrawal_payload(agreement)),
        "withdrawal_takes_effect": (None, None, None),
    }
    return steps[trigger]


def ensure_screening_list(session: Session) -> None:
    """Load the fictional Consolidated List fixture when the database has no list yet (approval needs one)."""
    if screening.current_list(session) is None:
        with SCREENING_LIST.open("rb") as stream:
            screening_loading.load_list(session, stream, file_name=SCREENING_LIST.name)


def screened_parties(session: Session, agreement: Agreement) -> None:
    """Screen the agreement's parties against the loaded list (the fixture if none), as approval requires."""
    ensure_screening_list(session)
    for party in signing_parties(agreement):
        screening.screen_organisation(session, party.organisation)


def advance(session: Session, agreement: Agreement, trigger: str, people: Cast) -> None:
    """Fire ``trigger`` as the happy path does (expiry travels to the day after the end date).

    ``activate`` travels to a future effective date, and is a no-op when the signature already activated the
    agreement (its effective date reached).
    """
    if trigger == "activate" and agreement.status not in sources_of("agreement", "activate"):
        return
    if trigger == "approve":
        screened_parties(session, agreement)
    actor, comment, payload = happy_step(agreement, trigger, people)
    zone = get_settings().zone
    moment = clock.now()
    if trigger == "withdrawal_takes_effect":  # a withdrawal is given notice first, then its day comes
        _, _, notice = happy_step(agreement, "withdraw_party", people)
        engine.fire(session, "agreement", agreement, "withdraw_party", acting(people.lawyer), payload=notice)
        moment = datetime.combine(date.fromisoformat(notice["effective_on"]), time(12), tzinfo=zone)
    if trigger == "expire":
        moment = datetime.combine(agreement.end_date + timedelta(days=1), time(12), tzinfo=zone)
    elif trigger == "activate" and agreement.effective_date and agreement.effective_date > clock.today(zone):
        moment = datetime.combine(agreement.effective_date, time(12), tzinfo=zone)
    with clock.frozen_at(moment):
        engine.fire(session, "agreement", agreement, trigger, acting(actor), comment, payload=payload)


def signed_generated_agreement(session: Session, people: Cast, language: str = "en") -> tuple[Agreement, int]:
    """A committed, signed MOU whose signed version was rendered from the MOU template; its signed version's number."""
    from app.drafting.service import generate_version

    agreement = draft_agreement(session, people)
    version = generate_version(session, agreement.id, None, language, {"purpose": "to cooperate"}, people.manager)
    session.commit()
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(session, agreement, trigger, people)
        session.commit()
    return agreement, version.number
