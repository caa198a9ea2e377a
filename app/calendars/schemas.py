"""What the calendar endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SubscriptionRead(BaseModel):
    """Whether I have a working feed URL (the URL itself is shown only when it is issued)."""

    active: bool = Field(description="Whether a feed URL works now")
    prefix: str | None = Field(None, description="The first characters of the URL's secret, to recognise it")
    created_at: datetime | None = Field(None, description="When the working URL was issued")


class SubscriptionIssued(SubscriptionRead):
    """A new feed URL, shown in this answer only; any earlier one stopped working."""

    url: str = Field(description="The feed's address (https or http): subscribe to it in a calendar program")
    webcal_url: str = Field(description="The same address with webcal://, which opens a calendar program")
