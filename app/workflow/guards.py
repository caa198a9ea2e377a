"""Guards: small named checks that return the reasons a transition is blocked (empty means allowed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Guard = Callable[[Session, Any], list[str]]
GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    """Register a guard under ``name`` so workflow files can refer to it."""

    def register(function: Guard) -> Guard:
        GUARDS[name] = function
        return function

    return register


@guard("has_partner_with_focal_point")
def _has_partner_with_focal_point(session: Session, partnership: Any) -> list[str]:
    from app.partnerships.schemas import PARTNER_ROLES

    partners = [party for party in partnership.parties if party.role in PARTNER_ROLES]
    if not partners:
        return ["the partnership has no partner party (lead, co- or implementing partner)"]
    if not any(party.focal_point_id for party in partners):
        return ["no partner party has a focal point; name one among the partner's contacts"]
    return []


@guard("has_area_of_engagement")
def _has_area_of_engagement(session: Session, partnership: Any) -> list[str]:
    return [] if partnership.areas else ["the partnership has no area of engagement"]


@guard("has_undertaking")
def _has_undertaking(session: Session, partnership: Any) -> list[str]:
    return [] if partnership.undertakings else ["no undertaking in principle has been recorded"]
