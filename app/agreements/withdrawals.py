"""A partner party leaves an agreement in force, on notice, while the others stay bound.

The withdrawal takes effect at the notice date plus the agreement's notice period, or at a later date given; it is
recorded through the engine (``withdraw_party``) and takes effect on its date through the daily run
(``withdrawal_takes_effect``): the party's open obligations are waived (obligation workflow) and the reminders planned
for its people cancelled (re-planning). When no partner party would remain, the agreement is terminated instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, PartyWithdrawal, WithdrawalStatus
from app.agreements.rules import party_name, signing_parties, sources_of
from app.config import get_settings
from app.db import get_for_update
from app.errors import Conflict, invalid
from app.i18n import MESSAGES
from app.obligations.models import Obligation
from app.partnerships.models import PartnershipParty
from app.users.policy import Action
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import states
from app.workflow.registry import Context, criterion, effect, guard

WORKFLOW = "agreement"


def effective_date(agreement: Agreement, notice_given_on: date, requested: date | None = None) -> date:
    """When a withdrawal noticed on ``notice_given_on`` takes effect: after the notice period, or later if asked."""
    earliest = notice_given_on + timedelta(days=agreement.notice_period_days)
    return max(earliest, requested) if requested is not None else earliest


def remaining_partners(session: Session, agreement: Agreement, leaving: PartnershipParty) -> list[PartnershipParty]:
    """The partner parties still bound once ``leaving`` has gone (those with a withdrawal of their own excluded)."""
    stmt = select(PartyWithdrawal.party_id).where(PartyWithdrawal.agreement_id == agreement.id)
    gone = set(session.scalars(stmt)) | {leaving.id}
    return [party for party in signing_parties(agreement) if party.id not in gone]


def withdraw_party(
    session: Session,
    agreement: Agreement,
    party: PartnershipParty,
    *,
    reason: str,
    actor: Actor,
    notice_given_on: date | None = None,
    effective_on: date | None = None,
) -> PartyWithdrawal:
    """Record ``party``'s withdrawal from the agreement in force; it takes effect at notice + notice period.

    ``effective_on`` may only push that date later. When no partner party would remain, the agreement is terminated
    through ``terminate`` on that date instead (the withdrawal is recorded all the same).
    """
    from app.agreements.service import require_on_agreement

    agreement = get_for_update(session, Agreement, agreement.id, "agreement")
    require_on_agreement(actor, agreement, Action.RECORD_SIGNATURES)
    today = clock.today(get_settings().zone)
    notice = notice_given_on or today
    if notice > today:
        raise invalid("notice_given_on", MESSAGES.gettext("is in the future"))
    if not (reason or "").strip():
        raise invalid("reason", MESSAGES.gettext("is required"))
    earliest = effective_date(agreement, notice)
    if effective_on is not None and effective_on < earliest:
        raise invalid(
            "effective_on",
            MESSAGES.gettext(
                "the notice period is {notice_period_days} days: the earliest date is {earliest}",
                notice_period_days=agreement.notice_period_days,
                earliest=earliest,
            ),
        )
    when = effective_date(agreement, notice, effective_on)
    if agreement.status not in states(WORKFLOW, group="in_force"):
        raise Conflict(MESSAGES.gettext("a party may withdraw only from an agreement in force"))
    if not remaining_partners(session, agreement, party):
        _check_party(session, agreement, party)
        withdrawal = _add_withdrawal(session, agreement, party, notice, when, reason, actor)
        payload = {"reason": reason, "termination_date": when.isoformat()}
        comment = MESSAGES.gettext("{party} withdraws; no partner party remains", party=party_name(party))
        engine.fire(session, WORKFLOW, agreement, "terminate", actor, comment, payload=payload)
        return withdrawal
    payload = {"party_id": str(party.id), "notice_given_on": notice.isoformat(), "effective_on": when.isoformat(),
               "reason": reason}  # fmt: skip
    comment = MESSAGES.gettext("{party} withdraws from {date}", party=party_name(party), date=when.isoformat())
    engine.fire(session, WORKFLOW, agreement, "withdraw_party", actor, comment, payload=payload)
    return withdrawals_by_party(session, agreement)[party.id]


def withdrawals_by_party(session: Session, agreement: Agreement) -> dict[int, PartyWithdrawal]:
    """The agreement's withdrawals by party id."""
    stmt = select(PartyWithdrawal).where(PartyWithdrawal.agreement_id == agreement.id)
    return {row.party_id: row for row in session.scalars(stmt)}


def _check_party(session: Session, agreement: Agreement, party: PartnershipParty) -> list[str]:
    if party.id not in {p.id for p in signing_parties(agreement)}:
        raise invalid(
            "party_id", MESSAGES.gettext("party {party_id} is not a party to this agreement", party_id=party.id)
        )
    if party.id in withdrawals_by_party(session, agreement):
        raise Conflict(MESSAGES.gettext("{name} has already withdrawn", name=party_name(party)))
    return []


