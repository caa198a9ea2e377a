"""The facts a template is filled from: what the system knows about a partnership and an agreement.

Nobody retypes a fact the system holds: the variables come from the partnership (parties, focal points,
areas, objectives), the agreement (term, notice period, obligations, signatures) and its parent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.drafting.labels import default_event
from app.obligations.models import Obligation
from app.organisations.models import Contact
from app.partnerships.models import Partnership
from app.schemas import country_name
from app.workflow.definition import states


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _partners(partnership: Partnership, agreement: Agreement | None) -> list[dict[str, Any]]:
    signed = {s.party_id: s for s in agreement.signatures} if agreement else {}
    parties = signing_parties(agreement) if agreement else [p for p in partnership.parties if p.role != "observer"]
    result = []
    for party in parties:
        org, signature = party.organisation, signed.get(party.id)
        result.append(
            {
                "legal_name": org.legal_name,
                "short_name": org.short_name,
                "country": country_name(org.country_code) if org.country_code else None,
                "country_code": org.country_code,
                "signatory_name": signature.signatory_name if signature else None,
                "signatory_title": signature.signatory_title if signature else None,
                "signed_on": _iso(signature.signed_on) if signature else None,
            }
        )
    return result


def _contacts(session: Session, partnership: Partnership, organisation_name: str) -> list[dict[str, Any]]:
    owner = partnership.owner
    contacts = [
        {
            "party": organisation_name,
            "name": owner.full_name,
            "title": "Partnership owner",  # in the document's language at rendering (app.drafting.labels)
            "role": "owner",
            "email": owner.email,
        }
    ]
    for party in partnership.parties:
        contact = session.get(Contact, party.focal_point_id) if party.focal_point_id else None
        if contact is not None and contact.email:
            contacts.append(
                {
                    "party": party.organisation.legal_name,
                    "name": contact.name,
                    "title": contact.title,
                    "email": contact.email,
                }
            )
    return contacts


def partnership_variables(session: Session, partnership: Partnership) -> dict[str, Any]:
    """What the partnership tells every template: parties, focal points, areas, purpose, latest contacts."""
    organisation_name = get_settings().organisation_name
    undertaking = partnership.undertakings[-1] if partnership.undertakings else None
    interaction = partnership.interactions[-1] if partnership.interactions else None
    return {
        "reference": partnership.reference,
        "organisation_name": organisation_name,
        "partners": _partners(partnership, None),
        "purpose": partnership.objectives,
        "areas": [{"name": area.name, "description": area.description} for area in partnership.areas],
        "contacts": _contacts(session, partnership, organisation_name),
        "handles_personal_data": partnership.handles_personal_data,
        "undertaking_date": _iso(undertaking.given_on) if undertaking else None,
        "undertaking": undertaking.scope if undertaking else None,
        "interaction_date": _iso(interaction.occurred_on) if interaction else None,
        "event": default_event(interaction.kind.value) if interaction else None,
        "event_kind": interaction.kind.value if interaction else None,
        "summary": interaction.summary if interaction else None,
    }


def _obligations(session: Session, agreement: Agreement, organisation_name: str) -> list[dict[str, Any]]:
    names = {party.id: party.organisation.legal_name for party in agreement.partnership.parties}
    stmt = select(Obligation).where(
        Obligation.agreement_id == agreement.id, Obligation.status.not_in(sorted(states("obligation", group="waived")))
    )
    result = []
    for obligation in session.scalars(stmt.order_by(Obligation.party_id.is_not(None), Obligation.id)):
        description = obligation.description
        item: dict[str, Any] = {}
        if obligation.recurrence is not None:
            until = f" until {obligation.recurrence_until.isoformat()}" if obligation.recurrence_until else ""
            description = f"{description} ({obligation.recurrence.value.replace('_', '-')}{until})"
            # The parts, so that another language writes the recurrence its own way (app.drafting.labels).
            item = {"summary": obligation.description, "recurrence": obligation.recurrence.value,
                    "recurrence_until": _iso(obligation.recurrence_until)}  # fmt: skip
        party = names.get(obligation.party_id, organisation_name) if obligation.party_id else organisation_name
        result.append({"party": party, "description": description, "due_date": _iso(obligation.due_date), **item})
    return result


def agreement_variables(session: Session, agreement: Agreement) -> dict[str, Any]:
    """The partnership's variables plus the agreement's term, obligations, signatures and its parent."""
    variables = partnership_variables(session, agreement.partnership)
    organisation_name = variables["organisation_name"]
    own = next((s for s in agreement.signatures if s.party_id is None), None)
    parent = session.get(Agreement, agreement.parent_id) if agreement.parent_id else None
    variables |= {
        "reference": agreement.reference,
        "partnership_reference": agreement.partnership.reference,
        "title": agreement.title,
        "partners": _partners(agreement.partnership, agreement),
        "obligations": _obligations(session, agreement, organisation_name),
        "effective_date": _iso(agreement.effective_date),
        "end_date": _iso(agreement.end_date),
        "notice_period_days": agreement.notice_period_days,
        "organisation_signatory_name": own.signatory_name if own else None,
        "organisation_signatory_title": own.signatory_title if own else None,
        "organisation_signed_on": _iso(own.signed_on) if own else None,
    }
    if parent is not None:
        variables |= {
            "original_title": parent.title,
            "original_date": _iso(parent.effective_date),
            "original_reference": parent.reference,
            "end_date": _iso(parent.end_date),
            "new_end_date": _iso(agreement.end_date),
        }
    if agreement.kind is AgreementKind.TERMINATION_NOTICE:
        variables |= {"notice_date": _iso(agreement.effective_date), "termination_date": _iso(agreement.end_date)}
    return variables
