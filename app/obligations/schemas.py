"""What the API and CLI accept for obligations across agreements (the obligation itself is in agreements)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from app.schemas import Id, InputModel


class ObligationFilter(InputModel):
    """Filters for the obligation list."""

    status: str | None = Field(None, max_length=20)
    partnership_id: Id | None = None
    due_before: date | None = None
