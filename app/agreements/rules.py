"""Guards, effects and daily criteria of the agreement workflow (named in ``app/workflows/agreement.yaml``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, select

from app import clock
from app.agreements.models import Agreement, AgreementKind, Signature, SignatureMethod
from app.config import get_settings
from app.i18n import MESSAGES
from app.partnerships.models import PartnershipParty, PartyRole
from app.workflow import definition, engine
from app.workflow.actor import Actor
from app.workflow.definition import get_workflow, states
from app.workflow.registry import Context, criterion, effect, effect_many, guard

ENDED_MOVE = "ended"  # not a workflow state: the partnership_moves event of app/workflows/agreement.yaml
CARRIES_OVER_OBLIGATIONS = {AgreementKind.AMENDMENT, AgreementKind.EXTENSION, AgreementKind.TERMINATION_NOTICE}


def sources_of(workflow: str, trigger: str) -> list[str]:
    """The states ``trigger`` fires from, sorted (a daily criterion selects exactly the rows it may move)."""
    return sorted({state for t in get_workflow(workflow).transitions if t.trigger == trigger for state in t.sources})


def signing_parties(agreement: Agreement) -> list[PartnershipParty]:
    """The partner parties bound by the agreement (every party of the partnership except observers)."""
    return [party for party in agreement.partnership.parties if party.role is not PartyRole.OBSERVER]


def party_name(party: PartnershipParty | None) -> str:
    """The party's legal name, or the organisation's own name for ``None``."""
    return party.organisation.legal_name if party is not None else get_settings().organisation_name


# guards ------------------------------------------------------------------------------------------------
# (``version_complete`` judges the document, so drafting registers it: app/drafting/rules.py)


@guard("term_set")
def _term_set(ctx: Context) -> list[str]:
    agreement: Agreement = ctx.entity
    reasons = []
    if agreement.effective_date is None:
        reasons.append(MESSAGES.gettext("the effective date of the agreement is missing"))
    if agreement.end_date is None:
        reasons.append(MESSAGES.gettext("the end date of the agreement is missing"))
    elif agreement.effective_date is not None and agreement.end_date <= agreement.effective_date:
        reasons.append(MESSAGES.gettext("the end date of the agreement must come after its effective date"))
    return reasons


@guard("four_eyes")
def _four_eyes(ctx: Context) -> list[str]:
    """The approver is neither the author of the version under review nor the person who submitted it."""
    agreement: Agreement = ctx.entity
    if ctx.actor.is_system:
        return []
    reasons = []
    version = agreement.latest_version
    if version is not None and version.author_id == ctx.actor.user_id:
        reasons.append(
            MESSAGES.gettext(
                "you wrote version {number}; another legal officer must approve it (four eyes)", number=version.number
            )
        )
    if agreement.submitted_by_id == ctx.actor.user_id:
        reasons.append(
            MESSAGES.gettext("you submitted this version; another legal officer must approve it (four eyes)")
        )
    return reasons


@guard("approves_submitted_version")
def _approves_submitted_version(ctx: Context) -> list[str]:
    agreement: Agreement = ctx.entity
    version = agreement.latest_version
    if version is None or version.number != agreement.submitted_version_number:
        return [MESSAGES.gettext("the document changed after it was submitted; it must be submitted again")]
    claimed = (ctx.payload or {}).get("version_sha256")
    if claimed is not None and claimed != version.sha256:
        return [
            MESSAGES.gettext(
                "the version you reviewed is not the current one: version {number} has hash {sha256}",
                number=version.number,
                sha256=version.sha256,
            )
        ]
    return []


@guard("approved_version_unchanged")
def _approved_version_unchanged(ctx: Context) -> list[str]:
    agreement: Agreement = ctx.entity
    version = agreement.latest_version
    if version is None or version.sha256 != agreement.approved_sha256:
        return [
            MESSAGES.gettext("the document changed after approval; the approved version is no longer the current one")
        ]
    return []


@guard("signatures_complete")
def _signatures_complete(ctx: Context) -> list[str]:
    if ctx.payload is None:  # only asking what is available: signatures come with the action
        return []
    agreement: Agreement = ctx.entity
    parties = {party.id: party for party in signing_parties(agreement)}
    approved_on = clock.local_date(agreement.approved_at, get_settings().zone) if agreement.approved_at else None
    reasons, seen = [], set()
    already = {s.party_id for s in agreement.signatures}
    for signature in ctx.payload.get("signatures", []):
        party_id, signed_on = signature["party_id"], date.fromisoformat(signature["signed_on"])
        if party_id is not None and party_id not in parties:
            reasons.append(MESSAGES.gettext("party {party_id} is not a party to this agreement", party_id=party_id))
            continue
        name = party_name(parties.get(party_id) if party_id else None)
        if party_id in seen:
            reasons.append(MESSAGES.gettext("{name} is listed twice", name=name))
        seen.add(party_id)
        if party_id in already:
            reasons.append(MESSAGES.gettext("{name} has already signed", name=name))
        if signed_on > ctx.today:
            reasons.append(
                MESSAGES.gettext(
                    "the signature date of {name} ({signed_on}) is in the future", name=name, signed_on=signed_on
                )
            )
        if approved_on is not None and signed_on < approved_on:
            reasons.append(
                MESSAGES.gettext(
                    "the signature date of {name} ({signed_on}) is before the approval ({approved_on})",
                    name=name,
                    signed_on=signed_on,
                    approved_on=approved_on,
                )
            )
    for party_id in [None, *parties]:
        if party_id not in seen and party_id not in already:
            reasons.append(
                MESSAGES.gettext(
                    "the signature of {party} is missing", party=party_name(parties.get(party_id) if party_id else None)
                )
            )
    return reasons


@guard("never_drafted_here")
def _never_drafted_here(ctx: Context) -> list[str]:
    """Only an agreement signed elsewhere may be recorded as signed: nothing drafted or submitted here skips review."""
    agreement: Agreement = ctx.entity
    reasons = []
    if agreement.submitted_by_id is not None:
        reasons.append(
            MESSAGES.gettext(
                "this agreement was submitted for review here; it must be approved and signed through review"
            )
        )
    if any(version.template_key for version in agreement.document_versions):
        reasons.append(
            MESSAGES.gettext("this agreement was drafted from a template here; it must go through review and approval")
        )
    return reasons


@guard("effective_date_reached")
def _effective_date_reached(ctx: Context) -> list[str]:
    effective = ctx.entity.effective_date
    if effective is None or effective > ctx.today:
        return [MESSAGES.gettext("the effective date ({effective}) has not been reached", effective=effective)]
    return []


@guard("end_date_passed")
def _end_date_passed(ctx: Context) -> list[str]:
    end = ctx.entity.end_date
    if end is None or end >= ctx.today:
        return [MESSAGES.gettext("the end date ({end}) has not passed", end=end)]
    return []


@guard("termination_respects_notice")
def _termination_respects_notice(ctx: Context) -> list[str]:
    if ctx.payload is None:
        return []
    agreement: Agreement = ctx.entity
    ends_on = date.fromisoformat(ctx.payload["termination_date"])
    reasons = []
    if agreement.effective_date and ends_on < agreement.effective_date:
        reasons.append(
            MESSAGES.gettext(
                "the termination date is before the effective date ({effective_date})",
                effective_date=agreement.effective_date,
            )
        )
    if agreement.end_date and ends_on > agreement.end_date:
        reasons.append(
            MESSAGES.gettext(
                "the termination date is after the end date ({end_date}); let it expire instead",
                end_date=agreement.end_date,
            )
        )
    earliest = ctx.today + timedelta(days=agreement.notice_period_days)
    override = ctx.payload.get("override_justification")
    if override and not ctx.by_admin:
        reasons.append(MESSAGES.gettext("only an admin may override the notice period"))
    elif ends_on < earliest and not override:
        reasons.append(
            MESSAGES.gettext(
                "the notice period is {notice_period_days} days: the earliest termination date is {earliest} "
                "(an admin may override it with a justification)",
                notice_period_days=agreement.notice_period_days,
                earliest=earliest,
            )
        )
    return reasons


# effects -----------------------------------------------------------------------------------------------


@effect("record_submission")
def _record_submission(ctx: Context) -> None:
    agreement: Agreement = ctx.entity
    agreement.submitted_by_id = ctx.actor.user_id
    agreement.submitted_version_number = agreement.latest_version.number if agreement.latest_version else None


@effect("record_approval")
def _record_approval(ctx: Context) -> None:
    agreement: Agreement = ctx.entity
    version = agreement.latest_version
    assert version is not None  # guaranteed by the approves_submitted_version guard
    agreement.approved_by_id = ctx.actor.user_id
    agreement.approved_at = clock.now()
    agreement.approved_version_number = version.number
    agreement.approved_sha256 = version.sha256


@effect("store_signatures")
def _store_signatures(ctx: Context) -> None:
    agreement: Agreement = ctx.entity
    version = agreement.latest_version
    assert version is not None  # guaranteed by the approved_version_unchanged guard
    for signature in (ctx.payload or {}).get("signatures", []):
        agreement.signatures.append(
            Signature(
                party_id=signature["party_id"],
                signatory_name=signature["signatory_name"],
                signatory_title=signature["signatory_title"],
                signed_on=date.fromisoformat(signature["signed_on"]),
                document_version_id=version.id,
                document_sha256=version.sha256,
                recorded_by_id=ctx.actor.audit_id,
                method=SignatureMethod.RECORDED,
            )
        )
    ctx.session.flush()


@effect("activate_if_effective")
def _activate_if_effective(ctx: Context) -> None:
    """Signed with an effective date of today or earlier: in force now, not at the next daily run.

    Fired through the engine as the system acting for the signer, so the history shows who caused it and when.
    """
    agreement: Agreement = ctx.entity
    if agreement.effective_date is None or agreement.effective_date > ctx.today:
        return
    why = f"in force at signature (effective date {agreement.effective_date})"
    system = Actor.system(reason=why, on_behalf_of=ctx.actor.audit_id)
    comment = f"Signed with an effective date of {agreement.effective_date}: in force at signature"
    engine.fire(ctx.session, "agreement", agreement, "activate", system, comment)


@effect("record_existing_evidence")
def _record_existing_evidence(ctx: Context) -> None:
    """A signed copy uploaded with the record is the version the signatures bind to."""
    agreement: Agreement = ctx.entity
    claimed = (ctx.payload or {}).get("document_sha256")
    version = next((v for v in reversed(agreement.document_versions) if v.sha256 == claimed), None)
    if version is not None:
        agreement.approved_version_number = version.number
        agreement.approved_sha256 = version.sha256
        agreement.approved_by_id = ctx.actor.user_id
        agreement.approved_at = clock.now()


@guard("corrected_term_ordered")
def _corrected_term_ordered(ctx: Context) -> list[str]:
    payload = ctx.payload
    if payload is None:
        return []
    effective, end = date.fromisoformat(payload["effective_date"]), date.fromisoformat(payload["end_date"])
    return (
        []
        if end > effective
        else [
            MESSAGES.gettext(
                "the end date {end} must come after the effective date {effective}", end=end, effective=effective
            )
        ]
    )


@effect("apply_corrected_term")
def _apply_corrected_term(ctx: Context) -> None:
    """The corrected dates replace the recorded ones; reminders follow when the agreement is in force again."""
    agreement: Agreement = ctx.entity
    payload = ctx.payload or {}
    agreement.effective_date = date.fromisoformat(payload["effective_date"])
    agreement.end_date = date.fromisoformat(payload["end_date"])
    ctx.session.flush()
    _plan_reminders(ctx)


@effect("plan_reminders")
def _plan_reminders(ctx: Context) -> None:
    """Plan, reschedule or cancel the agreement's reminders (and its obligations') for its new status."""
    from app.reminders.planner import plan_agreement

    plan_agreement(ctx.session, ctx.entity)


@effect_many("plan_reminders")
def _plan_reminders_many(contexts: list[Context]) -> None:
    from app.reminders.planner import plan_agreements

    plan_agreements(contexts[0].session, [ctx.entity for ctx in contexts])


@effect("record_termination")
def _record_termination(ctx: Context) -> None:
    agreement: Agreement = ctx.entity
    agreement.terminated_on = date.fromisoformat(ctx.payload["termination_date"]) if ctx.payload else ctx.today
    agreement.termination_reason = (ctx.payload or {}).get("reason")


def _move_partnership(ctx: Context, event_name: str, comment: str) -> None:
    partnership = ctx.entity.partnership
    trigger = definition.get_workflow("agreement").moves[event_name]
    if definition.get_workflow("partnership").find(trigger, partnership.stage) is not None:
        engine.fire(ctx.session, "partnership", partnership, trigger, Actor.system(reason=comment), comment)


@effect("partnership_in_force")
def _partnership_in_force(ctx: Context) -> None:
    """The first agreement in force makes the partnership formal."""
    _move_partnership(ctx, "in_force", f"{ctx.entity.title} is in force")


@effect("supersede_parent")
def _supersede_parent(ctx: Context) -> None:
    """An amendment, extension or renewal in force takes the place of the agreement it modifies."""
    agreement: Agreement = ctx.entity
    parent = ctx.session.get(Agreement, agreement.parent_id) if agreement.parent_id else None
    if parent is not None and parent.status in states("agreement", group="in_force"):
        replaced = f"Replaced by: {agreement.title}"
        engine.fire(ctx.session, "agreement", parent, "supersede", Actor.system(reason=replaced), replaced)


@effect("partnership_ended_if_last")
def _partnership_ended_if_last(ctx: Context) -> None:
    """When no agreement of the partnership is in force (or signed and about to be), the partnership has ended."""
    agreement: Agreement = ctx.entity
    others = select(Agreement.id).where(
        Agreement.partnership_id == agreement.partnership_id,
        Agreement.id != agreement.id,
        Agreement.status.in_(sorted(states("agreement", group="signed_and_in_force"))),
    )
    if ctx.session.scalars(others.limit(1)).first() is None:
        _move_partnership(ctx, ENDED_MOVE, f"{agreement.title}: {agreement.status}")


# daily criteria ----------------------------------------------------------------------------------------


@criterion("effective_date_reached")
def _due_for_activation(today: date) -> ColumnElement[bool]:
    return and_(Agreement.status.in_(sources_of("agreement", "activate")), Agreement.effective_date <= today)


@criterion("end_date_passed")
def _due_for_expiry(today: date) -> ColumnElement[bool]:
    return and_(Agreement.status.in_(sources_of("agreement", "expire")), Agreement.end_date < today)