def _add_withdrawal(
    session: Session, agreement: Agreement, party: PartnershipParty, notice: date, when: date, reason: str, actor: Actor
) -> PartyWithdrawal:
    withdrawal = PartyWithdrawal(
        agreement_id=agreement.id, party_id=party.id, notice_given_on=notice, effective_on=when,
        reason=reason.strip(), recorded_by_id=actor.audit_id,
    )  # fmt: skip
    session.add(withdrawal)
    session.flush()
    return withdrawal


# guards, effects and daily criteria ---------------------------------------------------------------------


def _party_in(ctx: Context) -> PartnershipParty | None:
    wanted = int((ctx.payload or {})["party_id"])
    return next((party for party in ctx.entity.partnership.parties if party.id == wanted), None)


@guard("withdrawal_acceptable")
def _withdrawal_acceptable(ctx: Context) -> list[str]:
    """The party is a signing party that has not withdrawn, and the date respects the notice and the term."""
    if ctx.payload is None:
        return []
    agreement: Agreement = ctx.entity
    try:
        party = _party_in(ctx)
    except ValueError:
        party = None
    if party is None or party.id not in {p.id for p in signing_parties(agreement)}:
        return [MESSAGES.gettext("party {party_id} is not a party to this agreement", party_id=ctx.payload["party_id"])]
    reasons = []
    if party.id in withdrawals_by_party(ctx.session, agreement):
        reasons.append(MESSAGES.gettext("{name} has already withdrawn", name=party_name(party)))
    notice = date.fromisoformat(ctx.payload["notice_given_on"])
    when = date.fromisoformat(ctx.payload["effective_on"])
    if when < effective_date(agreement, notice):
        reasons.append(
            MESSAGES.gettext(
                "the notice period is {notice_period_days} days: the earliest date is {earliest}",
                notice_period_days=agreement.notice_period_days,
                earliest=effective_date(agreement, notice),
            )
        )
    if agreement.end_date is not None and when > agreement.end_date:
        reasons.append(
            MESSAGES.gettext(
                "the termination date is after the end date ({end_date}); let it expire instead",
                end_date=agreement.end_date,
            )
        )
    return reasons


@effect("record_withdrawal")
def _record_withdrawal(ctx: Context) -> None:
    payload = ctx.payload or {}
    party = _party_in(ctx)
    assert party is not None  # checked by withdrawal_acceptable
    _add_withdrawal(ctx.session, ctx.entity, party, date.fromisoformat(payload["notice_given_on"]),
                    date.fromisoformat(payload["effective_on"]), payload["reason"], ctx.actor)  # fmt: skip


def _due(session: Session, agreement: Agreement, today: date) -> list[PartyWithdrawal]:
    stmt = select(PartyWithdrawal).where(
        PartyWithdrawal.agreement_id == agreement.id,
        PartyWithdrawal.status == WithdrawalStatus.PENDING,
        PartyWithdrawal.effective_on <= today,
    )
    return list(session.scalars(stmt.order_by(PartyWithdrawal.id)))


@guard("withdrawal_due")
def _withdrawal_due(ctx: Context) -> list[str]:
    if not _due(ctx.session, ctx.entity, ctx.today):
        return [MESSAGES.gettext("no withdrawal takes effect today")]
    return []


@effect("apply_withdrawals")
def _apply_withdrawals(ctx: Context) -> None:
    """The withdrawals due take effect: the parties' open obligations are waived through the obligation workflow."""
    agreement: Agreement = ctx.entity
    open_states = sorted(states("obligation", group="open"))
    for withdrawal in _due(ctx.session, agreement, ctx.today):
        withdrawal.status = WithdrawalStatus.EFFECTIVE
        reason = f"{party_name(withdrawal.party)} withdrew from {agreement.reference} on {withdrawal.effective_on}"
        stmt = select(Obligation).where(
            Obligation.agreement_id == agreement.id,
            Obligation.party_id == withdrawal.party_id,
            Obligation.status.in_(open_states),
        )
        system = Actor.system(reason="party withdrawal", on_behalf_of=withdrawal.recorded_by_id)
        for obligation in ctx.session.scalars(stmt.order_by(Obligation.id)):
            engine.fire(ctx.session, "obligation", obligation, "waive", system, reason, payload={"reason": reason})
    ctx.session.flush()


@criterion("withdrawal_due")
def _due_withdrawals(today: date) -> ColumnElement[bool]:
    pending = select(PartyWithdrawal.agreement_id).where(
        PartyWithdrawal.status == WithdrawalStatus.PENDING, PartyWithdrawal.effective_on <= today
    )
    return and_(Agreement.status.in_(sources_of(WORKFLOW, "withdrawal_takes_effect")), Agreement.id.in_(pending))
