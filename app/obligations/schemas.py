"""What the API and CLI accept for obligations across agreements (the obligation itself is in agreements)."""

from __future__ import annotations

from datetime import date

from app.obligations.models import ObligationStatus
from app.schemas import Id, QueryModel


class ObligationFilter(QueryModel):
    """Filters for the obligation list."""

    status: ObligationStatus | None = None
    partnership_id: Id | None = None
    due_before: date | None = None
