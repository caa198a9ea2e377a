"""Pages: the signed-in user's dashboard — what is theirs, what is expiring, late, waiting or failing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.service import awaiting_review, ending_between
from app.api.deps import DbSession, TransactionalRoute
from app.config import get_settings
from app.i18n import WEB
from app.obligations.service import overdue
from app.partnerships.models import Partnership
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import count_by_stage, involving
from app.reminders.email import SubjectMissing, load_context
from app.reminders.models import Reminder
from app.reminders.service import failed, upcoming_for
from app.users.models import Role, User
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.rendering import render
from app.workflow.definition import get_workflow

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext
LIMIT = 25
WINDOWS = (
    (0, 30, WEB.lazy("Within 30 days"), WEB.lazy("No active agreement ends within 30 days.")),
    (31, 60, WEB.lazy("In 31 to 60 days"), WEB.lazy("No active agreement ends in 31 to 60 days.")),
    (61, 90, WEB.lazy("In 61 to 90 days"), WEB.lazy("No active agreement ends in 61 to 90 days.")),
)
"""Each window of the expiring agreements: first and last day from today, heading and empty state."""


def _about(session: Session, reminders: list[Reminder]) -> list[dict[str, Any]]:
    """Each reminder with what it is about, in words, read from its agreement or obligation."""
    described = []
    for reminder in reminders:
        try:
            context = load_context(session, reminder)
        except SubjectMissing:
            context = None
        described.append({"reminder": reminder, "context": context})
    return described


def _review(session: Session, user: User, mine: Any) -> tuple[str, str, Any]:
    """The heading, the empty state and the agreements in review that concern ``user``."""
    if user.has_role(Role.LEGAL_OFFICER, Role.ADMIN):
        found = awaiting_review(session, reviewable_by=user.id, limit=LIMIT)
        return _("Drafts waiting for your review"), _("No draft is waiting for review."), found
    if user.has_role(Role.PROJECT_MANAGER):
        found = awaiting_review(session, partnerships=mine, limit=LIMIT)
        return _("Your drafts in review"), _("None of your drafts is with a legal officer right now."), found
    return _("Drafts in review"), _("Reviewing drafts is for legal officers; nothing here for you."), None


@router.get("/dashboard")
def dashboard(request: Request, session: DbSession, user: PageUser) -> Response:
    """What needs the signed-in user's attention."""
    require(user, Action.READ)
    today = clock.today(get_settings().zone)
    mine = select(Partnership.id).where(involving(user.id))
    portfolio = user.has_role(Role.ADMIN, Role.VIEWER)  # management takes stock of everything
    within = None if portfolio else mine

    counts = count_by_stage(session, PartnershipFilter(), involving_user_id=user.id)
    stages = [(stage, counts.get(stage, 0)) for stage in get_workflow("partnership").states]
    expiring = []
    for first, last, label, empty in WINDOWS:
        found = ending_between(
            session, today + timedelta(days=first), today + timedelta(days=last), partnerships=within, limit=LIMIT
        )
        expiring.append({"label": str(label), "empty": str(empty), "days": last, "found": found})
    review_heading, review_empty, review = _review(session, user, mine)
    failures = (
        failed(session, limit=LIMIT)
        if user.has_role(Role.ADMIN)
        else failed(session, partnerships=mine, addressed_to=user, limit=LIMIT)
    )
    context = {
        "stages": stages,
        "mine_total": sum(counts.values()),
        "portfolio": portfolio,
        "expiring": expiring,
        "late_obligations": overdue(session, partnerships=within, limit=LIMIT),
        "review_heading": review_heading,
        "review_empty": review_empty,
        "review": review,
        "failures": failures,
        "failed_about": _about(session, failures.items),
        "upcoming": _about(session, upcoming_for(session, user, limit=10)),
        "organisation_name": get_settings().organisation_name,
        "days_between": _days_between,
    }
    return render(request, "dashboard.html", context)


def _days_between(first: date, second: date) -> int:
    return (second - first).days
