"""Guards of the partnership workflow (named in ``app/workflows/partnership.yaml``): each returns the reasons a
transition is blocked (empty means allowed)."""

from __future__ import annotations

from app.i18n import MESSAGES
from app.partnerships.schemas import PARTNER_ROLES
from app.workflow.definition import state_name, states
from app.workflow.registry import Context, guard


@guard("has_partner_with_focal_point")
def _has_partner_with_focal_point(ctx: Context) -> list[str]:
    partners = [party for party in ctx.entity.parties if party.role in PARTNER_ROLES]
    if not partners:
        return [MESSAGES.gettext("the partnership has no partner party (lead, co- or implementing partner)")]
    if not any(party.focal_point_id for party in partners):
        return [MESSAGES.gettext("no partner party has a focal point; name one among the partner's contacts")]
    without_legal_name = [p for p in partners if not (p.organisation.legal_name or "").strip()]
    if without_legal_name:
        return [MESSAGES.gettext("a partner organisation has no legal name")]
    return []


@guard("has_area_of_engagement")
def _has_area_of_engagement(ctx: Context) -> list[str]:
    return [] if ctx.entity.areas else [MESSAGES.gettext("the partnership has no area of engagement")]


@guard("has_undertaking")
def _has_undertaking(ctx: Context) -> list[str]:
    return [] if ctx.entity.undertakings else [MESSAGES.gettext("no undertaking in principle has been recorded")]


@guard("no_agreement_in_force")
def _no_agreement_in_force(ctx: Context) -> list[str]:
    """A partnership cannot leave formal while one of its agreements binds the parties."""
    binding = states("agreement", group="signed_and_in_force")
    bound = [a for a in ctx.entity.agreements if a.status in binding]
    return [
        MESSAGES.gettext(
            "agreement {title} is {state}: terminate it first",
            title=repr(a.title),
            state=state_name("agreement", a.status),
        )
        for a in bound
    ]
