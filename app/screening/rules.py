"""The screening guard and effect of the agreement workflow (named in ``app/workflows/agreement.yaml``)."""

from __future__ import annotations

from app.agreements.models import Agreement
from app.agreements.rules import signing_parties
from app.screening import service
from app.workflow.registry import Context, effect, guard


@guard("parties_screened")
def _parties_screened(ctx: Context) -> list[str]:
    """Every party is screened against the current sanctions list and clear (no pending or confirmed match)."""
    agreement: Agreement = ctx.entity
    return service.blocking_reasons(ctx.session, [party.organisation for party in signing_parties(agreement)])


@effect("record_party_screening")
def _record_party_screening(ctx: Context) -> None:
    """Write the screening the approval relied on for each party not yet screened against the current list."""
    agreement: Agreement = ctx.entity
    for party in signing_parties(agreement):
        if service.standing(ctx.session, party.organisation).status is service.ScreeningStatus.UNSCREENED:
            service.screen_organisation(ctx.session, party.organisation)
