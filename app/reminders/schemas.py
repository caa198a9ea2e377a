"""What the API accepts and returns for reminders and reminder policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import EmailStr, Field

from app.i18n import MESSAGES
from app.reminders.models import ReminderKind, ReminderStatus
from app.schemas import Id, InputModel, LongText, OutputModel, QueryModel


class ReminderRead(OutputModel):
    """A reminder in the outbox."""

    id: int
    kind: ReminderKind
    subject_type: str
    subject_id: int
    partnership_id: int | None
    due_on: date
    offset_days: int
    send_at: datetime
    recipient_email: str
    recipient_user_id: int | None
    status: ReminderStatus
    attempts: int
    last_error: str | None
    cancel_reason: str | None
    message_id: str | None
    sent_at: datetime | None


class ReminderFilter(QueryModel):
    """Filters for the reminder list."""

    status: ReminderStatus | None = None
    kind: ReminderKind | None = None
    partnership_id: Id | None = None
    recipient: str | None = Field(None, max_length=254, description="An email address")
    send_before: datetime | None = Field(None, description="Only reminders going out before this instant")


class CancelRequest(InputModel):
    """Why a reminder should not go out."""

    reason: LongText = Field(min_length=1, max_length=2000)


Days = list[int]
DaysBefore = Annotated[int, Field(ge=0, le=3650)]


class ReminderPolicyInput(InputModel):
    """An agreement's own reminder policy; a field left out keeps the organisation's default."""

    end_date_days: list[DaysBefore] | None = Field(None, max_length=20, description="Days before the end date")
    notice_days: list[DaysBefore] | None = Field(None, max_length=20, description="Days before the notice deadline")
    obligation_days: list[DaysBefore] | None = Field(
        None, max_length=20, description="Days before an obligation is due"
    )
    on_overdue: bool | None = None
    focal_points: bool | None = Field(None, description="Also email the partners' focal points")
    cc: list[EmailStr] | None = Field(None, max_length=20)

    def as_overrides(self) -> dict[str, object]:
        """The fields given, ready to store; day lists sorted, duplicates dropped, range checked."""
        overrides: dict[str, object] = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if name.endswith("_days"):
                if any(not 0 <= day <= 3650 for day in value):
                    from app.errors import invalid

                    raise invalid(name, MESSAGES.gettext("each number of days must be between 0 and 3650"))
                value = sorted(set(value), reverse=True)
            overrides[name] = value
        return overrides
