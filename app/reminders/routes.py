"""HTTP endpoints for reminders: the outbox, retry and cancel, my upcoming reminders and reminder policies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from app.agreements.routes import AgreementId
from app.agreements.schemas import AgreementRead
from app.api.deps import CurrentUser, DbSession, ExpectedVersion, TransactionalRoute, set_etag
from app.api.paging import page_response
from app.listing import SORT_DESCRIPTION, Page, PageParams, Paging
from app.reminders import service
from app.reminders.schemas import CancelRequest, ReminderFilter, ReminderPolicyInput, ReminderRead
from app.schemas import MAX_ID
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["reminders"])
ReminderId = Annotated[int, Path(gt=0, le=MAX_ID, description="Reminder id")]


class ReminderQuery(ReminderFilter, PageParams):
    """Filters, paging and sorting for the reminder list."""

    sort: service.SortKey | None = Field(None, description=SORT_DESCRIPTION)


@router.get("/reminders", response_model=Page[ReminderRead])
def list_reminders(session: DbSession, user: CurrentUser, query: Annotated[ReminderQuery, Query()]) -> Response:
    """The outbox, filtered by status, kind, partnership, recipient or send time."""
    require(user, Action.READ)
    found = service.list_reminders(session, query, query)
    return page_response(Page[ReminderRead].of(found, ReminderRead.model_validate))


@router.post("/reminders/{reminder_id}/retry", response_model=ReminderRead)
def retry(
    session: DbSession,
    user: CurrentUser,
    reminder_id: ReminderId,
    expected_version: ExpectedVersion,
    response: Response,
) -> ReminderRead:
    """Send a failed reminder again at the next dispatch (``If-Match`` refuses a stale request)."""
    reminder = service.retry(session, reminder_id, expected_version, actor=user)
    set_etag(response, reminder.version)
    return ReminderRead.model_validate(reminder)


@router.post("/reminders/{reminder_id}/cancel", response_model=ReminderRead)
def cancel(
    session: DbSession,
    user: CurrentUser,
    reminder_id: ReminderId,
    body: CancelRequest,
    expected_version: ExpectedVersion,
    response: Response,
) -> ReminderRead:
    """Make sure a planned or failed reminder does not go out (``If-Match`` refuses a stale request)."""
    reminder = service.cancel(session, reminder_id, body.reason, expected_version, actor=user)
    set_etag(response, reminder.version)
    return ReminderRead.model_validate(reminder)


@router.get("/me/upcoming", response_model=Page[ReminderRead])
def upcoming(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """The reminders still to be sent to me, soonest first."""
    require(user, Action.READ)
    return page_response(
        Page[ReminderRead].of(service.upcoming_page(session, user, paging), ReminderRead.model_validate)
    )


@router.put("/agreements/{agreement_id}/reminder-policy", response_model=AgreementRead)
def set_policy(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, body: ReminderPolicyInput
) -> AgreementRead:
    """Give the agreement its own reminder days and recipients; its reminders are re-planned at once."""
    return AgreementRead.model_validate(service.set_policy(session, agreement_id, body, actor=user))
