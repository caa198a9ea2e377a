"""The people and parties a partnership names, checked before anything is written: its legal officer, each party's
organisation and focal point, and its project."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import FieldProblem, ValidationFailed, invalid
from app.i18n import MESSAGES
from app.organisations.models import Contact, Organisation
from app.partnerships.models import PartnershipParty, Project
from app.partnerships.schemas import PARTNER_ROLES, PartyInput, ProjectInput
from app.users.models import Role, User

_ = MESSAGES.gettext


def person_with_role(session: Session, user_id: int, field: str, roles: tuple[Role, ...], what: str) -> User:
    """The active user ``user_id`` holding one of ``roles``; a 422 on ``field`` otherwise."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise invalid(field, _("user {user_id} does not exist or is deactivated", user_id=user_id))
    if not user.has_role(*roles):
        raise invalid(field, _("{full_name} is not a {what}", full_name=user.full_name, what=what))
    return user


def the_legal_officer(session: Session, user_id: int) -> User:
    """The active legal officer ``user_id``; a 422 on ``legal_officer_id`` otherwise."""
    return person_with_role(session, user_id, "legal_officer_id", (Role.LEGAL_OFFICER,), "legal officer")


def build_parties(session: Session, parties: list[PartyInput]) -> list[PartnershipParty]:
    """The parties as rows, after checking every one (organisation, focal point, no twice, a partner among them)."""
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    built = []
    for index, party in enumerate(parties):
        field = f"parties[{index}]"
        organisation = session.get(Organisation, party.organisation_id)
        if organisation is None:
            problems.append(
                FieldProblem(
                    f"{field}.organisation_id",
                    _("organisation {organisation_id} does not exist", organisation_id=party.organisation_id),
                )
            )
            continue
        if party.organisation_id in seen:
            problems.append(
                FieldProblem(
                    f"{field}.organisation_id", _("{legal_name} is listed twice", legal_name=organisation.legal_name)
                )
            )
        seen.add(party.organisation_id)
        if party.focal_point_id is not None:
            contact = session.get(Contact, party.focal_point_id)
            if contact is None or contact.organisation_id != organisation.id:
                problems.append(
                    FieldProblem(
                        f"{field}.focal_point_id",
                        _(
                            "contact {focal_point_id} does not work at {legal_name}",
                            focal_point_id=party.focal_point_id,
                            legal_name=organisation.legal_name,
                        ),
                    )
                )
        built.append(PartnershipParty(organisation=organisation, role=party.role, focal_point_id=party.focal_point_id))
    if not any(party.role in PARTNER_ROLES for party in parties):
        problems.append(
            FieldProblem(
                "parties", _("a partnership needs at least one partner party (lead, co- or implementing partner)")
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return built


def project_from(data: ProjectInput | None, existing: Project | None) -> Project | None:
    """The project row ``data`` describes (``existing`` updated in place), or None."""
    if data is None:
        return None
    project = existing or Project()
    for name, value in data.model_dump().items():
        setattr(project, name, value)
    return project
