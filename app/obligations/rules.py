"""Guards, effects and daily criteria of the obligation workflow, and the agreement guard about obligations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, select

from app.agreements.models import Agreement
from app.agreements.rules import CARRIES_OVER_OBLIGATIONS, party_name, signing_parties, sources_of
from app.i18n import MESSAGES
from app.obligations.models import Obligation, Recurrence
from app.partnerships.models import PartnershipParty
from app.workflow.definition import states
from app.workflow.registry import Context, criterion, effect, guard

MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.SEMI_ANNUALLY: 6, Recurrence.ANNUALLY: 12}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when that day does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):  # the 31st of a shorter month falls on its last day
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def next_occurrence(obligation: Obligation) -> date | None:
    """The due date after the current one, or ``None`` when the current one is the last."""
    if obligation.recurrence is None or obligation.due_date is None:
        return None
    following = add_months(obligation.due_date, MONTHS[obligation.recurrence])
    until = obligation.recurrence_until or obligation.agreement.end_date
    return following if until is None or following <= until else None


# the agreement workflow asks this one: every bound party (and the organisation) owes something
@guard("obligation_per_party")
def _obligation_per_party(ctx: Context) -> list[str]:
    agreement: Agreement = ctx.entity
    agreement_ids = [agreement.id]
    if agreement.kind in CARRIES_OVER_OBLIGATIONS and agreement.parent_id:
        agreement_ids.append(agreement.parent_id)
    bound = select(Obligation.party_id).where(
        Obligation.agreement_id.in_(agreement_ids),
        Obligation.status.not_in(sorted(states("obligation", group="waived"))),
    )
    with_obligations = set(ctx.session.scalars(bound))
    expected: list[PartnershipParty | None] = [None, *signing_parties(agreement)]
    return [
        MESSAGES.gettext("no obligation is recorded for {party}", party=party_name(party))
        for party in expected
        if (party.id if party else None) not in with_obligations
    ]


@guard("last_occurrence")
def _last_occurrence(ctx: Context) -> list[str]:
    following = next_occurrence(ctx.entity)
    if following is not None:
        return [
            MESSAGES.gettext(
                "this obligation recurs (next due {following}); record this occurrence as done instead",
                following=following,
            )
        ]
    return []


@guard("more_occurrences")
def _more_occurrences(ctx: Context) -> list[str]:
    if next_occurrence(ctx.entity) is None:
        return [MESSAGES.gettext("this is the last (or only) occurrence; fulfil the obligation instead")]
    return []


@guard("fulfilment_date_valid")
def _fulfilment_date_valid(ctx: Context) -> list[str]:
    if ctx.payload is None:
        return []
    done = date.fromisoformat(ctx.payload["fulfilled_on"])
    return [MESSAGES.gettext("the date it was done ({done}) is in the future", done=done)] if done > ctx.today else []


@guard("due_date_passed")
def _due_date_passed(ctx: Context) -> list[str]:
    due = ctx.entity.due_date
    return (
        []
        if due is not None and due < ctx.today
        else [MESSAGES.gettext("the due date ({due}) has not passed", due=due)]
    )


@effect("record_fulfilment")
def _record_fulfilment(ctx: Context) -> None:
    obligation: Obligation = ctx.entity
    obligation.fulfilled_on = date.fromisoformat(ctx.payload["fulfilled_on"]) if ctx.payload else ctx.today
    obligation.evidence_note = (ctx.payload or {}).get("evidence")


@effect("advance_occurrence")
def _advance_occurrence(ctx: Context) -> None:
    obligation: Obligation = ctx.entity
    done = (ctx.payload or {}).get("fulfilled_on", ctx.today.isoformat())
    note = f"{obligation.due_date}: done on {done}"
    if (ctx.payload or {}).get("evidence"):
        note += f" ({ctx.payload['evidence']})"
    obligation.evidence_note = "\n".join(filter(None, [obligation.evidence_note, note]))
    obligation.due_date = next_occurrence(obligation)


@effect("record_report")
def _record_report(ctx: Context) -> None:
    obligation: Obligation = ctx.entity
    note = f"{(ctx.payload or {}).get('reported_on', ctx.today.isoformat())}: {(ctx.payload or {}).get('evidence', '')}"
    obligation.evidence_note = "\n".join(filter(None, [obligation.evidence_note, note.strip()]))


@guard("waived_by_owner_or_legal")
def _waived_by_owner_or_legal(ctx: Context) -> list[str]:
    if ctx.actor.is_system or ctx.actor.has_role("admin", "legal_officer"):
        return []
    partnership = ctx.entity.agreement.partnership
    owners = {partnership.owner_id, *(person.id for person in partnership.co_owners)}
    if ctx.actor.user_id in owners:
        return []
    return [
        MESSAGES.gettext(
            "only a legal officer, an admin, or a project manager who owns the partnership may waive its obligations"
        )
    ]


@effect("record_waiver")
def _record_waiver(ctx: Context) -> None:
    ctx.entity.waived_reason = (ctx.payload or {}).get("reason")


@effect("clear_outcome")
def _clear_outcome(ctx: Context) -> None:
    obligation: Obligation = ctx.entity
    obligation.fulfilled_on = None
    obligation.waived_reason = None


@effect("plan_obligation_reminders")
def _plan_obligation_reminders(ctx: Context) -> None:
    from app.reminders.planner import plan_obligation

    plan_obligation(ctx.session, ctx.entity)


@criterion("obligation_due_date_passed")
def _due_date_passed_criterion(today: date) -> ColumnElement[bool]:
    return and_(Obligation.status.in_(sources_of("obligation", "mark_overdue")), Obligation.due_date < today)
