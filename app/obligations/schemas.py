"""What the API, pages and CLI accept and return for obligations."""

from __future__ import annotations

from datetime import date

from pydantic import EmailStr, Field, model_validator

from app.i18n import MESSAGES
from app.obligations.models import Recurrence
from app.schemas import Id, InputModel, LongText, OutputModel, QueryModel, omittable, vocabulary


class ObligationFilter(QueryModel):
    """Filters for the obligation list."""

    status: str | None = Field(None, min_length=1, max_length=60, json_schema_extra=vocabulary("obligation_states"))
    partnership_id: Id | None = None
    due_before: date | None = None


class ObligationCreate(InputModel):
    """A duty of one party (``party_id``) or of the organisation (no ``party_id``) under the agreement."""

    party_id: Id | None = Field(None, description="A party of the partnership; leave out for the organisation")
    description: LongText = Field(min_length=1)
    due_date: date | None = None
    recurrence: Recurrence | None = None
    recurrence_until: date | None = None
    responsible_email: EmailStr | None = None
    survives_termination: bool = Field(
        False, description="Owed after the agreement ends (confidentiality, a final report): may fall due after it"
    )

    @model_validator(mode="after")
    def _when(self) -> ObligationCreate:
        if self.due_date is None and self.recurrence is None:
            raise ValueError(MESSAGES.gettext("give a due date, a recurrence, or both"))
        if self.recurrence_until and self.due_date and self.recurrence_until < self.due_date:
            raise ValueError(MESSAGES.gettext("the recurrence cannot end before the first due date"))
        return self


class ObligationUpdate(InputModel):
    """Changes to an obligation of a draft agreement: only the fields given change."""

    party_id: Id | None = Field(None, description="A party of the partnership; null for the organisation")
    description: LongText = omittable(min_length=1)
    due_date: date | None = None
    recurrence: Recurrence | None = None
    recurrence_until: date | None = None
    responsible_email: EmailStr | None = None
    survives_termination: bool = omittable()


class ObligationRead(OutputModel):
    """An obligation as returned by the API."""

    id: int
    agreement_id: int
    party_id: int | None
    description: str
    due_date: date | None
    recurrence: Recurrence | None
    recurrence_until: date | None
    status: str = Field(json_schema_extra=vocabulary("obligation_states"))
    fulfilled_on: date | None
    evidence_note: str | None
    waived_reason: str | None
    responsible_email: str | None
    survives_termination: bool = False
